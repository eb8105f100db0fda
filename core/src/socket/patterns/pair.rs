//! PAIR (RFC 31): an exclusive connection to one peer. A second pipe is closed at once; once
//! the peer's pipe closes, a new one is accepted.

use std::mem::MaybeUninit;

use super::peers::Peers;
use crate::error::Result;
use crate::message::Message;
use crate::pipe::{PipeEnd, PipeId};
use crate::signal::PeerIdentity;
use crate::socket::pattern::{Pattern, SendError};

pub(crate) struct Pair {
    // With at most one live pipe its fair queue and load balancer are trivial, but they hold
    // the arm/park logic.
    peers: Peers,
    /// The peer's pipe; None until one attaches and after it closed. (A closed pipe may still
    /// be in `peers`, being drained.)
    current: Option<PipeId>,
}

impl Pair {
    pub(crate) fn new() -> Self {
        Pair {
            peers: Peers::new(),
            current: None,
        }
    }
}

impl Pattern for Pair {
    fn attach(&mut self, mut pipe: PipeEnd, _peer: Option<&PeerIdentity>) {
        if self.current.is_some() {
            tracing::debug!("PAIR already has a peer: closing the new connection");
            pipe.close();
            return;
        }
        self.current = Some(self.peers.attach(pipe, ()));
    }

    fn peer_ready(&mut self, _pipe: PipeId, _peer: &PeerIdentity) {}

    fn readable(&mut self, pipe: PipeId) {
        self.peers.readable(pipe);
    }

    fn writable(&mut self, pipe: PipeId) {
        self.peers.writable(pipe);
    }

    fn closed(&mut self, pipe: PipeId) {
        if self.current == Some(pipe) {
            self.current = None;
        }
        self.peers.closed(pipe);
    }

    fn send(&mut self, msg: Message) -> Result<(), SendError> {
        self.peers.send(msg).map(drop).map_err(SendError::Again)
    }

    fn recv(&mut self) -> Result<Message> {
        self.peers.recv()
    }

    fn recv_into(&mut self, slot: &mut MaybeUninit<Message>) -> Result<()> {
        self.peers.recv_into(slot)
    }

    fn builds_messages_in_place(&self) -> bool {
        true
    }

    fn can_send(&mut self) -> bool {
        self.peers.can_send()
    }

    fn last_recv_pipe(&self) -> Option<PipeId> {
        self.peers.last_recv_pipe()
    }

    fn can_recv(&mut self) -> bool {
        self.peers.can_recv()
    }

    fn close_all(&mut self) {
        self.peers.close_all();
        self.current = None;
    }
}

#[cfg(test)]
mod tests {
    use crate::socket::patterns::test_util::*;
    use crate::socket_type::SocketType;

    #[test]
    fn talks_to_one_peer_and_closes_others() {
        let mut h = Harness::new(SocketType::Pair);
        let mut a = h.attach(Some(peer(SocketType::Pair)), 10);
        let mut b = h.attach(Some(peer(SocketType::Pair)), 10);
        assert!(b.end.is_peer_closed(), "second peer is refused");
        h.send_ok(&[b"hello", b"there"]);
        assert_eq!(a.recv().unwrap(), msg(&[b"hello", b"there"]));
        a.send(&[b"back"]);
        assert_eq!(h.recv_ok(), msg(&[b"back"]));
        h.recv_none();
        assert!(b.recv().is_none());
    }

    #[test]
    fn full_pipe_is_again_until_writable() {
        let mut h = Harness::new(SocketType::Pair);
        assert!(is_again(&h.send(&[b"no peer"])));
        let mut a = h.attach(None, 2);
        h.send_ok(&[b"1"]);
        h.send_ok(&[b"2"]);
        assert!(is_again(&h.send(&[b"3"])));
        assert!(!h.can_send());
        a.recv().unwrap();
        a.recv().unwrap();
        assert!(h.can_send(), "the writable event came through the mailbox");
        h.send_ok(&[b"3"]);
    }

    #[test]
    fn after_close_the_rest_is_delivered_and_a_new_peer_accepted() {
        let mut h = Harness::new(SocketType::Pair);
        let mut a = h.attach(None, 10);
        h.recv_none();
        a.send(&[b"last words"]);
        a.end.close();
        assert_eq!(h.recv_ok(), msg(&[b"last words"]));
        h.recv_none();
        let mut b = h.attach(None, 10);
        assert!(!b.end.is_peer_closed());
        b.send(&[b"new"]);
        assert!(h.can_recv());
        assert_eq!(h.recv_ok(), msg(&[b"new"]));
    }
}
