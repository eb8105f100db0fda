//! The context: owns the core `Context`; `term()` waits (interruptibly, without the GIL) for
//! closed sockets to deliver what LINGER allows.

use std::sync::{mpsc, Arc};

use ferromq::{Context, ErrorKind};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyInt, PyTuple};

use crate::blocking::wait_channel;
use crate::errors::{guard, zmq_err_errno, zmq_err_kind, ZmqResultExt};
use crate::frame::type_name;
use crate::registry;

/// libzmq's errno for an invalid context (Linux EFAULT).
const EFAULT: i32 = 14;

#[pyclass(subclass, frozen, module = "ferromq._ferromq", name = "_Context")]
pub struct PyContext {
    /// Shared with the context's shadows (`Context.shadow`); `None` only while dropping.
    core: Option<Arc<Context>>,
    /// `Context.underlying`: the registry handle, the same for the context and its shadows.
    handle: u64,
    shadow: bool,
}

impl PyContext {
    /// A handle on the core context (ETERM once it was terminated: no new sockets).
    pub fn core(&self, py: Python<'_>) -> PyResult<Context> {
        match self.core.as_deref() {
            Some(ctx) if !ctx.is_terminated() => Ok(ctx.clone()),
            _ => Err(zmq_err_kind(
                py,
                ErrorKind::Term,
                "the context was terminated",
            )),
        }
    }

    /// The registry handle (`underlying`).
    pub fn registry_handle(&self) -> u64 {
        self.handle
    }

    fn handle(&self) -> Option<Context> {
        self.core.as_deref().cloned()
    }

