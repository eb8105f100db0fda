//! The rest of libzmq's API: versions, capabilities, Z85, CURVE key helpers, atomic
//! counters, stopwatches, sleep and threads.

use std::ffi::{c_char, c_int, c_ulong, c_void, CStr};
use std::ptr;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Instant;

use crate::errno::{fail_with, guard, set_errno, EINVAL};

#[no_mangle]
pub extern "C" fn zmq_version(major: *mut c_int, minor: *mut c_int, patch: *mut c_int) {
    let (a, b, c) = ferromq::LIBZMQ_VERSION;
    for (out, value) in [(major, a), (minor, b), (patch, c)] {
        // SAFETY: the caller's int pointers (NULL skipped).
        if let Some(out) = unsafe { out.as_mut() } {
            *out = value;
        }
    }
}

/// What this library really is: FerroMQ's version.
#[no_mangle]
pub extern "C" fn zmq_ferromq_version() -> *const c_char {
    static VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => c"unknown",
        };
    VERSION.as_ptr()
}

/// Transports and mechanisms FerroMQ has: ipc and curve; not pgm, tipc, norm, gssapi, draft.
#[no_mangle]
pub extern "C" fn zmq_has(capability: *const c_char) -> c_int {
    if capability.is_null() {
        return 0;
    }
    // SAFETY: a NUL-terminated C string from the caller.
    let name = unsafe { CStr::from_ptr(capability) };
    c_int::from(matches!(name.to_bytes(), b"ipc" | b"curve"))
}

/// Z85 text of `size` bytes (a multiple of 4) into `dest` (size * 5 / 4 + 1 bytes).
#[no_mangle]
pub extern "C" fn zmq_z85_encode(dest: *mut c_char, data: *const u8, size: usize) -> *mut c_char {
    guard(ptr::null_mut(), || {
        if dest.is_null() || (data.is_null() && size > 0) {
            set_errno(EINVAL);
            return ptr::null_mut();
        }
        let input = if size == 0 {
            &[][..]
        } else {
            // SAFETY: `size` readable bytes at `data`.
            unsafe { std::slice::from_raw_parts(data, size) }
        };
        match ferromq::z85::encode(input) {
            Some(text) => {
                // SAFETY: the caller's `dest` has size * 5 / 4 + 1 bytes.
                unsafe {
                    ptr::copy_nonoverlapping(text.as_ptr(), dest.cast::<u8>(), text.len());
                    *dest.add(text.len()) = 0;
                }
                dest
            }
            None => {
                set_errno(EINVAL);
                ptr::null_mut()
            }
        }
    })
}

/// The bytes of Z85 `string` (its length a multiple of 5) into `dest`.
#[no_mangle]
pub extern "C" fn zmq_z85_decode(dest: *mut u8, string: *const c_char) -> *mut u8 {
    guard(ptr::null_mut(), || {
        if dest.is_null() || string.is_null() {
            set_errno(EINVAL);
            return ptr::null_mut();
        }
        // SAFETY: a NUL-terminated C string from the caller.
        let text = unsafe { CStr::from_ptr(string) }.to_bytes();
        match ferromq::z85::decode(text) {
            Some(data) => {
                // SAFETY: the caller's `dest` has strlen(string) * 4 / 5 bytes.
                unsafe { ptr::copy_nonoverlapping(data.as_ptr(), dest, data.len()) };
                dest
            }
            None => {
                set_errno(EINVAL);
                ptr::null_mut()
            }
        }
    })
}

/// Copies Z85 `text` and its NUL into the caller's 41-byte buffer.
///
/// # Safety
/// `dest` has room for 41 bytes.
unsafe fn put_z85(dest: *mut c_char, text: &str) {
    debug_assert_eq!(text.len(), 40);
    ptr::copy_nonoverlapping(text.as_ptr(), dest.cast::<u8>(), 40);
    *dest.add(40) = 0;
}

/// A new CURVE key pair, each key as 40 Z85 characters and a NUL (41-byte buffers).
#[no_mangle]
pub extern "C" fn zmq_curve_keypair(public: *mut c_char, secret: *mut c_char) -> c_int {
    guard(-1, || {
        if public.is_null() || secret.is_null() {
            return fail_with(EINVAL);
        }
        let (public_text, secret_text) = ferromq::curve_keys::curve_keypair();
        // SAFETY: the caller's buffers hold 41 bytes each (libzmq's contract).
        unsafe {
            put_z85(public, &public_text);
            put_z85(secret, &secret_text);
        }
        0
    })
}

