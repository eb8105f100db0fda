//! `zmq.proxy`, `zmq.proxy_steerable`, `zmq.device` and the core's `ThreadDevice`, for
//! `ferromq.devices`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ferromq::{
    DeviceHandle, DeviceKind, OptionValue, Socket, SocketOption, SocketType, ThreadDevice,
};
use ferromq::{ErrorKind, INTERRUPT_CHECK};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyInt, PyString};

use crate::blocking::interruptible;
use crate::context::PyContext;
use crate::errors::{guard, zmq_err_kind, ZmqResultExt};
use crate::frame::{to_frame, type_name, BufferUse};
use crate::socket::{option_arg, PySocket};

fn socket_of(py: Python<'_>, obj: &Bound<'_, PyAny>, role: &str) -> PyResult<Arc<Socket>> {
    let sock = obj.cast::<PySocket>().map_err(|_| {
        PyTypeError::new_err(format!(
            "the {role} must be a ferromq socket, not {}",
            type_name(obj)
        ))
    })?;
    sock.get().open_socket(py)
}

fn optional_socket(
    py: Python<'_>,
    obj: Option<&Bound<'_, PyAny>>,
    role: &str,
) -> PyResult<Option<Arc<Socket>>> {
    match obj {
        Some(o) if !o.is_none() => Ok(Some(socket_of(py, o, role)?)),
        _ => Ok(None),
    }
}

/// Runs the proxy in this thread until the context is terminated (raises
/// ContextTerminated, as pyzmq does) or, with a control socket, until TERMINATE (returns).
/// Waits without the GIL; Ctrl-C interrupts it.
#[pyfunction]
#[pyo3(signature = (frontend, backend, capture = None, control = None))]
pub fn proxy_steerable(
    py: Python<'_>,
    frontend: &Bound<'_, PyAny>,
    backend: &Bound<'_, PyAny>,
    capture: Option<&Bound<'_, PyAny>>,
    control: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    guard(|| {
        let frontend = socket_of(py, frontend, "frontend")?;
        let backend = socket_of(py, backend, "backend")?;
        let capture = optional_socket(py, capture, "capture socket")?;
        let control = optional_socket(py, control, "control socket")?;
        interruptible(py, move |hook| {
            ferromq::proxy_steerable_interruptible(
                &frontend,
                &backend,
                capture.as_deref(),
                control.as_deref(),
                Some(hook),
            )
        })
    })
}

/// `zmq.proxy(frontend, backend, capture=None)`.
#[pyfunction]
#[pyo3(signature = (frontend, backend, capture = None))]
pub fn proxy(
    py: Python<'_>,
    frontend: &Bound<'_, PyAny>,
    backend: &Bound<'_, PyAny>,
    capture: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    proxy_steerable(py, frontend, backend, capture, None)
}

/// `zmq.device(device_type, frontend, backend)`: the proxy, for QUEUE/FORWARDER/STREAMER.
#[pyfunction]
pub fn device(
    py: Python<'_>,
    device_type: i32,
    frontend: &Bound<'_, PyAny>,
    backend: &Bound<'_, PyAny>,
) -> PyResult<()> {
    guard(|| {
        DeviceKind::from_raw(device_type).py_err(py)?;
        proxy_steerable(py, frontend, backend, None, None)
    })
}

fn device_kind(py: Python<'_>, raw: i32) -> PyResult<DeviceKind> {
    DeviceKind::from_raw(raw).py_err(py)
}

fn socket_type(py: Python<'_>, raw: i32, role: &str) -> PyResult<SocketType> {
    SocketType::from_raw(raw).ok_or_else(|| {
        zmq_err_kind(
            py,
            ErrorKind::Invalid,
            format!("unknown socket type {raw} for the device's {role}"),
        )
    })
}

/// The core's `ThreadDevice`: configure, `start()`, then `join()`/`stop()`.
#[pyclass(frozen, module = "ferromq._ferromq", name = "_ThreadDevice")]
pub struct PyThreadDevice {
    builder: Mutex<Option<ThreadDevice>>,
    handle: Mutex<Option<DeviceHandle>>,
    endpoints: Mutex<(Vec<String>, Vec<String>)>,
}

impl PyThreadDevice {
    fn configure(&self, py: Python<'_>, f: impl FnOnce(&mut ThreadDevice)) -> PyResult<()> {
        let mut builder = self.builder.lock().unwrap_or_else(|e| e.into_inner());
        match builder.as_mut() {
            Some(b) => {
                f(b);
                Ok(())
            }
            None => Err(zmq_err_kind(
                py,
                ErrorKind::Fsm,
                "the device was already started: configure it before start()",
            )),
        }
    }
}

fn option_value(opt: SocketOption, value: &Bound<'_, PyAny>) -> PyResult<OptionValue> {
    if value.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "option {} takes bytes or an int, not str",
            opt.name()
        )));
    }
    if value.is_instance_of::<PyInt>() {
        return Ok(OptionValue::Int(value.extract()?));
    }
    if let Ok(b) = value.cast::<PyBytes>() {
        return Ok(OptionValue::from(b.as_bytes()));
    }
    let frame = to_frame(value, BufferUse::Copy, &|| {
        format!("the value of option {}", opt.name())
    })?;
    Ok(OptionValue::from(frame.as_slice()))
}

