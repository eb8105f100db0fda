//! FerroMQ for Node.js: the native half of the `ferromq` npm package.
//!
//! Thin on purpose: it converts values and errors and integrates with the event loop; the
//! messaging logic is the core's (`ferromq`), and zeromq.js's classes are written in
//! JavaScript (`node/index.js`) over these primitives:
//!
//! * `NativeContext`: a core context plus its reactor thread (see `reactor.rs`) and the
//!   thread-safe function through which finished operations come back to JavaScript.
//! * `NativeSocket`: bind/connect/…, options, and (`fast_ops`, see `fast.rs`) `send` and a
//!   batched `receive` as plain N-API functions, which complete at once when they can and
//!   otherwise park the operation with the reactor under a token.
//! * `NativeProxy`: `zmq_proxy_steerable` on a thread of its own, steered over inproc.
//! * `NativeObserver` (`observer.rs`): a socket's monitor events, received like messages.
//! * `NativeAuthenticator` (`auth.rs`): the core's ZAP handler for a context.

#![deny(clippy::all)]

// Public: its free functions (curveKeyPair, the certificates) are reached from JavaScript only.
pub mod auth;
mod convert;
mod errors;
mod fast;
mod observer;
mod raw;
mod reactor;
mod shared_context;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use ferromq::{flags, OptionValue, Socket, SocketOption, SocketType};
use napi::bindgen_prelude::{Buffer, Function, JsValue, Unknown};
use napi::threadsafe_function::ThreadsafeFunctionCallMode;
use napi::{sys, Env};
use napi_derive::napi;

use crate::convert::ArgError;
use crate::reactor::{Batch, Completion, Outcome, Reactor, SockEntry};

/// Errors thrown to JavaScript carry libzmq's code (`e.code`, e.g. "EAGAIN") and FerroMQ's
/// explanation; the JavaScript layer gives them zeromq.js's message and `errno` (see
/// `errors.rs`) and turns `ERR_INVALID_ARG_TYPE` into a TypeError.
use napi::Result;

fn zmq_error(err: ferromq::Error) -> napi::Error<&'static str> {
    napi::Error::new(err.kind().code(), errors::explanation(&err))
}

fn arg_error(ArgError(message): ArgError) -> napi::Error<&'static str> {
    napi::Error::new("ERR_INVALID_ARG_TYPE", message)
}

fn napi_failure(err: napi::Error) -> napi::Error<&'static str> {
    napi::Error::new("EIO", err.reason.clone())
}

fn reactor_failure(err: std::io::Error) -> napi::Error<&'static str> {
    napi::Error::new("EIO", format!("cannot start the reactor thread: {err}"))
}

static NEXT_SOCKET_ID: AtomicU64 = AtomicU64::new(1);

/// libzmq's errno and zeromq.js's message for each code the core reports.
#[napi(catch_unwind)]
pub fn error_table() -> HashMap<String, (i32, &'static str)> {
    errors::error_table()
}

/// The version of the FerroMQ core.
#[napi(catch_unwind)]
pub fn core_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// A core context and its reactor.
#[napi]
pub struct NativeContext {
    ctx: ferromq::Context,
    reactor: Arc<Reactor>,
    /// The sockets this thread made in the context (closed when the thread ends).
    sockets: shared_context::ThreadSockets,
}

