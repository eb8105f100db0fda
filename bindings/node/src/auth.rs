//! The core's authenticator (`ferromq::auth::Authenticator`: a ZAP handler answering on a
//! core thread of its own) for the JavaScript `Authenticator` class in `node/index.js`,
//! which gives it pyzmq's `ThreadAuthenticator` shape. Only types are converted here: the
//! policy (addresses, PLAIN users per domain) is the core's.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use ferromq::auth::Authenticator;
use napi_derive::napi;

use crate::{zmq_error, NativeContext};
use napi::Result;

/// A ZAP handler for the servers of one context, answering once started.
#[napi]
pub struct NativeAuthenticator {
    inner: Mutex<Authenticator>,
}

impl NativeAuthenticator {
    fn lock(&self) -> MutexGuard<'_, Authenticator> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[napi]
impl NativeAuthenticator {
    /// An authenticator for the servers of `ctx`, not started yet.
    #[napi(catch_unwind, constructor)]
    pub fn new(ctx: &NativeContext) -> Self {
        NativeAuthenticator {
            inner: Mutex::new(Authenticator::new(&ctx.ctx)),
        }
    }

    /// Binds inproc://zeromq.zap.01 in the context and starts answering (EADDRINUSE if
    /// another handler is bound there; nothing if this one runs already).
    #[napi(catch_unwind)]
    pub fn start(&self) -> Result<(), &'static str> {
        self.lock().start().map_err(zmq_error)
    }

    /// Stops answering and frees the endpoint. The core's thread waits in a poll that this
    /// wakes, so joining it takes no longer than one answer.
    #[napi(catch_unwind)]
    pub fn stop(&self) {
        self.lock().stop();
    }

    #[napi(catch_unwind)]
    pub fn is_running(&self) -> bool {
        self.lock().is_running()
    }

    /// Lets only these addresses in (added to those allowed before).
    #[napi(catch_unwind)]
    pub fn allow(&self, addresses: Vec<String>) {
        self.lock().policy().allow(addresses);
    }

    /// Keeps these addresses out (ignored while an allow list exists).
    #[napi(catch_unwind)]
    pub fn deny(&self, addresses: Vec<String>) {
        self.lock().policy().deny(addresses);
    }

    /// The PLAIN users of `domain` ("*": servers without a ZAP domain), username →
    /// password, replacing those configured for it before.
    #[napi(catch_unwind)]
    pub fn configure_plain(&self, domain: String, passwords: HashMap<String, String>) {
        self.lock().policy().configure_plain(&domain, passwords);
    }
}
