//! The raw N-API calls of the hand-written hot path (`fast.rs`, `convert.rs`), wrapped once.
//!
//! Every N-API call needs the env of the call from JavaScript into the addon that is running
//! (on the JavaScript thread), and handles (`napi_value`) that belong to that call. [`Env`]
//! and [`Value`] carry this precondition so the wrappers below are safe to call: an
//! `Env<'s>` is made (unsafely, once per call) from the env that N-API passed in, and lives
//! no longer than that call (`'s`); every `Value<'s>` comes from N-API through it. The other
//! arguments the wrappers pass are pointers to locals and slices of the stated length.
//!
//! A raw callback runs its body through [`callback`] and a finalizer through [`finalizer`],
//! which stop panics at the boundary: a panic must never unwind into (or abort) Node.

use std::any::Any;
use std::ffi::{c_void, CStr, CString};
use std::fmt;
use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use std::rc::Rc;

use napi::sys;

/// The env of the running call into the addon (see the module documentation).
#[derive(Clone, Copy)]
pub struct Env<'s> {
    raw: sys::napi_env,
    scope: PhantomData<&'s ()>,
}

/// A JavaScript value of the running call. A null handle (from a failed getter such as
/// [`Env::undefined`]) is memory-safe: N-API rejects it with `napi_invalid_arg`.
#[derive(Clone, Copy)]
pub struct Value<'s> {
    raw: sys::napi_value,
    scope: PhantomData<&'s ()>,
}

/// A failed N-API call.
#[derive(Clone, Copy, Debug)]
pub struct Status(pub sys::napi_status);

pub type Result<T> = std::result::Result<T, Status>;

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "napi status {}", self.0)
    }
}

impl From<Status> for napi::Error {
    fn from(status: Status) -> Self {
        napi::Error::new(napi::Status::from(status.0), status.to_string())
    }
}

/// A JavaScript exception is pending: the callback must return at once.
pub struct Thrown;

/// What a raw callback's body returns.
pub type JsResult<'s> = std::result::Result<Value<'s>, Thrown>;

/// A raw N-API callback, as `napi_create_function` takes it.
pub type RawCallback =
    unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

#[inline]
fn ok(status: sys::napi_status) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Status(status))
    }
}

/// `sys::$function(env, args…)`, its status as a [`Result`].
macro_rules! napi_call {
    ($env:expr, $function:ident($($arg:expr),* $(,)?)) => {
        // SAFETY: the env is the live env of the running call, on the JavaScript thread, and
        // the values are its handles (the invariants of `Env` and `Value`); every other
        // argument is a pointer to a local or to a slice of the length passed with it.
        ok(unsafe { sys::$function($env.raw, $($arg),*) })
    };
}

impl<'s> Value<'s> {
    /// # Safety
    /// `raw` must be a handle of the running call into the addon, and `'s` no longer than
    /// that call.
    #[inline]
    pub unsafe fn from_raw(raw: sys::napi_value) -> Self {
        Value {
            raw,
            scope: PhantomData,
        }
    }

    #[inline]
    pub fn raw(self) -> sys::napi_value {
        self.raw
    }
}

impl<'s> Env<'s> {
    /// # Safety
    /// `raw` must be the env of the call from N-API into the addon that is running now, on
    /// the JavaScript thread, and `'s` no longer than that call.
    #[inline]
    pub unsafe fn from_raw(raw: sys::napi_env) -> Self {
        Env {
            raw,
            scope: PhantomData,
        }
    }

    #[inline]
    pub fn raw(self) -> sys::napi_env {
        self.raw
    }

