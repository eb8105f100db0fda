//! Fair-queued input (RFC 28/30/31): one message from each pipe that has some, in turn, so a
//! busy peer cannot starve the others.
//!
//! Only pipes that may hold messages are in the rotation. A pipe found empty is armed with
//! `arm_readable()` and leaves the rotation until its `readable` event, so a message costs
//! O(1) however many pipes are idle. A pipe whose peer closed is still read until it is
//! drained, then removed from the pipe set.

use std::collections::VecDeque;
use std::mem::MaybeUninit;

use super::fast_hash::IdMap;
use super::pipes::Pipes;
use crate::message::Message;
use crate::pipe::{PipeEnd, PipeId};

#[derive(Default)]
pub(crate) struct FairQueue {
    /// Pipes that may hold messages, in turn order; each at most once.
    active: VecDeque<PipeId>,
    /// Every pipe in the queue: true if it is in `active`, false if it is armed and waits for
    /// its `readable` event.
    members: IdMap<PipeId, bool>,
}

impl FairQueue {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds a pipe; it is read at its next turn.
    pub(crate) fn attach(&mut self, id: PipeId) {
        if self.members.insert(id, true) != Some(true) {
            self.active.push_back(id);
        }
    }

    pub(crate) fn contains(&self, id: PipeId) -> bool {
        self.members.contains_key(&id)
    }

    /// The pipe got messages after it had been found empty.
    pub(crate) fn readable(&mut self, id: PipeId) {
        if let Some(active) = self.members.get_mut(&id) {
            if !*active {
                *active = true;
                self.active.push_back(id);
            }
        }
    }

    /// The peer of `id` closed: what it sent is still delivered, then the pipe is dropped. A
    /// pipe that is not in the queue, or already drained, is removed from `pipes` now.
    pub(crate) fn closed<T>(&mut self, pipes: &mut Pipes<T>, id: PipeId) {
        let drained = pipes.pipe(id).is_none_or(|pipe| pipe.is_peer_finished());
        if !self.contains(id) || drained {
            self.remove(id);
            pipes.remove(id);
        } else {
            // Its close produced no readable event: put it back in the rotation to drain it.
            self.readable(id);
        }
    }

    /// Forgets a pipe (O(pipes), but only on removal).
    pub(crate) fn remove(&mut self, id: PipeId) {
        if self.members.remove(&id) == Some(true) {
            self.active.retain(|&p| p != id);
        }
    }

    /// The next message in fair order, with the pipe it came from.
    pub(crate) fn recv<T>(&mut self, pipes: &mut Pipes<T>) -> Option<(PipeId, Message)> {
        self.next_from(pipes, PipeEnd::read)
    }

    /// [`recv`](Self::recv) into `slot`, where the message is built (see
    /// `PipeEnd::read_into`); the pipe it came from, if one came.
    pub(crate) fn recv_into<T>(
        &mut self,
        pipes: &mut Pipes<T>,
        slot: &mut MaybeUninit<Message>,
    ) -> Option<PipeId> {
        self.next_from(pipes, |pipe| pipe.read_into(slot).then_some(()))
            .map(|(id, ())| id)
    }

    /// What `read` gives from the next pipe in fair order that has something, with the
    /// pipe's id; arms and drops pipes that have nothing on the way.
    #[inline(always)]
    fn next_from<T, R>(
        &mut self,
        pipes: &mut Pipes<T>,
        mut read: impl FnMut(&mut PipeEnd) -> Option<R>,
    ) -> Option<(PipeId, R)> {
        while let Some(&id) = self.active.front() {
            let Some(pipe) = pipes.pipe_mut(id) else {
                // Removed from the set by someone else: forget it.
                self.active.pop_front();
                self.members.remove(&id);
                continue;
            };
            if let Some(got) = read(pipe) {
                // Next turn goes to the next pipe (nothing to do for the usual single pipe;
                // pop/push is cheaper than the generic rotate on this per-message path).
                if self.active.len() > 1 {
                    self.active.pop_front();
                    self.active.push_back(id);
                }
                return Some((id, got));
            }
            if pipe.is_peer_finished() {
                self.active.pop_front();
                self.members.remove(&id);
                pipes.remove(id);
                continue;
            }
            if !pipe.arm_readable() {
                self.active.pop_front();
                self.members.insert(id, false);
            }
            // Otherwise a message (or the close) arrived while arming: read it again.
        }
        None
    }

    pub(crate) fn clear(&mut self) {
        self.active.clear();
        self.members.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket::patterns::test_util::*;

    #[test]
    fn round_robin_across_three_pipes() {
        let mut pipes = Pipes::new();
        let mut fq = FairQueue::new();
        let mut peers = Vec::new();
        for name in [b'A', b'B', b'C'] {
            let (mine, mut theirs) = task_pipe(10);
            theirs.send(msg(&[&[name, b'1']])).unwrap();
            theirs.send(msg(&[&[name, b'2']])).unwrap();
            fq.attach(pipes.insert(mine, ()));
            peers.push(theirs);
        }
        let order: Vec<Vec<u8>> = std::iter::from_fn(|| fq.recv(&mut pipes))
            .map(|(_, m)| m.frames()[0].to_vec())
            .collect();
        assert_eq!(order, [b"A1", b"B1", b"C1", b"A2", b"B2", b"C2"]);
        assert!(
            fq.active.is_empty(),
            "every drained pipe is armed and out of the rotation"
        );
    }

    #[test]
    fn idle_pipe_comes_back_on_readable() {
        let mut pipes = Pipes::new();
        let mut fq = FairQueue::new();
        let (mine, mut theirs) = task_pipe(10);
        let id = pipes.insert(mine, ());
        fq.attach(id);
        assert!(fq.recv(&mut pipes).is_none());
        theirs.send(msg(&[b"x"])).unwrap();
        assert!(fq.recv(&mut pipes).is_none(), "armed pipes are not polled");
        fq.readable(id);
        assert_eq!(fq.recv(&mut pipes).unwrap().0, id);
    }

    #[test]
    fn closed_pipe_is_drained_then_dropped() {
        let mut pipes = Pipes::new();
        let mut fq = FairQueue::new();
        let (mine, mut theirs) = task_pipe(10);
        let id = pipes.insert(mine, ());
        fq.attach(id);
        assert!(fq.recv(&mut pipes).is_none());
        theirs.write(msg(&[b"last"])).unwrap();
        theirs.close();
        fq.closed(&mut pipes, id);
        assert_eq!(fq.recv(&mut pipes).unwrap().1, msg(&[b"last"]));
        assert!(fq.recv(&mut pipes).is_none());
        assert!(!pipes.contains(id));
        assert!(!fq.contains(id));
    }
}
