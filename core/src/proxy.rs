//! `zmq_proxy` and `zmq_proxy_steerable`: shuttle whole messages between two sockets.
//!
//! The proxy is written against the public socket API only. It blocks in [`crate::poll()`]
//! (never spins) and, each round, moves a bounded batch of messages in each direction the
//! two socket types allow, so a busy direction cannot starve the other. A message the
//! destination cannot take yet (HWM reached) is held, and nothing more is read from its
//! source until it has gone: back-pressure without losing anything, as libzmq's blocking
//! send gives, while the control socket and context termination stay responsive.

use std::io::Write;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind, Result};
use crate::message::{Frame, Message};
use crate::poll::{poll, PollItem};
use crate::socket::{flags, Interrupt, Socket, INTERRUPT_CHECK, POLLIN, POLLOUT};
use crate::socket_type::SocketType;

/// At most this many messages move in one direction per poll round (libzmq moves up to
/// 1000 per burst; a smaller batch keeps the other direction's latency low).
const BATCH: usize = 256;

/// Starts the built-in proxy in the calling thread (`zmq_proxy`).
///
/// Moves whole multipart messages from `frontend` to `backend` and, when the socket types
/// allow it, from `backend` to `frontend` (ROUTER/DEALER, XSUB/XPUB — which is how
/// subscriptions travel upstream —, PAIR/PAIR…), sending a copy of each to `capture` if
/// given. Runs until the context is terminated, which ends it with `Err(ETERM)`: that is
/// the normal way a proxy ends. A socket closed under it ends it with ENOTSOCK, a signal
/// interrupting its wait with EINTR (as libzmq; see [`proxy_steerable_interruptible`]), a
/// failed send or receive with that error.
///
/// Fails with EINVAL if two of the sockets are the same socket (except the frontend and the
/// backend: one socket then sends back out what it receives, as in libzmq) or if neither
/// direction can carry messages (e.g. PUB and PUB).
pub fn proxy(frontend: &Socket, backend: &Socket, capture: Option<&Socket>) -> Result<()> {
    proxy_steerable(frontend, backend, capture, None)
}

/// [`proxy`] with a control socket (`zmq_proxy_steerable`). Commands, one frame each:
///
/// * `PAUSE`: stop moving messages (they wait in the sockets' queues);
/// * `RESUME`: move them again;
/// * `TERMINATE`: return `Ok(())`;
/// * `STATISTICS`: reply with 8 frames, each a `u64` in native byte order (as libzmq):
///   frontend messages received, bytes received, messages sent, bytes sent, then the same
///   four for the backend. As in libzmq, "messages" counts message parts (frames).
///
/// A REP control socket gets an empty reply to every other command, so it can take the
/// next one (newer libzmq's behaviour); unknown commands are ignored.
pub fn proxy_steerable(
    frontend: &Socket,
    backend: &Socket,
    capture: Option<&Socket>,
    control: Option<&Socket>,
) -> Result<()> {
    proxy_steerable_interruptible(frontend, backend, capture, control, None)
}

/// [`proxy_steerable`] that runs `interrupt` about every [`INTERRUPT_CHECK`] while it
/// waits (for bindings: e.g. to let Python handle Ctrl-C); an error from the hook ends the
/// proxy with that error. With a hook, a signal interrupting the wait runs the hook instead
/// of ending the proxy with EINTR.
pub fn proxy_steerable_interruptible(
    frontend: &Socket,
    backend: &Socket,
    capture: Option<&Socket>,
    control: Option<&Socket>,
    interrupt: Interrupt<'_>,
) -> Result<()> {
    Proxy::new(frontend, backend, capture, control)?.run(None, interrupt, &mut [])
}

