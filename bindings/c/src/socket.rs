//! Sockets: endpoints, sending and receiving buffers, monitors, proxies and devices.

use std::ffi::{c_char, c_int, c_void, CStr};

use ferromq::{flags, DeviceKind, Frame};

use crate::errno::{fail, fail_with, guard, EFAULT, EINVAL};
use crate::handles::{Found, Handle, SocketHandle};

/// The endpoint string, or EINVAL/EFAULT.
fn text<'a>(ptr: *const c_char) -> Result<&'a str, c_int> {
    if ptr.is_null() {
        return Err(EFAULT);
    }
    // SAFETY: a non-null C string from the caller, NUL-terminated as the API requires.
    unsafe { CStr::from_ptr(ptr) }.to_str().map_err(|_| EINVAL)
}

/// Runs `call` on the socket and its endpoint: 0, or -1 with errno.
fn with_endpoint(
    s: *mut c_void,
    addr: *const c_char,
    call: impl FnOnce(&ferromq::Socket, &str) -> ferromq::Result<()>,
) -> c_int {
    guard(-1, || {
        let Some(handle) = SocketHandle::from_ptr(s) else {
            return -1;
        };
        let endpoint = match text(addr) {
            Ok(endpoint) => endpoint,
            Err(errno) => return fail_with(errno),
        };
        match call(&handle.socket, endpoint) {
            Ok(()) => 0,
            Err(e) => fail(&e),
        }
    })
}

#[no_mangle]
pub extern "C" fn zmq_close(s: *mut c_void) -> c_int {
    guard(-1, || match SocketHandle::find(s) {
        Found::Here(_) => {
            // SAFETY: a live socket handle, which the caller gives up by closing it.
            unsafe { SocketHandle::free(s) };
            0
        }
        // The parent's socket: let go, untouched (its threads are not in this process).
        Found::Inherited => 0,
        Found::Invalid => -1,
    })
}

#[no_mangle]
pub extern "C" fn zmq_bind(s: *mut c_void, addr: *const c_char) -> c_int {
    with_endpoint(s, addr, |socket, endpoint| socket.bind(endpoint))
}

#[no_mangle]
pub extern "C" fn zmq_connect(s: *mut c_void, addr: *const c_char) -> c_int {
    with_endpoint(s, addr, |socket, endpoint| socket.connect(endpoint))
}

#[no_mangle]
pub extern "C" fn zmq_unbind(s: *mut c_void, addr: *const c_char) -> c_int {
    with_endpoint(s, addr, |socket, endpoint| socket.unbind(endpoint))
}

#[no_mangle]
pub extern "C" fn zmq_disconnect(s: *mut c_void, addr: *const c_char) -> c_int {
    with_endpoint(s, addr, |socket, endpoint| socket.disconnect(endpoint))
}

/// The bytes `buf`..`buf + len` (NULL allowed when `len` is 0).
pub fn bytes<'a>(buf: *const c_void, len: usize) -> Result<&'a [u8], c_int> {
    if len == 0 {
        return Ok(&[]);
    }
    if buf.is_null() {
        return Err(EFAULT);
    }
    // SAFETY: the caller passes `len` readable bytes at `buf`, as zmq_send requires.
    Ok(unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), len) })
}

/// Sends `len` bytes as one frame; returns `len` (or -1 with errno).
#[no_mangle]
pub extern "C" fn zmq_send(s: *mut c_void, buf: *const c_void, len: usize, flags: c_int) -> c_int {
    guard(-1, || {
        let Some(handle) = SocketHandle::from_ptr(s) else {
            return -1;
        };
        let data = match bytes(buf, len) {
            Ok(data) => data,
            Err(errno) => return fail_with(errno),
        };
        match handle.socket.send(Frame::copy_from_slice(data), flags) {
            Ok(()) => len.min(c_int::MAX as usize) as c_int,
            Err(e) => fail(&e),
        }
    })
}

/// As zmq_send (libzmq keeps a reference to constant data; FerroMQ copies it).
#[no_mangle]
pub extern "C" fn zmq_send_const(
    s: *mut c_void,
    buf: *const c_void,
    len: usize,
    flags: c_int,
) -> c_int {
    zmq_send(s, buf, len, flags)
}

/// Receives one frame into `buf`, truncated to `len`; returns the frame's full size.
#[no_mangle]
pub extern "C" fn zmq_recv(s: *mut c_void, buf: *mut c_void, len: usize, flags: c_int) -> c_int {
    guard(-1, || {
        let Some(handle) = SocketHandle::from_ptr(s) else {
            return -1;
        };
        if buf.is_null() && len > 0 {
            return fail_with(EFAULT);
        }
        match handle.socket.recv(flags) {
            Ok(frame) => {
                let data = frame.as_slice();
                let n = data.len().min(len);
                // SAFETY: `buf` has room for `len` bytes (the caller's promise), n <= len.
                unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), buf.cast::<u8>(), n) };
                data.len().min(c_int::MAX as usize) as c_int
            }
            Err(e) => fail(&e),
        }
    })
}

