//! Frames across the boundary: Python buffers into core frames (one copy, or none for large
//! `bytes`), and received frames out as `bytes` or as `Frame` objects that expose the
//! buffer protocol over the core's memory (no copy).

use std::ffi::{c_int, c_void};
use std::ptr;

use bytes::Bytes;
use ferromq::Frame;
use pyo3::buffer::PyUntypedBuffer;
use pyo3::exceptions::{PyBufferError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyString};

use crate::errors::{guard, zmq_err_kind};

/// `bytes` at least this large are sent without copying (the core keeps a reference to the
/// Python object); smaller ones are copied, which is cheaper than the bookkeeping.
/// pyzmq's `COPY_THRESHOLD` has the same value.
pub const ZERO_COPY_THRESHOLD: usize = 65536;

/// libzmq's ZMQ_MORE / ZMQ_RCVMORE numbers, for `Frame.get`.
const ZMQ_MORE: i32 = 1;
const ZMQ_RCVMORE: i32 = 13;

/// Converts a Python object to a frame: `bytes`, a `Frame`, or anything with the buffer
/// protocol (bytearray, memoryview, array, numpy…). `what` names the argument in errors.
pub fn to_frame(obj: &Bound<'_, PyAny>, what: &dyn Fn() -> String) -> PyResult<Frame> {
    if let Ok(bytes) = obj.cast::<PyBytes>() {
        let data = bytes.as_bytes();
        if data.len() >= ZERO_COPY_THRESHOLD {
            // Immutable: the core may hold on to it without a copy.
            return Ok(Frame::from(Bytes::from_owner(PyBackedBytes::from(
                bytes.clone(),
            ))));
        }
        return Ok(Frame::copy_from_slice(data));
    }
    if let Ok(frame) = obj.cast::<PyFrame>() {
        return Ok(frame.get().frame.clone());
    }
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{} is a str; messages are bytes: encode it, or use send_string()",
            what()
        )));
    }
    if let Ok(array) = obj.cast::<PyByteArray>() {
        // SAFETY: the GIL is held and nothing runs Python code while we copy.
        return Ok(Frame::copy_from_slice(unsafe { array.as_bytes() }));
    }
    match PyUntypedBuffer::get(obj) {
        Ok(buffer) => {
            let frame = if buffer.is_c_contiguous() {
                // SAFETY: a C-contiguous buffer is `len_bytes` readable bytes at `buf_ptr`,
                // valid until released; the GIL is held while we copy.
                let data = unsafe {
                    std::slice::from_raw_parts(buffer.buf_ptr() as *const u8, buffer.len_bytes())
                };
                Frame::copy_from_slice(data)
            } else {
                // Strided: let memoryview gather it.
                let gathered = PyMemoryView::from(obj)?.call_method0("tobytes")?;
                Frame::copy_from_slice(gathered.cast::<PyBytes>()?.as_bytes())
            };
            buffer.release(obj.py());
            Ok(frame)
        }
        Err(_) => Err(PyTypeError::new_err(format!(
            "{} must be bytes, bytearray, memoryview, a Frame or another object with the \
             buffer protocol, not {}",
            what(),
            type_name(obj)
        ))),
    }
}

pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_string())
}

/// A received (or user-made) message frame, like pyzmq's `zmq.Frame`. It shares the core's
/// buffer: `memoryview(frame)` and `frame.buffer` are zero-copy; `frame.bytes` copies once
/// and caches the result.
#[pyclass(frozen, subclass, module = "ferromq._ferromq", name = "Frame")]
pub struct PyFrame {
    pub frame: Frame,
    more: bool,
    bytes: PyOnceLock<Py<PyBytes>>,
}

impl PyFrame {
    pub fn new(frame: Frame, more: bool) -> Self {
        PyFrame {
            frame,
            more,
            bytes: PyOnceLock::new(),
        }
    }
}

#[pymethods]
impl PyFrame {
    #[new]
    #[pyo3(signature = (data = None, track = false, copy = None, copy_threshold = None))]
    fn py_new(
        data: Option<&Bound<'_, PyAny>>,
        track: bool,
        copy: Option<bool>,
        copy_threshold: Option<usize>,
    ) -> PyResult<Self> {
        let _ = (track, copy, copy_threshold);
        guard(|| {
            let frame = match data {
                None => Frame::empty(),
                Some(obj) => to_frame(obj, &|| "Frame data".to_string())?,
            };
            Ok(PyFrame::new(frame, false))
        })
    }

