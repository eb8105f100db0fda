//! The reactor: one native thread per context that waits for the sockets with pending
//! operations and completes them, so that no JavaScript call ever blocks and no libuv pool
//! thread is ever parked on a socket.
//!
//! A `send`/`receive` first tries the non-blocking operation on the JavaScript thread (the
//! fast path: no thread hop). Only if it would block (EAGAIN) is it *parked* here with a
//! token and an optional deadline (SNDTIMEO/RCVTIMEO). The reactor thread polls the
//! readiness descriptors of the sockets with parked operations plus its own eventfd, performs
//! the non-blocking send/recv itself when a descriptor fires, and hands the finished
//! operations to JavaScript in one batch through a thread-safe function, which resolves or
//! rejects the promises.
//!
//! The readiness descriptor is edge-like (libzmq's ZMQ_FD contract): any operation on the
//! socket may consume the event that would have woken us. So after servicing a socket the
//! reactor re-reads `events()` and retries until the wanted events are gone, and an
//! operation made on the JavaScript thread on a socket with parked operations marks it for a
//! re-check (`Reactor::recheck`).
//!
//! An observer's PAIR (`sock.events`, see `observer.rs`) is serviced like any socket; its
//! messages are monitor events, which the reactor decodes before handing them over.

use std::collections::HashMap;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ferromq::{flags, Error, ErrorKind, Message, MonitorEvent, Socket, Unsent, POLLIN, POLLOUT};
use napi::bindgen_prelude::ToNapiValue;
use napi::sys;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use rustix::event::{eventfd, EventfdFlags};

use crate::convert::{error_to_js, message_to_js};
use crate::observer::ObservedEvent;
use crate::raw::{self, Env, Value};

/// A socket as the binding shares it between the JavaScript thread and the reactor.
pub struct SockEntry {
    pub id: u64,
    pub socket: Socket,
    /// Set while the reactor holds parked operations for this socket.
    pub watched: AtomicBool,
    pub closed: AtomicBool,
    /// An observer's PAIR: what it receives are monitor events, decoded before delivery.
    pub monitor: bool,
    /// For an observed socket: the id of the observer whose monitor it runs (0: none).
    pub monitor_owner: AtomicU64,
}

impl SockEntry {
    pub fn new(id: u64, socket: Socket, monitor: bool) -> SockEntry {
        SockEntry {
            id,
            socket,
            watched: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            monitor,
            monitor_owner: AtomicU64::new(0),
        }
    }

    /// What a message received on this socket completes with.
    pub fn received(&self, msg: Message) -> Outcome {
        if !self.monitor {
            return Outcome::Received(msg);
        }
        match MonitorEvent::parse(&msg) {
            Ok(event) => Outcome::Event(event),
            Err(e) => Outcome::Failed(e),
        }
    }
}

/// How a parked operation ended.
pub enum Outcome {
    Received(Message),
    /// A monitor event received by an observer.
    Event(MonitorEvent),
    Sent,
    /// A proxy returned normally.
    Done,
    Failed(Error),
}

pub struct Completion {
    pub token: u32,
    pub outcome: Outcome,
}

/// A batch of completions as JavaScript receives it: `[token, kind, payload, …]` with kind
/// 0 = received (payload: array of Buffers, or `{event, value, endpoint}` for an observer),
/// 1 = done (payload: undefined), 2 = failed (payload: Error with `code` and `errno`).
pub struct Batch(pub Vec<Completion>);

impl ToNapiValue for Batch {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: napi-rs passes the env of the thread-safe function's call into JavaScript.
        let env = unsafe { Env::from_raw(env) };
        // napi-rs's thread-safe function calls this without catching panics.
        raw::no_panic(|| Ok(val.into_js(env)?.raw()))
    }
}

impl Batch {
    fn into_js<'s>(self, env: Env<'s>) -> napi::Result<Value<'s>> {
        let array = env.array(self.0.len() * 3)?;
        let mut index = 0u32;
        let mut push = |value: Value<'s>| -> raw::Result<()> {
            env.set_element(array, index, value)?;
            index += 1;
            Ok(())
        };
        for completion in self.0 {
            let (kind, payload) = match completion.outcome {
                Outcome::Received(msg) => (0, message_to_js(env, msg)?),
                Outcome::Event(event) => {
                    // SAFETY: `env` is live (the invariant of `Env`), and so is the handle
                    // napi-rs creates in it.
                    let event = unsafe {
                        Value::from_raw(ObservedEvent::to_napi_value(
                            env.raw(),
                            ObservedEvent::from(event),
                        )?)
                    };
                    (0, event)
                }
                Outcome::Sent | Outcome::Done => (1, env.undefined()),
                Outcome::Failed(err) => (2, error_to_js(env, &err)?),
            };
            push(env.uint32(completion.token)?)?;
            push(env.int32(kind)?)?;
            push(payload)?;
        }
        Ok(array)
    }
}

pub type CompletionFn = ThreadsafeFunction<Vec<Completion>, (), Batch, napi::Status, false>;

struct RecvOp {
    token: u32,
    deadline: Option<Instant>,
}

