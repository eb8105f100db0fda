//! ROUTER (RFC 28): every message is addressed by routing id. Received messages get their
//! peer's routing id as first frame; a sent message's first frame names the peer.
//!
//! A peer's routing id is the Identity it gave in its handshake if non-empty, else a
//! generated one; a peer claiming an id in use is ignored (never read nor routed to). A connecting pipe is unknown (neither routable nor read) until its
//! handshake completes. Unroutable messages are dropped, or refused with EHOSTUNREACH under
//! ROUTER_MANDATORY; so are messages to a peer at its HWM (EAGAIN under ROUTER_MANDATORY).
//! ROUTER_HANDOVER lets a new peer take over an id in use; the old connection is closed.

use std::collections::HashMap;

use bytes::Bytes;

use super::dealer::send_probe;
use super::peers::Peers;
use super::pipes::Pipes;
use super::routing_ids::RoutingIdGenerator;
use super::{flag_value, parse_flag};
use crate::error::{Error, ErrorKind, Result};
use crate::message::{Frame, Message};
use crate::options::{OptionValue, SocketOption};
use crate::pipe::{PipeEnd, PipeId};
use crate::signal::PeerIdentity;
use crate::socket::pattern::{Pattern, SendError};

pub(crate) struct Router {
    /// Each pipe with its routing id once its peer is known; only from then on is it read.
    /// Never load-balanced: a send names its pipe. Read ahead: routing id already prepended.
    peers: Peers<Option<Bytes>>,
    /// Routable pipes by routing id (peer-chosen keys: the standard, flooding-proof hasher).
    by_id: HashMap<Bytes, PipeId>,
    ids: RoutingIdGenerator,
    mandatory: bool,
    handover: bool,
    probe_router: bool,
}

impl Router {
    pub(crate) fn new() -> Self {
        Router {
            peers: Peers::new(),
            by_id: HashMap::new(),
            ids: RoutingIdGenerator::new(),
            mandatory: false,
            handover: false,
            probe_router: false,
        }
    }

    fn generate_id(&mut self) -> Bytes {
        let by_id = &self.by_id;
        self.ids.generate(|id| by_id.contains_key(id))
    }

    /// Gives `pipe` its routing id now that its peer is known, and starts reading it.
    fn identify(&mut self, pipe: PipeId, peer: &PeerIdentity) {
        let Some(current) = self.peers.pipes().data(pipe).cloned() else {
            return;
        };
        let wanted = peer.routing_id.clone().filter(|id| !id.is_empty());
        let id = match wanted {
            Some(wanted) if current.as_ref() == Some(&wanted) => wanted,
            Some(wanted) => match self.by_id.get(&wanted).copied() {
                None => wanted,
                Some(holder) if self.handover => {
                    self.evict(holder);
                    wanted
                }
                Some(_) => match current {
                    Some(current) => current,
                    None => {
                        // As libzmq: a second peer claiming an id in use is ignored, neither
                        // routable nor read, unless ROUTER_HANDOVER is set.
                        tracing::debug!(
                            "ROUTER: routing id {wanted:?} is already in use; peer ignored"
                        );
                        return;
                    }
                },
            },
            None => current.unwrap_or_else(|| self.generate_id()),
        };
        self.set_id(pipe, id);
        self.peers.start_reading(pipe);
    }

    fn set_id(&mut self, pipe: PipeId, id: Bytes) {
        let Some(slot) = self.peers.pipes_mut().data_mut(pipe) else {
            return;
        };
        if let Some(old) = slot.replace(id.clone()) {
            if old != id && self.by_id.get(&old) == Some(&pipe) {
                self.by_id.remove(&old);
            }
        }
        self.by_id.insert(id, pipe);
    }

    /// ROUTER_HANDOVER: `holder` loses its routing id to a new peer. Like libzmq, the old
    /// connection is closed; what it already sent is still delivered, under a generated id.
    fn evict(&mut self, holder: PipeId) {
        let fresh = self.generate_id();
        let pipes = self.peers.pipes_mut();
        if let Some(Some(old)) = pipes.data_mut(holder).map(|slot| slot.replace(fresh)) {
            self.by_id.remove(&old);
        }
        if let Some(pipe) = pipes.pipe_mut(holder) {
            pipe.close();
        }
    }

    fn unroutable(&self, id: &Frame) -> Result<(), SendError> {
        if self.mandatory {
            Err(SendError::Failed(Error::new(
                ErrorKind::HostUnreachable,
                format!("ROUTER has no connected peer with routing id {id:?}"),
            )))
        } else {
            Ok(())
        }
    }
}

