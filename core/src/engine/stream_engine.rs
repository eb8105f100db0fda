//! Runs one ZMTP connection: bytes from the stream go through the codec into the pipe,
//! messages from the pipe go through the codec onto the stream.
//!
//! This is the I/O thread's hot path. Reads take up to `READ_CHUNK` bytes and decode every
//! frame in them before the socket is notified once; writes gather messages from the pipe
//! into one buffer of up to `WRITE_BATCH` bytes per syscall.

use std::future::poll_fn;
use std::io;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use atomic_waker::AtomicWaker;
use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use crate::engine::heartbeat::{Heartbeat, HeartbeatAction};
use crate::engine::link::{ShutdownReceiver, SocketLink};
use crate::message::Message;
use crate::options::SocketOptions;
use crate::pipe::PipeEnd;
use crate::protocol::{Command, Connection, ConnectionConfig, Event, ProtocolError};
use crate::signal::{PeerIdentity, PipeEvent};

const READ_CHUNK: usize = 64 * 1024;
const WRITE_BATCH: usize = 64 * 1024;

/// Why a connection ended.
#[derive(Debug)]
pub(crate) enum EngineEnd {
    /// The peer closed the connection.
    PeerClosed,
    /// The socket closed and everything it had queued was sent (or LINGER expired).
    SocketClosed,
    /// The endpoint was unbound/disconnected.
    Shutdown,
    HandshakeTimeout,
    /// Heartbeats found the peer silent for too long.
    HeartbeatTimeout,
    Protocol(ProtocolError),
    Io(io::Error),
}

impl std::fmt::Display for EngineEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EngineEnd::PeerClosed => f.write_str("the peer closed the connection"),
            EngineEnd::SocketClosed => f.write_str("the socket closed"),
            EngineEnd::Shutdown => f.write_str("the endpoint was unbound or disconnected"),
            EngineEnd::HandshakeTimeout => f.write_str("no handshake within HANDSHAKE_IVL"),
            EngineEnd::HeartbeatTimeout => f.write_str("the peer stopped answering heartbeats"),
            EngineEnd::Protocol(e) => write!(f, "protocol error: {e}"),
            EngineEnd::Io(e) => write!(f, "I/O error: {e}"),
        }
    }
}

pub(crate) struct StreamEngine<S> {
    stream: S,
    conn: Connection,
    input: BytesMut,
    /// A decoded message the pipe had no room for (RCVHWM reached): delivered first.
    stalled: Option<Message>,
    waker: Arc<AtomicWaker>,
    options: SocketOptions,
    /// Set when the peer closed its write side: no more input.
    input_closed: bool,
    heartbeat: Heartbeat,
}

impl<S: AsyncRead + AsyncWrite + Unpin> StreamEngine<S> {
    pub(crate) fn new(
        stream: S,
        link: &SocketLink,
        options: &SocketOptions,
        waker: Arc<AtomicWaker>,
    ) -> Self {
        let conn = Connection::new(ConnectionConfig {
            socket_type: link.socket_type,
            routing_id: options.routing_id.clone(),
            max_msg_size: options.max_msg_size(),
        });
        StreamEngine {
            stream,
            conn,
            input: BytesMut::with_capacity(READ_CHUNK),
            stalled: None,
            waker,
            options: options.clone(),
            input_closed: false,
            heartbeat: Heartbeat::new(options, Instant::now()),
        }
    }

