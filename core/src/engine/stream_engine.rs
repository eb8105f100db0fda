//! Runs one connection: bytes from the stream go through the codec into the pipe, messages
//! from the pipe go through the codec onto the stream. The codec is ZMTP, or for STREAM
//! sockets raw bytes (no greeting, no handshake, no framing: what arrives is delivered as
//! one-frame messages as it arrives, what is sent is written as is).
//!
//! This is the I/O thread's hot path. Reads take up to `READ_CHUNK` bytes and decode every
//! frame in them before the socket is notified once; writes gather messages from the pipe
//! into one buffer of up to `WRITE_BATCH` bytes per syscall, and when the socket sends
//! faster than the connection writes, a small write is followed by a short wait for a fuller
//! batch (`write_coalescing.rs`). Large frames are not copied:
//! they are written from their own buffers with vectored writes, and a large incoming frame
//! gets a read buffer sized for it at once (so its payload is read in place, then shared).

use std::future::poll_fn;
use std::io::{self, IoSlice};
use std::ops::ControlFlow;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use atomic_waker::AtomicWaker;
use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use crate::direct_write::DirectWrite;
use crate::engine::close_wait::{CloseWait, PeerBacklog};
use crate::engine::heartbeat::{Heartbeat, HeartbeatAction};
use crate::engine::link::{ShutdownReceiver, SocketLink};
use crate::engine::spare_buffers::SpareBuffers;
use crate::engine::write_coalescing::{self, WriteCoalescing};
use crate::engine::zap_client::ZapClient;
use crate::message::{Frame, Message};
use crate::monitor::{self, Monitor};
use crate::options::SocketOptions;
use crate::pipe::{Listener, MessageView, PipeEnd, SMALL_RUN_MAX};
use crate::properties::Properties;
use crate::protocol::{Command, Connection, ConnectionConfig, Event, ProtocolError, ZapReply};
use crate::signal::{PeerIdentity, PipeEvent};
use crate::socket_type::SocketType;

const READ_CHUNK: usize = 64 * 1024;
const WRITE_BATCH: usize = 64 * 1024;
/// Slices per vectored write.
const WRITE_SLICES: usize = 16;
/// The most a read buffer is sized for a frame like the last large one before any of it
/// has arrived (a larger one gets its buffer when its header is in). See `reserve_input`.
const RESERVE_LIKE_LAST_MAX: usize = 16 * 1024 * 1024;

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

impl EngineEnd {
    /// Whether the connection was lost (libzmq's engine error), as opposed to ended by its
    /// own socket (close, unbind, disconnect), which the monitor does not report.
    fn is_lost(&self) -> bool {
        !matches!(self, EngineEnd::SocketClosed | EngineEnd::Shutdown)
    }

