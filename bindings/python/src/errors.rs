//! Core errors as `ferromq.error` exceptions (pyzmq's classes), and the panic guard.

use std::panic::{catch_unwind, AssertUnwindSafe};

use ferromq::{Error, ErrorKind};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

/// The exception classes of `ferromq/error.py`, looked up once.
struct Classes {
    zmq_error: Py<PyType>,
    again: Py<PyType>,
    context_terminated: Py<PyType>,
    interrupted: Py<PyType>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

fn classes(py: Python<'_>) -> PyResult<&'static Classes> {
    CLASSES.get_or_try_init(py, || {
        let module = py.import("ferromq.error")?;
        let get = |name: &str| -> PyResult<Py<PyType>> {
            Ok(module.getattr(name)?.cast_into::<PyType>()?.unbind())
        };
        Ok(Classes {
            zmq_error: get("ZMQError")?,
            again: get("Again")?,
            context_terminated: get("ContextTerminated")?,
            interrupted: get("InterruptedSystemCall")?,
        })
    })
}

/// A core error as the matching pyzmq exception: `Again` for EAGAIN, `ContextTerminated`
/// for ETERM, `ZMQError` otherwise; `.errno` is libzmq's number, `.strerror` the core's message.
pub fn zmq_err(py: Python<'_>, err: &Error) -> PyErr {
    let classes = match classes(py) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let class = match err.kind() {
        ErrorKind::Again => &classes.again,
        ErrorKind::Term => &classes.context_terminated,
        ErrorKind::Interrupted => &classes.interrupted,
        _ => &classes.zmq_error,
    };
    match class.bind(py).call1((err.errno(), err.to_string())) {
        Ok(value) => PyErr::from_value(value),
        Err(e) => e,
    }
}

/// A `ZMQError` with an errno the core has no kind for (EFAULT for a bad context handle).
pub fn zmq_err_errno(py: Python<'_>, errno: i32, detail: impl Into<String>) -> PyErr {
    let classes = match classes(py) {
        Ok(c) => c,
        Err(e) => return e,
    };
    match classes.zmq_error.bind(py).call1((errno, detail.into())) {
        Ok(value) => PyErr::from_value(value),
        Err(e) => e,
    }
}

/// A `ZMQError` for a condition the binding detects itself (e.g. a closed socket).
pub fn zmq_err_kind(py: Python<'_>, kind: ErrorKind, detail: impl Into<String>) -> PyErr {
    zmq_err(py, &Error::new(kind, detail))
}

/// Converts core results to Python ones.
pub trait ZmqResultExt<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> ZmqResultExt<T> for ferromq::Result<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| zmq_err(py, &e))
    }
}

/// Runs `f`, turning a Rust panic into a `RuntimeError` instead of letting PyO3 raise its
/// `PanicException` (a BaseException that `except Exception` does not catch).
pub fn guard<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(PyRuntimeError::new_err(format!(
                "internal error in ferromq (a Rust panic: {what}); please report it"
            )))
        }
    }
}
