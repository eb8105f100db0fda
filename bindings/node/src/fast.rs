//! The per-message hot path: `send` and a batched `receive`, as plain N-API functions.
//!
//! napi-rs's generated class methods pay, on every call, for its borrow bookkeeping of
//! `&self` (a global map under a mutex, hashed per call) and class-identity checks: more than
//! the send or receive itself costs for small messages. So `NativeSocket::fast_ops` builds
//! two raw N-API functions per socket, each holding the socket as its callback data (no
//! `this` to unwrap or check): `send(message, token, timeoutMs)` and
//! `receive(token, timeoutMs, max)`.
//!
//! `receive` drains up to `max` messages that are ready now in one call and returns them as
//! one batch, which JavaScript queues and serves to `receive()` without crossing N-API again
//! (`node/index.js`): one ArrayBuffer *slab* per batch, views into it handed out as the
//! messages' Buffers, instead of one Buffer allocation per frame. The slab starts with a
//! header of 32-bit words:
//!
//! ```text
//! [message count, byte offset of the frame data, then per message: frame count, then per
//!  frame: its length, or LARGE]
//! ```
//!
//! followed by the small frames' bytes, back to back. Frames of at least
//! [`EXTERNAL_THRESHOLD`] bytes are not copied into the slab (`LARGE` in the header): they
//! become Buffers of their own as before, and the batch is then an array
//! `[slab, large Buffer, …]` (in frame order) instead of the bare slab. A batch stops after
//! `max` messages or once its messages hold [`BATCH_BYTES`] bytes, so what JavaScript holds
//! beyond the socket's high water mark stays bounded, and a message kept alive keeps at
//! most one modest slab alive.

use std::cell::RefCell;
use std::ffi::{c_void, CString};
use std::ptr;
use std::rc::Rc;
use std::sync::Arc;

use ferromq::{flags, Message};
use napi::sys;

use crate::convert::{frame_to_js, message_from_js, ArgError, EXTERNAL_THRESHOLD};
use crate::reactor::{Reactor, SockEntry};

/// The header word of a frame that comes as a Buffer of its own.
pub const LARGE: u32 = u32::MAX;
/// A batch stops once its messages hold this many bytes (large frames included: what
/// JavaScript takes beyond the high water mark stays small).
pub const BATCH_BYTES: usize = 32 * 1024;
/// The most messages one `receive` call drains, whatever `max` JavaScript asks for.
pub const MAX_BATCH: u32 = 256;

/// What the two functions of one socket share (callback data; JavaScript thread only).
pub struct FastSocket {
    entry: Arc<SockEntry>,
    reactor: Arc<Reactor>,
    /// The batch being assembled and its header: reused, so no allocation per call.
    batch: RefCell<(Vec<Message>, Vec<u32>)>,
}

