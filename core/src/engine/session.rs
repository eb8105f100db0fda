//! The connect side: keeps one outgoing connection alive, reconnecting with
//! RECONNECT_IVL / RECONNECT_IVL_MAX back-off, across which the socket's pipe survives
//! (unless IMMEDIATE is set, or the socket is a STREAM, when each connection has its own
//! pipe, which exists only while connected). The same loop serves every stream transport
//! (TCP, ipc); what differs is behind [`Connector`].

use std::future::{poll_fn, Future};
use std::os::fd::{AsFd, AsRawFd};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use atomic_waker::AtomicWaker;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use crate::engine::close_wait::PeerBacklog;
use crate::engine::link::{ShutdownReceiver, SocketLink};
use crate::engine::stream_engine::{EngineEnd, StreamEngine};
use crate::error::Result;
use crate::monitor::{self, Monitor};
use crate::options::SocketOptions;
use crate::pipe::PipeEnd;
use crate::signal::{PeerIdentity, PipeEvent};
use crate::socket_type::SocketType;

/// How to reach the peer of a stream transport.
pub(crate) trait Connector: Send + Sync + 'static {
    type Stream: AsyncRead + AsyncWrite + AsRawFd + AsFd + PeerBacklog + Unpin + Send + 'static;

    /// One connection attempt (CONNECT_TIMEOUT included), with the socket's per-connection
    /// options applied. The error is only logged: the session retries after RECONNECT_IVL.
    /// Reports CONNECT_DELAYED (a connect in progress) and CLOSED (the socket of a failed
    /// attempt) to `monitor`, naming `endpoint`, as libzmq's connecters do.
    fn connect(
        &self,
        options: &SocketOptions,
        monitor: &Monitor,
        endpoint: &str,
    ) -> impl Future<Output = Result<Self::Stream>> + Send;
}

pub(crate) struct Session {
    pub link: Arc<SocketLink>,
    pub options: SocketOptions,
    pub waker: Arc<AtomicWaker>,
    /// The I/O end of the socket's pipe for this connection.
    pub pipe: Option<PipeEnd>,
    /// The endpoint as given to `connect`, for monitor events.
    pub endpoint: String,
}

impl Session {
    /// Creates the session and, unless each connection has its own pipe (IMMEDIATE,
    /// STREAM), the pipe the socket can queue messages into before the connection exists.
    /// A ROUTER or STREAM connect with CONNECT_ROUTING_ID gets its pipe at once, under that
    /// name, so messages can be routed to it before the connection is up (as in libzmq).
    pub(crate) fn new(link: Arc<SocketLink>, options: SocketOptions, endpoint: String) -> Session {
        let waker = Arc::new(AtomicWaker::new());
        let named = named_at_connect(&link, &options);
        let pipe = (!pipe_per_connection(&link, &options) || named.is_some())
            .then(|| link.attach_new_pipe(&options, &waker, named));
        Session {
            link,
            options,
            waker,
            pipe,
            endpoint,
        }
    }