#[napi]
impl NativeContext {
    /// `on_complete(batch)` is called on the JavaScript thread with finished operations.
    /// `shared`: the process's shared context, as the default `context` of every thread
    /// (see `shared_context.rs`); otherwise a context of this thread's own.
    #[napi(catch_unwind, constructor)]
    pub fn new(
        env: Env,
        io_threads: u32,
        on_complete: Function<'_, Batch, ()>,
        shared: bool,
    ) -> Result<Self, &'static str> {
        let io_threads = io_threads.max(1) as usize;
        let ctx = if shared {
            shared_context::join(io_threads)
        } else {
            ferromq::Context::with_io_threads(io_threads)
        }
        .map_err(zmq_error)?;
        let completions = on_complete
            .build_threadsafe_function::<Vec<Completion>>()
            .callee_handled::<false>()
            .build_callback(|call| Ok(Batch(call.value)))
            .map_err(napi_failure)?;
        // Idle until an operation is parked: an idle context must not keep the process alive.
        // SAFETY: the env of this call, and the thread-safe function just created in it.
        unsafe { sys::napi_unref_threadsafe_function(env.raw(), completions.raw()) };
        let reactor = Reactor::new(completions)
            .map_err(|e| napi::Error::new("EIO", format!("cannot create the reactor: {e}")))?;
        // As zeromq.js: when the process exits, sockets still open are closed and what every
        // socket has queued is delivered within its LINGER before the process ends.
        let sockets = shared_context::ThreadSockets::default();
        if shared {
            env.add_env_cleanup_hook(sockets.clone(), shared_context::leave)
                .map_err(napi_failure)?;
        } else {
            env.add_env_cleanup_hook(ctx.clone(), deliver_at_exit)
                .map_err(napi_failure)?;
        }
        Ok(NativeContext {
            ctx,
            reactor,
            sockets,
        })
    }

    /// Whether operations are parked: keeps the event loop alive while they are.
    #[napi(catch_unwind)]
    pub fn set_active(&self, env: Env, active: bool) {
        let raw = self.reactor.completions().raw();
        // SAFETY: the env of this call; the context's thread-safe function lives as long as
        // the context.
        unsafe {
            if active {
                sys::napi_ref_threadsafe_function(env.raw(), raw);
            } else {
                sys::napi_unref_threadsafe_function(env.raw(), raw);
            }
        }
    }

    #[napi(catch_unwind)]
    pub fn io_threads(&self) -> u32 {
        self.ctx.io_threads() as u32
    }

    /// ZMQ_MAX_SOCKETS: how many sockets the context may have open at once.
    #[napi(catch_unwind)]
    pub fn max_sockets(&self) -> u32 {
        self.ctx.max_sockets() as u32
    }

    #[napi(catch_unwind)]
    pub fn set_max_sockets(&self, max_sockets: i32) -> Result<(), &'static str> {
        let max = usize::try_from(max_sockets).unwrap_or(0);
        self.ctx.set_max_sockets(max).map_err(zmq_error)
    }
}

/// ZMQ_MAX_SOCKETS of a new context.
#[napi(catch_unwind)]
pub fn default_max_sockets() -> u32 {
    ferromq::DEFAULT_MAX_SOCKETS as u32
}

/// ZMQ_SOCKET_LIMIT: the largest ZMQ_MAX_SOCKETS a context accepts.
#[napi(catch_unwind)]
pub fn socket_limit() -> u32 {
    ferromq::SOCKET_LIMIT as u32
}

/// How long exiting may wait for queued messages before it says why it is waiting.
const EXIT_WARNING_AFTER: Duration = Duration::from_millis(500);

/// The exit hook of a context: closes its sockets and waits for their queued messages
/// (libzmq's `zmq_ctx_term` after closing them, as zeromq.js does). A peer that never reads
/// holds the exit for the sockets' LINGER (-1: for ever), so the user is told after a while.
pub(crate) fn deliver_at_exit(ctx: ferromq::Context) {
    let (done_tx, done) = mpsc::channel();
    let closer = std::thread::spawn(move || {
        ctx.destroy(None);
        let _ = done_tx.send(());
    });
    if let Err(RecvTimeoutError::Timeout) = done.recv_timeout(EXIT_WARNING_AFTER) {
        // zeromq.js's words (its users' tests match them), in Node's warning format.
        eprintln!(
            "(node:{}) WARNING: Waiting for queued ZeroMQ messages to be delivered. \
             Set 'context.blocky = false' to change this behaviour.",
            std::process::id()
        );
    }
    let _ = closer.join();
}

