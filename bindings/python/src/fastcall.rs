//! METH_FASTCALL entry points for the hottest socket methods, on CPython ≥ 3.10.
//!
//! Built for the 3.9 stable ABI (`abi3-py39`), PyO3 must give every method the
//! METH_VARARGS calling convention: METH_FASTCALL joined the stable ABI only in 3.10. That
//! costs each call a tuple of its arguments, about 25 ns on an 8-byte `send` (a fifth of
//! it). So on a running interpreter ≥ 3.10, [`install`] replaces `send`, `recv`,
//! `send_multipart` and `recv_multipart` of `_Socket` by method descriptors
//! (`PyDescr_NewMethod`, stable ABI) with METH_FASTCALL | METH_KEYWORDS, which read the
//! arguments straight from the caller's vector. They bind the usual parameters (`data` /
//! `msg_parts`, `flags`, `copy`, `track`; positional or keyword) themselves and pass any
//! other call (draft-socket keywords, an unknown keyword, an argument that does not convert)
//! to the PyO3 method unchanged, so errors, docstrings and signatures stay PyO3's. On 3.9
//! nothing changes.

use std::ffi::{c_int, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use pyo3::exceptions::PyRuntimeError;
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};

use crate::socket::PySocket;

/// `METH_FASTCALL | METH_KEYWORDS` (`Include/methodobject.h`; in the stable ABI from 3.10).
const METH_FASTCALL_KEYWORDS: c_int = 0x0080 | 0x0002;

/// `PyCFunctionFastWithKeywords`.
type FastFn = unsafe extern "C" fn(
    *mut ffi::PyObject,
    *const *mut ffi::PyObject,
    ffi::Py_ssize_t,
    *mut ffi::PyObject,
) -> *mut ffi::PyObject;

const SEND: usize = 0;
const RECV: usize = 1;
const SEND_MULTIPART: usize = 2;
const RECV_MULTIPART: usize = 3;
const NAMES: [&str; 4] = ["send", "recv", "send_multipart", "recv_multipart"];

/// The PyO3 methods replaced, in `NAMES` order: what calls the fast path does not take go
/// to.
static ORIGINALS: PyOnceLock<Vec<Py<PyAny>>> = PyOnceLock::new();

/// Installs the fast entry points on `socket_type` (`_Socket`) if the running interpreter
/// is ≥ 3.10; does nothing on 3.9.
pub fn install(py: Python<'_>, socket_type: &Bound<'_, PyType>) -> PyResult<()> {
    let version = py.version_info();
    if (version.major, version.minor) < (3, 10) || ORIGINALS.get(py).is_some() {
        return Ok(());
    }
    let fns: [FastFn; 4] = [
        fast_send,
        fast_recv,
        fast_send_multipart,
        fast_recv_multipart,
    ];
    let mut originals = Vec::with_capacity(NAMES.len());
    for (name, f) in NAMES.into_iter().zip(fns) {
        let original = socket_type.getattr(name)?;
        // The same docstring and signature as the PyO3 method (`inspect.signature` reads
        // the "name(sig)\n--\n\n" header).
        let signature: String = original
            .getattr("__text_signature__")
            .and_then(|s| s.extract())
            .unwrap_or_else(|_| "($self, /, *args, **kwargs)".to_string());
        let doc: String = original
            .getattr("__doc__")
            .and_then(|d| d.extract())
            .unwrap_or_default();
        let doc = CString::new(format!("{name}{signature}\n--\n\n{doc}"))
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        let c_name = CString::new(name).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        // The method table must outlive the descriptor, which lives as long as the type:
        // made once per process (the module is initialised once), so leaked.
        let def: &'static mut ffi::PyMethodDef = Box::leak(Box::new(ffi::PyMethodDef {
            ml_name: Box::leak(c_name.into_boxed_c_str()).as_ptr(),
            ml_meth: ffi::PyMethodDefPointer {
                // SAFETY: the union only stores the function pointer; CPython calls it with
                // the signature METH_FASTCALL | METH_KEYWORDS (`ml_flags`) says, which is
                // `FastFn`'s.
                PyCFunction: unsafe { std::mem::transmute::<FastFn, ffi::PyCFunction>(f) },
            },
            ml_flags: METH_FASTCALL_KEYWORDS,
            ml_doc: Box::leak(doc.into_boxed_c_str()).as_ptr(),
        }));
        // SAFETY: `socket_type` is a live type object and `def` a valid method table that
        // is never freed; the result is a new reference or NULL with an exception set.
        let descriptor = unsafe {
            Bound::from_owned_ptr_or_err(
                py,
                ffi::PyDescr_NewMethod(socket_type.as_type_ptr(), def),
            )?
        };
        originals.push(original.unbind());
        socket_type.setattr(name, descriptor)?;
    }
    let _ = ORIGINALS.set(py, originals);
    Ok(())
}

