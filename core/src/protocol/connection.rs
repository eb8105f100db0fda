//! The per-connection ZMTP state machine: greeting, handshake, then traffic.
//!
//! Sans-I/O: the engine appends received bytes to a `BytesMut` and calls
//! [`Connection::receive`], which consumes whole units (greeting, frames) off the front
//! and reports [`Event`]s; whatever the connection wants to send accumulates in
//! [`Connection::outbound`]. Our greeting is queued at construction, so neither side
//! ever waits for the other to speak first.

use std::io::IoSlice;
use std::ops::ControlFlow;

use bytes::{Buf, Bytes, BytesMut};

use super::command::{self, Command, Metadata, MAX_COMMAND_SIZE, MAX_PING_CONTEXT};
use super::curve_message::{self, Opener};
use super::encoder::{self, Output};
use super::frame::{FrameHeader, COMMAND, LONG, MORE};
use super::greeting::Greeting;
use super::mechanism::{Mechanism, Security, Step};
use super::zap::{self, Verdict, ZapContext};
use super::{describe_name, ProtocolError};
use crate::message::{Frame, Message};
use crate::socket_type::SocketType;

/// What a connection needs to know about its own socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionConfig {
    pub socket_type: SocketType,
    /// Sent as the READY `Identity` property whenever set (libzmq sends it for REQ,
    /// DEALER and ROUTER, where the peer may use it as our routing id).
    pub routing_id: Option<Bytes>,
    /// ZMQ_MAXMSGSIZE: a data frame larger than this is refused (checked per frame,
    /// as libzmq does). `None` means unlimited. Commands have their own fixed 64 KiB
    /// cap instead, so a small limit cannot break the handshake.
    pub max_msg_size: Option<u64>,
    /// The security mechanism and our role in it.
    pub security: Security,
    /// What ZAP requests about our peers say; a NULL socket asks only when `domain` is set.
    pub zap: ZapContext,
}

impl ConnectionConfig {
    /// No routing id, no size limit.
    pub fn new(socket_type: SocketType) -> ConnectionConfig {
        ConnectionConfig {
            socket_type,
            routing_id: None,
            max_msg_size: None,
            security: Security::Null,
            zap: ZapContext::default(),
        }
    }
}

/// What the handshake told us about the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    pub socket_type: SocketType,
    /// The peer's `Identity` property; an empty identity is `None`.
    pub routing_id: Option<Bytes>,
    /// 0 for a ZMTP 3.0 peer, 1 for 3.1 or later. A 3.0 peer does not understand
    /// SUBSCRIBE/CANCEL commands or PING/PONG: subscriptions go as data messages.
    pub version_minor: u8,
    /// All properties of the peer's READY.
    pub metadata: Metadata,
    /// What the ZAP handler said about the peer: User-Id, then the handler's metadata
    /// (empty when no handler was asked).
    pub zap_properties: Metadata,
}

/// The run of whole one-frame short messages at the front of `input`: its length in bytes
/// and how many messages it holds, at most `max_count` in at most `max_len` bytes, each
/// body at most `largest` bytes.
#[inline]
fn short_frame_run(
    input: &[u8],
    largest: usize,
    max_count: usize,
    max_len: usize,
) -> (usize, usize) {
    let (mut len, mut count) = (0, 0);
    while let [flags, size, rest @ ..] = &input[len..] {
        let size = usize::from(*size);
        if flags & (LONG | COMMAND | MORE) != 0
            || size > largest
            || size > rest.len()
            || len + 2 + size > max_len
            || count == max_count
        {
            break;
        }
        len += 2 + size;
        count += 1;
    }
    (len, count)
}

/// Something the peer did that the engine or socket must act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event<'a> {
    /// The handshake completed; messages may flow both ways from now on.
    Ready(PeerInfo),
    /// A whole message. SUBSCRIBE/CANCEL commands arrive here too, converted to the
    /// ZMTP 3.0 form: one frame, 0x01 (subscribe) or 0x00 (cancel) followed by the topic.
    Message(Message),
    /// Several whole one-frame messages, each of at most `Frame::INLINE_CAPACITY` bytes, as
    /// they came off the wire; only when the engine allowed them
    /// ([`Connection::allow_short_frame_runs`]).
    ShortFrames(ShortFrames<'a>),
    /// The peer sent a heartbeat; the PONG is already queued in `outbound`. The engine
    /// should close the connection if nothing arrives within the TTL (0 = no TTL).
    Ping {
        ttl_deciseconds: u16,
    },
    Pong,
    /// The peer sent ERROR; `receive` returns `Err(ProtocolError::PeerError)` right after.
    PeerError(String),
    /// The mechanism asks the ZAP handler about the peer: the engine sends this request to
    /// it and hands its answer to [`Connection::zap_reply`]. The handshake waits till then.
    ZapRequest(Message),
}

/// What became of a ZAP request (see [`Event::ZapRequest`]).
#[derive(Debug)]
pub enum ZapReply {
    /// The handler's reply message.
    Reply(Message),
    /// No handler is bound at `inproc://zeromq.zap.01`.
    NoHandler,
}

/// A run of one-frame messages in ZMTP's short-frame wire form (per message a flags byte
/// without MORE, LONG or COMMAND, a size byte, the body), borrowed from the input. Only the
/// decoder makes one, after checking every frame, so its count always matches its bytes.
/// The engine queues the messages' bodies ([`ShortFrames::bodies`]) in its pipe as one
/// record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortFrames<'a> {
    wire: &'a [u8],
    count: usize,
}

impl<'a> ShortFrames<'a> {
    /// The frames' bytes, headers included.
    pub fn wire(&self) -> &'a [u8] {
        self.wire
    }

    /// How many messages (frames) the run holds.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The bytes of the messages' bodies, in all (headers not counted).
    pub fn bodies_len(&self) -> usize {
        self.wire.len() - 2 * self.count
    }

    /// The messages' bodies, in order.
    pub fn bodies(&self) -> impl Iterator<Item = &'a [u8]> {
        let wire = self.wire;
        let mut at = 0;
        std::iter::from_fn(move || {
            let size = usize::from(*wire.get(at + 1)?);
            let body = &wire[at + 2..at + 2 + size];
            at += 2 + size;
            Some(body)
        })
    }
}

