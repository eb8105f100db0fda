//! The socket: send/recv with pyzmq's signatures, options, bind/connect.
//!
//! Fast path first: every send/recv is tried without waiting while the GIL is held (no
//! syscall, no GIL round trip when a message is ready). Only when it would block does the
//! call release the GIL and wait, interruptibly (Ctrl-C), honouring SNDTIMEO/RCVTIMEO.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use ferromq::{
    flags, ErrorKind, Frame, Message, MonitorEvent, OptionValue, Properties, Socket, SocketOption,
    SocketType, Unsent, POLLIN, POLLOUT,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyInt, PyList, PyString, PyTuple};

use crate::blocking::{interruptible, wait_ready};
use crate::context::{handle_arg, wants_shadow, PyContext};
use crate::errors::{guard, zmq_err, zmq_err_kind, ZmqResultExt};
use crate::frame::{received_frame, send_tracker, to_frame, type_name, BufferUse, PyFrame};
use crate::registry;
use crate::tracker::{MessageTracker, Tracking};

#[pyclass(subclass, frozen, module = "ferromq._ferromq", name = "_Socket")]
pub struct PySocket {
    /// `None` once closed. An `Arc` so a call blocked in one thread keeps the socket alive
    /// while another thread closes it (the blocked call then fails with ENOTSOCK); shadows
    /// (`Socket.shadow`) hold the same `Arc`.
    inner: RwLock<Option<Arc<Socket>>>,
    socket_type: i32,
    /// The Python context object, kept alive as long as the socket (as pyzmq does).
    context: Py<PyAny>,
    /// `Socket.underlying`: the registry handle, the same for the socket and its shadows.
    handle: u64,
    /// A shadow does not close the native socket when it is garbage-collected (an explicit
    /// `close()` does, as in pyzmq).
    shadow: bool,
}

/// libzmq's flag values are the core's; pyzmq's NOBLOCK is DONTWAIT.
const DONTWAIT: i32 = flags::DONTWAIT;
const SNDMORE: i32 = flags::SNDMORE;

fn endpoint_arg(addr: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = addr.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    if let Ok(b) = addr.cast::<PyBytes>() {
        return std::str::from_utf8(b.as_bytes())
            .map(str::to_owned)
            .map_err(|_| PyValueError::new_err("the endpoint bytes are not valid UTF-8"));
    }
    Err(PyTypeError::new_err(format!(
        "an endpoint is a str like 'tcp://127.0.0.1:5555', not {}",
        type_name(addr)
    )))
}

fn flags_arg(flags: i32) -> PyResult<i32> {
    if flags & !(DONTWAIT | SNDMORE) != 0 {
        return Err(PyValueError::new_err(format!(
            "unknown flags {flags:#x}: only NOBLOCK/DONTWAIT (1) and SNDMORE (2) exist"
        )));
    }
    Ok(flags)
}

pub fn option_arg(py: Python<'_>, option: i32) -> PyResult<SocketOption> {
    SocketOption::from_raw(option).map_err(|_| {
        zmq_err_kind(
            py,
            ErrorKind::Invalid,
            format!("socket option {option} is not supported by ferromq"),
        )
    })
}

/// A millisecond timeout option as a deadline from now (`None`: forever).
fn deadline_ms(ms: i64) -> Option<Instant> {
    (ms >= 0).then(|| Instant::now() + Duration::from_millis(ms as u64))
}

/// A received frame for Python: bytes, or (`copy=False`) a Frame with its connection's
/// properties.
fn frame_to_py(
    py: Python<'_>,
    frame: Frame,
    copy: bool,
    more: bool,
    properties: Option<Arc<Properties>>,
) -> PyResult<Py<PyAny>> {
    if copy {
        Ok(PyBytes::new(py, frame.as_slice()).into_any().unbind())
    } else {
        Ok(received_frame(py, frame, more, properties)?.unbind())
    }
}

