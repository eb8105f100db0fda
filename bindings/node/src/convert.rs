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

use std::collections::HashMap;
use std::ffi::c_void;
use std::ptr;
use std::sync::Mutex;

use bytes::Bytes;
use ferromq::{Frame, Message};
use napi::bindgen_prelude::{Buffer, FromNapiValue};
use napi::sys;

/// Payloads at least this large are borrowed from JavaScript rather than copied.
pub const BORROW_THRESHOLD: usize = 64 * 1024;
/// Received frames at least this large become external Buffers rather than copies.
pub const EXTERNAL_THRESHOLD: usize = 8 * 1024;

/// Start addresses of memory JavaScript currently sees as an ArrayBuffer and that the core
/// may also hold: payloads borrowed from JavaScript and external Buffers we created.
/// Counted, since one JavaScript buffer may be lent to the core several times at once.
static JS_OWNED: Mutex<Option<HashMap<usize, usize>>> = Mutex::new(None);

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

fn check(status: sys::napi_status, what: &str) -> ArgResult<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(ArgError(format!(
            "cannot read {what} (napi status {status})"
        )))
    }
}

fn type_of(env: sys::napi_env, value: sys::napi_value) -> ArgResult<sys::napi_valuetype> {
    let mut ty = 0;
    check(
        unsafe { sys::napi_typeof(env, value, &mut ty) },
        "value type",
    )?;
    Ok(ty)
}

/// One frame from a JavaScript value: string (UTF-8), Buffer / typed array / DataView,
/// ArrayBuffer / SharedArrayBuffer, a number (its decimal string, as zeromq.js sends it), or
/// null (an empty frame).
///
/// # Safety
/// `env` and `value` must be valid for the current call.
pub unsafe fn frame_from_js(env: sys::napi_env, value: sys::napi_value) -> ArgResult<Frame> {
    let ty = type_of(env, value)?;
    match ty {
        sys::ValueType::napi_string => unsafe { string_frame(env, value) },
        sys::ValueType::napi_null => Ok(Frame::empty()),
        sys::ValueType::napi_number => {
            let mut text = ptr::null_mut();
            check(
                unsafe { sys::napi_coerce_to_string(env, value, &mut text) },
                "number",
            )?;
            unsafe { string_frame(env, text) }
        }
        sys::ValueType::napi_object => unsafe { object_frame(env, value) },
        _ => Err(ArgError(format!(
            "a message frame must be a Buffer, TypedArray, ArrayBuffer, string, number or null, not {}",
            type_name(ty)
        ))),
    }
}

fn type_name(ty: sys::napi_valuetype) -> &'static str {
    match ty {
        sys::ValueType::napi_undefined => "undefined",
        sys::ValueType::napi_boolean => "a boolean",
        sys::ValueType::napi_number => "a number",
        sys::ValueType::napi_symbol => "a symbol",
        sys::ValueType::napi_function => "a function",
        sys::ValueType::napi_bigint => "a bigint",
        sys::ValueType::napi_object => "an object",
        _ => "this value",
    }
}

unsafe fn string_frame(env: sys::napi_env, value: sys::napi_value) -> ArgResult<Frame> {
    // Short strings (the common case) are encoded on the stack, straight into an inline frame.
    let mut small = [0u8; Frame::INLINE_CAPACITY + 1];
    let mut written = 0usize;
    check(
        unsafe {
            sys::napi_get_value_string_utf8(
                env,
                value,
                small.as_mut_ptr().cast(),
                small.len(),
                &mut written,
            )
        },
        "string",
    )?;
    if written < Frame::INLINE_CAPACITY {
        return Ok(Frame::copy_from_slice(&small[..written]));
    }
    let mut len = 0usize;
    check(
        unsafe { sys::napi_get_value_string_utf8(env, value, ptr::null_mut(), 0, &mut len) },
        "string",
    )?;
    let mut buf = vec![0u8; len + 1];
    check(
        unsafe {
            sys::napi_get_value_string_utf8(
                env,
                value,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut len,
            )
        },
        "string",
    )?;
    buf.truncate(len);
    Ok(Frame::from(buf))
}

