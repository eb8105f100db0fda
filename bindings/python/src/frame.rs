//! Frames across the boundary: Python buffers into core frames (one copy, or none for large
//! `bytes`), and received frames out as `bytes` or as `Frame` objects over the core's memory
//! (no copy; exposed through the buffer protocol, see `buffer.rs`).

use bytes::Bytes;
use ferromq::Frame;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyString};

use crate::buffer;
use crate::errors::{guard, zmq_err_kind};

/// `bytes` at least this large are sent without copying (the core keeps a reference to the
/// Python object); smaller ones are copied, which is cheaper than the bookkeeping.
/// pyzmq's `COPY_THRESHOLD` has the same value.
pub const ZERO_COPY_THRESHOLD: usize = 65536;

/// libzmq's ZMQ_MORE / ZMQ_RCVMORE numbers, for `Frame.get`.
const ZMQ_MORE: i32 = 1;
const ZMQ_RCVMORE: i32 = 13;

/// A `bytes` object as a frame: copied when small, shared (no copy) when large.
fn bytes_frame(bytes: &Bound<'_, PyBytes>) -> Frame {
    let data = bytes.as_bytes();
    if data.len() >= ZERO_COPY_THRESHOLD {
        // Immutable: the core may hold on to it without a copy.
        return Frame::from(Bytes::from_owner(PyBackedBytes::from(bytes.clone())));
    }
    Frame::copy_from_slice(data)
}

/// Converts a Python object to a frame: `bytes`, a `Frame`, or anything with the buffer
/// protocol (bytearray, memoryview, array, numpy…). `what` names the argument in errors.
///
/// `bytes` and `bytearray` are read through the limited API. Other buffers are read in place
/// through the buffer API (`buffer.rs`); strided ones are gathered first with
/// `memoryview(obj).tobytes()` (one more copy).
pub fn to_frame(obj: &Bound<'_, PyAny>, what: &dyn Fn() -> String) -> PyResult<Frame> {
    if let Ok(bytes) = obj.cast::<PyBytes>() {
        return Ok(bytes_frame(bytes));
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
    if let Some(frame) = buffer::read(obj, Frame::copy_from_slice) {
        return Ok(frame);
    }
    match PyMemoryView::from(obj) {
        Ok(view) => {
            let gathered = view.call_method0("tobytes")?;
            Ok(bytes_frame(gathered.cast::<PyBytes>()?))
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

/// The data of a message frame: the base class (`_Frame`) of `ferromq.Frame`, which holds
/// the core frame and every method. `Frame` itself (made in `buffer.rs`) only adds the
/// buffer protocol; make frames with [`new_frame`], never with
/// `Py::new(PyFrame…)`, so they are `Frame`s.
///
/// It shares the core's buffer: `memoryview(frame)` and `frame.buffer` are zero-copy;
/// `frame.bytes` copies once and caches the result.
#[pyclass(frozen, subclass, module = "ferromq._ferromq", name = "_Frame")]
pub struct PyFrame {
    pub frame: Frame,
    more: bool,
    bytes: PyOnceLock<Py<PyBytes>>,
}

impl PyFrame {
    pub fn empty() -> Self {
        PyFrame::new(Frame::empty(), false)
    }

    fn new(frame: Frame, more: bool) -> Self {
        PyFrame {
            frame,
            more,
            bytes: PyOnceLock::new(),
        }
    }
}

/// A new `ferromq.Frame` over `frame` (no copy of the payload).
pub fn new_frame(py: Python<'_>, frame: Frame, more: bool) -> PyResult<Bound<'_, PyAny>> {
    // PyO3 makes `_Frame`s; `Frame` adds nothing to their layout, so the new object is
    // simply switched to `Frame` (a `__class__` assignment, see `buffer::retype`).
    buffer::retype(Bound::new(py, PyFrame::new(frame, more))?)
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

    /// A read-only memoryview of the payload: zero-copy, over the frame itself (over
    /// `frame.bytes`, one copy, for a bare `_Frame`, which user code never sees).
    #[getter]
    fn buffer<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyMemoryView>> {
        if buffer::buffer_api() && slf.is_instance(buffer::frame_type(slf.py())?)? {
            PyMemoryView::from(slf.as_any())
        } else {
            PyMemoryView::from(slf.get().bytes(slf.py()).as_any())
        }
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
            ZMQ_MORE | ZMQ_RCVMORE => Ok(self.more() as i32),
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

    fn __copy__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        new_frame(py, self.frame.clone(), self.more())
    }

    fn fast_copy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.__copy__(py)
    }

    fn __repr__(&self) -> String {
        let data = self.frame.as_slice();
        if data.len() <= 32 {
            format!("<ferromq.Frame({:?})>", Bytes::copy_from_slice(data))
        } else {
            format!("<ferromq.Frame({} bytes)>", data.len())
        }
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
