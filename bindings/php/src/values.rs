//! PHP arguments and values as PHP's own functions take them, in weak mode (php-zmq's
//! parameters are declared with PHP's parameter parser): `"7"` is the int 7, an int is
//! the string of its digits, null passed to a scalar parameter is deprecated and taken as
//! 0 / "" / false, and anything else is a TypeError worded as PHP words one. And message
//! bytes back to PHP strings.

use ext_php_rs::error::php_error;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::flags::ErrorType;
use ext_php_rs::types::{ZendCallable, ZendStr, Zval};

use crate::errors::type_error;

/// Where an argument was given: `function` ("ZMQSocket::send"), its 1-based position and
/// its parameter name, for messages.
#[derive(Clone, Copy)]
pub struct Arg {
    pub function: &'static str,
    pub position: usize,
    pub name: &'static str,
}

pub const fn arg(function: &'static str, position: usize, name: &'static str) -> Arg {
    Arg {
        function,
        position,
        name,
    }
}

impl Arg {
    fn wrong_type(self, expected: &str, value: &Zval) -> ext_php_rs::exception::PhpException {
        // PHP names the parameter, but not a variadic one (an empty name here).
        let name = if self.name.is_empty() {
            String::new()
        } else {
            format!(" (${})", self.name)
        };
        type_error(format!(
            "{}(): Argument #{}{name} must be of type {expected}, {} given",
            self.function,
            self.position,
            type_name(value)
        ))
    }

    fn null_deprecated(self, expected: &str) {
        php_error(
            &ErrorType::Deprecated,
            &format!(
                "Passing null to parameter #{} (${}) of type {expected} is deprecated",
                self.position, self.name
            ),
        );
    }

    /// An int parameter.
    pub fn int(self, value: &Zval) -> PhpResult<i64> {
        let value = value.dereference();
        if let Some(number) = value.long() {
            return Ok(number);
        }
        if value.is_null() {
            self.null_deprecated("int");
            return Ok(0);
        }
        if let Some(flag) = value.bool() {
            return Ok(i64::from(flag));
        }
        if let Some(float) = value.double() {
            if float.is_finite() && float >= i64::MIN as f64 && float <= i64::MAX as f64 {
                return Ok(float as i64);
            }
            return Err(self.wrong_type("int", value));
        }
        if let Some(text) = value.str() {
            let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
            if let Ok(number) = text.parse::<i64>() {
                return Ok(number);
            }
            if let Ok(float) = text.parse::<f64>() {
                if float.is_finite() && float.fract() == 0.0 {
                    return Ok(float as i64);
                }
            }
        }
        Err(self.wrong_type("int", value))
    }

    /// An optional int parameter (`default` when omitted).
    pub fn int_or(self, value: Option<&Zval>, default: i64) -> PhpResult<i64> {
        value.map_or(Ok(default), |value| self.int(value))
    }

    /// A bool parameter.
    pub fn bool(self, value: &Zval) -> PhpResult<bool> {
        let value = value.dereference();
        if value.is_null() {
            self.null_deprecated("bool");
            return Ok(false);
        }
        if value.is_array() || value.is_object() || value.is_resource() {
            return Err(self.wrong_type("bool", value));
        }
        Ok(value.coerce_to_bool())
    }

    pub fn bool_or(self, value: Option<&Zval>, default: bool) -> PhpResult<bool> {
        value.map_or(Ok(default), |value| self.bool(value))
    }

    /// Runs `with` on the bytes a string parameter gets from `value`.
    pub fn with_bytes<T>(
        self,
        value: &Zval,
        with: impl FnOnce(&[u8]) -> PhpResult<T>,
    ) -> PhpResult<T> {
        let value = value.dereference();
        if let Some(string) = value.zend_str() {
            return with(string.as_bytes());
        }
        if value.is_null() {
            self.null_deprecated("string");
            return with(b"");
        }
        if value.is_array() || value.is_resource() {
            return Err(self.wrong_type("string", value));
        }
        match value.coerce_to_string() {
            Some(text) => with(text.as_bytes()),
            None => Err(self.wrong_type("string", value)),
        }
    }

