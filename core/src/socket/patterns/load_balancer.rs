//! Round-robin output (RFC 28/30/31): each message goes to the next pipe that has room.
//!
//! Only pipes believed to have room are in the rotation. A full pipe is armed with
//! `arm_writable()` and parked until its `writable` event, so a send costs O(1) however many
//! pipes are full; when every pipe is full the message is handed back (EAGAIN / block).

use std::collections::VecDeque;

use super::fast_hash::IdMap;
use super::pipes::Pipes;
use crate::message::Message;
use crate::pipe::PipeId;

#[derive(Default)]
pub(crate) struct LoadBalancer {
    /// Pipes believed to have room, in turn order; each at most once.
    active: VecDeque<PipeId>,
    /// Every pipe: true if in `active`, false if parked until `writable`.
    members: IdMap<PipeId, bool>,
}

impl LoadBalancer {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn attach(&mut self, id: PipeId) {
        if self.members.insert(id, true) != Some(true) {
            self.active.push_back(id);
        }
    }

    /// The pipe has room again after it had been found full.
    pub(crate) fn writable(&mut self, id: PipeId) {
        if let Some(active) = self.members.get_mut(&id) {
            if !*active {
                *active = true;
                self.active.push_back(id);
            }
        }
    }

    /// Forgets a pipe (its peer closed; O(pipes), but only on removal).
    pub(crate) fn remove(&mut self, id: PipeId) {
        if self.members.remove(&id) == Some(true) {
            self.active.retain(|&p| p != id);
        }
    }

    fn drop_front(&mut self) {
        if let Some(id) = self.active.pop_front() {
            self.members.remove(&id);
        }
    }

    fn park_front(&mut self) {
        if let Some(id) = self.active.pop_front() {
            self.members.insert(id, false);
        }
    }

    /// Sends `msg` to the next pipe with room and returns that pipe, or hands the message
    /// back if none has room.
    #[inline(always)]
    pub(crate) fn send<T>(
        &mut self,
        pipes: &mut Pipes<T>,
        mut msg: Message,
    ) -> Result<PipeId, Message> {
        while let Some(&id) = self.active.front() {
            let Some(pipe) = pipes.pipe_mut(id) else {
                self.drop_front();
                continue;
            };
            match pipe.send(msg) {
                Ok(()) => {
                    // Round-robin: the next message goes to the next pipe (pop/push is
                    // cheaper than the generic rotate on this per-message path).
                    if self.active.len() > 1 {
                        self.active.pop_front();
                        self.active.push_back(id);
                    }
                    return Ok(id);
                }
                Err(back) => msg = back,
            }
            if pipe.is_peer_closed() {
                // Nobody will read it; the closed event will clean up the rest.
                self.drop_front();
            } else if !pipe.arm_writable() {
                self.park_front();
            }
            // Otherwise room was made while arming: try the same pipe again.
        }
        Err(msg)
    }

    /// Whether a send could succeed now.
    pub(crate) fn can_send<T>(&mut self, pipes: &mut Pipes<T>) -> bool {
        while let Some(&id) = self.active.front() {
            let Some(pipe) = pipes.pipe_mut(id) else {
                self.drop_front();
                continue;
            };
            if pipe.is_writable() {
                return true;
            }
            if pipe.is_peer_closed() {
                self.drop_front();
            } else if !pipe.arm_writable() {
                self.park_front();
            }
        }
        false
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
    fn round_robin_skips_full_pipes_until_writable() {
        let mut pipes = Pipes::new();
        let mut lb = LoadBalancer::new();
        let mut peers = Vec::new();
        for _ in 0..3 {
            let (mine, theirs) = task_pipe(1);
            lb.attach(pipes.insert(mine, ()));
            peers.push(theirs);
        }
        for i in 0..3u8 {
            lb.send(&mut pipes, msg(&[&[i]])).unwrap();
        }
        for (i, peer) in peers.iter_mut().enumerate() {
            assert_eq!(peer.read().unwrap().frames()[0], &[i as u8][..]);
        }
        // Fill pipes 0 and 2 and read 1 back: only pipe 1 has room.
        let ids: Vec<PipeId> = lb.active.iter().copied().collect();
        lb.send(&mut pipes, msg(&[b"a"])).unwrap();
        assert_eq!(peers[0].read().unwrap(), msg(&[b"a"]));
        let back = lb.send(&mut pipes, msg(&[b"b"])).unwrap();
        assert_eq!(back, ids[1]);
        lb.send(&mut pipes, msg(&[b"c"])).unwrap();
        // Pipe 0 has room again (we read its message), 1 and 2 are full.
        assert_eq!(lb.send(&mut pipes, msg(&[b"d"])).unwrap(), ids[0]);
        assert!(
            lb.send(&mut pipes, msg(&[b"e"])).is_err(),
            "all full: handed back"
        );
        assert!(!lb.can_send(&mut pipes));
        assert!(lb.active.is_empty());
        peers[2].read().unwrap();
        lb.writable(ids[2]);
        assert_eq!(lb.send(&mut pipes, msg(&[b"f"])).unwrap(), ids[2]);
    }

    #[test]
    fn closed_peer_is_dropped() {
        let mut pipes = Pipes::new();
        let mut lb = LoadBalancer::new();
        let (mine, mut theirs) = task_pipe(1);
        lb.attach(pipes.insert(mine, ()));
        theirs.close();
        assert!(lb.send(&mut pipes, msg(&[b"x"])).is_err());
        assert!(lb.members.is_empty());
    }
}