    pub(crate) async fn run<C: Connector>(mut self, connector: C, mut shutdown: ShutdownReceiver) {
        let mut backoff = self.reconnect_ivl();
        // Set once the socket has closed with messages still queued: LINGER's deadline
        // (`None` inside means "linger forever").
        let mut closing: Option<Option<Instant>> = None;
        loop {
            // Checked on every round: a connection lost once everything was written (the
            // peer closed while we waited for it to read) leaves nothing to reconnect for.
            if self.socket_closed() && self.nothing_left_to_send() {
                return;
            }
            if self.socket_closed() && closing.is_none() {
                match self.link.linger() {
                    Some(linger) if linger.is_zero() => return,
                    linger => closing = Some(linger.map(|l| Instant::now() + l)),
                }
            }
            let linger_deadline = closing.flatten();
            let connected = tokio::select! {
                connected = connector.connect(&self.options, &self.link.monitor, &self.endpoint) => match connected {
                    Ok(stream) => Some(stream),
                    Err(e) => {
                        tracing::trace!(error = %e, "connect failed");
                        None
                    }
                },
                // The socket's close also drops the shutdown sender: once closing, only
                // LINGER ends the attempts.
                _ = shutdown.changed(), if closing.is_none() => {
                    if self.socket_closed() { continue }
                    // Disconnected while reconnecting: what an earlier connection left
                    // unread is dropped too.
                    if let Some(pipe) = &self.pipe {
                        pipe.drop_unread_output();
                    }
                    return
                }
                _ = self.wait_socket_closed(), if closing.is_none() => continue,
                _ = sleep_until_some(linger_deadline) => return,
            };
            if let Some(stream) = connected {
                self.link.monitor.emit(
                    monitor::EVENT_CONNECTED,
                    stream.as_raw_fd() as u32,
                    &self.endpoint,
                );
                let mut engine = StreamEngine::new(
                    stream,
                    &self.link,
                    &self.options,
                    self.waker.clone(),
                    self.endpoint.clone(),
                );
                let end = engine.run(&mut self.pipe, &self.link, &mut shutdown).await;
                tracing::debug!(%end, "connection ended");
                match end {
                    EngineEnd::SocketClosed => return,
                    EngineEnd::Shutdown => {
                        // Disconnected: what the socket has not read from here is dropped.
                        if let Some(pipe) = &self.pipe {
                            pipe.drop_unread_output();
                        }
                        return;
                    }
                    // As libzmq: a peer that broke the protocol (or refused us in the
                    // handshake) is not called again; the socket forgets the connection.
                    EngineEnd::Protocol(_) => return,
                    _ => self.connection_lost(),
                }
                backoff = self.reconnect_ivl();
            }
            let Some(base) = backoff else { return };
            let delay = self.with_jitter(base);
            self.link.monitor.emit(
                monitor::EVENT_CONNECT_RETRIED,
                delay.as_millis().min(u32::MAX as u128) as u32,
                &self.endpoint,
            );
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = shutdown.changed(), if closing.is_none() => {
                    if !self.socket_closed() { return }
                }
                _ = self.wait_socket_closed(), if closing.is_none() => {}
                _ = sleep_until_some(linger_deadline) => return,
            }
            backoff = Some(self.next_backoff(base));
        }
    }

    /// The socket closed and every message it queued has been taken.
    fn nothing_left_to_send(&self) -> bool {
        self.pipe.as_ref().is_none_or(|p| p.is_peer_finished())
    }

    /// After a lost connection: with IMMEDIATE (or STREAM) the pipe goes (queued messages
    /// with it); otherwise it stays for the next connection and the socket is told the peer
    /// is gone.
    fn connection_lost(&mut self) {
        if pipe_per_connection(&self.link, &self.options) {
            self.pipe = None;
        } else if let Some(pipe) = &self.pipe {
            self.link.signal.post(PipeEvent::PeerLost(pipe.peer_id()));
        }
    }

    fn socket_closed(&self) -> bool {
        self.pipe.as_ref().is_some_and(|p| p.is_peer_closed())
    }

    /// Resolves when the socket closes its end of the pipe.
    async fn wait_socket_closed(&self) {
        poll_fn(|cx| {
            self.waker.register(cx.waker());
            if self.socket_closed() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await
    }

    /// RECONNECT_IVL; -1 means "never reconnect".
    fn reconnect_ivl(&self) -> Option<Duration> {
        let ivl = self.options.reconnect_ivl_ms;
        (ivl >= 0).then(|| Duration::from_millis(ivl.max(1) as u64))
    }

    /// Adds up to one RECONNECT_IVL of random delay, as libzmq does, so that many peers
    /// that lost the same server do not all reconnect in the same instant.
    fn with_jitter(&self, delay: Duration) -> Duration {
        use std::hash::{BuildHasher, Hasher};
        let ivl = self.options.reconnect_ivl_ms.max(1) as u64;
        // A fresh RandomState is randomly seeded: enough randomness for spreading retries.
        let random = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        delay + Duration::from_millis(random % ivl)
    }

    /// Doubles the delay up to RECONNECT_IVL_MAX (when that is set above RECONNECT_IVL).
    fn next_backoff(&self, delay: Duration) -> Duration {
        let max = self.options.reconnect_ivl_max_ms;
        if max as i64 > self.options.reconnect_ivl_ms as i64 {
            (delay * 2).min(Duration::from_millis(max as u64))
        } else {
            delay
        }
    }
}

/// Whether each connection gets a pipe of its own, made when it is up and closed when it is
/// lost: with IMMEDIATE, and always for STREAM (each connection is a new peer, with a new
/// routing id).
fn pipe_per_connection(link: &SocketLink, options: &SocketOptions) -> bool {
    options.immediate || link.socket_type == SocketType::Stream
}

/// The identity a ROUTER or STREAM gives the pipe of a connect made with
/// CONNECT_ROUTING_ID (not with IMMEDIATE, where no pipe exists before the connection).
fn named_at_connect(link: &SocketLink, options: &SocketOptions) -> Option<PeerIdentity> {
    let named_types = matches!(link.socket_type, SocketType::Router | SocketType::Stream);
    let routing_id = options.connect_routing_id.clone()?;
    (named_types && !options.immediate).then_some(PeerIdentity {
        // The peer's type is not known yet; ROUTER and STREAM do not look at it.
        socket_type: link.socket_type,
        routing_id: Some(routing_id),
        properties: None,
    })
}

/// Sleeps until `deadline`, or forever if there is none.
async fn sleep_until_some(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
