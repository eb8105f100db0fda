//! Subscriptions: prefix tries whose matching walks a message's topic bytes once, so its cost
//! grows with the topic's length, not with the number of subscriptions.
//!
//! - [`Subscriptions`] (PUB/XPUB): topic → the pipes subscribed to it. A pipe is in a
//!   topic's set at most once (as libzmq's mtrie: a SUB sends every SUBSCRIBE but only the
//!   last UNSUBSCRIBE of a topic, so counting per pipe would leak); the set's size tells
//!   XPUB whether a subscribe is the topic's first and a cancel its last.
//! - [`SubscriptionSet`] (SUB/XSUB): the socket's own topics with a count each, as
//!   duplicate SUBSCRIBE calls need as many UNSUBSCRIBEs.
//!
//! Also the 3.0-style subscription message format: one frame, 1 (subscribe) or 0 (cancel),
//! then the topic.

use super::fast_hash::{IdMap, IdSet};
use crate::message::{Frame, Message};
use crate::pipe::PipeId;

/// If `msg` is a subscription message, whether it subscribes (else cancels) and its topic.
pub(crate) fn parse_subscription(msg: &Message) -> Option<(bool, &[u8])> {
    if msg.len() != 1 {
        return None;
    }
    match msg.frames()[0].as_slice() {
        [1, topic @ ..] => Some((true, topic)),
        [0, topic @ ..] => Some((false, topic)),
        _ => None,
    }
}

/// The message that subscribes to (or cancels) `topic`.
pub(crate) fn subscription_message(subscribe: bool, topic: &[u8]) -> Message {
    let mut body = Vec::with_capacity(topic.len() + 1);
    body.push(subscribe as u8);
    body.extend_from_slice(topic);
    Message::single(Frame::from(body))
}

/// The bytes a message is matched on: its first frame.
pub(crate) fn topic_of(msg: &Message) -> &[u8] {
    msg.first().map_or(&[], |frame| frame.as_slice())
}

// ----- the trie both sets are built on -----

type NodeId = u32;
const ROOT: NodeId = 0;

struct Node<V> {
    /// Children sorted by byte: one binary search per topic byte.
    children: Vec<(u8, NodeId)>,
    parent: NodeId,
    byte: u8,
    value: V,
}

impl<V: Default> Node<V> {
    fn new(parent: NodeId, byte: u8) -> Self {
        Node {
            children: Vec::new(),
            parent,
            byte,
            value: V::default(),
        }
    }
}

/// A byte trie in an arena (no recursion, so topics of any length are fine). A node's key is
/// the path from the root; the root is the empty topic.
struct Trie<V> {
    nodes: Vec<Node<V>>,
    free: Vec<NodeId>,
}

impl<V: Default> Trie<V> {
    fn new() -> Self {
        Trie {
            nodes: vec![Node::new(ROOT, 0)],
            free: Vec::new(),
        }
    }

    fn node(&self, id: NodeId) -> &Node<V> {
        &self.nodes[id as usize]
    }

    fn node_mut(&mut self, id: NodeId) -> &mut Node<V> {
        &mut self.nodes[id as usize]
    }

    fn child(&self, id: NodeId, byte: u8) -> Option<NodeId> {
        let children = &self.node(id).children;
        let i = children.binary_search_by_key(&byte, |&(b, _)| b).ok()?;
        Some(children[i].1)
    }

    fn find(&self, key: &[u8]) -> Option<NodeId> {
        key.iter()
            .try_fold(ROOT, |node, &byte| self.child(node, byte))
    }

    fn find_or_insert(&mut self, key: &[u8]) -> NodeId {
        let mut node = ROOT;
        for &byte in key {
            let children = &self.node(node).children;
            node = match children.binary_search_by_key(&byte, |&(b, _)| b) {
                Ok(i) => children[i].1,
                Err(i) => {
                    let new = self.alloc(node, byte);
                    self.node_mut(node).children.insert(i, (byte, new));
                    new
                }
            };
        }
        node
    }

    fn alloc(&mut self, parent: NodeId, byte: u8) -> NodeId {
        match self.free.pop() {
            Some(id) => {
                self.nodes[id as usize] = Node::new(parent, byte);
                id
            }
            None => {
                self.nodes.push(Node::new(parent, byte));
                (self.nodes.len() - 1) as NodeId
            }
        }
    }

