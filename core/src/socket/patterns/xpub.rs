//! XPUB (RFC 29): a PUB that shows the user the subscriptions coming up from subscribers.
//!
//! Subscription messages (one frame: 1 or 0, then the topic) are read from the pipes as
//! they arrive and applied to the subscription trie; the user receives them deduplicated
//! (a topic's first subscribe and last cancel only) unless XPUB_VERBOSE (every subscribe)
//! or XPUB_VERBOSER (every subscribe and cancel). When a subscriber goes away its
//! subscriptions are removed, and the user gets the resulting cancels. Other messages from
//! subscribers (an XSUB's user messages) are passed up as they are (libzmq ≥ 4.2).
//!
//! Options: XPUB_NODROP (EAGAIN instead of dropping at a subscriber's HWM), XPUB_MANUAL
//! (subscriptions are not applied; the user applies them with SUBSCRIBE/UNSUBSCRIBE, which
//! act on the pipe of the last subscription received), XPUB_WELCOME_MSG (sent to each new
//! subscriber), INVERT_MATCHING (send to the subscribers that do *not* match).
//!
//! PUB is this without the user-facing side: see `pub_.rs`.

use std::collections::VecDeque;

use bytes::Bytes;

use super::distributor::Distributor;
use super::pipes::Pipes;
use super::subscriptions::{
    parse_subscription, subscription_message, topic_of, Removed, Subscriptions,
};
use super::{flag_value, not_supported, parse_flag};
use crate::error::{Error, Result};
use crate::message::{Frame, Message};
use crate::options::{OptionValue, SocketOption};
use crate::pipe::{PipeEnd, PipeId};
use crate::signal::PeerIdentity;
use crate::socket::pattern::{Pattern, SendError};
use crate::socket_type::SocketType;

/// A message from upstream waiting for the user.
enum Upstream {
    /// A (un)subscription and the pipe it came from (None: made up when a pipe closed).
    Subscription(Message, Option<PipeId>),
    /// Anything else a subscriber sent.
    Data(Message),
}

pub(crate) struct XPub {
    /// PUB: subscriptions are applied but never shown, other upstream messages are ignored
    /// and recv is not supported.
    is_pub: bool,
    pipes: Pipes,
    dist: Distributor,
    subscriptions: Subscriptions,
    /// XPUB_MANUAL: what each subscriber asked for, to cancel it when the subscriber leaves.
    requested: Subscriptions,
    pending: VecDeque<Upstream>,
    /// XPUB_MANUAL: the pipe of the last subscription the user received.
    last_pipe: Option<PipeId>,
    verbose_subs: bool,
    verbose_unsubs: bool,
    nodrop: bool,
    manual: bool,
    invert_matching: bool,
    welcome: Option<Bytes>,
}

impl XPub {
    pub(crate) fn new() -> Self {
        XPub {
            is_pub: false,
            pipes: Pipes::new(),
            dist: Distributor::new(),
            subscriptions: Subscriptions::new(),
            requested: Subscriptions::new(),
            pending: VecDeque::new(),
            last_pipe: None,
            verbose_subs: false,
            verbose_unsubs: false,
            nodrop: false,
            manual: false,
            invert_matching: false,
            welcome: None,
        }
    }

    pub(crate) fn new_pub() -> Self {
        XPub {
            is_pub: true,
            ..XPub::new()
        }
    }

    /// Reads everything `pipe` holds, then arms it for the next batch.
    fn read_upstream(&mut self, pipe: PipeId) {
        loop {
            let Some(end) = self.pipes.pipe_mut(pipe) else {
                return;
            };
            match end.read() {
                Some(msg) => self.handle_upstream(pipe, msg),
                None => {
                    if end.is_peer_finished() || !end.arm_readable() {
                        return;
                    }
                }
            }
        }
    }

    fn handle_upstream(&mut self, pipe: PipeId, msg: Message) {
        let Some((subscribe, topic)) = parse_subscription(&msg) else {
            if !self.is_pub {
                self.pending.push_back(Upstream::Data(msg));
            }
            return;
        };
        let notify = if self.manual {
            // Only remembered; the user decides what to apply.
            if subscribe {
                self.requested.add(topic, pipe);
            } else {
                self.requested.rm(topic, pipe);
            }
            true
        } else if subscribe {
            self.subscriptions.add(topic, pipe) || self.verbose_subs
        } else {
            // Like libzmq, a cancel of an unknown subscription is passed up too.
            self.subscriptions.rm(topic, pipe) != Removed::OthersRemain || self.verbose_unsubs
        };
        if notify && !self.is_pub {
            self.pending
                .push_back(Upstream::Subscription(msg, Some(pipe)));
        }
    }

