//! XSUB (RFC 29): receives what the publishers send (SUB: filtered by its subscriptions); the user
//! sends subscription messages (one frame: 1 or 0, then the topic), which go upstream to
//! every publisher and are remembered, so a publisher that (re)connects gets the whole set.
//! Other messages the user sends are forwarded upstream too (libzmq ≥ 4.2).
//!
//! Subscriptions are queued even above the HWM: a dropped one would silently lose data.
//! As in libzmq they are queued into every pipe at once, connected or still connecting, so an
//! idle subscriber's subscriptions still go out; after a reconnect the whole set is sent again
//! (a publisher keeps a set of pipes per topic, so a repeat is harmless).
//!
//! A SUB filters incoming messages here too, by prefix against its own subscriptions, as
//! libzmq does (the publisher may not filter: e.g. an XPUB_MANUAL proxy). An XSUB passes
//! everything on, as libzmq's does: its subscriptions may be rewritten upstream (an
//! XPUB_MANUAL publisher subscribes it to other topics than it asked for).

use super::peers::Peers;
use super::pipes::Pipes;
use super::subscriptions::{parse_subscription, subscription_message, topic_of, SubscriptionSet};
use super::{flag_value, parse_flag};
use crate::error::{Error, Result};
use crate::message::Message;
use crate::options::{OptionValue, SocketOption};
use crate::pipe::{PipeEnd, PipeId};
use crate::signal::PeerIdentity;
use crate::socket::pattern::{Pattern, SendError};

pub(crate) struct XSub {
    /// Per pipe: whether its connection was lost since the subscriptions were sent (then the
    /// next handshake gets the whole set again). Read ahead: only messages that passed the
    /// filter.
    peers: Peers<bool>,
    subscriptions: SubscriptionSet,
    /// Whether incoming messages are matched against `subscriptions` (SUB, not XSUB).
    filter: bool,
    invert_matching: bool,
}

impl XSub {
    pub(crate) fn new() -> Self {
        XSub {
            peers: Peers::new(),
            subscriptions: SubscriptionSet::new(),
            filter: false,
            invert_matching: false,
        }
    }

    /// The XSUB inside a SUB: one that filters what it receives.
    pub(crate) fn new_filtering() -> Self {
        XSub {
            filter: true,
            ..XSub::new()
        }
    }

    /// Sends every subscription to one (newly connected) pipe.
    fn send_all_subscriptions(&mut self, pipe: PipeId) {
        let Some(end) = self.peers.pipes_mut().pipe_mut(pipe) else {
            return;
        };
        self.subscriptions.for_each_topic(|topic| {
            end.write_unbounded(subscription_message(true, topic));
        });
        end.flush();
    }

    /// Sends a subscription message to every connected publisher, whatever their HWM.
    fn send_upstream_unbounded(&mut self, msg: &Message) {
        for (_, end, _) in self.peers.pipes_mut().iter_mut() {
            if end.write_unbounded(msg.clone()) {
                end.flush();
            }
        }
    }

    /// SUBSCRIBE: counts it and sends it upstream (each time, as libzmq: an XPUB in verbose
    /// mode wants to see duplicates).
    pub(crate) fn subscribe(&mut self, topic: &[u8]) {
        self.subscriptions.add(topic);
        self.send_upstream_unbounded(&subscription_message(true, topic));
    }

    /// UNSUBSCRIBE: the cancel goes upstream only when no subscription to `topic` is left.
    pub(crate) fn unsubscribe(&mut self, topic: &[u8]) {
        if self.subscriptions.rm(topic) {
            self.send_upstream_unbounded(&subscription_message(false, topic));
        }
    }

    pub(crate) fn set_invert_matching(&mut self, value: &OptionValue) -> Result<()> {
        self.invert_matching = parse_flag(SocketOption::InvertMatching, value)?;
        Ok(())
    }

    pub(crate) fn invert_matching(&self) -> bool {
        self.invert_matching
    }
}

/// Lets through the messages whose topic matches a subscription (INVERT_MATCHING: none),
/// or every message when the socket does not filter (XSUB).
fn subscribed(
    subscriptions: &SubscriptionSet,
    filter: bool,
    invert_matching: bool,
) -> impl Fn(&Pipes<bool>, PipeId, Message) -> Option<Message> + '_ {
    move |_, _, msg| {
        let wanted = !filter || subscriptions.matches(topic_of(&msg)) != invert_matching;
        wanted.then_some(msg)
    }
}

impl Pattern for XSub {
    fn attach(&mut self, pipe: PipeEnd, _peer: Option<&PeerIdentity>) {
        let id = self.peers.attach_inbound(pipe, false);
        self.send_all_subscriptions(id);
    }

    fn peer_ready(&mut self, pipe: PipeId, _peer: &PeerIdentity) {
        if let Some(lost) = self.peers.pipes_mut().data_mut(pipe) {
            if std::mem::take(lost) {
                self.send_all_subscriptions(pipe);
            }
        }
    }

    fn peer_lost(&mut self, pipe: PipeId) {
        if let Some(lost) = self.peers.pipes_mut().data_mut(pipe) {
            *lost = true;
        }
    }

    fn readable(&mut self, pipe: PipeId) {
        self.peers.readable(pipe);
    }

    fn writable(&mut self, _pipe: PipeId) {}

