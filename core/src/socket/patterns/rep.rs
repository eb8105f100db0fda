//! REP (RFC 28): requests are fair-queued; each one's envelope (every frame up to and
//! including the first empty one) is stripped and kept, and the reply goes back with it to
//! the pipe the request came from. A request without a delimiter is dropped. A reply that
//! cannot be delivered (peer gone, or at its HWM) is dropped silently, as in libzmq.

use super::peers::Peers;
use super::pipes::Pipes;
use crate::error::{Error, ErrorKind, Result};
use crate::message::{Frame, Message};
use crate::pipe::{PipeEnd, PipeId};
use crate::signal::PeerIdentity;
use crate::socket::pattern::{Pattern, SendError};

/// A request split into what the reply needs and what the user sees.
struct Request {
    pipe: PipeId,
    /// The envelope, delimiter included.
    envelope: Message,
    body: Message,
}

pub(crate) struct Rep {
    /// Inbound only; reads ahead (for `can_recv`) only valid requests, already split.
    peers: Peers<(), Request>,
    /// Set from a recv until the matching send: where the reply goes.
    reply_to: Option<(PipeId, Message)>,
}

impl Rep {
    pub(crate) fn new() -> Self {
        Rep {
            peers: Peers::new(),
            reply_to: None,
        }
    }
}

/// Splits a request; one without a delimiter, or with nothing after it, is dropped.
fn split_request(_: &Pipes, pipe: PipeId, msg: Message) -> Option<Request> {
    match msg.split_envelope() {
        Some((mut envelope, body)) if !body.is_empty() => {
            envelope.push_back(Frame::empty());
            Some(Request {
                pipe,
                envelope,
                body,
            })
        }
        _ => {
            tracing::trace!("REP: dropping a request without an envelope delimiter");
            None
        }
    }
}

impl Pattern for Rep {
    fn attach(&mut self, pipe: PipeEnd, _peer: Option<&PeerIdentity>) {
        self.peers.attach_inbound(pipe, ());
    }

    fn peer_ready(&mut self, _pipe: PipeId, _peer: &PeerIdentity) {}

    fn readable(&mut self, pipe: PipeId) {
        self.peers.readable(pipe);
    }

    /// Replies never wait for room, so there is nothing to resume.
    fn writable(&mut self, _pipe: PipeId) {}

    fn closed(&mut self, pipe: PipeId) {
        self.peers.closed(pipe);
    }

    fn check_send(&self) -> Result<()> {
        if self.reply_to.is_none() {
            return Err(Error::new(
                ErrorKind::Fsm,
                "REP cannot send before it has received a request",
            ));
        }
        Ok(())
    }

    fn send(&mut self, msg: Message) -> Result<(), SendError> {
        self.check_send().map_err(SendError::Failed)?;
        let Some((pipe, mut reply)) = self.reply_to.take() else {
            return Ok(());
        };
        for frame in msg {
            reply.push_back(frame);
        }
        match self.peers.pipes_mut().pipe_mut(pipe) {
            Some(pipe) => {
                if pipe.send(reply).is_err() {
                    tracing::debug!("REP: the requester is at its HWM or gone; reply dropped");
                }
            }
            None => tracing::debug!("REP: the requester is gone; reply dropped"),
        }
        Ok(())
    }

    fn recv(&mut self) -> Result<Message> {
        if self.reply_to.is_some() {
            return Err(Error::new(
                ErrorKind::Fsm,
                "REP cannot receive another request before it has sent the reply",
            ));
        }
        let request = self
            .peers
            .recv_with(split_request)
            .ok_or_else(Error::again)?;
        self.reply_to = Some((request.pipe, request.envelope));
        Ok(request.body)
    }

    fn can_send(&mut self) -> bool {
        self.reply_to.is_some()
    }

    fn last_recv_pipe(&self) -> Option<PipeId> {
        self.peers.last_recv_pipe()
    }

    fn can_recv(&mut self) -> bool {
        self.reply_to.is_none() && self.peers.can_recv_with(split_request)
    }

