//! An asymmetric fence: a full barrier split into a cheap half for the side that runs often
//! and a dear half for the side that runs rarely.
//!
//! An inproc pipe's writer publishes every message and must then see whether the reader went
//! to sleep; the reader arms its wake-up only when it is about to sleep. With a symmetric
//! Dekker handshake both sides pay a full barrier (an atomic read-modify-write) each time,
//! the writer once per message. Here the writer pays only a compiler fence
//! ([`light`]) and the reader, before it re-checks the queue, makes every running thread of
//! the process execute a full barrier ([`heavy`], the `membarrier` syscall). After `heavy`
//! returns, either the writer's publication is visible to the reader or the reader's "armed"
//! flag is visible to the writer, exactly as with two full barriers.
//!
//! `membarrier` with the private expedited command exists since Linux 4.14; where it does not
//! (or cannot be registered), [`available`] is false and the pipes keep the symmetric
//! handshake.

use std::sync::atomic::{compiler_fence, Ordering};
use std::sync::OnceLock;

use rustix::thread::{membarrier, membarrier_query, MembarrierCommand};

/// Whether this process can use the asymmetric fence (registers it on the first call).
pub(crate) fn available() -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED.get_or_init(|| {
        membarrier_query().contains_command(MembarrierCommand::PrivateExpedited)
            && membarrier(MembarrierCommand::RegisterPrivateExpedited).is_ok()
    })
}

/// The frequent side's half: keeps the compiler from moving memory accesses across it.
#[inline(always)]
pub(crate) fn light() {
    compiler_fence(Ordering::SeqCst);
}

/// The rare side's half: a full barrier on every thread of the process that is running now
/// (a thread that is not running passes one when it is scheduled again). Only called when
/// [`available`] returned true.
#[cold]
pub(crate) fn heavy() {
    // After a successful registration the command cannot fail (its only errors are for an
    // unregistered process or an unknown command).
    let done = membarrier(MembarrierCommand::PrivateExpedited);
    debug_assert!(done.is_ok(), "membarrier after registration: {done:?}");
    if done.is_err() {
        tracing::error!("membarrier failed after registration: an inproc wake-up may be lost");
    }
}