struct SendOp {
    token: u32,
    msg: Message,
    deadline: Option<Instant>,
}

struct Watch {
    sock: Arc<SockEntry>,
    recv: Option<RecvOp>,
    send: Option<SendOp>,
}

#[derive(Default)]
struct State {
    watches: HashMap<u64, Watch>,
    /// Sockets to service at once: new operations, or touched by the JavaScript thread.
    dirty: Vec<u64>,
    stopped: bool,
}

pub struct Reactor {
    state: Mutex<State>,
    wake_fd: OwnedFd,
    /// Set when `wake_fd` was written and not yet reset: one write per wake-up.
    wake_pending: AtomicBool,
    completions: CompletionFn,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Reactor {
    pub fn new(completions: CompletionFn) -> std::io::Result<Arc<Reactor>> {
        let wake_fd = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        Ok(Arc::new(Reactor {
            state: Mutex::new(State::default()),
            wake_fd,
            wake_pending: AtomicBool::new(false),
            completions,
            thread: Mutex::new(None),
        }))
    }

    pub fn completions(&self) -> &CompletionFn {
        &self.completions
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wake(&self) {
        if !self.wake_pending.swap(true, Ordering::SeqCst) {
            let _ = rustix::io::write(&self.wake_fd, &1u64.to_ne_bytes());
        }
    }

    fn ensure_thread(self: &Arc<Self>) -> std::io::Result<()> {
        let mut thread = self.thread.lock().unwrap_or_else(|e| e.into_inner());
        if thread.is_none() {
            let reactor = self.clone();
            *thread = Some(
                std::thread::Builder::new()
                    .name("ferromq-node".into())
                    .spawn(move || reactor.run())?,
            );
        }
        Ok(())
    }

    /// Parks a receive; it completes with `token`.
    pub fn park_recv(
        self: &Arc<Self>,
        sock: &Arc<SockEntry>,
        token: u32,
        timeout_ms: i32,
    ) -> std::io::Result<()> {
        let deadline = deadline(timeout_ms);
        self.park(sock, |w| w.recv = Some(RecvOp { token, deadline }))
    }

    /// Parks a send of `msg`; it completes with `token`.
    pub fn park_send(
        self: &Arc<Self>,
        sock: &Arc<SockEntry>,
        token: u32,
        msg: Message,
        timeout_ms: i32,
    ) -> std::io::Result<()> {
        let deadline = deadline(timeout_ms);
        self.park(sock, |w| {
            w.send = Some(SendOp {
                token,
                msg,
                deadline,
            })
        })
    }

    fn park(
        self: &Arc<Self>,
        sock: &Arc<SockEntry>,
        set: impl FnOnce(&mut Watch),
    ) -> std::io::Result<()> {
        self.ensure_thread()?;
        {
            let mut state = self.lock();
            let watch = state.watches.entry(sock.id).or_insert_with(|| Watch {
                sock: sock.clone(),
                recv: None,
                send: None,
            });
            set(watch);
            sock.watched.store(true, Ordering::SeqCst);
            state.dirty.push(sock.id);
        }
        self.wake();
        Ok(())
    }

    /// The JavaScript thread used a socket that has parked operations: its readiness edge
    /// may have been consumed, so the reactor must look at it again.
    pub fn recheck(&self, sock: &SockEntry) {
        if sock.watched.load(Ordering::SeqCst) {
            self.lock().dirty.push(sock.id);
            self.wake();
        }
    }

    /// Drops the parked operations of a closed socket (JavaScript rejects their promises).
    pub fn forget(&self, sock: &SockEntry) {
        let mut state = self.lock();
        state.watches.remove(&sock.id);
        sock.watched.store(false, Ordering::SeqCst);
    }

    /// Stops the thread (the context is gone).
    pub fn stop(&self) {
        self.lock().stopped = true;
        self.wake();
    }

    fn deliver(&self, done: &mut Vec<Completion>) {
        if !done.is_empty() {
            let batch = std::mem::take(done);
            self.completions
                .call(batch, ThreadsafeFunctionCallMode::NonBlocking);
        }
    }

    fn run(self: Arc<Self>) {
        let mut done: Vec<Completion> = Vec::new();
        let mut fired: Vec<u64> = Vec::new();
        loop {
            if self.wake_pending.swap(false, Ordering::SeqCst) {
                let mut counter = [0u8; 8];
                let _ = rustix::io::read(&self.wake_fd, &mut counter);
            }
            let dirty = {
                let mut state = self.lock();
                if state.stopped {
                    return;
                }
                std::mem::take(&mut state.dirty)
            };
            for id in dirty.into_iter().chain(fired.drain(..)) {
                self.service(id, &mut done);
            }
            self.expire(&mut done);
            self.deliver(&mut done);

            // The poll set: every socket with parked operations, plus the wake-up eventfd.
            let (targets, timeout) = {
                let state = self.lock();
                if !state.dirty.is_empty() {
                    continue;
                }
                let now = Instant::now();
                let mut nearest: Option<Instant> = None;
                let mut targets: Vec<(u64, Arc<SockEntry>)> =
                    Vec::with_capacity(state.watches.len());
                for (id, watch) in &state.watches {
                    targets.push((*id, watch.sock.clone()));
                    let deadlines = [
                        watch.recv.as_ref().and_then(|op| op.deadline),
                        watch.send.as_ref().and_then(|op| op.deadline),
                    ];
                    for d in deadlines.into_iter().flatten() {
                        nearest = Some(nearest.map_or(d, |n| n.min(d)));
                    }
                }
                (targets, nearest.map(|d| d.saturating_duration_since(now)))
            };
            let sockets: Vec<&Socket> = targets.iter().map(|(_, s)| &s.socket).collect();
            for i in ferromq::wait_for_readiness(self.wake_fd.as_fd(), &sockets, timeout) {
                fired.push(targets[i].0);
            }
        }
    }

    /// Tries the parked operations of socket `id` until they are done or would block with
    /// the wanted events gone (so that the next wake-up comes from the descriptor).
    fn service(&self, id: u64, done: &mut Vec<Completion>) {
        let (sock, mut recv, mut send) = {
            let mut state = self.lock();
            let Some(watch) = state.watches.get_mut(&id) else {
                return;
            };
            (watch.sock.clone(), watch.recv.take(), watch.send.take())
        };
        if sock.closed.load(Ordering::SeqCst) {
            return;
        }
        for _ in 0..16 {
            if let Some(op) = recv.take() {
                match sock.socket.recv_msg(flags::DONTWAIT) {
                    Ok(msg) => done.push(Completion {
                        token: op.token,
                        outcome: sock.received(msg),
                    }),
                    Err(e) if e.is_again() => recv = Some(op),
                    Err(e) => done.push(Completion {
                        token: op.token,
                        outcome: Outcome::Failed(e),
                    }),
                }
            }
            if let Some(mut op) = send.take() {
                // On EAGAIN the core hands the message back: park it again, no copy.
                match sock.socket.try_send_msg(op.msg, flags::DONTWAIT, None) {
                    Ok(()) => done.push(Completion {
                        token: op.token,
                        outcome: Outcome::Sent,
                    }),
                    Err(Unsent {
                        error,
                        message: Some(msg),
                    }) if error.is_again() => {
                        op.msg = msg;
                        send = Some(op);
                    }
                    Err(Unsent { error, .. }) => done.push(Completion {
                        token: op.token,
                        outcome: Outcome::Failed(error),
                    }),
                }
            }
            if recv.is_none() && send.is_none() {
                break;
            }
            // Re-arm the edge: read events (which resets the descriptor) and go on only if
            // an operation we still wait for became possible meanwhile.
            let want =
                if recv.is_some() { POLLIN } else { 0 } | if send.is_some() { POLLOUT } else { 0 };
            match sock.socket.events() {
                Ok(events) if events & want != 0 => continue,
                Ok(_) => break,
                Err(e) => {
                    if let Some(op) = recv.take() {
                        done.push(Completion {
                            token: op.token,
                            outcome: Outcome::Failed(e.clone()),
                        });
                    }
                    if let Some(op) = send.take() {
                        done.push(Completion {
                            token: op.token,
                            outcome: Outcome::Failed(e),
                        });
                    }
                    break;
                }
            }
        }
        let mut state = self.lock();
        let Some(watch) = state.watches.get_mut(&id) else {
            return; // closed meanwhile
        };
        if recv.is_some() {
            watch.recv = recv;
        }
        if send.is_some() {
            watch.send = send;
        }
        if watch.recv.is_none() && watch.send.is_none() {
            state.watches.remove(&id);
            sock.watched.store(false, Ordering::SeqCst);
        }
    }

    /// Fails the operations whose SNDTIMEO/RCVTIMEO expired with EAGAIN, as libzmq does.
    fn expire(&self, done: &mut Vec<Completion>) {
        let now = Instant::now();
        let mut state = self.lock();
        let mut emptied = Vec::new();
        for (id, watch) in state.watches.iter_mut() {
            if watch
                .recv
                .as_ref()
                .is_some_and(|op| op.deadline.is_some_and(|d| d <= now))
            {
                let op = watch.recv.take().expect("checked");
                done.push(Completion {
                    token: op.token,
                    outcome: Outcome::Failed(Error::new(
                        ErrorKind::Again,
                        "receive timed out (receiveTimeout)",
                    )),
                });
            }
            if watch
                .send
                .as_ref()
                .is_some_and(|op| op.deadline.is_some_and(|d| d <= now))
            {
                let op = watch.send.take().expect("checked");
                done.push(Completion {
                    token: op.token,
                    outcome: Outcome::Failed(Error::new(
                        ErrorKind::Again,
                        "send timed out (sendTimeout)",
                    )),
                });
            }
            if watch.recv.is_none() && watch.send.is_none() {
                emptied.push(*id);
            }
        }
        for id in emptied {
            if let Some(watch) = state.watches.remove(&id) {
                watch.sock.watched.store(false, Ordering::SeqCst);
            }
        }
    }
}

fn deadline(timeout_ms: i32) -> Option<Instant> {
    (timeout_ms > 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64))
}