/// Prepends the routing id of the pipe `msg` came from (a pipe is read only once it has one).
fn with_routing_id(
    pipes: &Pipes<Option<Bytes>>,
    pipe: PipeId,
    mut msg: Message,
) -> Option<Message> {
    let id = pipes.data(pipe)?.as_ref()?;
    msg.push_front(Frame::from(id.clone()));
    Some(msg)
}

impl Pattern for Router {
    fn check_first_frame(&self, first: &Frame) -> Result<()> {
        if self.mandatory && !self.by_id.contains_key(first.as_slice()) {
            return Err(Error::new(
                ErrorKind::HostUnreachable,
                format!("ROUTER has no connected peer with routing id {first:?}"),
            ));
        }
        Ok(())
    }

    fn attach(&mut self, mut pipe: PipeEnd, peer: Option<&PeerIdentity>) {
        // The probe is queued at once, even on a connecting pipe (libzmq), and sent once.
        if self.probe_router {
            send_probe(&mut pipe);
        }
        let id = self.peers.insert(pipe, None);
        if let Some(peer) = peer {
            self.identify(id, peer);
        }
    }

    fn peer_ready(&mut self, pipe: PipeId, peer: &PeerIdentity) {
        self.identify(pipe, peer);
    }

    fn readable(&mut self, pipe: PipeId) {
        self.peers.readable(pipe);
    }

    /// Nothing waits here: a refused send is retried by the socket.
    fn writable(&mut self, _pipe: PipeId) {}

    fn closed(&mut self, pipe: PipeId) {
        if let Some(Some(id)) = self.peers.pipes().data(pipe) {
            if self.by_id.get(id) == Some(&pipe) {
                self.by_id.remove(id);
            }
        }
        self.peers.closed(pipe);
    }

    fn send(&mut self, mut msg: Message) -> Result<(), SendError> {
        let Some(id) = msg.pop_front() else {
            return Ok(());
        };
        if msg.is_empty() {
            // A routing id and no body: libzmq ignores it.
            return Ok(());
        }
        let Some(pipe) = self
            .by_id
            .get(id.as_slice())
            .and_then(|&p| self.peers.pipes_mut().pipe_mut(p))
        else {
            return self.unroutable(&id);
        };
        loop {
            match pipe.send(msg) {
                Ok(()) => return Ok(()),
                Err(back) => msg = back,
            }
            if pipe.is_peer_closed() {
                return self.unroutable(&id);
            }
            if !self.mandatory {
                tracing::trace!("ROUTER: peer {id:?} is at its HWM; message dropped");
                return Ok(());
            }
            if !pipe.arm_writable() {
                msg.push_front(id);
                return Err(SendError::Again(msg));
            }
        }
    }

    fn recv(&mut self) -> Result<Message> {
        self.peers
            .recv_with(with_routing_id)
            .ok_or_else(Error::again)
    }

    fn can_send(&mut self) -> bool {
        // Without ROUTER_MANDATORY a send never waits (it may drop). With it and no peer at
        // all, it fails at once with EHOSTUNREACH: say "yes" so the socket tries it rather
        // than waiting for a peer. Otherwise some peer must have room; the full ones are
        // armed so the socket hears when one drains. (O(peers): only for polling.)
        if !self.mandatory || self.by_id.is_empty() {
            return true;
        }
        let pipes = self.peers.pipes_mut();
        self.by_id.values().any(|&p| {
            pipes
                .pipe_mut(p)
                .is_some_and(|pipe| pipe.is_writable() || pipe.arm_writable())
        })
    }

    fn last_recv_pipe(&self) -> Option<PipeId> {
        self.peers.last_recv_pipe()
    }

    fn can_recv(&mut self) -> bool {
        self.peers.can_recv_with(with_routing_id)
    }

    fn set_option(&mut self, option: SocketOption, value: &OptionValue) -> Option<Result<()>> {
        let target = match option {
            SocketOption::RouterMandatory => &mut self.mandatory,
            SocketOption::RouterHandover => &mut self.handover,
            SocketOption::ProbeRouter => &mut self.probe_router,
            _ => return None,
        };
        Some(parse_flag(option, value).map(|on| *target = on))
    }