impl PySocket {
    /// A shadow of the socket `source` names: a `_Socket`, or a handle (`underlying`), or
    /// an object with `underlying`. Its context object is `context` if given, else the
    /// source's (a `_Socket`) or a shadow of the socket's context (a handle).
    fn shadow_of(
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
        context: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let context = context.filter(|c| c.is_instance_of::<PyContext>());
        let (socket, handle, context) = if let Ok(other) = source.cast::<PySocket>() {
            let other = other.get();
            let socket = other.open_socket(py)?;
            let context = match context {
                Some(c) => c.clone().unbind(),
                None => other.context.clone_ref(py),
            };
            (socket, other.handle, context)
        } else {
            let handle = handle_arg(source, "socket")?;
            let Some((socket, context_handle)) = registry::socket(handle) else {
                return Err(zmq_err_kind(
                    py,
                    ErrorKind::NotSocket,
                    format!(
                        "no open ferromq socket has handle {handle} (it was closed, or was \
                         never a Socket.underlying value)"
                    ),
                ));
            };
            let context = match context {
                Some(c) => c.clone().unbind(),
                // A `ferromq.Context` shadowing the socket's context.
                None => py
                    .import("ferromq.context")?
                    .getattr("Context")?
                    .call_method1("shadow", (context_handle,))?
                    .unbind(),
            };
            (socket, handle, context)
        };
        Ok(PySocket {
            socket_type: socket.socket_type() as i32,
            inner: RwLock::new(Some(socket)),
            context,
            handle,
            shadow: true,
        })
    }

