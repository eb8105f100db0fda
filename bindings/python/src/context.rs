//! The context: owns the core `Context`; `term()` waits (interruptibly, without the GIL) for
//! closed sockets to deliver what LINGER allows.

use std::sync::{mpsc, Mutex};

use ferromq::{Context, ErrorKind};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::blocking::wait_channel;
use crate::errors::{guard, zmq_err_kind, ZmqResultExt};

#[pyclass(subclass, frozen, module = "ferromq._ferromq", name = "_Context")]
pub struct PyContext {
    core: Mutex<Option<Context>>,
    io_threads: usize,
}

impl PyContext {
    /// A handle on the core context (ETERM once it was terminated: no new sockets).
    pub fn core(&self, py: Python<'_>) -> PyResult<Context> {
        let core = self.core.lock().unwrap_or_else(|e| e.into_inner());
        match core.as_ref() {
            Some(ctx) if !ctx.is_terminated() => Ok(ctx.clone()),
            _ => Err(zmq_err_kind(
                py,
                ErrorKind::Term,
                "the context was terminated",
            )),
        }
    }

    fn handle(&self) -> Option<Context> {
        self.core.lock().unwrap_or_else(|e| e.into_inner()).clone()
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

#[pymethods]
impl PyContext {
    #[new]
    #[pyo3(signature = (io_threads = 1, *_args, **_kwargs))]
    fn py_new(
        py: Python<'_>,
        io_threads: i64,
        _args: &Bound<'_, PyTuple>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        guard(|| {
            if !(1..=1024).contains(&io_threads) {
                return Err(PyValueError::new_err(format!(
                    "io_threads must be between 1 and 1024, got {io_threads}"
                )));
            }
            let ctx = Context::with_io_threads(io_threads as usize).py_err(py)?;
            Ok(PyContext {
                core: Mutex::new(Some(ctx)),
                io_threads: io_threads as usize,
            })
        })
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
        self.io_threads
    }
}

impl Drop for PyContext {
    fn drop(&mut self) {
        let core = self
            .core
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(core) = core {
            drop_in_background(core);
        }
    }
}