#[pymethods]
impl PyThreadDevice {
    #[new]
    fn py_new(
        py: Python<'_>,
        context: &Bound<'_, PyAny>,
        device_type: i32,
        in_type: i32,
        out_type: i32,
    ) -> PyResult<Self> {
        guard(|| {
            let ctx = context.cast::<PyContext>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "a device needs a ferromq.Context, got {}",
                    type_name(context)
                ))
            })?;
            let core = ctx.get().core(py)?;
            let kind = device_kind(py, device_type)?;
            let device = ThreadDevice::new(
                &core,
                kind,
                socket_type(py, in_type, "frontend")?,
                socket_type(py, out_type, "backend")?,
            );
            Ok(PyThreadDevice {
                builder: Mutex::new(Some(device)),
                handle: Mutex::new(None),
                endpoints: Mutex::new((Vec::new(), Vec::new())),
            })
        })
    }

    fn bind_in(&self, py: Python<'_>, addr: &str) -> PyResult<()> {
        self.configure(py, |d| d.bind_in(addr))
    }

    fn connect_in(&self, py: Python<'_>, addr: &str) -> PyResult<()> {
        self.configure(py, |d| d.connect_in(addr))
    }

    fn bind_out(&self, py: Python<'_>, addr: &str) -> PyResult<()> {
        self.configure(py, |d| d.bind_out(addr))
    }

    fn connect_out(&self, py: Python<'_>, addr: &str) -> PyResult<()> {
        self.configure(py, |d| d.connect_out(addr))
    }

    fn set_option_in(&self, py: Python<'_>, option: i32, value: &Bound<'_, PyAny>) -> PyResult<()> {
        guard(|| {
            let opt = option_arg(py, option)?;
            let value = option_value(opt, value)?;
            self.configure(py, |d| d.set_option_in(opt, value))
        })
    }

    fn set_option_out(
        &self,
        py: Python<'_>,
        option: i32,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        guard(|| {
            let opt = option_arg(py, option)?;
            let value = option_value(opt, value)?;
            self.configure(py, |d| d.set_option_out(opt, value))
        })
    }

    /// Makes the sockets, applies options, binds and connects (errors are raised here),
    /// then runs the proxy on a new thread.
    fn start(&self, py: Python<'_>) -> PyResult<()> {
        guard(|| {
            let builder = self
                .builder
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            let Some(builder) = builder else {
                return Err(zmq_err_kind(
                    py,
                    ErrorKind::Fsm,
                    "the device was already started",
                ));
            };
            let handle = py.detach(move || builder.start()).py_err(py)?;
            *self.endpoints.lock().unwrap_or_else(|e| e.into_inner()) = (
                handle.endpoints_in().to_vec(),
                handle.endpoints_out().to_vec(),
            );
            *self.handle.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
            Ok(())
        })
    }

    /// Whether the device thread is running.
    #[getter]
    fn running(&self) -> bool {
        let handle = self.handle.lock().unwrap_or_else(|e| e.into_inner());
        handle.as_ref().is_some_and(|h| h.is_running())
    }

    /// Waits (at most `timeout` seconds; None: until it ends) for the device to end.
    /// Returns True if it has ended. Raises what it ended with, except ContextTerminated
    /// (the normal end). Ctrl-C interrupts the wait.
    #[pyo3(signature = (timeout = None))]
    fn join(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        guard(|| {
            let deadline = timeout.map(|t| Instant::now() + Duration::from_secs_f64(t.max(0.0)));
            let running = {
                let handle = self.handle.lock().unwrap_or_else(|e| e.into_inner());
                match handle.as_ref() {
                    None => return Ok(true),
                    Some(h) => h.is_running(),
                }
            };
            if running {
                let handle_ref = &self.handle;
                let ended = interruptible(py, move |hook| loop {
                    let running = handle_ref
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .as_ref()
                        .is_some_and(|h| h.is_running());
                    if !running {
                        return Ok(true);
                    }
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        return Ok(false);
                    }
                    let left = deadline.map_or(INTERRUPT_CHECK, |d| {
                        d.saturating_duration_since(Instant::now())
                    });
                    std::thread::sleep(left.min(Duration::from_millis(50)));
                    hook()?;
                })?;
                if !ended {
                    return Ok(false);
                }
            }
            let handle = self.handle.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(handle) = handle {
                match handle.join() {
                    Err(e) if e.kind() != ErrorKind::Term => {
                        return Err(crate::errors::zmq_err(py, &e))
                    }
                    _ => {}
                }
            }
            Ok(true)
        })
    }

    /// Ends the device promptly and waits for its thread.
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        guard(|| {
            let handle = self.handle.lock().unwrap_or_else(|e| e.into_inner()).take();
            match handle {
                Some(h) => py.detach(move || h.stop()).py_err(py),
                None => Err(PyRuntimeError::new_err("the device is not running")),
            }
        })
    }

    /// The frontend's endpoints as bound (wildcards resolved) or connected.
    #[getter]
    fn endpoints_in(&self) -> Vec<String> {
        self.endpoints
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .clone()
    }

    #[getter]
    fn endpoints_out(&self) -> Vec<String> {
        self.endpoints
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .clone()
    }
}

impl Drop for PyThreadDevice {
    fn drop(&mut self) {
        // A running device keeps running until its context is terminated (pyzmq's daemon
        // threads); dropping the core handle would stop it.
        if let Some(handle) = self
            .handle
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            handle.detach();
        }
    }
}