    /// A shadow of the context `source` names: a `_Context`, or a handle (`underlying`), or
    /// an object with `underlying`.
    fn shadow_of(py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<Self> {
        if let Ok(ctx) = source.cast::<PyContext>() {
            let ctx = ctx.get();
            return Ok(PyContext {
                core: ctx.core.clone(),
                handle: ctx.handle,
                shadow: true,
            });
        }
        let handle = handle_arg(source, "context")?;
        match registry::context(handle) {
            Some(core) => Ok(PyContext {
                core: Some(core),
                handle,
                shadow: true,
            }),
            None => Err(zmq_err_errno(
                py,
                EFAULT,
                format!(
                    "no ferromq context has handle {handle} (it was never a Context.underlying \
                     value, or that context is gone)"
                ),
            )),
        }
    }

    /// Runs a blocking context call on a helper thread and waits for it without the GIL,
    /// interruptibly (Ctrl-C raises KeyboardInterrupt; the call then completes on its own).
    fn run_blocking(py: Python<'_>, name: &str, f: impl FnOnce() + Send + 'static) -> PyResult<()> {
        let (tx, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name(format!("ferromq-{name}"))
            .spawn(move || {
                f();
                let _ = tx.send(());
            });
        match spawned {
            Ok(_) => wait_channel(py, rx).map(|_| ()),
            Err(e) => Err(zmq_err_kind(
                py,
                ErrorKind::Io,
                format!("cannot start a thread for {name}: {e}"),
            )),
        }
    }
}

/// Drops a core handle off the calling thread: dropping the last handle of a context waits
/// for lingering messages, which must never hold up the garbage collector or interpreter
/// exit.
pub fn drop_in_background<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("ferromq-release".into())
        .spawn(move || drop(value));
}

/// A handle argument of `shadow`: an int (`underlying`), or an object with `underlying`.
/// `what` is "socket" or "context", for errors.
pub fn handle_arg(source: &Bound<'_, PyAny>, what: &str) -> PyResult<u64> {
    let value = if source.is_instance_of::<PyInt>() {
        source.clone()
    } else if let Ok(underlying) = source.getattr("underlying") {
        underlying
    } else {
        return Err(PyTypeError::new_err(format!(
            "shadow takes a ferromq {what} or its `underlying` handle (an int), not {}",
            type_name(source)
        )));
    };
    let raw: i128 = value.extract().map_err(|_| {
        PyTypeError::new_err(format!(
            "a {what} handle is an int (the `underlying` of a ferromq {what}), not {}",
            type_name(&value)
        ))
    })?;
    u64::try_from(raw)
        .ok()
        .filter(|h| *h > 0)
        .ok_or_else(|| PyValueError::new_err(format!("invalid {what} handle {raw}")))
}

/// Whether a `shadow=` argument asks for a shadow (pyzmq: None, 0 and False do not).
pub fn wants_shadow(shadow: Option<&Bound<'_, PyAny>>) -> bool {
    match shadow {
        None => false,
        Some(s) if s.is_none() => false,
        Some(s) if s.is_instance_of::<PyInt>() => s.extract::<i128>().map_or(true, |v| v != 0),
        Some(_) => true,
    }
}

#[pymethods]
impl PyContext {
    /// `Context(io_threads=1)`; `Context(shadow=ctx_or_handle)` or `Context(other_ctx)`:
    /// a second object over the same native context.
    #[new]
    #[pyo3(signature = (io_threads = None, *_args, shadow = None, **_kwargs))]
    fn py_new(
        py: Python<'_>,
        io_threads: Option<&Bound<'_, PyAny>>,
        _args: &Bound<'_, PyTuple>,
        shadow: Option<&Bound<'_, PyAny>>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        guard(|| {
            if let Some(other) = io_threads.filter(|o| o.is_instance_of::<PyContext>()) {
                return Self::shadow_of(py, other);
            }
            if wants_shadow(shadow) {
                return Self::shadow_of(py, shadow.expect("checked"));
            }
            // As pyzmq: an int (a float is truncated), else TypeError; negative is EINVAL.
            // 0 (libzmq: inproc only) still gets one I/O thread here; IO_THREADS reports 0.
            let io_threads: i64 = match io_threads {
                None => 1,
                Some(n) if n.is_instance_of::<PyInt>() => n.extract().unwrap_or(-1),
                Some(n) if n.is_instance_of::<PyFloat>() => n.extract::<f64>()?.trunc() as i64,
                Some(_) => return Err(PyTypeError::new_err("an integer is required")),
            };
            if !(0..=1024).contains(&io_threads) {
                return Err(zmq_err_kind(
                    py,
                    ErrorKind::Invalid,
                    format!("io_threads must be between 0 and 1024, got {io_threads}"),
                ));
            }
            let ctx = Arc::new(Context::with_io_threads(io_threads.max(1) as usize).py_err(py)?);
            let handle = registry::new_handle();
            registry::register_context(handle, &ctx);
            Ok(PyContext {
                core: Some(ctx),
                handle,
                shadow: false,
            })
        })
    }

    /// A handle on the native context for `Context.shadow(handle)` (pyzmq returns the
    /// libzmq pointer; this is a key into FerroMQ's table of live contexts).
    #[getter]
    fn underlying(&self) -> u64 {
        self.handle
    }

    /// Whether this object shadows a context made by another object.
    #[getter]
    fn _shadow(&self) -> bool {
        self.shadow
    }

    /// libzmq's `zmq_ctx_term`: blocking calls on the context's sockets, in any thread,
    /// raise ContextTerminated; then waits until every socket is closed and has sent what
    /// its LINGER allows. Waits without the GIL; Ctrl-C interrupts the wait.
    fn term(&self, py: Python<'_>) -> PyResult<()> {
        guard(|| match self.handle() {
            Some(ctx) => Self::run_blocking(py, "term", move || ctx.term()),
            None => Ok(()),
        })
    }

    /// Closes every socket still open (with `linger` as their LINGER, if given), then
    /// `term()`.
    #[pyo3(signature = (linger = None))]
    fn destroy(&self, py: Python<'_>, linger: Option<i64>) -> PyResult<()> {
        guard(|| {
            let linger = match linger {
                None => None,
                Some(ms) if (-1..=i32::MAX as i64).contains(&ms) => Some(ms as i32),
                Some(ms) => {
                    return Err(PyValueError::new_err(format!(
                        "linger is milliseconds (-1 for forever), got {ms}"
                    )))
                }
            };
            match self.handle() {
                Some(ctx) => Self::run_blocking(py, "destroy", move || ctx.destroy(linger)),
                None => Ok(()),
            }
        })
    }

    /// libzmq's `zmq_ctx_shutdown`: like `term()` but does not wait.
    fn shutdown(&self) {
        if let Some(ctx) = self.handle() {
            ctx.shutdown();
        }
    }

    /// True once the context was terminated (or shut down).
    #[getter]
    fn closed(&self) -> bool {
        self.handle().is_none_or(|c| c.is_terminated())
    }

    #[getter]
    fn _io_threads(&self) -> usize {
        self.core.as_deref().map_or(0, Context::io_threads)
    }

    /// ZMQ_MAX_SOCKETS (see `Context::set_max_sockets`).
    #[getter]
    fn _max_sockets(&self) -> usize {
        self.core
            .as_deref()
            .map_or(ferromq::context::DEFAULT_MAX_SOCKETS, Context::max_sockets)
    }

    fn _set_max_sockets(&self, py: Python<'_>, max_sockets: i64) -> PyResult<()> {
        guard(|| {
            let Some(ctx) = self.core.as_deref() else {
                return Err(zmq_err_kind(
                    py,
                    ErrorKind::Invalid,
                    "the context was closed",
                ));
            };
            let n = usize::try_from(max_sockets).unwrap_or(0);
            ctx.set_max_sockets(n).py_err(py)
        })
    }
}

impl Drop for PyContext {
    fn drop(&mut self) {
        // Only the last holder (of the context and its shadows) drops the core context,
        // which waits for LINGER: off this thread.
        if let Some(core) = self.core.take() {
            if let Ok(core) = Arc::try_unwrap(core) {
                drop_in_background(core);
            }
        }
    }
}
