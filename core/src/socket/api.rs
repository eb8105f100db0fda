//! The public socket: frames and multipart messages, blocking with SNDTIMEO/RCVTIMEO,
//! options, and bind/connect. The routing rules live in the socket type's `Pattern`.
//!
//! A socket may be used from any thread (`Send + Sync`): its state sits behind a lock (`state_lock.rs`) that
//! only application threads take, never the I/O threads, and that is released while a call
//! blocks.

use std::collections::{HashMap, VecDeque};
use std::mem::MaybeUninit;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::state_lock::{StateGuard, StateLock};
use crate::context::Context;
use crate::engine::ipc::{self, IpcConnector};
use crate::engine::link::{shutdown_channel, ShutdownSender, SocketLink};
use crate::engine::listener::{run_listener, Acceptor, ListenerClosed, ListenerStop};
use crate::engine::session::{Connector, Session};
use crate::engine::tcp;
use crate::error::{Error, ErrorKind, Result};
use crate::message::{Frame, Message};
use crate::monitor::{self, MonitorSink};
use crate::options::{timeout_from_ms, OptionValue, SocketOption, SocketOptions};
use crate::pipe::{PipeHwm, PipeId};
use crate::properties::Properties;
use crate::signal::{PipeEvent, SocketSignal, Wake, INPROC_SPIN, LOCKSTEP_SPIN};
use crate::socket::endpoints::{Direction, EndpointEntry, EndpointHandle, Endpoints};
use crate::socket::pattern::{Pattern, SendError};
use crate::socket::patterns::new_pattern;
use crate::socket_type::SocketType;
use crate::transport::endpoint::Endpoint;
use crate::transport::inproc;

/// Send/receive flags, with libzmq's values.
pub mod flags {
    /// Do not block: fail with EAGAIN instead (`ZMQ_DONTWAIT`, pyzmq's `NOBLOCK`).
    pub const DONTWAIT: i32 = 1;
    /// More frames of this message follow (`ZMQ_SNDMORE`).
    pub const SNDMORE: i32 = 2;
}

/// ZMQ_EVENTS bits.
pub const POLLIN: i32 = 1;
pub const POLLOUT: i32 = 2;

/// How often a blocked call runs its interrupt hook.
pub const INTERRUPT_CHECK: std::time::Duration = std::time::Duration::from_millis(100);

/// A hook a binding passes to blocking calls, run every [`INTERRUPT_CHECK`] while the call
/// waits (e.g. to let Python handle Ctrl-C); an error from it ends the call with that error.
pub type Interrupt<'a> = Option<&'a mut dyn FnMut() -> Result<()>>;

/// A message [`Socket::try_send_msg`] could not send: why, and the message itself when it
/// was not consumed (it is dropped only for errors that no retry can fix, such as EFSM).
#[derive(Debug)]
pub struct Unsent {
    pub error: Error,
    pub message: Option<Message>,
}

/// A ØMQ socket.
pub struct Socket {
    shared: Arc<Shared>,
}

struct Shared {
    ctx: Context,
    link: Arc<SocketLink>,
    state: StateLock<State>,
    /// This socket's entry in the context's list of open sockets.
    registry_id: u64,
}

struct State {
    socket_type: SocketType,
    pattern: Box<dyn Pattern>,
    options: SocketOptions,
    endpoints: Endpoints,
    last_endpoint: String,
    /// Frames sent with SNDMORE, waiting for the last one.
    outgoing: Message,
    /// Frames of a received message not yet returned by `recv`.
    incoming: VecDeque<Frame>,
    rcvmore: bool,
    closed: bool,
    /// A tcp or ipc endpoint was bound or connected: what this socket waits for may come
    /// from an I/O thread (see `SocketSignal::wait`).
    uses_io_threads: bool,
    /// The pattern's `recv_into` builds messages in place (see [`State::next_message`]).
    builds_in_place: bool,
    /// Each attached pipe's HWMs, changed when SNDHWM or RCVHWM is (as libzmq does).
    pipe_hwms: HashMap<PipeId, PipeHwm>,
    /// The properties of each connected pipe's connection (tcp, ipc), looked up only when
    /// asked for (see [`Socket::received`]).
    pipe_properties: HashMap<PipeId, Arc<Properties>>,
}