/// Publishes the socket's events on inproc endpoint `addr`; NULL stops it.
#[no_mangle]
pub extern "C" fn zmq_socket_monitor(s: *mut c_void, addr: *const c_char, events: c_int) -> c_int {
    guard(-1, || {
        let Some(handle) = SocketHandle::from_ptr(s) else {
            return -1;
        };
        let endpoint = if addr.is_null() {
            ""
        } else {
            match text(addr) {
                Ok(endpoint) => endpoint,
                Err(errno) => return fail_with(errno),
            }
        };
        match handle.socket.monitor(endpoint, events) {
            Ok(()) => 0,
            Err(e) => fail(&e),
        }
    })
}

/// The sockets of a proxy call: frontend and backend required, the others optional.
fn proxy_sockets(sockets: [*mut c_void; 4]) -> Option<[Option<&'static SocketHandle>; 4]> {
    let mut out = [None; 4];
    for (i, ptr) in sockets.into_iter().enumerate() {
        if ptr.is_null() && i >= 2 {
            continue;
        }
        out[i] = Some(SocketHandle::from_ptr(ptr)?);
    }
    Some(out)
}

#[no_mangle]
pub extern "C" fn zmq_proxy(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
) -> c_int {
    zmq_proxy_steerable(frontend, backend, capture, std::ptr::null_mut())
}

/// Runs until terminated: -1 with ETERM when the context ends, 0 after TERMINATE.
#[no_mangle]
pub extern "C" fn zmq_proxy_steerable(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
    control: *mut c_void,
) -> c_int {
    guard(-1, || {
        let Some([Some(f), Some(b), c, k]) = proxy_sockets([frontend, backend, capture, control])
        else {
            return -1;
        };
        let result = ferromq::proxy_steerable(
            &f.socket,
            &b.socket,
            c.map(|c| &*c.socket),
            k.map(|k| &*k.socket),
        );
        match result {
            Ok(()) => 0,
            Err(e) => fail(&e),
        }
    })
}

/// The old device call: a proxy (the type only has to be one of libzmq's three).
#[no_mangle]
pub extern "C" fn zmq_device(kind: c_int, frontend: *mut c_void, backend: *mut c_void) -> c_int {
    guard(-1, || {
        let kind = match DeviceKind::from_raw(kind) {
            Ok(kind) => kind,
            Err(e) => return fail(&e),
        };
        let Some([Some(f), Some(b), _, _]) = proxy_sockets([
            frontend,
            backend,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        ]) else {
            return -1;
        };
        match ferromq::device(kind, &f.socket, &b.socket) {
            Ok(()) => 0,
            Err(e) => fail(&e),
        }
    })
}

/// Sends `count` buffers as one multipart message.
#[no_mangle]
pub extern "C" fn zmq_sendiov(
    s: *mut c_void,
    iov: *mut libc::iovec,
    count: usize,
    flags: c_int,
) -> c_int {
    guard(-1, || {
        let Some(handle) = SocketHandle::from_ptr(s) else {
            return -1;
        };
        if count == 0 || iov.is_null() {
            return fail_with(EINVAL);
        }
        // SAFETY: the caller passes `count` iovecs at `iov`.
        let parts = unsafe { std::slice::from_raw_parts(iov, count) };
        // As libzmq: part by part with `flags`, the last one without SNDMORE (so without
        // it, each part is a message of its own); the result is the last part's size.
        let mut sent = 0;
        for (i, part) in parts.iter().enumerate() {
            let data = match bytes(part.iov_base, part.iov_len) {
                Ok(data) => data,
                Err(errno) => return fail_with(errno),
            };
            let part_flags = if i + 1 < count {
                flags
            } else {
                flags & !flags::SNDMORE
            };
            if let Err(e) = handle.socket.send(Frame::copy_from_slice(data), part_flags) {
                return fail(&e);
            }
            sent = data.len();
        }
        sent.min(c_int::MAX as usize) as c_int
    })
}

/// Receives up to `*count` parts of one message into buffers it allocates with malloc
/// (the caller frees them); sets `*count` to, and returns, the number of parts received.
#[no_mangle]
pub extern "C" fn zmq_recviov(
    s: *mut c_void,
    iov: *mut libc::iovec,
    count: *mut usize,
    flags: c_int,
) -> c_int {
    guard(-1, || {
        let Some(handle) = SocketHandle::from_ptr(s) else {
            return -1;
        };
        if iov.is_null() || count.is_null() {
            return fail_with(EINVAL);
        }
        // SAFETY: `count` points at the caller's capacity, `iov` at that many iovecs.
        let capacity = unsafe { *count };
        if capacity == 0 {
            return fail_with(EINVAL);
        }
        let msg = match handle.socket.recv_msg(flags) {
            Ok(msg) => msg,
            Err(e) => return fail(&e),
        };
        let mut stored = 0;
        for frame in msg.iter().take(capacity) {
            let data = frame.as_slice();
            // SAFETY: malloc of the part's size (1 for an empty part, so that the pointer
            // is valid to free); filled and handed to the caller.
            unsafe {
                let buf = libc::malloc(data.len().max(1)).cast::<u8>();
                if buf.is_null() {
                    return fail_with(libc::ENOMEM);
                }
                std::ptr::copy_nonoverlapping(data.as_ptr(), buf, data.len());
                *iov.add(stored) = libc::iovec {
                    iov_base: buf.cast(),
                    iov_len: data.len(),
                };
            }
            stored += 1;
        }
        // SAFETY: as above.
        unsafe { *count = stored };
        stored.min(c_int::MAX as usize) as c_int
    })
}
