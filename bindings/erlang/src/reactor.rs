//! The reactor: one native thread per context that does, for the Erlang processes, whatever
//! would block: receives and sends that could not complete at once (erlzmq2's `recv`/`send`
//! on a passive socket), and the delivery of active sockets' messages to their owners. No
//! scheduler, normal or dirty, ever waits on a socket, and there is no thread per socket.
//!
//! A NIF first tries the non-blocking operation (the fast path: no thread hop). Only if it
//! would block (EAGAIN) is the operation *parked* here with the caller's pid, a reference and
//! an optional deadline (SNDTIMEO/RCVTIMEO); the NIF returns `wait` and the Erlang side waits
//! for `{Ref, Result}`, which always comes: the result, `{error, eagain}` at the deadline,
//! `{error, enotsock}` when the socket is closed, `{error, eterm}` when the context is
//! terminated.
//!
//! The thread polls the readiness descriptors of the sockets it waits for plus its own
//! eventfd. The descriptor is edge-like (libzmq's ZMQ_FD contract): any operation on the
//! socket may consume the event that would have woken us, so after servicing a socket the
//! reactor re-reads `events()` and goes on until the wanted events are gone, and a NIF that
//! used a watched socket marks it for a re-check ([`Reactor::recheck`]).
//!
//! Active sockets get flow control: the reactor delivers at most [`CREDIT_FRAMES`] frames
//! (or [`CREDIT_BYTES`] bytes) per grant, then stops reading the socket and asks the
//! socket's flow process (erlang/src/erlzmq.erl) for more; that process grants more once the
//! owner's mailbox is short again. Meanwhile messages wait in the core's queue (RCVHWM) and
//! then in TCP's buffers, so the sender feels the back-pressure as with libzmq.
//!
//! Everything that can drop a socket or a context clone is dropped on this thread (see
//! [`Reactor::reap`]): the last drop of a context waits for LINGER, which must never happen
//! on a scheduler.

use std::collections::{HashMap, VecDeque};
use std::os::fd::{AsFd, OwnedFd};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use ferromq::{flags, Context, Error, ErrorKind, Frame, Message, Socket, Unsent, POLLIN, POLLOUT};
use rustix::event::{eventfd, EventfdFlags};
use rustler::env::SavedTerm;
use rustler::{Encoder, Env, LocalPid, OwnedEnv, ResourceArc, Term};

use crate::atoms;
use crate::convert::{error_tuple, frame_to_term, reason};
use crate::SockRes;

/// Frames an active socket delivers per grant of its flow process.
pub const CREDIT_FRAMES: u32 = 256;
/// Bytes an active socket delivers per grant (whichever of the two runs out first).
pub const CREDIT_BYTES: usize = 8 << 20;

/// A socket as the NIFs and the reactor share it.
pub struct SockInner {
    pub id: u64,
    pub socket: Socket,
    pub reactor: Arc<Reactor>,
    /// Set by `close`: the reactor fails the socket's parked operations and stops delivery.
    pub closed: AtomicBool,
    /// An active socket: messages go to the owner; `recv` is refused.
    pub active: bool,
    /// Set while the reactor has a watch on this socket (parked operations or active).
    pub watched: AtomicBool,
    /// Set while a re-check of this socket is queued (so a busy socket queues one, not many).
    pub dirty: AtomicBool,
    /// A frame received for a process that was gone when it arrived: the next `recv` gets it.
    pub stash: Mutex<Option<Frame>>,
}

impl SockInner {
    /// After an operation from a NIF: the reactor looks at the socket again if it waits on it
    /// (the operation may have consumed the readiness edge).
    pub fn touched(&self) {
        if self.watched.load(Ordering::SeqCst) && !self.dirty.swap(true, Ordering::SeqCst) {
            self.reactor.recheck(self.id);
        }
    }

    pub fn take_stash(&self) -> Option<Frame> {
        lock(&self.stash).take()
    }
}

impl Drop for SockInner {
    fn drop(&mut self) {
        self.socket.close();
        self.reactor.open_sockets.fetch_sub(1, Ordering::SeqCst);
        self.reactor.wake();
    }
}

/// Where the result of a parked operation goes: `{Ref, Result}` to the waiting process.
pub struct Reply {
    env: OwnedEnv,
    reference: SavedTerm,
    pid: LocalPid,
}

