//! Values across the boundary: JavaScript frames in, Buffers out, errors with libzmq codes.
//!
//! Frames in: strings are encoded as UTF-8; Buffers, typed arrays and DataViews are read in
//! place. Small payloads are copied (the core stores up to 30 bytes inline anyway); payloads
//! of at least [`BORROW_THRESHOLD`] bytes are borrowed: the frame keeps a reference to the
//! JavaScript buffer instead of copying it, released (on the JS thread) when the core is done.
//!
//! Frames out: small frames are copied into new Buffers; frames of at least
//! [`EXTERNAL_THRESHOLD`] bytes that the core holds as shared bytes become external Buffers
//! over the core's memory, released when the Buffer is garbage collected. V8 refuses two
//! ArrayBuffers over the same memory, so a payload JavaScript already owns (one it sent and
//! is receiving back over inproc, or one handed to two sockets) is copied instead.
//!
//! An external Buffer sent again (a reply echoing the request) is not borrowed from
//! JavaScript: the frame shares the core's bytes directly ([`CORE_BUFFERS`]). Borrowing
//! would tie the bytes to the Buffer's finalizer, which N-API runs when the environment is
//! torn down at exit, while the frame may still be on its way out.

use std::collections::{BTreeMap, HashMap};
use std::ffi::c_void;
use std::ptr;
use std::sync::Mutex;

use bytes::Bytes;
use ferromq::{Frame, Message};
use napi::bindgen_prelude::{Buffer, FromNapiValue};
use napi::sys;

use crate::raw::{self, Env, Status, Value};

/// Payloads at least this large are borrowed from JavaScript rather than copied.
pub const BORROW_THRESHOLD: usize = 64 * 1024;
/// Received frames at least this large become external Buffers rather than copies.
pub const EXTERNAL_THRESHOLD: usize = 8 * 1024;

/// Start addresses of memory JavaScript currently sees as an ArrayBuffer and that the core
/// may also hold: payloads borrowed from JavaScript and external Buffers we created.
/// Counted, since one JavaScript buffer may be lent to the core several times at once.
static JS_OWNED: Mutex<Option<HashMap<usize, usize>>> = Mutex::new(None);

/// The core's bytes behind each external Buffer we created, by start address, kept until
/// the Buffer's finalizer runs.
static CORE_BUFFERS: Mutex<BTreeMap<usize, Bytes>> = Mutex::new(BTreeMap::new());

/// The core's bytes at `data..data + len` if they lie within an external Buffer we created
/// (the Buffer itself, or a view of part of it), shared without a copy.
fn core_bytes(data: *const u8, len: usize) -> Option<Bytes> {
    let start = data as usize;
    let buffers = CORE_BUFFERS.lock().unwrap_or_else(|e| e.into_inner());
    let (&base, bytes) = buffers.range(..=start).next_back()?;
    let offset = start - base;
    (offset + len <= bytes.len()).then(|| bytes.slice(offset..offset + len))
}

fn js_owned_acquire(ptr: usize) {
    let mut map = JS_OWNED.lock().unwrap_or_else(|e| e.into_inner());
    *map.get_or_insert_with(HashMap::new).entry(ptr).or_insert(0) += 1;
}

/// Claims `ptr` for a new external Buffer; false if JavaScript already sees that memory.
fn js_owned_claim(ptr: usize) -> bool {
    let mut map = JS_OWNED.lock().unwrap_or_else(|e| e.into_inner());
    let map = map.get_or_insert_with(HashMap::new);
    if map.contains_key(&ptr) {
        return false;
    }
    map.insert(ptr, 1);
    true
}

fn js_owned_release(ptr: usize) {
    let mut map = JS_OWNED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(map) = map.as_mut() {
        if let Some(count) = map.get_mut(&ptr) {
            *count -= 1;
            if *count == 0 {
                map.remove(&ptr);
            }
        }
    }
}

/// A JavaScript buffer lent to the core; napi-rs releases the reference on the JS thread.
struct Borrowed {
    buffer: Buffer,
}

impl AsRef<[u8]> for Borrowed {
    fn as_ref(&self) -> &[u8] {
        &self.buffer
    }
}

