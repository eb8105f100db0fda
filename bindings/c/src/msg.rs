//! zmq_msg_t: libzmq's 64-byte message, holding a core frame (or, after zmq_msg_init_size,
//! a buffer the program fills) and its MORE flag. zmq_msg_init_data's buffer is sent
//! without a copy and handed back to its free function when the last frame using it goes.

use std::ffi::{c_char, c_int, c_void};
use std::ptr;

use std::sync::Arc;

use bytes::Bytes;
use ferromq::{Frame, Properties};

use crate::errno::{fail, fail_with, guard, EFAULT, EINVAL};
use crate::handles::{Handle, SocketHandle};

/// What zmq.h declares: 64 bytes, pointer-aligned.
#[repr(C, align(8))]
pub struct ZmqMsgT {
    _bytes: [u8; 64],
}

const MSG_TAG: u32 = 0x4d53_4721;
const MORE: c_int = 1;
const SRCFD: c_int = 2;
const SHARED: c_int = 3;

enum Content {
    Frame(Frame),
    /// zmq_msg_init_size: the program writes the bytes through zmq_msg_data.
    Buffer(Vec<u8>),
}

struct Msg {
    tag: u32,
    more: bool,
    /// zmq_msg_init_data without a free function: libzmq reports such data as shared.
    constant: bool,
    content: Content,
    /// The properties of the connection a received message came from (zmq_msg_gets,
    /// ZMQ_SRCFD).
    properties: Option<Arc<Properties>>,
}

const _: () = assert!(std::mem::size_of::<Msg>() <= 64 && std::mem::align_of::<Msg>() <= 8);

impl Content {
    fn into_frame(self) -> Frame {
        match self {
            Content::Frame(frame) => frame,
            Content::Buffer(data) => Frame::from(data),
        }
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            Content::Frame(frame) => frame.as_slice(),
            Content::Buffer(data) => data,
        }
    }
}

/// A buffer lent by zmq_msg_init_data, given back to `free` (if any) when dropped.
struct Lent {
    data: *mut c_void,
    len: usize,
    free: Option<unsafe extern "C" fn(*mut c_void, *mut c_void)>,
    hint: *mut c_void,
}

// SAFETY: libzmq's contract for zmq_msg_init_data: the buffer stays valid and unchanged
// until its free function is called, from whichever thread releases the message.
unsafe impl Send for Lent {}

impl AsRef<[u8]> for Lent {
    fn as_ref(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: `len` bytes at `data`, valid until `free` runs (in drop).
        unsafe { std::slice::from_raw_parts(self.data.cast::<u8>(), self.len) }
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        if let Some(free) = self.free {
            // SAFETY: the program's free function with its own pointer and hint, once.
            unsafe { free(self.data, self.hint) }
        }
    }
}

/// The message at `msg`, if it is one (initialised and not closed); EFAULT otherwise.
fn message<'a>(msg: *const ZmqMsgT) -> Option<&'a mut Msg> {
    // SAFETY: a zmq_msg_t is 64 pointer-aligned bytes; an initialised one starts with the
    // tag (checked), written by zmq_msg_init*.
    let msg = unsafe { msg.cast_mut().cast::<Msg>().as_mut() };
    match msg {
        Some(m) if m.tag == MSG_TAG => Some(m),
        _ => {
            crate::errno::set_errno(EFAULT);
            None
        }
    }
}

fn init(msg: *mut ZmqMsgT, content: Content) -> c_int {
    if msg.is_null() {
        return fail_with(EFAULT);
    }
    // SAFETY: the caller's zmq_msg_t has room (size checked at compile time).
    unsafe {
        ptr::write(
            msg.cast::<Msg>(),
            Msg {
                tag: MSG_TAG,
                more: false,
                constant: false,
                content,
                properties: None,
            },
        )
    };
    0
}

#[no_mangle]
pub extern "C" fn zmq_msg_init(msg: *mut ZmqMsgT) -> c_int {
    guard(-1, || {
        init(msg, Content::Frame(Frame::copy_from_slice(&[])))
    })
}

