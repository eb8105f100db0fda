//! zmq_setsockopt / zmq_getsockopt: C buffers to the core's options, with libzmq's size
//! rules (an int option takes exactly an int; 64-bit ones AFFINITY and MAXMSGSIZE; string
//! options come back NUL-terminated, binary ones not) and EINVAL for the rest.

use std::ffi::{c_int, c_void};

use ferromq::{OptionValue, SocketOption};

use crate::errno::{fail, fail_with, guard, EFAULT, EINVAL};
use crate::handles::{Handle, SocketHandle};
use crate::socket::bytes;

const FD: c_int = 14;
const IPV4ONLY: c_int = 31;
const THREAD_SAFE: c_int = 81;

/// Options whose value is a 64-bit integer in libzmq's API.
fn is_64_bit(option: SocketOption) -> bool {
    matches!(option, SocketOption::Affinity | SocketOption::MaxMsgSize)
}

/// Options read back as NUL-terminated text (the others of `is_binary` are raw bytes).
fn is_text(option: SocketOption) -> bool {
    matches!(
        option,
        SocketOption::LastEndpoint
            | SocketOption::BindToDevice
            | SocketOption::SocksProxy
            | SocketOption::SocksUsername
            | SocketOption::SocksPassword
            | SocketOption::PlainUsername
            | SocketOption::PlainPassword
            | SocketOption::ZapDomain
    )
}

fn is_curve_key(option: SocketOption) -> bool {
    matches!(
        option,
        SocketOption::CurvePublicKey | SocketOption::CurveSecretKey | SocketOption::CurveServerKey
    )
}

/// Options that libzmq clears with `(NULL, 0)` but refuses as an empty string.
fn clears_only_with_null(option: SocketOption) -> bool {
    matches!(
        option,
        SocketOption::SocksProxy
            | SocketOption::TcpAcceptFilter
            | SocketOption::PlainUsername
            | SocketOption::PlainPassword
    )
}

fn int_value(value: &[u8], option: SocketOption) -> Option<i64> {
    if is_64_bit(option) {
        Some(i64::from_ne_bytes(value.try_into().ok()?))
    } else {
        Some(i64::from(c_int::from_ne_bytes(value.try_into().ok()?)))
    }
}

#[no_mangle]
pub extern "C" fn zmq_setsockopt(
    s: *mut c_void,
    option: c_int,
    optval: *const c_void,
    optvallen: usize,
) -> c_int {
    guard(-1, || {
        let Some(handle) = SocketHandle::from_ptr(s) else {
            return -1;
        };
        let value = match bytes(optval, optvallen) {
            Ok(value) => value,
            Err(errno) => return fail_with(errno),
        };
        let socket = &handle.socket;
        let result = if option == IPV4ONLY {
            match value.try_into().map(c_int::from_ne_bytes) {
                Ok(v @ (0 | 1)) => socket.set_option(SocketOption::Ipv6, i64::from(v == 0)),
                _ => return fail_with(EINVAL),
            }
        } else {
            let Ok(option) = SocketOption::from_raw(option) else {
                return fail_with(EINVAL);
            };
            if value.is_empty() && !optval.is_null() && clears_only_with_null(option) {
                return fail_with(EINVAL);
            }
            if option.is_binary() {
                socket.set_option(
                    option,
                    OptionValue::Bytes(bytes::Bytes::copy_from_slice(value)),
                )
            } else {
                match int_value(value, option) {
                    Some(v) => socket.set_option(option, v),
                    None => return fail_with(EINVAL),
                }
            }
        };
        match result {
            Ok(()) => 0,
            Err(e) => fail(&e),
        }
    })
}

/// Writes `data` to the caller's buffer if it fits (else EINVAL) and its size to `*len`;
/// an integer clears the rest of the buffer first, as libzmq does (a caller may pass a
/// 64-bit variable for an int option).
///
/// # Safety
/// `optval` has `*len` writable bytes; `len` is valid.
unsafe fn put(optval: *mut c_void, len: *mut usize, data: &[u8], integer: bool) -> c_int {
    if *len < data.len() {
        return fail_with(EINVAL);
    }
    if integer {
        std::ptr::write_bytes(optval.cast::<u8>(), 0, *len);
    }
    std::ptr::copy_nonoverlapping(data.as_ptr(), optval.cast::<u8>(), data.len());
    *len = data.len();
    0
}

#[no_mangle]
pub extern "C" fn zmq_getsockopt(
    s: *mut c_void,
    option: c_int,
    optval: *mut c_void,
    optvallen: *mut usize,
) -> c_int {
    guard(-1, || {
        let Some(handle) = SocketHandle::from_ptr(s) else {
            return -1;
        };
        if optval.is_null() || optvallen.is_null() {
            return fail_with(EFAULT);
        }
        let socket = &handle.socket;
        let int = |v: i64| (v as c_int).to_ne_bytes().to_vec();
        let mut integer = true;
        let data = match option {
            IPV4ONLY => match socket.get_int(SocketOption::Ipv6) {
                Ok(v6) => int(i64::from(v6 == 0)),
                Err(e) => return fail(&e),
            },
            THREAD_SAFE => int(0),
            FD => match socket.get_int(SocketOption::Fd) {
                Ok(fd) => int(fd),
                Err(e) => return fail(&e),
            },
            _ => {
                let Ok(option) = SocketOption::from_raw(option) else {
                    return fail_with(EINVAL);
                };
                match socket.get_option(option) {
                    Ok(OptionValue::Int(v)) if is_64_bit(option) => v.to_ne_bytes().to_vec(),
                    // CURVE keys: 32 bytes, or Z85 text and a NUL for a 41-byte buffer.
                    // SAFETY: checked non-null above.
                    Ok(OptionValue::Bytes(key))
                        if is_curve_key(option) && unsafe { *optvallen } == 41 =>
                    {
                        integer = false;
                        let mut text = ferromq::z85::encode(&key).unwrap_or_default().into_bytes();
                        text.push(0);
                        text
                    }
                    Ok(OptionValue::Int(v)) => int(v),
                    Ok(OptionValue::Bytes(b)) if is_text(option) => {
                        integer = false;
                        let mut text = b.to_vec();
                        text.push(0);
                        text
                    }
                    Ok(OptionValue::Bytes(b)) => {
                        integer = false;
                        b.to_vec()
                    }
                    Err(e) => return fail(&e),
                }
            }
        };
        // SAFETY: checked non-null; the caller's buffer holds `*optvallen` bytes.
        unsafe { put(optval, optvallen, &data, integer) }
    })
}
