//! The core's authenticator (a ZAP handler on a thread of its own) for `ferromq.auth`, whose
//! Python classes give it pyzmq's `zmq.auth` shapes.

use std::collections::HashMap;
use std::sync::Mutex;

use ferromq::auth::Authenticator;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

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

    fn allow_any_curve(&self) -> PyResult<()> {
        guard(|| {
            self.lock().policy().allow_any_curve();
            Ok(())
        })
    }

    /// The CURVE clients of `domain`: the public certificates in `location`.
    fn configure_curve(&self, py: Python<'_>, domain: String, location: String) -> PyResult<()> {
        guard(|| {
            let keys =
                ferromq::certs::load_public_keys(std::path::Path::new(&location)).py_err(py)?;
            self.lock().policy().configure_curve(&domain, keys);
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

/// `zmq.curve_keypair()`: a new CURVE key pair as Z85 bytes, (public, secret).
#[pyfunction]
pub fn curve_keypair(py: Python<'_>) -> PyResult<(Py<PyBytes>, Py<PyBytes>)> {
    guard(|| {
        let (public, secret) = ferromq::curve_keys::curve_keypair();
        Ok((
            PyBytes::new(py, public.as_bytes()).unbind(),
            PyBytes::new(py, secret.as_bytes()).unbind(),
        ))
    })
}

/// `zmq.curve_public(secret)`: the public key of a Z85 secret key, as Z85 bytes.
#[pyfunction]
pub fn curve_public(py: Python<'_>, secret_key: &Bound<'_, PyAny>) -> PyResult<Py<PyBytes>> {
    guard(|| {
        let text: Vec<u8> = if let Ok(s) = secret_key.extract::<String>() {
            s.into_bytes()
        } else {
            secret_key.extract::<Vec<u8>>()?
        };
        let text = String::from_utf8(text).map_err(|_| {
            crate::errors::zmq_err_kind(
                py,
                ferromq::ErrorKind::Invalid,
                "the secret key is not Z85 text",
            )
        })?;
        let public = ferromq::curve_keys::curve_public(&text).py_err(py)?;
        Ok(PyBytes::new(py, public.as_bytes()).unbind())
    })
}

/// `zmq.auth.load_certificate(path)`: (public, secret or None), Z85 bytes.
#[pyfunction]
pub fn load_certificate(
    py: Python<'_>,
    path: std::path::PathBuf,
) -> PyResult<(Py<PyBytes>, Option<Py<PyBytes>>)> {
    guard(|| {
        let cert = ferromq::certs::load_certificate(&path).py_err(py)?;
        Ok((
            PyBytes::new(py, cert.public.as_bytes()).unbind(),
            cert.secret.map(|s| PyBytes::new(py, s.as_bytes()).unbind()),
        ))
    })
}

/// `zmq.auth.create_certificates(dir, name)`: the paths of the public and secret files.
#[pyfunction]
pub fn create_certificates(
    py: Python<'_>,
    key_dir: std::path::PathBuf,
    name: String,
) -> PyResult<(std::path::PathBuf, std::path::PathBuf)> {
    guard(|| ferromq::certs::create_certificates(&key_dir, &name).py_err(py))
}