#[no_mangle]
pub extern "C" fn zmq_msg_init_size(msg: *mut ZmqMsgT, size: usize) -> c_int {
    guard(-1, || {
        let mut data = Vec::new();
        if data.try_reserve_exact(size).is_err() {
            return fail_with(libc::ENOMEM);
        }
        data.resize(size, 0);
        init(msg, Content::Buffer(data))
    })
}

#[no_mangle]
pub extern "C" fn zmq_msg_init_data(
    msg: *mut ZmqMsgT,
    data: *mut c_void,
    size: usize,
    ffn: Option<unsafe extern "C" fn(*mut c_void, *mut c_void)>,
    hint: *mut c_void,
) -> c_int {
    guard(-1, || {
        if data.is_null() && size > 0 {
            return fail_with(EFAULT);
        }
        let lent = Lent {
            data,
            len: size,
            free: ffn,
            hint,
        };
        let rc = init(msg, Content::Frame(Frame::from(Bytes::from_owner(lent))));
        if let Some(m) = message(msg) {
            m.constant = ffn.is_none();
        }
        rc
    })
}

#[no_mangle]
pub extern "C" fn zmq_msg_close(msg: *mut ZmqMsgT) -> c_int {
    guard(-1, || {
        let Some(m) = message(msg) else {
            return -1;
        };
        m.tag = 0;
        // SAFETY: the content and properties are dropped once; the tag no longer marks
        // them initialised.
        unsafe {
            ptr::drop_in_place(&mut m.content);
            ptr::drop_in_place(&mut m.properties);
        }
        0
    })
}

#[no_mangle]
pub extern "C" fn zmq_msg_move(dest: *mut ZmqMsgT, src: *mut ZmqMsgT) -> c_int {
    guard(-1, || {
        let Some(source) = message(src) else {
            return -1;
        };
        let content = std::mem::replace(
            &mut source.content,
            Content::Frame(Frame::copy_from_slice(&[])),
        );
        let more = std::mem::take(&mut source.more);
        let properties = source.properties.take();
        if zmq_msg_close(dest) != 0 {
            return -1;
        }
        init(dest, content);
        if let Some(d) = message(dest) {
            d.more = more;
            d.properties = properties;
        }
        0
    })
}

#[no_mangle]
pub extern "C" fn zmq_msg_copy(dest: *mut ZmqMsgT, src: *mut ZmqMsgT) -> c_int {
    guard(-1, || {
        let Some(source) = message(src) else {
            return -1;
        };
        // Both share one buffer from now on.
        let frame = match std::mem::replace(&mut source.content, Content::Buffer(Vec::new())) {
            Content::Frame(frame) => frame,
            buffer @ Content::Buffer(_) => buffer.into_frame(),
        };
        source.content = Content::Frame(frame.clone());
        let more = source.more;
        let properties = source.properties.clone();
        if zmq_msg_close(dest) != 0 {
            return -1;
        }
        init(dest, Content::Frame(frame));
        if let Some(d) = message(dest) {
            d.more = more;
            d.properties = properties;
        }
        0
    })
}

#[no_mangle]
pub extern "C" fn zmq_msg_data(msg: *mut ZmqMsgT) -> *mut c_void {
    guard(ptr::null_mut(), || match message(msg) {
        Some(m) => match &mut m.content {
            Content::Buffer(data) => data.as_mut_ptr().cast(),
            Content::Frame(frame) => frame.as_slice().as_ptr().cast_mut().cast(),
        },
        None => ptr::null_mut(),
    })
}

#[no_mangle]
pub extern "C" fn zmq_msg_size(msg: *const ZmqMsgT) -> usize {
    guard(0, || message(msg).map_or(0, |m| m.content.as_slice().len()))
}

#[no_mangle]
pub extern "C" fn zmq_msg_more(msg: *const ZmqMsgT) -> c_int {
    guard(0, || message(msg).map_or(0, |m| c_int::from(m.more)))
}

