//! Frames across the boundary: Python buffers into core frames (copied, or shared without a
//! copy when large: always for `bytes`, with `copy=False` for mutable buffers), and received
//! frames out as `bytes` or as `Frame` objects over the core's memory (no copy; exposed
//! through the buffer protocol, see `buffer.rs`).

use std::sync::Arc;

use bytes::Bytes;
use ferromq::{Frame, Properties};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyString};

use crate::buffer;
use crate::errors::{guard, zmq_err_kind};
use crate::tracker::{Hold, MessageTracker, Tracking};

/// Payloads at least this large are shared with the core instead of copied (`bytes` always,
/// other buffers when the caller passes `copy=False`); smaller ones are copied, which is
/// cheaper than the bookkeeping. pyzmq's `COPY_THRESHOLD` has the same value.
pub const ZERO_COPY_THRESHOLD: usize = 65536;

/// libzmq's ZMQ_MORE / ZMQ_RCVMORE numbers, for `Frame.get`.
const ZMQ_MORE: i32 = 1;
const ZMQ_RCVMORE: i32 = 13;
/// libzmq's ZMQ_SRCFD: the descriptor of the connection the frame came in on.
const ZMQ_SRCFD: i32 = 2;

/// What the core may do with a mutable Python buffer (bytearray, memoryview, numpy…).
#[derive(Clone, Copy)]
pub enum BufferUse<'a> {
    /// Copy it (`copy=True`, and every argument that is not a message).
    Copy,
    /// Share it when large (`copy=False`): the caller must leave it unchanged until the
    /// core is done with it, which `tracking`, if any, reports.
    Share(Option<&'a Arc<Tracking>>),
}

/// A `bytes` object as a frame: copied when small, shared (no copy) when large.
fn bytes_frame(bytes: &Bound<'_, PyBytes>) -> Frame {
    let data = bytes.as_bytes();
    if data.len() >= ZERO_COPY_THRESHOLD {
        // Immutable: the core may hold on to it without a copy.
        return Frame::from(Bytes::from_owner(PyBackedBytes::from(bytes.clone())));
    }
    Frame::copy_from_slice(data)
}

/// A Python buffer the core holds without a copy. The memoryview keeps the exporter's
/// memory where it is for as long as it lives (a bytearray cannot even be resized).
struct SharedBuffer {
    _view: Py<PyMemoryView>,
    data: *const u8,
    len: usize,
    _hold: Option<Hold>,
}

// SAFETY: the `len` bytes at `data` stay valid and in place while `_view` lives, whichever
// thread holds this; `Py` is `Send`, and dropping it without the GIL (on the I/O thread)
// leaves the decref to PyO3's reference pool, done the next time Python is entered.
unsafe impl Send for SharedBuffer {}

impl AsRef<[u8]> for SharedBuffer {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: see `unsafe impl Send`: the bytes are valid for as long as `self` lives.
        unsafe { std::slice::from_raw_parts(self.data, self.len) }
    }
}

/// `obj`'s buffer as a frame over the same memory, if it is a contiguous buffer of at least
/// [`ZERO_COPY_THRESHOLD`] bytes.
fn shared_frame(obj: &Bound<'_, PyAny>, tracking: Option<&Arc<Tracking>>) -> Option<Frame> {
    let view = PyMemoryView::from(obj).ok()?;
    let (data, len) = buffer::read(&view, |bytes| (bytes.as_ptr(), bytes.len()))?;
    if len < ZERO_COPY_THRESHOLD {
        return None;
    }
    Some(Frame::from(Bytes::from_owner(SharedBuffer {
        _view: view.unbind(),
        data,
        len,
        _hold: tracking.map(Tracking::hold),
    })))
}