impl Drop for NativeContext {
    fn drop(&mut self) {
        self.reactor.stop();
    }
}

/// A core socket.
#[napi]
pub struct NativeSocket {
    entry: Arc<SockEntry>,
    reactor: Arc<Reactor>,
    ctx: ferromq::Context,
}

impl NativeSocket {
    fn socket(&self) -> &Socket {
        &self.entry.socket
    }

    /// After an operation on the JavaScript thread: let the reactor re-check the socket if
    /// it waits on it (the operation may have consumed the readiness edge).
    fn touched(&self) {
        self.reactor.recheck(&self.entry);
    }
}

#[napi]
impl NativeSocket {
    #[napi(catch_unwind, constructor)]
    pub fn new(ctx: &NativeContext, socket_type: i32) -> Result<Self, &'static str> {
        let kind = SocketType::from_raw(socket_type).ok_or_else(|| {
            napi::Error::new("EINVAL", format!("unknown socket type {socket_type}"))
        })?;
        let socket = ctx.ctx.socket(kind).map_err(zmq_error)?;
        let entry = Arc::new(SockEntry::new(
            NEXT_SOCKET_ID.fetch_add(1, Ordering::Relaxed),
            socket,
            false,
        ));
        ctx.sockets.add(&entry);
        Ok(NativeSocket {
            entry,
            reactor: ctx.reactor.clone(),
            ctx: ctx.ctx.clone(),
        })
    }

    #[napi(catch_unwind)]
    pub fn bind(&self, address: String) -> Result<(), &'static str> {
        let result = self.socket().bind(&address).map_err(zmq_error);
        self.touched();
        result
    }

    #[napi(catch_unwind)]
    pub fn unbind(&self, address: String) -> Result<(), &'static str> {
        let result = self.socket().unbind(&address).map_err(zmq_error);
        self.touched();
        result
    }

    #[napi(catch_unwind)]
    pub fn connect(&self, address: String) -> Result<(), &'static str> {
        let result = self.socket().connect(&address).map_err(zmq_error);
        self.touched();
        result
    }

    #[napi(catch_unwind)]
    pub fn disconnect(&self, address: String) -> Result<(), &'static str> {
        let result = self.socket().disconnect(&address).map_err(zmq_error);
        self.touched();
        result
    }

    /// Closes the socket; its parked operations are dropped (JavaScript rejects them).
    #[napi(catch_unwind)]
    pub fn close(&self) {
        self.entry.closed.store(true, Ordering::SeqCst);
        self.reactor.forget(&self.entry);
        self.socket().close();
    }

    #[napi(catch_unwind)]
    pub fn is_closed(&self) -> bool {
        self.entry.closed.load(Ordering::SeqCst) || self.socket().is_closed()
    }

    /// `[send, receive]`: the socket's hot path as plain N-API functions (see `fast.rs`).
    #[napi(
        catch_unwind,
        ts_return_type = "[(message: unknown, token: number, timeoutMs: number) => boolean, (token: number, timeoutMs: number, max: number) => ArrayBuffer | unknown[] | null]"
    )]
    pub fn fast_ops(&self, env: Env) -> Result<sys::napi_value, &'static str> {
        // SAFETY: the env napi-rs passed to this method call.
        let env = unsafe { raw::Env::from_raw(env.raw()) };
        fast::create(env, self.entry.clone(), self.reactor.clone())
            .map(raw::Value::raw)
            .map_err(|status| napi_failure(status.into()))
    }

    /// ZMQ_EVENTS: 1 (POLLIN) if a message can be received now, 2 (POLLOUT) if one can be sent.
    #[napi(catch_unwind)]
    pub fn events(&self) -> Result<i32, &'static str> {
        let result = self.socket().events().map_err(zmq_error);
        self.touched();
        result
    }

    #[napi(catch_unwind)]
    pub fn set_int_option(&self, option: i32, value: i64) -> Result<(), &'static str> {
        let option = SocketOption::from_raw(option).map_err(zmq_error)?;
        let result = self.socket().set_option(option, value).map_err(zmq_error);
        self.touched();
        result
    }

    /// A binary option from a string (UTF-8), a Buffer/typed array, or null (empty).
    #[napi(catch_unwind)]
    pub fn set_bytes_option(
        &self,
        env: Env,
        option: i32,
        value: Unknown<'_>,
    ) -> Result<(), &'static str> {
        let option = SocketOption::from_raw(option).map_err(zmq_error)?;
        // SAFETY: the env and argument napi-rs passed to this method call.
        let (env, value) = unsafe {
            (
                raw::Env::from_raw(env.raw()),
                raw::Value::from_raw(value.raw()),
            )
        };
        let frame = convert::frame_from_js(env, value).map_err(arg_error)?;
        let result = self
            .socket()
            .set_option(option, OptionValue::from(frame.as_slice()))
            .map_err(zmq_error);
        self.touched();
        result
    }

    #[napi(catch_unwind)]
    pub fn get_int_option(&self, option: i32) -> Result<i64, &'static str> {
        let option = SocketOption::from_raw(option).map_err(zmq_error)?;
        let result = self.socket().get_int(option).map_err(zmq_error);
        self.touched();
        result
    }

    #[napi(catch_unwind)]
    pub fn get_bytes_option(&self, option: i32) -> Result<Buffer, &'static str> {
        let option = SocketOption::from_raw(option).map_err(zmq_error)?;
        let value = self.socket().get_option(option).map_err(zmq_error);
        self.touched();
        let value = value?;
        let bytes = value.as_bytes(option).map_err(zmq_error)?;
        Ok(Buffer::from(bytes.to_vec()))
    }
}

