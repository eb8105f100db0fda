//! DEALER (RFC 28): load-balanced output and fair-queued input, no envelope. With
//! PROBE_ROUTER an empty message is sent to each new peer, so a ROUTER learns our routing
//! id before we have anything to say.

use std::mem::MaybeUninit;

use super::peers::Peers;
use super::{flag_value, parse_flag};
use crate::error::Result;
use crate::message::{Frame, Message};
use crate::options::{OptionValue, SocketOption};
use crate::pipe::{PipeEnd, PipeId};
use crate::signal::PeerIdentity;
use crate::socket::pattern::{Pattern, SendError};

pub(crate) struct Dealer {
    peers: Peers,
    probe_router: bool,
}

impl Dealer {
    pub(crate) fn new() -> Self {
        Dealer {
            peers: Peers::new(),
            probe_router: false,
        }
    }
}

/// Sends the PROBE_ROUTER probe: one empty frame, queued even at the HWM.
pub(super) fn send_probe(pipe: &mut PipeEnd) {
    if pipe.write_unbounded(Message::single(Frame::empty())) {
        pipe.flush();
    }
}

impl Pattern for Dealer {
    fn attach(&mut self, mut pipe: PipeEnd, _peer: Option<&PeerIdentity>) {
        // Queued at once, even on a connecting pipe: it goes out with the connection.
        if self.probe_router {
            send_probe(&mut pipe);
        }
        self.peers.attach(pipe, ());
    }

    /// The probe was queued at attach, as libzmq does; a reconnect does not repeat it.
    fn peer_ready(&mut self, _pipe: PipeId, _peer: &PeerIdentity) {}

    fn readable(&mut self, pipe: PipeId) {
        self.peers.readable(pipe);
    }

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

    fn set_option(&mut self, option: SocketOption, value: &OptionValue) -> Option<Result<()>> {
        match option {
            SocketOption::ProbeRouter => {
                Some(parse_flag(option, value).map(|on| self.probe_router = on))
            }
            _ => None,
        }
    }

    fn get_option(&self, option: SocketOption) -> Option<OptionValue> {
        match option {
            SocketOption::ProbeRouter => flag_value(self.probe_router),
            _ => None,
        }
    }

    fn close_all(&mut self) {
        self.peers.close_all();
    }
}

#[cfg(test)]
mod tests {
    use crate::error::ErrorKind;
    use crate::options::SocketOption;
    use crate::socket::patterns::test_util::*;
    use crate::socket_type::SocketType;

    #[test]
    fn load_balances_out_and_fair_queues_in_without_envelope() {
        let mut h = Harness::new(SocketType::Dealer);
        let mut peers: Vec<Peer> = (0..3)
            .map(|_| h.attach(Some(peer(SocketType::Router)), 10))
            .collect();
        for i in 0..3u8 {
            h.send_ok(&[&[i], b"body"]);
        }
        for (i, p) in peers.iter_mut().enumerate() {
            assert_eq!(p.recv().unwrap(), msg(&[&[i as u8], b"body"]));
        }
        for (name, p) in [b'A', b'B', b'C'].into_iter().zip(&mut peers) {
            p.send(&[&[name, b'1']]);
            p.send(&[&[name, b'2']]);
        }
        let got: Vec<Vec<u8>> = (0..6).map(|_| h.recv_ok().frames()[0].to_vec()).collect();
        assert_eq!(got, [b"A1", b"B1", b"C1", b"A2", b"B2", b"C2"]);
    }

    #[test]
    fn hwm_gives_again() {
        let mut h = Harness::new(SocketType::Dealer);
        let mut a = h.attach(None, 1);
        h.send_ok(&[b"1"]);
        assert!(is_again(&h.send(&[b"2"])));
        a.recv().unwrap();
        assert!(h.can_send());
        h.send_ok(&[b"2"]);
    }

    #[test]
    fn probe_router_on_attach_and_peer_ready() {
        let mut h = Harness::new(SocketType::Dealer);
        h.set_ok(SocketOption::ProbeRouter, 1);
        let mut accepted = h.attach(Some(peer(SocketType::Router)), 10);
        assert_eq!(accepted.recv().unwrap(), msg(&[b""]));
        let mut connecting = h.attach(None, 10);
        assert_eq!(
            connecting.recv().unwrap(),
            msg(&[b""]),
            "queued for the connection"
        );
        h.peer_ready(&connecting, peer(SocketType::Router));
        assert!(connecting.recv().is_none(), "sent once per pipe");
        let err = h.set(SocketOption::ProbeRouter, -1).unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid);
        assert!(err.to_string().contains("PROBE_ROUTER"));
        assert!(h.set(SocketOption::Subscribe, "x").is_none());
    }
}