/// Converts a Python object to a frame: `bytes`, a `Frame`, or anything with the buffer
/// protocol (bytearray, memoryview, array, numpy…). `what` names the argument in errors.
///
/// `bytes` and `bytearray` are read through the limited API. Other buffers are read in place
/// through the buffer API (`buffer.rs`); strided ones are gathered first with
/// `memoryview(obj).tobytes()` (one more copy).
pub fn to_frame(
    obj: &Bound<'_, PyAny>,
    buffer_use: BufferUse<'_>,
    what: &dyn Fn() -> String,
) -> PyResult<Frame> {
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
    if let BufferUse::Share(tracking) = buffer_use {
        if let Some(frame) = shared_frame(obj, tracking) {
            return Ok(frame);
        }
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

/// The tracker `send(..., track=True)` returns: the frame's own for a `Frame` (pyzmq
/// refuses an untracked one), else the send's.
pub fn send_tracker(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    tracking: Option<Arc<Tracking>>,
) -> PyResult<Py<PyAny>> {
    let tracking = match data.cast::<PyFrame>() {
        Ok(frame) => match &frame.get().tracking {
            Some(own) => Some(Arc::clone(own)),
            None => return Err(PyValueError::new_err("Not a tracked message")),
        },
        Err(_) => tracking,
    };
    Ok(Py::new(py, MessageTracker::of_send(tracking))?.into_any())
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
    /// For a `Frame(data, track=True)` over a shared buffer: when the core lets go of it.
    pub tracking: Option<Arc<Tracking>>,
    /// A received frame's connection properties (`frame.get("Peer-Address")`).
    pub properties: Option<Arc<Properties>>,
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
            tracking: None,
            properties: None,
        }
    }
}

/// A new `ferromq.Frame` over `frame` (no copy of the payload).
pub fn new_frame(py: Python<'_>, frame: Frame, more: bool) -> PyResult<Bound<'_, PyAny>> {
    received_frame(py, frame, more, None)
}

/// [`new_frame`] for a received frame, with its connection's properties.
pub fn received_frame(
    py: Python<'_>,
    frame: Frame,
    more: bool,
    properties: Option<Arc<Properties>>,
) -> PyResult<Bound<'_, PyAny>> {
    // PyO3 makes `_Frame`s; `Frame` adds nothing to their layout, so the new object is
    // simply switched to `Frame` (a `__class__` assignment, see `buffer::retype`).
    buffer::retype(Bound::new(
        py,
        PyFrame {
            properties,
            ..PyFrame::new(frame, more)
        },
    )?)
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
        // Payloads under ZERO_COPY_THRESHOLD are copied whatever `copy_threshold` says.
        let _ = copy_threshold;
        guard(|| {
            let tracking = track.then(Arc::default);
            let buffer_use = match copy {
                Some(true) => BufferUse::Copy,
                None | Some(false) => BufferUse::Share(tracking.as_ref()),
            };
            let frame = match data {
                None => Frame::empty(),
                Some(obj) => to_frame(obj, buffer_use, &|| "Frame data".to_string())?,
            };
            Ok(PyFrame {
                tracking,
                ..PyFrame::new(frame, false)
            })
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

    /// For `Frame(data, track=True)`: a MessageTracker done once the core has let go of
    /// the frame's buffer (and this Frame is gone); None otherwise.
    #[getter]
    fn tracker(&self, py: Python<'_>) -> PyResult<Option<Py<MessageTracker>>> {
        self.tracking
            .as_ref()
            .map(|t| Py::new(py, MessageTracker::of_send(Some(Arc::clone(t)))))
            .transpose()
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

    /// `frame.get(zmq.MORE)`, `frame.get(zmq.SRCFD)`, or a metadata property of a
    /// received frame by name (`frame.get("Peer-Address")`, "Socket-Type", "Identity",
    /// "X-…"), as text; ZMQError EINVAL if it has none by that name, as pyzmq.
    fn get(&self, py: Python<'_>, option: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        if let Ok(name) = option.extract::<String>() {
            let value = self.properties.as_ref().and_then(|p| p.get(&name));
            return match value {
                Some(value) => Ok(String::from_utf8_lossy(value)
                    .into_owned()
                    .into_pyobject(py)?
                    .into_any()
                    .unbind()),
                None => Err(zmq_err_kind(
                    py,
                    ferromq::ErrorKind::Invalid,
                    format!("the frame has no property {name:?}"),
                )),
            };
        }
        let option: i32 = option.extract().map_err(|_| {
            pyo3::exceptions::PyTypeError::new_err(format!(
                "a frame property is an int or a str, not {}",
                type_name(option)
            ))
        })?;
        let value = match option {
            ZMQ_MORE | ZMQ_RCVMORE => self.more() as i32,
            ZMQ_SRCFD => self.properties.as_ref().and_then(|p| p.fd()).unwrap_or(-1),
            _ => {
                return Err(zmq_err_kind(
                    py,
                    ferromq::ErrorKind::Invalid,
                    format!("frame property {option} is not supported (MORE, SRCFD or a name)"),
                ))
            }
        };
        Ok(value.into_pyobject(py)?.into_any().unbind())
    }

    /// `frame["Peer-Address"]`: [`get`](Self::get), as pyzmq's.
    fn __getitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.get(py, key)
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