/// A frame from a Buffer, typed array or DataView.
unsafe fn view_frame(env: sys::napi_env, value: sys::napi_value) -> ArgResult<Frame> {
    let mut data: *mut c_void = ptr::null_mut();
    let mut len = 0usize;
    // Node's buffer info works for every ArrayBufferView and gives its bytes.
    check(
        unsafe { sys::napi_get_buffer_info(env, value, &mut data, &mut len) },
        "buffer",
    )?;
    if len == 0 || data.is_null() {
        return Ok(Frame::empty());
    }
    if len >= BORROW_THRESHOLD {
        let buffer = unsafe { Buffer::from_napi_value(env, value) }
            .map_err(|e| ArgError(format!("cannot borrow the buffer: {e}")))?;
        js_owned_acquire(buffer.as_ptr() as usize);
        return Ok(Frame::from(Bytes::from_owner(Borrowed { buffer })));
    }
    let slice = unsafe { std::slice::from_raw_parts(data as *const u8, len) };
    Ok(Frame::copy_from_slice(slice))
}

unsafe fn object_frame(env: sys::napi_env, value: sys::napi_value) -> ArgResult<Frame> {
    let mut is_view = false;
    check(
        unsafe { sys::napi_is_typedarray(env, value, &mut is_view) },
        "value",
    )?;
    if !is_view {
        check(
            unsafe { sys::napi_is_dataview(env, value, &mut is_view) },
            "value",
        )?;
    }
    if is_view {
        return unsafe { view_frame(env, value) };
    }
    let mut is_ab = false;
    check(
        unsafe { sys::napi_is_arraybuffer(env, value, &mut is_ab) },
        "value",
    )?;
    if is_ab {
        let mut data: *mut c_void = ptr::null_mut();
        let mut len = 0usize;
        check(
            unsafe { sys::napi_get_arraybuffer_info(env, value, &mut data, &mut len) },
            "ArrayBuffer",
        )?;
        if len == 0 || data.is_null() {
            return Ok(Frame::empty());
        }
        let slice = unsafe { std::slice::from_raw_parts(data as *const u8, len) };
        return Ok(Frame::copy_from_slice(slice));
    }
    Err(ArgError(
        "a message frame must be a Buffer, TypedArray, ArrayBuffer, string, number or null, not a plain object"
            .into(),
    ))
}

/// A whole message from a frame or an array of frames.
///
/// # Safety
/// `env` and `value` must be valid for the current call.
pub unsafe fn message_from_js(env: sys::napi_env, value: sys::napi_value) -> ArgResult<Message> {
    // The common case first, in as few N-API calls as possible: one Buffer (typeof,
    // is_typedarray, buffer info) or one string.
    if type_of(env, value)? != sys::ValueType::napi_object {
        return Ok(Message::single(unsafe { frame_from_js(env, value) }?));
    }
    let mut is_view = false;
    check(
        unsafe { sys::napi_is_typedarray(env, value, &mut is_view) },
        "message",
    )?;
    if is_view {
        return Ok(Message::single(unsafe { view_frame(env, value) }?));
    }
    let mut is_array = false;
    check(
        unsafe { sys::napi_is_array(env, value, &mut is_array) },
        "message",
    )?;
    if !is_array {
        return Ok(Message::single(unsafe { object_frame(env, value) }?));
    }
    let mut len = 0u32;
    check(
        unsafe { sys::napi_get_array_length(env, value, &mut len) },
        "message",
    )?;
    if len == 0 {
        return Err(ArgError("a message must have at least one frame".into()));
    }
    let mut msg = Message::new();
    for i in 0..len {
        let mut element = ptr::null_mut();
        check(
            unsafe { sys::napi_get_element(env, value, i, &mut element) },
            "frame",
        )?;
        let frame = unsafe { frame_from_js(env, element) }
            .map_err(|ArgError(m)| ArgError(format!("frame {i}: {m}")))?;
        msg.push_back(frame);
    }
    Ok(msg)
}

