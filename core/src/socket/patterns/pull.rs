//! PULL (RFC 30): messages are fair-queued from the connected PUSH peers. PULL sends nothing.

use std::mem::MaybeUninit;

use super::not_supported;
use super::peers::Peers;
use crate::error::Result;
use crate::message::Message;
use crate::pipe::{PipeEnd, PipeId};
use crate::signal::PeerIdentity;
use crate::socket::pattern::{Pattern, SendError};
use crate::socket_type::SocketType;

pub(crate) struct Pull {
    peers: Peers,
}

impl Pull {
    pub(crate) fn new() -> Self {
        Pull {
            peers: Peers::new(),
        }
    }
}

impl Pattern for Pull {
    fn attach(&mut self, pipe: PipeEnd, _peer: Option<&PeerIdentity>) {
        self.peers.attach_inbound(pipe, ());
    }

    fn peer_ready(&mut self, _pipe: PipeId, _peer: &PeerIdentity) {}

    fn readable(&mut self, pipe: PipeId) {
        self.peers.readable(pipe);
    }

    fn writable(&mut self, _pipe: PipeId) {}

    fn closed(&mut self, pipe: PipeId) {
        self.peers.closed(pipe);
    }

    fn check_send(&self) -> Result<()> {
        Err(not_supported("send", SocketType::Pull))
    }

    fn send(&mut self, _msg: Message) -> Result<(), SendError> {
        Err(SendError::Failed(not_supported("send", SocketType::Pull)))
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
        false
    }

    fn last_recv_pipe(&self) -> Option<PipeId> {
        self.peers.last_recv_pipe()
    }

    fn can_recv(&mut self) -> bool {
        self.peers.can_recv()
    }

    fn close_all(&mut self) {
        self.peers.close_all();
    }
}

#[cfg(test)]
mod tests {
    use crate::error::ErrorKind;
    use crate::socket::patterns::test_util::*;
    use crate::socket_type::SocketType;

    #[test]
    fn fair_queues_three_peers() {
        let mut h = Harness::new(SocketType::Pull);
        let mut peers: Vec<Peer> = (0..3)
            .map(|_| h.attach(Some(peer(SocketType::Push)), 10))
            .collect();
        for (name, p) in [b'A', b'B', b'C'].into_iter().zip(&mut peers) {
            p.send(&[&[name, b'1']]);
            p.send(&[&[name, b'2']]);
        }
        let got: Vec<Vec<u8>> = (0..6).map(|_| h.recv_ok().frames()[0].to_vec()).collect();
        assert_eq!(got, [b"A1", b"B1", b"C1", b"A2", b"B2", b"C2"]);
        h.recv_none();
        // Idle pipes come back through their readable events.
        peers[2].send(&[b"C3"]);
        peers[0].send(&[b"A3"]);
        assert!(h.can_recv());
        let mut got: Vec<Vec<u8>> = (0..2).map(|_| h.recv_ok().frames()[0].to_vec()).collect();
        got.sort();
        assert_eq!(got, [b"A3", b"C3"]);
        h.recv_none();
    }

    #[test]
    fn closed_peer_is_drained_and_send_is_unsupported() {
        let mut h = Harness::new(SocketType::Pull);
        let mut a = h.attach(None, 10);
        a.send(&[b"1"]);
        a.send(&[b"2"]);
        a.end.close();
        assert_eq!(h.recv_ok(), msg(&[b"1"]));
        assert_eq!(h.recv_ok(), msg(&[b"2"]));
        h.recv_none();
        assert_eq!(failed_kind(h.send(&[b"x"])), ErrorKind::NotSupported);
        assert!(!h.can_send());
    }
}