#[no_mangle]
pub extern "C" fn zmq_msg_get(msg: *const ZmqMsgT, property: c_int) -> c_int {
    guard(-1, || {
        let Some(m) = message(msg) else {
            return -1;
        };
        match property {
            MORE => c_int::from(m.more),
            SRCFD => m.properties.as_ref().and_then(|p| p.fd()).unwrap_or(-1),
            SHARED => match &m.content {
                Content::Frame(frame) => c_int::from(m.constant || frame.is_shared()),
                Content::Buffer(_) => 0,
            },
            _ => fail_with(EINVAL),
        }
    })
}

/// No property can be set (as libzmq).
#[no_mangle]
pub extern "C" fn zmq_msg_set(_msg: *mut ZmqMsgT, _property: c_int, _value: c_int) -> c_int {
    fail_with(EINVAL)
}

/// A property of the connection the message came from ("Peer-Address", "Socket-Type",
/// "Identity", an application's "X-…"), valid while the message is; NULL and EINVAL if it
/// has none by that name (or came over inproc), as in libzmq.
#[no_mangle]
pub extern "C" fn zmq_msg_gets(msg: *const ZmqMsgT, property: *const c_char) -> *const c_char {
    guard(ptr::null(), || {
        let Some(m) = message(msg) else {
            return ptr::null();
        };
        if property.is_null() {
            crate::errno::set_errno(EINVAL);
            return ptr::null();
        }
        // SAFETY: a NUL-terminated string from the caller.
        let name = unsafe { std::ffi::CStr::from_ptr(property) }.to_string_lossy();
        match m.properties.as_ref().and_then(|p| p.get_with_nul(&name)) {
            // Stored with its NUL, inside the Arc this message holds.
            Some(value) => value.as_ptr().cast(),
            None => {
                crate::errno::set_errno(EINVAL);
                ptr::null()
            }
        }
    })
}

/// Sends the message (then empty again) as one frame; returns its size.
#[no_mangle]
pub extern "C" fn zmq_msg_send(msg: *mut ZmqMsgT, s: *mut c_void, flags: c_int) -> c_int {
    guard(-1, || {
        let Some(handle) = SocketHandle::from_ptr(s) else {
            return -1;
        };
        let Some(m) = message(msg) else {
            return -1;
        };
        let frame = std::mem::replace(&mut m.content, Content::Buffer(Vec::new())).into_frame();
        let size = frame.len();
        match handle.socket.send(frame.clone(), flags) {
            Ok(()) => {
                m.content = Content::Frame(Frame::copy_from_slice(&[]));
                size.min(c_int::MAX as usize) as c_int
            }
            Err(e) => {
                m.content = Content::Frame(frame);
                fail(&e)
            }
        }
    })
}

/// Receives one frame into the message (its old content released); returns its size.
#[no_mangle]
pub extern "C" fn zmq_msg_recv(msg: *mut ZmqMsgT, s: *mut c_void, flags: c_int) -> c_int {
    guard(-1, || {
        let Some(handle) = SocketHandle::from_ptr(s) else {
            return -1;
        };
        let Some(m) = message(msg) else {
            return -1;
        };
        match handle.socket.recv(flags) {
            Ok(frame) => {
                let size = frame.len();
                m.content = Content::Frame(frame);
                (m.more, m.properties) = handle.socket.received();
                size.min(c_int::MAX as usize) as c_int
            }
            Err(e) => fail(&e),
        }
    })
}

#[no_mangle]
pub extern "C" fn zmq_sendmsg(s: *mut c_void, msg: *mut ZmqMsgT, flags: c_int) -> c_int {
    zmq_msg_send(msg, s, flags)
}

#[no_mangle]
pub extern "C" fn zmq_recvmsg(s: *mut c_void, msg: *mut ZmqMsgT, flags: c_int) -> c_int {
    zmq_msg_recv(msg, s, flags)
}
