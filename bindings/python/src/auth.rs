//! The core's authenticator (a ZAP handler on a thread of its own) for `ferromq.auth`, whose
//! Python classes give it pyzmq's `zmq.auth` shapes.

use std::collections::HashMap;
use std::sync::Mutex;

use ferromq::auth::Authenticator;
use pyo3::prelude::*;

use crate::context::PyContext;
use crate::errors::{guard, ZmqResultExt};

#[pyclass(frozen, module = "ferromq._ferromq", name = "_Authenticator")]
pub struct PyAuthenticator {
    inner: Mutex<Authenticator>,
}

impl PyAuthenticator {
    fn lock(&self) -> std::sync::MutexGuard<'_, Authenticator> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[pymethods]
impl PyAuthenticator {
    #[new]
    fn new(py: Python<'_>, context: &Bound<'_, PyContext>) -> PyResult<Self> {
        guard(|| {
            let ctx = context.get().core(py)?;
            Ok(PyAuthenticator {
                inner: Mutex::new(Authenticator::new(&ctx)),
            })
        })
    }

    /// Binds inproc://zeromq.zap.01 and starts answering (EADDRINUSE if taken).
    fn start(&self, py: Python<'_>) -> PyResult<()> {
        guard(|| self.lock().start().py_err(py))
    }

    /// Stops answering; waits (without the GIL) for the thread to end.
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        guard(|| {
            py.detach(|| self.lock().stop());
            Ok(())
        })
    }

    fn is_running(&self) -> PyResult<bool> {
        guard(|| Ok(self.lock().is_running()))
    }

    fn allow(&self, addresses: Vec<String>) -> PyResult<()> {
        guard(|| {
            self.lock().policy().allow(addresses);
            Ok(())
        })
    }

    fn deny(&self, addresses: Vec<String>) -> PyResult<()> {
        guard(|| {
            self.lock().policy().deny(addresses);
            Ok(())
        })
    }

    fn configure_plain(&self, domain: String, passwords: HashMap<String, String>) -> PyResult<()> {
        guard(|| {
            self.lock().policy().configure_plain(&domain, passwords);
            Ok(())
        })
    }
}
