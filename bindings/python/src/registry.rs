//! Integer handles for `Socket.underlying` / `Context.underlying` and `shadow(handle)`.
//!
//! pyzmq hands out the address of the libzmq object, and `shadow(address)` trusts it (a
//! stale or wrong address crashes the process). FerroMQ hands out a number instead: a key
//! into a process-wide table of *weak* references. `shadow(handle)` makes a second Python
//! object over the same native socket or context, holding it alive on its own; a handle
//! whose object is gone (or, for a socket, closed) or that was never issued raises
//! `ZMQError` (ENOTSOCK / EFAULT). Handles are never reused, so a stale one cannot reach
//! another object.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

use ferromq::{Context, Socket};

/// The first handle: far from small integers (socket types, option numbers), so a mix-up
/// fails instead of finding something.
const FIRST_HANDLE: u64 = 0x00F3_0000_0001;

static NEXT: AtomicU64 = AtomicU64::new(FIRST_HANDLE);

/// A new handle, never issued before in this process.
pub fn new_handle() -> u64 {
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A table from handles to weak references, pruned of dead entries as it grows.
struct Table<T> {
    entries: HashMap<u64, T>,
    /// Prune when the table reaches this size.
    prune_at: usize,
}

trait Live {
    fn live(&self) -> bool;
}

impl<T: Live> Table<T> {
    fn insert(&mut self, handle: u64, entry: T) {
        if self.entries.len() >= self.prune_at {
            self.entries.retain(|_, e| e.live());
            self.prune_at = (self.entries.len() * 2).max(64);
        }
        self.entries.insert(handle, entry);
    }
}

fn table<T>(cell: &'static OnceLock<Mutex<Table<T>>>) -> MutexGuard<'static, Table<T>> {
    cell.get_or_init(|| {
        Mutex::new(Table {
            entries: HashMap::new(),
            prune_at: 64,
        })
    })
    .lock()
    .unwrap_or_else(|e| e.into_inner())
}

pub struct SocketEntry {
    socket: Weak<Socket>,
    /// The handle of the context the socket was made in.
    context: u64,
}

// Liveness never upgrades: a temporary strong reference dropped under the table's lock
// could be the last one, and dropping a socket or context may wait (LINGER).
impl Live for SocketEntry {
    fn live(&self) -> bool {
        self.socket.strong_count() > 0
    }
}

impl Live for Weak<Context> {
    fn live(&self) -> bool {
        self.strong_count() > 0
    }
}

static SOCKETS: OnceLock<Mutex<Table<SocketEntry>>> = OnceLock::new();
static CONTEXTS: OnceLock<Mutex<Table<Weak<Context>>>> = OnceLock::new();

pub fn register_socket(handle: u64, socket: &Arc<Socket>, context: u64) {
    table(&SOCKETS).insert(
        handle,
        SocketEntry {
            socket: Arc::downgrade(socket),
            context,
        },
    );
}

/// Forgets a socket's handle (it was closed).
pub fn unregister_socket(handle: u64) {
    table(&SOCKETS).entries.remove(&handle);
}

/// The open socket behind `handle` and its context's handle.
pub fn socket(handle: u64) -> Option<(Arc<Socket>, u64)> {
    let found = {
        let sockets = table(&SOCKETS);
        let entry = sockets.entries.get(&handle)?;
        (entry.socket.upgrade(), entry.context)
    };
    // Outside the lock: dropping `socket` here may be the last reference.
    match found {
        (Some(socket), context) if !socket.is_closed() => Some((socket, context)),
        _ => {
            unregister_socket(handle);
            None
        }
    }
}

pub fn register_context(handle: u64, context: &Arc<Context>) {
    table(&CONTEXTS).insert(handle, Arc::downgrade(context));
}

/// The context behind `handle`, if any Python object still holds it.
pub fn context(handle: u64) -> Option<Arc<Context>> {
    let mut contexts = table(&CONTEXTS);
    let found = contexts.entries.get(&handle)?.upgrade();
    if found.is_none() {
        contexts.entries.remove(&handle);
    }
    // Returned, not dropped, under the lock.
    found
}