impl Socket {
    pub(crate) fn new(ctx: Context, socket_type: SocketType) -> Result<Socket> {
        let pattern = new_pattern(socket_type)?;
        let builds_in_place = pattern.builds_messages_in_place();
        let mut options = SocketOptions::default();
        // As libzmq: SUB and XSUB sockets close without waiting to send their pending
        // (un)subscriptions.
        if matches!(socket_type, SocketType::Sub | SocketType::XSub) {
            options.linger_ms = 0;
        }
        let link = Arc::new(SocketLink::new(
            socket_type,
            options.linger_ms,
            ctx.io().clone(),
            ctx.inproc().clone(),
        )?);
        let shared = Arc::new_cyclic(|weak: &std::sync::Weak<Shared>| {
            // Lets `Context::destroy` close this socket without keeping it alive.
            let weak = weak.clone();
            let closer = Box::new(move |linger: Option<i32>| {
                if let Some(shared) = weak.upgrade() {
                    shared.close(linger);
                }
            });
            let registry_id = ctx.register_socket(&link, closer);
            Shared {
                ctx,
                link,
                registry_id,
                state: StateLock::new(State {
                    socket_type,
                    pattern,
                    options,
                    endpoints: Endpoints::default(),
                    last_endpoint: String::new(),
                    outgoing: Message::new(),
                    incoming: VecDeque::new(),
                    rcvmore: false,
                    closed: false,
                    uses_io_threads: false,
                    builds_in_place,
                    pipe_hwms: HashMap::new(),
                    pipe_properties: HashMap::new(),
                }),
            }
        });
        Ok(Socket { shared })
    }

    pub fn socket_type(&self) -> SocketType {
        self.shared.link.socket_type
    }

    pub fn context(&self) -> &Context {
        &self.shared.ctx
    }

