//! The endpoints a socket has bound or connected, for unbind/disconnect.

use crate::engine::ipc::IpcFile;
use crate::engine::link::ShutdownSender;
use crate::engine::listener::ListenerStop;
use crate::transport::inproc::{InprocBinding, InprocConnection};

pub(crate) enum Direction {
    Bound,
    Connected,
}

/// What keeps an endpoint alive. Dropping it (unbind, disconnect, socket close) ends it.
#[allow(dead_code)] // The fields are held only for what their Drop does.
pub(crate) enum EndpointHandle {
    /// A TCP/ipc connecting session: dropping the sender stops its tasks.
    Task(ShutdownSender),
    /// A TCP listener: dropping it closes the listening socket before returning.
    Listener(ListenerStop),
    /// An ipc listener, and the socket file it created (removed on drop after the listener
    /// closed, synchronously, so the path can be bound again at once).
    IpcListener(ListenerStop, Option<IpcFile>),
    /// An inproc name: dropping it frees the name.
    InprocBound(InprocBinding),
    /// An inproc connection: dropping it cuts the pipe.
    InprocConnected(InprocConnection),
}

pub(crate) struct EndpointEntry {
    /// What the user passed to bind/connect.
    pub requested: String,
    /// What LAST_ENDPOINT reports (wildcards and port `*` resolved).
    pub resolved: String,
    pub direction: Direction,
    pub _handle: EndpointHandle,
}

#[derive(Default)]
pub(crate) struct Endpoints {
    entries: Vec<EndpointEntry>,
}

impl Endpoints {
    pub(crate) fn add(&mut self, entry: EndpointEntry) {
        self.entries.push(entry);
    }

    /// Removes every entry matching `endpoint` in `direction`; returns how many.
    pub(crate) fn remove(&mut self, endpoint: &str, bound: bool) -> usize {
        let before = self.entries.len();
        self.entries.retain(|e| {
            let same_direction = matches!(e.direction, Direction::Bound) == bound;
            !(same_direction && (e.requested == endpoint || e.resolved == endpoint))
        });
        before - self.entries.len()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}