impl Drop for Borrowed {
    fn drop(&mut self) {
        js_owned_release(self.buffer.as_ptr() as usize);
    }
}

/// A wrong argument: becomes a TypeError in JavaScript.
pub struct ArgError(pub String);

pub type ArgResult<T> = std::result::Result<T, ArgError>;

/// For `map_err`: a failed N-API call while reading `what`.
fn cannot_read(what: &'static str) -> impl FnOnce(Status) -> ArgError {
    move |status| ArgError(format!("cannot read {what} ({status})"))
}

/// A frame of the bytes at `data`, copied.
///
/// # Safety
/// `data` must point to `len` readable bytes (or be anything when `len` is 0).
unsafe fn copy_frame(data: *const u8, len: usize) -> Frame {
    if len == 0 || data.is_null() {
        return Frame::empty();
    }
    // SAFETY: the caller's promise.
    Frame::copy_from_slice(unsafe { std::slice::from_raw_parts(data, len) })
}

/// One frame from a JavaScript value: string (UTF-8), Buffer / typed array / DataView,
/// ArrayBuffer / SharedArrayBuffer, null (an empty frame), or anything else as its string
/// (`String(value)`: numbers, booleans, undefined, functions, plain objects…), as zeromq.js
/// sends them; a Symbol, which has no string, throws JavaScript's TypeError.
pub fn frame_from_js(env: Env<'_>, value: Value<'_>) -> ArgResult<Frame> {
    let ty = env.type_of(value).map_err(cannot_read("value type"))?;
    match ty {
        sys::ValueType::napi_string => string_frame(env, value),
        sys::ValueType::napi_null => Ok(Frame::empty()),
        sys::ValueType::napi_object => object_frame(env, value),
        _ => text_frame(env, value),
    }
}

/// A frame of `String(value)`.
fn text_frame(env: Env<'_>, value: Value<'_>) -> ArgResult<Frame> {
    let text = env
        .coerce_to_string(value)
        .map_err(cannot_read("the value as a string"))?;
    string_frame(env, text)
}

fn string_frame(env: Env<'_>, value: Value<'_>) -> ArgResult<Frame> {
    // Short strings (the common case) are encoded on the stack, straight into an inline frame.
    let mut small = [0u8; Frame::INLINE_CAPACITY + 1];
    let written = env
        .string_utf8(value, &mut small)
        .map_err(cannot_read("string"))?;
    if written < Frame::INLINE_CAPACITY {
        return Ok(Frame::copy_from_slice(&small[..written]));
    }
    let len = env
        .string_utf8(value, &mut [])
        .map_err(cannot_read("string"))?;
    let mut buf = vec![0u8; len + 1];
    let len = env
        .string_utf8(value, &mut buf)
        .map_err(cannot_read("string"))?;
    buf.truncate(len);
    Ok(Frame::from(buf))
}

/// A frame from a Buffer, typed array or DataView.
fn view_frame(env: Env<'_>, value: Value<'_>) -> ArgResult<Frame> {
    // Node's buffer info works for every ArrayBufferView and gives its bytes.
    let (data, len) = env.buffer_info(value).map_err(cannot_read("buffer"))?;
    if len >= EXTERNAL_THRESHOLD {
        if let Some(bytes) = core_bytes(data, len) {
            return Ok(Frame::from(bytes));
        }
    }
    if len >= BORROW_THRESHOLD {
        // SAFETY: `value` is a live view of the running call, in its env.
        let buffer = unsafe { Buffer::from_napi_value(env.raw(), value.raw()) }
            .map_err(|e| ArgError(format!("cannot borrow the buffer: {e}")))?;
        js_owned_acquire(buffer.as_ptr() as usize);
        return Ok(Frame::from(Bytes::from_owner(Borrowed { buffer })));
    }
    // SAFETY: the view's bytes, read before any JavaScript can run (and detach them).
    Ok(unsafe { copy_frame(data, len) })
}