/// `[send, receive]` for `entry`.
///
/// # Safety
/// `env` must be valid for the current call, on the JavaScript thread.
pub unsafe fn create(
    env: sys::napi_env,
    entry: Arc<SockEntry>,
    reactor: Arc<Reactor>,
) -> napi::Result<sys::napi_value> {
    let shared = Rc::new(FastSocket {
        entry,
        reactor,
        batch: RefCell::new((Vec::new(), Vec::new())),
    });
    let mut array = ptr::null_mut();
    napi::check_status!(unsafe { sys::napi_create_array_with_length(env, 2, &mut array) })?;
    let functions: [(&std::ffi::CStr, RawCallback); 2] =
        [(c"send", send_callback), (c"receive", receive_callback)];
    for (index, (name, callback)) in functions.into_iter().enumerate() {
        let data = Rc::into_raw(shared.clone()) as *mut c_void;
        let mut function = ptr::null_mut();
        let status = unsafe {
            sys::napi_create_function(
                env,
                name.as_ptr(),
                name.to_bytes().len() as isize,
                Some(callback),
                data,
                &mut function,
            )
        };
        if status != sys::Status::napi_ok {
            drop(unsafe { Rc::from_raw(data as *const FastSocket) });
            napi::check_status!(status, "cannot create a function")?;
        }
        // The function owns its reference to the socket: released when it is collected.
        let status = unsafe {
            sys::napi_add_finalizer(
                env,
                function,
                data,
                Some(release),
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        if status != sys::Status::napi_ok {
            drop(unsafe { Rc::from_raw(data as *const FastSocket) });
            napi::check_status!(status, "cannot create a function")?;
        }
        napi::check_status!(unsafe { sys::napi_set_element(env, array, index as u32, function) })?;
    }
    Ok(array)
}

type RawCallback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

unsafe extern "C" fn release(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    drop(unsafe { Rc::from_raw(data as *const FastSocket) });
}

/// The callback's arguments (missing ones are `undefined`) and its socket.
unsafe fn args<const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> Option<([sys::napi_value; N], &'static FastSocket)> {
    let mut argv = [ptr::null_mut(); N];
    let mut argc = N;
    let mut data = ptr::null_mut();
    let status = unsafe {
        sys::napi_get_cb_info(
            env,
            info,
            &mut argc,
            argv.as_mut_ptr(),
            ptr::null_mut(),
            &mut data,
        )
    };
    if status != sys::Status::napi_ok || data.is_null() {
        return None;
    }
    if argc < N {
        let mut undefined = ptr::null_mut();
        unsafe { sys::napi_get_undefined(env, &mut undefined) };
        for arg in &mut argv[argc..] {
            *arg = undefined;
        }
    }
    // The function holds a reference to its FastSocket for as long as it can be called.
    Some((argv, unsafe { &*(data as *const FastSocket) }))
}

/// Throws an Error with `code` (as napi-rs's errors: the JavaScript side reads `e.code`).
unsafe fn throw(env: sys::napi_env, code: &str, message: &str) -> sys::napi_value {
    let code = CString::new(code).unwrap_or_default();
    let message = CString::new(message.replace('\0', " ")).unwrap_or_default();
    unsafe { sys::napi_throw_error(env, code.as_ptr(), message.as_ptr()) };
    ptr::null_mut()
}

unsafe fn throw_zmq(env: sys::napi_env, err: &ferromq::Error) -> sys::napi_value {
    unsafe { throw(env, err.kind().code(), &err.to_string()) }
}

unsafe fn int_arg(env: sys::napi_env, value: sys::napi_value) -> Option<i32> {
    let mut out = 0;
    (unsafe { sys::napi_get_value_int32(env, value, &mut out) } == sys::Status::napi_ok)
        .then_some(out)
}

unsafe fn boolean(env: sys::napi_env, value: bool) -> sys::napi_value {
    let mut out = ptr::null_mut();
    unsafe { sys::napi_get_boolean(env, value, &mut out) };
    out
}

unsafe fn null(env: sys::napi_env) -> sys::napi_value {
    let mut out = ptr::null_mut();
    unsafe { sys::napi_get_null(env, &mut out) };
    out
}

/// `send(message, token, timeoutMs)`: true if the message was queued now; false if it was
/// parked under `token` (it completes later). With `timeoutMs` 0 a message that cannot be
/// queued now fails with EAGAIN instead.
unsafe extern "C" fn send_callback(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    let Some(([message, token, timeout], fast)) = (unsafe { args::<3>(env, info) }) else {
        return unsafe { throw(env, "EINVAL", "bad call") };
    };
    let (Some(token), Some(timeout_ms)) = (unsafe { int_arg(env, token) }, unsafe {
        int_arg(env, timeout)
    }) else {
        return unsafe {
            throw(
                env,
                "ERR_INVALID_ARG_TYPE",
                "token and timeout must be numbers",
            )
        };
    };
    let msg = match unsafe { message_from_js(env, message) } {
        Ok(msg) => msg,
        Err(ArgError(text)) => return unsafe { throw(env, "ERR_INVALID_ARG_TYPE", &text) },
    };
    let socket = &fast.entry.socket;
    if timeout_ms == 0 {
        let result = socket.send_msg(msg, flags::DONTWAIT);
        fast.reactor.recheck(&fast.entry);
        return match result {
            Ok(()) => unsafe { boolean(env, true) },
            Err(e) => unsafe { throw_zmq(env, &e) },
        };
    }
    // On EAGAIN the core hands the message back; the reactor parks it until writable.
    let result = socket.try_send_msg(msg, flags::DONTWAIT, None);
    fast.reactor.recheck(&fast.entry);
    match result {
        Ok(()) => unsafe { boolean(env, true) },
        Err(ferromq::Unsent {
            error,
            message: Some(msg),
        }) if error.is_again() => {
            match fast
                .reactor
                .park_send(&fast.entry, token as u32, msg, timeout_ms)
            {
                Ok(()) => unsafe { boolean(env, false) },
                Err(e) => unsafe { reactor_failure(env, &e) },
            }
        }
        Err(unsent) => unsafe { throw_zmq(env, &unsent.error) },
    }
}

unsafe fn reactor_failure(env: sys::napi_env, err: &std::io::Error) -> sys::napi_value {
    unsafe {
        throw(
            env,
            "EIO",
            &format!("cannot start the reactor thread: {err}"),
        )
    }
}

/// `receive(token, timeoutMs, max)`: a batch of up to `max` messages (see the module
/// documentation) if at least one is there; null if the receive was parked under `token`.
/// With `timeoutMs` 0, EAGAIN instead of parking.
unsafe extern "C" fn receive_callback(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    let Some(([token, timeout, max], fast)) = (unsafe { args::<3>(env, info) }) else {
        return unsafe { throw(env, "EINVAL", "bad call") };
    };
    let (Some(token), Some(timeout_ms), Some(max)) = (
        unsafe { int_arg(env, token) },
        unsafe { int_arg(env, timeout) },
        unsafe { int_arg(env, max) },
    ) else {
        return unsafe {
            throw(
                env,
                "ERR_INVALID_ARG_TYPE",
                "token, timeout and max must be numbers",
            )
        };
    };
    let max = (max.max(1) as u32).min(MAX_BATCH) as usize;
    let Ok(mut guard) = fast.batch.try_borrow_mut() else {
        return unsafe { throw(env, "EBUSY", "receive re-entered") };
    };
    let (messages, header) = &mut *guard;
    messages.clear();
    let socket = &fast.entry.socket;
    let mut failure = None;
    let mut slab_bytes = 0usize;
    let mut bytes = 0usize;
    let mut frames = 0usize;
    let mut large = 0u32;
    while messages.len() < max {
        match socket.recv_msg(flags::DONTWAIT) {
            Ok(msg) => {
                frames += msg.len();
                for frame in msg.iter() {
                    if frame.len() >= EXTERNAL_THRESHOLD {
                        large += 1;
                    } else {
                        slab_bytes += frame.len();
                    }
                    bytes += frame.len();
                }
                messages.push(msg);
                if bytes >= BATCH_BYTES {
                    break;
                }
            }
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    // The operation may have consumed the readiness edge a parked send waits for.
    fast.reactor.recheck(&fast.entry);
    if messages.is_empty() {
        let Some(e) = failure else {
            return unsafe { throw(env, "EINVAL", "empty batch") };
        };
        if e.is_again() && timeout_ms != 0 {
            return match fast
                .reactor
                .park_recv(&fast.entry, token as u32, timeout_ms)
            {
                Ok(()) => unsafe { null(env) },
                Err(e) => unsafe { reactor_failure(env, &e) },
            };
        }
        return unsafe { throw_zmq(env, &e) };
    }
    // Any error after the first message comes again with the next call: it is not lost.
    match unsafe { batch_to_js(env, messages, header, frames, slab_bytes, large) } {
        Ok(value) => value,
        Err(e) => unsafe { throw(env, "EIO", &e.reason) },
    }
}

/// The slab (and large frames) of `messages`, which it empties.
unsafe fn batch_to_js(
    env: sys::napi_env,
    messages: &mut Vec<Message>,
    header: &mut Vec<u32>,
    frames: usize,
    slab_bytes: usize,
    large: u32,
) -> napi::Result<sys::napi_value> {
    let header_words = 2 + messages.len() + frames;
    let data_offset = header_words * 4;
    let mut slab = ptr::null_mut();
    let mut base: *mut c_void = ptr::null_mut();
    napi::check_status!(
        unsafe {
            sys::napi_create_arraybuffer(env, data_offset + slab_bytes, &mut base, &mut slab)
        },
        "cannot create a batch"
    )?;
    let mut result = slab;
    let mut next_large = 1u32;
    if large > 0 {
        napi::check_status!(unsafe {
            sys::napi_create_array_with_length(env, 1 + large as usize, &mut result)
        })?;
        napi::check_status!(unsafe { sys::napi_set_element(env, result, 0, slab) })?;
    }
    header.clear();
    header.push(messages.len() as u32);
    header.push(data_offset as u32);
    let base = base as *mut u8;
    let mut offset = data_offset;
    for msg in messages.drain(..) {
        header.push(msg.len() as u32);
        for frame in msg {
            let len = frame.len();
            if len >= EXTERNAL_THRESHOLD {
                header.push(LARGE);
                let buffer = unsafe { frame_to_js(env, frame) }?;
                napi::check_status!(unsafe {
                    sys::napi_set_element(env, result, next_large, buffer)
                })?;
                next_large += 1;
            } else {
                header.push(len as u32);
                // SAFETY: the slab has room for every small frame after the header.
                unsafe {
                    ptr::copy_nonoverlapping(frame.as_slice().as_ptr(), base.add(offset), len)
                };
                offset += len;
            }
        }
    }
    debug_assert_eq!(header.len(), header_words);
    // SAFETY: the header fits before `data_offset`; the slab is freshly allocated.
    unsafe {
        ptr::copy_nonoverlapping(header.as_ptr().cast::<u8>(), base, data_offset);
    }
    Ok(result)
}
