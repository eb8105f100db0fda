//! `zmq_timers_*` (libzmq's draft timer API, exported by libzmq 4.3 builds): the core's
//! [`ferromq::Timers`] holding each timer's C handler and argument.

use std::ffi::{c_int, c_long, c_void};
use std::sync::Mutex;
use std::time::Duration;

use ferromq::Timers;

use crate::errno::{fail, fail_with, guard, EFAULT};

const TIMERS_TAG: u32 = 0xcafe_babe;
const DEAD_TAG: u32 = 0xdead_beef;

/// `void (zmq_timer_fn) (int timer_id, void *arg)`.
pub type TimerFn = unsafe extern "C" fn(c_int, *mut c_void);

#[derive(Clone, Copy)]
struct Handler {
    run: TimerFn,
    arg: *mut c_void,
}

// SAFETY: the argument is the C program's; like libzmq, the timers only hand it back to
// the program's handler, on the thread that calls zmq_timers_execute.
unsafe impl Send for Handler {}

#[repr(C)]
struct TimersHandle {
    tag: u32,
    timers: Mutex<Timers<Handler>>,
}

/// The timer set behind `ptr`, or EFAULT (NULL, or not one), as libzmq checks.
fn timers<'a>(ptr: *mut c_void) -> Option<&'a TimersHandle> {
    // SAFETY: as for contexts and sockets: a non-null pointer is read as a handle and
    // trusted only if its first field carries the tag.
    match unsafe { ptr.cast::<TimersHandle>().as_ref() } {
        Some(handle) if handle.tag == TIMERS_TAG => Some(handle),
        _ => {
            fail_with(EFAULT);
            None
        }
    }
}

impl TimersHandle {
    fn lock(&self) -> std::sync::MutexGuard<'_, Timers<Handler>> {
        self.timers.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[no_mangle]
pub extern "C" fn zmq_timers_new() -> *mut c_void {
    Box::into_raw(Box::new(TimersHandle {
        tag: TIMERS_TAG,
        timers: Mutex::new(Timers::new()),
    }))
    .cast()
}

#[no_mangle]
pub extern "C" fn zmq_timers_destroy(timers_p: *mut *mut c_void) -> c_int {
    guard(-1, || {
        // SAFETY: the caller's pointer to its timers pointer (NULL is EFAULT).
        let Some(slot) = (unsafe { timers_p.as_mut() }) else {
            return fail_with(EFAULT);
        };
        if timers(*slot).is_none() {
            return -1;
        }
        let handle = slot.cast::<TimersHandle>();
        // SAFETY: checked to be a live timer set; the caller gives it up here.
        unsafe {
            (*handle).tag = DEAD_TAG;
            drop(Box::from_raw(handle));
        }
        *slot = std::ptr::null_mut();
        0
    })
}

#[no_mangle]
pub extern "C" fn zmq_timers_add(
    t: *mut c_void,
    interval: usize,
    handler: Option<TimerFn>,
    arg: *mut c_void,
) -> c_int {
    guard(-1, || {
        let Some(handle) = timers(t) else {
            return -1;
        };
        let Some(run) = handler else {
            return fail_with(EFAULT);
        };
        let interval = Duration::from_millis(interval as u64);
        handle.lock().add(interval, Handler { run, arg })
    })
}

/// Runs `op` on the timer set behind `t`: 0, or -1 with errno (EFAULT for a pointer that
/// is not a timer set, EINVAL for an unknown timer id).
fn on_timers(
    t: *mut c_void,
    op: impl FnOnce(&mut Timers<Handler>) -> ferromq::Result<()>,
) -> c_int {
    guard(-1, || {
        let Some(handle) = timers(t) else {
            return -1;
        };
        match op(&mut handle.lock()) {
            Ok(()) => 0,
            Err(e) => fail(&e),
        }
    })
}

#[no_mangle]
pub extern "C" fn zmq_timers_cancel(t: *mut c_void, timer_id: c_int) -> c_int {
    on_timers(t, |timers| timers.cancel(timer_id).map(drop))
}

#[no_mangle]
pub extern "C" fn zmq_timers_set_interval(
    t: *mut c_void,
    timer_id: c_int,
    interval: usize,
) -> c_int {
    on_timers(t, |timers| {
        timers.set_interval(timer_id, Duration::from_millis(interval as u64))
    })
}

#[no_mangle]
pub extern "C" fn zmq_timers_reset(t: *mut c_void, timer_id: c_int) -> c_int {
    on_timers(t, |timers| timers.reset(timer_id))
}

/// Milliseconds until the next timer fires (rounded up, so a poll for that long does not
/// wake just before it), or -1 with no timers.
#[no_mangle]
pub extern "C" fn zmq_timers_timeout(t: *mut c_void) -> c_long {
    guard(-1, || {
        let Some(handle) = timers(t) else {
            return -1;
        };
        match handle.lock().timeout() {
            Some(left) => left.as_micros().div_ceil(1000).min(c_long::MAX as u128) as c_long,
            None => -1,
        }
    })
}

/// Runs the handlers of the timers that are due, earliest first. A handler may add, cancel
/// or change timers (a cancelled one that was due does not run).
#[no_mangle]
pub extern "C" fn zmq_timers_execute(t: *mut c_void) -> c_int {
    guard(-1, || {
        let Some(handle) = timers(t) else {
            return -1;
        };
        let due = handle.lock().due();
        for id in due {
            let handler = handle.lock().get(id).copied();
            if let Some(Handler { run, arg }) = handler {
                // SAFETY: the handler and argument the program registered for this timer,
                // called as libzmq calls them; the lock is not held, so it may use the timers.
                unsafe { run(id, arg) };
            }
        }
        0
    })
}
