//! The file descriptor behind a PHP stream resource (fopen, fsockopen, STDIN…), for
//! ZMQPoll, through PHP's own stream API (the same call stream_select makes).

use std::os::raw::{c_int, c_void};

use ext_php_rs::types::Zval;

extern "C" {
    // main/streams/cast.c and main/streams/plain_wrapper.c, exported by every PHP binary.
    fn _php_stream_cast(
        stream: *mut c_void,
        castas: c_int,
        ret: *mut *mut c_void,
        show_err: c_int,
    ) -> c_int;
    fn php_file_le_stream() -> c_int;
    fn php_file_le_pstream() -> c_int;
}

/// PHP_STREAM_AS_FD_FOR_SELECT | PHP_STREAM_CAST_INTERNAL.
const AS_FD_FOR_SELECT: c_int = 3 | 0x2000_0000;
const SUCCESS: c_int = 0;

/// What a resource is to a poll.
pub enum StreamFd {
    Fd {
        handle: i64,
        fd: i32,
    },
    NotAStream,
    /// A stream without a descriptor (php://memory, a directory…).
    NotCastable,
}

/// The resource's handle number and its stream's descriptor.
pub fn stream_fd(value: &Zval) -> StreamFd {
    let Some(resource) = value.dereference().resource() else {
        return StreamFd::NotAStream;
    };
    // SAFETY: `resource` comes from a live resource zval; a stream resource's `ptr` is its
    // php_stream, checked by its type before the cast, which only reads the stream.
    unsafe {
        let resource = &*resource;
        if resource.type_ != php_file_le_stream() && resource.type_ != php_file_le_pstream() {
            return StreamFd::NotAStream;
        }
        // php_socket_t (an int) is written at the start of this slot.
        let mut slot: u64 = u64::MAX;
        let target = (&mut slot as *mut u64).cast::<*mut c_void>();
        if _php_stream_cast(resource.ptr, AS_FD_FOR_SELECT, target, 0) != SUCCESS {
            return StreamFd::NotCastable;
        }
        let fd = (slot & 0xFFFF_FFFF) as u32 as i32;
        if fd < 0 {
            return StreamFd::NotCastable;
        }
        StreamFd::Fd {
            handle: resource.handle,
            fd,
        }
    }
}
