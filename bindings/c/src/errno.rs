//! errno as libzmq sets it: the thread's C `errno`, with libzmq's numbers (ferromq's errors
//! carry them), and `zmq_strerror`'s texts.

use std::ffi::{c_char, c_int, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

pub fn set_errno(errno: c_int) {
    // SAFETY: __errno_location returns this thread's errno slot.
    unsafe { *libc::__errno_location() = errno }
}

/// Sets errno from a core error and returns -1, C's failure value.
pub fn fail(err: &ferromq::Error) -> c_int {
    set_errno(err.errno());
    -1
}

pub fn fail_with(errno: c_int) -> c_int {
    set_errno(errno);
    -1
}

pub const EINVAL: c_int = libc::EINVAL;
pub const EFAULT: c_int = libc::EFAULT;

/// Runs an entry point's body; a panic (a bug) becomes `on_panic` with errno EFAULT instead
/// of unwinding into C.
pub fn guard<T>(on_panic: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(_) => {
            set_errno(EFAULT);
            on_panic
        }
    }
}

#[no_mangle]
pub extern "C" fn zmq_errno() -> c_int {
    // SAFETY: reads this thread's errno slot.
    unsafe { *libc::__errno_location() }
}

/// libzmq's own error numbers (ZMQ_HAUSNUMERO + 51…54).
const EFSM: c_int = 156_384_763;
const ENOCOMPATPROTO: c_int = 156_384_764;
const ETERM: c_int = 156_384_765;
const EMTHREAD: c_int = 156_384_766;

/// libzmq's texts for its own numbers, the C library's for the rest.
#[no_mangle]
pub extern "C" fn zmq_strerror(errnum: c_int) -> *const c_char {
    let own: Option<&'static CStr> = match errnum {
        EFSM => Some(c"Operation cannot be accomplished in current state"),
        ENOCOMPATPROTO => Some(c"The protocol is not compatible with the socket type"),
        ETERM => Some(c"Context was terminated"),
        EMTHREAD => Some(c"No thread available"),
        _ => None,
    };
    match own {
        Some(text) => text.as_ptr(),
        // SAFETY: strerror returns a string valid until the next call on this thread, as
        // libzmq's does.
        None => unsafe { libc::strerror(errnum) },
    }
}

/// The errno of ETERM (a context that is terminated).
pub const ETERM_ERRNO: c_int = ETERM;
