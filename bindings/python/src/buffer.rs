//! The buffer protocol: the one hand-written FFI edge of the binding.
//!
//! The extension is built for the stable ABI of CPython 3.9 (`abi3-py39`: one wheel for 3.9
//! and later). The buffer API (`Py_buffer`, `PyObject_GetBuffer`, `PyBuffer_Release`,
//! `PyBuffer_FillInfo` and the type slot `Py_bf_getbuffer` = 1) joined the *limited* API in
//! 3.11, so PyO3 does not offer it to a 3.9 build, and it is declared here by hand. It is
//! nonetheless part of every interpreter the wheel supports, with this exact ABI:
//! - the three functions are exported by every CPython 3 with these signatures, and the
//!   `Py_buffer` layout is unchanged since 3.3;
//! - `PyType_FromSpec` accepts the buffer slots since 3.9 (bpo-40724: "slots in
//!   PyBufferProcs may be set in the unlimited API"; 3.11 only admitted them to the limited
//!   headers);
//! - no CPython changes its ABI within a minor version, so what 3.9.x and 3.10.x export is
//!   fixed; `make test-python` runs the whole suite, zero-copy frames included, on 3.9.
//!
//! So [`init`] enables it on every interpreter from 3.9 (older ones cannot load the wheel:
//! `requires-python` and the cp39 tag keep them out).
//!
//! What it gives:
//! - [`read`]: the bytes of any object with the buffer protocol (memoryview, array,
//!   numpy…), borrowed for a copy into a frame;
//! - [`frame_type`]: the `Frame` class, a subclass of the PyO3 class `_Frame` made with
//!   `PyType_FromSpecWithBases`, which carries a `Py_bf_getbuffer` slot exposing the
//!   frame's bytes read-only and without a copy (`memoryview(frame)`).