    fn send_welcome(&mut self, pipe: PipeId) {
        let (Some(welcome), Some(end)) = (&self.welcome, self.pipes.pipe_mut(pipe)) else {
            return;
        };
        if end.write_unbounded(Message::single(Frame::from(welcome.clone()))) {
            end.flush();
        }
    }

    /// Tells the user a topic lost its subscribers (or, verbose, one of them).
    fn push_cancel(&mut self, topic: &[u8]) {
        if self.is_pub {
            return;
        }
        if self.manual {
            self.last_pipe = None;
        }
        self.pending.push_back(Upstream::Subscription(
            subscription_message(false, topic),
            None,
        ));
    }

    /// SUBSCRIBE/UNSUBSCRIBE under XPUB_MANUAL: applied for the last subscription's pipe.
    fn manual_subscription(&mut self, option: SocketOption, value: &OptionValue) -> Result<()> {
        let topic = value.as_bytes(option)?;
        if let Some(pipe) = self.last_pipe.filter(|&p| self.pipes.contains(p)) {
            if option == SocketOption::Subscribe {
                self.subscriptions.add(topic, pipe);
            } else {
                self.subscriptions.rm(topic, pipe);
            }
        }
        Ok(())
    }
}

impl Pattern for XPub {
    fn attach(&mut self, pipe: PipeEnd, _peer: Option<&PeerIdentity>) {
        let id = self.pipes.insert(pipe, ());
        self.dist.attach(id);
        // Queued at once, even on a connecting pipe (libzmq); sent once per pipe.
        self.send_welcome(id);
        self.read_upstream(id);
    }

    fn peer_ready(&mut self, _pipe: PipeId, _peer: &PeerIdentity) {}

    fn readable(&mut self, pipe: PipeId) {
        self.read_upstream(pipe);
    }

    /// A refused XPUB_NODROP send is retried by the socket; nothing waits here.
    fn writable(&mut self, _pipe: PipeId) {}

    fn closed(&mut self, pipe: PipeId) {
        if !self.pipes.contains(pipe) {
            return;
        }
        let mut cancels: Vec<Vec<u8>> = Vec::new();
        if self.manual {
            // Cancel everything the subscriber had asked for: the user applied it by hand.
            self.requested
                .rm_pipe(pipe, |topic, _| cancels.push(topic.to_vec()));
            self.subscriptions.rm_pipe(pipe, |_, _| {});
            if self.last_pipe == Some(pipe) {
                self.last_pipe = None;
            }
        } else {
            let verbose = self.verbose_unsubs;
            self.subscriptions.rm_pipe(pipe, |topic, last| {
                if last || verbose {
                    cancels.push(topic.to_vec());
                }
            });
        }
        for topic in cancels {
            self.push_cancel(&topic);
        }
        self.dist.remove(pipe);
        self.pipes.remove(pipe);
    }

    fn send(&mut self, msg: Message) -> Result<(), SendError> {
        self.dist
            .select(&self.subscriptions, topic_of(&msg), self.invert_matching);
        if self.nodrop && !self.dist.selected_have_room(&mut self.pipes) {
            return Err(SendError::Again(msg));
        }
        self.dist.send_selected(&mut self.pipes, msg);
        Ok(())
    }

    fn recv(&mut self) -> Result<Message> {
        if self.is_pub {
            return Err(not_supported("receive", SocketType::Pub));
        }
        match self.pending.pop_front() {
            Some(Upstream::Subscription(msg, pipe)) => {
                if self.manual {
                    self.last_pipe = pipe;
                }
                Ok(msg)
            }
            Some(Upstream::Data(msg)) => Ok(msg),
            None => Err(Error::again()),
        }
    }

    /// Publishing never waits (XPUB_NODROP's EAGAIN is decided per message, as in libzmq).
    fn can_send(&mut self) -> bool {
        true
    }

    fn can_recv(&mut self) -> bool {
        !self.is_pub && !self.pending.is_empty()
    }

    fn set_option(&mut self, option: SocketOption, value: &OptionValue) -> Option<Result<()>> {
        use SocketOption as O;
        let result = match option {
            O::XpubVerbose => parse_flag(option, value).map(|on| {
                self.verbose_subs = on;
                self.verbose_unsubs = false;
            }),
            O::XpubVerboser => parse_flag(option, value).map(|on| {
                self.verbose_subs = on;
                self.verbose_unsubs = on;
            }),
            O::XpubNodrop => parse_flag(option, value).map(|on| self.nodrop = on),
            O::XpubManual => parse_flag(option, value).map(|on| self.manual = on),
            O::InvertMatching => parse_flag(option, value).map(|on| self.invert_matching = on),
            O::XpubWelcomeMsg => value.as_bytes(option).map(|welcome| {
                self.welcome = (!welcome.is_empty()).then(|| welcome.clone());
            }),
            O::Subscribe | O::Unsubscribe if self.manual => self.manual_subscription(option, value),
            _ => return None,
        };
        Some(result)
    }

