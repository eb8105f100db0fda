//! PUB/XPUB fan-out: a message goes to every pipe whose subscriptions match its topic (or,
//! with INVERT_MATCHING, to every pipe whose subscriptions do not).
//!
//! Publishing never blocks: a pipe at its HWM misses the message (RFC 29). XPUB_NODROP asks
//! first whether every selected pipe has room, and the socket waits otherwise.

use super::fast_hash::IdMap;
use super::pipes::Pipes;
use super::subscriptions::Subscriptions;
use crate::message::Message;
use crate::pipe::PipeId;

struct Member {
    id: PipeId,
    /// The selection round this pipe was last selected in; dedups a pipe that matches
    /// through several prefixes without clearing anything between rounds.
    round: u64,
}

#[derive(Default)]
pub(crate) struct Distributor {
    members: Vec<Member>,
    index: IdMap<PipeId, usize>,
    /// The pipes chosen by the last `select`.
    selected: Vec<PipeId>,
    round: u64,
}

impl Distributor {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn attach(&mut self, id: PipeId) {
        if self.index.contains_key(&id) {
            return;
        }
        self.index.insert(id, self.members.len());
        self.members.push(Member { id, round: 0 });
    }

    pub(crate) fn remove(&mut self, id: PipeId) {
        let Some(pos) = self.index.remove(&id) else {
            return;
        };
        self.members.swap_remove(pos);
        if let Some(moved) = self.members.get(pos) {
            self.index.insert(moved.id, pos);
        }
        self.selected.retain(|&p| p != id);
    }

    /// Chooses the pipes a message with `topic` goes to.
    pub(crate) fn select(&mut self, subscriptions: &Subscriptions, topic: &[u8], invert: bool) {
        self.round += 1;
        let round = self.round;
        self.selected.clear();
        let (members, index, selected) = (&mut self.members, &self.index, &mut self.selected);
        subscriptions.for_each_match(topic, |pipe| {
            if let Some(&pos) = index.get(&pipe) {
                let member = &mut members[pos];
                if member.round != round {
                    member.round = round;
                    if !invert {
                        selected.push(pipe);
                    }
                }
            }
        });
        if invert {
            selected.extend(members.iter().filter(|m| m.round != round).map(|m| m.id));
        }
    }

    /// Whether every selected pipe can take a message now. Full ones are armed, so the socket
    /// hears when they drain (XPUB_NODROP). Pipes whose peer closed do not count.
    pub(crate) fn selected_have_room<T>(&self, pipes: &mut Pipes<T>) -> bool {
        for &id in &self.selected {
            let Some(pipe) = pipes.pipe_mut(id) else {
                continue;
            };
            while !pipe.is_writable() && !pipe.is_peer_closed() {
                if !pipe.arm_writable() {
                    return false;
                }
            }
        }
        true
    }

    /// Writes `msg` to every selected pipe; a pipe at its HWM misses it. Returns how many
    /// pipes got it.
    pub(crate) fn send_selected<T>(&mut self, pipes: &mut Pipes<T>, msg: Message) -> usize {
        let mut delivered = 0;
        let mut msg = Some(msg);
        let count = self.selected.len();
        for (i, &id) in self.selected.iter().enumerate() {
            let Some(pipe) = pipes.pipe_mut(id) else {
                continue;
            };
            // The last pipe gets the message itself, the others a copy (frames are shared or
            // small, so a copy is cheap).
            let copy = if i + 1 == count {
                msg.take()
            } else {
                msg.clone()
            };
            if let Some(copy) = copy {
                if pipe.send(copy).is_ok() {
                    delivered += 1;
                }
            }
        }
        delivered
    }

    #[cfg(test)]
    pub(crate) fn selected(&self) -> &[PipeId] {
        &self.selected
    }

    pub(crate) fn clear(&mut self) {
        self.members.clear();
        self.index.clear();
        self.selected.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_dedups_and_inverts() {
        let mut subs = Subscriptions::new();
        let mut dist = Distributor::new();
        for id in 1..=3 {
            dist.attach(id);
        }
        subs.add(b"a", 1);
        subs.add(b"ab", 1);
        subs.add(b"ab", 2);
        dist.select(&subs, b"abc", false);
        let mut chosen = dist.selected().to_vec();
        chosen.sort_unstable();
        assert_eq!(chosen, [1, 2], "pipe 1 matches twice but is chosen once");
        dist.select(&subs, b"abc", true);
        assert_eq!(dist.selected(), [3]);
        dist.remove(1);
        dist.select(&subs, b"abc", false);
        assert_eq!(dist.selected(), [2]);
        dist.select(&subs, b"zzz", true);
        let mut chosen = dist.selected().to_vec();
        chosen.sort_unstable();
        assert_eq!(chosen, [2, 3]);
    }
}
