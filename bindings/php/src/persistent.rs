//! php-zmq's persistent contexts and sockets: kept by the process across requests (php-fpm
//! serves many requests per worker), found again by their key. A persistent context is
//! keyed by its I/O thread count (or is the one `ZMQContext::acquire()` shares); a
//! persistent socket by its context's key, its type and the user's persistent id. Entries made before a fork are stale in the child (fork.rs) and
//! are replaced. At module shutdown the sockets are closed, then the contexts terminated,
//! which delivers what they still queue (within LINGER), as libzmq's zmq_term does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::context::SharedContext;
use crate::socket::SharedSocket;

/// Which persistent context.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContextKey {
    /// `new ZMQContext($io_threads, true)`.
    IoThreads(i64),
    /// `ZMQContext::acquire()`.
    Shared,
}

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SocketKey {
    pub context: ContextKey,
    pub socket_type: i64,
    pub persistent_id: String,
}

static CONTEXTS: Mutex<Option<HashMap<ContextKey, Arc<SharedContext>>>> = Mutex::new(None);
static SOCKETS: Mutex<Option<HashMap<SocketKey, Arc<SharedSocket>>>> = Mutex::new(None);

fn locked<K, V>(
    map: &'static Mutex<Option<HashMap<K, V>>>,
) -> MutexGuard<'static, Option<HashMap<K, V>>> {
    map.lock().unwrap_or_else(|e| e.into_inner())
}

/// The persistent context under `key`, made by `make` if there is none (or only one
/// inherited through a fork).
pub fn context<E>(
    key: ContextKey,
    make: impl FnOnce() -> Result<Arc<SharedContext>, E>,
) -> Result<Arc<SharedContext>, E> {
    let mut contexts = locked(&CONTEXTS);
    let contexts = contexts.get_or_insert_with(HashMap::new);
    if let Some(found) = contexts.get(&key) {
        if found.is_from_this_process() {
            return Ok(found.clone());
        }
    }
    let made = make()?;
    contexts.insert(key, made.clone());
    Ok(made)
}

/// The persistent socket under `key`, unless it was inherited through a fork.
pub fn socket(key: &SocketKey) -> Option<Arc<SharedSocket>> {
    let sockets = locked(&SOCKETS);
    sockets
        .as_ref()?
        .get(key)
        .filter(|socket| socket.is_from_this_process())
        .cloned()
}

pub fn keep_socket(key: SocketKey, socket: Arc<SharedSocket>) {
    locked(&SOCKETS)
        .get_or_insert_with(HashMap::new)
        .insert(key, socket);
}

/// Module shutdown: sockets first (they hold their contexts), then contexts, whose last
/// reference going waits for their queued messages.
pub fn release_all() {
    let sockets = locked(&SOCKETS).take();
    drop(sockets);
    let contexts = locked(&CONTEXTS).take();
    drop(contexts);
}
