//! The endpoints a socket has bound or connected, for unbind/disconnect.

use crate::engine::link::ShutdownSender;

pub(crate) enum Direction {
    Bound,
    Connected,
}

pub(crate) struct EndpointEntry {
    /// What the user passed to bind/connect.
    pub requested: String,
    /// What LAST_ENDPOINT reports (wildcards and port `*` resolved).
    pub resolved: String,
    pub direction: Direction,
    /// Dropping it stops the endpoint's I/O tasks.
    pub _shutdown: ShutdownSender,
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
