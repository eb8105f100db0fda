//! `ZMQContext`: php-zmq's context, persistent by default (one per I/O thread count per
//! process, reused by every request), or private to its PHP object.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use ext_php_rs::exception::PhpResult;
use ext_php_rs::prelude::*;
use ext_php_rs::types::Zval;

use crate::errors::{exception, zmq_failure, Class};
use crate::fork::{inherited, ForkBound};
use crate::persistent::{self, ContextKey};
use crate::socket::ZmqSocket;
use crate::values::arg;

/// php-zmq's ZMQ::CTXOPT_MAX_SOCKETS.
pub const CTXOPT_MAX_SOCKETS: i64 = 2;

/// A core context and what php-zmq reports of it.
pub struct SharedContext {
    context: ForkBound<ferromq::Context>,
    /// Its key if it is persistent.
    key: Option<ContextKey>,
    /// Its sockets still open (getsocketcount).
    socket_count: AtomicI64,
}

impl SharedContext {
    fn new(io_threads: i64, key: Option<ContextKey>) -> PhpResult<Arc<SharedContext>> {
        let context = ferromq::Context::with_io_threads(io_threads.max(1) as usize)
            .map_err(|e| zmq_failure(Class::Context, "Error creating context", &e))?;
        Ok(Arc::new(SharedContext {
            context: ForkBound::new(context),
            key,
            socket_count: AtomicI64::new(0),
        }))
    }

    /// The core context, or ZMQContextException in a process forked after it was made.
    pub fn core(&self) -> PhpResult<&ferromq::Context> {
        self.context
            .get()
            .map_err(|pid| inherited(Class::Context, "context", pid, "a new ZMQContext"))
    }

    pub fn is_from_this_process(&self) -> bool {
        self.context.is_from_this_process()
    }

    pub fn key(&self) -> Option<ContextKey> {
        self.key
    }

    pub fn is_persistent(&self) -> bool {
        self.key.is_some()
    }

    pub fn socket_opened(&self) {
        self.socket_count.fetch_add(1, Ordering::Relaxed);
    }

    pub fn socket_closed(&self) {
        self.socket_count.fetch_sub(1, Ordering::Relaxed);
    }
}

#[php_class]
#[php(name = "ZMQContext")]
pub struct ZmqContext {
    shared: Arc<SharedContext>,
}

impl ZmqContext {
    pub fn shared(&self) -> &Arc<SharedContext> {
        &self.shared
    }

    fn open(io_threads: i64, key: Option<ContextKey>) -> PhpResult<ZmqContext> {
        if io_threads < 0 {
            // libzmq's zmq_init refuses it with EINVAL.
            return Err(exception(
                Class::Context,
                "Error creating context: Invalid argument",
                ferromq::ErrorKind::Invalid.errno(),
            ));
        }
        let shared = match key {
            Some(key) => persistent::context(key, || SharedContext::new(io_threads, Some(key)))?,
            None => SharedContext::new(io_threads, None)?,
        };
        Ok(ZmqContext { shared })
    }
}

#[php_impl]
#[php(change_method_case = "none")]
impl ZmqContext {
    pub fn __construct(
        io_threads: Option<&Zval>,
        persistent: Option<&Zval>,
    ) -> PhpResult<ZmqContext> {
        const F: &str = "ZMQContext::__construct";
        let io_threads = arg(F, 1, "io_threads").int_or(io_threads, 1)?;
        let persistent = arg(F, 2, "persistent").bool_or(persistent, true)?;
        ZmqContext::open(
            io_threads,
            persistent.then_some(ContextKey::IoThreads(io_threads)),
        )
    }

    /// A new object on the process's shared context (one I/O thread, persistent, apart
    /// from `new ZMQContext()`'s), as php-zmq's acquire().
    pub fn acquire() -> PhpResult<ZmqContext> {
        ZmqContext::open(1, Some(ContextKey::Shared))
    }

    /// A new socket of `type` on this context: ZMQSocket's constructor.
    pub fn getsocket(
        &self,
        r#type: &Zval,
        persistent_id: Option<&Zval>,
        on_new_socket: Option<&Zval>,
    ) -> PhpResult<ZmqSocket> {
        const F: &str = "ZMQContext::getsocket";
        ZmqSocket::open(
            &self.shared,
            arg(F, 1, "type").int(r#type)?,
            arg(F, 2, "persistent_id").nullable_string(persistent_id)?,
            arg(F, 3, "on_new_socket").nullable_callable(on_new_socket)?,
        )
    }

    pub fn getsocketcount(&self) -> i64 {
        self.shared.socket_count.load(Ordering::Relaxed)
    }

    pub fn ispersistent(&self) -> bool {
        self.shared.is_persistent()
    }

    #[php(name = "setOpt")]
    pub fn set_opt(&self, option: &Zval, value: &Zval) -> PhpResult<()> {
        let option = arg("ZMQContext::setOpt", 1, "option").int(option)?;
        let value = arg("ZMQContext::setOpt", 2, "value").int(value)?;
        let context = self.shared.core()?;
        match option {
            CTXOPT_MAX_SOCKETS => {
                let max = usize::try_from(value).map_err(|_| {
                    exception(
                        Class::Context,
                        "Failed to set the option ZMQ::CTXOPT_MAX_SOCKETS value: Invalid argument",
                        ferromq::ErrorKind::Invalid.errno(),
                    )
                })?;
                context.set_max_sockets(max).map_err(|e| {
                    zmq_failure(
                        Class::Context,
                        "Failed to set the option ZMQ::CTXOPT_MAX_SOCKETS value",
                        &e,
                    )
                })
            }
            _ => Err(exception(
                Class::Context,
                "Unknown option key",
                crate::errors::ERR_INTERNAL,
            )),
        }
    }

    #[php(name = "getOpt")]
    pub fn get_opt(&self, option: &Zval) -> PhpResult<i64> {
        let option = arg("ZMQContext::getOpt", 1, "option").int(option)?;
        let context = self.shared.core()?;
        match option {
            CTXOPT_MAX_SOCKETS => Ok(context.max_sockets() as i64),
            _ => Err(exception(
                Class::Context,
                "Unknown option key",
                crate::errors::ERR_INTERNAL,
            )),
        }
    }
}