static NEXT_PROXY_ID: AtomicU64 = AtomicU64::new(1);

/// `zmq_proxy_steerable(frontend, backend, NULL, control)` on a thread of its own, steered
/// through an inproc PAIR; it completes under `token` when it ends.
#[napi]
pub struct NativeProxy {
    control: Socket,
}

#[napi]
impl NativeProxy {
    #[napi(catch_unwind, constructor)]
    pub fn new(
        front: &NativeSocket,
        back: &NativeSocket,
        token: u32,
    ) -> Result<Self, &'static str> {
        let ctx = front.ctx.clone();
        let endpoint = format!(
            "inproc://ferromq-node-proxy-{}-{}",
            std::process::id(),
            NEXT_PROXY_ID.fetch_add(1, Ordering::Relaxed)
        );
        let steer = ctx.socket(SocketType::Pair).map_err(zmq_error)?;
        steer.bind(&endpoint).map_err(zmq_error)?;
        let control = ctx.socket(SocketType::Pair).map_err(zmq_error)?;
        control.connect(&endpoint).map_err(zmq_error)?;
        let frontend = front.entry.clone();
        let backend = back.entry.clone();
        let reactor = front.reactor.clone();
        std::thread::Builder::new()
            .name("ferromq-proxy".into())
            .spawn(move || {
                let result =
                    ferromq::proxy_steerable(&frontend.socket, &backend.socket, None, Some(&steer));
                let outcome = match result {
                    Ok(()) => Outcome::Done,
                    Err(e) => Outcome::Failed(e),
                };
                reactor.completions().call(
                    vec![Completion { token, outcome }],
                    ThreadsafeFunctionCallMode::NonBlocking,
                );
            })
            .map_err(|e| napi::Error::new("EIO", format!("cannot start the proxy thread: {e}")))?;
        Ok(NativeProxy { control })
    }

    /// Sends PAUSE, RESUME or TERMINATE to the proxy.
    #[napi(catch_unwind)]
    pub fn command(&self, command: String) -> Result<(), &'static str> {
        self.control
            .send(command.as_str(), flags::DONTWAIT)
            .map_err(zmq_error)
    }
}

impl Drop for NativeProxy {
    fn drop(&mut self) {
        self.control.close();
    }
}
