//! Devices: libzmq's legacy `zmq_device` and pyzmq's `ThreadDevice`, a proxy on a
//! background thread the core owns.

use std::sync::Arc;
use std::thread::JoinHandle;

use crate::context::Context;
use crate::error::{Error, ErrorKind, Result};
use crate::options::{OptionValue, SocketOption};
use crate::proxy::{proxy, Proxy, Stopper};
use crate::socket::Socket;
use crate::socket_type::SocketType;

/// The legacy device types, with libzmq's values (`ZMQ_STREAMER` = 1, `ZMQ_FORWARDER` = 2,
/// `ZMQ_QUEUE` = 3). They name the usual socket pairings; the device itself is the same
/// proxy for all three, as in libzmq.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum DeviceKind {
    /// ROUTER frontend, DEALER backend: requests one way, replies the other.
    Queue = 3,
    /// XSUB frontend, XPUB backend (or SUB, PUB): messages one way, subscriptions the other.
    Forwarder = 2,
    /// PULL frontend, PUSH (or PUB) backend: one way only.
    Streamer = 1,
}

impl DeviceKind {
    /// The kind with libzmq's number `raw` (EINVAL for any other).
    pub fn from_raw(raw: i32) -> Result<DeviceKind> {
        match raw {
            1 => Ok(DeviceKind::Streamer),
            2 => Ok(DeviceKind::Forwarder),
            3 => Ok(DeviceKind::Queue),
            _ => Err(Error::invalid(format!(
                "unknown device type {raw} (STREAMER=1, FORWARDER=2, QUEUE=3)"
            ))),
        }
    }

    /// libzmq's number for the kind.
    pub fn as_raw(self) -> i32 {
        self as i32
    }

    /// libzmq's name without the `ZMQ_` prefix.
    pub fn name(self) -> &'static str {
        match self {
            DeviceKind::Queue => "QUEUE",
            DeviceKind::Forwarder => "FORWARDER",
            DeviceKind::Streamer => "STREAMER",
        }
    }
}

/// Runs a device in the calling thread (`zmq_device`). As in libzmq, this is [`proxy`]
/// without a capture socket; `kind` documents the intent and is not checked against the
/// socket types. Ends with `Err(ETERM)` when the context is terminated.
pub fn device(kind: DeviceKind, frontend: &Socket, backend: &Socket) -> Result<()> {
    let _ = kind;
    proxy(frontend, backend, None)
}

/// One setup step for a device socket.
#[derive(Debug, Clone)]
enum Setup {
    Option(SocketOption, OptionValue),
    Bind(String),
    Connect(String),
}

/// A device that runs on a background thread (pyzmq's `ThreadDevice`): describe its two
/// sockets, then [`ThreadDevice::start`] it.
///
/// ```no_run
/// use ferromq::{Context, DeviceKind, SocketType, ThreadDevice};
/// let ctx = Context::new();
/// let mut dev = ThreadDevice::new(&ctx, DeviceKind::Queue, SocketType::Router, SocketType::Dealer);
/// dev.bind_in("tcp://127.0.0.1:5559");
/// dev.bind_out("tcp://127.0.0.1:5560");
/// let handle = dev.start().unwrap();
/// // ... clients and workers talk through it ...
/// handle.stop().unwrap();
/// ```
#[derive(Clone)]
pub struct ThreadDevice {
    ctx: Context,
    kind: DeviceKind,
    in_type: SocketType,
    out_type: SocketType,
    setup_in: Vec<Setup>,
    setup_out: Vec<Setup>,
}

impl std::fmt::Debug for ThreadDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThreadDevice")
            .field("kind", &self.kind)
            .field("in_type", &self.in_type)
            .field("out_type", &self.out_type)
            .field("setup_in", &self.setup_in)
            .field("setup_out", &self.setup_out)
            .finish_non_exhaustive()
    }
}

impl ThreadDevice {
    /// A device whose sockets will be made in `ctx`: the frontend ("in") of `in_type`, the
    /// backend ("out") of `out_type`. Terminating `ctx` ends the device.
    pub fn new(
        ctx: &Context,
        kind: DeviceKind,
        in_type: SocketType,
        out_type: SocketType,
    ) -> ThreadDevice {
        ThreadDevice {
            ctx: ctx.clone(),
            kind,
            in_type,
            out_type,
            setup_in: Vec::new(),
            setup_out: Vec::new(),
        }
    }

    pub fn kind(&self) -> DeviceKind {
        self.kind
    }

    /// The frontend will bind to `endpoint` (done by `start`, which reports failures).
    pub fn bind_in(&mut self, endpoint: &str) {
        self.setup_in.push(Setup::Bind(endpoint.to_string()));
    }

    /// The frontend will connect to `endpoint`.
    pub fn connect_in(&mut self, endpoint: &str) {
        self.setup_in.push(Setup::Connect(endpoint.to_string()));
    }