    /// Runs the connection until it ends. `pipe` is the I/O end of the socket's pipe; if it
    /// is `None` one is created when the handshake succeeds (and left in `pipe`).
    pub(crate) async fn run(
        &mut self,
        pipe: &mut Option<PipeEnd>,
        link: &SocketLink,
        shutdown: &mut ShutdownReceiver,
    ) -> EngineEnd {
        let handshake_ivl = self.options.handshake_ivl_ms;
        let handshake_deadline = (handshake_ivl > 0)
            .then(|| Instant::now() + Duration::from_millis(handshake_ivl as u64));
        let mut linger_deadline: Option<Instant> = None;
        loop {
            let lingering = pipe.as_ref().is_some_and(|p| p.is_peer_closed());
            if lingering && linger_deadline.is_none() {
                match link.linger() {
                    Some(linger) if linger.is_zero() => return EngineEnd::SocketClosed,
                    Some(linger) => linger_deadline = Some(Instant::now() + linger),
                    None => {}
                }
            }
            let deadline = if !self.conn.is_ready() {
                handshake_deadline
            } else {
                [linger_deadline, self.heartbeat.deadline()]
                    .into_iter()
                    .flatten()
                    .min()
            };
            let timer = async {
                match deadline {
                    Some(deadline) => tokio::time::sleep_until(deadline).await,
                    None => std::future::pending().await,
                }
            };
            enum Woke {
                Ended(EngineEnd),
                Shutdown,
                Timer,
            }
            let woke = tokio::select! {
                end = poll_fn(|cx| self.poll_drive(cx, pipe, link, lingering)) => match end {
                    Some(end) => Woke::Ended(end),
                    // The handshake finished or the socket closed: the timers change.
                    None => continue,
                },
                _ = shutdown.changed(), if !lingering => Woke::Shutdown,
                _ = timer => Woke::Timer,
            };
            match woke {
                Woke::Ended(end) => return end,
                // A socket close also drops the shutdown sender; its pipe close wins, so
                // LINGER applies.
                Woke::Shutdown if pipe.as_ref().is_some_and(|p| p.is_peer_closed()) => {}
                Woke::Shutdown => return EngineEnd::Shutdown,
                Woke::Timer => {
                    if !self.conn.is_ready() {
                        return EngineEnd::HandshakeTimeout;
                    }
                    let now = Instant::now();
                    if linger_deadline.is_some_and(|d| d <= now) {
                        return EngineEnd::SocketClosed;
                    }
                    match self.heartbeat.fire(now) {
                        HeartbeatAction::Nothing => {}
                        HeartbeatAction::Expired => return EngineEnd::HeartbeatTimeout,
                        HeartbeatAction::SendPing { ttl_deciseconds } => {
                            self.conn.send_command(&Command::Ping {
                                ttl_deciseconds,
                                context: bytes::Bytes::new(),
                            });
                        }
                    }
                }
            }
        }
    }

    /// Makes all the progress possible without blocking, then arms every wake-up source.
    /// Returns `Ready(None)` when something the caller's timers depend on changed (the
    /// handshake completed, or the socket closed while `lingering` was false).
    fn poll_drive(
        &mut self,
        cx: &mut TaskContext<'_>,
        pipe: &mut Option<PipeEnd>,
        link: &SocketLink,
        lingering: bool,
    ) -> Poll<Option<EngineEnd>> {
        self.waker.register(cx.waker());
        let was_ready = self.conn.is_ready();
        loop {
            if !lingering && pipe.as_ref().is_some_and(|p| p.is_peer_closed()) {
                return Poll::Ready(None);
            }
            let mut progress = false;

            // Inbound: stalled message, then buffered bytes, then the stream.
            match self.deliver_input(pipe, link) {
                Ok(delivered) => progress |= delivered,
                Err(end) => return Poll::Ready(Some(end)),
            }
            let input_blocked = self.stalled.is_some();
            if !input_blocked && !self.input_closed {
                if self.input.capacity() - self.input.len() < READ_CHUNK / 4 {
                    self.input.reserve(READ_CHUNK);
                }
                match tokio_util::io::poll_read_buf(Pin::new(&mut self.stream), cx, &mut self.input)
                {
                    Poll::Ready(Ok(0)) => {
                        self.input_closed = true;
                        // Deliver whatever complete messages remain, then report the close.
                        if let Err(end) = self.deliver_input(pipe, link) {
                            return Poll::Ready(Some(end));
                        }
                        return Poll::Ready(Some(EngineEnd::PeerClosed));
                    }
                    Poll::Ready(Ok(_)) => {
                        progress = true;
                        self.heartbeat.on_input(Instant::now());
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Some(EngineEnd::Io(e))),
                    Poll::Pending => {}
                }
            }

            if !was_ready && self.conn.is_ready() {
                // Flush our side of the handshake first; the caller re-enters at once.
                let _ = self.poll_write_out(cx);
                return Poll::Ready(None);
            }

            // Outbound: gather messages from the pipe, then write.
            if self.conn.is_ready() {
                if let Some(pipe) = pipe.as_mut() {
                    while self.conn.outbound().len() < WRITE_BATCH {
                        match pipe.read() {
                            Some(msg) => self.conn.send_message(&msg),
                            None => break,
                        }
                    }
                }
            }
            match self.poll_write_out(cx) {
                Ok(wrote) => progress |= wrote,
                Err(e) => return Poll::Ready(Some(EngineEnd::Io(e))),
            }

            // The socket closed and we sent everything it left: done.
            if let Some(p) = pipe.as_ref() {
                if p.is_peer_finished() && self.conn.outbound().is_empty() {
                    let _ = Pin::new(&mut self.stream).poll_shutdown(cx);
                    return Poll::Ready(Some(EngineEnd::SocketClosed));
                }
            }

            if !progress {
                // Arm the pipe notifications; if one fires already, go round again.
                let mut retry = false;
                if let Some(p) = pipe.as_mut() {
                    if self.stalled.is_some() && p.arm_writable() {
                        retry = true;
                    }
                    if self.conn.is_ready() && self.conn.outbound().is_empty() && p.arm_readable() {
                        retry = true;
                    }
                }
                if !retry {
                    return Poll::Pending;
                }
            }
        }
    }