    /// The monitor event for a connection lost before its handshake completed, as libzmq
    /// reports it: NO_DETAIL (with an errno) when the connection broke or the peer does not
    /// speak ZMTP 3, PROTOCOL for ZMTP violations it has a code for, AUTH for an ERROR
    /// carrying a ZAP status code, nothing when the peer's metadata was refused.
    fn handshake_failure(&self) -> Option<(i32, u32)> {
        let no_detail =
            |errno: i32| Some((monitor::EVENT_HANDSHAKE_FAILED_NO_DETAIL, errno as u32));
        let protocol = |code: u32| Some((monitor::EVENT_HANDSHAKE_FAILED_PROTOCOL, code));
        match self {
            EngineEnd::SocketClosed | EngineEnd::Shutdown => None,
            EngineEnd::PeerClosed => no_detail(libc::EPIPE),
            EngineEnd::Io(e) => no_detail(e.raw_os_error().unwrap_or(libc::EIO)),
            EngineEnd::HandshakeTimeout | EngineEnd::HeartbeatTimeout => no_detail(libc::ETIMEDOUT),
            EngineEnd::Protocol(e) => match e {
                ProtocolError::BadSignature | ProtocolError::UnsupportedVersion { .. } => {
                    no_detail(libc::EPROTO)
                }
                ProtocolError::MechanismMismatch { .. }
                | ProtocolError::UnsupportedMechanism(_) => {
                    protocol(monitor::PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
                }
                ProtocolError::UnexpectedBeforeHandshake(_) => {
                    protocol(monitor::PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND)
                }
                ProtocolError::PeerError(reason) => zap_status(reason.as_bytes())
                    .map(|status| (monitor::EVENT_HANDSHAKE_FAILED_AUTH, status)),
                ProtocolError::ZapDenied { status, .. } => {
                    Some((monitor::EVENT_HANDSHAKE_FAILED_AUTH, *status))
                }
                ProtocolError::Handshake { code, .. }
                | ProtocolError::ZapMalformedReply { code, .. } => protocol(*code),
                ProtocolError::ZapUnavailable => no_detail(libc::EFAULT),
                ProtocolError::MalformedCommand(_)
                | ProtocolError::IncompatibleSocketType { .. }
                | ProtocolError::MissingSocketType
                | ProtocolError::FrameTooLarge { .. } => None,
            },
        }
    }
}

/// An ERROR reason that is a ZAP status code ("300", "400", "500"), as a number.
fn zap_status(reason: &[u8]) -> Option<u32> {
    match reason {
        [first @ b'3'..=b'5', b'0', b'0'] => Some((first - b'0') as u32 * 100),
        _ => None,
    }
}

/// What goes on the wire.
// One per connection, used on every message: not boxed, to save the indirection.
#[allow(clippy::large_enum_variant)]
enum Codec {
    Zmtp(Connection),
    /// STREAM: bytes as they are.
    Raw {
        outbound: BytesMut,
    },
}

impl Codec {
    fn is_raw(&self) -> bool {
        matches!(self, Codec::Raw { .. })
    }

    /// Whether messages may flow (ZMTP: the handshake has completed; raw: always).
    fn is_ready(&self) -> bool {
        match self {
            Codec::Zmtp(conn) => conn.is_ready(),
            Codec::Raw { .. } => true,
        }
    }

    /// Bytes waiting to be written.
    fn output_len(&self) -> usize {
        match self {
            Codec::Zmtp(conn) => conn.output_len(),
            Codec::Raw { outbound } => outbound.len(),
        }
    }

    fn output_slices<'a>(&'a self, slices: &mut [IoSlice<'a>]) -> usize {
        match self {
            Codec::Zmtp(conn) => conn.output_slices(slices),
            Codec::Raw { outbound } if outbound.is_empty() => 0,
            Codec::Raw { outbound } => {
                slices[0] = IoSlice::new(outbound);
                1
            }
        }
    }

    fn consume_output(&mut self, written: usize) {
        match self {
            Codec::Zmtp(conn) => conn.consume_output(written),
            Codec::Raw { outbound } => outbound.advance(written),
        }
    }

    /// Input bytes the frame being received needs in all, when more than are buffered.
    fn input_wanted(&self, input: &[u8]) -> Option<usize> {
        match self {
            Codec::Zmtp(conn) => conn.input_wanted(input),
            Codec::Raw { .. } => None,
        }
    }

    /// The size of the last frame received if it was a large one (else 0).
    fn recent_large_frame(&self) -> usize {
        match self {
            Codec::Zmtp(conn) => conn.recent_large_frame(),
            Codec::Raw { .. } => 0,
        }
    }

    fn send_message(&mut self, msg: &Message) {
        match self {
            Codec::Zmtp(conn) => conn.send_message(msg),
            Codec::Raw { outbound } => {
                for frame in msg {
                    outbound.extend_from_slice(frame);
                }
            }
        }
    }

    /// [`send_message`](Self::send_message) of a message as the pipe shows it.
    fn send_view(&mut self, view: MessageView<'_>) {
        match (self, view) {
            (codec, MessageView::Whole(msg)) => codec.send_message(&msg),
            (Codec::Zmtp(conn), MessageView::Single(payload)) => conn.send_single_frame(payload),
            (Codec::Raw { outbound }, MessageView::Single(payload)) => {
                outbound.extend_from_slice(payload)
            }
        }
    }