impl Reply {
    pub fn new(pid: LocalPid, reference: Term<'_>) -> Reply {
        let env = OwnedEnv::new();
        let reference = env.save(reference);
        Reply {
            env,
            reference,
            pid,
        }
    }

    /// Sends `{Ref, Result}`; false if the process is gone.
    fn send(mut self, outcome: Outcome) -> bool {
        let reference = self.reference;
        self.env
            .send_and_clear(&self.pid, move |env| {
                let result = match outcome {
                    Outcome::Received(frame) => {
                        (atoms::ok(), frame_to_term(env, frame)).encode(env)
                    }
                    Outcome::Sent => atoms::ok().encode(env),
                    Outcome::Failed(err) => error_tuple(env, &err),
                };
                (reference.load(env), result).encode(env)
            })
            .is_ok()
    }
}

enum Outcome {
    Received(Frame),
    Sent,
    Failed(Error),
}

struct RecvOp {
    reply: Reply,
    deadline: Option<Instant>,
}

/// What a parked send still has to hand to the core.
pub enum Outgoing {
    /// A frame sent with SNDMORE: the core must accept the first frame of a message.
    More(Frame),
    /// The last frame, with every frame sent before it with SNDMORE: the whole message.
    Last(Message),
}

struct SendOp {
    reply: Reply,
    deadline: Option<Instant>,
    out: Outgoing,
}

/// What an active socket delivers to: the owner, and the flow process that grants credit.
pub struct ActiveSpec {
    pub res: ResourceArc<SockRes>,
    pub index: u64,
    pub owner: LocalPid,
    pub flow: LocalPid,
}

struct Active {
    spec: ActiveSpec,
    credit_frames: u32,
    credit_bytes: usize,
    /// A credit request is out and not granted yet.
    asked: bool,
}

impl Active {
    fn has_credit(&self) -> bool {
        self.credit_frames > 0 && self.credit_bytes > 0
    }
}

struct Watch {
    sock: Arc<SockInner>,
    recvs: VecDeque<RecvOp>,
    sends: VecDeque<SendOp>,
    active: Option<Active>,
}

impl Watch {
    fn new(sock: Arc<SockInner>) -> Watch {
        Watch {
            sock,
            recvs: VecDeque::new(),
            sends: VecDeque::new(),
            active: None,
        }
    }

    fn wanted(&self) -> i32 {
        let recv = !self.recvs.is_empty() || self.active.as_ref().is_some_and(Active::has_credit);
        (if recv { POLLIN } else { 0 }) | (if self.sends.is_empty() { 0 } else { POLLOUT })
    }

    fn is_idle(&self) -> bool {
        self.recvs.is_empty() && self.sends.is_empty() && self.active.is_none()
    }
}

#[derive(Default)]
struct State {
    watches: HashMap<u64, Watch>,
    /// Sockets to service at once: new operations, grants, or touched by a NIF.
    dirty: Vec<u64>,
    /// Active sockets whose flow process granted more credit.
    granted: Vec<u64>,
    /// Active sockets whose owner died.
    deactivate: Vec<u64>,
}

/// Something whose drop may block (a socket, a context clone): dropped on the reactor thread.
pub type Reaped = Box<dyn Send>;