    fn get_option(&self, option: SocketOption) -> Option<OptionValue> {
        use SocketOption as O;
        match option {
            O::XpubVerbose => flag_value(self.verbose_subs),
            O::XpubVerboser => flag_value(self.verbose_unsubs),
            O::XpubNodrop => flag_value(self.nodrop),
            O::XpubManual => flag_value(self.manual),
            O::InvertMatching => flag_value(self.invert_matching),
            O::XpubWelcomeMsg => Some(OptionValue::Bytes(self.welcome.clone().unwrap_or_default())),
            _ => None,
        }
    }

    fn close_all(&mut self) {
        self.pipes.close_all();
        self.dist.clear();
        self.subscriptions = Subscriptions::new();
        self.requested = Subscriptions::new();
        self.last_pipe = None;
    }
}

#[cfg(test)]
mod tests {
    use crate::error::ErrorKind;
    use crate::message::Message;
    use crate::options::SocketOption;
    use crate::socket::patterns::test_util::*;
    use crate::socket_type::SocketType;

    fn subscriber(h: &mut Harness, hwm: u64, topics: &[&[u8]]) -> Peer {
        let mut p = h.attach(Some(peer(SocketType::Sub)), hwm);
        for topic in topics {
            p.send(&[&[&[1u8][..], topic].concat()]);
        }
        p
    }

    fn drain(h: &mut Harness) -> Vec<Message> {
        std::iter::from_fn(|| h.recv().ok()).collect()
    }

    #[test]
    fn subscriptions_are_deduplicated() {
        let mut h = Harness::new(SocketType::XPub);
        let mut a = subscriber(&mut h, 10, &[b"A"]);
        let mut b = subscriber(&mut h, 10, &[b"A", b"B"]);
        assert_eq!(drain(&mut h), [msg(&[b"\x01A"]), msg(&[b"\x01B"])]);
        a.send(&[b"\x00A"]);
        assert!(drain(&mut h).is_empty(), "b still wants A");
        b.send(&[b"\x00A"]);
        assert_eq!(drain(&mut h), [msg(&[b"\x00A"])]);
        b.send(&[b"\x00never"]);
        assert_eq!(
            drain(&mut h),
            [msg(&[b"\x00never"])],
            "as libzmq: unknown cancels pass"
        );
        assert!(!h.can_recv());
        b.end.close();
        assert_eq!(drain(&mut h), [msg(&[b"\x00B"])], "cancel on close");
        a.end.close();
        assert!(drain(&mut h).is_empty());
    }

    #[test]
    fn verbose_and_verboser() {
        let mut h = Harness::new(SocketType::XPub);
        h.set_ok(SocketOption::XpubVerbose, 1);
        let mut a = subscriber(&mut h, 10, &[b"A"]);
        let mut b = subscriber(&mut h, 10, &[b"A"]);
        assert_eq!(drain(&mut h), [msg(&[b"\x01A"]), msg(&[b"\x01A"])]);
        a.send(&[b"\x00A"]);
        assert!(
            drain(&mut h).is_empty(),
            "VERBOSE: cancels still deduplicated"
        );
        h.set_ok(SocketOption::XpubVerboser, 1);
        b.send(&[b"\x01A"]);
        b.send(&[b"\x01C"]);
        a.send(&[b"\x01C"]);
        a.send(&[b"\x00C"]);
        assert_eq!(
            drain(&mut h),
            [
                msg(&[b"\x01A"]),
                msg(&[b"\x01C"]),
                msg(&[b"\x01C"]),
                msg(&[b"\x00C"])
            ]
        );
        b.end.close();
        let mut cancels = drain(&mut h);
        cancels.sort_by_key(|m| m.frames()[0].to_vec());
        assert_eq!(
            cancels,
            [msg(&[b"\x00A"]), msg(&[b"\x00C"])],
            "VERBOSER: every topic on close"
        );
    }

    #[test]
    fn publishes_to_matching_subscribers_only() {
        let mut h = Harness::new(SocketType::XPub);
        let mut a = subscriber(&mut h, 10, &[b"news"]);
        let mut b = subscriber(&mut h, 10, &[b""]);
        let mut c = subscriber(&mut h, 10, &[b"weather"]);
        h.send_ok(&[b"news/today", b"body"]);
        h.send_ok(&[b"sports"]);
        assert_eq!(a.recv_all(), [msg(&[b"news/today", b"body"])]);
        assert_eq!(
            b.recv_all(),
            [msg(&[b"news/today", b"body"]), msg(&[b"sports"])]
        );
        assert!(c.recv().is_none());
        c.send(&[b"\x00weather"]);
        c.send(&[b"\x01sp"]);
        h.send_ok(&[b"sports"]);
        assert_eq!(c.recv_all(), [msg(&[b"sports"])]);
    }

