//! Fork awareness, for bindings whose programs fork (PHP's php-fpm and pcntl_fork, C's
//! fork). A child process has none of its parent's threads: a context's I/O threads do not
//! exist there, so its sockets would wait forever, and closing them would wait for threads
//! that will never answer. Objects made before a fork record the fork generation; in the
//! child the generation differs, so they refuse to work, and are let go without being
//! closed (leaked on purpose: a small price once per fork).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

static GENERATION: AtomicU64 = AtomicU64::new(0);

extern "C" fn in_child_after_fork() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// Installs the fork hook (once per process; every new context calls it).
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

/// The process's fork generation: 0 where FerroMQ was first used, one more in each child
/// forked since.
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Relaxed)
}

/// A value made in this process; in a forked child it is neither usable nor dropped.
pub struct ForkBound<T> {
    value: std::mem::ManuallyDrop<T>,
    generation: u64,
    pid: u32,
}

impl<T> ForkBound<T> {
    pub fn new(value: T) -> ForkBound<T> {
        install();
        ForkBound {
            value: std::mem::ManuallyDrop::new(value),
            generation: generation(),
            pid: std::process::id(),
        }
    }

    /// The value, or the pid of the process that made it when this is a forked child.
    pub fn get(&self) -> Result<&T, u32> {
        if self.is_from_this_process() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_usable_and_dropped_in_its_own_process() {
        let bound = ForkBound::new(std::sync::Arc::new(5));
        let watch = std::sync::Arc::downgrade(bound.get().unwrap());
        assert_eq!(**bound.get().unwrap(), 5);
        drop(bound);
        assert!(watch.upgrade().is_none());
    }
}
