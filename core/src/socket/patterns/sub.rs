//! SUB (RFC 29): an XSUB whose subscriptions are set with the SUBSCRIBE/UNSUBSCRIBE options
//! (bytes; empty = everything) and which cannot send.

use super::xsub::XSub;
use super::{flag_value, forward_pipe_events, not_supported};
use crate::error::Result;
use crate::message::Message;
use crate::options::{OptionValue, SocketOption};
use crate::pipe::PipeId;
use crate::socket::pattern::{Pattern, SendError};
use crate::socket_type::SocketType;

pub(crate) struct Sub {
    inner: XSub,
}

impl Sub {
    pub(crate) fn new() -> Self {
        Sub {
            inner: XSub::new_filtering(),
        }
    }
}

impl Pattern for Sub {
    forward_pipe_events!(inner);

    fn check_send(&self) -> Result<()> {
        Err(not_supported("send", SocketType::Sub))
    }

    fn send(&mut self, _msg: Message) -> Result<(), SendError> {
        Err(SendError::Failed(not_supported("send", SocketType::Sub)))
    }

    fn recv(&mut self) -> Result<Message> {
        self.inner.recv()
    }

    fn can_send(&mut self) -> bool {
        false
    }

    fn last_recv_pipe(&self) -> Option<PipeId> {
        self.inner.last_recv_pipe()
    }

    fn can_recv(&mut self) -> bool {
        self.inner.can_recv()
    }

    fn set_option(&mut self, option: SocketOption, value: &OptionValue) -> Option<Result<()>> {
        let topic = match option {
            SocketOption::Subscribe | SocketOption::Unsubscribe => match value.as_bytes(option) {
                Ok(topic) => topic,
                Err(err) => return Some(Err(err)),
            },
            SocketOption::InvertMatching => return Some(self.inner.set_invert_matching(value)),
            _ => return None,
        };
        if option == SocketOption::Subscribe {
            self.inner.subscribe(topic);
        } else {
            self.inner.unsubscribe(topic);
        }
        Some(Ok(()))
    }

    fn get_option(&self, option: SocketOption) -> Option<OptionValue> {
        match option {
            SocketOption::InvertMatching => flag_value(self.inner.invert_matching()),
            _ => None,
        }
    }

    fn close_all(&mut self) {
        self.inner.close_all();
    }
}

#[cfg(test)]
mod tests {
    use crate::error::ErrorKind;
    use crate::options::{OptionValue, SocketOption};
    use crate::socket::patterns::test_util::*;
    use crate::socket_type::SocketType;

    #[test]
    fn subscribe_queues_to_every_peer_and_filters() {
        let mut h = Harness::new(SocketType::Sub);
        let mut accepted = h.attach(Some(peer(SocketType::Pub)), 10);
        let mut connecting = h.attach(None, 10);
        h.set_ok(SocketOption::Subscribe, "A");
        h.set_ok(SocketOption::Subscribe, "B");
        assert_eq!(accepted.recv_all(), [msg(&[b"\x01A"]), msg(&[b"\x01B"])]);
        // Queued for the connection even before its handshake, as libzmq does.
        h.peer_ready(&connecting, peer(SocketType::XPub));
        let mut got = connecting.recv_all();
        got.sort_by_key(|m| m.frames()[0].to_vec());
        assert_eq!(got, [msg(&[b"\x01A"]), msg(&[b"\x01B"])]);
        accepted.send(&[b"Apple"]);
        accepted.send(&[b"Cherry"]);
        connecting.send(&[b"Banana", b"split"]);
        let mut received: Vec<_> = (0..2).map(|_| h.recv_ok()).collect();
        received.sort_by_key(|m| m.frames()[0].to_vec());
        assert_eq!(received, [msg(&[b"Apple"]), msg(&[b"Banana", b"split"])]);
        h.recv_none();
    }

    #[test]
    fn duplicate_subscriptions_are_counted() {
        let mut h = Harness::new(SocketType::Sub);
        let mut p = h.attach(Some(peer(SocketType::Pub)), 10);
        h.set_ok(SocketOption::Subscribe, "t");
        h.set_ok(SocketOption::Subscribe, "t");
        h.set_ok(SocketOption::Unsubscribe, "t");
        assert_eq!(p.recv_all(), [msg(&[b"\x01t"]), msg(&[b"\x01t"])]);
        p.send(&[b"t1"]);
        assert_eq!(h.recv_ok(), msg(&[b"t1"]), "still subscribed once");
        h.set_ok(SocketOption::Unsubscribe, "t");
        assert_eq!(p.recv_all(), [msg(&[b"\x00t"])]);
        p.send(&[b"t2"]);
        h.recv_none();
    }

    #[test]
    fn empty_subscription_receives_everything() {
        let mut h = Harness::new(SocketType::Sub);
        let mut p = h.attach(Some(peer(SocketType::Pub)), 10);
        p.send(&[b"before subscribing"]);
        h.recv_none();
        h.set_ok(SocketOption::Subscribe, "");
        assert_eq!(p.recv().unwrap(), msg(&[b"\x01"]));
        p.send(&[b"anything"]);
        p.send(&[b""]);
        assert_eq!(
            h.recv_ok(),
            msg(&[b"anything"]),
            "received after the subscription"
        );
        assert_eq!(h.recv_ok(), msg(&[b""]));
    }

    #[test]
    fn send_and_bad_options_fail() {
        let mut h = Harness::new(SocketType::Sub);
        assert_eq!(failed_kind(h.send(&[b"x"])), ErrorKind::NotSupported);
        assert_eq!(
            h.pattern.check_send().unwrap_err().kind(),
            ErrorKind::NotSupported
        );
        assert!(!h.can_send());
        let err = h
            .set(SocketOption::Subscribe, OptionValue::Int(3))
            .unwrap()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid);
        assert!(h.set(SocketOption::XpubVerbose, 1).is_none());
        h.set_ok(SocketOption::InvertMatching, 1);
        assert_eq!(
            h.pattern.get_option(SocketOption::InvertMatching),
            Some(OptionValue::Int(1))
        );
    }

    #[test]
    fn closed_publisher_is_drained() {
        let mut h = Harness::new(SocketType::Sub);
        h.set_ok(SocketOption::Subscribe, "");
        let mut p = h.attach(Some(peer(SocketType::Pub)), 10);
        p.send(&[b"1"]);
        p.send(&[b"2"]);
        p.end.close();
        assert_eq!(h.recv_ok(), msg(&[b"1"]));
        assert_eq!(h.recv_ok(), msg(&[b"2"]));
        h.recv_none();
    }
}
