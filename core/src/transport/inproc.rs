//! inproc: sockets of one context talking through a bare pipe. No kernel socket, no engine,
//! no copy: a message sent by one socket is the very object the other receives.
//!
//! Each context has an [`InprocRegistry`]: the names bound in it, and the connections made
//! to names not bound yet. A connection is one `pipe_pair` whose two ends go to the two
//! sockets' mailboxes (`PipeEvent::Attached`), each with the other's socket type and
//! routing id, so patterns treat it like any handshaken connection. Like libzmq:
//!
//! * each direction's HWM is the sender's SNDHWM plus the receiver's RCVHWM (0 in either:
//!   no limit), taken from the options at bind and at connect;
//! * connect may come before bind: the connecting socket gets its end at once (so sends
//!   queue), the other end waits here and goes to the binder when it binds; the connecting
//!   side then hears the binder's identity (`PeerReady`);
//! * socket types are not checked (libzmq does not either): an incompatible pair simply
//!   exchanges messages its patterns make what they can of;
//! * unbind frees the name and leaves existing connections alone; disconnect cuts the
//!   connection; closing a socket frees its names, and its peers read what it had queued.
//!
//! The registry holds `Weak` references only: it never keeps a socket alive.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use atomic_waker::AtomicWaker;

use crate::engine::link::SocketLink;
use crate::error::{Error, ErrorKind, Result};
use crate::options::SocketOptions;
use crate::pipe::{
    inproc_pipe_pair, pipe_pair, DeferredSocket, Hwm, Listener, PipeCloser, PipeEnd, PipeId,
};
use crate::signal::{PeerIdentity, PipeEvent};

#[derive(Default)]
pub(crate) struct InprocRegistry {
    state: Mutex<Registry>,
}

#[derive(Default)]
struct Registry {
    bound: HashMap<String, Bound>,
    /// Connections to names not bound yet, in connect order.
    pending: HashMap<String, Vec<Pending>>,
    next_token: u64,
}

struct Bound {
    /// Tells this binding from a later one of the same name (unbind removes only its own).
    token: u64,
    binder: Side,
}

struct Pending {
    connector: Side,
    /// The end the binder will get.
    end: PipeEnd,
    /// The listener the connector's end notifies: the binder, once known.
    binder: Arc<DeferredSocket>,
}

/// One socket as the other side of an inproc connection sees it: a snapshot of its options
/// at bind/connect time (as libzmq takes it).
#[derive(Clone)]
pub(crate) struct Side {
    link: Weak<SocketLink>,
    identity: PeerIdentity,
    sndhwm: i32,
    rcvhwm: i32,
    conflate: bool,
    /// CONNECT_ROUTING_ID: what this (connecting) side calls its peer.
    peer_alias: Option<bytes::Bytes>,
}

impl Side {
    /// The binder as this connecting side sees it (renamed by CONNECT_ROUTING_ID).
    fn view_of(&self, binder: &Side) -> PeerIdentity {
        PeerIdentity {
            socket_type: binder.identity.socket_type,
            routing_id: self
                .peer_alias
                .clone()
                .or_else(|| binder.identity.routing_id.clone()),
            properties: None,
        }
    }

    pub(crate) fn new(link: &Arc<SocketLink>, options: &SocketOptions) -> Side {
        Side {
            link: Arc::downgrade(link),
            identity: PeerIdentity {
                socket_type: link.socket_type,
                routing_id: options.routing_id.clone(),
                properties: None,
            },
            sndhwm: options.sndhwm,
            rcvhwm: options.rcvhwm,
            conflate: options.conflates(link.socket_type),
            peer_alias: options.connect_routing_id.clone(),
        }
    }
}

/// The HWM of one direction: the sender's SNDHWM plus the receiver's RCVHWM, or no limit
/// if either is unlimited (0).
fn hwm(sender_sndhwm: i32, receiver_rcvhwm: i32) -> Hwm {
    Hwm {
        sender: sender_sndhwm as i64,
        receiver: receiver_rcvhwm as i64,
    }
}