    /// The backend will bind to `endpoint`.
    pub fn bind_out(&mut self, endpoint: &str) {
        self.setup_out.push(Setup::Bind(endpoint.to_string()));
    }

    /// The backend will connect to `endpoint`.
    pub fn connect_out(&mut self, endpoint: &str) {
        self.setup_out.push(Setup::Connect(endpoint.to_string()));
    }

    /// An option for the frontend, set (in call order) before any bind or connect.
    pub fn set_option_in(&mut self, option: SocketOption, value: impl Into<OptionValue>) {
        self.setup_in.push(Setup::Option(option, value.into()));
    }

    /// An option for the backend, set (in call order) before any bind or connect.
    pub fn set_option_out(&mut self, option: SocketOption, value: impl Into<OptionValue>) {
        self.setup_out.push(Setup::Option(option, value.into()));
    }

    /// Creates the sockets, sets their options, binds and connects them (in call order),
    /// all in the calling thread so any failure is returned here; then runs the proxy on a
    /// new thread.
    pub fn start(self) -> Result<DeviceHandle> {
        let frontend = self.ctx.socket(self.in_type)?;
        let backend = self.ctx.socket(self.out_type)?;
        let endpoints_in = set_up(&frontend, &self.setup_in)?;
        let endpoints_out = set_up(&backend, &self.setup_out)?;
        // Check the pairing here too, so a bad one fails `start`, not the thread.
        Proxy::new(&frontend, &backend, None, None)?;
        let stopper = Arc::new(Stopper::new()?);
        let thread_stopper = stopper.clone();
        let thread = std::thread::Builder::new()
            .name(format!("ferromq-{}", self.kind.name().to_ascii_lowercase()))
            .spawn(move || {
                let _ = crate::context::block_signals();
                let result = Proxy::new(&frontend, &backend, None, None)?.run(
                    Some(&thread_stopper),
                    None,
                    &mut [],
                );
                drop((frontend, backend));
                result
            })
            .map_err(|e| Error::from_io(&e, "cannot start the device thread"))?;
        Ok(DeviceHandle {
            thread: Some(thread),
            stopper,
            endpoints_in,
            endpoints_out,
        })
    }
}

/// Sets options first, then binds and connects in call order; returns the endpoints as
/// bound (wildcards resolved) or connected.
fn set_up(socket: &Socket, steps: &[Setup]) -> Result<Vec<String>> {
    for step in steps {
        if let Setup::Option(option, value) = step {
            socket.set_option(*option, value.clone())?;
        }
    }
    let mut endpoints = Vec::new();
    for step in steps {
        match step {
            Setup::Option(..) => continue,
            Setup::Bind(endpoint) => socket.bind(endpoint)?,
            Setup::Connect(endpoint) => socket.connect(endpoint)?,
        }
        endpoints.push(socket.last_endpoint()?);
    }
    Ok(endpoints)
}

/// A running [`ThreadDevice`]. Dropping the handle stops the device and waits for its
/// thread (use [`DeviceHandle::detach`] to let it run until its context is terminated).
pub struct DeviceHandle {
    thread: Option<JoinHandle<Result<()>>>,
    stopper: Arc<Stopper>,
    endpoints_in: Vec<String>,
    endpoints_out: Vec<String>,
}

impl std::fmt::Debug for DeviceHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceHandle")
            .field("running", &self.is_running())
            .field("endpoints_in", &self.endpoints_in)
            .field("endpoints_out", &self.endpoints_out)
            .finish_non_exhaustive()
    }
}

impl DeviceHandle {
    /// Ends the device promptly and waits for its thread. `Ok(())` if it was running (or
    /// had ended because its context was terminated); the error it ended with otherwise.
    pub fn stop(mut self) -> Result<()> {
        self.stopper.stop();
        match self.finish() {
            Err(e) if e.kind() == ErrorKind::Term => Ok(()),
            result => result,
        }
    }

    /// Waits for the device to end on its own and returns how it ended: `Err(ETERM)` when
    /// its context was terminated (the normal way).
    pub fn join(mut self) -> Result<()> {
        self.finish()
    }

    /// Whether the device's thread is still running.
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Lets the device run on without the handle, until its context is terminated.
    pub fn detach(mut self) {
        self.thread.take();
    }

    /// The frontend's endpoints, in the order given: bound ones with wildcards resolved
    /// (e.g. `tcp://127.0.0.1:*` → the port chosen), connected ones as given.
    pub fn endpoints_in(&self) -> &[String] {
        &self.endpoints_in
    }

    /// The backend's endpoints, as [`DeviceHandle::endpoints_in`].
    pub fn endpoints_out(&self) -> &[String] {
        &self.endpoints_out
    }

    fn finish(&mut self) -> Result<()> {
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        thread
            .join()
            .unwrap_or_else(|_| Err(Error::new(ErrorKind::Io, "the device thread panicked")))
    }
}

impl Drop for DeviceHandle {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.stopper.stop();
            let _ = self.finish();
        }
    }
}