    #[inline]
    fn value(self, raw: sys::napi_value) -> Value<'s> {
        Value {
            raw,
            scope: PhantomData,
        }
    }

    /// `undefined` (a null handle if N-API fails, which callbacks may return as undefined).
    #[inline]
    pub fn undefined(self) -> Value<'s> {
        let mut out = ptr::null_mut();
        let _ = napi_call!(self, napi_get_undefined(&mut out));
        self.value(out)
    }

    /// `null` (a null handle, i.e. undefined, if N-API fails).
    #[inline]
    pub fn null(self) -> Value<'s> {
        let mut out = ptr::null_mut();
        let _ = napi_call!(self, napi_get_null(&mut out));
        self.value(out)
    }

    /// `true` or `false` (a null handle, i.e. undefined, if N-API fails).
    #[inline]
    pub fn boolean(self, value: bool) -> Value<'s> {
        let mut out = ptr::null_mut();
        let _ = napi_call!(self, napi_get_boolean(value, &mut out));
        self.value(out)
    }

    /// The number `value` as an i32; None if it is not a number.
    #[inline]
    pub fn get_int32(self, value: Value<'s>) -> Option<i32> {
        let mut out = 0;
        napi_call!(self, napi_get_value_int32(value.raw, &mut out)).ok()?;
        Some(out)
    }

    #[inline]
    pub fn type_of(self, value: Value<'s>) -> Result<sys::napi_valuetype> {
        let mut out = 0;
        napi_call!(self, napi_typeof(value.raw, &mut out))?;
        Ok(out)
    }

    #[inline]
    pub fn is_typedarray(self, value: Value<'s>) -> Result<bool> {
        let mut out = false;
        napi_call!(self, napi_is_typedarray(value.raw, &mut out))?;
        Ok(out)
    }

    #[inline]
    pub fn is_dataview(self, value: Value<'s>) -> Result<bool> {
        let mut out = false;
        napi_call!(self, napi_is_dataview(value.raw, &mut out))?;
        Ok(out)
    }

    #[inline]
    pub fn is_arraybuffer(self, value: Value<'s>) -> Result<bool> {
        let mut out = false;
        napi_call!(self, napi_is_arraybuffer(value.raw, &mut out))?;
        Ok(out)
    }

    #[inline]
    pub fn is_array(self, value: Value<'s>) -> Result<bool> {
        let mut out = false;
        napi_call!(self, napi_is_array(value.raw, &mut out))?;
        Ok(out)
    }

    #[inline]
    pub fn coerce_to_string(self, value: Value<'s>) -> Result<Value<'s>> {
        let mut out = ptr::null_mut();
        napi_call!(self, napi_coerce_to_string(value.raw, &mut out))?;
        Ok(self.value(out))
    }

    /// Writes the string `value` as UTF-8 into `buf` (NUL-terminated, truncated to fit) and
    /// returns the bytes written without the NUL; with an empty `buf`, its whole length.
    #[inline]
    pub fn string_utf8(self, value: Value<'s>, buf: &mut [u8]) -> Result<usize> {
        let data = if buf.is_empty() {
            ptr::null_mut()
        } else {
            buf.as_mut_ptr().cast()
        };
        let mut len = 0;
        napi_call!(
            self,
            napi_get_value_string_utf8(value.raw, data, buf.len(), &mut len)
        )?;
        Ok(len)
    }

    /// The bytes of a Buffer, typed array or DataView: start and length. They stay valid
    /// only until JavaScript runs (which may detach the buffer), so read them at once.
    #[inline]
    pub fn buffer_info(self, value: Value<'s>) -> Result<(*const u8, usize)> {
        let mut data = ptr::null_mut();
        let mut len = 0;
        napi_call!(self, napi_get_buffer_info(value.raw, &mut data, &mut len))?;
        Ok((data.cast_const().cast(), len))
    }

    /// The bytes of an ArrayBuffer: as [`Env::buffer_info`].
    #[inline]
    pub fn arraybuffer_info(self, value: Value<'s>) -> Result<(*const u8, usize)> {
        let mut data = ptr::null_mut();
        let mut len = 0;
        napi_call!(
            self,
            napi_get_arraybuffer_info(value.raw, &mut data, &mut len)
        )?;
        Ok((data.cast_const().cast(), len))
    }

    #[inline]
    pub fn array_length(self, value: Value<'s>) -> Result<u32> {
        let mut out = 0;
        napi_call!(self, napi_get_array_length(value.raw, &mut out))?;
        Ok(out)
    }

    #[inline]
    pub fn get_element(self, array: Value<'s>, index: u32) -> Result<Value<'s>> {
        let mut out = ptr::null_mut();
        napi_call!(self, napi_get_element(array.raw, index, &mut out))?;
        Ok(self.value(out))
    }

    #[inline]
    pub fn set_element(self, array: Value<'s>, index: u32, value: Value<'s>) -> Result<()> {
        napi_call!(self, napi_set_element(array.raw, index, value.raw))
    }

    #[inline]
    pub fn array(self, len: usize) -> Result<Value<'s>> {
        let mut out = ptr::null_mut();
        napi_call!(self, napi_create_array_with_length(len, &mut out))?;
        Ok(self.value(out))
    }

    /// A new zero-filled ArrayBuffer of `len` bytes, and where its bytes are. They stay
    /// valid while the ArrayBuffer lives and JavaScript has not detached it.
    #[inline]
    pub fn arraybuffer(self, len: usize) -> Result<(Value<'s>, *mut u8)> {
        let mut data = ptr::null_mut();
        let mut out = ptr::null_mut();
        napi_call!(self, napi_create_arraybuffer(len, &mut data, &mut out))?;
        Ok((self.value(out), data.cast()))
    }

    /// A new Buffer holding a copy of `data`.
    #[inline]
    pub fn buffer_copy(self, data: &[u8]) -> Result<Value<'s>> {
        let mut out = ptr::null_mut();
        napi_call!(
            self,
            napi_create_buffer_copy(data.len(), data.as_ptr().cast(), ptr::null_mut(), &mut out)
        )?;
        Ok(self.value(out))
    }

    #[inline]
    pub fn string(self, text: &str) -> Result<Value<'s>> {
        let mut out = ptr::null_mut();
        napi_call!(
            self,
            napi_create_string_utf8(text.as_ptr().cast(), text.len() as isize, &mut out)
        )?;
        Ok(self.value(out))
    }

    #[inline]
    pub fn int32(self, value: i32) -> Result<Value<'s>> {
        let mut out = ptr::null_mut();
        napi_call!(self, napi_create_int32(value, &mut out))?;
        Ok(self.value(out))
    }

    #[inline]
    pub fn uint32(self, value: u32) -> Result<Value<'s>> {
        let mut out = ptr::null_mut();
        napi_call!(self, napi_create_uint32(value, &mut out))?;
        Ok(self.value(out))
    }

    /// A new Error with `code` and `message` (strings).
    #[inline]
    pub fn error(self, code: Value<'s>, message: Value<'s>) -> Result<Value<'s>> {
        let mut out = ptr::null_mut();
        napi_call!(self, napi_create_error(code.raw, message.raw, &mut out))?;
        Ok(self.value(out))
    }

    /// Throws an Error with `code` (read as `e.code`, like napi-rs's errors) and `message`.
    pub fn throw_error(self, code: &str, message: &str) -> Thrown {
        let code = CString::new(code).unwrap_or_default();
        let message = CString::new(message.replace('\0', " ")).unwrap_or_default();
        // Fails only if an exception is already pending: then that one is thrown.
        let _ = napi_call!(self, napi_throw_error(code.as_ptr(), message.as_ptr()));
        Thrown
    }

    /// A function `name` calling `callback`, with `data` as its callback data: the function
    /// holds one reference to `data` until it is garbage collected.
    pub fn function<T: 'static>(
        self,
        name: &CStr,
        callback: RawCallback,
        data: Rc<T>,
    ) -> Result<Value<'s>> {
        let data = Rc::into_raw(data).cast_mut().cast::<c_void>();
        let mut function = ptr::null_mut();
        let created = napi_call!(
            self,
            napi_create_function(
                name.as_ptr(),
                name.to_bytes().len() as isize,
                Some(callback),
                data,
                &mut function,
            )
        );
        if let Err(status) = created {
            // SAFETY: N-API did not take `data`: it is still the reference leaked above.
            drop(unsafe { Rc::from_raw(data.cast_const().cast::<T>()) });
            return Err(status);
        }
        // The reference is released when the function is collected. Should this fail, the
        // reference leaks: freeing it could leave the function's data dangling.
        napi_call!(
            self,
            napi_add_finalizer(
                function,
                data,
                Some(release_rc::<T>),
                ptr::null_mut(),
                ptr::null_mut(),
            )
        )?;
        Ok(self.value(function))
    }
}