impl InprocRegistry {
    fn lock(&self) -> MutexGuard<'_, Registry> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Binds `name` for the socket behind `binder`, and hands it the connections that were
    /// waiting for the name. EADDRINUSE if the name is bound in this context already.
    pub(crate) fn bind(
        self: &Arc<Self>,
        name: &str,
        binder: Side,
        link: &Arc<SocketLink>,
    ) -> Result<InprocBinding> {
        let mut registry = self.lock();
        if let Some(existing) = registry.bound.get(name) {
            // A socket dropped without closing cannot hold a name: only a live one counts.
            if existing.binder.link.strong_count() > 0 {
                return Err(Error::new(
                    ErrorKind::AddrInUse,
                    format!("inproc://{name} is already bound in this context"),
                ));
            }
        }
        registry.next_token += 1;
        let token = registry.next_token;
        registry.bound.insert(
            name.to_string(),
            Bound {
                token,
                binder: binder.clone(),
            },
        );
        for pending in registry.pending.remove(name).unwrap_or_default() {
            complete(pending, &binder, link);
        }
        Ok(InprocBinding {
            registry: self.clone(),
            name: name.to_string(),
            token,
        })
    }

    /// Connects the socket behind `connector` to `name`: its end of the pipe is posted to
    /// its own mailbox now; the other end goes to the binder now or when it binds.
    pub(crate) fn connect(
        self: &Arc<Self>,
        name: &str,
        connector: Side,
        link: &Arc<SocketLink>,
    ) -> InprocConnection {
        let mut registry = self.lock();
        registry.prune();
        let mine = Listener::Socket(link.signal.clone());
        let binder = registry
            .bound
            .get(name)
            .and_then(|b| Some((b.binder.clone(), b.binder.link.upgrade()?)));
        let connection = match binder {
            Some((binder, binder_link)) => {
                if !link
                    .socket_type
                    .is_compatible_with(binder.identity.socket_type)
                {
                    tracing::debug!(
                        "inproc://{name}: {} connects to {}, which do not normally talk \
                         (libzmq does not check inproc socket types either)",
                        link.socket_type,
                        binder.identity.socket_type
                    );
                }
                let (end, theirs) = inproc_pipe_pair(
                    mine.clone(),
                    Listener::Socket(binder_link.signal.clone()),
                    hwm(connector.sndhwm, binder.rcvhwm),
                    hwm(binder.sndhwm, connector.rcvhwm),
                );
                if connector.conflate || binder.conflate {
                    end.set_conflate();
                }
                let closer = end.closer(mine);
                let pipe = end.id();
                // Our end first: whatever the binder does with its end is then posted to us
                // after it.
                link.signal
                    .post(PipeEvent::Attached(end, Some(connector.view_of(&binder))));
                binder_link.signal.post(PipeEvent::Attached(
                    theirs,
                    Some(connector.identity.clone()),
                ));
                (closer, pipe)
            }
            None => {
                // Until the binder is known, only the connector's HWMs count, as in libzmq:
                // with SNDHWM 1, one message is queued.
                let deferred = Arc::new(DeferredSocket::default());
                let (end, theirs) = inproc_pipe_pair(
                    mine.clone(),
                    Listener::Deferred(deferred.clone()),
                    Hwm::sender(connector.sndhwm as i64),
                    Hwm::receiver(connector.rcvhwm as i64),
                );
                if connector.conflate {
                    end.set_conflate();
                }
                let closer = end.closer(mine);
                let pipe = end.id();
                link.signal.post(PipeEvent::Attached(end, None));
                registry
                    .pending
                    .entry(name.to_string())
                    .or_default()
                    .push(Pending {
                        connector: connector.clone(),
                        end: theirs,
                        binder: deferred,
                    });
                (closer, pipe)
            }
        };
        InprocConnection {
            registry: self.clone(),
            name: name.to_string(),
            closer: connection.0,
            pipe: connection.1,
            link: Arc::downgrade(link),
        }
    }
}

impl InprocRegistry {
    /// A pipe from an I/O task (woken by `waker`) to the socket bound at `name`, which sees
    /// it as a new DEALER peer with no routing id; `None` if nothing is bound there. No
    /// HWM either way. For ZAP requests (`engine/zap_client.rs`), as libzmq's sessions
    /// make them.
    pub(crate) fn connect_task(&self, name: &str, waker: &Arc<AtomicWaker>) -> Option<PipeEnd> {
        let registry = self.lock();
        let binder = registry.bound.get(name)?.binder.link.upgrade()?;
        let unlimited = Hwm {
            sender: 0,
            receiver: 0,
        };
        let (ours, theirs) = pipe_pair(
            Listener::Task(waker.clone()),
            Listener::Socket(binder.signal.clone()),
            unlimited,
            unlimited,
        );
        let peer = PeerIdentity {
            socket_type: crate::socket_type::SocketType::Dealer,
            routing_id: None,
            properties: None,
        };
        binder.signal.post(PipeEvent::Attached(theirs, Some(peer)));
        Some(ours)
    }
}

