//! Fork awareness. PHP forks (php-fpm's workers, `pcntl_fork`) copy a process without its
//! threads: in the child, a context's I/O threads do not exist, so its sockets would wait
//! forever, and closing them would wait for threads that will never answer. Every object
//! records the fork generation it was made in; the child's generation differs, so its
//! inherited objects refuse to work (a clear exception) and are let go without being
//! closed, and the persistent registry makes new ones.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

use ext_php_rs::exception::PhpException;

use crate::errors::{exception, Class};

static GENERATION: AtomicU64 = AtomicU64::new(0);

extern "C" fn in_child_after_fork() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// Installs the fork hook (once, at module startup).
pub fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // SAFETY: registers a plain function that only touches an atomic, which is
        // async-signal-safe as the child side of pthread_atfork requires.
        unsafe {
            libc::pthread_atfork(None, None, Some(in_child_after_fork));
        }
    });
}

/// The process's fork generation: 0 in the process that loaded the module, one more in
/// each child forked since.
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Relaxed)
}

/// The exception for using, in a forked child, a `what` made by process `pid`: ETERM, as
/// the parent's context is gone for the child.
pub fn inherited(class: Class, what: &str, pid: u32, remedy: &str) -> PhpException {
    exception(
        class,
        format!(
            "The {what} was created in process {pid} and cannot be used after fork: \
             create {remedy} in this process"
        ),
        ferromq::ErrorKind::Term.errno(),
    )
}

/// Holds a value made in this process; in a forked child it is neither usable nor dropped
/// (its threads are gone): it is leaked on purpose, a small price once per fork.
pub struct ForkBound<T> {
    value: std::mem::ManuallyDrop<T>,
    generation: u64,
    pid: u32,
}

impl<T> ForkBound<T> {
    pub fn new(value: T) -> ForkBound<T> {
        ForkBound {
            value: std::mem::ManuallyDrop::new(value),
            generation: generation(),
            pid: std::process::id(),
        }
    }

    /// The value, or the pid of the process that made it when this is a forked child.
    pub fn get(&self) -> Result<&T, u32> {
        if self.generation == generation() {
            Ok(&self.value)
        } else {
            Err(self.pid)
        }
    }

    pub fn is_from_this_process(&self) -> bool {
        self.generation == generation()
    }
}

impl<T> Drop for ForkBound<T> {
    fn drop(&mut self) {
        if self.is_from_this_process() {
            // SAFETY: dropped once, here, and never used again.
            unsafe { std::mem::ManuallyDrop::drop(&mut self.value) }
        }
    }
}