    fn closed(&mut self, pipe: PipeId) {
        self.peers.closed(pipe);
    }

    fn send(&mut self, msg: Message) -> Result<(), SendError> {
        match parse_subscription(&msg) {
            Some((true, topic)) => self.subscribe(topic),
            Some((false, topic)) => self.unsubscribe(topic),
            None => {
                // A user message for the publishers: best effort, like any fan-out.
                for (_, end, _) in self.peers.pipes_mut().iter_mut() {
                    let _ = end.send(msg.clone());
                }
            }
        }
        Ok(())
    }

    fn recv(&mut self) -> Result<Message> {
        let filter = subscribed(&self.subscriptions, self.filter, self.invert_matching);
        self.peers.recv_with(filter).ok_or_else(Error::again)
    }

    /// Subscriptions can always be sent.
    fn can_send(&mut self) -> bool {
        true
    }

    fn last_recv_pipe(&self) -> Option<PipeId> {
        self.peers.last_recv_pipe()
    }

    fn can_recv(&mut self) -> bool {
        let filter = subscribed(&self.subscriptions, self.filter, self.invert_matching);
        self.peers.can_recv_with(filter)
    }

    fn set_option(&mut self, option: SocketOption, value: &OptionValue) -> Option<Result<()>> {
        match option {
            SocketOption::InvertMatching => Some(self.set_invert_matching(value)),
            _ => None,
        }
    }

    fn get_option(&self, option: SocketOption) -> Option<OptionValue> {
        match option {
            SocketOption::InvertMatching => flag_value(self.invert_matching),
            _ => None,
        }
    }

    fn close_all(&mut self) {
        self.peers.close_all();
    }
}

#[cfg(test)]
mod tests {
    use crate::options::SocketOption;
    use crate::socket::patterns::test_util::*;
    use crate::socket_type::SocketType;

    #[test]
    fn subscriptions_go_upstream_and_filter_incoming() {
        let mut h = Harness::new(SocketType::XSub);
        h.pattern = Box::new(super::XSub::new_filtering());
        let mut publisher = h.attach(Some(peer(SocketType::XPub)), 10);
        h.send_ok(&[b"\x01news"]);
        h.send_ok(&[b"\x01news"]);
        h.send_ok(&[b"a user message"]);
        assert_eq!(
            publisher.recv_all(),
            [
                msg(&[b"\x01news"]),
                msg(&[b"\x01news"]),
                msg(&[b"a user message"])
            ]
        );
        publisher.send(&[b"news: hello", b"more"]);
        publisher.send(&[b"weather"]);
        publisher.send(&[b"newsflash"]);
        assert_eq!(h.recv_ok(), msg(&[b"news: hello", b"more"]));
        assert_eq!(h.recv_ok(), msg(&[b"newsflash"]));
        h.recv_none();
        // Two subscriptions: the first cancel is not forwarded, the second is.
        h.send_ok(&[b"\x00news"]);
        assert!(publisher.recv().is_none());
        h.send_ok(&[b"\x00news"]);
        assert_eq!(publisher.recv().unwrap(), msg(&[b"\x00news"]));
        h.send_ok(&[b"\x00never subscribed"]);
        assert!(publisher.recv().is_none());
    }

    #[test]
    fn xsub_passes_on_what_it_did_not_subscribe_to() {
        let mut h = Harness::new(SocketType::XSub);
        let mut publisher = h.attach(Some(peer(SocketType::XPub)), 10);
        h.send_ok(&[b"\x01A"]);
        publisher.send(&[b"B, chosen by an XPUB_MANUAL publisher"]);
        assert_eq!(
            h.recv_ok(),
            msg(&[b"B, chosen by an XPUB_MANUAL publisher"])
        );
    }

    #[test]
    fn connecting_publisher_gets_the_set_queued_and_again_after_a_reconnect() {
        let mut h = Harness::new(SocketType::XSub);
        h.send_ok(&[b"\x01a"]);
        h.send_ok(&[b"\x01b"]);
        let mut connecting = h.attach(None, 1);
        h.send_ok(&[b"\x01c"]);
        h.peer_ready(&connecting, peer(SocketType::Pub));
        let mut got: Vec<_> = connecting.recv_all();
        got.sort_by_key(|m| m.frames()[0].to_vec());
        assert_eq!(
            got,
            [msg(&[b"\x01a"]), msg(&[b"\x01b"]), msg(&[b"\x01c"])],
            "above the HWM of 1"
        );
        h.pattern.peer_lost(connecting.id);
        h.send_ok(&[b"\x01d"]);
        assert_eq!(
            connecting.recv_all(),
            [msg(&[b"\x01d"])],
            "queued meanwhile"
        );
        h.peer_ready(&connecting, peer(SocketType::Pub));
        assert_eq!(connecting.recv_all().len(), 4, "the whole set again");
    }

    #[test]
    fn invert_matching() {
        let mut h = Harness::new(SocketType::XSub);
        h.pattern = Box::new(super::XSub::new_filtering());
        h.set_ok(SocketOption::InvertMatching, 1);
        let mut p = h.attach(Some(peer(SocketType::Pub)), 10);
        h.send_ok(&[b"\x01skip"]);
        p.send(&[b"skip me"]);
        p.send(&[b"keep me"]);
        assert_eq!(h.recv_ok(), msg(&[b"keep me"]));
        h.recv_none();
    }
}