    /// Bytes of a message the application thread began writing itself (a partial direct
    /// write): queued before anything else.
    fn push_leftover(&mut self, bytes: &[u8]) {
        debug_assert_eq!(self.output_len(), 0, "leftover behind other output");
        if let Codec::Zmtp(conn) = self {
            conn.outbound().extend_from_slice(bytes);
        }
    }

    fn send_command(&mut self, cmd: &Command) {
        if let Codec::Zmtp(conn) = self {
            conn.send_command(cmd);
        }
    }

    /// Hands the ZAP handler's answer to the handshake (see [`Connection::zap_reply`]).
    fn zap_reply(&mut self, reply: ZapReply) -> Result<(), ProtocolError> {
        match self {
            Codec::Zmtp(conn) => conn.zap_reply(reply),
            Codec::Raw { .. } => Ok(()),
        }
    }

    /// Whether decoding has something to report even without new input.
    fn has_unreported(&self) -> bool {
        matches!(self, Codec::Zmtp(conn) if conn.has_unreported())
    }

    /// See [`Connection::allow_short_frame_runs`] (a raw connection has no frames).
    fn allow_short_frame_runs(&mut self, room: usize) {
        if let Codec::Zmtp(conn) = self {
            conn.allow_short_frame_runs(room, SMALL_RUN_MAX);
        }
    }

    fn receive(
        &mut self,
        input: &mut BytesMut,
        on_event: &mut dyn FnMut(Event) -> ControlFlow<()>,
    ) -> Result<(), ProtocolError> {
        match self {
            Codec::Zmtp(conn) => conn.receive(input, on_event),
            Codec::Raw { .. } => {
                if !input.is_empty() {
                    // Everything read so far is one message (small reads are copied, so
                    // they do not pin the read buffer).
                    let data = if input.len() <= Frame::INLINE_CAPACITY {
                        let frame = Frame::copy_from_slice(input);
                        input.clear();
                        frame
                    } else {
                        Frame::from(input.split().freeze())
                    };
                    let _ = on_event(Event::Message(Message::single(data)));
                }
                Ok(())
            }
        }
    }
}

pub(crate) struct StreamEngine<S> {
    stream: S,
    codec: Codec,
    input: BytesMut,
    /// Read buffers given up after large frames, reused once the socket drops those frames.
    spare_inputs: SpareBuffers,
    /// A decoded message the pipe had no room for (RCVHWM reached): delivered first.
    stalled: Option<Message>,
    waker: Arc<AtomicWaker>,
    options: SocketOptions,
    /// Set when the peer closed its write side: no more input.
    input_closed: bool,
    heartbeat: Heartbeat,
    /// The endpoint monitor events about this connection name.
    endpoint: String,
    fd: RawFd,
    /// Peer-Address, the peer's IP address (tcp only), for the messages' properties.
    peer_address: Option<String>,
    /// The handshake completed (monitor: a later loss is not a handshake failure).
    handshaken: bool,
    /// The pipe's direct-write state, when its socket writes directly (REQ, REP), and
    /// whether the connection is offered to it now (see `direct_write.rs`).
    direct: Option<Arc<DirectWrite>>,
    offered: bool,
    /// Waits for fuller batches when the socket sends faster than we write.
    coalescing: WriteCoalescing,
    /// Once the socket has closed and everything is written: waits for the peer to read it.
    close_wait: CloseWait,
    /// The handshake waits for the ZAP handler's answer about the peer.
    zap: Option<ZapClient>,
}

impl<S: AsyncRead + AsyncWrite + AsRawFd + AsFd + PeerBacklog + Unpin> StreamEngine<S> {
    /// An engine for `stream`; `endpoint` is what monitor events about it report.
    pub(crate) fn new(
        stream: S,
        link: &SocketLink,
        options: &SocketOptions,
        waker: Arc<AtomicWaker>,
        endpoint: String,
    ) -> Self {
        let fd = stream.as_raw_fd();
        let peer_address = socket2::SockRef::from(&stream)
            .peer_addr()
            .ok()
            .and_then(|address| address.as_socket())
            .map(|address| address.ip().to_canonical().to_string());
        let codec = if link.socket_type == SocketType::Stream {
            Codec::Raw {
                outbound: BytesMut::new(),
            }
        } else {
            let security = &options.security;
            Codec::Zmtp(Connection::new(ConnectionConfig {
                socket_type: link.socket_type,
                routing_id: options.routing_id.clone(),
                max_msg_size: options.max_msg_size(),
                security: security.handshake(),
                zap: security.zap_context(
                    peer_address.as_deref().unwrap_or_default(),
                    options.routing_id.as_ref(),
                ),
            }))
        };
        StreamEngine {
            stream,
            codec,
            input: BytesMut::with_capacity(READ_CHUNK),
            spare_inputs: SpareBuffers::default(),
            stalled: None,
            waker,
            options: options.clone(),
            input_closed: false,
            heartbeat: Heartbeat::new(options, Instant::now()),
            endpoint,
            fd,
            peer_address,
            handshaken: false,
            direct: None,
            offered: false,
            coalescing: WriteCoalescing::default(),
            close_wait: CloseWait::default(),
            zap: None,
        }
    }