impl Registry {
    /// Forgets pending connections whose socket closed leaving nothing to deliver.
    fn prune(&mut self) {
        self.pending.retain(|_, list| {
            list.retain(|p| !p.end.is_peer_finished());
            !list.is_empty()
        });
    }
}

/// Gives a waiting connection's end to the socket that just bound its name.
fn complete(pending: Pending, binder: &Side, binder_link: &Arc<SocketLink>) {
    let Pending {
        connector,
        end,
        binder: deferred,
    } = pending;
    if end.is_peer_finished() {
        // The connecting socket closed and left nothing to deliver.
        return;
    }
    // The binder's parts join the connector's (the binder may have woken a waiting writer).
    let _ = end.set_own_hwms(binder.sndhwm as i64, binder.rcvhwm as i64);
    if binder.conflate || connector.conflate {
        // After set_hwms: conflating pipes have no HWM.
        end.set_conflate();
    }
    deferred.set(binder_link.signal.clone());
    // Checked after `set`: a close notified before it was lost, one after it is posted.
    let closed = end.is_peer_closed();
    let (id, connector_pipe) = (end.id(), end.peer_id());
    binder_link
        .signal
        .post(PipeEvent::Attached(end, Some(connector.identity.clone())));
    if closed {
        binder_link.signal.post(PipeEvent::Closed(id));
    }
    if let Some(connector_link) = connector.link.upgrade() {
        connector_link.signal.post(PipeEvent::PeerReady(
            connector_pipe,
            connector.view_of(binder),
        ));
    }
}

/// A name bound by a socket; dropping it (unbind, socket close) frees the name.
pub(crate) struct InprocBinding {
    registry: Arc<InprocRegistry>,
    name: String,
    token: u64,
}

impl Drop for InprocBinding {
    fn drop(&mut self) {
        let mut registry = self.registry.lock();
        if registry
            .bound
            .get(&self.name)
            .is_some_and(|b| b.token == self.token)
        {
            registry.bound.remove(&self.name);
        }
    }
}

/// A connection made by `connect`; dropping it (disconnect, socket close) cuts it.
pub(crate) struct InprocConnection {
    registry: Arc<InprocRegistry>,
    name: String,
    closer: PipeCloser,
    /// The connecting socket's end.
    pipe: PipeId,
    link: Weak<SocketLink>,
}

impl Drop for InprocConnection {
    fn drop(&mut self) {
        {
            let mut registry = self.registry.lock();
            if let Some(list) = registry.pending.get_mut(&self.name) {
                // Still waiting for a bind. A socket that closed with messages queued (and
                // LINGER not 0) keeps them for the binder, as libzmq does; otherwise the
                // connection is forgotten.
                let linger_zero = self
                    .link
                    .upgrade()
                    .and_then(|link| link.linger())
                    .is_some_and(|l| l.is_zero());
                list.retain(|p| {
                    p.end.peer_id() != self.pipe
                        || (p.end.is_peer_closed() && !p.end.is_peer_finished() && !linger_zero)
                });
                if list.is_empty() {
                    registry.pending.remove(&self.name);
                }
            }
        }
        // A disconnect (or the socket's close): what this socket had not read from the
        // binder is dropped, as libzmq does; the binder still reads what we sent.
        self.closer.close_dropping_own_unread();
    }
}

#[cfg(test)]
mod tests {
    use super::hwm;

    #[test]
    fn hwm_adds_both_sides_and_zero_means_unlimited() {
        assert_eq!(hwm(10, 20).capacity(), 30);
        assert_eq!(hwm(0, 20).capacity(), 0);
        assert_eq!(hwm(10, 0).capacity(), 0);
        assert_eq!(hwm(1000, 1000).capacity(), 2000);
        assert_eq!(super::Hwm::sender(1).capacity(), 1);
        assert_eq!(super::Hwm::receiver(0).capacity(), 0);
    }
}