#[cfg(test)]
impl Event<'_> {
    /// The event without its borrow, for tests that keep events (they do not allow runs).
    pub(crate) fn into_static(self) -> Event<'static> {
        match self {
            Event::Ready(peer) => Event::Ready(peer),
            Event::Message(msg) => Event::Message(msg),
            Event::ShortFrames(_) => panic!("runs of short frames were not allowed"),
            Event::Ping { ttl_deciseconds } => Event::Ping { ttl_deciseconds },
            Event::Pong => Event::Pong,
            Event::PeerError(reason) => Event::PeerError(reason),
            Event::ZapRequest(msg) => Event::ZapRequest(msg),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct ZapPending {
    mandatory: bool,
}

#[derive(Debug)]
enum State {
    /// Waiting for the peer's greeting.
    Greeting,
    /// Greetings exchanged; the mechanism is running.
    Handshake,
    /// Handshake done; data and post-handshake commands flow.
    Ready,
    /// A protocol error ended the connection; it is reported again on every call.
    Failed(ProtocolError),
}

/// One ZMTP 3.x connection's protocol state (NULL mechanism).
#[derive(Debug)]
pub struct Connection {
    socket_type: SocketType,
    /// Largest data frame accepted: MAXMSGSIZE, capped by what fits in memory.
    max_frame: u64,
    state: State,
    mechanism: Mechanism,
    /// 0 or 1, known once the peer's greeting has arrived.
    peer_minor: u8,
    /// Our greeting after its signature: queued in parts as the peer's greeting comes.
    greeting_rest: Option<Bytes>,
    zap: ZapContext,
    /// A ZAP request is out; `mandatory` as the mechanism's [`Step::AskZap`] said.
    zap_pending: Option<ZapPending>,
    /// What the ZAP handler said about the peer (see [`PeerInfo::zap_properties`]).
    zap_properties: Metadata,
    /// The handshake completed in [`Connection::zap_reply`]: reported by the next `receive`.
    ready_unreported: Option<PeerInfo>,
    /// A SUB or XSUB talking to a ZMTP 3.1 peer: its subscription messages (one frame,
    /// first byte 1 or 0) go out as SUBSCRIBE/CANCEL commands (RFC 37), as libzmq's do.
    subscriptions_as_commands: bool,
    peer: Option<PeerInfo>,
    /// Frames of a multipart message whose last frame has not arrived yet.
    partial: Message,
    /// What goes out, in order; every data frame is encoded there.
    output: Output,
    /// CURVE: opens every frame once the handshake is done.
    opener: Option<Opener>,
    /// Header and body size of the last data frame received, if it was a large one (see
    /// [`Connection::recent_large_frame`]); 0 after a small one.
    recent_large_frame: usize,
    /// Messages the next `receive` may still report (runs of short frames only while this
    /// is above zero), and the most bytes one run may take: see
    /// [`Connection::allow_short_frame_runs`].
    run_room: usize,
    run_bytes: usize,
}

impl Connection {
    /// A connection that has queued its greeting in [`Connection::outbound`].
    pub fn new(config: ConnectionConfig) -> Connection {
        let mut metadata = Metadata::new();
        metadata.push("Socket-Type", config.socket_type.zmtp_name());
        // As libzmq: the socket types a ROUTER can address send an Identity, empty when
        // they have no ROUTING_ID; the others none.
        if matches!(
            config.socket_type,
            SocketType::Req | SocketType::Dealer | SocketType::Router
        ) {
            metadata.push("Identity", config.routing_id.unwrap_or_default());
        }
        let null_asks_zap = !config.zap.domain.is_empty();
        let mechanism = Mechanism::new(&config.security, metadata, null_asks_zap);

        // As libzmq: the signature goes out at once, the rest of the greeting in two
        // parts later (see `send_greeting_parts`).
        let greeting = Greeting::new(mechanism.name(), mechanism.as_server()).encode();
        let mut output = Output::with_capacity(256);
        output
            .bytes()
            .extend_from_slice(&greeting[..Greeting::SIGNATURE_LEN]);
        let greeting_rest = Some(Bytes::copy_from_slice(&greeting[Greeting::SIGNATURE_LEN..]));

        let max_frame = config
            .max_msg_size
            .unwrap_or(u64::MAX)
            .min(FrameHeader::MAX_SIZE)
            .min(usize::MAX as u64);
        Connection {
            socket_type: config.socket_type,
            max_frame,
            state: State::Greeting,
            mechanism,
            peer_minor: 1,
            greeting_rest,
            zap: config.zap,
            zap_pending: None,
            zap_properties: Metadata::new(),
            ready_unreported: None,
            subscriptions_as_commands: false,
            peer: None,
            partial: Message::new(),
            output,
            opener: None,
            recent_large_frame: 0,
            run_room: 0,
            run_bytes: 0,
        }
    }

    /// Lets the next [`receive`](Self::receive) report small one-frame messages in runs
    /// ([`Event::ShortFrames`]) of at most `max_bytes` bytes, as long as it has reported
    /// fewer than `room` messages in all. The engine passes the room left in its pipe, so
    /// a run always fits (the pipe checks single messages itself). Holds for one call.
    pub fn allow_short_frame_runs(&mut self, room: usize, max_bytes: usize) {
        self.run_room = room;
        self.run_bytes = max_bytes;
    }

    /// Consumes as many complete units (greeting, frames) from the front of `input` as
    /// possible, reporting each event to `on_event`. Incomplete data stays in `input`.
    ///
    /// If `on_event` returns `Break`, this returns at once and the unconsumed bytes stay
    /// in `input` for a later call: that is how the engine applies back-pressure.
    /// Memory is never reserved from a size the peer announced; a frame is taken only
    /// once all of it is in `input`.
    ///
    /// After an error the connection is dead: every later call returns the same error.
    pub fn receive(
        &mut self,
        input: &mut BytesMut,
        on_event: &mut dyn FnMut(Event) -> ControlFlow<()>,
    ) -> Result<(), ProtocolError> {
        let result = self.receive_units(input, on_event);
        self.run_room = 0;
        if let Err(err) = &result {
            self.state = State::Failed(err.clone());
            self.partial = Message::new();
        }
        result
    }

    /// Whether the handshake has completed (and no error has occurred since).
    pub fn is_ready(&self) -> bool {
        matches!(self.state, State::Ready)
    }

    /// The peer, once the handshake has completed.
    pub fn peer(&self) -> Option<&PeerInfo> {
        self.peer.as_ref()
    }

    /// Queues a whole message (MORE on every frame but the last). Only valid once the
    /// handshake has completed. A message with no frames sends nothing.
    pub fn send_message(&mut self, msg: &Message) {
        debug_assert!(
            self.peer.is_some(),
            "send_message before the ZMTP handshake completed"
        );
        if let [only] = msg.frames() {
            if self.subscriptions_as_commands && self.send_subscription(only) {
                return;
            }
        }
        self.output.message(msg);
    }

    /// Queues a one-frame message from its payload alone (see [`Output::single_frame`]).
    pub fn send_single_frame(&mut self, payload: &[u8]) {
        debug_assert!(
            self.peer.is_some(),
            "send_single_frame before the ZMTP handshake completed"
        );
        if self.subscriptions_as_commands && self.send_subscription(payload) {
            return;
        }
        self.output.single_frame(payload);
    }

    /// Queues a subscription message (1 or 0, then the topic) as the SUBSCRIBE or CANCEL
    /// command it stands for; false, and nothing queued, for any other message.
    fn send_subscription(&mut self, message: &[u8]) -> bool {
        let command = match message.split_first() {
            Some((1, topic)) => Command::Subscribe(Bytes::copy_from_slice(topic)),
            Some((0, topic)) => Command::Cancel(Bytes::copy_from_slice(topic)),
            _ => return false,
        };
        self.output.command(&command);
        true
    }

    /// Whether data frames go on the wire as they are (NULL, PLAIN), so that a socket may
    /// write them to an idle connection itself (`direct_write.rs`, through
    /// [`encoder::frame_headers`](super::encoder::frame_headers)).
    pub fn frames_go_out_as_they_are(&self) -> bool {
        !self.output.is_sealing()
    }

    /// Frames at least this big are written from their own buffer (vectored I/O) instead
    /// of being copied into the output buffer.
    pub const ZERO_COPY_MIN: usize = encoder::ZERO_COPY_MIN;

    /// Bytes waiting to be written, in all.
    pub fn output_len(&self) -> usize {
        self.output.len()
    }

    /// Fills `slices` with the output to write next, in order; returns how many were filled.
    pub fn output_slices<'a>(&'a self, slices: &mut [IoSlice<'a>]) -> usize {
        self.output.slices(slices)
    }

    /// Drops the first `written` bytes of output (what the transport took).
    pub fn consume_output(&mut self, written: usize) {
        self.output.consume(written);
    }

    /// The whole size (header and body) of the last data frame received when it was at
    /// least [`Connection::ZERO_COPY_MIN`] big, else 0. Peers tend to send runs of similar
    /// messages: the engine sizes its next read buffer to hold such a frame whole, so the
    /// frame's body is read in place instead of being copied out of a smaller buffer.
    pub fn recent_large_frame(&self) -> usize {
        self.recent_large_frame
    }

    /// How many bytes of input the frame being received needs in all (its header and whole
    /// body), when a data frame's header is buffered and the body is not complete yet. Lets
    /// the engine size its read buffer once for a large frame instead of growing it.
    pub fn input_wanted(&self, input: &[u8]) -> Option<usize> {
        if !matches!(self.state, State::Ready) {
            return None;
        }
        match FrameHeader::decode(input) {
            Ok(Some((header, header_len))) if !header.command && header.size <= self.max_frame => {
                let whole = header_len.checked_add(usize::try_from(header.size).ok()?)?;
                (whole > input.len()).then_some(whole)
            }
            _ => None,
        }
    }

    /// Queues a command (e.g. SUBSCRIBE to a 3.1 peer, PING, ERROR).
    pub fn send_command(&mut self, cmd: &Command) {
        self.output.command(cmd);
    }

    /// Encoded bytes not yet written and not sealed behind large frames (everything, when
    /// no frame reached [`Connection::ZERO_COPY_MIN`]); the engine writes through
    /// [`Connection::output_slices`] and [`Connection::consume_output`].
    pub fn outbound(&mut self) -> &mut BytesMut {
        self.output.bytes()
    }

    fn receive_units(
        &mut self,
        input: &mut BytesMut,
        on_event: &mut dyn FnMut(Event) -> ControlFlow<()>,
    ) -> Result<(), ProtocolError> {
        if let Some(peer) = self.ready_unreported.take() {
            if on_event(Event::Ready(peer)).is_break() {
                return Ok(());
            }
        }
        loop {
            match &self.state {
                State::Failed(err) => return Err(err.clone()),
                State::Greeting => {
                    self.send_greeting_parts(input.len());
                    let Some(greeting) = Greeting::decode(input)? else {
                        return Ok(());
                    };
                    input.advance(Greeting::LEN);
                    self.mechanism.check_peer(&greeting)?;
                    self.peer_minor = greeting.effective_minor();
                    self.subscriptions_as_commands = self.peer_minor >= 1
                        && matches!(self.socket_type, SocketType::Sub | SocketType::XSub);
                    // Only now, with the peer known to speak our mechanism, does the
                    // mechanism's first command go out.
                    self.state = State::Handshake;
                    let step = self.mechanism.start(self.output.bytes());
                    if self.take_step(step, on_event)?.is_break() {
                        return Ok(());
                    }
                }
                State::Handshake | State::Ready => {
                    if matches!(self.state, State::Ready)
                        && self.opener.is_none()
                        && self.receive_short_frames(input, on_event).is_break()
                    {
                        return Ok(());
                    }
                    let Some((header, header_len)) = FrameHeader::decode(input)? else {
                        return Ok(());
                    };
                    if self.opener.is_some() && matches!(self.state, State::Ready) {
                        match self.on_sealed_frame(header, header_len, input, on_event)? {
                            Some(flow) if flow.is_break() => return Ok(()),
                            Some(_) => continue,
                            None => return Ok(()),
                        }
                    }
                    let flow = if header.command {
                        let Some(len) = self.command_len(header, header_len, input.len())? else {
                            return Ok(());
                        };
                        let flow = self.on_command(&input[header_len..len], on_event)?;
                        input.advance(len);
                        flow
                    } else {
                        match self.on_data_frame(header, header_len, input, on_event)? {
                            Some(flow) => flow,
                            None => return Ok(()),
                        }
                    };
                    if flow.is_break() {
                        return Ok(());
                    }
                }
            }
        }
    }

    /// Once ready: decodes the short data frames at the front of `input` (the bulk of
    /// small-message traffic) and consumes them with one `advance`: runs of one-frame
    /// messages as [`Event::ShortFrames`] when allowed, other frames one by one. Stops at
    /// anything else (a command, a long or large frame, an incomplete one) for the general
    /// path. Returns `Break` if `on_event` asked to stop; the frames before are consumed.
    #[inline]
    fn receive_short_frames(
        &mut self,
        input: &mut BytesMut,
        on_event: &mut dyn FnMut(Event) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        // A frame above MAXMSGSIZE goes to the general path, which refuses it.
        let largest = (Frame::INLINE_CAPACITY as u64).min(self.max_frame) as usize;
        let mut flow = ControlFlow::Continue(());
        let mut taken = 0;
        loop {
            if self.run_room > 0 && self.partial.is_empty() {
                let (len, count) =
                    short_frame_run(&input[taken..], largest, self.run_room, self.run_bytes);
                if count > 0 {
                    let wire = &input[taken..taken + len];
                    taken += len;
                    self.run_room -= count;
                    if on_event(Event::ShortFrames(ShortFrames { wire, count })).is_break() {
                        flow = ControlFlow::Break(());
                        break;
                    }
                    continue;
                }
            }
            let [flags, size, rest @ ..] = &input[taken..] else {
                break;
            };
            let size = usize::from(*size);
            if flags & (LONG | COMMAND) != 0 || size > largest || size > rest.len() {
                break;
            }
            let frame = Frame::copy_from_slice(&rest[..size]);
            taken += 2 + size;
            let Some(msg) = self.assemble(frame, flags & MORE != 0) else {
                continue;
            };
            if self.report(msg, on_event).is_break() {
                flow = ControlFlow::Break(());
                break;
            }
        }
        if taken > 0 {
            self.recent_large_frame = 0;
            input.advance(taken);
        }
        flow
    }

    /// Checks a command header; the total frame length once it has all arrived.
    fn command_len(
        &self,
        header: FrameHeader,
        header_len: usize,
        available: usize,
    ) -> Result<Option<usize>, ProtocolError> {
        if header.more {
            return Err(ProtocolError::MalformedCommand(
                "command frame has the MORE flag set (commands cannot be multipart)".into(),
            ));
        }
        if header.size > MAX_COMMAND_SIZE {
            return Err(ProtocolError::MalformedCommand(format!(
                "command frame of {} bytes exceeds the {MAX_COMMAND_SIZE}-byte limit for commands",
                header.size
            )));
        }
        let len = header_len + header.size as usize;
        Ok((available >= len).then_some(len))
    }

    /// Takes one data frame off `input` if it has fully arrived (`None` otherwise), and
    /// reports the message once its last frame is in.
    #[inline]
    fn on_data_frame(
        &mut self,
        header: FrameHeader,
        header_len: usize,
        input: &mut BytesMut,
        on_event: &mut dyn FnMut(Event) -> ControlFlow<()>,
    ) -> Result<Option<ControlFlow<()>>, ProtocolError> {
        if !matches!(self.state, State::Ready) {
            return Err(ProtocolError::UnexpectedBeforeHandshake("a data frame"));
        }
        let Some(size) = self.whole_frame(header, header_len, input.len(), 0)? else {
            return Ok(None);
        };
        let frame = if size <= Frame::INLINE_CAPACITY {
            let frame = Frame::copy_from_slice(&input[header_len..header_len + size]);
            input.advance(header_len + size);
            frame
        } else {
            // Zero-copy: the frame shares the receive buffer.
            input.advance(header_len);
            Frame::from(input.split_to(size).freeze())
        };
        match self.assemble(frame, header.more) {
            Some(msg) => Ok(Some(self.report(msg, on_event))),
            None => Ok(Some(ControlFlow::Continue(()))),
        }
    }

    /// The size of a data frame whose header is at the front of `available` input bytes,
    /// once all of it has arrived (`None` before). Its size is checked from the header
    /// alone (MAXMSGSIZE, plus `overhead` for a sealed frame's envelope), so an oversized
    /// frame is refused before any of its payload has to be buffered.
    #[inline(always)]
    fn whole_frame(
        &mut self,
        header: FrameHeader,
        header_len: usize,
        available: usize,
        overhead: u64,
    ) -> Result<Option<usize>, ProtocolError> {
        if header.size > self.max_frame.saturating_add(overhead) {
            return Err(ProtocolError::FrameTooLarge {
                size: header.size,
                max: self.max_frame,
            });
        }
        let size = header.size as usize;
        if available - header_len < size {
            return Ok(None);
        }
        self.recent_large_frame = if size >= Self::ZERO_COPY_MIN {
            header_len + size
        } else {
            0
        };
        Ok(Some(size))
    }

    /// CURVE: takes one sealed frame off `input` once it has fully arrived (`None`
    /// otherwise), opens it in place and handles what it carries: a frame of a message,
    /// or a command.
    fn on_sealed_frame(
        &mut self,
        header: FrameHeader,
        header_len: usize,
        input: &mut BytesMut,
        on_event: &mut dyn FnMut(Event) -> ControlFlow<()>,
    ) -> Result<Option<ControlFlow<()>>, ProtocolError> {
        let overhead = curve_message::OVERHEAD as u64;
        let Some(size) = self.whole_frame(header, header_len, input.len(), overhead)? else {
            return Ok(None);
        };
        input.advance(header_len);
        let mut body = input.split_to(size);
        let opener = self
            .opener
            .as_mut()
            .expect("sealed frames only with an opener");
        let (flags, payload) = opener.open(&mut body)?;
        if flags & curve_message::COMMAND != 0 {
            let (name, data) = command::split_name(&body[payload])?;
            if name == command::ERROR {
                let reason = command::decode_error_reason(data)?;
                let _ = on_event(Event::PeerError(reason.clone()));
                return Err(ProtocolError::PeerError(reason));
            }
            let (name, data) = (name.to_vec(), data.to_vec());
            return self.on_ready_command(&name, &data, on_event).map(Some);
        }
        let frame = if payload.len() <= Frame::INLINE_CAPACITY {
            Frame::copy_from_slice(&body[payload])
        } else {
            // Zero-copy: the frame shares the receive buffer it was opened in.
            Frame::from(body.freeze().slice(payload))
        };
        match self.assemble(frame, flags & curve_message::MORE != 0) {
            Some(msg) => Ok(Some(self.report(msg, on_event))),
            None => Ok(Some(ControlFlow::Continue(()))),
        }
    }

    /// Reports a whole message, counting it against the room runs may use.
    #[inline(always)]
    fn report(
        &mut self,
        msg: Message,
        on_event: &mut dyn FnMut(Event) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        self.run_room = self.run_room.saturating_sub(1);
        on_event(Event::Message(msg))
    }

    /// Adds a received data frame to the message being assembled; returns the whole
    /// message once its last frame is in. Always inlined: it is on the per-frame path, and
    /// as a call it costs about as much as the rest of a small frame's decoding.
    #[inline(always)]
    fn assemble(&mut self, frame: Frame, more: bool) -> Option<Message> {
        if more {
            self.partial.push_back(frame);
            return None;
        }
        Some(if self.partial.is_empty() {
            Message::single(frame)
        } else {
            let mut msg = std::mem::take(&mut self.partial);
            msg.push_back(frame);
            msg
        })
    }

    /// Handles one whole command body.
    fn on_command(
        &mut self,
        body: &[u8],
        on_event: &mut dyn FnMut(Event) -> ControlFlow<()>,
    ) -> Result<ControlFlow<()>, ProtocolError> {
        if let Some(data) = body.strip_prefix(command::LIBZMQ_PLAIN_ERROR) {
            let reason = command::decode_error_reason(data)?;
            let _ = on_event(Event::PeerError(reason.clone()));
            return Err(ProtocolError::PeerError(reason));
        }
        let (name, data) = command::split_name(body)?;
        if name == command::ERROR {
            let reason = command::decode_error_reason(data)?;
            let _ = on_event(Event::PeerError(reason.clone()));
            return Err(ProtocolError::PeerError(reason));
        }
        if matches!(self.state, State::Handshake) {
            let step = self.mechanism.process(body, self.output.bytes())?;
            return self.take_step(step, on_event);
        }
        if self.opener.is_some() {
            // A CURVE connection carries commands inside sealed frames only.
            return Err(ProtocolError::Handshake {
                code: crate::monitor::PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND,
                detail: "a command frame outside a CURVE MESSAGE",
            });
        }
        self.on_ready_command(name, data, on_event)
    }

    /// A command after the handshake (in the clear, or opened from a sealed frame).
    fn on_ready_command(
        &mut self,
        name: &[u8],
        data: &[u8],
        on_event: &mut dyn FnMut(Event) -> ControlFlow<()>,
    ) -> Result<ControlFlow<()>, ProtocolError> {
        match name {
            command::SUBSCRIBE => Ok(self.report(subscription(1, data), on_event)),
            command::CANCEL => Ok(self.report(subscription(0, data), on_event)),
            command::PING => {
                let (ttl_deciseconds, context) = command::decode_ping(data)?;
                // RFC 37 allows at most 16 context bytes; like libzmq, echo no more.
                let context = &context[..context.len().min(MAX_PING_CONTEXT)];
                self.output.command(&Command::Pong {
                    context: Bytes::copy_from_slice(context),
                });
                Ok(on_event(Event::Ping { ttl_deciseconds }))
            }
            command::PONG => Ok(on_event(Event::Pong)),
            // A repeated READY or an unknown command: ignored, as libzmq does, so
            // future protocol extensions do not break the connection.
            _ => Ok(ControlFlow::Continue(())),
        }
    }

    /// Queues the rest of our greeting as libzmq does: the major version once the peer's
    /// signature is in (`received` bytes of its greeting so far), everything after once
    /// its major version is. Programs reading raw ZMTP, as libzmq's tests do, see these
    /// parts.
    fn send_greeting_parts(&mut self, received: usize) {
        let Some(rest) = &mut self.greeting_rest else {
            return;
        };
        let major_sent = rest.len() < Greeting::LEN - Greeting::SIGNATURE_LEN;
        if !major_sent && received >= Greeting::SIGNATURE_LEN {
            self.output.bytes().extend_from_slice(&rest.split_to(1));
        }
        if received > Greeting::SIGNATURE_LEN {
            self.output.bytes().extend_from_slice(rest);
            self.greeting_rest = None;
        }
    }

    /// Acts on what the mechanism made of the handshake so far.
    fn take_step(
        &mut self,
        step: Step,
        on_event: &mut dyn FnMut(Event) -> ControlFlow<()>,
    ) -> Result<ControlFlow<()>, ProtocolError> {
        match step {
            Step::Continue => Ok(ControlFlow::Continue(())),
            Step::Done(metadata) => {
                let peer = self.complete(metadata)?;
                Ok(on_event(Event::Ready(peer)))
            }
            Step::AskZap {
                credentials,
                mandatory,
            } => {
                self.zap_pending = Some(ZapPending { mandatory });
                let request = zap::request(&self.zap, self.mechanism.name(), &credentials);
                Ok(on_event(Event::ZapRequest(request)))
            }
        }
    }

    /// The handshake is done: checks the peer's metadata and becomes ready.
    fn complete(&mut self, metadata: Metadata) -> Result<PeerInfo, ProtocolError> {
        let mut peer = self.peer_info(metadata)?;
        peer.zap_properties = std::mem::take(&mut self.zap_properties);
        if let Some((sealer, opener)) = self.mechanism.take_cipher() {
            self.output.seal_with(sealer);
            self.opener = Some(opener);
        }
        self.peer = Some(peer.clone());
        self.state = State::Ready;
        Ok(peer)
    }

    /// The answer to the last [`Event::ZapRequest`]. Any verdict but 200 fails the
    /// connection: 400 and 500 after queueing an ERROR that tells the peer the status, 300
    /// (a temporary failure) silently, as libzmq does. If the handshake completes here, the
    /// next [`receive`](Self::receive) reports it.
    pub fn zap_reply(&mut self, reply: ZapReply) -> Result<(), ProtocolError> {
        let Some(pending) = self.zap_pending.take() else {
            return Ok(());
        };
        if !matches!(self.state, State::Handshake) {
            return Ok(());
        }
        let result = self.on_zap_reply(reply, pending);
        if let Err(err) = &result {
            self.state = State::Failed(err.clone());
        }
        result
    }

    fn on_zap_reply(&mut self, reply: ZapReply, pending: ZapPending) -> Result<(), ProtocolError> {
        match reply {
            ZapReply::NoHandler if pending.mandatory || self.zap.enforce_domain => {
                return Err(ProtocolError::ZapUnavailable)
            }
            ZapReply::NoHandler => {}
            ZapReply::Reply(msg) => match zap::parse_reply(&msg) {
                Err(malformed) => {
                    return Err(ProtocolError::ZapMalformedReply {
                        code: malformed.code,
                        what: malformed.what,
                    })
                }
                Ok(Verdict::Denied { status, text }) => {
                    if status != 300 {
                        self.mechanism
                            .send_error(&status.to_string(), self.output.bytes());
                    }
                    return Err(ProtocolError::ZapDenied { status, text });
                }
                Ok(Verdict::Allowed { properties }) => self.zap_properties = properties,
            },
        }
        if let Step::Done(metadata) = self.mechanism.zap_allowed(self.output.bytes()) {
            self.ready_unreported = Some(self.complete(metadata)?);
        }
        Ok(())
    }

    /// Whether [`receive`](Self::receive) has something to report even with no new input.
    pub fn has_unreported(&self) -> bool {
        self.ready_unreported.is_some()
    }

    /// Validates the peer's handshake metadata (common to every mechanism).
    fn peer_info(&self, metadata: Metadata) -> Result<PeerInfo, ProtocolError> {
        let Some(name) = metadata.get("Socket-Type") else {
            return Err(ProtocolError::MissingSocketType);
        };
        let socket_type = SocketType::from_zmtp_name(name)
            .filter(|&peer| self.socket_type.is_compatible_with(peer))
            .ok_or_else(|| ProtocolError::IncompatibleSocketType {
                ours: self.socket_type,
                peer: describe_name(name),
            })?;
        let routing_id = metadata
            .get("Identity")
            .filter(|id| !id.is_empty())
            .cloned();
        Ok(PeerInfo {
            socket_type,
            routing_id,
            version_minor: self.peer_minor,
            metadata,
            zap_properties: Metadata::new(),
        })
    }
}

/// A ZMTP 3.1 SUBSCRIBE/CANCEL as the ZMTP 3.0 data message the socket layer expects.
fn subscription(kind: u8, topic: &[u8]) -> Message {
    let frame = if topic.len() < Frame::INLINE_CAPACITY {
        let mut buf = [0u8; Frame::INLINE_CAPACITY];
        buf[0] = kind;
        buf[1..=topic.len()].copy_from_slice(topic);
        Frame::copy_from_slice(&buf[..=topic.len()])
    } else {
        let mut buf = Vec::with_capacity(topic.len() + 1);
        buf.push(kind);
        buf.extend_from_slice(topic);
        Frame::from(buf)
    };
    Message::single(frame)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::frame::{COMMAND, LONG, MORE};

    fn config(socket_type: SocketType) -> ConnectionConfig {
        ConnectionConfig::new(socket_type)
    }

    /// Feeds `bytes` to `conn`, collecting events (never breaking).
    fn feed(
        conn: &mut Connection,
        bytes: &[u8],
    ) -> (Vec<Event<'static>>, Result<(), ProtocolError>) {
        let mut input = BytesMut::from(bytes);
        let mut events = Vec::new();
        let result = conn.receive(&mut input, &mut |e| {
            events.push(e.into_static());
            ControlFlow::Continue(())
        });
        (events, result)
    }

    /// Moves bytes both ways until neither side has anything to say; returns each
    /// side's events and the first error of each.
    struct Pair {
        a: Connection,
        b: Connection,
        a_in: BytesMut,
        b_in: BytesMut,
        a_events: Vec<Event<'static>>,
        b_events: Vec<Event<'static>>,
        a_err: Option<ProtocolError>,
        b_err: Option<ProtocolError>,
    }

    impl Pair {
        fn new(a: ConnectionConfig, b: ConnectionConfig) -> Pair {
            let mut pair = Pair {
                a: Connection::new(a),
                b: Connection::new(b),
                a_in: BytesMut::new(),
                b_in: BytesMut::new(),
                a_events: Vec::new(),
                b_events: Vec::new(),
                a_err: None,
                b_err: None,
            };
            pair.pump();
            pair
        }

        fn pump(&mut self) {
            loop {
                let a_out = take_output(&mut self.a, usize::MAX);
                let b_out = take_output(&mut self.b, usize::MAX);
                if a_out.is_empty() && b_out.is_empty() {
                    return;
                }
                self.b_in.extend_from_slice(&a_out);
                self.a_in.extend_from_slice(&b_out);
                if self.a_err.is_none() {
                    let events = &mut self.a_events;
                    self.a_err = self
                        .a
                        .receive(&mut self.a_in, &mut |e| {
                            events.push(e.into_static());
                            ControlFlow::Continue(())
                        })
                        .err();
                }
                if self.b_err.is_none() {
                    let events = &mut self.b_events;
                    self.b_err = self
                        .b
                        .receive(&mut self.b_in, &mut |e| {
                            events.push(e.into_static());
                            ControlFlow::Continue(())
                        })
                        .err();
                }
            }
        }
    }

    /// Everything `conn` has to write, taken through the vectored-output interface in writes
    /// of at most `step` bytes (as a transport taking part of it at a time would).
    fn take_output(conn: &mut Connection, step: usize) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let mut slices = [IoSlice::new(&[]); 4];
            let filled = conn.output_slices(&mut slices);
            if filled == 0 {
                assert_eq!(conn.output_len(), 0);
                return out;
            }
            let before = out.len();
            for slice in &slices[..filled] {
                let room = step - (out.len() - before);
                out.extend_from_slice(&slice[..slice.len().min(room)]);
                if out.len() - before == step {
                    break;
                }
            }
            conn.consume_output(out.len() - before);
        }
    }

    #[test]
    fn large_frames_are_queued_by_reference_and_written_in_order() {
        let mut pair = Pair::new(config(SocketType::Push), config(SocketType::Pull));
        assert!(pair.a.is_ready() && pair.b.is_ready());
        let big = Bytes::from(vec![7u8; 100_000]);
        let msg = Message::from_frames([
            Frame::from(&b"head"[..]),
            Frame::from(big.clone()),
            Frame::from(&b"tail"[..]),
        ]);
        pair.a.send_message(&msg);
        pair.a.send_message(&Message::single(&b"after"[..]));
        let queued = pair.a.output_len();
        assert_eq!(queued, (2 + 4) + (9 + 100_000) + (2 + 4) + (2 + 5));
        assert!(
            pair.a.outbound().len() < 100,
            "the large payload is not copied into the output buffer"
        );
        let wire = take_output(&mut pair.a, 4_093);
        assert_eq!(wire.len(), queued);
        let (events, result) = feed(&mut pair.b, &wire);
        result.unwrap();
        let messages: Vec<Message> = events
            .into_iter()
            .filter_map(|e| match e {
                Event::Message(m) => Some(m),
                _ => None,
            })
            .collect();
        assert_eq!(messages, [msg, Message::single(&b"after"[..])]);
    }

    #[test]
    fn input_wanted_announces_a_large_frame_once_its_header_is_in() {
        let pair = Pair::new(config(SocketType::Push), config(SocketType::Pull));
        let mut wire = vec![LONG];
        wire.extend_from_slice(&200_000u64.to_be_bytes());
        assert_eq!(pair.b.input_wanted(&wire[..5]), None, "header incomplete");
        assert_eq!(pair.b.input_wanted(&wire), Some(9 + 200_000));
        wire.extend_from_slice(&[0u8; 200_000]);
        assert_eq!(pair.b.input_wanted(&wire), None, "frame complete");
    }

    fn ready_peer<'e>(events: &'e [Event<'_>]) -> &'e PeerInfo {
        match events.first() {
            Some(Event::Ready(peer)) => peer,
            other => panic!("expected Ready first, got {other:?}"),
        }
    }

    /// A greeting from a hand-written peer, with libzmq's signature padding.
    fn greeting(major: u8, minor: u8, mechanism: &[u8]) -> Vec<u8> {
        let mut g = vec![0u8; 64];
        g[0] = 0xFF;
        g[8] = 1;
        g[9] = 0x7F;
        g[10] = major;
        g[11] = minor;
        g[12..12 + mechanism.len()].copy_from_slice(mechanism);
        g
    }

    fn command_frame(cmd: &Command) -> Vec<u8> {
        let mut out = BytesMut::new();
        cmd.encode(&mut out);
        out.to_vec()
    }

    fn ready_frame(socket_type: &str) -> Vec<u8> {
        let mut metadata = Metadata::new();
        metadata.push(
            "Socket-Type",
            Bytes::copy_from_slice(socket_type.as_bytes()),
        );
        command_frame(&Command::Ready(metadata))
    }

    /// A connection (of `ours`) that has completed the handshake with a scripted peer.
    fn ready_connection(ours: ConnectionConfig, peer_type: &str) -> Connection {
        let mut conn = Connection::new(ours);
        let mut wire = greeting(3, 1, b"NULL");
        wire.extend(ready_frame(peer_type));
        let (events, result) = feed(&mut conn, &wire);
        result.unwrap();
        assert!(matches!(events[..], [Event::Ready(_)]));
        conn.outbound().clear();
        conn
    }

    fn data_frame(payload: &[u8], more: bool) -> Vec<u8> {
        let mut out = BytesMut::new();
        crate::protocol::frame::encode_frame(payload, more, false, &mut out);
        out.to_vec()
    }

    #[test]
    fn greeting_goes_out_in_three_parts_and_ready_only_after_peer_greeting() {
        // As libzmq: the signature at once, the major version once the peer's signature is
        // in, the rest once its major version is.
        let mut conn = Connection::new(config(SocketType::Req));
        let ours = Greeting::new("NULL", false).encode();
        assert_eq!(&conn.outbound()[..], &ours[..Greeting::SIGNATURE_LEN]);
        conn.outbound().clear();
        let peer = greeting(3, 1, b"NULL");
        let mut input = BytesMut::from(&peer[..9]);
        conn.receive(&mut input, &mut |_| ControlFlow::Continue(()))
            .unwrap();
        assert!(
            conn.outbound().is_empty(),
            "not before the peer's whole signature"
        );
        input.extend_from_slice(&peer[9..10]);
        conn.receive(&mut input, &mut |_| ControlFlow::Continue(()))
            .unwrap();
        assert_eq!(&conn.outbound()[..], &ours[Greeting::SIGNATURE_LEN..11]);
        conn.outbound().clear();
        input.extend_from_slice(&peer[10..11]);
        conn.receive(&mut input, &mut |_| ControlFlow::Continue(()))
            .unwrap();
        assert_eq!(&conn.outbound()[..], &ours[11..]);
        conn.outbound().clear();
        input.extend_from_slice(&peer[11..]);
        let mut events = Vec::new();
        conn.receive(&mut input, &mut |e| {
            events.push(e.into_static());
            ControlFlow::Continue(())
        })
        .unwrap();
        assert!(events.is_empty());
        assert!(!conn.is_ready());
        // Exactly the READY libzmq 4.3 sends for a REQ socket without identity (captured
        // from Debian's): an empty Identity property included.
        assert_eq!(
            &conn.outbound()[..],
            b"\x04\x26\x05READY\x0bSocket-Type\x00\x00\x00\x03REQ\x08Identity\x00\x00\x00\x00"
        );
        let mut pair = Connection::new(config(SocketType::Pair));
        feed(&mut pair, &greeting(3, 1, b"NULL")).1.unwrap();
        pair.outbound().advance(Greeting::LEN);
        assert_eq!(
            &pair.outbound()[..],
            b"\x04\x1a\x05READY\x0bSocket-Type\x00\x00\x00\x04PAIR"
        );
    }

    #[test]
    fn req_rep_handshake_and_traffic() {
        let mut pair = Pair::new(config(SocketType::Req), config(SocketType::Rep));
        assert_eq!(pair.a_err, None);
        assert_eq!(pair.b_err, None);
        assert!(pair.a.is_ready() && pair.b.is_ready());
        let rep_seen = ready_peer(&pair.b_events).clone();
        assert_eq!(rep_seen.socket_type, SocketType::Req);
        assert_eq!(rep_seen.routing_id, None);
        assert_eq!(rep_seen.version_minor, 1);
        assert_eq!(ready_peer(&pair.a_events).socket_type, SocketType::Rep);
        assert_eq!(pair.a.peer(), Some(ready_peer(&pair.a_events)));

        let request = Message::from_frames([&b""[..], b"hello"]);
        pair.a.send_message(&request);
        pair.pump();
        assert_eq!(pair.b_events[1..], [Event::Message(request)]);
        let reply = Message::from_frames([&b""[..], &[9u8; 1000][..]]);
        pair.b.send_message(&reply);
        pair.pump();
        assert_eq!(pair.a_events[1..], [Event::Message(reply)]);
    }

    #[test]
    fn dealer_router_handshake_with_identity() {
        let mut dealer = config(SocketType::Dealer);
        dealer.routing_id = Some(Bytes::from_static(b"worker-1"));
        let mut router = config(SocketType::Router);
        router.routing_id = Some(Bytes::new());
        let pair = Pair::new(dealer, router);
        assert_eq!(pair.a_err, None);
        assert_eq!(pair.b_err, None);
        let seen_by_router = ready_peer(&pair.b_events);
        assert_eq!(seen_by_router.socket_type, SocketType::Dealer);
        assert_eq!(seen_by_router.routing_id.as_deref(), Some(&b"worker-1"[..]));
        assert_eq!(
            seen_by_router.metadata.get("identity").map(|v| &v[..]),
            Some(&b"worker-1"[..])
        );
        // The router sent an empty Identity, which means "none".
        let seen_by_dealer = ready_peer(&pair.a_events);
        assert_eq!(seen_by_dealer.socket_type, SocketType::Router);
        assert_eq!(seen_by_dealer.routing_id, None);
        assert!(seen_by_dealer.metadata.get("Identity").is_some());
    }

    #[test]
    fn pub_sub_handshake() {
        let pair = Pair::new(config(SocketType::Pub), config(SocketType::Sub));
        assert_eq!(ready_peer(&pair.a_events).socket_type, SocketType::Sub);
        assert_eq!(ready_peer(&pair.b_events).socket_type, SocketType::Pub);
    }

    #[test]
    fn incompatible_socket_types_rejected() {
        let pair = Pair::new(config(SocketType::Req), config(SocketType::Pub));
        let err = pair.a_err.unwrap();
        assert_eq!(
            err,
            ProtocolError::IncompatibleSocketType {
                ours: SocketType::Req,
                peer: "PUB".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "incompatible socket types: a REQ socket cannot talk to a peer of type PUB"
        );
        assert!(matches!(
            pair.b_err,
            Some(ProtocolError::IncompatibleSocketType {
                ours: SocketType::Pub,
                ..
            })
        ));
        assert!(!pair.a.is_ready());
        assert!(pair.a_events.is_empty());
    }

    #[test]
    fn unknown_or_missing_socket_type_rejected() {
        let mut conn = Connection::new(config(SocketType::Pair));
        let mut wire = greeting(3, 1, b"NULL");
        wire.extend(ready_frame("pair"));
        let err = feed(&mut conn, &wire).1.unwrap_err();
        assert!(err.to_string().contains("peer of type pair"), "{err}");

        let mut conn = Connection::new(config(SocketType::Pair));
        let mut wire = greeting(3, 1, b"NULL");
        wire.extend(command_frame(&Command::Ready(Metadata::new())));
        assert_eq!(
            feed(&mut conn, &wire).1,
            Err(ProtocolError::MissingSocketType)
        );
    }

    #[test]
    fn bad_greetings_rejected_with_clear_errors() {
        let mut conn = Connection::new(config(SocketType::Rep));
        let err = feed(&mut conn, b"GET / HTTP/1.1\r\n").1.unwrap_err();
        assert_eq!(err, ProtocolError::BadSignature);

        let mut conn = Connection::new(config(SocketType::Rep));
        let err = feed(&mut conn, &greeting(2, 0, b"NULL")).1.unwrap_err();
        assert_eq!(
            err,
            ProtocolError::UnsupportedVersion { major: 2, minor: 0 }
        );
        assert!(err.to_string().contains("ZMTP 3.0 or later"), "{err}");

        let mut conn = Connection::new(config(SocketType::Rep));
        let err = feed(&mut conn, &greeting(3, 1, b"PLAIN")).1.unwrap_err();
        assert_eq!(
            err,
            ProtocolError::MechanismMismatch {
                ours: "NULL",
                theirs: "PLAIN".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "security mechanism mismatch: this socket uses NULL but the peer uses PLAIN \
             (both ends must be configured with the same mechanism)"
        );
        // No READY went out to a peer we cannot talk to.
        assert_eq!(conn.outbound().len(), 64);

        let mut conn = Connection::new(config(SocketType::Rep));
        let err = feed(&mut conn, &greeting(3, 1, b"KERBEROS9"))
            .1
            .unwrap_err();
        assert_eq!(err, ProtocolError::UnsupportedMechanism("KERBEROS9".into()));
    }

    #[test]
    fn zmtp_3_0_peer_accepted() {
        let mut conn = Connection::new(config(SocketType::Pull));
        let mut wire = greeting(3, 0, b"NULL");
        wire.extend(ready_frame("PUSH"));
        let (events, result) = feed(&mut conn, &wire);
        result.unwrap();
        assert_eq!(ready_peer(&events).version_minor, 0);
    }

    #[test]
    fn data_or_other_commands_before_handshake_rejected() {
        let mut conn = Connection::new(config(SocketType::Pull));
        let mut wire = greeting(3, 1, b"NULL");
        wire.extend(data_frame(b"sneaky", false));
        let err = feed(&mut conn, &wire).1.unwrap_err();
        assert_eq!(
            err,
            ProtocolError::UnexpectedBeforeHandshake("a data frame")
        );
        assert_eq!(
            err.to_string(),
            "peer sent a data frame before the ZMTP handshake completed"
        );

        let mut conn = Connection::new(config(SocketType::Pull));
        let mut wire = greeting(3, 1, b"NULL");
        wire.extend(command_frame(&Command::Ping {
            ttl_deciseconds: 0,
            context: Bytes::new(),
        }));
        assert_eq!(
            feed(&mut conn, &wire).1,
            Err(ProtocolError::UnexpectedBeforeHandshake("a PING command"))
        );
    }

    #[test]
    fn peer_error_reported_then_fatal() {
        let mut conn = Connection::new(config(SocketType::Pull));
        let mut wire = greeting(3, 1, b"NULL");
        wire.extend(command_frame(&Command::Error {
            reason: "Invalid socket type".into(),
        }));
        let (events, result) = feed(&mut conn, &wire);
        assert_eq!(events, [Event::PeerError("Invalid socket type".into())]);
        let err = result.unwrap_err();
        assert_eq!(err, ProtocolError::PeerError("Invalid socket type".into()));
        // The connection stays dead.
        assert_eq!(feed(&mut conn, b"anything").1, Err(err));

        let mut conn = ready_connection(config(SocketType::Pull), "PUSH");
        let wire = command_frame(&Command::Error {
            reason: "bye".into(),
        });
        let (events, result) = feed(&mut conn, &wire);
        assert_eq!(events, [Event::PeerError("bye".into())]);
        assert_eq!(result, Err(ProtocolError::PeerError("bye".into())));
        assert!(!conn.is_ready());
    }

    #[test]
    fn oversized_frame_rejected_from_its_header() {
        let mut cfg = config(SocketType::Pull);
        cfg.max_msg_size = Some(100);
        let mut conn = ready_connection(cfg, "PUSH");
        // A 100-byte frame is fine…
        let (events, result) = feed(&mut conn, &data_frame(&[1; 100], false));
        result.unwrap();
        assert_eq!(events.len(), 1);
        // …but a 101-byte one is refused when only its header has arrived.
        let err = feed(&mut conn, &[0x00, 101]).1.unwrap_err();
        assert_eq!(
            err,
            ProtocolError::FrameTooLarge {
                size: 101,
                max: 100
            }
        );
        assert_eq!(
            err.to_string(),
            "frame of 101 bytes from peer exceeds the maximum of 100 bytes"
        );

        let mut conn = ready_connection(config(SocketType::Pull), "PUSH");
        let header = [LONG, 0x80, 0, 0, 0, 0, 0, 0, 1];
        assert!(matches!(
            feed(&mut conn, &header).1,
            Err(ProtocolError::FrameTooLarge { .. })
        ));
    }

    #[test]
    fn oversized_or_multipart_command_rejected() {
        let mut conn = ready_connection(config(SocketType::Pull), "PUSH");
        let header = [COMMAND | LONG, 0, 0, 0, 0, 0, 1, 0, 1];
        let err = feed(&mut conn, &header).1.unwrap_err();
        assert!(err.to_string().contains("65537 bytes exceeds"), "{err}");

        let mut conn = ready_connection(config(SocketType::Pull), "PUSH");
        let err = feed(&mut conn, b"\x05\x05\x04PONG").1.unwrap_err();
        assert!(err.to_string().contains("MORE flag"), "{err}");
    }

    #[test]
    fn multipart_delivered_once_complete() {
        let mut conn = ready_connection(config(SocketType::Pull), "PUSH");
        let mut wire = data_frame(b"one", true);
        wire.extend(data_frame(&[2; 300], true));
        wire.extend(data_frame(b"", true));
        wire.extend(data_frame(b"three", false));
        let mut input = BytesMut::new();
        let mut events = Vec::new();
        for (i, &byte) in wire.iter().enumerate() {
            input.extend_from_slice(&[byte]);
            conn.receive(&mut input, &mut |e| {
                events.push(e.into_static());
                ControlFlow::Continue(())
            })
            .unwrap();
            if i + 1 < wire.len() {
                assert!(
                    events.is_empty(),
                    "event after {} of {} bytes",
                    i + 1,
                    wire.len()
                );
            }
        }
        assert!(input.is_empty());
        let expected = Message::from_frames([&b"one"[..], &[2; 300], b"", b"three"]);
        assert_eq!(events, [Event::Message(expected)]);
    }

    #[test]
    fn large_frames_are_zero_copy() {
        let mut conn = ready_connection(config(SocketType::Pull), "PUSH");
        let mut input = BytesMut::from(&data_frame(&[5; 500], false)[..]);
        let base = input.as_ptr() as usize;
        let mut got = None;
        conn.receive(&mut input, &mut |e| {
            got = Some(e.into_static());
            ControlFlow::Continue(())
        })
        .unwrap();
        let Some(Event::Message(msg)) = got else {
            panic!("no message")
        };
        let payload = msg.frames()[0].as_slice();
        assert_eq!(payload, &[5; 500][..]);
        assert_eq!(payload.as_ptr() as usize, base + 9, "payload was copied");
    }

    #[test]
    fn commands_between_frames_of_a_multipart_message() {
        // libzmq may inject a PING between frames of a message; it must not disturb it.
        let mut conn = ready_connection(config(SocketType::Sub), "PUB");
        let mut wire = data_frame(b"head", true);
        wire.extend(command_frame(&Command::Ping {
            ttl_deciseconds: 5,
            context: Bytes::new(),
        }));
        wire.extend(data_frame(b"tail", false));
        let (events, result) = feed(&mut conn, &wire);
        result.unwrap();
        assert_eq!(
            events,
            [
                Event::Ping { ttl_deciseconds: 5 },
                Event::Message(Message::from_frames([&b"head"[..], b"tail"]))
            ]
        );
    }

    #[test]
    fn a_sub_sends_subscribe_and_cancel_commands_to_a_zmtp_3_1_peer_only() {
        for socket_type in [SocketType::Sub, SocketType::XSub] {
            let mut conn = ready_connection(config(socket_type), "XPUB");
            conn.send_message(&Message::single(Frame::from(&b"\x01news"[..])));
            conn.send_single_frame(b"\x00news");
            conn.send_message(&Message::single(Frame::from(&b"\x02other"[..])));
            let mut expected = command_frame(&Command::Subscribe(Bytes::from_static(b"news")));
            expected.extend(command_frame(&Command::Cancel(Bytes::from_static(b"news"))));
            expected.extend(data_frame(b"\x02other", false));
            assert_eq!(conn.outbound().to_vec(), expected, "{socket_type}");
        }
        // A ZMTP 3.0 peer gets the subscription messages themselves.
        let mut conn = Connection::new(config(SocketType::Sub));
        let mut wire = greeting(3, 0, b"NULL");
        wire.extend(ready_frame("PUB"));
        feed(&mut conn, &wire).1.unwrap();
        conn.outbound().clear();
        conn.send_message(&Message::single(Frame::from(&b"\x01news"[..])));
        assert_eq!(conn.outbound().to_vec(), data_frame(b"\x01news", false));
    }

    #[test]
    fn subscribe_and_cancel_become_data_messages() {
        let mut conn = ready_connection(config(SocketType::XPub), "SUB");
        let long_topic = vec![b't'; 100];
        let mut wire = command_frame(&Command::Subscribe(Bytes::from_static(b"weather")));
        wire.extend(command_frame(&Command::Cancel(Bytes::from_static(
            b"weather",
        ))));
        wire.extend(command_frame(&Command::Subscribe(Bytes::new())));
        wire.extend(command_frame(&Command::Subscribe(Bytes::from(
            long_topic.clone(),
        ))));
        let (events, result) = feed(&mut conn, &wire);
        result.unwrap();
        let mut long_sub = vec![1u8];
        long_sub.extend(&long_topic);
        assert_eq!(
            events,
            [
                Event::Message(Message::single(&b"\x01weather"[..])),
                Event::Message(Message::single(&b"\x00weather"[..])),
                Event::Message(Message::single(&b"\x01"[..])),
                Event::Message(Message::single(long_sub)),
            ]
        );
    }

    #[test]
    fn ping_queues_pong_with_context() {
        let mut conn = ready_connection(config(SocketType::Dealer), "ROUTER");
        let wire = command_frame(&Command::Ping {
            ttl_deciseconds: 30,
            context: Bytes::from_static(b"ctx"),
        });
        let (events, result) = feed(&mut conn, &wire);
        result.unwrap();
        assert_eq!(
            events,
            [Event::Ping {
                ttl_deciseconds: 30
            }]
        );
        assert_eq!(
            &conn.outbound()[..],
            &command_frame(&Command::Pong {
                context: Bytes::from_static(b"ctx")
            })[..]
        );
        conn.outbound().clear();

        // An over-long context is echoed truncated to 16 bytes, like libzmq.
        let wire = command_frame(&Command::Ping {
            ttl_deciseconds: 0,
            context: Bytes::from(vec![b'c'; 40]),
        });
        feed(&mut conn, &wire).1.unwrap();
        assert_eq!(
            &conn.outbound()[..],
            &command_frame(&Command::Pong {
                context: Bytes::from(vec![b'c'; 16])
            })[..]
        );

        let wire = command_frame(&Command::Pong {
            context: Bytes::new(),
        });
        assert_eq!(feed(&mut conn, &wire).0, [Event::Pong]);
    }

    #[test]
    fn unknown_commands_and_repeated_ready_ignored() {
        let mut conn = ready_connection(config(SocketType::Pull), "PUSH");
        let mut wire = command_frame(&Command::Unknown {
            name: Bytes::from_static(b"X-FUTURE"),
        });
        wire.extend(ready_frame("PUSH"));
        wire.extend(data_frame(b"after", false));
        let (events, result) = feed(&mut conn, &wire);
        result.unwrap();
        assert_eq!(events, [Event::Message(Message::single(&b"after"[..]))]);
    }

    #[test]
    fn break_leaves_the_rest_in_input() {
        let mut conn = ready_connection(config(SocketType::Pull), "PUSH");
        let mut wire = Vec::new();
        for i in 0..3u8 {
            wire.extend(data_frame(&[i], false));
        }
        let mut input = BytesMut::from(&wire[..]);
        let mut events = Vec::new();
        conn.receive(&mut input, &mut |e| {
            events.push(e.into_static());
            ControlFlow::Break(())
        })
        .unwrap();
        assert_eq!(events, [Event::Message(Message::single(&[0u8][..]))]);
        assert_eq!(&input[..], &wire[3..]);
        events.clear();
        conn.receive(&mut input, &mut |e| {
            events.push(e.into_static());
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(
            events,
            [
                Event::Message(Message::single(&[1u8][..])),
                Event::Message(Message::single(&[2u8][..]))
            ]
        );
        assert!(input.is_empty());
    }

    /// Small-frame traffic of every shape the short-frame path meets, and frames it must
    /// leave to the general path, with the messages they make.
    fn mixed_small_traffic() -> (Vec<u8>, Vec<Event<'static>>) {
        let mut wire = Vec::new();
        let mut events = Vec::new();
        for size in [0usize, 1, 3, 4, 7, 8, 15, 16, 29, 30, 31, 200] {
            let payload: Vec<u8> = (0..size as u8).collect();
            wire.extend(data_frame(&payload, false));
            events.push(Event::Message(Message::single(&payload[..])));
        }
        // Multipart: short parts, then a long last part.
        wire.extend(data_frame(b"head", true));
        wire.extend(data_frame(&[9; 30], true));
        wire.extend(data_frame(&[8; 40], false));
        events.push(Event::Message(Message::from_frames([
            &b"head"[..],
            &[9; 30][..],
            &[8; 40][..],
        ])));
        // A PING between two short frames.
        wire.extend(data_frame(b"before", false));
        wire.extend(command_frame(&Command::Ping {
            ttl_deciseconds: 0,
            context: Bytes::new(),
        }));
        wire.extend(data_frame(b"after", false));
        events.push(Event::Message(Message::single(&b"before"[..])));
        events.push(Event::Ping { ttl_deciseconds: 0 });
        events.push(Event::Message(Message::single(&b"after"[..])));
        // A small frame in the long form (libzmq accepts it).
        wire.extend([LONG, 0, 0, 0, 0, 0, 0, 0, 2, b'h', b'i']);
        events.push(Event::Message(Message::single(&b"hi"[..])));
        (wire, events)
    }

    #[test]
    fn small_frames_decode_the_same_however_the_stream_is_cut() {
        let (wire, expected) = mixed_small_traffic();
        for chunk in [1, 2, 3, 5, 7, 16, 33, wire.len()] {
            let mut conn = ready_connection(config(SocketType::Pull), "PUSH");
            let mut input = BytesMut::new();
            let mut events = Vec::new();
            for piece in wire.chunks(chunk) {
                input.extend_from_slice(piece);
                conn.receive(&mut input, &mut |e| {
                    events.push(e.into_static());
                    ControlFlow::Continue(())
                })
                .unwrap();
            }
            assert_eq!(events, expected, "fed {chunk} bytes at a time");
            assert!(input.is_empty());
        }
    }

    /// Runs of short frames, when allowed, carry the same messages in the same order as
    /// the frame-by-frame path, stay within the room and the byte limit the engine gave,
    /// and hold only whole one-frame messages of inline size.
    #[test]
    fn runs_of_short_frames_carry_the_same_messages_within_their_limits() {
        let (mut wire, mut expected) = mixed_small_traffic();
        // A long stream of tiny messages, so that runs meet both limits.
        for i in 0..300u32 {
            let payload = i.to_le_bytes();
            wire.extend(data_frame(&payload[..(i % 5) as usize], false));
            expected.push(Event::Message(Message::single(
                &payload[..(i % 5) as usize],
            )));
        }
        for (room, max_bytes) in [(1, 1024), (2, 64), (7, 1024), (1000, 40), (1000, 1024)] {
            for chunk in [1, 3, 64, wire.len()] {
                let mut conn = ready_connection(config(SocketType::Pull), "PUSH");
                let mut input = BytesMut::new();
                let (mut messages, mut runs) = (Vec::new(), 0);
                for piece in wire.chunks(chunk) {
                    input.extend_from_slice(piece);
                    conn.allow_short_frame_runs(room, max_bytes);
                    let mut reported = 0;
                    conn.receive(&mut input, &mut |e| {
                        match e {
                            Event::ShortFrames(run) => {
                                runs += 1;
                                assert!(run.wire().len() <= max_bytes);
                                assert_eq!(run.bodies().count(), run.count());
                                for body in run.bodies() {
                                    assert!(body.len() <= Frame::INLINE_CAPACITY);
                                    messages.push(Event::Message(Message::single(body)));
                                }
                                reported += run.count();
                                assert!(reported <= room, "a run went past the room");
                            }
                            Event::Message(msg) => {
                                reported += 1;
                                messages.push(Event::Message(msg));
                            }
                            other => messages.push(other.into_static()),
                        }
                        ControlFlow::Continue(())
                    })
                    .unwrap();
                }
                assert_eq!(messages, expected, "room {room}, {max_bytes} B, by {chunk}");
                assert!(input.is_empty());
                if chunk > 1 {
                    assert!(runs > 0, "room {room}, {max_bytes} B, by {chunk}: no run");
                }
            }
        }
    }

    #[test]
    fn runs_are_allowed_for_one_receive_only() {
        let mut conn = ready_connection(config(SocketType::Pull), "PUSH");
        let mut wire = data_frame(b"a", false);
        wire.extend(data_frame(b"b", false));
        let mut runs_per_receive = Vec::new();
        for allow in [true, false] {
            if allow {
                conn.allow_short_frame_runs(10, 1024);
            }
            let (mut runs, mut messages) = (0, 0);
            conn.receive(&mut BytesMut::from(&wire[..]), &mut |e| {
                match e {
                    Event::ShortFrames(run) => runs += run.count(),
                    _ => messages += 1,
                }
                ControlFlow::Continue(())
            })
            .unwrap();
            runs_per_receive.push((runs, messages));
        }
        assert_eq!(runs_per_receive, [(2, 0), (0, 2)]);
    }

    #[test]
    fn a_small_frame_above_the_maximum_size_is_refused() {
        let mut cfg = config(SocketType::Pull);
        cfg.max_msg_size = Some(10);
        let mut conn = ready_connection(cfg, "PUSH");
        let mut wire = data_frame(&[1; 10], false);
        wire.extend(data_frame(&[2; 11], false));
        let (events, result) = feed(&mut conn, &wire);
        assert_eq!(events, [Event::Message(Message::single(&[1; 10][..]))]);
        assert_eq!(
            result,
            Err(ProtocolError::FrameTooLarge { size: 11, max: 10 })
        );
    }

    #[test]
    fn a_run_of_short_frames_stops_at_the_maximum_size() {
        let mut cfg = config(SocketType::Pull);
        cfg.max_msg_size = Some(10);
        let mut conn = ready_connection(cfg, "PUSH");
        let mut wire = data_frame(&[1; 10], false);
        wire.extend(data_frame(&[2; 3], false));
        wire.extend(data_frame(&[3; 11], false));
        conn.allow_short_frame_runs(100, 1024);
        let mut bodies = Vec::new();
        let result = conn.receive(&mut BytesMut::from(&wire[..]), &mut |e| {
            match e {
                Event::ShortFrames(run) => bodies.extend(run.bodies().map(<[u8]>::to_vec)),
                other => panic!("unexpected {other:?}"),
            }
            ControlFlow::Continue(())
        });
        assert_eq!(bodies, [vec![1; 10], vec![2; 3]]);
        assert_eq!(
            result,
            Err(ProtocolError::FrameTooLarge { size: 11, max: 10 })
        );
    }

    #[test]
    fn single_small_frames_are_encoded_back_to_back() {
        let mut conn = ready_connection(config(SocketType::Push), "PULL");
        let mut expected = BytesMut::new();
        for size in (0..=Frame::INLINE_CAPACITY).chain([31, 100, 255, 256]) {
            let payload: Vec<u8> = (0..size).map(|i| (i * 7 + size) as u8).collect();
            conn.send_message(&Message::single(&payload[..]));
            crate::protocol::frame::encode_frame(&payload, false, false, &mut expected);
        }
        assert_eq!(conn.outbound().split(), expected);
    }

    #[test]
    fn send_message_encoding() {
        let mut conn = ready_connection(config(SocketType::Push), "PULL");
        conn.send_message(&Message::from_frames([&b"a"[..], &[7u8; 256][..]]));
        let out = conn.outbound().split();
        assert_eq!(&out[..3], &[MORE, 1, b'a']);
        assert_eq!(&out[3..12], &[LONG, 0, 0, 0, 0, 0, 0, 1, 0]);
        assert_eq!(out.len(), 12 + 256);
        conn.send_message(&Message::new());
        assert!(conn.outbound().is_empty());
    }

    #[test]
    fn greeting_fed_one_byte_at_a_time() {
        let mut conn = Connection::new(config(SocketType::Pull));
        let mut wire = greeting(3, 1, b"NULL");
        wire.extend(ready_frame("PUSH"));
        let mut input = BytesMut::new();
        let mut events = Vec::new();
        for &byte in &wire {
            input.extend_from_slice(&[byte]);
            conn.receive(&mut input, &mut |e| {
                events.push(e.into_static());
                ControlFlow::Continue(())
            })
            .unwrap();
        }
        assert!(conn.is_ready());
        assert_eq!(events.len(), 1);
    }
}
