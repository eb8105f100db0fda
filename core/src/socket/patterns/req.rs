//! REQ (RFC 28): strict request/reply. A request is load-balanced to one peer behind an
//! empty delimiter frame; only that peer's reply is accepted, without the delimiter.
//!
//! REQ_RELAXED allows a new request while a reply is awaited (the old one is abandoned);
//! REQ_CORRELATE puts a 4-byte request id before the delimiter and drops replies that do not
//! carry the current one (libzmq writes the id in host byte order; only REQ reads it back).

use super::dealer::send_probe;
use super::peers::Peers;
use super::pipes::Pipes;
use super::routing_ids::random_u32;
use super::{flag_value, parse_flag};
use crate::error::{Error, ErrorKind, Result};
use crate::message::{Frame, Message};
use crate::options::{OptionValue, SocketOption};
use crate::pipe::{PipeEnd, PipeId};
use crate::signal::PeerIdentity;
use crate::socket::pattern::{Pattern, SendError};

pub(crate) struct Req {
    /// Reads ahead (for `can_recv`) only valid replies, without their envelope.
    peers: Peers,
    /// A request was sent and its reply not received yet.
    awaiting_reply: bool,
    /// The pipe the request went to, the only one a reply is taken from. None once that pipe
    /// closed: then, as in libzmq, a reply is taken from any pipe.
    reply_pipe: Option<PipeId>,
    /// The current request's id (REQ_CORRELATE).
    request_id: u32,
    relaxed: bool,
    correlate: bool,
    probe_router: bool,
}

impl Req {
    pub(crate) fn new() -> Self {
        Req {
            peers: Peers::new(),
            awaiting_reply: false,
            reply_pipe: None,
            request_id: random_u32(),
            relaxed: false,
            correlate: false,
            probe_router: false,
        }
    }

    /// Accepts a reply to the current request and strips its envelope. It must come from the
    /// pipe the request went to (if that is still open) and be [request id,] empty delimiter,
    /// then at least one frame; anything else is dropped.
    fn reply_filter(&self) -> impl Fn(&Pipes, PipeId, Message) -> Option<Message> {
        let expected_pipe = self.reply_pipe;
        let request_id = self.correlate.then_some(self.request_id);
        move |_, pipe, msg| {
            if expected_pipe.is_some_and(|expected| expected != pipe) {
                tracing::trace!("REQ: dropping a message from a peer that has no request");
                return None;
            }
            let body = strip_envelope(msg, request_id);
            if body.is_none() {
                tracing::trace!("REQ: dropping a malformed or stale reply");
            }
            body
        }
    }
}

/// The reply's body if it carries the expected envelope: [request id,] empty delimiter, then
/// at least one frame.
fn strip_envelope(mut msg: Message, request_id: Option<u32>) -> Option<Message> {
    if let Some(request_id) = request_id {
        let id = msg.pop_front()?;
        if id.as_slice() != request_id.to_ne_bytes() {
            return None;
        }
    }
    let delimiter = msg.pop_front()?;
    (delimiter.is_empty() && !msg.is_empty()).then_some(msg)
}

impl Pattern for Req {
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
        if self.reply_pipe == Some(pipe) {
            self.reply_pipe = None;
        }
        self.peers.closed(pipe);
    }

    fn check_send(&self) -> Result<()> {
        if self.awaiting_reply && !self.relaxed {
            return Err(Error::new(
                ErrorKind::Fsm,
                "REQ cannot send a new request before it has received the reply \
                 (set REQ_RELAXED to allow it)",
            ));
        }
        Ok(())
    }

    fn send(&mut self, msg: Message) -> Result<(), SendError> {
        self.check_send().map_err(SendError::Failed)?;
        if self.awaiting_reply {
            // Relaxed: abandon the pending request; a late reply to it is dropped.
            self.awaiting_reply = false;
            self.reply_pipe = None;
            self.peers.discard_read_ahead();
        }
        let mut request = msg;
        request.push_front(Frame::empty());
        let request_id = self.request_id.wrapping_add(1);
        if self.correlate {
            request.push_front(Frame::copy_from_slice(&request_id.to_ne_bytes()));
        }
        match self.peers.send(request) {
            Ok(pipe) => {
                self.request_id = request_id;
                self.reply_pipe = Some(pipe);
                self.awaiting_reply = true;
                Ok(())
            }
            Err(mut back) => {
                // Hand back the message as the user gave it.
                if self.correlate {
                    back.pop_front();
                }
                back.pop_front();
                Err(SendError::Again(back))
            }
        }
    }

    fn recv(&mut self) -> Result<Message> {
        if !self.awaiting_reply {
            return Err(Error::new(
                ErrorKind::Fsm,
                "REQ cannot receive before it has sent a request",
            ));
        }
        let reply = self
            .peers
            .recv_with(self.reply_filter())
            .ok_or_else(Error::again)?;
        self.awaiting_reply = false;
        self.reply_pipe = None;
        Ok(reply)
    }

    fn can_send(&mut self) -> bool {
        (self.relaxed || !self.awaiting_reply) && self.peers.can_send()
    }

    fn last_recv_pipe(&self) -> Option<PipeId> {
        self.peers.last_recv_pipe()
    }

    fn can_recv(&mut self) -> bool {
        self.awaiting_reply && self.peers.can_recv_with(self.reply_filter())
    }

    fn set_option(&mut self, option: SocketOption, value: &OptionValue) -> Option<Result<()>> {
        let target = match option {
            SocketOption::ReqRelaxed => &mut self.relaxed,
            SocketOption::ReqCorrelate => &mut self.correlate,
            SocketOption::ProbeRouter => &mut self.probe_router,
            _ => return None,
        };
        Some(parse_flag(option, value).map(|on| *target = on))
    }

    fn get_option(&self, option: SocketOption) -> Option<OptionValue> {
        match option {
            SocketOption::ReqRelaxed => flag_value(self.relaxed),
            SocketOption::ReqCorrelate => flag_value(self.correlate),
            SocketOption::ProbeRouter => flag_value(self.probe_router),
            _ => None,
        }
    }

    fn close_all(&mut self) {
        self.peers.close_all();
        self.reply_pipe = None;
    }
}