    fn close_all(&mut self) {
        self.peers.close_all();
        self.reply_to = None;
    }
}

#[cfg(test)]
mod tests {
    use crate::error::ErrorKind;
    use crate::socket::patterns::test_util::*;
    use crate::socket_type::SocketType;

    #[test]
    fn envelope_is_stripped_and_put_back_on_the_reply() {
        let mut h = Harness::new(SocketType::Rep);
        let mut dealer = h.attach(Some(peer(SocketType::Dealer)), 10);
        assert_eq!(failed_kind(h.send(&[b"too early"])), ErrorKind::Fsm);
        assert_eq!(h.pattern.check_send().unwrap_err().kind(), ErrorKind::Fsm);
        dealer.send(&[b"hop1", b"hop2", b"", b"request", b"part2"]);
        assert_eq!(h.recv_ok(), msg(&[b"request", b"part2"]));
        assert_eq!(h.recv().unwrap_err().kind(), ErrorKind::Fsm, "reply owed");
        assert!(!h.can_recv());
        assert!(h.can_send());
        h.send_ok(&[b"reply"]);
        assert_eq!(
            dealer.recv().unwrap(),
            msg(&[b"hop1", b"hop2", b"", b"reply"])
        );
        assert_eq!(failed_kind(h.send(&[b"twice"])), ErrorKind::Fsm);
    }

    #[test]
    fn requests_without_delimiter_are_dropped() {
        let mut h = Harness::new(SocketType::Rep);
        let mut req = h.attach(Some(peer(SocketType::Req)), 10);
        req.send(&[b"no delimiter"]);
        req.send(&[b""]);
        req.send(&[b"", b"ok"]);
        assert!(h.can_recv());
        assert_eq!(h.recv_ok(), msg(&[b"ok"]));
        h.send_ok(&[b"r"]);
        assert_eq!(req.recv().unwrap(), msg(&[b"", b"r"]));
        h.recv_none();
    }

    #[test]
    fn replies_go_to_the_requester_in_fair_order() {
        let mut h = Harness::new(SocketType::Rep);
        let mut peers: Vec<Peer> = (0..3)
            .map(|_| h.attach(Some(peer(SocketType::Req)), 10))
            .collect();
        for (name, p) in [b'A', b'B', b'C'].into_iter().zip(&mut peers) {
            p.send(&[b"", &[name, b'1']]);
            p.send(&[b"", &[name, b'2']]);
        }
        let mut order = Vec::new();
        for _ in 0..6 {
            let request = h.recv_ok();
            order.push(request.frames()[0].to_vec());
            h.send_ok(&[b"re:", &request.frames()[0]]);
        }
        assert_eq!(order, [b"A1", b"B1", b"C1", b"A2", b"B2", b"C2"]);
        for (name, p) in [b'A', b'B', b'C'].into_iter().zip(&mut peers) {
            let replies: Vec<_> = p.recv_all();
            assert_eq!(
                replies,
                [
                    msg(&[b"", b"re:", &[name, b'1']]),
                    msg(&[b"", b"re:", &[name, b'2']])
                ]
            );
        }
    }

    #[test]
    fn reply_to_a_gone_or_full_peer_is_dropped() {
        let mut h = Harness::new(SocketType::Rep);
        let mut gone = h.attach(None, 10);
        gone.send(&[b"", b"q"]);
        assert_eq!(h.recv_ok(), msg(&[b"q"]));
        gone.end.close();
        h.send_ok(&[b"lost"]);
        let mut full = h.attach(None, 1);
        full.send(&[b"", b"q1"]);
        h.recv_ok();
        h.send_ok(&[b"r1"]);
        full.send(&[b"", b"q2"]);
        h.recv_ok();
        h.send_ok(&[b"r2 (dropped: HWM 1)"]);
        assert_eq!(full.recv_all(), [msg(&[b"", b"r1"])]);
        h.recv_none();
    }
}
