//! The default context of every JavaScript thread (the main one and each worker) is one
//! core context, as zeromq.js's default context is one libzmq context for the process: an
//! inproc endpoint bound in one thread is reachable from the others. When a thread ends,
//! the sockets it made are closed (their LINGER goes on in the I/O threads); the last
//! thread to end closes the context and waits for what was queued (`deliver_at_exit`).

use std::sync::{Arc, Mutex, MutexGuard, Weak};

use crate::reactor::SockEntry;

struct Shared {
    ctx: ferromq::Context,
    /// Threads whose default context this is.
    users: usize,
}

static SHARED: Mutex<Option<Shared>> = Mutex::new(None);

fn shared() -> MutexGuard<'static, Option<Shared>> {
    SHARED.lock().unwrap_or_else(|e| e.into_inner())
}

/// The process's shared context for one more thread (made with `io_threads` by the first).
pub fn join(io_threads: usize) -> ferromq::Result<ferromq::Context> {
    let mut shared = shared();
    if let Some(entry) = shared.as_mut() {
        entry.users += 1;
        return Ok(entry.ctx.clone());
    }
    let ctx = ferromq::Context::with_io_threads(io_threads)?;
    *shared = Some(Shared {
        ctx: ctx.clone(),
        users: 1,
    });
    Ok(ctx)
}

/// The sockets one thread made in a context, to close when the thread ends.
#[derive(Clone, Default)]
pub struct ThreadSockets(Arc<Mutex<Vec<Weak<SockEntry>>>>);

impl ThreadSockets {
    pub fn add(&self, entry: &Arc<SockEntry>) {
        let mut list = self.0.lock().unwrap_or_else(|e| e.into_inner());
        list.retain(|weak| weak.strong_count() > 0);
        list.push(Arc::downgrade(entry));
    }

    fn close_all(&self) {
        let list = std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()));
        for entry in list.iter().filter_map(Weak::upgrade) {
            entry.socket.close();
        }
    }
}

/// A thread that used the shared context ends: its sockets close; if it was the last user,
/// the context is closed as a thread's own context would be.
pub fn leave(sockets: ThreadSockets) {
    sockets.close_all();
    let last = {
        let mut shared = shared();
        match shared.as_mut() {
            Some(entry) if entry.users > 1 => {
                entry.users -= 1;
                None
            }
            _ => shared.take().map(|entry| entry.ctx),
        }
    };
    if let Some(ctx) = last {
        crate::deliver_at_exit(ctx);
    }
}
