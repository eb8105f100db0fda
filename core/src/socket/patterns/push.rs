//! PUSH (RFC 30): messages are load-balanced over the connected PULL peers; a message waits
//! (or is refused with EAGAIN) when every peer is at its HWM. PUSH receives nothing.

use super::not_supported;
use super::peers::Peers;
use crate::error::Result;
use crate::message::Message;
use crate::pipe::{PipeEnd, PipeId};
use crate::signal::PeerIdentity;
use crate::socket::pattern::{Pattern, SendError};
use crate::socket_type::SocketType;

pub(crate) struct Push {
    peers: Peers,
}

impl Push {
    pub(crate) fn new() -> Self {
        Push {
            peers: Peers::new(),
        }
    }
}

impl Pattern for Push {
    fn attach(&mut self, pipe: PipeEnd, _peer: Option<&PeerIdentity>) {
        self.peers.attach_outbound(pipe, ());
    }

    fn peer_ready(&mut self, _pipe: PipeId, _peer: &PeerIdentity) {}

    /// PULL peers send nothing; whatever arrives is ignored.
    fn readable(&mut self, _pipe: PipeId) {}

    fn writable(&mut self, pipe: PipeId) {
        self.peers.writable(pipe);
    }

    fn closed(&mut self, pipe: PipeId) {
        self.peers.closed(pipe);
    }

    fn send(&mut self, msg: Message) -> Result<(), SendError> {
        self.peers.send(msg).map(drop).map_err(SendError::Again)
    }

    fn recv(&mut self) -> Result<Message> {
        Err(not_supported("receive", SocketType::Push))
    }

    fn can_send(&mut self) -> bool {
        self.peers.can_send()
    }

    fn can_recv(&mut self) -> bool {
        false
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
    fn round_robin_over_three_peers() {
        let mut h = Harness::new(SocketType::Push);
        let mut peers: Vec<Peer> = (0..3)
            .map(|_| h.attach(Some(peer(SocketType::Pull)), 10))
            .collect();
        for i in 0..6u8 {
            h.send_ok(&[&[i]]);
        }
        for (n, p) in peers.iter_mut().enumerate() {
            let got: Vec<u8> = p.recv_all().iter().map(|m| m.frames()[0][0]).collect();
            assert_eq!(got, [n as u8, n as u8 + 3]);
        }
    }

    #[test]
    fn hwm_gives_again_and_skips_full_peers() {
        let mut h = Harness::new(SocketType::Push);
        assert!(is_again(&h.send(&[b"nobody"])));
        let mut a = h.attach(None, 1);
        let mut b = h.attach(None, 1);
        h.send_ok(&[b"a"]);
        h.send_ok(&[b"b"]);
        assert!(is_again(&h.send(&[b"c"])));
        assert!(!h.can_send());
        assert_eq!(b.recv().unwrap(), msg(&[b"b"]));
        h.send_ok(&[b"c"]);
        assert_eq!(b.recv().unwrap(), msg(&[b"c"]));
        assert_eq!(a.recv().unwrap(), msg(&[b"a"]));
    }

    #[test]
    fn closed_peer_gets_nothing_more_and_recv_is_unsupported() {
        let mut h = Harness::new(SocketType::Push);
        let mut a = h.attach(None, 10);
        let mut b = h.attach(None, 10);
        a.end.close();
        for _ in 0..3 {
            h.send_ok(&[b"x"]);
        }
        assert_eq!(b.recv_all().len(), 3);
        assert_eq!(h.recv().unwrap_err().kind(), ErrorKind::NotSupported);
        assert!(!h.can_recv());
    }
}