    fn get_option(&self, option: SocketOption) -> Option<OptionValue> {
        match option {
            SocketOption::RouterMandatory => flag_value(self.mandatory),
            SocketOption::RouterHandover => flag_value(self.handover),
            SocketOption::ProbeRouter => flag_value(self.probe_router),
            _ => None,
        }
    }

    fn close_all(&mut self) {
        self.peers.close_all();
        self.by_id.clear();
    }
}

#[cfg(test)]
mod tests {
    use crate::error::ErrorKind;
    use crate::message::Message;
    use crate::options::SocketOption;
    use crate::socket::patterns::test_util::*;
    use crate::socket_type::SocketType;

    /// The routing id the ROUTER gives `peer`, learnt from a message it sends.
    fn id_of(h: &mut Harness, peer: &mut Peer) -> Vec<u8> {
        peer.send(&[b"who am i"]);
        let m = h.recv_ok();
        assert_eq!(m.frames()[1], b"who am i");
        m.frames()[0].to_vec()
    }

    fn body(m: Message) -> Vec<Vec<u8>> {
        m.iter().map(|f| f.to_vec()).collect()
    }

    #[test]
    fn given_and_generated_ids() {
        let mut h = Harness::new(SocketType::Router);
        let mut named = h.attach(Some(peer_with_id(SocketType::Dealer, b"alice")), 10);
        let mut anon1 = h.attach(Some(peer(SocketType::Dealer)), 10);
        let mut anon2 = h.attach(Some(peer_with_id(SocketType::Req, b"")), 10);
        assert_eq!(id_of(&mut h, &mut named), b"alice");
        let g1 = id_of(&mut h, &mut anon1);
        let g2 = id_of(&mut h, &mut anon2);
        assert_eq!(g1.len(), 5);
        assert_eq!(g1[0], 0);
        let counter = |g: &[u8]| u32::from_be_bytes(g[1..].try_into().unwrap());
        assert_eq!(counter(&g2), counter(&g1).wrapping_add(1));
        h.send_ok(&[&g2, b"to anon2"]);
        h.send_ok(&[b"alice", b"to", b"alice"]);
        assert_eq!(anon2.recv().unwrap(), msg(&[b"to anon2"]));
        assert_eq!(named.recv().unwrap(), msg(&[b"to", b"alice"]));
        assert!(anon1.recv().is_none());
    }

    #[test]
    fn fair_queue_prepends_ids() {
        let mut h = Harness::new(SocketType::Router);
        let mut peers: Vec<Peer> = [b"A", b"B", b"C"]
            .iter()
            .map(|id| h.attach(Some(peer_with_id(SocketType::Dealer, *id)), 10))
            .collect();
        for p in &mut peers {
            p.send(&[b"1"]);
            p.send(&[b"2"]);
        }
        let got: Vec<Vec<Vec<u8>>> = (0..6).map(|_| body(h.recv_ok())).collect();
        let expect: Vec<Vec<Vec<u8>>> = [b"1", b"2"]
            .iter()
            .flat_map(|n| [b"A", b"B", b"C"].map(|id| vec![id.to_vec(), n.to_vec()]))
            .collect();
        assert_eq!(got, expect);
    }

    #[test]
    fn a_duplicate_id_is_ignored_without_handover() {
        let mut h = Harness::new(SocketType::Router);
        let mut first = h.attach(Some(peer_with_id(SocketType::Dealer, b"dup")), 10);
        let mut second = h.attach(Some(peer_with_id(SocketType::Dealer, b"dup")), 10);
        second.send(&[b"from the second"]);
        first.send(&[b"from the first"]);
        let m = h.recv_ok();
        assert_eq!(m.frames()[0], b"dup");
        assert_eq!(m.frames()[1], b"from the first");
        h.recv_none();
        h.send_ok(&[b"dup", b"x"]);
        assert_eq!(first.recv().unwrap(), msg(&[b"x"]));
        assert!(second.recv().is_none());
    }

    #[test]
    fn handover_moves_the_id_to_the_new_peer() {
        let mut h = Harness::new(SocketType::Router);
        h.set_ok(SocketOption::RouterHandover, 1);
        let mut old = h.attach(Some(peer_with_id(SocketType::Dealer, b"id")), 10);
        old.send(&[b"from old"]);
        let mut new = h.attach(Some(peer_with_id(SocketType::Dealer, b"id")), 10);
        assert!(old.end.is_peer_closed(), "the old connection is closed");
        h.send_ok(&[b"id", b"x"]);
        assert_eq!(new.recv().unwrap(), msg(&[b"x"]));
        assert!(old.recv().is_none());
        // What the old peer had sent is still delivered, under a generated id.
        let m = h.recv_ok();
        assert_eq!(m.frames()[0][0], 0);
        assert_eq!(m.frames()[1], b"from old");
        assert_eq!(id_of(&mut h, &mut new), b"id");
    }

