//! PUB (RFC 29): messages go to every subscriber whose subscriptions match; a subscriber at
//! its HWM misses the message. PUB reads its subscribers' subscription messages but shows
//! them nothing, and receives nothing. It is XPUB without the user-facing side, and takes
//! the XPUB options that make sense for it (XPUB_NODROP, XPUB_WELCOME_MSG), as in libzmq.

use super::forward_pipe_events;
use super::xpub::XPub;
use crate::error::Result;
use crate::message::Message;
use crate::options::{OptionValue, SocketOption};
use crate::socket::pattern::{Pattern, SendError};

pub(crate) struct Pub {
    inner: XPub,
}

impl Pub {
    pub(crate) fn new() -> Self {
        Pub {
            inner: XPub::new_pub(),
        }
    }
}

fn is_pub_option(option: SocketOption) -> bool {
    matches!(
        option,
        SocketOption::XpubNodrop | SocketOption::XpubWelcomeMsg | SocketOption::InvertMatching
    )
}

impl Pattern for Pub {
    forward_pipe_events!(inner);

    fn check_send(&self) -> Result<()> {
        self.inner.check_send()
    }

    fn send(&mut self, msg: Message) -> Result<(), SendError> {
        self.inner.send(msg)
    }

    fn recv(&mut self) -> Result<Message> {
        self.inner.recv()
    }

    fn can_send(&mut self) -> bool {
        self.inner.can_send()
    }

    fn can_recv(&mut self) -> bool {
        false
    }

    fn set_option(&mut self, option: SocketOption, value: &OptionValue) -> Option<Result<()>> {
        if !is_pub_option(option) {
            return None;
        }
        self.inner.set_option(option, value)
    }

    fn get_option(&self, option: SocketOption) -> Option<OptionValue> {
        if !is_pub_option(option) {
            return None;
        }
        self.inner.get_option(option)
    }

    fn close_all(&mut self) {
        self.inner.close_all();
    }
}

#[cfg(test)]
mod tests {
    use crate::error::ErrorKind;
    use crate::options::SocketOption;
    use crate::socket::patterns::test_util::*;
    use crate::socket_type::SocketType;

    #[test]
    fn filters_by_subscription_and_drops_at_hwm() {
        let mut h = Harness::new(SocketType::Pub);
        let mut a = h.attach(Some(peer(SocketType::Sub)), 1);
        let mut b = h.attach(Some(peer(SocketType::Sub)), 10);
        h.send_ok(&[b"nobody subscribed yet"]);
        a.send(&[b"\x01t"]);
        b.send(&[b"\x01t"]);
        b.send(&[b"not a subscription: ignored"]);
        h.send_ok(&[b"t1"]);
        h.send_ok(&[b"t2"]);
        h.send_ok(&[b"u"]);
        assert_eq!(
            a.recv_all(),
            [msg(&[b"t1"])],
            "HWM 1: t2 dropped, send did not block"
        );
        assert_eq!(b.recv_all(), [msg(&[b"t1"]), msg(&[b"t2"])]);
        assert_eq!(h.recv().unwrap_err().kind(), ErrorKind::NotSupported);
        assert!(!h.can_recv());
    }

    #[test]
    fn closed_subscriber_loses_its_subscriptions() {
        let mut h = Harness::new(SocketType::Pub);
        let mut a = h.attach(Some(peer(SocketType::Sub)), 10);
        a.send(&[b"\x01"]);
        h.send_ok(&[b"x"]);
        assert_eq!(a.recv_all(), [msg(&[b"x"])]);
        a.end.close();
        h.send_ok(&[b"y"]);
        let mut b = h.attach(Some(peer(SocketType::Sub)), 10);
        h.send_ok(&[b"z"]);
        assert!(b.recv().is_none());
    }

    #[test]
    fn options() {
        let mut h = Harness::new(SocketType::Pub);
        h.set_ok(SocketOption::XpubNodrop, 1);
        assert!(h.set(SocketOption::XpubManual, 1).is_none());
        assert!(h.set(SocketOption::Subscribe, "x").is_none());
        let mut a = h.attach(Some(peer(SocketType::Sub)), 1);
        a.send(&[b"\x01"]);
        h.send_ok(&[b"1"]);
        assert!(is_again(&h.send(&[b"2"])), "XPUB_NODROP works on PUB too");
    }
}
