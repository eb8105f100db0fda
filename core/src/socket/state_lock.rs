//! The lock around a socket's state: taken twice per message (once by `send`, once by
//! `recv`), almost always by the one thread that uses the socket, so it is built for the
//! uncontended case.
//!
//! Locking is one compare-and-swap; unlocking is a plain release store, where a mutex that
//! parks waiters needs a second read-modify-write to learn whether anyone sleeps. A waiter
//! therefore never sleeps on a wake-up: it spins, then yields, then naps for short, growing
//! intervals and looks again. Contention is rare (a poller thread asking for events, a
//! context closing the socket) and the state is only held for short, non-blocking work.

use std::cell::UnsafeCell;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub(crate) struct StateLock<T> {
    locked: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: the value is only reached through a guard, and at most one guard exists at a time
// (the `locked` flag, taken with Acquire and released with Release), so sharing the lock
// between threads shares the value as a mutex would: sound when T is Send.
unsafe impl<T: Send> Sync for StateLock<T> {}
// SAFETY: moving the lock moves the value; nothing in it is tied to a thread.
unsafe impl<T: Send> Send for StateLock<T> {}

impl<T> StateLock<T> {
    pub(crate) fn new(value: T) -> Self {
        StateLock {
            locked: AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }

    #[inline]
    pub(crate) fn lock(&self) -> StateGuard<'_, T> {
        if self
            .locked
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_contended();
        }
        StateGuard { lock: self }
    }

    #[cold]
    fn lock_contended(&self) {
        let mut attempt: u32 = 0;
        loop {
            if !self.locked.load(Ordering::Relaxed)
                && self
                    .locked
                    .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                return;
            }
            attempt += 1;
            match attempt {
                0..=63 => std::hint::spin_loop(),
                64..=127 => std::thread::yield_now(),
                // A holder that is not running (descheduled, or doing a slow bind): nap,
                // from 10 µs up to 1 ms.
                _ => std::thread::sleep(Duration::from_micros(
                    10u64 << ((attempt - 128) / 16).min(7),
                )),
            }
        }
    }
}

/// Access to the locked value; unlocks when dropped (also when unwinding).
pub(crate) struct StateGuard<'a, T> {
    lock: &'a StateLock<T>,
}

impl<T> Deref for StateGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard is the only one (see the Sync impl) until it is dropped.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> DerefMut for StateGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only borrow of the guard.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T> Drop for StateGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.lock.locked.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn excludes_other_threads() {
        let lock = Arc::new(StateLock::new(0u64));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let lock = lock.clone();
                std::thread::spawn(move || {
                    for _ in 0..100_000 {
                        // A non-atomic read-modify-write: lost updates if two held it.
                        let mut value = lock.lock();
                        let read = *value;
                        std::hint::black_box(&mut *value);
                        *value = read + 1;
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(*lock.lock(), 400_000);
    }

    #[test]
    fn a_long_holder_is_waited_for() {
        let lock = Arc::new(StateLock::new(Vec::new()));
        let guard = lock.lock();
        let waiter = {
            let lock = lock.clone();
            std::thread::spawn(move || lock.lock().push("second"))
        };
        std::thread::sleep(Duration::from_millis(30));
        drop(guard);
        waiter.join().unwrap();
        assert_eq!(*lock.lock(), ["second"]);
    }

    #[test]
    fn unwinding_unlocks() {
        let lock = Arc::new(StateLock::new(1));
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _guard = lock.lock();
            panic!("while holding the state");
        }));
        assert!(result.is_err());
        assert_eq!(*lock.lock(), 1);
    }
}