    #[inline]
    fn lock(&self) -> Result<StateGuard<'_, State>> {
        let state = self.shared.state.lock();
        if state.closed {
            return Err(Error::new(ErrorKind::NotSocket, "the socket is closed"));
        }
        if self.shared.ctx.is_terminated() {
            return Err(Error::from_kind(ErrorKind::Term));
        }
        Ok(state)
    }

    /// Locks the state and applies pending pipe events.
    #[inline]
    fn lock_and_update(&self) -> Result<StateGuard<'_, State>> {
        let mut state = self.lock()?;
        state.process_events(&self.shared.link.signal);
        Ok(state)
    }

    /// Releases the state, waits for a pipe event or the deadline (EAGAIN), relocks. With an
    /// interrupt hook, wakes every [`INTERRUPT_CHECK`] to run it; its error ends the call.
    fn wait<'a>(
        &'a self,
        state: StateGuard<'a, State>,
        deadline: Option<Instant>,
        interrupt: &mut Interrupt<'_>,
    ) -> Result<StateGuard<'a, State>> {
        let spin = state.spin_before_sleep();
        drop(state);
        let signal = &self.shared.link.signal;
        match interrupt {
            // As libzmq: a signal handler running in this thread ends the call with EINTR.
            None => match signal.wait_or_signal(deadline, spin) {
                Wake::Event => {}
                Wake::Timeout => return Err(Error::again()),
                Wake::Interrupted => {
                    return Err(Error::new(
                        ErrorKind::Interrupted,
                        "a signal arrived while the call waited",
                    ))
                }
            },
            // With a hook, the hook decides (it runs at once after a signal).
            Some(check) => loop {
                let slice = Instant::now() + INTERRUPT_CHECK;
                let until = deadline.map_or(slice, |d| d.min(slice));
                if signal.wait_or_signal(Some(until), spin) == Wake::Event {
                    break;
                }
                check()?;
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return Err(Error::again());
                }
            },
        }
        self.lock_and_update()
    }

    // ----- connections -----

    /// Binds to `endpoint`: `tcp://*:5555`, `tcp://127.0.0.1:*`, `tcp://lo:5555`,
    /// `ipc:///tmp/feed`, `ipc://@name` (Linux abstract namespace), `ipc://*`,
    /// `inproc://name`. The address is taken at once, so EADDRINUSE and friends come from
    /// here; [`Socket::last_endpoint`] tells what a wildcard resolved to.
    pub fn bind(&self, endpoint: &str) -> Result<()> {
        let mut state = self.lock()?;
        let link = &self.shared.link;
        // Monitor: a tcp/ipc bind reports BIND_FAILED with the address without its
        // transport, as libzmq does.
        let bind_failed = |e: Error| {
            let address = endpoint.split_once("://").map_or(endpoint, |(_, a)| a);
            link.monitor
                .emit(monitor::EVENT_BIND_FAILED, e.errno() as u32, address);
            e
        };
        let parsed = Endpoint::parse(endpoint)?;
        state.uses_io_threads |= !matches!(parsed, Endpoint::Inproc(_));
        let (resolved, handle) = match parsed {
            Endpoint::Tcp(tcp_endpoint) => {
                let (acceptor, resolved) =
                    tcp::bind(&tcp_endpoint, &state.options, &link.io, &link.monitor)
                        .map_err(bind_failed)?;
                let stop = self.spawn_listener(&state, acceptor, &resolved);
                (resolved, EndpointHandle::Listener(stop))
            }
            Endpoint::Ipc(address) => {
                let bound = ipc::bind(&address, &state.options, &link.io, &link.monitor)
                    .map_err(bind_failed)?;
                let shutdown = self.spawn_listener(&state, bound.acceptor, &bound.resolved);
                (
                    bound.resolved,
                    EndpointHandle::IpcListener(shutdown, bound.file),
                )
            }
            Endpoint::Inproc(name) => {
                let side = inproc::Side::new(link, &state.options);
                let binding = self.shared.ctx.inproc().bind(&name, side, link)?;
                (endpoint.to_string(), EndpointHandle::InprocBound(binding))
            }
        };
        state.last_endpoint = resolved.clone();
        state.endpoints.add(EndpointEntry {
            requested: endpoint.to_string(),
            resolved,
            direction: Direction::Bound,
            _handle: handle,
        });
        // Inproc connections that were waiting for this name: attach them now.
        state.process_events(&link.signal);
        Ok(())
    }

    /// Starts accepting on a bound tcp/ipc endpoint (`resolved`: as LAST_ENDPOINT reports
    /// it), and reports LISTENING.
    fn spawn_listener<A: Acceptor>(
        &self,
        state: &State,
        acceptor: A,
        resolved: &str,
    ) -> ListenerStop {
        let link = &self.shared.link;
        link.monitor
            .emit(monitor::EVENT_LISTENING, acceptor.raw_fd() as u32, resolved);
        let (shutdown, shutdown_rx) = shutdown_channel();
        // CONNECT_ROUTING_ID is for connects only.
        let options = SocketOptions {
            connect_routing_id: None,
            ..state.options.clone()
        };
        let closed = Arc::new(ListenerClosed::default());
        link.spawn(run_listener(
            acceptor,
            link.clone(),
            options,
            resolved.to_string(),
            shutdown_rx,
            closed.clone(),
        ));
        ListenerStop::new(shutdown, closed)
    }

    fn spawn_session<C: Connector>(
        &self,
        state: &State,
        connector: C,
        endpoint: &str,
    ) -> ShutdownSender {
        let (shutdown, shutdown_rx) = shutdown_channel();
        let link = &self.shared.link;
        let session = Session::new(link.clone(), state.options.clone(), endpoint.to_string());
        link.spawn(session.run(connector, shutdown_rx));
        shutdown
    }

    /// Connects to `endpoint` (any form `bind` takes, without wildcards). TCP and ipc
    /// connections are made (and remade) in the background; an inproc name need not be
    /// bound yet. With IMMEDIATE unset, messages queue for the connection at once.
    pub fn connect(&self, endpoint: &str) -> Result<()> {
        let mut state = self.lock()?;
        let link = &self.shared.link;
        let parsed = Endpoint::parse(endpoint)?;
        state.uses_io_threads |= !matches!(parsed, Endpoint::Inproc(_));
        let handle = match parsed {
            Endpoint::Tcp(tcp_endpoint) => {
                tcp_endpoint.validate_for_connect()?;
                EndpointHandle::Task(self.spawn_session(&state, tcp_endpoint, endpoint))
            }
            Endpoint::Ipc(address) => {
                let connector = IpcConnector::new(&address)?;
                EndpointHandle::Task(self.spawn_session(&state, connector, endpoint))
            }
            Endpoint::Inproc(name) => {
                let side = inproc::Side::new(link, &state.options);
                let connection = self.shared.ctx.inproc().connect(&name, side, link);
                EndpointHandle::InprocConnected(connection)
            }
        };
        // CONNECT_ROUTING_ID applies to one connect only (libzmq).
        state.options.connect_routing_id = None;
        state.last_endpoint = endpoint.to_string();
        state.endpoints.add(EndpointEntry {
            requested: endpoint.to_string(),
            resolved: endpoint.to_string(),
            direction: Direction::Connected,
            _handle: handle,
        });
        // The session (or the inproc connection) posted its pipe already: attach it now, so
        // a send right after connect() queues instead of blocking.
        state.process_events(&link.signal);
        Ok(())
    }

    // ----- monitoring -----

    /// Starts monitoring this socket's events (libzmq's `zmq_socket_monitor`): binds a PAIR
    /// endpoint at `endpoint` (an `inproc://` name in this socket's context), to which the
    /// application connects its own PAIR socket to receive the events selected by `events`
    /// (a mask of [`monitor`](crate::monitor)'s `EVENT_*`, e.g.
    /// [`EVENT_ALL`](crate::monitor::EVENT_ALL)), each as a two-frame message that
    /// [`MonitorEvent::parse`](crate::monitor::MonitorEvent::parse) decodes.
    ///
    /// A monitor already running is stopped first (it gets MONITOR_STOPPED). An empty
    /// `endpoint` just stops monitoring, like libzmq's `NULL`; so does
    /// [`Socket::stop_monitor`]. Closing the socket stops it too, once the socket's
    /// connections have ended. Errors: EPROTONOSUPPORT for a transport other than inproc,
    /// EINVAL for a mask outside `0..=0xFFFF`, EADDRINUSE if the name is bound already.
    pub fn monitor(&self, endpoint: &str, events: i32) -> Result<()> {
        let _state = self.lock()?;
        let link = &self.shared.link;
        if endpoint.is_empty() {
            link.monitor.stop();
            return Ok(());
        }
        if !(0..=monitor::EVENT_ALL).contains(&events) {
            return Err(Error::invalid(format!(
                "monitor event mask {events:#x} has bits outside 0xFFFF (libzmq's event version 1)"
            )));
        }
        // libzmq looks at the scheme alone first: any other transport is refused as such,
        // whether or not its address would parse.
        if let Some((scheme, _)) = endpoint.split_once("://") {
            if scheme != "inproc" {
                return Err(Error::new(
                    ErrorKind::ProtocolNotSupported,
                    format!("a monitor endpoint must be inproc://, not {endpoint:?}"),
                ));
            }
        }
        let name = match Endpoint::parse(endpoint)? {
            Endpoint::Inproc(name) => name,
            _ => {
                return Err(Error::new(
                    ErrorKind::ProtocolNotSupported,
                    format!("a monitor endpoint must be inproc://, not {endpoint:?}"),
                ))
            }
        };
        // libzmq stops the old monitor before binding the new one (so the same name can be
        // reused), and has none if the bind fails.
        link.monitor.stop();
        let sink = MonitorSink::bind(&self.shared.ctx, &name, events)?;
        link.monitor.start(sink);
        Ok(())
    }

    /// Stops monitoring (MONITOR_STOPPED is the last event sent, if selected) and frees the
    /// monitor's inproc name. Nothing happens if the socket is not monitored.
    pub fn stop_monitor(&self) -> Result<()> {
        let _state = self.lock()?;
        self.shared.link.monitor.stop();
        Ok(())
    }

    /// Stops listening on an endpoint given to `bind` (or as LAST_ENDPOINT reported it) and
    /// closes the connections accepted through it.
    pub fn unbind(&self, endpoint: &str) -> Result<()> {
        let mut state = self.lock()?;
        Endpoint::split(endpoint)?;
        // As libzmq: a bind to a wildcard port or ipc path is undone by the address it got
        // (LAST_ENDPOINT), not by the wildcard.
        let wildcard = endpoint == "ipc://*"
            || (endpoint.starts_with("tcp://")
                && (endpoint.ends_with(":*") || endpoint.ends_with(":0")));
        if wildcard || state.endpoints.remove(endpoint, true) == 0 {
            return Err(Error::new(
                ErrorKind::NoEntity,
                format!("{endpoint:?} is not bound"),
            ));
        }
        Ok(())
    }

    /// Drops the connection made by `connect(endpoint)`.
    pub fn disconnect(&self, endpoint: &str) -> Result<()> {
        let mut state = self.lock()?;
        Endpoint::split(endpoint)?;
        if state.endpoints.remove(endpoint, false) == 0 {
            return Err(Error::new(
                ErrorKind::NoEntity,
                format!("{endpoint:?} is not connected"),
            ));
        }
        Ok(())
    }

    // ----- sending -----

    /// Sends one frame; with `SNDMORE` more frames of the same message follow.
    pub fn send(&self, frame: impl Into<Frame>, flags: i32) -> Result<()> {
        self.send_interruptible(frame, flags, None)
    }

    /// [`Socket::send`] whose wait runs `interrupt` every [`INTERRUPT_CHECK`].
    pub fn send_interruptible(
        &self,
        frame: impl Into<Frame>,
        flags: i32,
        mut interrupt: Interrupt<'_>,
    ) -> Result<()> {
        let frame = frame.into();
        let mut state = self.lock_and_update()?;
        let more = flags & flags::SNDMORE != 0
            && !state.pattern.message_is_complete(state.outgoing.len() + 1);
        if more {
            if state.outgoing.is_empty() {
                // The first frame decides: fail (EAGAIN/EFSM/EHOSTUNREACH…) now, as libzmq
                // does, rather than after the user has sent the rest.
                state.pattern.check_first_frame(&frame)?;
                state = self.wait_until_sendable(state, flags, &mut interrupt)?;
            }
            state.outgoing.push_back(frame);
            return Ok(());
        }
        let msg = if state.outgoing.is_empty() {
            Message::single(frame)
        } else {
            let mut whole = std::mem::take(&mut state.outgoing);
            whole.push_back(frame);
            whole
        };
        // The common case, queued at the first try, skips the retry loop's bookkeeping.
        let msg = match state.pattern.send(msg) {
            Ok(()) => return Ok(()),
            Err(SendError::Failed(error)) => return Err(error),
            Err(SendError::Again(msg)) => msg,
        };
        self.send_locked(state, msg, flags, &mut interrupt)
            .map_err(|unsent| unsent.error)
    }

    /// Sends a whole multipart message.
    pub fn send_msg(&self, msg: impl Into<Message>, flags: i32) -> Result<()> {
        self.send_msg_interruptible(msg, flags, None)
    }

    /// [`Socket::send_msg`] whose wait runs `interrupt` every [`INTERRUPT_CHECK`].
    pub fn send_msg_interruptible(
        &self,
        msg: impl Into<Message>,
        flags: i32,
        interrupt: Interrupt<'_>,
    ) -> Result<()> {
        self.try_send_msg(msg.into(), flags, interrupt)
            .map_err(|unsent| unsent.error)
    }

    /// [`Socket::send_msg_interruptible`] that hands the message back when it could not be
    /// queued (EAGAIN, a timeout, ETERM, an interrupt), so a caller can retry without a copy.
    /// The message handed back includes any frames sent before it with SNDMORE.
    pub fn try_send_msg(
        &self,
        msg: Message,
        flags: i32,
        mut interrupt: Interrupt<'_>,
    ) -> Result<(), Unsent> {
        if msg.is_empty() {
            return Err(Unsent {
                error: Error::invalid("cannot send a message with no frames"),
                message: None,
            });
        }
        let mut state = match self.lock_and_update() {
            Ok(state) => state,
            Err(error) => {
                return Err(Unsent {
                    error,
                    message: Some(msg),
                })
            }
        };
        let msg = if state.outgoing.is_empty() {
            msg
        } else {
            let mut whole = std::mem::take(&mut state.outgoing);
            for frame in msg {
                whole.push_back(frame);
            }
            whole
        };
        if flags & flags::SNDMORE != 0 && !state.pattern.message_is_complete(msg.len()) {
            state.outgoing = msg;
            return Ok(());
        }
        self.send_locked(state, msg, flags, &mut interrupt)
    }

    /// Sends the frames of `frames` as one message.
    pub fn send_multipart<I, F>(&self, frames: I, flags: i32) -> Result<()>
    where
        I: IntoIterator<Item = F>,
        F: Into<Frame>,
    {
        self.send_msg(Message::from_frames(frames), flags)
    }

    fn send_locked<'a>(
        &'a self,
        mut state: StateGuard<'a, State>,
        mut msg: Message,
        flags: i32,
        interrupt: &mut Interrupt<'_>,
    ) -> Result<(), Unsent> {
        let deadline = deadline(flags, state.options.sndtimeo_ms);
        loop {
            match state.pattern.send(msg) {
                Ok(()) => return Ok(()),
                Err(SendError::Failed(error)) => {
                    return Err(Unsent {
                        error,
                        message: None,
                    })
                }
                Err(SendError::Again(returned)) => {
                    if deadline == Some(None) {
                        return Err(Unsent {
                            error: Error::again(),
                            message: Some(returned),
                        });
                    }
                    state = match self.wait(state, deadline.flatten(), interrupt) {
                        Ok(state) => state,
                        Err(error) => {
                            return Err(Unsent {
                                error,
                                message: Some(returned),
                            })
                        }
                    };
                    msg = returned;
                }
            }
        }
    }

    fn wait_until_sendable<'a>(
        &'a self,
        mut state: StateGuard<'a, State>,
        flags: i32,
        interrupt: &mut Interrupt<'_>,
    ) -> Result<StateGuard<'a, State>> {
        state.pattern.check_send()?;
        let deadline = deadline(flags, state.options.sndtimeo_ms);
        while !state.pattern.can_send() {
            if deadline == Some(None) {
                return Err(Error::again());
            }
            state = self.wait(state, deadline.flatten(), interrupt)?;
        }
        Ok(state)
    }

    // ----- receiving -----

    /// Receives one frame; check [`Socket::rcvmore`] for more frames of the same message.
    pub fn recv(&self, flags: i32) -> Result<Frame> {
        self.recv_interruptible(flags, None)
    }

    /// [`Socket::recv`] whose wait runs `interrupt` every [`INTERRUPT_CHECK`].
    pub fn recv_interruptible(&self, flags: i32, mut interrupt: Interrupt<'_>) -> Result<Frame> {
        let mut state = self.lock_and_update()?;
        if state.incoming.is_empty() {
            // The common case, a message already queued, skips the wait loop's bookkeeping.
            let mut slot = MaybeUninit::uninit();
            let (locked, msg) = match state.next_message(&mut slot) {
                // SAFETY: `next_message` initialised the slot (its `Ok` contract).
                Ok(()) => (state, unsafe { slot.assume_init() }),
                Err(e) if e.kind() == ErrorKind::Again => {
                    self.recv_locked(state, flags, &mut interrupt)?
                }
                Err(e) => return Err(e),
            };
            state = locked;
            // The common single-frame case skips the frame queue.
            match msg.into_single() {
                Ok(frame) => {
                    state.rcvmore = false;
                    return Ok(frame);
                }
                Err(msg) => state.incoming.extend(msg),
            }
        }
        let frame = state.incoming.pop_front().unwrap_or_default();
        state.rcvmore = !state.incoming.is_empty();
        Ok(frame)
    }

    /// Receives a whole multipart message (or the rest of one partly read with `recv`).
    pub fn recv_msg(&self, flags: i32) -> Result<Message> {
        self.recv_msg_interruptible(flags, None)
    }

    /// [`Socket::recv_msg`] whose wait runs `interrupt` every [`INTERRUPT_CHECK`].
    pub fn recv_msg_interruptible(
        &self,
        flags: i32,
        mut interrupt: Interrupt<'_>,
    ) -> Result<Message> {
        let mut state = self.lock_and_update()?;
        if !state.incoming.is_empty() {
            let rest: Message = state.incoming.drain(..).collect();
            state.rcvmore = false;
            return Ok(rest);
        }
        let (mut state, msg) = self.recv_locked(state, flags, &mut interrupt)?;
        state.rcvmore = false;
        Ok(msg)
    }

    /// Receives a whole message as a list of byte vectors.
    pub fn recv_multipart(&self, flags: i32) -> Result<Vec<Vec<u8>>> {
        Ok(self.recv_msg(flags)?.iter().map(Frame::to_vec).collect())
    }

    fn recv_locked<'a>(
        &'a self,
        mut state: StateGuard<'a, State>,
        flags: i32,
        interrupt: &mut Interrupt<'_>,
    ) -> Result<(StateGuard<'a, State>, Message)> {
        let deadline = deadline(flags, state.options.rcvtimeo_ms);
        loop {
            let mut slot = MaybeUninit::uninit();
            match state.next_message(&mut slot) {
                // SAFETY: `next_message` initialised the slot (its `Ok` contract).
                Ok(()) => return Ok((state, unsafe { slot.assume_init() })),
                Err(e) if e.kind() == ErrorKind::Again && deadline != Some(None) => {
                    state = self.wait(state, deadline.flatten(), interrupt)?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Whether the last frame returned by `recv` has more frames after it (ZMQ_RCVMORE).
    pub fn rcvmore(&self) -> bool {
        self.shared.state.lock().rcvmore
    }

    /// Right after a receive: whether the frame returned has more after it (ZMQ_RCVMORE),
    /// and the properties of the connection its message came from (libzmq's message
    /// metadata: Peer-Address, the peer's handshake properties, the descriptor; `None` over
    /// inproc). Looked up now, so a receive costs nothing more for those who do not ask;
    /// ask before the socket is used again (a poll may read the next message ahead).
    pub fn received(&self) -> (bool, Option<Arc<Properties>>) {
        let state = self.shared.state.lock();
        let properties = state
            .pattern
            .last_recv_pipe()
            .and_then(|pipe| state.pipe_properties.get(&pipe).cloned());
        (state.rcvmore, properties)
    }

    // ----- options -----

    pub fn set_option(&self, option: SocketOption, value: impl Into<OptionValue>) -> Result<()> {
        let value = value.into();
        let mut state = self.lock_and_update()?;
        if state.options.set(option, &value)? {
            match option {
                SocketOption::Linger => self
                    .shared
                    .link
                    .linger_ms
                    .store(state.options.linger_ms, Ordering::Relaxed),
                SocketOption::SndHwm | SocketOption::RcvHwm => state.apply_hwms(),
                _ => {}
            }
            return Ok(());
        }
        let socket_type = state.socket_type;
        match state.pattern.set_option(option, &value) {
            Some(result) => result,
            None => Err(Error::invalid(format!(
                "option {} cannot be set on a {} socket",
                option.name(),
                socket_type
            ))),
        }
    }

    pub fn get_option(&self, option: SocketOption) -> Result<OptionValue> {
        let mut state = self.lock_and_update()?;
        let int = |v: i64| Ok(OptionValue::Int(v));
        match option {
            SocketOption::Type => int(state.socket_type as i64),
            SocketOption::RcvMore => int(state.rcvmore as i64),
            SocketOption::LastEndpoint => {
                Ok(OptionValue::Bytes(state.last_endpoint.clone().into()))
            }
            SocketOption::Events => int(state.events() as i64),
            SocketOption::Fd => {
                int(std::os::fd::AsRawFd::as_raw_fd(&self.shared.link.signal.fd()) as i64)
            }
            _ => {
                // The pattern first: STREAM reports its last generated id as ROUTING_ID.
                if let Some(value) = state.pattern.get_option(option) {
                    return Ok(value);
                }
                state.options.get(option).ok_or_else(|| {
                    Error::invalid(format!(
                        "option {} cannot be read on a {} socket",
                        option.name(),
                        state.socket_type
                    ))
                })
            }
        }
    }

    /// Shorthand for an integer option.
    pub fn get_int(&self, option: SocketOption) -> Result<i64> {
        self.get_option(option)?.as_int(option)
    }

    pub fn subscribe(&self, topic: impl AsRef<[u8]>) -> Result<()> {
        self.set_option(SocketOption::Subscribe, topic.as_ref())
    }

    pub fn unsubscribe(&self, topic: impl AsRef<[u8]>) -> Result<()> {
        self.set_option(SocketOption::Unsubscribe, topic.as_ref())
    }

    /// The endpoint last bound or connected, with wildcards resolved (ZMQ_LAST_ENDPOINT).
    pub fn last_endpoint(&self) -> Result<String> {
        Ok(self.lock()?.last_endpoint.clone())
    }

    /// The descriptor that becomes readable when [`Socket::events`] may have changed
    /// (libzmq's ZMQ_FD). Edge-like: after it fires, read `events()` and receive until EAGAIN
    /// (or until POLLIN is gone) before waiting on it again — it does not fire again for
    /// messages that were already waiting.
    pub fn readiness_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.shared.link.signal.fd()
    }

    /// ZMQ_EVENTS: POLLIN if a message can be received now, POLLOUT if one can be sent.
    pub fn events(&self) -> Result<i32> {
        Ok(self.lock_and_update()?.events())
    }

    // ----- lifetime -----

    /// Closes the socket: its connections send what is queued within LINGER, then end.
    /// Further calls fail with ENOTSOCK. Dropping the socket does the same.
    pub fn close(&self) {
        self.shared.close(None);
    }

    /// Sets LINGER, then closes (pyzmq's `close(linger=…)`).
    pub fn close_with_linger(&self, linger_ms: i32) {
        self.shared.close(Some(linger_ms));
    }

    pub fn is_closed(&self) -> bool {
        self.shared.state.lock().closed
    }
}

impl Shared {
    fn close(&self, linger: Option<i32>) {
        let mut state = self.state.lock();
        if state.closed {
            return;
        }
        state.closed = true;
        // First, so engines know the pipe closes that follow are the socket's own.
        self.link.mark_closed();
        if let Some(linger) = linger {
            self.link.linger_ms.store(linger.max(-1), Ordering::Relaxed);
        }
        // Close pipes before stopping endpoints, so engines see the close and linger.
        state.process_events(&self.link.signal);
        state.pattern.close_all();
        state.endpoints.clear();
        // Pipes attached after this point (a connection that was completing) are closed too.
        state.process_events(&self.link.signal);
        state.pattern.close_all();
        self.link.signal.post(PipeEvent::Wake);
        drop(state);
        self.ctx.unregister_socket(self.registry_id);
    }
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("type", &self.socket_type())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.close();
    }
}

impl State {
    #[inline]
    fn process_events(&mut self, signal: &SocketSignal) {
        if signal.has_events() {
            self.apply_events(signal);
        }
    }

    /// SNDHWM/RCVHWM changed: the pipes the socket has take the new values too (libzmq's
    /// `update_pipe_options`); a writer that waited for room may have some now.
    fn apply_hwms(&mut self) {
        let (sndhwm, rcvhwm) = (self.options.sndhwm as i64, self.options.rcvhwm as i64);
        self.pipe_hwms.retain(|_, hwm| !hwm.is_finished());
        for (&id, hwm) in &self.pipe_hwms {
            if hwm.set_own(sndhwm, rcvhwm) {
                self.pattern.writable(id);
            }
        }
    }

    #[cold]
    fn apply_events(&mut self, signal: &SocketSignal) {
        let pattern = &mut self.pattern;
        let pipe_hwms = &mut self.pipe_hwms;
        let pipe_properties = &mut self.pipe_properties;
        signal.drain(|event| match event {
            PipeEvent::Attached(pipe, peer) => {
                pipe_hwms.insert(pipe.id(), pipe.hwm_handle());
                if let Some(properties) = peer.as_ref().and_then(|p| p.properties.clone()) {
                    pipe_properties.insert(pipe.id(), properties);
                }
                pattern.attach(pipe, peer.as_ref())
            }
            PipeEvent::PeerReady(id, peer) => {
                if let Some(properties) = peer.properties.clone() {
                    pipe_properties.insert(id, properties);
                }
                pattern.peer_ready(id, &peer)
            }
            PipeEvent::PeerLost(id) => pattern.peer_lost(id),
            PipeEvent::Readable(id) => pattern.readable(id),
            PipeEvent::Writable(id) => pattern.writable(id),
            PipeEvent::Closed(id) => {
                pipe_hwms.remove(&id);
                pipe_properties.remove(&id);
                pattern.closed(id)
            }
            PipeEvent::Wake => {}
        });
    }

    /// The pattern's next message, in `slot` (initialised on `Ok`). Where the pattern can,
    /// the message is built there, once (`Pattern::recv_into`): at tcp 8 B that took the
    /// receiving thread's CPU from 1.16–1.35 s to 0.69–0.78 s per 20M messages, because
    /// each copy of a message just built stalls on the store buffer.
    #[inline(always)]
    fn next_message(&mut self, slot: &mut MaybeUninit<Message>) -> Result<()> {
        if self.builds_in_place {
            self.pattern.recv_into(slot)
        } else {
            slot.write(self.pattern.recv()?);
            Ok(())
        }
    }

    /// How long a blocked call checks for events before it sleeps (`SocketSignal::wait`):
    /// inproc-only sockets wait for another application thread, REQ and REP for an answer
    /// a round trip away; other sockets over tcp or ipc sleep at once.
    fn spin_before_sleep(&self) -> Option<Duration> {
        if !self.uses_io_threads {
            Some(INPROC_SPIN)
        } else if matches!(self.socket_type, SocketType::Req | SocketType::Rep) {
            Some(LOCKSTEP_SPIN)
        } else {
            None
        }
    }

    fn events(&mut self) -> i32 {
        let mut events = 0;
        if !self.incoming.is_empty() || self.pattern.can_recv() {
            events |= POLLIN;
        }
        if self.pattern.can_send() {
            events |= POLLOUT;
        }
        events
    }
}

/// `None`: block forever; `Some(None)`: don't block; `Some(Some(t))`: block until `t`.
fn deadline(flags: i32, timeout_ms: i32) -> Option<Option<Instant>> {
    if flags & flags::DONTWAIT != 0 || timeout_ms == 0 {
        return Some(None);
    }
    timeout_from_ms(timeout_ms).map(|t| Some(Instant::now() + t))
}
