//! The peer pipes of a socket type that reads fair-queued and/or writes load-balanced
//! (DEALER, PAIR, REQ, REP, PUSH, PULL, ROUTER, XSUB), with the read-ahead `can_recv` needs.
//!
//! The socket types keep only what is theirs: envelopes, state machines, options. What they
//! all did the same way lives here once: which helper sees which pipe event, and how a
//! message read by `can_recv` is kept for the next `recv`. It is all generic (no dyn, no
//! boxing), so it compiles to what the hand-written copies did.

use std::mem::MaybeUninit;

use super::fair_queue::FairQueue;
use super::load_balancer::LoadBalancer;
use super::pipes::Pipes;
use crate::error::{Error, Result};
use crate::message::Message;
use crate::pipe::{PipeEnd, PipeId};

/// `T`: the per-pipe data (see [`Pipes`]). `M`: what a received message becomes for the
/// user (REP reads ahead a whole request, envelope split off).
pub(crate) struct Peers<T = (), M = Message> {
    pipes: Pipes<T>,
    fq: FairQueue,
    lb: LoadBalancer,
    /// Accepted by `can_recv`, handed out by the next receive.
    read_ahead: Option<M>,
    /// The pipe `read_ahead` came from.
    read_ahead_from: Option<PipeId>,
    /// The pipe the item last received came from.
    last_from: Option<PipeId>,
}

impl<T, M> Peers<T, M> {
    pub(crate) fn new() -> Self {
        Peers {
            pipes: Pipes::new(),
            fq: FairQueue::new(),
            lb: LoadBalancer::new(),
            read_ahead: None,
            read_ahead_from: None,
            last_from: None,
        }
    }

    /// Adds a pipe that is both read (fair-queued) and written (load-balanced).
    pub(crate) fn attach(&mut self, pipe: PipeEnd, data: T) -> PipeId {
        let id = self.pipes.insert(pipe, data);
        self.fq.attach(id);
        self.lb.attach(id);
        id
    }

    /// Adds a pipe that is read (fair-queued) but not load-balanced: the socket type sends
    /// nothing, or sends to pipes it names (REP's replies).
    pub(crate) fn attach_inbound(&mut self, pipe: PipeEnd, data: T) -> PipeId {
        let id = self.pipes.insert(pipe, data);
        self.fq.attach(id);
        id
    }

    /// Adds a pipe that is load-balanced but never read: what its peer sends is ignored.
    pub(crate) fn attach_outbound(&mut self, pipe: PipeEnd, data: T) -> PipeId {
        let id = self.pipes.insert(pipe, data);
        self.lb.attach(id);
        id
    }

    /// Adds a pipe that is neither read nor written until `start_reading` (ROUTER: until
    /// its peer is known).
    pub(crate) fn insert(&mut self, pipe: PipeEnd, data: T) -> PipeId {
        self.pipes.insert(pipe, data)
    }

    pub(crate) fn start_reading(&mut self, id: PipeId) {
        self.fq.attach(id);
    }

    pub(crate) fn pipes(&self) -> &Pipes<T> {
        &self.pipes
    }

    pub(crate) fn pipes_mut(&mut self) -> &mut Pipes<T> {
        &mut self.pipes
    }

    pub(crate) fn readable(&mut self, id: PipeId) {
        self.fq.readable(id);
    }

    pub(crate) fn writable(&mut self, id: PipeId) {
        self.lb.writable(id);
    }

    /// The peer of `id` closed: nothing more is written to it; what it sent is still read
    /// (if it is read at all), then it is dropped.
    pub(crate) fn closed(&mut self, id: PipeId) {
        self.lb.remove(id);
        // A disconnect by this socket drops what it had not read, the read-ahead included.
        if self.read_ahead_from == Some(id)
            && self.pipes.pipe(id).is_some_and(|p| p.is_unread_dropped())
        {
            self.discard_read_ahead();
        }
        // Also drops a pipe that is not read (outbound only, or not started) right away.
        self.fq.closed(&mut self.pipes, id);
    }

    /// Sends `msg` to the next pipe with room and returns that pipe, or hands the message
    /// back if none has room.
    #[inline(always)]
    pub(crate) fn send(&mut self, msg: Message) -> Result<PipeId, Message> {
        self.lb.send(&mut self.pipes, msg)
    }

    /// Whether `send` could succeed now.
    pub(crate) fn can_send(&mut self) -> bool {
        self.lb.can_send(&mut self.pipes)
    }