    /// A string parameter as text (endpoints, ids).
    pub fn string(self, value: &Zval) -> PhpResult<String> {
        self.with_bytes(value, |bytes| {
            Ok(String::from_utf8_lossy(bytes).into_owned())
        })
    }

    /// A `?string` parameter that may be omitted.
    pub fn nullable_string(self, value: Option<&Zval>) -> PhpResult<Option<String>> {
        match value {
            Some(value) if !value.dereference().is_null() => {
                let value = value.dereference();
                if value.is_array() || value.is_resource() {
                    return Err(self.wrong_type("?string", value));
                }
                self.string(value).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// A `?callable` parameter that may be omitted; the value itself, checked callable.
    pub fn nullable_callable(self, value: Option<&Zval>) -> PhpResult<Option<Zval>> {
        match value {
            Some(value) if !value.dereference().is_null() => {
                self.callable_with(value, " or null").map(Some)
            }
            _ => Ok(None),
        }
    }

    /// A `callable` parameter.
    pub fn callable(self, value: &Zval) -> PhpResult<Zval> {
        self.callable_with(value, "")
    }

    fn callable_with(self, value: &Zval, or_null: &str) -> PhpResult<Zval> {
        let value = value.dereference();
        if ZendCallable::new(value).is_ok() {
            return Ok(value.shallow_clone());
        }
        let why = match value.str() {
            Some(name) => format!("function \"{name}\" not found or invalid function name"),
            None => "no array or string given".to_owned(),
        };
        Err(type_error(format!(
            "{}(): Argument #{} (${}) must be a valid callback{or_null}, {why}",
            self.function, self.position, self.name
        )))
    }
}

/// PHP's name for a value's type in TypeError messages ("array", "stdClass"…).
pub fn type_name(value: &Zval) -> String {
    let value = value.dereference();
    if value.is_null() {
        "null".into()
    } else if value.is_bool() {
        "bool".into()
    } else if value.is_long() {
        "int".into()
    } else if value.is_double() {
        "float".into()
    } else if value.is_string() {
        "string".into()
    } else if value.is_array() {
        "array".into()
    } else if let Some(object) = value.object() {
        object.get_class_name().unwrap_or_else(|_| "object".into())
    } else if value.is_resource() {
        "resource".into()
    } else {
        "mixed".into()
    }
}

/// A PHP binary string holding `bytes`.
pub fn string_zval(bytes: &[u8]) -> Zval {
    let mut zval = Zval::new();
    zval.set_zend_string(ZendStr::new(bytes, false));
    zval
}

pub fn false_zval() -> Zval {
    let mut zval = Zval::new();
    zval.set_bool(false);
    zval
}

impl Arg {
    /// A parameter of a FerroMQ class `T` (PHP name `class`).
    pub fn object<'a, T: ext_php_rs::class::RegisteredClass>(
        self,
        value: &'a Zval,
        class: &str,
    ) -> PhpResult<&'a ext_php_rs::types::ZendClassObject<T>> {
        let value = value.dereference();
        value
            .object()
            .and_then(ext_php_rs::types::ZendClassObject::<T>::from_zend_obj)
            .ok_or_else(|| self.wrong_type(class, value))
    }

    /// A `?T` parameter that may be omitted.
    pub fn nullable_object<'a, T: ext_php_rs::class::RegisteredClass>(
        self,
        value: Option<&'a Zval>,
        class: &str,
    ) -> PhpResult<Option<&'a ext_php_rs::types::ZendClassObject<T>>> {
        match value {
            Some(value) if !value.dereference().is_null() => {
                self.object(value, &format!("?{class}")).map(Some)
            }
            _ => Ok(None),
        }
    }
}