fn object_frame(env: Env<'_>, value: Value<'_>) -> ArgResult<Frame> {
    let is_view = env.is_typedarray(value).map_err(cannot_read("value"))?
        || env.is_dataview(value).map_err(cannot_read("value"))?;
    if is_view {
        return view_frame(env, value);
    }
    if env.is_arraybuffer(value).map_err(cannot_read("value"))? {
        let (data, len) = env
            .arraybuffer_info(value)
            .map_err(cannot_read("ArrayBuffer"))?;
        // SAFETY: the ArrayBuffer's bytes, read before any JavaScript can run.
        return Ok(unsafe { copy_frame(data, len) });
    }
    text_frame(env, value)
}

/// A whole message from a frame or an array of frames.
pub fn message_from_js(env: Env<'_>, value: Value<'_>) -> ArgResult<Message> {
    // The common case first, in as few N-API calls as possible: one Buffer (typeof,
    // is_typedarray, buffer info) or one string.
    if env.type_of(value).map_err(cannot_read("value type"))? != sys::ValueType::napi_object {
        return Ok(Message::single(frame_from_js(env, value)?));
    }
    if env.is_typedarray(value).map_err(cannot_read("message"))? {
        return Ok(Message::single(view_frame(env, value)?));
    }
    if !env.is_array(value).map_err(cannot_read("message"))? {
        return Ok(Message::single(object_frame(env, value)?));
    }
    let len = env.array_length(value).map_err(cannot_read("message"))?;
    if len == 0 {
        return Err(ArgError("a message must have at least one frame".into()));
    }
    let mut msg = Message::new();
    for i in 0..len {
        let element = env.get_element(value, i).map_err(cannot_read("frame"))?;
        let frame = frame_from_js(env, element)
            .map_err(|ArgError(m)| ArgError(format!("frame {i}: {m}")))?;
        msg.push_back(frame);
    }
    Ok(msg)
}

/// Finalizer of an external Buffer over a core frame's bytes: they are released (from
/// [`CORE_BUFFERS`]).
unsafe extern "C" fn release_external(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    raw::finalizer(|| {
        js_owned_release(data as usize);
        CORE_BUFFERS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&(data as usize));
    });
}

/// A Buffer holding `frame`'s payload (external over the core's memory when large).
pub fn frame_to_js<'s>(env: Env<'s>, frame: Frame) -> raw::Result<Value<'s>> {
    let len = frame.len();
    if len < EXTERNAL_THRESHOLD {
        return env.buffer_copy(frame.as_slice());
    }
    let bytes = frame.into_bytes();
    let data = bytes.as_ptr() as usize;
    if !js_owned_claim(data) {
        return env.buffer_copy(&bytes);
    }
    // Kept here until the Buffer's finalizer: unchanged (`Bytes` is immutable) and alive.
    CORE_BUFFERS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(data, bytes);
    let mut result = ptr::null_mut();
    // SAFETY: `env` is live (the invariant of `Env`). The Buffer is over `len` bytes at
    // `data`, which CORE_BUFFERS keeps alive and unchanged until the finalizer removes them;
    // no other ArrayBuffer covers them (`js_owned_claim`).
    let status = unsafe {
        sys::napi_create_external_buffer(
            env.raw(),
            len,
            data as *mut c_void,
            Some(release_external),
            ptr::null_mut(),
            &mut result,
        )
    };
    if status == sys::Status::napi_ok {
        // SAFETY: `result` is the handle N-API just created in this call.
        return Ok(unsafe { Value::from_raw(result) });
    }
    // Not allowed here (or failed): copy instead.
    js_owned_release(data);
    let bytes = CORE_BUFFERS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&data)
        .unwrap_or_default();
    env.buffer_copy(&bytes)
}

/// An array of Buffers, one per frame.
pub fn message_to_js<'s>(env: Env<'s>, msg: Message) -> raw::Result<Value<'s>> {
    let array = env.array(msg.len())?;
    for (i, frame) in msg.into_iter().enumerate() {
        env.set_element(array, i as u32, frame_to_js(env, frame)?)?;
    }
    Ok(array)
}

/// A JavaScript Error with libzmq's `code` (e.g. "EAGAIN") and FerroMQ's explanation, as
/// `fixError` in node/index.js expects it.
pub fn error_to_js<'s>(env: Env<'s>, err: &ferromq::Error) -> raw::Result<Value<'s>> {
    let code = env.string(err.kind().code())?;
    let message = env.string(crate::errors::explanation(err))?;
    env.error(code, message)
}