    /// Frees `id` and then its ancestors as long as they hold nothing (no value, no
    /// children), so the trie only keeps paths to live subscriptions.
    fn prune(&mut self, mut id: NodeId, is_unused: impl Fn(&V) -> bool) {
        while id != ROOT {
            let node = self.node(id);
            if !node.children.is_empty() || !is_unused(&node.value) {
                return;
            }
            let (parent, byte) = (node.parent, node.byte);
            let siblings = &mut self.node_mut(parent).children;
            if let Ok(i) = siblings.binary_search_by_key(&byte, |&(b, _)| b) {
                siblings.remove(i);
            }
            // Release the node's memory now; the slot is reused by the next insert.
            self.nodes[id as usize] = Node::new(ROOT, 0);
            self.free.push(id);
            id = parent;
        }
    }

    fn key(&self, mut id: NodeId) -> Vec<u8> {
        let mut key = Vec::new();
        while id != ROOT {
            let node = self.node(id);
            key.push(node.byte);
            id = node.parent;
        }
        key.reverse();
        key
    }

    /// Visits the root and then every node on `data`'s path, i.e. every prefix of `data`
    /// present in the trie, until `visit` returns false.
    fn walk_prefixes(&self, data: &[u8], mut visit: impl FnMut(&V) -> bool) {
        let mut node = ROOT;
        if !visit(&self.node(node).value) {
            return;
        }
        for &byte in data {
            match self.child(node, byte) {
                Some(next) => node = next,
                None => return,
            }
            if !visit(&self.node(node).value) {
                return;
            }
        }
    }

    /// Visits every node with its key, depth first (iteratively).
    fn for_each(&self, mut visit: impl FnMut(&[u8], &V)) {
        let mut key = Vec::new();
        visit(&key, &self.node(ROOT).value);
        let mut stack: Vec<(NodeId, usize)> = vec![(ROOT, 0)];
        while let Some(top) = stack.last_mut() {
            let (node, next) = *top;
            match self.node(node).children.get(next) {
                Some(&(byte, child)) => {
                    top.1 += 1;
                    key.push(byte);
                    visit(&key, &self.node(child).value);
                    stack.push((child, 0));
                }
                None => {
                    stack.pop();
                    key.pop();
                }
            }
        }
    }
}

// ----- PUB/XPUB: topic → pipes -----

/// What removing one pipe's subscription to a topic did (libzmq's `rm_result`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Removed {
    /// The pipe was not subscribed to the topic.
    NotFound,
    /// It was the topic's last subscriber.
    Last,
    /// Other pipes are still subscribed.
    OthersRemain,
}

pub(crate) struct Subscriptions {
    /// Each node's value: the pipes subscribed to exactly that topic.
    trie: Trie<Vec<PipeId>>,
    /// Where each (node, pipe) sits in the node's list, for O(1) removal.
    slots: IdMap<(NodeId, PipeId), usize>,
    /// The nodes each pipe is subscribed at, to forget a closed pipe without a trie scan.
    by_pipe: IdMap<PipeId, IdSet<NodeId>>,
}

impl Default for Subscriptions {
    fn default() -> Self {
        Subscriptions {
            trie: Trie::new(),
            slots: IdMap::default(),
            by_pipe: IdMap::default(),
        }
    }
}

impl Subscriptions {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Subscribes `pipe` to `topic`. True if nobody was subscribed to it before.
    pub(crate) fn add(&mut self, topic: &[u8], pipe: PipeId) -> bool {
        let node = self.trie.find_or_insert(topic);
        if self.slots.contains_key(&(node, pipe)) {
            return false;
        }
        let pipes = &mut self.trie.node_mut(node).value;
        let first = pipes.is_empty();
        self.slots.insert((node, pipe), pipes.len());
        pipes.push(pipe);
        self.by_pipe.entry(pipe).or_default().insert(node);
        first
    }

    /// Cancels `pipe`'s subscription to `topic`.
    pub(crate) fn rm(&mut self, topic: &[u8], pipe: PipeId) -> Removed {
        let Some(node) = self.trie.find(topic) else {
            return Removed::NotFound;
        };
        if !self.detach(node, pipe) {
            return Removed::NotFound;
        }
        if let Some(nodes) = self.by_pipe.get_mut(&pipe) {
            nodes.remove(&node);
            if nodes.is_empty() {
                self.by_pipe.remove(&pipe);
            }
        }
        if self.trie.node(node).value.is_empty() {
            self.trie.prune(node, Vec::is_empty);
            Removed::Last
        } else {
            Removed::OthersRemain
        }
    }