#[cfg(test)]
mod tests {
    use crate::error::ErrorKind;
    use crate::message::Message;
    use crate::options::SocketOption;
    use crate::socket::patterns::test_util::*;
    use crate::socket_type::SocketType;

    fn frames(m: &Message) -> Vec<Vec<u8>> {
        m.iter().map(|f| f.to_vec()).collect()
    }

    #[test]
    fn request_reply_state_machine() {
        let mut h = Harness::new(SocketType::Req);
        let mut rep = h.attach(Some(peer(SocketType::Rep)), 10);
        assert_eq!(
            h.recv().unwrap_err().kind(),
            ErrorKind::Fsm,
            "recv before send"
        );
        h.send_ok(&[b"hello"]);
        assert_eq!(rep.recv().unwrap(), msg(&[b"", b"hello"]));
        assert_eq!(failed_kind(h.send(&[b"again"])), ErrorKind::Fsm);
        assert_eq!(h.pattern.check_send().unwrap_err().kind(), ErrorKind::Fsm);
        assert!(!h.can_send());
        h.recv_none();
        rep.send(&[b"", b"world"]);
        assert!(h.can_recv());
        assert_eq!(h.recv_ok(), msg(&[b"world"]));
        assert_eq!(h.recv().unwrap_err().kind(), ErrorKind::Fsm);
        assert!(h.can_send());
        h.send_ok(&[b"next"]);
    }

    #[test]
    fn replies_from_other_peers_or_without_delimiter_are_dropped() {
        let mut h = Harness::new(SocketType::Req);
        let mut a = h.attach(Some(peer(SocketType::Rep)), 10);
        let mut b = h.attach(Some(peer(SocketType::Rep)), 10);
        h.send_ok(&[b"q"]);
        assert!(a.recv().is_some());
        b.send(&[b"", b"not from the asked peer"]);
        a.send(&[b"no delimiter"]);
        a.send(&[b""]);
        a.send(&[b"", b"answer", b"2"]);
        assert_eq!(h.recv_ok(), msg(&[b"answer", b"2"]));
        // Round robin: the next request goes to b.
        h.send_ok(&[b"q2"]);
        assert_eq!(b.recv().unwrap(), msg(&[b"", b"q2"]));
    }

    #[test]
    fn again_hands_back_the_message_unchanged() {
        let mut h = Harness::new(SocketType::Req);
        h.set_ok(SocketOption::ReqCorrelate, 1);
        match h.send(&[b"body"]) {
            Err(crate::socket::pattern::SendError::Again(m)) => assert_eq!(m, msg(&[b"body"])),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            h.recv().unwrap_err().kind(),
            ErrorKind::Fsm,
            "nothing was sent"
        );
    }

    #[test]
    fn relaxed_and_correlated() {
        let mut h = Harness::new(SocketType::Req);
        h.set_ok(SocketOption::ReqRelaxed, 1);
        h.set_ok(SocketOption::ReqCorrelate, 1);
        let mut rep = h.attach(Some(peer(SocketType::Router)), 10);
        h.send_ok(&[b"first"]);
        let first = frames(&rep.recv().unwrap());
        assert_eq!(first.len(), 3);
        assert_eq!(first[0].len(), 4, "request id frame");
        assert_eq!(first[1], b"");
        h.send_ok(&[b"second"]);
        let second = frames(&rep.recv().unwrap());
        assert_ne!(first[0], second[0]);
        // The late reply to the first request is dropped, the one to the second accepted.
        rep.send(&[&first[0], b"", b"reply 1"]);
        rep.send(&[&second[0], b"", b"reply 2"]);
        assert_eq!(h.recv_ok(), msg(&[b"reply 2"]));
    }

    #[test]
    fn reply_pipe_closing_lets_its_last_reply_through() {
        let mut h = Harness::new(SocketType::Req);
        let mut a = h.attach(Some(peer(SocketType::Rep)), 10);
        h.send_ok(&[b"q"]);
        a.recv().unwrap();
        a.send(&[b"", b"bye"]);
        a.end.close();
        assert_eq!(h.recv_ok(), msg(&[b"bye"]));
    }

    #[test]
    fn bad_option_values() {
        let mut h = Harness::new(SocketType::Req);
        assert_eq!(
            h.set(SocketOption::ReqRelaxed, "x")
                .unwrap()
                .unwrap_err()
                .kind(),
            ErrorKind::Invalid
        );
        assert!(h.set(SocketOption::RouterMandatory, 1).is_none());
    }
}
