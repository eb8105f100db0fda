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
use std::rc::Rc;
use std::sync::Arc;

use ferromq::{flags, Message};
use napi::sys;

use crate::convert::{frame_to_js, message_from_js, ArgError, EXTERNAL_THRESHOLD};
use crate::raw::{self, Env, JsResult, Thrown, Value};
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
    /// The batch being assembled: reused, so no allocation per call.
    batch: RefCell<Vec<Message>>,
}

/// `[send, receive]` for `entry`.
pub fn create<'s>(
    env: Env<'s>,
    entry: Arc<SockEntry>,
    reactor: Arc<Reactor>,
) -> raw::Result<Value<'s>> {
    let shared = Rc::new(FastSocket {
        entry,
        reactor,
        batch: RefCell::new(Vec::new()),
    });
    let send = env.function(c"send", send_callback, shared.clone())?;
    let receive = env.function(c"receive", receive_callback, shared)?;
    let array = env.array(2)?;
    env.set_element(array, 0, send)?;
    env.set_element(array, 1, receive)?;
    Ok(array)
}

fn throw_zmq(env: Env<'_>, err: &ferromq::Error) -> Thrown {
    env.throw_error(err.kind().code(), crate::errors::explanation(err))
}

fn reactor_failure(env: Env<'_>, err: &std::io::Error) -> Thrown {
    env.throw_error("EIO", &format!("cannot start the reactor thread: {err}"))
}

/// `send(message, token, timeoutMs)`: see [`send`].
///
/// # Safety
/// Called by N-API only, as the function `create` made.
unsafe extern "C" fn send_callback(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: N-API passes the env and info of this call to a function `create` made with
    // an `Rc<FastSocket>`.
    unsafe { raw::callback(env, info, send) }
}

/// `send(message, token, timeoutMs)`: true if the message was queued now; false if it was
/// parked under `token` (it completes later). With `timeoutMs` 0 a message that cannot be
/// queued now fails with EAGAIN instead.
fn send<'s>(
    env: Env<'s>,
    [message, token, timeout]: [Value<'s>; 3],
    fast: &FastSocket,
) -> JsResult<'s> {
    let (Some(token), Some(timeout_ms)) = (env.get_int32(token), env.get_int32(timeout)) else {
        return Err(env.throw_error("ERR_INVALID_ARG_TYPE", "token and timeout must be numbers"));
    };
    let msg = message_from_js(env, message)
        .map_err(|ArgError(text)| env.throw_error("ERR_INVALID_ARG_TYPE", &text))?;
    let socket = &fast.entry.socket;
    if timeout_ms == 0 {
        let result = socket.send_msg(msg, flags::DONTWAIT);
        fast.reactor.recheck(&fast.entry);
        return match result {
            Ok(()) => Ok(env.boolean(true)),
            Err(e) => Err(throw_zmq(env, &e)),
        };
    }
    // On EAGAIN the core hands the message back; the reactor parks it until writable.
    let result = socket.try_send_msg(msg, flags::DONTWAIT, None);
    fast.reactor.recheck(&fast.entry);
    match result {
        Ok(()) => Ok(env.boolean(true)),
        Err(ferromq::Unsent {
            error,
            message: Some(msg),
        }) if error.is_again() => {
            match fast
                .reactor
                .park_send(&fast.entry, token as u32, msg, timeout_ms)
            {
                Ok(()) => Ok(env.boolean(false)),
                Err(e) => Err(reactor_failure(env, &e)),
            }
        }
        Err(unsent) => Err(throw_zmq(env, &unsent.error)),
    }
}

/// `receive(token, timeoutMs, max)`: see [`receive`].
///
/// # Safety
/// Called by N-API only, as the function `create` made.
unsafe extern "C" fn receive_callback(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: N-API passes the env and info of this call to a function `create` made with
    // an `Rc<FastSocket>`.
    unsafe { raw::callback(env, info, receive) }
}

/// `receive(token, timeoutMs, max)`: a batch of up to `max` messages (see the module
/// documentation) if at least one is there; null if the receive was parked under `token`.
/// With `timeoutMs` 0, EAGAIN instead of parking.
fn receive<'s>(
    env: Env<'s>,
    [token, timeout, max]: [Value<'s>; 3],
    fast: &FastSocket,
) -> JsResult<'s> {
    let (Some(token), Some(timeout_ms), Some(max)) = (
        env.get_int32(token),
        env.get_int32(timeout),
        env.get_int32(max),
    ) else {
        return Err(env.throw_error(
            "ERR_INVALID_ARG_TYPE",
            "token, timeout and max must be numbers",
        ));
    };
    let max = (max.max(1) as u32).min(MAX_BATCH) as usize;
    let Ok(mut messages) = fast.batch.try_borrow_mut() else {
        return Err(env.throw_error("EBUSY", "receive re-entered"));
    };
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
            return Err(env.throw_error("EINVAL", "empty batch"));
        };
        if e.is_again() && timeout_ms != 0 {
            return match fast
                .reactor
                .park_recv(&fast.entry, token as u32, timeout_ms)
            {
                Ok(()) => Ok(env.null()),
                Err(e) => Err(reactor_failure(env, &e)),
            };
        }
        return Err(throw_zmq(env, &e));
    }
    // Any error after the first message comes again with the next call: it is not lost.
    batch_to_js(env, &mut messages, frames, slab_bytes, large)
        .map_err(|status| env.throw_error("EIO", &format!("cannot create a batch ({status})")))
}

/// The slab (and large frames) of `messages`, which it empties.
fn batch_to_js<'s>(
    env: Env<'s>,
    messages: &mut Vec<Message>,
    frames: usize,
    slab_bytes: usize,
    large: u32,
) -> raw::Result<Value<'s>> {
    let header_words = 2 + messages.len() + frames;
    let data_offset = header_words * 4;
    let len = data_offset + slab_bytes;
    let (slab, base) = env.arraybuffer(len)?;
    let result = if large > 0 {
        env.array(1 + large as usize)?
    } else {
        slab
    };
    // SAFETY: the `len` zero-filled bytes N-API just allocated for `slab`. JavaScript cannot
    // reach `slab` (to detach it) before it is put into `result` or returned, after the last
    // use of this slice.
    let bytes = unsafe { std::slice::from_raw_parts_mut(base, len) };
    let (header, data) = bytes.split_at_mut(data_offset);
    let mut words = header.chunks_exact_mut(4);
    let mut put = |word: u32| {
        if let Some(slot) = words.next() {
            slot.copy_from_slice(&word.to_ne_bytes());
        }
    };
    put(messages.len() as u32);
    put(data_offset as u32);
    let mut offset = 0;
    let mut next_large = 1u32;
    for msg in messages.drain(..) {
        put(msg.len() as u32);
        for frame in msg {
            let len = frame.len();
            if len >= EXTERNAL_THRESHOLD {
                put(LARGE);
                env.set_element(result, next_large, frame_to_js(env, frame)?)?;
                next_large += 1;
            } else {
                put(len as u32);
                data[offset..offset + len].copy_from_slice(frame.as_slice());
                offset += len;
            }
        }
    }
    debug_assert!(words.next().is_none() && offset == data.len());
    if large > 0 {
        env.set_element(result, 0, slab)?;
    }
    Ok(result)
}
