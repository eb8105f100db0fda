//! Fewer, larger writes when the application sends faster than the connection writes.
//!
//! The engine normally writes whatever the pipe holds as soon as it can. When the sending
//! thread and the I/O thread run at once on two cores, that keeps the I/O thread just
//! behind the sender: each write carries the few dozen messages queued during the previous
//! one. Every `write` costs a syscall (and, on loopback, the receiver's TCP work too) and
//! every message read right after it was queued moves its cache line between the cores, so
//! small messages then cost each side about twice their CPU, and throughput halves.
//!
//! So when writes keep being small while the pipe already holds more, the engine waits for
//! a fuller batch: it asks the pipe to wake it once [`wake_threshold`] messages are queued,
//! and sets a short timer ([`MAX_DELAY`]) in case the sender stops before that. A message
//! sent after a pause is written at once as before, and so is a short burst (the small
//! writes before the [`STREAM_WRITES`]th in a row never wait): only a stream that keeps
//! outpacing the connection is held, by at most the timer's delay.
//!
//! The timer is a timerfd (tokio's timers tick in milliseconds), made the first time a
//! connection coalesces.

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::task::{Context, Poll};
use std::time::Duration;

use rustix::time::{Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags, Timespec};
use tokio::io::unix::AsyncFd;

/// A write at least this big is big enough: the next one is not delayed.
pub(crate) const BATCH_BYTES: usize = 8 * 1024;
/// The longest a queued message waits for others to join it.
pub(crate) const MAX_DELAY: Duration = Duration::from_micros(50);
/// Small writes in a row, each with more messages queued behind it, that make a stream.
pub(crate) const STREAM_WRITES: u32 = 3;

/// How many queued messages make a batch worth waking for, judging by the size of the
/// messages just written: enough for [`BATCH_BYTES`], but at most half the pipe's HWM so
/// that the sender never blocks on a full pipe before the engine is woken. `None`: do not
/// wait (the HWM is too small for batching to help).
pub(crate) fn wake_threshold(written_bytes: usize, written_msgs: usize, hwm: u64) -> Option<u64> {
    let per_message = (written_bytes / written_msgs.max(1)).max(1);
    let wanted = BATCH_BYTES.div_ceil(per_message) as u64;
    let limit = if hwm == 0 { u64::MAX } else { hwm / 2 };
    let threshold = wanted.min(limit);
    (threshold >= 2).then_some(threshold)
}

/// The engine's side: whether the last write was worth delaying the next, and the timer.
#[derive(Default)]
pub(crate) struct WriteCoalescing {
    /// Made on first use; `None` also after it failed (then no write is delayed).
    timer: Option<AsyncFd<OwnedFd>>,
    timer_failed: bool,
    /// Small writes in a row with more queued behind each (reset when the pipe runs dry).
    small_writes: u32,
}

impl WriteCoalescing {
    /// After a write of `written_bytes`: whether to wait for more messages rather than
    /// write again at once. Only when it was small, more are already queued, and the same
    /// happened after the writes before (a stream, not a short burst).
    pub(crate) fn should_wait(&mut self, written_bytes: usize, more_queued: bool) -> bool {
        if !more_queued {
            self.small_writes = 0;
            return false;
        }
        if written_bytes == 0 || written_bytes >= BATCH_BYTES || self.timer_failed {
            return false;
        }
        self.small_writes = self.small_writes.saturating_add(1);
        self.small_writes >= STREAM_WRITES
    }

    /// Starts (or restarts) the fallback timer, registering `cx` to be woken when it fires.
    /// Returns false if no timer could be set (the caller should not wait then).
    pub(crate) fn start_timer(&mut self, cx: &mut Context<'_>) -> bool {
        if self.timer.is_none() {
            match new_timer() {
                Ok(timer) => self.timer = Some(timer),
                Err(e) => {
                    tracing::debug!("no write coalescing: cannot make a timer: {e}");
                    self.timer_failed = true;
                    return false;
                }
            }
        }
        let Some(timer) = &self.timer else {
            return false;
        };
        let expiry = Itimerspec {
            it_interval: Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: Timespec {
                tv_sec: 0,
                tv_nsec: MAX_DELAY.as_nanos() as _,
            },
        };
        if rustix::time::timerfd_settime(timer.get_ref(), TimerfdTimerFlags::empty(), &expiry)
            .is_err()
        {
            return false;
        }
        self.poll_timer(cx);
        true
    }

    /// Consumes a fired timer, and registers `cx` to be woken when it next fires. The
    /// engine calls this on every wake-up: what it does next does not depend on why it woke.
    pub(crate) fn poll_timer(&mut self, cx: &mut Context<'_>) {
        let Some(timer) = &self.timer else {
            return;
        };
        while let Poll::Ready(Ok(mut ready)) = timer.poll_read_ready(cx) {
            let mut expirations = [0u8; 8];
            match rustix::io::read(timer.get_ref().as_fd(), &mut expirations) {
                Ok(_) => {}
                Err(rustix::io::Errno::AGAIN) => ready.clear_ready(),
                Err(_) => {
                    ready.clear_ready();
                    return;
                }
            }
        }
    }
}

fn new_timer() -> io::Result<AsyncFd<OwnedFd>> {
    let fd = rustix::time::timerfd_create(
        TimerfdClockId::Monotonic,
        TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
    )?;
    // SAFETY: the AsyncFd owns the descriptor (an OwnedFd), which stays open and the same
    // until the AsyncFd drops it.
    let registered = unsafe { AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE) };
    Ok(registered?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_messages_wait_for_a_batch_of_bytes_up_to_half_the_hwm() {
        // 10-byte frames: 820 would fill a batch, but a HWM of 1000 allows 500.
        assert_eq!(wake_threshold(550, 55, 1000), Some(500));
        assert_eq!(wake_threshold(550, 55, 0), Some(820));
        // 1 KiB frames: 8 of them.
        assert_eq!(wake_threshold(4 * 1030, 4, 1000), Some(8));
    }

    #[test]
    fn tiny_hwms_and_large_messages_do_not_wait() {
        assert_eq!(wake_threshold(550, 55, 2), None);
        assert_eq!(wake_threshold(9000, 1, 1000), None);
    }

    #[test]
    fn only_a_stream_of_small_writes_with_more_queued_waits() {
        let mut coalescing = WriteCoalescing::default();
        // A short burst: the first small writes go out at once.
        for _ in 1..STREAM_WRITES {
            assert!(!coalescing.should_wait(550, true));
        }
        assert!(coalescing.should_wait(550, true));
        assert!(coalescing.should_wait(550, true));
        // A large write neither waits nor ends the stream; an empty pipe does.
        assert!(!coalescing.should_wait(BATCH_BYTES, true));
        assert!(coalescing.should_wait(550, true));
        assert!(!coalescing.should_wait(550, false));
        assert!(
            !coalescing.should_wait(550, true),
            "a new burst starts afresh"
        );
        assert!(!coalescing.should_wait(0, true));
    }

    #[tokio::test]
    async fn the_timer_wakes_the_task() {
        let mut coalescing = WriteCoalescing::default();
        let started = std::time::Instant::now();
        let mut armed = false;
        std::future::poll_fn(|cx| {
            if !armed {
                armed = true;
                assert!(coalescing.start_timer(cx));
                return Poll::Pending;
            }
            Poll::Ready(())
        })
        .await;
        assert!(started.elapsed() >= MAX_DELAY);
    }
}