    /// Removes every subscription of `pipe`, calling `removed(topic, was_last_subscriber)`
    /// for each.
    pub(crate) fn rm_pipe(&mut self, pipe: PipeId, mut removed: impl FnMut(&[u8], bool)) {
        let Some(nodes) = self.by_pipe.remove(&pipe) else {
            return;
        };
        for node in nodes {
            self.detach(node, pipe);
            let last = self.trie.node(node).value.is_empty();
            removed(&self.trie.key(node), last);
            if last {
                self.trie.prune(node, Vec::is_empty);
            }
        }
    }

    /// Takes `pipe` out of `node`'s list; false if it was not there.
    fn detach(&mut self, node: NodeId, pipe: PipeId) -> bool {
        let Some(pos) = self.slots.remove(&(node, pipe)) else {
            return false;
        };
        let pipes = &mut self.trie.node_mut(node).value;
        pipes.swap_remove(pos);
        if let Some(&moved) = pipes.get(pos) {
            self.slots.insert((node, moved), pos);
        }
        true
    }

    /// Calls `f` for each pipe subscribed to a prefix of `data` (a pipe subscribed to several
    /// such prefixes is reported once per prefix).
    pub(crate) fn for_each_match(&self, data: &[u8], mut f: impl FnMut(PipeId)) {
        self.trie.walk_prefixes(data, |pipes| {
            pipes.iter().copied().for_each(&mut f);
            true
        });
    }

    /// Whether `pipe` is subscribed to exactly `topic`.
    #[cfg(test)]
    pub(crate) fn has(&self, topic: &[u8], pipe: PipeId) -> bool {
        self.trie
            .find(topic)
            .is_some_and(|node| self.slots.contains_key(&(node, pipe)))
    }

    /// Trie nodes in use (tests check that removal frees them).
    #[cfg(test)]
    fn live_nodes(&self) -> usize {
        self.trie.nodes.len() - self.trie.free.len()
    }
}

// ----- SUB/XSUB: the socket's own topics -----

pub(crate) struct SubscriptionSet {
    /// Each node's value: how many times its topic was subscribed.
    trie: Trie<u32>,
}

impl Default for SubscriptionSet {
    fn default() -> Self {
        SubscriptionSet { trie: Trie::new() }
    }
}

impl SubscriptionSet {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Counts a subscription to `topic`; true if it is new.
    pub(crate) fn add(&mut self, topic: &[u8]) -> bool {
        let node = self.trie.find_or_insert(topic);
        let count = &mut self.trie.node_mut(node).value;
        *count += 1;
        *count == 1
    }

    /// Uncounts a subscription; true if that was the last one for `topic`.
    pub(crate) fn rm(&mut self, topic: &[u8]) -> bool {
        let Some(node) = self.trie.find(topic) else {
            return false;
        };
        let count = &mut self.trie.node_mut(node).value;
        if *count == 0 {
            return false;
        }
        *count -= 1;
        if *count > 0 {
            return false;
        }
        self.trie.prune(node, |&count| count == 0);
        true
    }

    /// Whether some subscribed topic is a prefix of `data`.
    pub(crate) fn matches(&self, data: &[u8]) -> bool {
        let mut found = false;
        self.trie.walk_prefixes(data, |&count| {
            found = count > 0;
            !found
        });
        found
    }

    /// Calls `f` once per subscribed topic (to resend them all to a new peer).
    pub(crate) fn for_each_topic(&self, mut f: impl FnMut(&[u8])) {
        self.trie.for_each(|topic, &count| {
            if count > 0 {
                f(topic)
            }
        });
    }