    #[test]
    fn unknown_ids_drop_or_fail_with_mandatory() {
        let mut h = Harness::new(SocketType::Router);
        h.send_ok(&[b"nobody", b"x"]);
        h.send_ok(&[b"only an id"]);
        h.set_ok(SocketOption::RouterMandatory, 1);
        assert!(
            h.can_send(),
            "no peer: a send fails at once rather than waiting"
        );
        assert_eq!(
            failed_kind(h.send(&[b"nobody", b"x"])),
            ErrorKind::HostUnreachable
        );
        let mut p = h.attach(Some(peer_with_id(SocketType::Dealer, b"p")), 10);
        p.end.close();
        assert_eq!(
            failed_kind(h.send(&[b"p", b"x"])),
            ErrorKind::HostUnreachable
        );
    }

    #[test]
    fn full_peer_drops_or_again_with_mandatory() {
        let mut h = Harness::new(SocketType::Router);
        let mut p = h.attach(Some(peer_with_id(SocketType::Dealer, b"p")), 1);
        h.send_ok(&[b"p", b"1"]);
        h.send_ok(&[b"p", b"2 (dropped)"]);
        assert!(h.can_send());
        h.set_ok(SocketOption::RouterMandatory, 1);
        let result = h.send(&[b"p", b"3"]);
        match result {
            Err(crate::socket::pattern::SendError::Again(m)) => assert_eq!(m, msg(&[b"p", b"3"])),
            other => panic!("{other:?}"),
        }
        assert!(!h.can_send());
        assert_eq!(p.recv_all(), [msg(&[b"1"])]);
        assert!(h.can_send());
        h.send_ok(&[b"p", b"3"]);
        assert_eq!(p.recv().unwrap(), msg(&[b"3"]));
    }

    #[test]
    fn connecting_pipe_is_routable_after_peer_ready() {
        let mut h = Harness::new(SocketType::Router);
        h.set_ok(SocketOption::RouterMandatory, 1);
        h.set_ok(SocketOption::ProbeRouter, 1);
        let mut p = h.attach(None, 10);
        p.send(&[b"early"]);
        h.recv_none();
        h.peer_ready(&p, peer_with_id(SocketType::Router, b"srv"));
        assert_eq!(p.recv().unwrap(), msg(&[b""]), "probe");
        assert_eq!(body(h.recv_ok()), [b"srv".to_vec(), b"early".to_vec()]);
        h.send_ok(&[b"srv", b"hi"]);
        assert_eq!(p.recv().unwrap(), msg(&[b"hi"]));
        // A reconnect without an identity keeps the id; one with a new identity takes it.
        h.pattern.peer_lost(p.id);
        h.peer_ready(&p, peer(SocketType::Router));
        h.send_ok(&[b"srv", b"still"]);
        h.peer_ready(&p, peer_with_id(SocketType::Router, b"srv2"));
        assert_eq!(
            failed_kind(h.send(&[b"srv", b"x"])),
            ErrorKind::HostUnreachable
        );
        h.send_ok(&[b"srv2", b"renamed"]);
        let got: Vec<_> = p
            .recv_all()
            .into_iter()
            .filter(|m| m != &msg(&[b""]))
            .collect();
        assert_eq!(got, [msg(&[b"still"]), msg(&[b"renamed"])]);
    }

    #[test]
    fn closed_peer_is_drained_then_forgotten() {
        let mut h = Harness::new(SocketType::Router);
        let mut p = h.attach(Some(peer_with_id(SocketType::Dealer, b"p")), 10);
        p.send(&[b"bye"]);
        p.end.close();
        assert_eq!(body(h.recv_ok()), [b"p".to_vec(), b"bye".to_vec()]);
        h.recv_none();
        h.set_ok(SocketOption::RouterMandatory, 1);
        assert_eq!(
            failed_kind(h.send(&[b"p", b"x"])),
            ErrorKind::HostUnreachable
        );
        // The id is free again.
        let mut q = h.attach(Some(peer_with_id(SocketType::Dealer, b"p")), 10);
        h.send_ok(&[b"p", b"x"]);
        assert_eq!(q.recv().unwrap(), msg(&[b"x"]));
    }
}