    /// The open socket, or ENOTSOCK.
    pub fn open_socket(&self, py: Python<'_>) -> PyResult<Arc<Socket>> {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        match inner.as_ref() {
            Some(s) => Ok(s.clone()),
            None => Err(zmq_err_kind(
                py,
                ErrorKind::NotSocket,
                "the socket is closed",
            )),
        }
    }

    /// Sends one frame of a message (SNDMORE in `flags`) with the core's frame-level `send`,
    /// waiting for POLLOUT without the GIL when it would block.
    fn send_part(&self, py: Python<'_>, sock: &Socket, frame: Frame, flags: i32) -> PyResult<()> {
        let mut deadline = None;
        loop {
            match sock.send(frame.clone(), flags | DONTWAIT) {
                Ok(()) => return Ok(()),
                Err(e) if e.is_again() && flags & DONTWAIT == 0 => {
                    if deadline.is_none() {
                        deadline = Some(deadline_ms(
                            sock.get_int(SocketOption::SndTimeo).py_err(py)?,
                        ));
                    }
                    if !wait_ready(py, sock, POLLOUT, deadline.flatten())? {
                        return Err(zmq_err(py, &e));
                    }
                }
                Err(e) => return Err(zmq_err(py, &e)),
            }
        }
    }

    /// Sends a whole message (completing frames sent earlier with SNDMORE): first without
    /// waiting, with the GIL; if that would block, the core hands the message back and the
    /// call waits for room without the GIL.
    fn send_message(
        &self,
        py: Python<'_>,
        sock: &Arc<Socket>,
        msg: Message,
        flags: i32,
    ) -> PyResult<()> {
        match sock.try_send_msg(msg, flags | DONTWAIT, None) {
            Ok(()) => Ok(()),
            Err(Unsent {
                error,
                message: Some(msg),
            }) if error.is_again() && flags & DONTWAIT == 0 => {
                let sock = sock.clone();
                interruptible(py, move |hook| {
                    sock.try_send_msg(msg, flags, Some(hook))
                        .map_err(|unsent| unsent.error)
                })
            }
            Err(unsent) => Err(zmq_err(py, &unsent.error)),
        }
    }

    // The bodies of send/recv/send_multipart/recv_multipart, shared by the PyO3 methods and
    // the METH_FASTCALL entry points of `fastcall.rs`.

    pub(crate) fn send_impl(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        flags: i32,
        copy: bool,
        track: bool,
    ) -> PyResult<Option<Py<PyAny>>> {
        guard(|| {
            let flags = flags_arg(flags)?;
            let tracking = (track && !copy).then(Arc::default);
            let frame = to_frame(data, buffer_use(copy, &tracking), &|| {
                "the message".to_string()
            })?;
            // Made first: an untracked Frame with track=True is refused before it is sent.
            let tracker = tracker(py, track, copy, data, tracking)?;
            let sock = self.open_socket(py)?;
            if flags & SNDMORE != 0 {
                self.send_part(py, &sock, frame, flags)?;
            } else {
                self.send_message(py, &sock, Message::single(frame), flags)?;
            }
            Ok(tracker)
        })
    }

    pub(crate) fn send_multipart_impl(
        &self,
        py: Python<'_>,
        msg_parts: &Bound<'_, PyAny>,
        flags: i32,
        copy: bool,
        track: bool,
    ) -> PyResult<Option<Py<PyAny>>> {
        guard(|| {
            let flags = flags_arg(flags)?;
            if msg_parts.is_instance_of::<PyBytes>() || msg_parts.is_instance_of::<PyString>() {
                return Err(PyTypeError::new_err(
                    "send_multipart takes a list of frames, not a single bytes/str",
                ));
            }
            let mut msg = Message::new();
            let tracking = (track && !copy).then(Arc::default);
            let iter = msg_parts.try_iter().map_err(|_| {
                PyTypeError::new_err(format!(
                    "send_multipart takes a list (or any iterable) of frames, not {}",
                    type_name(msg_parts)
                ))
            })?;
            for (i, part) in iter.enumerate() {
                let part = part?;
                msg.push_back(to_frame(&part, buffer_use(copy, &tracking), &|| {
                    format!("frame {i} of the message")
                })?);
            }
            if msg.is_empty() {
                return Err(PyValueError::new_err(
                    "send_multipart needs at least one frame",
                ));
            }
            let tracker = tracker(py, track, copy, msg_parts, tracking)?;
            let sock = self.open_socket(py)?;
            if flags & SNDMORE != 0 {
                // Unusual but legal: the message continues with later sends.
                let frames: Vec<Frame> = msg.into_frames().collect();
                for frame in frames {
                    self.send_part(py, &sock, frame, flags)?;
                }
            } else {
                self.send_message(py, &sock, msg, flags)?;
            }
            Ok(tracker)
        })
    }

    pub(crate) fn recv_impl(&self, py: Python<'_>, flags: i32, copy: bool) -> PyResult<Py<PyAny>> {
        guard(|| {
            let flags = flags_arg(flags)?;
            let sock = self.open_socket(py)?;
            let frame = self.recv_frame(py, &sock, flags)?;
            let (more, properties) = if copy { (false, None) } else { sock.received() };
            frame_to_py(py, frame, copy, more, properties)
        })
    }

    pub(crate) fn recv_multipart_impl<'py>(
        &self,
        py: Python<'py>,
        flags: i32,
        copy: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        guard(|| {
            let flags = flags_arg(flags)?;
            let sock = self.open_socket(py)?;
            let msg = match sock.recv_msg(flags | DONTWAIT) {
                Ok(msg) => msg,
                Err(e) if e.is_again() && flags & DONTWAIT == 0 => {
                    let sock = sock.clone();
                    interruptible(py, move |hook| {
                        sock.recv_msg_interruptible(flags, Some(hook))
                    })?
                }
                Err(e) => return Err(zmq_err(py, &e)),
            };
            let properties = if copy { None } else { sock.received().1 };
            let count = msg.len();
            let list = PyList::empty(py);
            for (i, frame) in msg.into_frames().enumerate() {
                list.append(frame_to_py(
                    py,
                    frame,
                    copy,
                    i + 1 < count,
                    properties.clone(),
                )?)?;
            }
            Ok(list)
        })
    }

    fn recv_frame(&self, py: Python<'_>, sock: &Socket, flags: i32) -> PyResult<Frame> {
        let mut deadline = None;
        loop {
            match sock.recv(flags | DONTWAIT) {
                Ok(frame) => return Ok(frame),
                Err(e) if e.is_again() && flags & DONTWAIT == 0 => {
                    if deadline.is_none() {
                        deadline = Some(deadline_ms(
                            sock.get_int(SocketOption::RcvTimeo).py_err(py)?,
                        ));
                    }
                    if !wait_ready(py, sock, POLLIN, deadline.flatten())? {
                        return Err(zmq_err(py, &e));
                    }
                }
                Err(e) => return Err(zmq_err(py, &e)),
            }
        }
    }
}