    /// Runs the connection until it ends. `pipe` is the I/O end of the socket's pipe; if it
    /// is `None` one is created when the handshake succeeds (raw: at once), and left in
    /// `pipe`. A lost connection is reported to the socket's monitor.
    pub(crate) async fn run(
        &mut self,
        pipe: &mut Option<PipeEnd>,
        link: &SocketLink,
        shutdown: &mut ShutdownReceiver,
    ) -> EngineEnd {
        if self.codec.is_raw() && pipe.is_none() {
            // STREAM: every connection is a new peer, announced as soon as it exists.
            let peer = PeerIdentity {
                socket_type: SocketType::Stream,
                routing_id: self.options.connect_routing_id.clone(),
                properties: Some(Arc::new(Properties::new(
                    [],
                    self.peer_address.as_deref(),
                    self.fd,
                ))),
            };
            *pipe = Some(link.attach_new_pipe(&self.options, &self.waker, Some(peer)));
        }
        let end = self.drive(pipe, link, shutdown).await;
        // The application must not write to a connection that has ended.
        self.reclaim_output();
        if matches!(end, EngineEnd::Protocol(_)) {
            // An ERROR the handshake queued (a ZAP refusal) goes out if the kernel takes it
            // now: the peer learns why; waiting for it is not worth holding the connection.
            let _ = poll_fn(|cx| Poll::Ready(self.poll_write_out(cx))).await;
        }
        if end.is_lost() {
            self.report_lost(&end, &link.monitor);
        }
        end
    }

    fn report_lost(&self, end: &EngineEnd, monitor: &Monitor) {
        if !self.handshaken {
            if let Some((event, value)) = end.handshake_failure() {
                monitor.emit(event, value, &self.endpoint);
            }
        }
        monitor.emit(monitor::EVENT_DISCONNECTED, self.fd as u32, &self.endpoint);
    }