    #[test]
    fn drops_at_hwm_or_again_with_nodrop() {
        let mut h = Harness::new(SocketType::XPub);
        let mut slow = subscriber(&mut h, 1, &[b""]);
        let mut fast = subscriber(&mut h, 10, &[b""]);
        h.send_ok(&[b"1"]);
        h.send_ok(&[b"2"]);
        assert_eq!(slow.recv_all(), [msg(&[b"1"])], "dropped at the HWM");
        assert_eq!(fast.recv_all().len(), 2);
        h.set_ok(SocketOption::XpubNodrop, 1);
        h.send_ok(&[b"3"]);
        assert!(is_again(&h.send(&[b"4"])));
        assert_eq!(fast.recv_all(), [msg(&[b"3"])], "nothing sent on EAGAIN");
        assert_eq!(slow.recv_all(), [msg(&[b"3"])]);
        h.send_ok(&[b"4"]);
        assert_eq!(slow.recv_all(), [msg(&[b"4"])]);
    }

    #[test]
    fn manual_mode() {
        let mut h = Harness::new(SocketType::XPub);
        h.set_ok(SocketOption::XpubManual, 1);
        assert_eq!(
            h.set(SocketOption::Subscribe, 5)
                .unwrap()
                .unwrap_err()
                .kind(),
            ErrorKind::Invalid
        );
        let mut a = subscriber(&mut h, 10, &[b"x"]);
        assert_eq!(h.recv_ok(), msg(&[b"\x01x"]));
        h.send_ok(&[b"x1"]);
        assert!(a.recv().is_none(), "not applied automatically");
        h.set_ok(SocketOption::Subscribe, "y");
        h.send_ok(&[b"x2"]);
        h.send_ok(&[b"y1"]);
        assert_eq!(a.recv_all(), [msg(&[b"y1"])]);
        h.set_ok(SocketOption::Unsubscribe, "y");
        h.send_ok(&[b"y2"]);
        assert!(a.recv().is_none());
        a.send(&[b"\x01z"]);
        a.end.close();
        assert_eq!(h.recv_ok(), msg(&[b"\x01z"]));
        let mut cancels = drain(&mut h);
        cancels.sort_by_key(|m| m.frames()[0].to_vec());
        assert_eq!(cancels, [msg(&[b"\x00x"]), msg(&[b"\x00z"])]);
        h.set_ok(SocketOption::Subscribe, "no pipe: ignored");
    }

    #[test]
    fn welcome_message_and_upstream_data() {
        let mut h = Harness::new(SocketType::XPub);
        h.set_ok(SocketOption::XpubWelcomeMsg, "welcome");
        let mut accepted = h.attach(Some(peer(SocketType::Sub)), 10);
        assert_eq!(accepted.recv().unwrap(), msg(&[b"welcome"]));
        let mut connecting = h.attach(None, 10);
        assert_eq!(
            connecting.recv().unwrap(),
            msg(&[b"welcome"]),
            "queued for the connection"
        );
        h.peer_ready(&connecting, peer(SocketType::XSub));
        assert!(connecting.recv().is_none(), "once per pipe");
        connecting.send(&[b"hello upstream", b"2"]);
        connecting.send(&[b"\x02not a subscription"]);
        assert_eq!(h.recv_ok(), msg(&[b"hello upstream", b"2"]));
        assert_eq!(h.recv_ok(), msg(&[b"\x02not a subscription"]));
        h.recv_none();
    }

    #[test]
    fn invert_matching() {
        let mut h = Harness::new(SocketType::XPub);
        h.set_ok(SocketOption::InvertMatching, 1);
        let mut a = subscriber(&mut h, 10, &[b"a"]);
        let mut b = subscriber(&mut h, 10, &[b"b"]);
        h.send_ok(&[b"apple"]);
        assert!(a.recv().is_none());
        assert_eq!(b.recv().unwrap(), msg(&[b"apple"]));
    }

    #[test]
    fn bad_option_values() {
        let mut h = Harness::new(SocketType::XPub);
        let err = h.set(SocketOption::XpubVerbose, -1).unwrap().unwrap_err();
        assert!(err.to_string().contains("XPUB_VERBOSE"), "{err}");
        assert_eq!(
            h.set(SocketOption::XpubWelcomeMsg, 3)
                .unwrap()
                .unwrap_err()
                .kind(),
            ErrorKind::Invalid
        );
        assert!(h.set(SocketOption::Subscribe, "not manual").is_none());
        assert!(h.set(SocketOption::RouterMandatory, 1).is_none());
    }
}