    /// Number of distinct topics.
    #[cfg(test)]
    fn len(&self) -> usize {
        let mut topics = 0;
        self.for_each_topic(|_| topics += 1);
        topics
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(subs: &Subscriptions, data: &[u8]) -> Vec<PipeId> {
        let mut found = Vec::new();
        subs.for_each_match(data, |p| found.push(p));
        found.sort_unstable();
        found
    }

    #[test]
    fn prefixes_match_and_others_do_not() {
        let mut subs = Subscriptions::new();
        assert!(subs.add(b"ab", 1));
        assert!(subs.add(b"abc", 2));
        assert!(subs.add(b"b", 3));
        assert_eq!(matches(&subs, b"abcd"), [1, 2]);
        assert_eq!(matches(&subs, b"ab"), [1]);
        assert_eq!(matches(&subs, b"a"), Vec::<PipeId>::new());
        assert_eq!(matches(&subs, b"bx"), [3]);
        assert_eq!(matches(&subs, b""), Vec::<PipeId>::new());
    }

    #[test]
    fn empty_topic_matches_everything() {
        let mut subs = Subscriptions::new();
        subs.add(b"", 7);
        assert_eq!(matches(&subs, b""), [7]);
        assert_eq!(matches(&subs, b"anything"), [7]);
        let mut set = SubscriptionSet::new();
        set.add(b"");
        assert!(set.matches(b""));
        assert!(set.matches(b"xyz"));
    }

    #[test]
    fn first_and_last_subscriber_are_reported() {
        let mut subs = Subscriptions::new();
        assert!(subs.add(b"t", 1));
        assert!(!subs.add(b"t", 2), "second pipe: not the first");
        assert!(!subs.add(b"t", 1), "same pipe again: a set, not a count");
        assert_eq!(subs.rm(b"t", 1), Removed::OthersRemain);
        assert_eq!(subs.rm(b"t", 1), Removed::NotFound);
        assert_eq!(subs.rm(b"t", 2), Removed::Last);
        assert_eq!(subs.rm(b"zz", 2), Removed::NotFound);
        assert_eq!(subs.live_nodes(), 1, "only the root is left");
    }

    #[test]
    fn removing_a_pipe_reports_its_topics_and_frees_nodes() {
        let mut subs = Subscriptions::new();
        subs.add(b"a", 1);
        subs.add(b"abc", 1);
        subs.add(b"abc", 2);
        subs.add(b"x", 1);
        let mut removed = Vec::new();
        subs.rm_pipe(1, |topic, last| removed.push((topic.to_vec(), last)));
        removed.sort();
        assert_eq!(
            removed,
            [
                (b"a".to_vec(), true),
                (b"abc".to_vec(), false),
                (b"x".to_vec(), true)
            ]
        );
        assert_eq!(matches(&subs, b"abcd"), [2]);
        assert!(subs.has(b"abc", 2));
        subs.rm_pipe(2, |_, last| assert!(last));
        assert_eq!(subs.live_nodes(), 1);
    }

    #[test]
    fn many_topics_and_pipes() {
        let mut subs = Subscriptions::new();
        for i in 0..2000u32 {
            let topic = format!("topic/{i}");
            subs.add(topic.as_bytes(), (i % 10) as PipeId);
        }
        // "topic/1", "topic/12", "topic/123" and "topic/1234" are all prefixes.
        assert_eq!(matches(&subs, b"topic/1234/extra"), [1, 2, 3, 4]);
        for i in 0..2000u32 {
            let topic = format!("topic/{i}");
            assert_eq!(subs.rm(topic.as_bytes(), (i % 10) as PipeId), Removed::Last);
        }
        assert_eq!(subs.live_nodes(), 1);
        // Freed nodes are reused.
        subs.add(b"again", 1);
        assert_eq!(matches(&subs, b"again!"), [1]);
    }

    #[test]
    fn long_topics_do_not_recurse() {
        let long = vec![b'x'; 100_000];
        let mut subs = Subscriptions::new();
        subs.add(&long, 1);
        assert_eq!(matches(&subs, &long), [1]);
        subs.rm_pipe(1, |topic, _| assert_eq!(topic.len(), long.len()));
        let mut set = SubscriptionSet::new();
        set.add(&long);
        let mut seen = 0;
        set.for_each_topic(|t| seen += t.len());
        assert_eq!(seen, long.len());
        assert!(set.rm(&long));
    }

    #[test]
    fn set_counts_duplicates() {
        let mut set = SubscriptionSet::new();
        assert!(set.add(b"a"));
        assert!(!set.add(b"a"));
        assert!(set.add(b"abc"));
        assert!(set.matches(b"abd"));
        assert!(!set.rm(b"a"), "one subscription to 'a' is left");
        assert!(set.matches(b"a"));
        assert!(set.rm(b"a"));
        assert!(!set.matches(b"abd"));
        assert!(set.matches(b"abcd"));
        assert!(!set.rm(b"a"), "not subscribed any more");
        assert!(!set.rm(b"nope"));
        let mut topics = Vec::new();
        set.for_each_topic(|t| topics.push(t.to_vec()));
        assert_eq!(topics, [b"abc".to_vec()]);
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn subscription_messages_round_trip() {
        let sub = subscription_message(true, b"topic");
        assert_eq!(parse_subscription(&sub), Some((true, &b"topic"[..])));
        let cancel = subscription_message(false, b"");
        assert_eq!(parse_subscription(&cancel), Some((false, &b""[..])));
        assert_eq!(parse_subscription(&Message::single(&b"\x02x"[..])), None);
        assert_eq!(parse_subscription(&Message::single(Frame::empty())), None);
        assert_eq!(
            parse_subscription(&Message::from_frames([&b"\x01a"[..], b"b"])),
            None
        );
    }
}