/// The arguments of one METH_FASTCALL call.
struct Call<'a, 'py> {
    py: Python<'py>,
    slf: Borrowed<'a, 'py, PyAny>,
    /// Positional arguments, then keyword values.
    args: &'a [*mut ffi::PyObject],
    nargs: usize,
    kwnames: Option<Borrowed<'a, 'py, PyTuple>>,
}

impl<'a, 'py> Call<'a, 'py> {
    /// # Safety
    /// The arguments of a METH_FASTCALL | METH_KEYWORDS call, as CPython passes them, with
    /// the GIL held: `slf` a live object, `args` `nargs` positional arguments followed by one
    /// value per name in `kwnames` (a tuple of str, or NULL), all borrowed for the call.
    unsafe fn new(
        py: Python<'py>,
        slf: *mut ffi::PyObject,
        args: *const *mut ffi::PyObject,
        nargs: ffi::Py_ssize_t,
        kwnames: *mut ffi::PyObject,
    ) -> Self {
        let nargs = usize::try_from(nargs).unwrap_or(0);
        // SAFETY: `kwnames` is NULL or a live tuple borrowed for the call (caller's contract).
        let kwnames = unsafe { Borrowed::from_ptr_or_opt(py, kwnames) }.map(|k| {
            // SAFETY: CPython passes the keyword names as a tuple (PEP 590).
            unsafe { k.cast_unchecked::<PyTuple>() }
        });
        let nkw = kwnames.as_ref().map_or(0, |k| k.len());
        let args = if args.is_null() || nargs + nkw == 0 {
            &[][..]
        } else {
            // SAFETY: `args` points to `nargs` positional arguments then one value per
            // keyword name, valid for the call (caller's contract).
            unsafe { std::slice::from_raw_parts(args, nargs + nkw) }
        };
        // SAFETY: `slf` is the live object the method is called on (caller's contract).
        let slf = unsafe { Borrowed::from_ptr(py, slf) };
        Call {
            py,
            slf,
            args,
            nargs,
            kwnames,
        }
    }

    /// The `i`-th argument.
    fn arg(&self, i: usize) -> Borrowed<'a, 'py, PyAny> {
        // SAFETY: `args` holds live borrowed references for the duration of the call.
        unsafe { Borrowed::from_ptr(self.py, self.args[i]) }
    }

    /// Matches the arguments to the parameters `names` (positional, then keywords), as
    /// PyO3 would; `None` when the call has more than that, an unknown keyword or one given
    /// twice (the PyO3 method then takes the call, and reports what is wrong).
    fn bind<const N: usize>(
        &self,
        names: [&Bound<'py, PyString>; N],
    ) -> Option<[Option<Borrowed<'a, 'py, PyAny>>; N]> {
        if self.nargs > N {
            return None;
        }
        let mut bound = [None; N];
        for (i, slot) in bound.iter_mut().enumerate().take(self.nargs) {
            *slot = Some(self.arg(i));
        }
        if let Some(kwnames) = &self.kwnames {
            for k in 0..kwnames.len() {
                let name = kwnames.get_borrowed_item(k).ok()?;
                // Keyword names are nearly always interned: identity first, then equality.
                let i = names
                    .iter()
                    .position(|n| name.is(*n))
                    .or_else(|| names.iter().position(|n| name.eq(*n).unwrap_or(false)))?;
                if bound[i].is_some() {
                    return None;
                }
                bound[i] = Some(self.arg(self.nargs + k));
            }
        }
        Some(bound)
    }

    fn socket(&self) -> Option<&'a PySocket> {
        // SAFETY of the lifetime: `slf` is borrowed for the whole call.
        self.slf.cast::<PySocket>().ok().map(|s| s.get())
    }

    /// The call as it was, to the PyO3 method.
    fn slow(&self, which: usize) -> PyResult<Py<PyAny>> {
        let py = self.py;
        let original = ORIGINALS
            .get(py)
            .and_then(|o| o.get(which))
            .ok_or_else(|| PyRuntimeError::new_err("ferromq fast methods not initialised"))?;
        let mut positional = Vec::with_capacity(1 + self.nargs);
        positional.push(self.slf.to_owned());
        positional.extend((0..self.nargs).map(|i| self.arg(i).to_owned()));
        let positional = PyTuple::new(py, positional)?;
        let keywords = match &self.kwnames {
            Some(names) if !names.is_empty() => {
                let dict = PyDict::new(py);
                for (i, name) in names.iter().enumerate() {
                    dict.set_item(name, self.arg(self.nargs + i))?;
                }
                Some(dict)
            }
            _ => None,
        };
        Ok(original
            .bind(py)
            .call(positional, keywords.as_ref())?
            .unbind())
    }
}

/// Runs a fast entry point's body: a panic becomes a RuntimeError, an error is raised.
fn run(py: Python<'_>, body: impl FnOnce() -> PyResult<Py<PyAny>>) -> *mut ffi::PyObject {
    let err = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(value)) => return value.into_ptr(),
        Ok(Err(err)) => err,
        Err(_) => PyRuntimeError::new_err(
            "internal error in ferromq (a Rust panic in a socket method); please report it",
        ),
    };
    err.restore(py);
    ptr::null_mut()
}