unsafe extern "C" fn release_external(_env: sys::napi_env, data: *mut c_void, hint: *mut c_void) {
    js_owned_release(data as usize);
    drop(unsafe { Box::from_raw(hint as *mut Bytes) });
}

/// A Buffer holding `frame`'s payload (external over the core's memory when large).
///
/// # Safety
/// `env` must be valid for the current call, on the JS thread.
pub unsafe fn frame_to_js(env: sys::napi_env, frame: Frame) -> napi::Result<sys::napi_value> {
    let mut result = ptr::null_mut();
    let len = frame.len();
    if len >= EXTERNAL_THRESHOLD {
        let bytes = frame.into_bytes();
        let data = bytes.as_ptr() as usize;
        if js_owned_claim(data) {
            let hint = Box::into_raw(Box::new(bytes));
            let status = unsafe {
                sys::napi_create_external_buffer(
                    env,
                    len,
                    data as *mut c_void,
                    Some(release_external),
                    hint.cast(),
                    &mut result,
                )
            };
            if status == sys::Status::napi_ok {
                return Ok(result);
            }
            // Not allowed here (or failed): copy instead.
            js_owned_release(data);
            let bytes = unsafe { Box::from_raw(hint) };
            return unsafe { copy_to_js(env, &bytes) };
        }
        return unsafe { copy_to_js(env, &bytes) };
    }
    unsafe { copy_to_js(env, frame.as_slice()) }
}

unsafe fn copy_to_js(env: sys::napi_env, data: &[u8]) -> napi::Result<sys::napi_value> {
    let mut result = ptr::null_mut();
    let status = unsafe {
        sys::napi_create_buffer_copy(
            env,
            data.len(),
            data.as_ptr().cast(),
            ptr::null_mut(),
            &mut result,
        )
    };
    napi::check_status!(status, "cannot create a Buffer")?;
    Ok(result)
}

/// An array of Buffers, one per frame.
///
/// # Safety
/// `env` must be valid for the current call, on the JS thread.
pub unsafe fn message_to_js(env: sys::napi_env, msg: Message) -> napi::Result<sys::napi_value> {
    let mut array = ptr::null_mut();
    napi::check_status!(
        unsafe { sys::napi_create_array_with_length(env, msg.len(), &mut array) },
        "cannot create an array"
    )?;
    for (i, frame) in msg.into_iter().enumerate() {
        let buffer = unsafe { frame_to_js(env, frame) }?;
        napi::check_status!(
            unsafe { sys::napi_set_element(env, array, i as u32, buffer) },
            "cannot fill the array"
        )?;
    }
    Ok(array)
}

/// A JavaScript Error with libzmq's `code` (e.g. "EAGAIN") and `errno`.
///
/// # Safety
/// `env` must be valid for the current call, on the JS thread.
pub unsafe fn error_to_js(
    env: sys::napi_env,
    err: &ferromq::Error,
) -> napi::Result<sys::napi_value> {
    let code = err.kind().code();
    let message = err.to_string();
    let mut code_js = ptr::null_mut();
    let mut msg_js = ptr::null_mut();
    let mut error = ptr::null_mut();
    let mut errno = ptr::null_mut();
    unsafe {
        napi::check_status!(sys::napi_create_string_utf8(
            env,
            code.as_ptr().cast(),
            code.len() as isize,
            &mut code_js
        ))?;
        napi::check_status!(sys::napi_create_string_utf8(
            env,
            message.as_ptr().cast(),
            message.len() as isize,
            &mut msg_js
        ))?;
        napi::check_status!(sys::napi_create_error(env, code_js, msg_js, &mut error))?;
        napi::check_status!(sys::napi_create_int32(env, err.errno(), &mut errno))?;
        napi::check_status!(sys::napi_set_named_property(
            env,
            error,
            c"errno".as_ptr(),
            errno
        ))?;
    }
    Ok(error)
}