    async fn drive(
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
            // A STREAM connection the user closed (sent [id, ""]) while the socket stays
            // open: what was queued before is sent however long it takes, then the
            // connection closes; LINGER only applies once the socket itself closes.
            let closed_by_user = lingering && self.codec.is_raw() && !link.is_closed();
            if lingering && !closed_by_user && linger_deadline.is_none() {
                match link.linger() {
                    Some(linger) if linger.is_zero() => return EngineEnd::SocketClosed,
                    Some(linger) => linger_deadline = Some(Instant::now() + linger),
                    None => {}
                }
            }
            let deadline = if !self.codec.is_ready() {
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
                _ = shutdown.changed(), if !lingering || closed_by_user => Woke::Shutdown,
                _ = timer => Woke::Timer,
            };
            match woke {
                Woke::Ended(end) => return end,
                // A socket close also drops the shutdown sender; its pipe close wins, so
                // LINGER applies.
                Woke::Shutdown
                    if pipe.as_ref().is_some_and(|p| p.is_peer_closed()) && link.is_closed() => {}
                // Unbind or disconnect: what the socket queued here is delivered within
                // LINGER, as libzmq does, once the socket can no longer add to it.
                Woke::Shutdown if !lingering && self.detach_to_deliver(pipe, link) => {}
                Woke::Shutdown => return EngineEnd::Shutdown,
                Woke::Timer => {
                    self.reclaim_output();
                    if !self.codec.is_ready() {
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
                            self.codec.send_command(&Command::Ping {
                                ttl_deciseconds,
                                context: bytes::Bytes::new(),
                            });
                        }
                    }
                }
            }
        }
    }

    /// On unbind or disconnect, unless LINGER is 0: cuts the pipe (the socket sends nothing
    /// more here and forgets the peer) and returns true; the engine then goes on as for a
    /// closing socket, writing what was queued within LINGER and waiting for the peer to
    /// read it (`close_wait.rs`: over ipc it may not all be read yet even when nothing is
    /// queued any more).
    fn detach_to_deliver(&mut self, pipe: &mut Option<PipeEnd>, link: &SocketLink) -> bool {
        let Some(p) = pipe.as_ref() else {
            return false;
        };
        let linger_zero = link.linger().is_some_and(|l| l.is_zero());
        if self.codec.is_raw() || !self.codec.is_ready() || linger_zero {
            return false;
        }
        self.reclaim_output();
        p.closer(Listener::Task(self.waker.clone()))
            .close_dropping_peer_unread();
        true
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
        self.coalescing.poll_timer(cx);
        let was_ready = self.codec.is_ready();
        loop {
            if !lingering && pipe.as_ref().is_some_and(|p| p.is_peer_closed()) {
                return Poll::Ready(None);
            }
            let mut progress = false;

            // The ZAP handler's answer, then inbound: stalled message, buffered bytes, the
            // stream.
            match self.take_zap_reply() {
                Ok(answered) => progress |= answered,
                Err(end) => return Poll::Ready(Some(end)),
            }
            match self.deliver_input(pipe, link) {
                Ok(delivered) => progress |= delivered,
                Err(end) => return Poll::Ready(Some(end)),
            }
            let input_blocked = self.stalled.is_some();
            if !input_blocked && !self.input_closed {
                if let Err(end) = self.reserve_input() {
                    return Poll::Ready(Some(end));
                }
                match tokio_util::io::poll_read_buf(Pin::new(&mut self.stream), cx, &mut self.input)
                {
                    Poll::Ready(Ok(0)) => {
                        self.input_closed = true;
                        // Deliver whatever complete messages remain, then report the close.
                        if let Err(end) = self.deliver_input(pipe, link) {
                            return Poll::Ready(Some(end));
                        }
                        // Waiting for the peer to read what the closed socket left
                        // (`close_wait.rs`): it has, and is gone; nothing was lost.
                        let all_written = self.codec.output_len() == 0
                            && pipe.as_ref().is_some_and(|p| p.is_peer_finished());
                        return Poll::Ready(Some(if all_written {
                            EngineEnd::SocketClosed
                        } else {
                            EngineEnd::PeerClosed
                        }));
                    }
                    Poll::Ready(Ok(_)) => {
                        progress = true;
                        self.heartbeat.on_input(Instant::now());
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Some(EngineEnd::Io(e))),
                    Poll::Pending => {}
                }
            }

            if !was_ready && self.codec.is_ready() {
                // Flush our side of the handshake first; the caller re-enters at once.
                let _ = self.poll_write_out(cx);
                return Poll::Ready(None);
            }
            if self.heartbeat.take_ttl_changed() {
                // The peer's PING set a TTL: the caller's timer must include it.
                let _ = self.poll_write_out(cx);
                return Poll::Ready(None);
            }

            // Outbound: gather messages from the pipe, then write. While the connection is
            // offered to the socket, there is nothing to write unless the pipe has messages.
            if self.offered
                && (pipe.as_ref().is_some_and(|p| p.has_incoming())
                    || self.direct.as_ref().is_some_and(|d| d.is_given_back()))
            {
                self.reclaim_output();
            }
            let mut gathered = 0;
            if self.codec.is_ready() && !self.offered && self.codec.output_len() < WRITE_BATCH {
                if let Some(pipe) = pipe.as_mut() {
                    let codec = &mut self.codec;
                    pipe.read_while(|view| {
                        codec.send_view(view);
                        gathered += 1;
                        codec.output_len() < WRITE_BATCH
                    });
                }
            }
            let gathered_bytes = self.codec.output_len();
            let input_progress = progress;
            match self.poll_write_out(cx) {
                Ok(wrote) => progress |= wrote,
                Err(e) => return Poll::Ready(Some(EngineEnd::Io(e))),
            }

            // The socket closed and we wrote everything it left: done once the peer has
            // read it (`close_wait.rs`); until then input is still read, and dropped.
            if pipe.as_ref().is_some_and(|p| p.is_peer_finished()) && self.codec.output_len() == 0 {
                if self.close_wait.poll_peer_done(cx, &self.stream).is_ready() {
                    let _ = Pin::new(&mut self.stream).poll_shutdown(cx);
                    return Poll::Ready(Some(EngineEnd::SocketClosed));
                }
                // Woken by the close wait's timer, or by input.
                if !progress {
                    return Poll::Pending;
                }
                continue;
            }

            // A small write with more already queued: wait for a batch instead of writing
            // again at once (`write_coalescing.rs`), unless input needs another round.
            let batch_wanted = match pipe.as_ref() {
                Some(p) if !input_progress && gathered > 0 && self.codec.output_len() == 0 => {
                    self.batch_threshold(p, gathered, gathered_bytes)
                }
                _ => None,
            };
            if !progress || batch_wanted.is_some() {
                // Arm the pipe notifications; if one fires already, go round again.
                let mut retry = false;
                if let Some(p) = pipe.as_mut() {
                    if self.stalled.is_some() && p.arm_writable() {
                        retry = true;
                    }
                    let output_ready = match batch_wanted {
                        Some(count) => {
                            p.arm_readable_when_queued(count) || !self.coalescing.start_timer(cx)
                        }
                        None => self.arm_output(p),
                    };
                    retry |= output_ready;
                }
                if !retry {
                    return Poll::Pending;
                }
            }
        }
    }

    /// After writing `bytes` in `messages`: how many queued messages to wait for before the
    /// next write, if the write was small and the socket has already queued more.
    fn batch_threshold(&mut self, pipe: &PipeEnd, messages: usize, bytes: usize) -> Option<u64> {
        if self.codec.is_raw() || pipe.direct_writes().is_some() {
            return None;
        }
        if !self.coalescing.should_wait(bytes, pipe.has_incoming()) {
            return None;
        }
        write_coalescing::wake_threshold(bytes, messages, pipe.incoming_hwm())
    }

    /// With everything written: asks the pipe to wake us for the socket's next message and
    /// offers the socket to write it itself (`direct_write.rs`). Returns true if a message
    /// is already waiting (nothing armed or offered: the caller goes round again).
    fn arm_output(&mut self, pipe: &PipeEnd) -> bool {
        if !self.codec.is_ready() || self.codec.output_len() != 0 {
            return false;
        }
        if pipe.arm_readable() {
            return true;
        }
        if !self.codec.is_raw() && !self.offered {
            self.offer_output(pipe);
        }
        false
    }

    /// Whether the socket may write to this connection itself: only when data frames go
    /// out as they are (a mechanism that transforms them needs every frame in the codec).
    fn direct_writes_allowed(&self) -> bool {
        matches!(&self.codec, Codec::Zmtp(conn) if conn.frames_go_out_as_they_are())
    }

    /// Lets the socket write straight to the connection until [`Self::reclaim_output`], if
    /// it wants to.
    fn offer_output(&mut self, pipe: &PipeEnd) {
        if !self.direct_writes_allowed() {
            return;
        }
        if self.direct.is_none() {
            self.direct = pipe.direct_writes().cloned();
        }
        if let Some(direct) = &self.direct {
            direct.offer(self.fd, pipe.read_count());
            self.offered = true;
        }
    }

    /// Takes the connection's output back from the socket before writing anything: waits
    /// out a direct write in progress, and queues first what a partial one left.
    fn reclaim_output(&mut self) {
        if !self.offered {
            return;
        }
        self.offered = false;
        if let Some(leftover) = self.direct.as_ref().and_then(|d| d.reclaim()) {
            self.codec.push_leftover(&leftover);
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
                // The socket closed: nobody will read it (libzmq drops it too).
                Err(_) if p.is_peer_closed() => delivered = true,
                Err(msg) => {
                    self.stalled = Some(msg);
                    return Ok(false);
                }
            }
        }
        if self.input.is_empty() && !self.codec.has_unreported() {
            return Ok(delivered);
        }
        // Decoding may queue commands (PONG, ERROR): the output must be ours.
        self.reclaim_output();
        let before = self.input.len();
        let StreamEngine {
            codec,
            input,
            stalled,
            waker,
            options,
            heartbeat,
            peer_address,
            fd,
            ..
        } = self;
        let mut ready_peer = None;
        let mut zap_request = None;
        if let Some(p) = pipe.as_mut() {
            // Runs of small messages go into the pipe as one record each, up to its room.
            codec.allow_short_frame_runs(p.small_run_room());
        }
        let result = codec.receive(input, &mut |event| match event {
            Event::ShortFrames(run) => {
                if let Some(p) = pipe.as_mut() {
                    p.write_small_run(run.count(), run.bodies_len(), run.bodies());
                }
                ControlFlow::Continue(())
            }
            Event::Message(msg) => match pipe.as_mut() {
                Some(p) => match p.write(msg) {
                    Ok(()) => ControlFlow::Continue(()),
                    // The socket closed: the message is dropped, and reading goes on so
                    // that the peer's bytes never sit unread when we close (`close_wait.rs`).
                    Err(_) if p.is_peer_closed() => ControlFlow::Continue(()),
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
                    // CONNECT_ROUTING_ID names the peer of this connection ourselves.
                    routing_id: options
                        .connect_routing_id
                        .clone()
                        .or_else(|| peer.routing_id.clone()),
                    properties: Some(Arc::new(Properties::new(
                        [&peer.zap_properties, &peer.metadata],
                        peer_address.as_deref(),
                        *fd,
                    ))),
                };
                match pipe.as_ref() {
                    Some(p) => link
                        .signal
                        .post(PipeEvent::PeerReady(p.peer_id(), identity)),
                    None => *pipe = Some(link.attach_new_pipe(options, waker, Some(identity))),
                }
                heartbeat.start(Instant::now());
                ready_peer = Some(());
                ControlFlow::Continue(())
            }
            Event::Ping { ttl_deciseconds } => {
                heartbeat.on_peer_ping(ttl_deciseconds);
                ControlFlow::Continue(())
            }
            Event::ZapRequest(request) => {
                zap_request = Some(request);
                ControlFlow::Break(())
            }
            Event::Pong | Event::PeerError(_) => ControlFlow::Continue(()),
        });
        if let Some(p) = pipe.as_mut() {
            // Offered before the socket is woken, so that its answer can go out directly.
            // Other sockets arm only when the engine goes idle: arming here would make their
            // next send wake a busy engine.
            if p.direct_writes().is_some() {
                self.arm_output(p);
            }
            p.flush();
        }
        if ready_peer.is_some() {
            self.handshaken = true;
            link.monitor
                .emit(monitor::EVENT_HANDSHAKE_SUCCEEDED, 0, &self.endpoint);
        }
        result.map_err(EngineEnd::Protocol)?;
        if let Some(request) = zap_request {
            self.zap = ZapClient::send(link, &self.waker, request);
            if self.zap.is_none() {
                self.codec
                    .zap_reply(ZapReply::NoHandler)
                    .map_err(EngineEnd::Protocol)?;
            }
            return Ok(true);
        }
        Ok(delivered || ready_peer.is_some() || self.input.len() != before)
    }

    /// Hands the ZAP handler's answer to the handshake once it has come. Returns whether
    /// it has (the handshake then goes on).
    fn take_zap_reply(&mut self) -> Result<bool, EngineEnd> {
        let Some(reply) = self.zap.as_mut().and_then(|zap| zap.poll_reply()) else {
            return Ok(false);
        };
        self.zap = None;
        self.codec.zap_reply(reply).map_err(EngineEnd::Protocol)?;
        Ok(true)
    }

    /// Room for the next read: enough for the whole of a large frame whose header has
    /// arrived, else at least a quarter chunk. A new buffer after a large frame is made big
    /// enough for another like it, so that its body is read in place rather than copied
    /// when its header turns out to announce it.
    ///
    /// A large frame gets a buffer of exactly its size as soon as its header is in, as
    /// libzmq allocates a message from the header: its body is then read in place, copied
    /// never, and the memory is one copy of the frame. The kernel backs the buffer only as
    /// the bytes arrive; MAXMSGSIZE bounds what a peer may announce, and an announcement
    /// this process cannot allocate ends the connection instead of the process.
    fn reserve_input(&mut self) -> Result<(), EngineEnd> {
        let free = self.input.capacity() - self.input.len();
        let additional = match self.codec.input_wanted(&self.input) {
            Some(wanted) if wanted - self.input.len() > free => wanted - self.input.len(),
            Some(_) => return Ok(()),
            None => {
                let like_last = self.codec.recent_large_frame().min(RESERVE_LIKE_LAST_MAX);
                let enough = if like_last > 0 {
                    like_last
                } else {
                    self.spare_inputs.release();
                    READ_CHUNK / 4
                };
                if free >= enough {
                    return Ok(());
                }
                READ_CHUNK.max(like_last)
            }
        };
        self.spare_inputs
            .grow(&mut self.input, additional)
            .map_err(|_| {
                EngineEnd::Io(io::Error::new(
                    io::ErrorKind::OutOfMemory,
                    format!(
                        "cannot allocate {} bytes for a frame the peer announced",
                        self.input.len() + additional
                    ),
                ))
            })
    }

    /// Writes as much queued output as the stream takes. Returns whether anything was written.
    fn poll_write_out(&mut self, cx: &mut TaskContext<'_>) -> io::Result<bool> {
        debug_assert!(
            !self.offered || self.codec.output_len() == 0,
            "output while offered"
        );
        let mut wrote = false;
        loop {
            let mut slices = [IoSlice::new(&[]); WRITE_SLICES];
            let filled = self.codec.output_slices(&mut slices);
            let result = match filled {
                0 => return Ok(wrote),
                1 => Pin::new(&mut self.stream).poll_write(cx, &slices[0]),
                _ => Pin::new(&mut self.stream).poll_write_vectored(cx, &slices[..filled]),
            };
            match result {
                Poll::Ready(Ok(0)) => return Err(io::ErrorKind::WriteZero.into()),
                Poll::Ready(Ok(n)) => {
                    self.codec.consume_output(n);
                    wrote = true;
                }
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => return Ok(wrote),
            }
        }
    }
}

impl<S> Drop for StreamEngine<S> {
    /// The descriptor closes with the stream, right after this: the socket must not be
    /// writing to it (an engine task can also be dropped mid-run, at runtime shutdown).
    fn drop(&mut self) {
        if self.offered {
            if let Some(direct) = &self.direct {
                direct.reclaim();
            }
        }
    }
}