#[pymethods]
impl PySocket {
    #[new]
    #[pyo3(signature = (context = None, socket_type = None, *_args, shadow = None, **_kwargs))]
    fn py_new(
        py: Python<'_>,
        context: Option<&Bound<'_, PyAny>>,
        socket_type: Option<&Bound<'_, PyAny>>,
        _args: &Bound<'_, PyTuple>,
        shadow: Option<&Bound<'_, PyAny>>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        guard(|| {
            // pyzmq: `Socket(other_socket)` and `Socket(shadow=socket_or_handle)`.
            if let Some(other) = context.filter(|c| c.is_instance_of::<PySocket>()) {
                return Self::shadow_of(py, other, None);
            }
            if wants_shadow(shadow) {
                return Self::shadow_of(py, shadow.expect("checked"), context);
            }
            let (Some(context), Some(socket_type)) = (context, socket_type) else {
                return Err(PyTypeError::new_err(
                    "a socket needs a context and a socket type: ctx.socket(zmq.REQ)",
                ));
            };
            let ctx = context.cast::<PyContext>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "a socket needs a ferromq.Context, got {}",
                    type_name(context)
                ))
            })?;
            if !socket_type.is_instance_of::<PyInt>() {
                return Err(PyTypeError::new_err(format!(
                    "the socket type is an int such as zmq.REQ, not {}",
                    type_name(socket_type)
                )));
            }
            let raw: i64 = socket_type.extract()?;
            let kind = i32::try_from(raw)
                .ok()
                .and_then(SocketType::from_raw)
                .ok_or_else(|| {
                    zmq_err_kind(
                        py,
                        ErrorKind::Invalid,
                        format!("unknown socket type {raw} (PAIR=0 … STREAM=11)"),
                    )
                })?;
            let core = ctx.get().core(py)?;
            let socket = Arc::new(core.socket(kind).py_err(py)?);
            let handle = registry::new_handle();
            registry::register_socket(handle, &socket, ctx.get().registry_handle());
            Ok(PySocket {
                inner: RwLock::new(Some(socket)),
                socket_type: kind as i32,
                context: context.clone().unbind(),
                handle,
                shadow: false,
            })
        })
    }

    /// A handle on the native socket for `Socket.shadow(handle)` (pyzmq returns the
    /// libzmq pointer; this is a key into FerroMQ's table of open sockets).
    #[getter]
    fn underlying(&self) -> u64 {
        self.handle
    }

    /// Whether this object shadows a socket made by another object.
    #[getter]
    fn _shadow(&self) -> bool {
        self.shadow
    }

    /// The socket type's number (`zmq.REQ`…).
    #[getter]
    fn _type(&self) -> i32 {
        self.socket_type
    }

    /// The context the socket was made by.
    #[getter]
    fn context(&self, py: Python<'_>) -> Py<PyAny> {
        self.context.clone_ref(py)
    }

    #[getter]
    fn closed(&self) -> bool {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        inner.as_ref().is_none_or(|s| s.is_closed())
    }

    fn bind(&self, py: Python<'_>, addr: &Bound<'_, PyAny>) -> PyResult<()> {
        guard(|| {
            let endpoint = endpoint_arg(addr)?;
            self.open_socket(py)?.bind(&endpoint).py_err(py)
        })
    }

    fn connect(&self, py: Python<'_>, addr: &Bound<'_, PyAny>) -> PyResult<()> {
        guard(|| {
            let endpoint = endpoint_arg(addr)?;
            self.open_socket(py)?.connect(&endpoint).py_err(py)
        })
    }

    fn unbind(&self, py: Python<'_>, addr: &Bound<'_, PyAny>) -> PyResult<()> {
        guard(|| {
            let endpoint = endpoint_arg(addr)?;
            self.open_socket(py)?.unbind(&endpoint).py_err(py)
        })
    }

    fn disconnect(&self, py: Python<'_>, addr: &Bound<'_, PyAny>) -> PyResult<()> {
        guard(|| {
            let endpoint = endpoint_arg(addr)?;
            self.open_socket(py)?.disconnect(&endpoint).py_err(py)
        })
    }

    /// Closes the socket (after setting LINGER, if given). Queued messages are still sent
    /// within LINGER; `Context.term()` waits for that. Closing twice is fine.
    #[pyo3(signature = (linger = None))]
    fn close(&self, linger: Option<i64>) -> PyResult<()> {
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
            let taken = self.inner.write().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(sock) = taken {
                registry::unregister_socket(self.handle);
                match linger {
                    Some(ms) => sock.close_with_linger(ms),
                    None => sock.close(),
                }
            }
            Ok(())
        })
    }

    /// Sets an option: an int for integer options, bytes for binary ones (ROUTING_ID,
    /// SUBSCRIBE…).
    fn set(&self, py: Python<'_>, option: i32, value: &Bound<'_, PyAny>) -> PyResult<()> {
        guard(|| {
            let opt = option_arg(py, option)?;
            let sock = self.open_socket(py)?;
            let value = if opt.is_binary() {
                if value.is_instance_of::<PyString>() {
                    return Err(PyTypeError::new_err(format!(
                        "option {} takes bytes, not str: encode it, or use set_string()",
                        opt.name()
                    )));
                }
                if let Ok(b) = value.cast::<PyBytes>() {
                    OptionValue::from(b.as_bytes())
                } else if value.is_instance_of::<PyInt>() {
                    return Err(PyTypeError::new_err(format!(
                        "option {} takes bytes, not int",
                        opt.name()
                    )));
                } else {
                    let frame = to_frame(value, BufferUse::Copy, &|| {
                        format!("the value of option {}", opt.name())
                    })?;
                    OptionValue::from(frame.as_slice())
                }
            } else {
                if !value.is_instance_of::<PyInt>() {
                    return Err(PyTypeError::new_err(format!(
                        "option {} takes an int, not {}",
                        opt.name(),
                        type_name(value)
                    )));
                }
                let v: i64 = value.extract().map_err(|_| {
                    PyValueError::new_err(format!("value of option {} is out of range", opt.name()))
                })?;
                OptionValue::Int(v)
            };
            sock.set_option(opt, value).py_err(py)
        })
    }

    /// Reads an option: an int, or bytes for binary ones (ROUTING_ID, LAST_ENDPOINT…).
    fn get(&self, py: Python<'_>, option: i32) -> PyResult<Py<PyAny>> {
        guard(|| {
            let opt = option_arg(py, option)?;
            let sock = self.open_socket(py)?;
            Ok(match sock.get_option(opt).py_err(py)? {
                OptionValue::Int(v) => v.into_pyobject(py)?.into_any().unbind(),
                OptionValue::Bytes(b) => PyBytes::new(py, &b).into_any().unbind(),
            })
        })
    }

    /// Sends one frame: bytes, bytearray, memoryview, a Frame or any buffer. With SNDMORE,
    /// more frames of the same message follow. Blocks (without the GIL) unless NOBLOCK.
    #[pyo3(signature = (data, flags = 0, copy = true, track = false, routing_id = None, group = None))]
    #[allow(clippy::too_many_arguments)]
    fn send(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        flags: i32,
        copy: bool,
        track: bool,
        routing_id: Option<&Bound<'_, PyAny>>,
        group: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<Py<PyAny>>> {
        if routing_id.is_some() || group.is_some() {
            return Err(zmq_err_kind(
                py,
                ErrorKind::NotSupported,
                "routing_id/group are for draft socket types, which ferromq does not have",
            ));
        }
        self.send_impl(py, data, flags, copy, track)
    }

    /// Sends a whole multipart message atomically.
    #[pyo3(signature = (msg_parts, flags = 0, copy = true, track = false, **_kwargs))]
    fn send_multipart(
        &self,
        py: Python<'_>,
        msg_parts: &Bound<'_, PyAny>,
        flags: i32,
        copy: bool,
        track: bool,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Option<Py<PyAny>>> {
        self.send_multipart_impl(py, msg_parts, flags, copy, track)
    }

    /// Receives one frame: bytes, or a zero-copy Frame with `copy=False`. Blocks (without
    /// the GIL) unless NOBLOCK; RCVTIMEO applies.
    #[pyo3(signature = (flags = 0, copy = true, track = false))]
    fn recv(&self, py: Python<'_>, flags: i32, copy: bool, track: bool) -> PyResult<Py<PyAny>> {
        let _ = track;
        self.recv_impl(py, flags, copy)
    }

    /// Receives a whole multipart message as a list of bytes (or Frames with `copy=False`).
    #[pyo3(signature = (flags = 0, copy = true, track = false))]
    fn recv_multipart<'py>(
        &self,
        py: Python<'py>,
        flags: i32,
        copy: bool,
        track: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let _ = track;
        self.recv_multipart_impl(py, flags, copy)
    }

    /// Starts monitoring the socket's events (`zmq_socket_monitor`): events in `events`
    /// are sent to a PAIR socket bound at `addr` (inproc); `addr=None` stops monitoring.
    #[pyo3(signature = (addr, events = 0xFFFF))]
    fn monitor(
        &self,
        py: Python<'_>,
        addr: Option<&Bound<'_, PyAny>>,
        events: i32,
    ) -> PyResult<()> {
        guard(|| {
            let sock = self.open_socket(py)?;
            match addr {
                Some(addr) if !addr.is_none() => {
                    let endpoint = endpoint_arg(addr)?;
                    sock.monitor(&endpoint, events).py_err(py)
                }
                _ => sock.stop_monitor().py_err(py),
            }
        })
    }

    /// Waits up to `timeout` ms (None or negative: forever) until the socket is ready for
    /// `flags` (POLLIN/POLLOUT); returns the ready events, 0 on timeout.
    #[pyo3(signature = (timeout = None, flags = POLLIN))]
    fn poll(&self, py: Python<'_>, timeout: Option<f64>, flags: i32) -> PyResult<i32> {
        guard(|| {
            let sock = self.open_socket(py)?;
            let deadline = timeout
                .filter(|t| *t >= 0.0)
                .map(|t| Instant::now() + Duration::from_secs_f64(t / 1000.0));
            if !wait_ready(py, &sock, flags, deadline)? {
                return Ok(0);
            }
            Ok(sock.events().py_err(py)? & flags)
        })
    }
}