/// The public key of a Z85 secret key (41-byte buffers).
#[no_mangle]
pub extern "C" fn zmq_curve_public(public: *mut c_char, secret: *const c_char) -> c_int {
    guard(-1, || {
        if public.is_null() || secret.is_null() {
            return fail_with(EINVAL);
        }
        // SAFETY: libzmq's contract: a NUL-terminated Z85 string at `secret` (its length is
        // checked as libzmq's decoder checks it: 40 characters, or EINVAL).
        let text = unsafe { CStr::from_ptr(secret) }.to_bytes();
        let Ok(text) = std::str::from_utf8(text) else {
            return fail_with(EINVAL);
        };
        if text.len() != 40 {
            return fail_with(EINVAL);
        }
        match ferromq::curve_keys::curve_public(text) {
            // SAFETY: the caller's buffer holds 41 bytes.
            Ok(public_text) => unsafe {
                put_z85(public, &public_text);
                0
            },
            Err(_) => fail_with(EINVAL),
        }
    })
}

#[no_mangle]
pub extern "C" fn zmq_atomic_counter_new() -> *mut c_void {
    Box::into_raw(Box::new(AtomicI32::new(0))).cast()
}

fn counter<'a>(counter: *mut c_void) -> Option<&'a AtomicI32> {
    // SAFETY: a pointer zmq_atomic_counter_new returned (NULL tolerated).
    unsafe { counter.cast::<AtomicI32>().as_ref() }
}

#[no_mangle]
pub extern "C" fn zmq_atomic_counter_set(c: *mut c_void, value: c_int) {
    if let Some(c) = counter(c) {
        c.store(value, Ordering::SeqCst);
    }
}

/// Increments; returns the value before.
#[no_mangle]
pub extern "C" fn zmq_atomic_counter_inc(c: *mut c_void) -> c_int {
    counter(c).map_or(0, |c| c.fetch_add(1, Ordering::SeqCst))
}

/// Decrements; returns whether the counter is still above zero (1) or not (0).
#[no_mangle]
pub extern "C" fn zmq_atomic_counter_dec(c: *mut c_void) -> c_int {
    counter(c).map_or(0, |c| c_int::from(c.fetch_sub(1, Ordering::SeqCst) - 1 > 0))
}

#[no_mangle]
pub extern "C" fn zmq_atomic_counter_value(c: *mut c_void) -> c_int {
    counter(c).map_or(0, |c| c.load(Ordering::SeqCst))
}

#[no_mangle]
pub extern "C" fn zmq_atomic_counter_destroy(c: *mut *mut c_void) {
    // SAFETY: the caller's pointer to a counter zmq_atomic_counter_new made; set to NULL.
    unsafe {
        if let Some(slot) = c.as_mut() {
            if !slot.is_null() {
                drop(Box::from_raw(slot.cast::<AtomicI32>()));
            }
            *slot = ptr::null_mut();
        }
    }
}

#[no_mangle]
pub extern "C" fn zmq_stopwatch_start() -> *mut c_void {
    Box::into_raw(Box::new(Instant::now())).cast()
}

/// Microseconds since the start.
#[no_mangle]
pub extern "C" fn zmq_stopwatch_intermediate(watch: *mut c_void) -> c_ulong {
    // SAFETY: a pointer zmq_stopwatch_start returned.
    unsafe { watch.cast::<Instant>().as_ref() }.map_or(0, |w| w.elapsed().as_micros() as c_ulong)
}

/// Microseconds since the start; frees the stopwatch.
#[no_mangle]
pub extern "C" fn zmq_stopwatch_stop(watch: *mut c_void) -> c_ulong {
    let elapsed = zmq_stopwatch_intermediate(watch);
    if !watch.is_null() {
        // SAFETY: a pointer zmq_stopwatch_start returned, freed once.
        drop(unsafe { Box::from_raw(watch.cast::<Instant>()) });
    }
    elapsed
}

#[no_mangle]
pub extern "C" fn zmq_sleep(seconds: c_int) {
    std::thread::sleep(std::time::Duration::from_secs(seconds.max(0) as u64));
}

/// A C function and its argument, run by a new thread.
struct Start {
    func: unsafe extern "C" fn(*mut c_void),
    arg: *mut c_void,
}

// SAFETY: zmq_threadstart's contract: the function runs in the new thread with its argument.
unsafe impl Send for Start {}

#[no_mangle]
pub extern "C" fn zmq_threadstart(
    func: Option<unsafe extern "C" fn(*mut c_void)>,
    arg: *mut c_void,
) -> *mut c_void {
    let Some(func) = func else {
        set_errno(EINVAL);
        return ptr::null_mut();
    };
    let start = Start { func, arg };
    let thread = std::thread::spawn(move || {
        let start = start;
        // SAFETY: the caller's thread function with its argument.
        unsafe { (start.func)(start.arg) }
    });
    Box::into_raw(Box::new(thread)).cast()
}

#[no_mangle]
pub extern "C" fn zmq_threadclose(thread: *mut c_void) {
    if thread.is_null() {
        return;
    }
    // SAFETY: a pointer zmq_threadstart returned, joined and freed once.
    let thread = unsafe { Box::from_raw(thread.cast::<std::thread::JoinHandle<()>>()) };
    let _ = thread.join();
}
