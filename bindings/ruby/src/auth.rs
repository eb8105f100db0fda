//! `FerroMQ::NativeAuthenticator`: the core's ZAP handler (`ferromq::auth::Authenticator`,
//! on a thread of its own) for lib/ferromq/authenticator.rb's `ZMQ::Authenticator`. It only
//! converts values: the policy and the answering are the core's. Also CURVE's key pairs
//! (`ZMQ::Util.curve_keypair`) and czmq's certificate files, from the core.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use ferromq::auth::Authenticator;
use magnus::{Error, RString, Ruby};

use crate::context::NativeContext;
use crate::errors::zmq_error;
use crate::gvl::without_gvl;

#[magnus::wrap(class = "FerroMQ::NativeAuthenticator", free_immediately, size)]
pub struct NativeAuthenticator {
    inner: Mutex<Authenticator>,
}

impl NativeAuthenticator {
    pub fn new(context: &NativeContext) -> NativeAuthenticator {
        NativeAuthenticator {
            inner: Mutex::new(Authenticator::new(context.core())),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Authenticator> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Binds inproc://zeromq.zap.01 and starts answering (EADDRINUSE if another handler is
    /// bound in the context).
    pub fn start(ruby: &Ruby, rb_self: &Self) -> Result<(), Error> {
        rb_self.lock().start().map_err(|e| zmq_error(ruby, &e))
    }

    /// Stops answering; waits, without the GVL, for the handler's thread to end.
    pub fn stop(ruby: &Ruby, rb_self: &Self) -> Result<(), Error> {
        let stopped = without_gvl(ruby, |_| rb_self.lock().stop())?;
        if stopped.is_none() {
            // An interrupt was pending and Ruby did not run the call: stop with the GVL.
            rb_self.lock().stop();
        }
        Ok(())
    }

    pub fn is_running(&self) -> bool {
        self.lock().is_running()
    }

    pub fn allow(&self, addresses: Vec<String>) {
        self.lock().policy().allow(addresses);
    }

    pub fn deny(&self, addresses: Vec<String>) {
        self.lock().policy().deny(addresses);
    }

    pub fn configure_plain(&self, domain: String, passwords: HashMap<String, String>) {
        self.lock().policy().configure_plain(&domain, passwords);
    }

    /// CURVE: lets in every client key (encryption without authentication).
    pub fn allow_any_curve(&self) {
        self.lock().policy().allow_any_curve();
    }

    /// CURVE: the client keys of `domain` are the public certificates in the directory
    /// `location` (read now; ENOENT and the like if it cannot be read).
    pub fn configure_curve(
        ruby: &Ruby,
        rb_self: &Self,
        domain: String,
        location: String,
    ) -> Result<(), Error> {
        let keys = ferromq::certs::load_public_keys(Path::new(&location))
            .map_err(|e| zmq_error(ruby, &e))?;
        rb_self.lock().policy().configure_curve(&domain, keys);
        Ok(())
    }
}

/// `FerroMQ.curve_keypair`: a new CURVE key pair, [public, secret], 40 Z85 characters each.
pub fn curve_keypair(ruby: &Ruby) -> (RString, RString) {
    let (public, secret) = ferromq::curve_keys::curve_keypair();
    (ruby.str_new(&public), ruby.str_new(secret.as_str()))
}

/// `FerroMQ.create_certificates(dir, name)`: writes `<name>.key` (public) and
/// `<name>.key_secret` (both keys, mode 0600) in czmq's format; their paths.
pub fn create_certificates(
    ruby: &Ruby,
    dir: String,
    name: String,
) -> Result<(String, String), Error> {
    let (public, secret) = ferromq::certs::create_certificates(Path::new(&dir), &name)
        .map_err(|e| zmq_error(ruby, &e))?;
    Ok((
        public.to_string_lossy().into_owned(),
        secret.to_string_lossy().into_owned(),
    ))
}

/// `FerroMQ.load_certificate(path)`: [public, secret or nil], Z85.
pub fn load_certificate(ruby: &Ruby, path: String) -> Result<(String, Option<String>), Error> {
    let cert =
        ferromq::certs::load_certificate(Path::new(&path)).map_err(|e| zmq_error(ruby, &e))?;
    Ok((cert.public, cert.secret))
}
