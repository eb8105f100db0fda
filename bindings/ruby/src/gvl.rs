//! Blocking calls without the GVL: other Ruby threads run meanwhile, and the unblock
//! function Ruby calls for Thread#kill, Thread#raise, Timeout and Ctrl-C sets a flag that the
//! core's interrupt hook (run every `ferromq::INTERRUPT_CHECK`) turns into EINTR. The
//! caller then lets Ruby act on the interrupt with the GVL held (`check_interrupts`).

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};

use magnus::{Error, Ruby};

struct Call<F, T> {
    body: Option<F>,
    result: Option<std::thread::Result<T>>,
    stop: AtomicBool,
}

unsafe extern "C" fn run<F: FnOnce(&AtomicBool) -> T, T>(data: *mut c_void) -> *mut c_void {
    // SAFETY: `data` is the `Call` that `without_gvl` passed, alive for the whole call.
    let call = unsafe { &mut *(data as *mut Call<F, T>) };
    if let Some(body) = call.body.take() {
        let stop = &call.stop;
        call.result = Some(catch_unwind(AssertUnwindSafe(|| body(stop))));
    }
    std::ptr::null_mut()
}

unsafe extern "C" fn unblock(data: *mut c_void) {
    // SAFETY: `data` is the `stop` flag of the running `Call`, which outlives the call.
    let stop = unsafe { &*(data as *const AtomicBool) };
    stop.store(true, Ordering::SeqCst);
}

/// Runs `body` without the GVL; `body` must touch no Ruby object. Its argument turns true
/// once Ruby wants the thread back. `None` if Ruby did not run it (an interrupt was already
/// pending); a panic in `body` becomes a Ruby exception.
pub fn without_gvl<F, T>(ruby: &Ruby, body: F) -> Result<Option<T>, Error>
where
    F: FnOnce(&AtomicBool) -> T,
{
    let mut call = Call {
        body: Some(body),
        result: None,
        stop: AtomicBool::new(false),
    };
    let data = &mut call as *mut Call<F, T> as *mut c_void;
    let stop = &call.stop as *const AtomicBool as *mut c_void;
    // SAFETY: `run` and `unblock` get pointers into `call`, which lives on this stack frame
    // until rb_thread_call_without_gvl returns; `run` touches no Ruby object.
    unsafe {
        rb_sys::rb_thread_call_without_gvl(Some(run::<F, T>), data, Some(unblock), stop);
    }
    match call.result {
        Some(Ok(value)) => Ok(Some(value)),
        Some(Err(_)) => Err(Error::new(
            ruby.exception_runtime_error(),
            "internal error in FerroMQ (a panic in a blocking call)",
        )),
        None => Ok(None),
    }
}

/// Lets Ruby handle a pending interrupt (Thread#kill, Thread#raise, a signal): its exception,
/// if it raises one, comes back as the error.
pub fn check_interrupts(_ruby: &Ruby) -> Result<(), Error> {
    magnus::rb_sys::protect(|| {
        // SAFETY: called with the GVL held; any exception it raises is caught by `protect`.
        unsafe { rb_sys::rb_thread_check_ints() };
        rb_sys::Qnil as rb_sys::VALUE
    })
    .map(|_| ())
}
