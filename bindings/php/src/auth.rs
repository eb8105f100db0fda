//! `ZMQAuthenticator`: FerroMQ's own class (php-zmq has none), the core's ready-made ZAP
//! handler (`ferromq::auth::Authenticator`) for the servers of one context. It answers on a
//! thread of its own, so a PHP script blocked in `recv` is still answered for. The policy
//! (allow/deny by address, PLAIN users per ZAP domain, CURVE client keys from a directory
//! of certificates) is the core's; this only converts PHP values.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use ext_php_rs::exception::PhpResult;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendClassObject, Zval};
use ferromq::auth::Authenticator;

use crate::context::{SharedContext, ZmqContext};
use crate::errors::{type_error, zmq_failure, Class};
use crate::fork::{inherited, ForkBound};
use crate::values::{arg, type_name};

#[php_class]
#[php(name = "ZMQAuthenticator")]
pub struct ZmqAuthenticator {
    /// Dropped first: stops the thread and unbinds the ZAP endpoint (not in a forked
    /// child, where the thread does not exist).
    inner: ForkBound<Mutex<Authenticator>>,
    /// Keeps a private context alive while its authenticator is.
    _context: Arc<SharedContext>,
}

impl ZmqAuthenticator {
    fn core(&self) -> PhpResult<MutexGuard<'_, Authenticator>> {
        let inner = self.inner.get().map_err(|pid| {
            inherited(
                Class::Authenticator,
                "authenticator",
                pid,
                "a new ZMQContext and ZMQAuthenticator",
            )
        })?;
        Ok(inner.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The addresses given to allow() or deny() (`string ...$addresses`), as strings.
    fn addresses(function: &'static str, values: &[&Zval]) -> PhpResult<Vec<String>> {
        values
            .iter()
            .enumerate()
            // A variadic parameter's messages have no name (PHP's wording).
            .map(|(i, value)| arg(function, i + 1, "").string(value))
            .collect()
    }
}

type This<'a> = &'a mut ZendClassObject<ZmqAuthenticator>;

#[php_impl]
#[php(change_method_case = "none", change_constant_case = "none")]
impl ZmqAuthenticator {
    /// configureCurve()'s `$location` that lets in every CURVE client (pyzmq's
    /// `zmq.auth.CURVE_ALLOW_ANY`).
    const CURVE_ALLOW_ANY: &'static str = "*";

    /// An authenticator for the servers of `$context`, not started yet.
    pub fn __construct(context: &Zval) -> PhpResult<ZmqAuthenticator> {
        let context = arg("ZMQAuthenticator::__construct", 1, "context")
            .object::<ZmqContext>(context, "ZMQContext")?;
        let shared = context.shared().clone();
        let authenticator = Authenticator::new(shared.core()?);
        Ok(ZmqAuthenticator {
            inner: ForkBound::new(Mutex::new(authenticator)),
            _context: shared,
        })
    }

    /// Binds inproc://zeromq.zap.01 in the context and starts answering; nothing if it is
    /// running already. ZMQAuthenticatorException (EADDRINUSE) if another ZAP handler is
    /// bound in that context.
    pub fn start(self_: This<'_>) -> PhpResult<This<'_>> {
        self_.core()?.start().map_err(|e| {
            zmq_failure(
                Class::Authenticator,
                "Failed to start the authenticator",
                &e,
            )
        })?;
        Ok(self_)
    }

    /// Stops answering and unbinds inproc://zeromq.zap.01; waits for its thread to end.
    pub fn stop(self_: This<'_>) -> PhpResult<This<'_>> {
        self_.core()?.stop();
        Ok(self_)
    }

    #[php(name = "isAlive")]
    pub fn is_alive(&self) -> PhpResult<bool> {
        Ok(self.core()?.is_running())
    }

    /// Lets in only these addresses (added to those allowed before).
    pub fn allow<'a>(self_: This<'a>, addresses: &[&Zval]) -> PhpResult<This<'a>> {
        let addresses = ZmqAuthenticator::addresses("ZMQAuthenticator::allow", addresses)?;
        self_.core()?.policy().allow(addresses);
        Ok(self_)
    }

    /// Keeps these addresses out (ignored while there is an allow list).
    pub fn deny<'a>(self_: This<'a>, addresses: &[&Zval]) -> PhpResult<This<'a>> {
        let addresses = ZmqAuthenticator::addresses("ZMQAuthenticator::deny", addresses)?;
        self_.core()?.policy().deny(addresses);
        Ok(self_)
    }

    /// The PLAIN users of ZAP domain `$domain` ("*": servers without a ZAP domain), as
    /// `[username => password]`; replaces those configured for that domain before.
    #[php(name = "configurePlain")]
    pub fn configure_plain<'a>(
        self_: This<'a>,
        domain: &Zval,
        passwords: &Zval,
    ) -> PhpResult<This<'a>> {
        const F: &str = "ZMQAuthenticator::configurePlain";
        let domain = arg(F, 1, "domain").string(domain)?;
        let table = passwords.dereference().array().ok_or_else(|| {
            type_error(format!(
                "{F}(): Argument #2 ($passwords) must be of type array, {} given",
                type_name(passwords)
            ))
        })?;
        let mut users = HashMap::with_capacity(table.len());
        for (username, password) in table.iter() {
            // The username is the key, which PHP keeps as an int if it looks like one; a
            // password is a string or a scalar PHP converts to one.
            let value = password.dereference();
            if !(value.is_string() || value.is_long() || value.is_double() || value.is_bool()) {
                return Err(type_error(format!(
                    "{F}(): Argument #2 ($passwords) must be an array of strings, {} given \
                     for user \"{username}\"",
                    type_name(value)
                )));
            }
            users.insert(username.to_string(), arg(F, 2, "passwords").string(value)?);
        }
        self_.core()?.policy().configure_plain(&domain, users);
        Ok(self_)
    }

    /// The CURVE clients of the servers in ZAP domain `$domain` ("*": servers without a
    /// ZAP domain): those whose public certificates (czmq's zcert files, `*.key`) are in
    /// the directory `$location`, read now; replaces the keys that domain had. With
    /// `$location` CURVE_ALLOW_ANY, every CURVE client gets in, whatever the domain.
    #[php(name = "configureCurve")]
    pub fn configure_curve<'a>(
        self_: This<'a>,
        domain: &Zval,
        location: &Zval,
    ) -> PhpResult<This<'a>> {
        const F: &str = "ZMQAuthenticator::configureCurve";
        let domain = arg(F, 1, "domain").string(domain)?;
        // A path is bytes (not necessarily UTF-8).
        let location = arg(F, 2, "location").with_bytes(location, |b| Ok(b.to_vec()))?;
        if location == ZmqAuthenticator::CURVE_ALLOW_ANY.as_bytes() {
            self_.core()?.policy().allow_any_curve();
            return Ok(self_);
        }
        let dir = Path::new(OsStr::from_bytes(&location));
        let keys = ferromq::certs::load_public_keys(dir).map_err(|e| {
            zmq_failure(
                Class::Authenticator,
                &format!("Failed to read the certificates in {}", dir.display()),
                &e,
            )
        })?;
        self_.core()?.policy().configure_curve(&domain, keys);
        Ok(self_)
    }
}
