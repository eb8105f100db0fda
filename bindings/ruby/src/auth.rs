//! `FerroMQ::NativeAuthenticator`: the core's ZAP handler (`ferromq::auth::Authenticator`,
//! on a thread of its own) for lib/ferromq/authenticator.rb's `ZMQ::Authenticator`. It only
//! converts values: the policy and the answering are the core's.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use ferromq::auth::Authenticator;
use magnus::{Error, Ruby};

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
}