    /// The payload as `bytes` (copied once, then cached).
    #[getter]
    fn bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        self.bytes
            .get_or_init(py, || PyBytes::new(py, self.frame.as_slice()).unbind())
            .bind(py)
            .clone()
    }

    /// A read-only memoryview of the payload (no copy).
    #[getter]
    fn buffer<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyMemoryView>> {
        PyMemoryView::from(slf.as_any())
    }

    /// Whether more frames of the same message follow (set on received frames).
    #[getter]
    fn more(&self) -> bool {
        self.more
    }

    /// pyzmq's MessageTracker for zero-copy sends; FerroMQ needs none.
    #[getter]
    fn tracker(&self) -> Option<Py<PyAny>> {
        None
    }

    /// Draft-socket properties; not supported, always None.
    #[getter]
    fn routing_id(&self) -> Option<Py<PyAny>> {
        None
    }

    #[getter]
    fn group(&self) -> Option<Py<PyAny>> {
        None
    }

    /// `frame.get(zmq.MORE)`.
    fn get(&self, py: Python<'_>, option: i32) -> PyResult<i32> {
        match option {
            ZMQ_MORE | ZMQ_RCVMORE => Ok(self.more as i32),
            _ => Err(zmq_err_kind(
                py,
                ferromq::ErrorKind::Invalid,
                format!("frame property {option} is not supported (only MORE)"),
            )),
        }
    }

    fn __len__(&self) -> usize {
        self.frame.len()
    }

    fn __bytes__<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        self.bytes(py)
    }

    fn __copy__(&self) -> Self {
        PyFrame::new(self.frame.clone(), self.more)
    }

    fn fast_copy(&self) -> Self {
        self.__copy__()
    }

    fn __repr__(&self) -> String {
        let data = self.frame.as_slice();
        if data.len() <= 32 {
            format!("<ferromq.Frame({:?})>", Bytes::copy_from_slice(data))
        } else {
            format!("<ferromq.Frame({} bytes)>", data.len())
        }
    }

    /// Read-only buffer protocol over the frame's payload.
    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        if view.is_null() {
            return Err(PyBufferError::new_err("null Py_buffer"));
        }
        if flags & ffi::PyBUF_WRITABLE == ffi::PyBUF_WRITABLE {
            return Err(PyBufferError::new_err("a Frame is read-only"));
        }
        let data = slf.get().frame.as_slice();
        let (buf, len) = (data.as_ptr(), data.len());
        // SAFETY: `view` is a valid Py_buffer to fill (checked non-null). The data lives
        // inside the frame object, which the view keeps alive through `obj`, and a frozen
        // frame never changes.
        unsafe {
            (*view).obj = slf.into_any().into_ptr();
            (*view).buf = buf as *mut c_void;
            (*view).len = len as isize;
            (*view).readonly = 1;
            (*view).itemsize = 1;
            (*view).format = if flags & ffi::PyBUF_FORMAT == ffi::PyBUF_FORMAT {
                c"B".as_ptr() as *mut _
            } else {
                ptr::null_mut()
            };
            (*view).ndim = 1;
            (*view).shape = if flags & ffi::PyBUF_ND == ffi::PyBUF_ND {
                &mut (*view).len
            } else {
                ptr::null_mut()
            };
            (*view).strides = if flags & ffi::PyBUF_STRIDES == ffi::PyBUF_STRIDES {
                &mut (*view).itemsize
            } else {
                ptr::null_mut()
            };
            (*view).suboffsets = ptr::null_mut();
            (*view).internal = ptr::null_mut();
        }
        Ok(())
    }

    unsafe fn __releasebuffer__(&self, _view: *mut ffi::Py_buffer) {
        // Nothing to free: the format string is static.
    }
}

/// pyzmq's `MessageTracker`. FerroMQ copies small payloads and keeps large `bytes` alive
/// itself, so the caller may reuse its buffer at once: every tracker is already done.
#[pyclass(frozen, subclass, module = "ferromq._ferromq", name = "MessageTracker")]
pub struct MessageTracker;

#[pymethods]
impl MessageTracker {
    #[new]
    #[pyo3(signature = (*_towatch))]
    fn py_new(_towatch: &Bound<'_, pyo3::types::PyTuple>) -> Self {
        MessageTracker
    }

    #[getter]
    fn done(&self) -> bool {
        true
    }

    #[pyo3(signature = (timeout = -1.0))]
    fn wait(&self, timeout: f64) {
        let _ = timeout;
    }
}