use std::ffi::{c_char, c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::OnceLock;

use pyo3::exceptions::{PyBufferError, PyRuntimeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::type_object::PyTypeInfo;
use pyo3::types::{PyTuple, PyType};

use crate::frame::PyFrame;

/// `Py_buffer` as `Include/pybuffer.h` defines it, the same layout in every CPython from 3.3
/// (and in the 3.11+ stable ABI).
#[repr(C)]
struct PyBuffer {
    buf: *mut c_void,
    obj: *mut ffi::PyObject,
    len: ffi::Py_ssize_t,
    itemsize: ffi::Py_ssize_t,
    readonly: c_int,
    ndim: c_int,
    format: *mut c_char,
    shape: *mut ffi::Py_ssize_t,
    strides: *mut ffi::Py_ssize_t,
    suboffsets: *mut ffi::Py_ssize_t,
    internal: *mut c_void,
}

/// A plain contiguous byte buffer, no format or shape (`PyBUF_SIMPLE`).
const PYBUF_SIMPLE: c_int = 0;
/// The type slot number of `bf_getbuffer` (`Include/typeslots.h`, frozen by the stable ABI).
const PY_BF_GETBUFFER: c_int = 1;

extern "C" {
    // In the limited API from CPython 3.11; exported, with this signature, by every CPython 3
    // (see the module's comment for why 3.9 and 3.10 may use them).
    fn PyObject_GetBuffer(obj: *mut ffi::PyObject, view: *mut PyBuffer, flags: c_int) -> c_int;
    fn PyBuffer_Release(view: *mut PyBuffer);
    fn PyBuffer_FillInfo(
        view: *mut PyBuffer,
        obj: *mut ffi::PyObject,
        buf: *mut c_void,
        len: ffi::Py_ssize_t,
        readonly: c_int,
        flags: c_int,
    ) -> c_int;
}

/// Whether the running interpreter has the buffer API with the ABI declared here (≥ 3.9).
/// Set once by [`init`], before anything else of the module runs.
static BUFFER_API: OnceLock<bool> = OnceLock::new();

pub fn buffer_api() -> bool {
    BUFFER_API.get().copied().unwrap_or(false)
}

/// The `Frame` class (see [`init`]).
static FRAME_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Checks the running interpreter's version and makes the `Frame` class: a subclass of the
/// PyO3 class `_Frame` (which holds the data and every method) that adds only the buffer
/// slot, on ≥ 3.9. Called once from the module's initialisation.
pub fn init(py: Python<'_>) -> PyResult<Bound<'_, PyType>> {
    let version = py.version_info();
    let api = (version.major, version.minor) >= (3, 9);
    let _ = BUFFER_API.set(api);

    let base = py.get_type::<PyFrame>();
    let mut slots = Vec::with_capacity(3);
    if api {
        slots.push(ffi::PyType_Slot {
            slot: PY_BF_GETBUFFER,
            pfunc: frame_getbuffer as *mut c_void,
        });
    }
    slots.push(ffi::PyType_Slot {
        slot: ffi::Py_tp_doc,
        pfunc: FRAME_DOC.as_ptr() as *mut c_void,
    });
    slots.push(ffi::PyType_Slot::default()); // the end marker
    let mut spec = ffi::PyType_Spec {
        // CPython keeps this pointer as the type's tp_name: it must be 'static.
        name: c"ferromq._ferromq.Frame".as_ptr(),
        // 0: the instance layout is the base's (`_Frame`'s), inherited as is.
        basicsize: 0,
        itemsize: 0,
        flags: (ffi::Py_TPFLAGS_DEFAULT | ffi::Py_TPFLAGS_BASETYPE) as std::ffi::c_uint,
        slots: slots.as_mut_ptr(),
    };
    let bases = PyTuple::new(py, [base])?;
    // SAFETY: `spec` and `slots` are valid for the duration of the call (CPython copies the
    // slots; the name is 'static); the slot table ends with a zeroed entry; `bases` is a
    // tuple of one heap type that allows subclassing (`#[pyclass(subclass)]`). The result
    // is a new reference or NULL with an exception set.
    let frame_type = unsafe {
        Bound::from_owned_ptr_or_err(py, ffi::PyType_FromSpecWithBases(&mut spec, bases.as_ptr()))?
    }
    .cast_into::<PyType>()?;
    // Let CPython itself confirm that a `_Frame` can become a `Frame` (its `__class__`
    // assignment checks that the layouts are compatible), so `retype` may do the same.
    let probe = Bound::new(py, PyFrame::empty())?;
    probe.setattr("__class__", &frame_type)?;
    let _ = FRAME_TYPE.set(py, frame_type.clone().unbind());
    Ok(frame_type)
}

/// Makes a `_Frame` that PyO3 just created a `Frame`: what `obj.__class__ = Frame` does
/// (take a reference to the new type, drop the old one, switch `ob_type`), minus the
/// attribute machinery, which would cost more than creating the object. `init` checked with
/// a real `__class__` assignment that CPython finds the two layouts compatible.
///
/// The same on every supported CPython: since 3.8 an instance of a heap type owns a
/// reference to it, which PyO3's `tp_dealloc` (inherited by `Frame`) releases, on
/// `Py_TYPE(obj)` (here `Frame`), after freeing with that type's `tp_free` (inherited, the
/// same); both types have the same flags, GC included. `test_messages.py` checks that the
/// two types' reference counts balance over many frames.
pub fn retype(obj: Bound<'_, PyFrame>) -> PyResult<Bound<'_, PyAny>> {
    let py = obj.py();
    let frame_type = frame_type(py)?;
    let raw = obj.as_ptr();
    // SAFETY: `raw` is a live object: reading its reference count and type is allowed.
    let (refcnt, ty) = unsafe { (ffi::Py_REFCNT(raw), ffi::Py_TYPE(raw)) };
    if refcnt != 1 || ty != PyFrame::type_object_raw(py) {
        // Not the fresh, exact `_Frame` this is for: let CPython do it.
        let obj = obj.into_any();
        obj.setattr("__class__", frame_type)?;
        return Ok(obj);
    }
    // SAFETY: the GIL is held; `obj` is an exact `_Frame` (checked) that only we refer to
    // (reference count 1), so nothing observes its type changing. `Frame` is a heap
    // subclass of `_Frame` that adds nothing to the instance layout (basicsize 0 in its
    // spec; no dict, weakref or GC change), and `init` had CPython confirm compatibility.
    // As `object.__class__`'s setter does: the object takes a reference to its new heap
    // type and drops the one it held to `_Frame` (which the module keeps alive).
    unsafe {
        ffi::Py_INCREF(frame_type.as_ptr());
        let old = (*raw).ob_type;
        (*raw).ob_type = frame_type.as_type_ptr();
        ffi::Py_DECREF(old.cast());
    }
    Ok(obj.into_any())
}

const FRAME_DOC: &std::ffi::CStr = c"Frame(data=None, track=False, copy=None, copy_threshold=None)
--

A message frame, like pyzmq's zmq.Frame: what recv(copy=False) returns, and what send
accepts without copying. It exposes the buffer protocol over the received bytes without
copying them (memoryview(frame), frame.buffer).";

/// The `Frame` class made by [`init`].
pub fn frame_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    FRAME_TYPE
        .get(py)
        .map(|t| t.bind(py))
        .ok_or_else(|| PyRuntimeError::new_err("ferromq._ferromq is not initialised"))
}

/// Copies the bytes of `obj`'s buffer out with `f`. `None` when `obj` has no simple
/// contiguous buffer (not a buffer at all, or strided): the caller then goes through
/// `memoryview`.
pub fn read<T>(obj: &Bound<'_, PyAny>, f: impl FnOnce(&[u8]) -> T) -> Option<T> {
    if !buffer_api() {
        return None;
    }
    let mut view = PyBuffer {
        buf: ptr::null_mut(),
        obj: ptr::null_mut(),
        len: 0,
        itemsize: 0,
        readonly: 0,
        ndim: 0,
        format: ptr::null_mut(),
        shape: ptr::null_mut(),
        strides: ptr::null_mut(),
        suboffsets: ptr::null_mut(),
        internal: ptr::null_mut(),
    };
    // SAFETY: the interpreter is ≥ 3.9 (checked above), where this function has the
    // declared ABI (see the module's comment); `obj` is a live object and the GIL is held;
    // `view` is writable memory of the right layout.
    let rc = unsafe { PyObject_GetBuffer(obj.as_ptr(), &mut view, PYBUF_SIMPLE) };
    if rc != 0 {
        // Not a buffer, or not a contiguous one: let the caller report or gather it.
        drop(PyErr::take(obj.py()));
        return None;
    }
    let len = usize::try_from(view.len).unwrap_or(0);
    let data = if len == 0 || view.buf.is_null() {
        &[][..]
    } else {
        // SAFETY: with PyBUF_SIMPLE the exporter gave `len` contiguous readable bytes at
        // `buf`, valid until PyBuffer_Release; nothing runs Python code while `f` copies.
        unsafe { std::slice::from_raw_parts(view.buf as *const u8, len) }
    };
    let result = catch_unwind(AssertUnwindSafe(|| f(data)));
    // SAFETY: `view` was filled by a successful PyObject_GetBuffer and is released once.
    unsafe { PyBuffer_Release(&mut view) };
    match result {
        Ok(value) => Some(value),
        Err(panic) => std::panic::resume_unwind(panic), // caught by `errors::guard`
    }
}

/// `bf_getbuffer` of `Frame` (installed on ≥ 3.9): a read-only, one-dimensional
/// byte view of the frame's payload, without copying it. The view holds a reference to the
/// frame, whose bytes never change or move (a frozen object), so they outlive the view.
unsafe extern "C" fn frame_getbuffer(
    obj: *mut ffi::PyObject,
    view: *mut PyBuffer,
    flags: c_int,
) -> c_int {
    // SAFETY: CPython calls type slots on a thread attached to the interpreter (GIL held).
    let py = unsafe { Python::assume_attached() };
    let outcome = catch_unwind(AssertUnwindSafe(|| -> PyResult<()> {
        if view.is_null() {
            return Err(PyBufferError::new_err("no Py_buffer to fill"));
        }
        // SAFETY: `obj` is the object whose slot this is: a live instance of `Frame` or a
        // subclass, borrowed for the duration of the call.
        let any = unsafe { Borrowed::from_ptr(py, obj) };
        let frame = any.cast::<PyFrame>()?;
        let data = frame.get().frame.as_slice();
        // SAFETY: this slot exists only on ≥ 3.9, where PyBuffer_FillInfo has the declared
        // ABI (see the module's comment). `view` is the caller's Py_buffer; `obj` is stored
        // in it with a new reference (released by PyBuffer_Release), which keeps the frame,
        // and so `data`, alive.
        // readonly=1: a writable request fails with BufferError.
        let rc = unsafe {
            PyBuffer_FillInfo(
                view,
                obj,
                data.as_ptr() as *mut c_void,
                data.len() as ffi::Py_ssize_t,
                1,
                flags,
            )
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(PyErr::fetch(py))
        }
    }));
    let err = match outcome {
        Ok(Ok(())) => return 0,
        Ok(Err(err)) => err,
        Err(_) => {
            PyRuntimeError::new_err("internal error in ferromq (a Rust panic in Frame's buffer)")
        }
    };
    err.restore(py);
    -1
}