/// How a send takes its buffers: copied with `copy=True`, else shared when large (and
/// counted in `tracking` for `track=True`).
fn buffer_use(copy: bool, tracking: &Option<Arc<Tracking>>) -> BufferUse<'_> {
    if copy {
        BufferUse::Copy
    } else {
        BufferUse::Share(tracking.as_ref())
    }
}

/// What a send returns, as pyzmq: with `track=True`, a `Frame`'s own MessageTracker
/// whatever `copy` says, else one for a `copy=False` send (done at once when nothing was
/// shared); None otherwise.
fn tracker(
    py: Python<'_>,
    track: bool,
    copy: bool,
    data: &Bound<'_, PyAny>,
    tracking: Option<Arc<Tracking>>,
) -> PyResult<Option<Py<PyAny>>> {
    if !track {
        return Ok(None);
    }
    if data.cast::<PyFrame>().is_ok() {
        return send_tracker(py, data, tracking).map(Some);
    }
    if copy {
        return Ok(None);
    }
    Ok(Some(
        Py::new(py, MessageTracker::of_send(tracking))?.into_any(),
    ))
}

impl Drop for PySocket {
    fn drop(&mut self) {
        // The context object we hold outlives this: our handle is never the context's last,
        // so closing and dropping never waits for LINGER here.
        let taken = self
            .inner
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        // A shadow leaves the native socket open for the object it shadows (dropping its
        // reference closes it only if it was the last one, through the core's own Drop).
        if let Some(sock) = taken.filter(|_| !self.shadow) {
            registry::unregister_socket(self.handle);
            sock.close();
        }
    }
}

/// Decodes a monitor message (two frames) into `(event, value, endpoint)`.
#[pyfunction]
pub fn parse_monitor_message(
    py: Python<'_>,
    msg: &Bound<'_, PyAny>,
) -> PyResult<(i32, u32, String)> {
    guard(|| {
        let mut message = Message::new();
        for (i, part) in msg.try_iter()?.enumerate() {
            message.push_back(to_frame(&part?, BufferUse::Copy, &|| {
                format!("frame {i} of the monitor message")
            })?);
        }
        let event = MonitorEvent::parse(&message).py_err(py)?;
        Ok((event.event, event.value, event.endpoint))
    })
}
