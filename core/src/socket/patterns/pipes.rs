//! The pipes a pattern owns, by id, each with a little per-pipe state of the pattern's
//! choosing (a routing id, a "peer ready" flag…).
//!
//! The routing helpers (fair queue, load balancer, distributor) hold only ids and look pipes
//! up here. So several of them can share a pipe, and a pipe removed here (because it was
//! drained after its peer closed) is simply skipped, and forgotten, by the others.

use super::fast_hash::IdMap;
use crate::pipe::{PipeEnd, PipeId};

struct Slot<T> {
    pipe: PipeEnd,
    data: T,
}

pub(crate) struct Pipes<T = ()> {
    map: IdMap<PipeId, Slot<T>>,
}

impl<T> Default for Pipes<T> {
    fn default() -> Self {
        Pipes {
            map: IdMap::default(),
        }
    }
}

impl<T> Pipes<T> {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn insert(&mut self, pipe: PipeEnd, data: T) -> PipeId {
        let id = pipe.id();
        self.map.insert(id, Slot { pipe, data });
        id
    }

    pub(crate) fn contains(&self, id: PipeId) -> bool {
        self.map.contains_key(&id)
    }

    pub(crate) fn pipe(&self, id: PipeId) -> Option<&PipeEnd> {
        self.map.get(&id).map(|slot| &slot.pipe)
    }

    pub(crate) fn pipe_mut(&mut self, id: PipeId) -> Option<&mut PipeEnd> {
        self.map.get_mut(&id).map(|slot| &mut slot.pipe)
    }

    pub(crate) fn data(&self, id: PipeId) -> Option<&T> {
        self.map.get(&id).map(|slot| &slot.data)
    }

    pub(crate) fn data_mut(&mut self, id: PipeId) -> Option<&mut T> {
        self.map.get_mut(&id).map(|slot| &mut slot.data)
    }

    /// Removes and closes the pipe (the other end sees the close after what was queued).
    pub(crate) fn remove(&mut self, id: PipeId) -> Option<T> {
        let mut slot = self.map.remove(&id)?;
        slot.pipe.close();
        Some(slot.data)
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (PipeId, &mut PipeEnd, &mut T)> {
        self.map
            .iter_mut()
            .map(|(id, slot)| (*id, &mut slot.pipe, &mut slot.data))
    }

    /// Closes and forgets every pipe (socket close).
    pub(crate) fn close_all(&mut self) {
        for (_, mut slot) in self.map.drain() {
            slot.pipe.close();
        }
    }
}
