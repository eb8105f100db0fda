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

/// Slots in a vector, found by id through a map, with the last slot used remembered: the
/// routing helpers look a pipe up on every message, usually the same one as last time.
pub(crate) struct Pipes<T = ()> {
    slots: Vec<Slot<T>>,
    index: IdMap<PipeId, usize>,
    last: usize,
}

impl<T> Default for Pipes<T> {
    fn default() -> Self {
        Pipes {
            slots: Vec::new(),
            index: IdMap::default(),
            last: 0,
        }
    }
}

impl<T> Pipes<T> {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn insert(&mut self, pipe: PipeEnd, data: T) -> PipeId {
        let id = pipe.id();
        if let Some(&at) = self.index.get(&id) {
            self.slots[at] = Slot { pipe, data };
        } else {
            self.index.insert(id, self.slots.len());
            self.slots.push(Slot { pipe, data });
        }
        id
    }

    fn position(&self, id: PipeId) -> Option<usize> {
        match self.slots.get(self.last) {
            Some(slot) if slot.pipe.id() == id => Some(self.last),
            _ => self.index.get(&id).copied(),
        }
    }

    pub(crate) fn contains(&self, id: PipeId) -> bool {
        self.index.contains_key(&id)
    }

    pub(crate) fn pipe(&self, id: PipeId) -> Option<&PipeEnd> {
        self.position(id).map(|at| &self.slots[at].pipe)
    }

    pub(crate) fn pipe_mut(&mut self, id: PipeId) -> Option<&mut PipeEnd> {
        let at = self.position(id)?;
        self.last = at;
        Some(&mut self.slots[at].pipe)
    }

    pub(crate) fn data(&self, id: PipeId) -> Option<&T> {
        self.position(id).map(|at| &self.slots[at].data)
    }

    pub(crate) fn data_mut(&mut self, id: PipeId) -> Option<&mut T> {
        let at = self.position(id)?;
        Some(&mut self.slots[at].data)
    }

    /// Closes and forgets a pipe, giving back its data.
    pub(crate) fn remove(&mut self, id: PipeId) -> Option<T> {
        let at = self.index.remove(&id)?;
        let mut slot = self.slots.swap_remove(at);
        if let Some(moved) = self.slots.get(at) {
            self.index.insert(moved.pipe.id(), at);
        }
        slot.pipe.close();
        Some(slot.data)
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (PipeId, &mut PipeEnd, &mut T)> {
        self.slots
            .iter_mut()
            .map(|slot| (slot.pipe.id(), &mut slot.pipe, &mut slot.data))
    }

    pub(crate) fn close_all(&mut self) {
        self.index.clear();
        for mut slot in self.slots.drain(..) {
            slot.pipe.close();
        }
    }
}