/// A callback a proxy runs on a schedule, in its own thread between moves (php-zmq's
/// ZMQDevice idle and timer callbacks).
pub struct ProxyTimer<'a> {
    /// How long until it first runs.
    pub every: Duration,
    /// Runs only after that long with no message moved (an idle callback), rather than
    /// whatever the traffic (a timer).
    pub when_idle: bool,
    /// Returns how long until it runs again, or `None` to end the proxy with `Ok(())`; an
    /// error ends the proxy with that error.
    pub callback: &'a mut dyn FnMut() -> Result<Option<Duration>>,
}

/// [`proxy`] that also runs `timers` (see [`ProxyTimer`]); a timer whose `every` is zero
/// never runs.
pub fn proxy_with_timers(
    frontend: &Socket,
    backend: &Socket,
    capture: Option<&Socket>,
    timers: &mut [ProxyTimer<'_>],
) -> Result<()> {
    Proxy::new(frontend, backend, capture, None)?.run(None, None, timers)
}

/// When each timer runs next, and its current interval.
struct Schedule {
    due: Vec<Option<(Instant, Duration)>>,
}

impl Schedule {
    fn new(timers: &[ProxyTimer<'_>], now: Instant) -> Schedule {
        Schedule {
            due: timers
                .iter()
                .map(|t| (!t.every.is_zero()).then(|| (now + t.every, t.every)))
                .collect(),
        }
    }

    /// How long the proxy may wait before a timer is due.
    fn wait_limit(&self, now: Instant) -> Option<Duration> {
        self.due
            .iter()
            .flatten()
            .map(|(at, _)| at.saturating_duration_since(now))
            .min()
    }

    /// Runs the timers that are due (and, after `moved` messages, pushes the idle ones
    /// back); whether the proxy goes on.
    fn run_due(&mut self, timers: &mut [ProxyTimer<'_>], moved: bool) -> Result<bool> {
        let now = Instant::now();
        for (timer, due) in timers.iter_mut().zip(&mut self.due) {
            let Some((at, every)) = due else { continue };
            if timer.when_idle && moved {
                *at = now + *every;
            } else if now >= *at {
                match (timer.callback)()? {
                    None => return Ok(false),
                    Some(next) if next.is_zero() => *due = None,
                    Some(next) => *due = Some((Instant::now() + next, next)),
                }
            }
        }
        Ok(true)
    }
}

/// Lets another thread end a running proxy promptly (used by [`crate::ThreadDevice`]).
pub(crate) struct Stopper {
    stopped: AtomicBool,
    reader: UnixStream,
    writer: UnixStream,
}

impl Stopper {
    pub(crate) fn new() -> Result<Stopper> {
        let (reader, writer) =
            UnixStream::pair().map_err(|e| Error::from_io(&e, "cannot create the stop pipe"))?;
        writer
            .set_nonblocking(true)
            .map_err(|e| Error::from_io(&e, "cannot set up the stop pipe"))?;
        Ok(Stopper {
            stopped: AtomicBool::new(false),
            reader,
            writer,
        })
    }

    /// Asks the proxy to end: it returns `Ok(())` at its next wake-up, which this causes.
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        // One byte is enough to wake it; a full buffer means a wake-up is pending anyway.
        let _ = (&self.writer).write(&[1]);
    }

    fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    fn fd(&self) -> RawFd {
        self.reader.as_raw_fd()
    }
}

/// Whether a socket of this type can receive / send at all.
fn can_recv(t: SocketType) -> bool {
    !matches!(t, SocketType::Pub | SocketType::Push)
}

fn can_send(t: SocketType) -> bool {
    !matches!(t, SocketType::Sub | SocketType::Pull)
}

const FRONTEND: usize = 0;
const BACKEND: usize = 1;

/// Message and byte counters of one side, as STATISTICS reports them.
#[derive(Default, Clone, Copy)]
struct SideStats {
    recv_msgs: u64,
    recv_bytes: u64,
    sent_msgs: u64,
    sent_bytes: u64,
}

/// A received message not yet delivered: first to the capture socket (if any), then to the
/// destination.
struct Pending {
    msg: Message,
    captured: bool,
}

/// One direction messages can move in.
struct Direction {
    from: usize,
    to: usize,
    pending: Option<Pending>,
}

/// What a delivery attempt came to.
enum Delivery {
    Done,
    /// The destination (or capture) cannot take it now: keep it and wait for POLLOUT.
    Held(Pending),
}

/// Whether the proxy goes on after a step.
enum Flow {
    Continue,
    Stop,
}

/// Readiness seen by the last poll.
#[derive(Default, Clone, Copy)]
struct Ready {
    side: [i32; 2],
    capture: bool,
    control: bool,
    stop: bool,
}

pub(crate) struct Proxy<'a> {
    sides: [&'a Socket; 2],
    /// The frontend is the backend: one socket, polled once.
    single: bool,
    capture: Option<&'a Socket>,
    control: Option<&'a Socket>,
    directions: Vec<Direction>,
    stats: [SideStats; 2],
    paused: bool,
}

impl<'a> Proxy<'a> {
    /// Checks the sockets and works out which directions messages can move in.
    pub(crate) fn new(
        frontend: &'a Socket,
        backend: &'a Socket,
        capture: Option<&'a Socket>,
        control: Option<&'a Socket>,
    ) -> Result<Proxy<'a>> {
        let named = [
            ("frontend", Some(frontend)),
            ("backend", Some(backend)),
            ("capture", capture),
            ("control", control),
        ];
        for (i, (name, socket)) in named.iter().enumerate() {
            let Some(socket) = socket else { continue };
            if socket.is_closed() {
                return Err(Error::new(
                    ErrorKind::NotSocket,
                    format!("the proxy's {name} socket is closed"),
                ));
            }
            for (j, (other_name, other)) in named[..i].iter().enumerate() {
                // One socket as both frontend and backend is allowed, as in libzmq: it
                // sends each message it receives back out (a ROUTER routing between its
                // own peers).
                let both_sides = (j, i) == (FRONTEND, BACKEND);
                if !both_sides && other.is_some_and(|o| same_socket(o, socket)) {
                    return Err(Error::invalid(format!(
                        "the proxy's {other_name} and {name} are the same socket"
                    )));
                }
            }
        }

        let (front_type, back_type) = (frontend.socket_type(), backend.socket_type());
        let single = same_socket(frontend, backend);
        let mut directions = Vec::with_capacity(2);
        if can_recv(front_type) && can_send(back_type) {
            directions.push(Direction {
                from: FRONTEND,
                to: BACKEND,
                pending: None,
            });
        }
        if !single && can_recv(back_type) && can_send(front_type) {
            directions.push(Direction {
                from: BACKEND,
                to: FRONTEND,
                pending: None,
            });
        }
        if directions.is_empty() {
            return Err(Error::invalid(format!(
                "a proxy cannot move messages between a {front_type} frontend and a \
                 {back_type} backend: one must be able to receive and the other to send"
            )));
        }
        if let Some(capture) = capture {
            if !can_send(capture.socket_type()) {
                return Err(Error::invalid(format!(
                    "the proxy's capture socket must be able to send; a {} cannot",
                    capture.socket_type()
                )));
            }
        }
        if let Some(control) = control {
            if !can_recv(control.socket_type()) {
                return Err(Error::invalid(format!(
                    "the proxy's control socket must be able to receive; a {} cannot",
                    control.socket_type()
                )));
            }
        }
        Ok(Proxy {
            sides: [frontend, backend],
            single,
            capture,
            control,
            directions,
            stats: [SideStats::default(); 2],
            paused: false,
        })
    }

    /// Runs until terminated (ETERM), stopped through `stopper` or TERMINATE (`Ok`), or an
    /// error.
    pub(crate) fn run(
        mut self,
        stopper: Option<&Stopper>,
        mut interrupt: Interrupt<'_>,
        timers: &mut [ProxyTimer<'_>],
    ) -> Result<()> {
        let mut schedule = Schedule::new(timers, Instant::now());
        // With a hook, wake up to run it; without, a stopper-run proxy (a device thread)
        // shrugs off signals, which would otherwise end it with EINTR.
        let retry_eintr = interrupt.is_some() || stopper.is_some();
        let mut last_check = Instant::now();
        let mut first = 0;
        loop {
            let hook_limit = interrupt.is_some().then_some(INTERRUPT_CHECK);
            let limit = match (hook_limit, schedule.wait_limit(Instant::now())) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let ready = match self.wait(stopper, limit) {
                Ok(ready) => ready,
                Err(e) if e.kind() == ErrorKind::Interrupted && retry_eintr => {
                    if let Some(check) = interrupt.as_mut() {
                        last_check = Instant::now();
                        check()?;
                    }
                    continue;
                }
                Err(e) => return Err(e),
            };
            if let Some(check) = interrupt.as_mut() {
                if last_check.elapsed() >= INTERRUPT_CHECK {
                    last_check = Instant::now();
                    check()?;
                }
            }
            if ready.stop || stopper.is_some_and(Stopper::is_stopped) {
                return Ok(());
            }
            if ready.control {
                if let Flow::Stop = self.handle_control()? {
                    return Ok(());
                }
            }
            if self.paused {
                continue;
            }
            let received_before = self.received();
            let count = self.directions.len();
            for k in 0..count {
                let index = (first + k) % count;
                if let Flow::Stop = self.forward(index, ready, stopper, &mut interrupt)? {
                    return Ok(());
                }
            }
            first = (first + 1) % count;
            if !timers.is_empty()
                && !schedule.run_due(timers, self.received() != received_before)?
            {
                return Ok(());
            }
        }
    }

    /// Blocks until something the proxy waits for is ready: a source to read (whose
    /// direction holds nothing), the socket a held message waits for, the control socket or
    /// the stopper.
    /// Messages received so far, both sides.
    fn received(&self) -> u64 {
        self.stats[FRONTEND].recv_msgs + self.stats[BACKEND].recv_msgs
    }

    fn wait(&self, stopper: Option<&Stopper>, timeout: Option<Duration>) -> Result<Ready> {
        let mut side_events = [0; 2];
        let mut capture_out = false;
        if !self.paused {
            for direction in &self.directions {
                match &direction.pending {
                    None => side_events[direction.from] |= POLLIN,
                    Some(p) if !p.captured => capture_out = true,
                    Some(_) => side_events[direction.to] |= POLLOUT,
                }
            }
        }
        if self.single {
            side_events = [side_events[FRONTEND] | side_events[BACKEND], 0];
        }
        // Never an item with no events: its readiness fd would fire without being reset.
        let mut items = Vec::with_capacity(5);
        let mut slots = [usize::MAX; 5];
        for side in [FRONTEND, BACKEND] {
            if side_events[side] != 0 {
                slots[side] = items.len();
                items.push(PollItem::socket(self.sides[side], side_events[side]));
            }
        }
        if let (true, Some(capture)) = (capture_out, self.capture) {
            slots[2] = items.len();
            items.push(PollItem::socket(capture, POLLOUT));
        }
        if let Some(control) = self.control {
            slots[3] = items.len();
            items.push(PollItem::socket(control, POLLIN));
        }
        if let Some(stopper) = stopper {
            slots[4] = items.len();
            items.push(PollItem::fd(stopper.fd(), POLLIN));
        }
        if items.is_empty() {
            // Paused with neither control nor stopper cannot happen (only control pauses).
            return Err(Error::invalid("the proxy has nothing to wait for"));
        }
        poll(&mut items, timeout)?;
        let revents = |slot: usize| items.get(slot).map_or(0, |item| item.revents);
        let front = revents(slots[FRONTEND]);
        Ok(Ready {
            side: [
                front,
                if self.single {
                    front
                } else {
                    revents(slots[BACKEND])
                },
            ],
            capture: revents(slots[2]) & POLLOUT != 0,
            control: revents(slots[3]) & POLLIN != 0,
            stop: revents(slots[4]) != 0,
        })
    }

    /// Moves what it can in one direction: the held message, then up to [`BATCH`] more.
    fn forward(
        &mut self,
        index: usize,
        ready: Ready,
        stopper: Option<&Stopper>,
        interrupt: &mut Interrupt<'_>,
    ) -> Result<Flow> {
        let (from, to) = (self.directions[index].from, self.directions[index].to);
        if let Some(pending) = self.directions[index].pending.take() {
            // The wait reported the target writable: if it refuses anyway, its POLLOUT
            // cannot promise this message a place (ROUTER_MANDATORY to a full peer,
            // XPUB_NODROP), so wait in a blocking send rather than poll in a loop.
            let target_ready = if pending.captured {
                ready.side[to] & POLLOUT != 0
            } else {
                ready.capture
            };
            match self.deliver(pending, to, target_ready, stopper, interrupt)? {
                (Delivery::Done, Flow::Continue) => {}
                (Delivery::Held(pending), flow) => {
                    self.directions[index].pending = Some(pending);
                    return Ok(flow);
                }
                (Delivery::Done, Flow::Stop) => return Ok(Flow::Stop),
            }
        }
        for _ in 0..BATCH {
            let msg = match self.sides[from].recv_msg(flags::DONTWAIT) {
                Ok(msg) => msg,
                Err(e) if e.is_again() => break,
                Err(e) => return Err(e),
            };
            let stats = &mut self.stats[from];
            stats.recv_msgs += msg.len() as u64;
            stats.recv_bytes += msg.byte_len() as u64;
            let pending = Pending {
                msg,
                captured: self.capture.is_none(),
            };
            match self.deliver(pending, to, false, stopper, interrupt)? {
                (Delivery::Done, Flow::Continue) => {}
                (Delivery::Held(pending), flow) => {
                    self.directions[index].pending = Some(pending);
                    return Ok(flow);
                }
                (Delivery::Done, Flow::Stop) => return Ok(Flow::Stop),
            }
        }
        Ok(Flow::Continue)
    }

    /// Sends a message to the capture socket (once) and to side `to`, without blocking
    /// unless `target_ready` says the refusing socket claimed to be writable.
    fn deliver(
        &mut self,
        mut pending: Pending,
        to: usize,
        mut target_ready: bool,
        stopper: Option<&Stopper>,
        interrupt: &mut Interrupt<'_>,
    ) -> Result<(Delivery, Flow)> {
        if !pending.captured {
            let capture = self
                .capture
                .expect("uncaptured message without capture socket");
            match self.send(capture, &pending.msg, target_ready, stopper, interrupt)? {
                Sent::Yes => pending.captured = true,
                Sent::No(flow) => return Ok((Delivery::Held(pending), flow)),
            }
            // The capture's readiness says nothing about the destination's.
            target_ready = false;
        }
        match self.send(
            self.sides[to],
            &pending.msg,
            target_ready,
            stopper,
            interrupt,
        )? {
            Sent::Yes => {
                let stats = &mut self.stats[to];
                stats.sent_msgs += pending.msg.len() as u64;
                stats.sent_bytes += pending.msg.byte_len() as u64;
                Ok((Delivery::Done, Flow::Continue))
            }
            Sent::No(flow) => Ok((Delivery::Held(pending), flow)),
        }
    }

    /// Sends a copy of `msg` (the socket API consumes what it is given, even when it refuses
    /// it) without blocking. If refused, `blocking` says the socket claimed POLLOUT anyway:
    /// then wait in the socket until it takes the message, the stopper fires or a control
    /// command arrives.
    fn send(
        &self,
        socket: &Socket,
        msg: &Message,
        blocking: bool,
        stopper: Option<&Stopper>,
        interrupt: &mut Interrupt<'_>,
    ) -> Result<Sent> {
        match socket.send_msg(msg.clone(), flags::DONTWAIT) {
            Ok(()) => return Ok(Sent::Yes),
            Err(e) if e.is_again() => {
                if !blocking {
                    return Ok(Sent::No(Flow::Continue));
                }
            }
            Err(e) => return Err(e),
        }
        let control = self.control;
        let mut why: Option<Flow> = None;
        let mut hook = || -> Result<()> {
            if stopper.is_some_and(Stopper::is_stopped) {
                why = Some(Flow::Stop);
                return Err(Error::from_kind(ErrorKind::Interrupted));
            }
            if let Some(control) = control {
                if control.events()? & POLLIN != 0 {
                    why = Some(Flow::Continue);
                    return Err(Error::from_kind(ErrorKind::Interrupted));
                }
            }
            if let Some(check) = interrupt.as_mut() {
                check()?;
            }
            Ok(())
        };
        let result = socket.send_msg_interruptible(msg.clone(), 0, Some(&mut hook));
        match (result, why) {
            (Ok(()), _) => Ok(Sent::Yes),
            // Our hook broke the wait: hold the message, go and see to control/stop.
            (Err(_), Some(flow)) => Ok(Sent::No(flow)),
            (Err(e), None) if e.is_again() => {
                // SNDTIMEO ended the wait; with SNDTIMEO=0 it does not wait at all, so pause
                // briefly rather than poll the refusing socket in a tight loop.
                std::thread::sleep(Duration::from_millis(1));
                Ok(Sent::No(Flow::Continue))
            }
            (Err(e), None) => Err(e),
        }
    }

    /// Applies every command waiting on the control socket.
    fn handle_control(&mut self) -> Result<Flow> {
        let Some(control) = self.control else {
            return Ok(Flow::Continue);
        };
        loop {
            let msg = match control.recv_msg(flags::DONTWAIT) {
                Ok(msg) => msg,
                Err(e) if e.is_again() => return Ok(Flow::Continue),
                Err(e) => return Err(e),
            };
            let command = msg.first().map_or(&[][..], Frame::as_slice);
            let mut terminate = false;
            match command {
                b"STATISTICS" => {
                    let [f, b] = self.stats;
                    let values = [
                        f.recv_msgs,
                        f.recv_bytes,
                        f.sent_msgs,
                        f.sent_bytes,
                        b.recv_msgs,
                        b.recv_bytes,
                        b.sent_msgs,
                        b.sent_bytes,
                    ];
                    if can_send(control.socket_type()) {
                        let reply = Message::from_frames(
                            values.map(|v| Frame::copy_from_slice(&v.to_ne_bytes())),
                        );
                        reply_to(control, reply)?;
                    }
                    continue;
                }
                b"PAUSE" => self.paused = true,
                b"RESUME" => self.paused = false,
                b"TERMINATE" => terminate = true,
                other => tracing::warn!(
                    command = %String::from_utf8_lossy(other),
                    "proxy: unknown control command ignored"
                ),
            }
            if control.socket_type() == SocketType::Rep {
                reply_to(control, Message::single(Frame::empty()))?;
            }
            if terminate {
                return Ok(Flow::Stop);
            }
        }
    }
}

enum Sent {
    Yes,
    No(Flow),
}

/// Replies on the control socket; a reply its peer has no room for is dropped rather than
/// let it block the proxy.
fn reply_to(control: &Socket, reply: Message) -> Result<()> {
    match control.send_msg(reply, flags::DONTWAIT) {
        Err(e) if !e.is_again() => Err(e),
        _ => Ok(()),
    }
}

/// Whether two handles are the same socket (each socket has its own readiness fd).
fn same_socket(a: &Socket, b: &Socket) -> bool {
    std::ptr::eq(a, b) || a.readiness_fd().as_raw_fd() == b.readiness_fd().as_raw_fd()
}