pub struct Reactor {
    state: Mutex<State>,
    reaped: Mutex<Vec<Reaped>>,
    wake_fd: OwnedFd,
    /// Set when `wake_fd` was written and not yet reset: one write per wake-up.
    wake_pending: AtomicBool,
    /// Sockets alive (their `SockInner`): the thread ends once none is and the context is gone.
    pub open_sockets: AtomicUsize,
    context_gone: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Reactor {
    /// Starts the thread of the context `ctx`; the thread keeps a clone of the context and
    /// is the one that drops it last.
    pub fn start(ctx: Context) -> std::io::Result<Arc<Reactor>> {
        let wake_fd = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        let reactor = Arc::new(Reactor {
            state: Mutex::new(State::default()),
            reaped: Mutex::new(Vec::new()),
            wake_fd,
            wake_pending: AtomicBool::new(false),
            open_sockets: AtomicUsize::new(0),
            context_gone: AtomicBool::new(false),
        });
        let thread_reactor = reactor.clone();
        std::thread::Builder::new()
            .name("ferromq-erlang".into())
            .spawn(move || thread_reactor.run(ctx))?;
        Ok(reactor)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    pub fn wake(&self) {
        if !self.wake_pending.swap(true, Ordering::SeqCst) {
            let _ = rustix::io::write(&self.wake_fd, &1u64.to_ne_bytes());
        }
    }

    /// Hands `item` to the reactor thread, which drops it.
    pub fn reap(&self, item: Reaped) {
        lock(&self.reaped).push(item);
        self.wake();
    }

    /// The context's resource is gone: the thread ends once its sockets are gone too.
    pub fn context_gone(&self) {
        self.context_gone.store(true, Ordering::SeqCst);
        self.wake();
    }

    fn with_watch(&self, sock: &Arc<SockInner>, f: impl FnOnce(&mut Watch)) {
        {
            let mut state = self.lock();
            let watch = state
                .watches
                .entry(sock.id)
                .or_insert_with(|| Watch::new(sock.clone()));
            f(watch);
            sock.watched.store(true, Ordering::SeqCst);
            state.dirty.push(sock.id);
        }
        self.wake();
    }

    /// Parks a receive; `reply` gets its result.
    pub fn park_recv(&self, sock: &Arc<SockInner>, reply: Reply, timeout_ms: i64) {
        let deadline = deadline(timeout_ms);
        self.with_watch(sock, |w| w.recvs.push_back(RecvOp { reply, deadline }));
    }

    /// Parks a send; `reply` gets its result.
    pub fn park_send(&self, sock: &Arc<SockInner>, reply: Reply, timeout_ms: i64, out: Outgoing) {
        let deadline = deadline(timeout_ms);
        self.with_watch(sock, |w| {
            w.sends.push_back(SendOp {
                reply,
                deadline,
                out,
            })
        });
    }

    /// Makes `sock` active: its messages go to `spec.owner` from now on.
    pub fn activate(&self, sock: &Arc<SockInner>, spec: ActiveSpec) {
        self.with_watch(sock, |w| {
            w.active = Some(Active {
                spec,
                credit_frames: CREDIT_FRAMES,
                credit_bytes: CREDIT_BYTES,
                asked: false,
            })
        });
    }

    /// The flow process grants an active socket more credit.
    pub fn grant(&self, id: u64) {
        self.lock().granted.push(id);
        self.wake();
    }

    /// The owner of an active socket died (resource monitor): stop delivering.
    pub fn deactivate(&self, id: u64) {
        self.lock().deactivate.push(id);
        self.wake();
    }

    /// A NIF used socket `id`, which the reactor watches: look at it again.
    pub fn recheck(&self, id: u64) {
        self.lock().dirty.push(id);
        self.wake();
    }

    fn run(self: Arc<Self>, ctx: Context) {
        let mut env = OwnedEnv::new();
        let mut fired: Vec<u64> = Vec::new();
        loop {
            match catch_unwind(AssertUnwindSafe(|| self.turn(&mut env, &mut fired))) {
                Ok(true) => {}
                Ok(false) => break,
                Err(_) => {
                    // A bug: never let it take the VM down. Fail what waits, keep serving.
                    eprintln!("ferromq-erlang: internal error in the reactor thread");
                    env = OwnedEnv::new();
                    fired.clear();
                    let _ = catch_unwind(AssertUnwindSafe(|| self.fail_all()));
                }
            }
        }
        // The context's last clone may be this one: its drop waits for LINGER, here.
        drop(ctx);
    }

    /// One round: wake-ups, drops, grants, servicing, deadlines, then one poll. False when
    /// the thread should end.
    fn turn(&self, env: &mut OwnedEnv, fired: &mut Vec<u64>) -> bool {
        if self.wake_pending.swap(false, Ordering::SeqCst) {
            let mut counter = [0u8; 8];
            let _ = rustix::io::read(&self.wake_fd, &mut counter);
        }
        let reaped = std::mem::take(&mut *lock(&self.reaped));
        drop(reaped);

        let (dirty, deactivate) = {
            let mut state = self.lock();
            let granted = std::mem::take(&mut state.granted);
            for id in granted {
                if let Some(active) = state.watches.get_mut(&id).and_then(|w| w.active.as_mut()) {
                    active.credit_frames = CREDIT_FRAMES;
                    active.credit_bytes = CREDIT_BYTES;
                    active.asked = false;
                    state.dirty.push(id);
                }
            }
            (
                std::mem::take(&mut state.dirty),
                std::mem::take(&mut state.deactivate),
            )
        };
        for id in deactivate {
            self.stop_active(id, env);
        }
        let mut seen = Vec::with_capacity(dirty.len() + fired.len());
        for id in dirty.into_iter().chain(fired.drain(..)) {
            if !seen.contains(&id) {
                seen.push(id);
                self.service(id, env);
            }
        }
        self.expire();

        if self.context_gone.load(Ordering::SeqCst) && self.open_sockets.load(Ordering::SeqCst) == 0
        {
            return false;
        }

        // The poll set: every socket waiting for an event, plus the wake-up eventfd.
        let (targets, timeout) = {
            let state = self.lock();
            if !state.dirty.is_empty() || !state.granted.is_empty() || !state.deactivate.is_empty()
            {
                return true;
            }
            let now = Instant::now();
            let mut nearest: Option<Instant> = None;
            let mut targets: Vec<(u64, Arc<SockInner>)> = Vec::with_capacity(state.watches.len());
            for (id, watch) in &state.watches {
                if watch.wanted() != 0 {
                    targets.push((*id, watch.sock.clone()));
                }
                let deadlines = watch
                    .recvs
                    .iter()
                    .filter_map(|op| op.deadline)
                    .chain(watch.sends.iter().filter_map(|op| op.deadline));
                for d in deadlines {
                    nearest = Some(nearest.map_or(d, |n| n.min(d)));
                }
            }
            (targets, nearest.map(|d| d.saturating_duration_since(now)))
        };
        let sockets: Vec<&Socket> = targets.iter().map(|(_, s)| &s.socket).collect();
        for i in ferromq::wait_for_readiness(self.wake_fd.as_fd(), &sockets, timeout) {
            fired.push(targets[i].0);
        }
        drop(targets);
        true
    }

    /// Does what socket `id` waits for, until it is done or would block with the wanted
    /// events gone (so that the next wake-up comes from the descriptor).
    fn service(&self, id: u64, env: &mut OwnedEnv) {
        let (sock, mut recvs, mut sends, mut active) = {
            let mut state = self.lock();
            let Some(watch) = state.watches.get_mut(&id) else {
                return;
            };
            watch.sock.dirty.store(false, Ordering::SeqCst);
            (
                watch.sock.clone(),
                std::mem::take(&mut watch.recvs),
                std::mem::take(&mut watch.sends),
                watch.active.take(),
            )
        };
        if sock.closed.load(Ordering::SeqCst) {
            let closed = Error::new(ErrorKind::NotSocket, "the socket was closed");
            fail_ops(recvs, sends, &closed);
            if let Some(active) = active {
                send_stop(env, &active);
            }
            // Taken out of the lock first: dropping the last reference to the socket's
            // resource runs its destructor, which may call back into the reactor.
            let watch = self.lock().watches.remove(&id);
            sock.watched.store(false, Ordering::SeqCst);
            if let Some(watch) = watch {
                // Operations parked while we looked: the socket is closed for them too.
                fail_ops(watch.recvs, watch.sends, &closed);
                if let Some(active) = watch.active {
                    send_stop(env, &active);
                }
            }
            return;
        }
        for _ in 0..64 {
            // Parked receives first, in order.
            while !recvs.is_empty() {
                let next = match sock.take_stash() {
                    Some(frame) => Ok(frame),
                    None => sock.socket.recv(flags::DONTWAIT),
                };
                match next {
                    Ok(frame) => {
                        let op = recvs.pop_front().expect("not empty");
                        if !op.reply.send(Outcome::Received(frame.clone())) {
                            // The process is gone: keep the frame for the next receive.
                            *lock(&sock.stash) = Some(frame);
                        }
                    }
                    Err(e) if e.is_again() => break,
                    Err(e) => {
                        let op = recvs.pop_front().expect("not empty");
                        op.reply.send(Outcome::Failed(waiting_error(&sock, e)));
                    }
                }
            }
            // Then the active socket's deliveries.
            if recvs.is_empty() {
                if let Some(a) = active.as_mut() {
                    if !pump(&sock, a, env) {
                        if let Some(a) = active.take() {
                            send_stop(env, &a);
                        }
                    }
                }
            }
            // Parked sends, in order.
            while let Some(op) = sends.pop_front() {
                match send_outgoing(&sock.socket, op.out) {
                    Ok(()) => {
                        op.reply.send(Outcome::Sent);
                    }
                    Err((error, Some(out))) if error.is_again() => {
                        sends.push_front(SendOp {
                            reply: op.reply,
                            deadline: op.deadline,
                            out,
                        });
                        break;
                    }
                    Err((error, _)) => {
                        op.reply.send(Outcome::Failed(waiting_error(&sock, error)));
                    }
                }
            }
            let want = {
                let recv = !recvs.is_empty() || active.as_ref().is_some_and(Active::has_credit);
                (if recv { POLLIN } else { 0 }) | (if sends.is_empty() { 0 } else { POLLOUT })
            };
            if want == 0 {
                break;
            }
            // Re-arm the edge: read events (which resets the descriptor) and go on only if
            // something we wait for became possible meanwhile.
            match sock.socket.events() {
                Ok(events) if events & want != 0 => continue,
                Ok(_) => break,
                Err(e) => {
                    let e = waiting_error(&sock, e);
                    fail_ops(std::mem::take(&mut recvs), std::mem::take(&mut sends), &e);
                    if let Some(a) = active.take() {
                        send_active_error(env, &a, &e);
                        send_stop(env, &a);
                    }
                    break;
                }
            }
        }
        let mut state = self.lock();
        let watch = state
            .watches
            .entry(id)
            .or_insert_with(|| Watch::new(sock.clone()));
        // Operations parked while we serviced come after ours.
        recvs.append(&mut watch.recvs);
        watch.recvs = recvs;
        sends.append(&mut watch.sends);
        watch.sends = sends;
        if active.is_some() {
            watch.active = active;
        }
        if watch.is_idle() {
            state.watches.remove(&id);
            sock.watched.store(false, Ordering::SeqCst);
        }
    }

    /// Stops delivery on an active socket whose owner died.
    fn stop_active(&self, id: u64, env: &mut OwnedEnv) {
        let active = {
            let mut state = self.lock();
            let Some(watch) = state.watches.get_mut(&id) else {
                return;
            };
            let active = watch.active.take();
            if watch.is_idle() {
                if let Some(watch) = state.watches.remove(&id) {
                    watch.sock.watched.store(false, Ordering::SeqCst);
                }
            }
            active
        };
        if let Some(active) = active {
            send_stop(env, &active);
        }
    }

    /// Fails the operations whose SNDTIMEO/RCVTIMEO (or `{timeout, T}`) expired with
    /// EAGAIN, as libzmq does.
    fn expire(&self) {
        let now = Instant::now();
        let mut expired: Vec<Reply> = Vec::new();
        {
            let mut state = self.lock();
            let mut emptied = Vec::new();
            for (id, watch) in state.watches.iter_mut() {
                let due = |d: Option<Instant>| d.is_some_and(|d| d <= now);
                if watch.recvs.iter().any(|op| due(op.deadline)) {
                    let (gone, kept): (VecDeque<_>, VecDeque<_>) =
                        watch.recvs.drain(..).partition(|op| due(op.deadline));
                    watch.recvs = kept;
                    expired.extend(gone.into_iter().map(|op| op.reply));
                }
                if watch.sends.iter().any(|op| due(op.deadline)) {
                    let (gone, kept): (VecDeque<_>, VecDeque<_>) =
                        watch.sends.drain(..).partition(|op| due(op.deadline));
                    watch.sends = kept;
                    expired.extend(gone.into_iter().map(|op| op.reply));
                }
                if watch.is_idle() {
                    emptied.push(*id);
                }
            }
            for id in emptied {
                if let Some(watch) = state.watches.remove(&id) {
                    watch.sock.watched.store(false, Ordering::SeqCst);
                }
            }
        }
        for reply in expired {
            reply.send(Outcome::Failed(Error::new(
                ErrorKind::Again,
                "timed out (SNDTIMEO/RCVTIMEO)",
            )));
        }
    }

    /// After an internal error: every waiting process gets `{error, eio}`.
    fn fail_all(&self) {
        let watches = std::mem::take(&mut self.lock().watches);
        let err = Error::new(ErrorKind::Io, "internal error in the reactor thread");
        for (_, watch) in watches {
            watch.sock.watched.store(false, Ordering::SeqCst);
            fail_ops(watch.recvs, watch.sends, &err);
        }
    }
}

fn fail_ops(recvs: VecDeque<RecvOp>, sends: VecDeque<SendOp>, err: &Error) {
    for op in recvs {
        op.reply.send(Outcome::Failed(err.clone()));
    }
    for op in sends {
        op.reply.send(Outcome::Failed(err.clone()));
    }
}

/// Hands a parked send to the core without blocking; on EAGAIN it comes back.
fn send_outgoing(socket: &Socket, out: Outgoing) -> Result<(), (Error, Option<Outgoing>)> {
    match out {
        Outgoing::More(frame) => match socket.send(frame.clone(), flags::SNDMORE | flags::DONTWAIT)
        {
            Ok(()) => Ok(()),
            Err(e) => Err((e, Some(Outgoing::More(frame)))),
        },
        Outgoing::Last(msg) => match socket.try_send_msg(msg, flags::DONTWAIT, None) {
            Ok(()) => Ok(()),
            Err(Unsent { error, message }) => Err((error, message.map(Outgoing::Last))),
        },
    }
}

/// The error for operations that waited on a socket: ETERM, as libzmq's term gives them,
/// when the socket was closed by its context's term (which closes the sockets left open),
/// not by its owner.
fn waiting_error(sock: &SockInner, e: Error) -> Error {
    let closed_by_term = e.kind() == ErrorKind::NotSocket
        && !sock.closed.load(Ordering::SeqCst)
        && sock.socket.context().is_terminated();
    if closed_by_term {
        Error::from_kind(ErrorKind::Term)
    } else {
        e
    }
}

/// Delivers an active socket's frames to its owner while it has credit. False when delivery
/// must stop (the owner is gone, or the socket failed).
fn pump(sock: &SockInner, a: &mut Active, env: &mut OwnedEnv) -> bool {
    while a.has_credit() {
        match sock.socket.recv(flags::DONTWAIT) {
            Ok(frame) => {
                let more = sock.socket.rcvmore();
                a.credit_frames -= 1;
                a.credit_bytes = a.credit_bytes.saturating_sub(frame.len().max(1));
                let spec = &a.spec;
                let sent = env.send_and_clear(&spec.owner, |e| {
                    let flags: Vec<rustler::Atom> = if more {
                        vec![atoms::rcvmore()]
                    } else {
                        Vec::new()
                    };
                    (
                        atoms::zmq(),
                        (spec.index, &spec.res),
                        frame_to_term(e, frame),
                        flags,
                    )
                        .encode(e)
                });
                if sent.is_err() {
                    return false;
                }
            }
            Err(e) if e.is_again() => return true,
            // A REQ waiting to send or a REP waiting to reply has nothing to receive yet:
            // the owner's send makes it its turn (the NIF marks the socket for a re-check).
            Err(e) if e.kind() == ErrorKind::Fsm => return true,
            Err(e) => {
                send_active_error(env, a, &waiting_error(sock, e));
                return false;
            }
        }
    }
    if !a.asked {
        a.asked = true;
        let spec = &a.spec;
        let asked = env.send_and_clear(&spec.flow, |e| {
            (atoms::ferromq_credit(), &spec.res).encode(e)
        });
        if asked.is_err() {
            // No flow process (it was killed): deliver without flow control rather than stall.
            a.credit_frames = CREDIT_FRAMES;
            a.credit_bytes = CREDIT_BYTES;
            a.asked = false;
        }
    }
    true
}

/// erlzmq2's active-mode error: `{zmq, Socket, {error, Reason}}`.
fn send_active_error(env: &mut OwnedEnv, a: &Active, err: &Error) {
    let spec = &a.spec;
    let _ = env.send_and_clear(&spec.owner, |e| {
        (
            atoms::zmq(),
            (spec.index, &spec.res),
            (atoms::error(), reason(e, err)),
        )
            .encode(e)
    });
}

/// Tells the flow process that its socket delivers no more: it ends.
fn send_stop(env: &mut OwnedEnv, a: &Active) {
    let _ = env.send_and_clear(&a.spec.flow, |e| atoms::ferromq_stop().encode(e));
}

fn deadline(timeout_ms: i64) -> Option<Instant> {
    (timeout_ms > 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64))
}

/// Builds `{ok, Term}`.
pub fn ok_tuple<'a>(env: Env<'a>, value: impl Encoder) -> Term<'a> {
    (atoms::ok(), value).encode(env)
}