    /// Decodes buffered input into the pipe. Returns whether anything was delivered.
    fn deliver_input(
        &mut self,
        pipe: &mut Option<PipeEnd>,
        link: &SocketLink,
    ) -> Result<bool, EngineEnd> {
        let mut delivered = false;
        if let Some(msg) = self.stalled.take() {
            let Some(p) = pipe.as_mut() else {
                return Ok(false);
            };
            match p.write(msg) {
                Ok(()) => {
                    delivered = true;
                    p.flush();
                }
                Err(msg) => {
                    self.stalled = Some(msg);
                    return Ok(false);
                }
            }
        }
        if self.input.is_empty() {
            return Ok(delivered);
        }
        let before = self.input.len();
        let StreamEngine {
            conn,
            input,
            stalled,
            waker,
            options,
            heartbeat,
            ..
        } = self;
        let mut ready_peer = None;
        let result = conn.receive(input, &mut |event| match event {
            Event::Message(msg) => match pipe.as_mut() {
                Some(p) => match p.write(msg) {
                    Ok(()) => ControlFlow::Continue(()),
                    Err(msg) => {
                        *stalled = Some(msg);
                        ControlFlow::Break(())
                    }
                },
                None => ControlFlow::Continue(()),
            },
            Event::Ready(peer) => {
                let identity = PeerIdentity {
                    socket_type: peer.socket_type,
                    routing_id: peer.routing_id.clone(),
                };
                match pipe.as_ref() {
                    Some(p) => link
                        .signal
                        .post(PipeEvent::PeerReady(p.peer_id(), identity)),
                    None => *pipe = Some(link.attach_new_pipe(options, waker, Some(identity))),
                }
                heartbeat.start(peer.version_minor >= 1, Instant::now());
                ready_peer = Some(());
                ControlFlow::Continue(())
            }
            Event::Ping { ttl_deciseconds } => {
                heartbeat.on_peer_ping(ttl_deciseconds);
                ControlFlow::Continue(())
            }
            Event::Pong | Event::PeerError(_) => ControlFlow::Continue(()),
        });
        if let Some(p) = pipe.as_ref() {
            p.flush();
        }
        result.map_err(EngineEnd::Protocol)?;
        Ok(delivered || ready_peer.is_some() || self.input.len() != before)
    }

    /// Writes as much queued output as the stream takes. Returns whether anything was written.
    fn poll_write_out(&mut self, cx: &mut TaskContext<'_>) -> io::Result<bool> {
        let mut wrote = false;
        loop {
            let out = self.conn.outbound();
            if out.is_empty() {
                return Ok(wrote);
            }
            match Pin::new(&mut self.stream).poll_write(cx, out) {
                Poll::Ready(Ok(0)) => return Err(io::ErrorKind::WriteZero.into()),
                Poll::Ready(Ok(n)) => {
                    self.conn.outbound().advance(n);
                    wrote = true;
                }
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => return Ok(wrote),
            }
        }
    }
}