    /// The read-ahead item if there is one, else the first message in fair order that
    /// `accept` turns into one; the messages it refuses (`None`) are dropped.
    #[inline]
    pub(crate) fn recv_with(
        &mut self,
        mut accept: impl FnMut(&Pipes<T>, PipeId, Message) -> Option<M>,
    ) -> Option<M> {
        if let Some(item) = self.read_ahead.take() {
            self.last_from = self.read_ahead_from;
            return Some(item);
        }
        while let Some((pipe, msg)) = self.fq.recv(&mut self.pipes) {
            self.last_from = Some(pipe);
            if let Some(item) = accept(&self.pipes, pipe, msg) {
                return Some(item);
            }
        }
        None
    }

    /// Whether a receive would get an item now: reads one ahead (with `accept`, as
    /// `recv_with`) and keeps it for the next receive.
    pub(crate) fn can_recv_with(
        &mut self,
        accept: impl FnMut(&Pipes<T>, PipeId, Message) -> Option<M>,
    ) -> bool {
        if self.read_ahead.is_none() {
            let mut from = None;
            let mut accept = accept;
            self.read_ahead = self.recv_with(|pipes, pipe, msg| {
                from = Some(pipe);
                accept(pipes, pipe, msg)
            });
            self.read_ahead_from = from;
        }
        self.read_ahead.is_some()
    }

    /// The pipe the item last received came from.
    pub(crate) fn last_recv_pipe(&self) -> Option<PipeId> {
        self.last_from
    }

    /// Forgets the read-ahead item (REQ_RELAXED: the reply to an abandoned request).
    pub(crate) fn discard_read_ahead(&mut self) {
        self.read_ahead = None;
        self.read_ahead_from = None;
    }

    /// Closes and forgets every pipe (socket close), and the read-ahead item.
    pub(crate) fn close_all(&mut self) {
        self.pipes.close_all();
        self.fq.clear();
        self.lb.clear();
        self.read_ahead = None;
    }
}

impl<T> Peers<T, Message> {
    /// The next message as it came, or EAGAIN.
    #[inline]
    pub(crate) fn recv(&mut self) -> Result<Message> {
        self.recv_with(|_, _, msg| Some(msg))
            .ok_or_else(Error::again)
    }

    pub(crate) fn can_recv(&mut self) -> bool {
        self.can_recv_with(|_, _, msg| Some(msg))
    }

    /// [`recv`](Self::recv) into `slot`, where the message is built (initialised on `Ok`).
    pub(crate) fn recv_into(&mut self, slot: &mut MaybeUninit<Message>) -> Result<()> {
        if let Some(msg) = self.read_ahead.take() {
            self.last_from = self.read_ahead_from;
            slot.write(msg);
            return Ok(());
        }
        match self.fq.recv_into(&mut self.pipes, slot) {
            Some(pipe) => {
                self.last_from = Some(pipe);
                Ok(())
            }
            None => Err(Error::again()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::socket::patterns::test_util::*;

    #[test]
    fn can_recv_keeps_what_it_read_for_the_next_recv() {
        let mut peers: Peers = Peers::new();
        let (mine, mut theirs) = task_pipe(10);
        let id = peers.attach_inbound(mine, ());
        assert!(!peers.can_recv());
        theirs.send(msg(&[b"1"])).unwrap();
        theirs.send(msg(&[b"2"])).unwrap();
        peers.readable(id);
        assert!(peers.can_recv());
        assert!(peers.can_recv(), "still the same message");
        assert_eq!(peers.recv().unwrap(), msg(&[b"1"]));
        assert_eq!(peers.recv().unwrap(), msg(&[b"2"]));
        assert_eq!(peers.recv().unwrap_err().kind(), ErrorKind::Again);
    }

    #[test]
    fn refused_messages_are_dropped_and_read_ahead_can_be_discarded() {
        let mut peers: Peers<(), usize> = Peers::new();
        let (mine, mut theirs) = task_pipe(10);
        peers.attach(mine, ());
        for m in [&b""[..], b"ab", b"abc"] {
            theirs.send(msg(&[m])).unwrap();
        }
        let nonempty = |_: &Pipes, _, m: Message| Some(m.frames()[0].len()).filter(|&n| n > 0);
        assert!(peers.can_recv_with(nonempty));
        peers.discard_read_ahead();
        assert_eq!(peers.recv_with(nonempty), Some(3));
        assert_eq!(peers.recv_with(nonempty), None);
    }

    #[test]
    fn outbound_pipe_is_dropped_at_close_unread() {
        let mut peers: Peers = Peers::new();
        let (mine, mut theirs) = task_pipe(10);
        let id = peers.attach_outbound(mine, ());
        theirs.send(msg(&[b"ignored"])).unwrap();
        theirs.close();
        peers.closed(id);
        assert!(!peers.pipes().contains(id));
        assert!(peers.send(msg(&[b"x"])).is_err());
    }
}