/// Finalizer of [`Env::function`]'s callback data.
///
/// # Safety
/// N-API calls it once, with the `data` that `Env::function` leaked from an `Rc<T>`.
unsafe extern "C" fn release_rc<T>(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the reference `Env::function` leaked, released here once.
    finalizer(|| drop(unsafe { Rc::from_raw(data.cast_const().cast::<T>()) }));
}

/// Runs the body of a raw N-API callback, a function made by [`Env::function`] with an
/// `Rc<T>`: `body` gets the call's arguments (missing ones are `undefined`) and the `T`, and a
/// panic in it becomes a thrown JavaScript Error with code EFAULT instead of unwinding into
/// Node.
///
/// # Safety
/// `env` and `info` must be the ones N-API passed to the running callback, which returns
/// what this returns, and the callback's function must have been made by `Env::function`
/// with an `Rc<T>`.
#[inline]
pub unsafe fn callback<const N: usize, T, F>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    body: F,
) -> sys::napi_value
where
    F: for<'s> FnOnce(Env<'s>, [Value<'s>; N], &T) -> JsResult<'s>,
{
    // SAFETY: `env` is the running callback's (the caller's promise); `env` lives only
    // until this function returns.
    let env = unsafe { Env::from_raw(env) };
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        let mut argv = [ptr::null_mut(); N];
        let mut argc = N;
        let mut data = ptr::null_mut();
        // N-API fills the arguments missing in the call with `undefined`.
        // SAFETY: as `napi_call!`; `info` is the running callback's (the caller's promise),
        // and `argv` has room for `argc` handles.
        let status = unsafe {
            sys::napi_get_cb_info(
                env.raw,
                info,
                &mut argc,
                argv.as_mut_ptr(),
                ptr::null_mut(),
                &mut data,
            )
        };
        if status != sys::Status::napi_ok || data.is_null() {
            return Err(env.throw_error("EINVAL", "bad call"));
        }
        // SAFETY: the data of a function from `Env::function`: an `Rc<T>` (the caller's
        // promise), which the function holds until it is collected, so alive while called.
        let data = unsafe { &*data.cast_const().cast::<T>() };
        body(env, argv.map(|raw| env.value(raw)), data)
    }));
    match outcome {
        Ok(Ok(value)) => value.raw,
        // With an exception pending, N-API ignores the callback's result.
        Ok(Err(Thrown)) => ptr::null_mut(),
        Err(payload) => {
            let message = format!("internal error in ferromq: {}", panic_message(&*payload));
            forget_panic(payload);
            env.throw_error("EFAULT", &message);
            ptr::null_mut()
        }
    }
}

/// Runs the body of a finalizer, which can throw nothing: a panic there is stopped (the
/// panic hook has reported it on stderr already).
pub fn finalizer(body: impl FnOnce()) {
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(body)) {
        forget_panic(payload);
    }
}

/// Converts a panic in `body` into an error: for code that napi-rs calls without catching
/// panics itself (conversions of values it passes to JavaScript).
pub fn no_panic<T>(body: impl FnOnce() -> napi::Result<T>) -> napi::Result<T> {
    panic::catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| {
        let message = format!("internal error in ferromq: {}", panic_message(&*payload));
        forget_panic(payload);
        Err(napi::Error::new(napi::Status::GenericFailure, message))
    })
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "panic"
    }
}

/// Drops a panic's payload, unless its `Drop` panics too: then leaks that one.
fn forget_panic(payload: Box<dyn Any + Send>) {
    if let Err(again) = panic::catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
}