fn none_or(py: Python<'_>, value: Option<Py<PyAny>>) -> Py<PyAny> {
    value.unwrap_or_else(|| py.None())
}

/// An optional argument as `T` (`default` if absent); `None` if it does not convert (the
/// PyO3 method then reports it).
fn opt<'py, T>(arg: Option<Borrowed<'_, 'py, PyAny>>, default: T) -> Option<T>
where
    T: for<'a> FromPyObject<'a, 'py>,
{
    match arg {
        None => Some(default),
        Some(a) => a.extract::<T>().ok(),
    }
}

/// `send(data, flags=0, copy=True, track=False)`.
unsafe extern "C" fn fast_send(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls methods on an attached thread (GIL held).
    let py = unsafe { Python::assume_attached() };
    run(py, || {
        // SAFETY: the arguments of a METH_FASTCALL | METH_KEYWORDS call, as CPython gives
        // them (inside `run`: nothing here may unwind into CPython).
        let call = unsafe { Call::new(py, slf, args, nargs, kwnames) };
        let names = [
            intern!(py, "data"),
            intern!(py, "flags"),
            intern!(py, "copy"),
            intern!(py, "track"),
        ];
        if let Some([Some(data), flags, copy, track]) = call.bind(names) {
            if let (Some(sock), Some(flags), Some(copy), Some(track)) = (
                call.socket(),
                opt(flags, 0i32),
                opt(copy, true),
                opt(track, false),
            ) {
                return Ok(none_or(py, sock.send_impl(py, &data, flags, copy, track)?));
            }
        }
        call.slow(SEND)
    })
}

/// `recv(flags=0, copy=True, track=False)`.
unsafe extern "C" fn fast_recv(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls methods on an attached thread (GIL held).
    let py = unsafe { Python::assume_attached() };
    run(py, || {
        // SAFETY: the arguments of a METH_FASTCALL | METH_KEYWORDS call, as CPython gives
        // them (inside `run`: nothing here may unwind into CPython).
        let call = unsafe { Call::new(py, slf, args, nargs, kwnames) };
        let names = [
            intern!(py, "flags"),
            intern!(py, "copy"),
            intern!(py, "track"),
        ];
        if let Some([flags, copy, track]) = call.bind(names) {
            if let (Some(sock), Some(flags), Some(copy), Some(_track)) = (
                call.socket(),
                opt(flags, 0i32),
                opt(copy, true),
                opt(track, false),
            ) {
                return sock.recv_impl(py, flags, copy);
            }
        }
        call.slow(RECV)
    })
}

/// `send_multipart(msg_parts, flags=0, copy=True, track=False)`.
unsafe extern "C" fn fast_send_multipart(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls methods on an attached thread (GIL held).
    let py = unsafe { Python::assume_attached() };
    run(py, || {
        // SAFETY: the arguments of a METH_FASTCALL | METH_KEYWORDS call, as CPython gives
        // them (inside `run`: nothing here may unwind into CPython).
        let call = unsafe { Call::new(py, slf, args, nargs, kwnames) };
        let names = [
            intern!(py, "msg_parts"),
            intern!(py, "flags"),
            intern!(py, "copy"),
            intern!(py, "track"),
        ];
        if let Some([Some(parts), flags, copy, track]) = call.bind(names) {
            if let (Some(sock), Some(flags), Some(copy), Some(track)) = (
                call.socket(),
                opt(flags, 0i32),
                opt(copy, true),
                opt(track, false),
            ) {
                return Ok(none_or(
                    py,
                    sock.send_multipart_impl(py, &parts, flags, copy, track)?,
                ));
            }
        }
        call.slow(SEND_MULTIPART)
    })
}

/// `recv_multipart(flags=0, copy=True, track=False)`.
unsafe extern "C" fn fast_recv_multipart(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls methods on an attached thread (GIL held).
    let py = unsafe { Python::assume_attached() };
    run(py, || {
        // SAFETY: the arguments of a METH_FASTCALL | METH_KEYWORDS call, as CPython gives
        // them (inside `run`: nothing here may unwind into CPython).
        let call = unsafe { Call::new(py, slf, args, nargs, kwnames) };
        let names = [
            intern!(py, "flags"),
            intern!(py, "copy"),
            intern!(py, "track"),
        ];
        if let Some([flags, copy, track]) = call.bind(names) {
            if let (Some(sock), Some(flags), Some(copy), Some(_track)) = (
                call.socket(),
                opt(flags, 0i32),
                opt(copy, true),
                opt(track, false),
            ) {
                return Ok(sock
                    .recv_multipart_impl(py, flags, copy)?
                    .into_any()
                    .unbind());
            }
        }
        call.slow(RECV_MULTIPART)
    })
}
