//! FerroMQ for Erlang: the NIF half of the `ferromq` rebar3 application (erlang/).
//!
//! Thin on purpose: the messaging logic is the core's (`ferromq`), erlzmq2's API (option
//! and type atoms, flags, argument checks, waiting for replies) is written in Erlang
//! (`erlang/src/erlzmq.erl`), and this crate converts values and errors and keeps every
//! blocking wait off the schedulers:
//!
//! * `context/1` makes a core context and its reactor thread (`reactor.rs`).
//! * `socket/4` makes a socket; an active one is handed to the reactor, which delivers its
//!   messages to the owner as `{zmq, {Index, Socket}, Binary, Flags}` with flow control.
//! * `send/5` and `recv/4` try once without blocking; if they would block they park the
//!   operation with the reactor and return `wait`, and the caller waits for `{Ref, Result}`.
//! * `term/2` runs the core's `term` on a thread of its own and answers `{Ref, ok}`.
//! * `auth_*` expose the core's ZAP handler, `ferromq::auth::Authenticator` (`auth.rs`), to
//!   `erlzmq_auth`, with the core's CURVE certificates (`create_certificates`,
//!   `load_certificate`).
//! * `curve_keypair`, `curve_public`, `z85_encode` and `z85_decode` are the core's
//!   (`curve.rs`).
//!
//! Every NIF returns `ok`, `{ok, Value}`, `wait` or `{error, Reason}` with erlzmq2's reason
//! atoms; only a wrong argument type raises `badarg` (erlzmq.erl checks arguments first and
//! raises a `badarg` with a clear reason itself). Rustler turns a panic into an Erlang
//! exception; the reactor thread catches its own.

#![deny(clippy::all)]

mod auth;
mod convert;
mod curve;
mod reactor;

use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ferromq::{
    flags, Context, Error, ErrorKind, Message, OptionValue, SocketOption, SocketType, Unsent,
};
use rustler::{Binary, Encoder, Env, LocalPid, Monitor, NifResult, ResourceArc, Term};

use crate::convert::{binary_to_frame, error_tuple, frame_to_term};
use crate::reactor::{ok_tuple, ActiveSpec, Outgoing, Reactor, Reply, SockInner};

mod atoms {
    rustler::atoms! {
        ok,
        error,
        wait,
        zmq,
        rcvmore,
        active,
        eio,
        undefined,
        ferromq_credit = "$ferromq_credit",
        ferromq_stop = "$ferromq_stop",
    }
}

/// `timeout` argument of `send`/`recv` meaning "the socket's SNDTIMEO/RCVTIMEO".
const TIMEOUT_FROM_OPTION: i64 = -2;

/// A context: the core's, plus its reactor thread.
pub struct CtxRes {
    /// Taken when the resource goes: the clone is dropped on the reactor thread.
    ctx: Mutex<Option<Context>>,
    reactor: Arc<Reactor>,
    next_index: AtomicU64,
    terminated: AtomicBool,
}

#[rustler::resource_impl]
impl rustler::Resource for CtxRes {}

impl CtxRes {
    fn context(&self) -> Option<Context> {
        self.ctx.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Drop for CtxRes {
    fn drop(&mut self) {
        let ctx = self.ctx.get_mut().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(ctx) = ctx {
            self.reactor.reap(Box::new(ctx));
        }
        self.reactor.context_gone();
    }
}

/// A socket: erlzmq2's `{Index, Socket}` carries this resource.
pub struct SockRes {
    index: u64,
    inner: ManuallyDrop<Arc<SockInner>>,
}

#[rustler::resource_impl]
impl rustler::Resource for SockRes {
    /// The owner of an active socket died: stop delivering its messages (which also lets
    /// the socket be garbage-collected, and so closed, once nothing else holds it).
    fn down<'a>(&'a self, _env: Env<'a>, _pid: LocalPid, _monitor: Monitor) {
        self.inner.reactor.deactivate(self.inner.id);
    }
}

impl Drop for SockRes {
    /// Garbage-collected: close now (quick), and let the reactor thread drop the socket,
    /// since dropping a context's last clone waits for LINGER.
    fn drop(&mut self) {
        // SAFETY: `inner` is not used after this.
        let inner = unsafe { ManuallyDrop::take(&mut self.inner) };
        inner.closed.store(true, Ordering::SeqCst);
        inner.socket.close();
        let reactor = inner.reactor.clone();
        if inner.watched.load(Ordering::SeqCst) {
            reactor.recheck(inner.id);
        }
        reactor.reap(Box::new(inner));
    }
}

static NEXT_SOCKET_ID: AtomicU64 = AtomicU64::new(1);

fn ok_or_error<'a>(env: Env<'a>, result: ferromq::Result<()>) -> Term<'a> {
    match result {
        Ok(()) => atoms::ok().encode(env),
        Err(e) => error_tuple(env, &e),
    }
}

fn endpoint<'a>(endpoint: &Binary<'a>) -> Result<&'a str, Error> {
    std::str::from_utf8(endpoint.as_slice())
        .map_err(|_| Error::new(ErrorKind::Invalid, "the endpoint is not UTF-8"))
}

/// `context(IoThreads) -> {ok, Ctx} | {error, Reason}`.
#[rustler::nif(schedule = "DirtyIo")]
fn context(env: Env<'_>, io_threads: i64) -> Term<'_> {
    if !(0..=1024).contains(&io_threads) {
        return error_tuple(
            env,
            &Error::new(ErrorKind::Invalid, "io_threads must be 0 to 1024"),
        );
    }
    // 0 (libzmq: inproc only) still gets one I/O thread.
    let ctx = match Context::with_io_threads(io_threads.max(1) as usize) {
        Ok(ctx) => ctx,
        Err(e) => return error_tuple(env, &e),
    };
    let reactor = match Reactor::start(ctx.clone()) {
        Ok(reactor) => reactor,
        Err(e) => {
            return error_tuple(
                env,
                &Error::new(ErrorKind::Io, format!("cannot start the reactor: {e}")),
            )
        }
    };
    let res = ResourceArc::new(CtxRes {
        ctx: Mutex::new(Some(ctx)),
        reactor,
        next_index: AtomicU64::new(1),
        terminated: AtomicBool::new(false),
    });
    ok_tuple(env, res)
}

/// `socket(Ctx, Type, Owner | undefined, Flow | undefined) -> {ok, {Index, Sock}} | {error, R}`.
/// With an owner (and its flow process) the socket is active.
#[rustler::nif]
fn socket<'a>(
    env: Env<'a>,
    ctx: ResourceArc<CtxRes>,
    kind: i32,
    owner: Term<'a>,
    flow: Term<'a>,
) -> NifResult<Term<'a>> {
    let kind = SocketType::from_raw(kind).ok_or(rustler::Error::BadArg)?;
    let active = match (owner.decode::<LocalPid>(), flow.decode::<LocalPid>()) {
        (Ok(owner), Ok(flow)) => Some((owner, flow)),
        _ => None,
    };
    let Some(context) = ctx.context() else {
        return Ok(error_tuple(env, &Error::from_kind(ErrorKind::Term)));
    };
    let socket = match context.socket(kind) {
        Ok(socket) => socket,
        Err(e) => return Ok(error_tuple(env, &e)),
    };
    drop(context);
    ctx.reactor.open_sockets.fetch_add(1, Ordering::SeqCst);
    let inner = Arc::new(SockInner {
        id: NEXT_SOCKET_ID.fetch_add(1, Ordering::Relaxed),
        socket,
        reactor: ctx.reactor.clone(),
        closed: AtomicBool::new(false),
        active: active.is_some(),
        watched: AtomicBool::new(false),
        dirty: AtomicBool::new(false),
        stash: Mutex::new(None),
    });
    let index = ctx.next_index.fetch_add(1, Ordering::Relaxed);
    let res = ResourceArc::new(SockRes {
        index,
        inner: ManuallyDrop::new(inner.clone()),
    });
    if let Some((owner, flow)) = active {
        // The monitor stops delivery when the owner dies; an owner already dead gets none.
        if env.monitor(&res, &owner).is_none() {
            return Ok(ok_tuple(env, (index, res)));
        }
        ctx.reactor.activate(
            &inner,
            ActiveSpec {
                res: res.clone(),
                index,
                owner,
                flow,
            },
        );
    }
    Ok(ok_tuple(env, (index, res)))
}

#[rustler::nif(schedule = "DirtyIo")]
fn bind<'a>(env: Env<'a>, sock: ResourceArc<SockRes>, address: Binary<'a>) -> Term<'a> {
    let result = endpoint(&address).and_then(|ep| sock.inner.socket.bind(ep));
    sock.inner.touched();
    ok_or_error(env, result)
}

#[rustler::nif(schedule = "DirtyIo")]
fn connect<'a>(env: Env<'a>, sock: ResourceArc<SockRes>, address: Binary<'a>) -> Term<'a> {
    let result = endpoint(&address).and_then(|ep| sock.inner.socket.connect(ep));
    sock.inner.touched();
    ok_or_error(env, result)
}

#[rustler::nif(schedule = "DirtyIo")]
fn unbind<'a>(env: Env<'a>, sock: ResourceArc<SockRes>, address: Binary<'a>) -> Term<'a> {
    let result = endpoint(&address).and_then(|ep| sock.inner.socket.unbind(ep));
    sock.inner.touched();
    ok_or_error(env, result)
}

#[rustler::nif(schedule = "DirtyIo")]
fn disconnect<'a>(env: Env<'a>, sock: ResourceArc<SockRes>, address: Binary<'a>) -> Term<'a> {
    let result = endpoint(&address).and_then(|ep| sock.inner.socket.disconnect(ep));
    sock.inner.touched();
    ok_or_error(env, result)
}

/// The timeout of a blocking call: `timeout` (ms, -1 forever) or the socket's option.
fn effective_timeout(sock: &SockInner, timeout: i64, option: SocketOption) -> i64 {
    if timeout == TIMEOUT_FROM_OPTION {
        sock.socket.get_int(option).unwrap_or(-1)
    } else {
        timeout
    }
}

/// `send(Sock, Data, Flags, Timeout, Ref) -> ok | wait | {error, Reason}`; after `wait` the
/// caller gets `{Ref, ok | {error, Reason}}`.
#[rustler::nif]
fn send<'a>(
    env: Env<'a>,
    sock: ResourceArc<SockRes>,
    data: Binary<'a>,
    send_flags: i32,
    timeout: i64,
    reference: Term<'a>,
) -> Term<'a> {
    let inner: &Arc<SockInner> = &sock.inner;
    let frame = binary_to_frame(env, data);
    let may_wait = send_flags & flags::DONTWAIT == 0
        && effective_timeout(inner, timeout, SocketOption::SndTimeo) != 0;
    let parked = if send_flags & flags::SNDMORE != 0 {
        match inner
            .socket
            .send(frame.clone(), flags::SNDMORE | flags::DONTWAIT)
        {
            Ok(()) => Ok(None),
            Err(e) if e.is_again() && may_wait => Ok(Some(Outgoing::More(frame))),
            Err(e) => Err(e),
        }
    } else {
        match inner
            .socket
            .try_send_msg(Message::single(frame), flags::DONTWAIT, None)
        {
            Ok(()) => Ok(None),
            Err(Unsent {
                error,
                message: Some(msg),
            }) if error.is_again() && may_wait => Ok(Some(Outgoing::Last(msg))),
            Err(unsent) => Err(unsent.error),
        }
    };
    inner.touched();
    match parked {
        Ok(None) => atoms::ok().encode(env),
        Ok(Some(out)) => {
            let timeout = effective_timeout(inner, timeout, SocketOption::SndTimeo);
            inner
                .reactor
                .park_send(inner, Reply::new(env.pid(), reference), timeout, out);
            atoms::wait().encode(env)
        }
        Err(e) => error_tuple(env, &e),
    }
}

/// `recv(Sock, Flags, Timeout, Ref) -> {ok, Binary} | wait | {error, Reason}`; after `wait`
/// the caller gets `{Ref, {ok, Binary} | {error, Reason}}`.
#[rustler::nif]
fn recv<'a>(
    env: Env<'a>,
    sock: ResourceArc<SockRes>,
    recv_flags: i32,
    timeout: i64,
    reference: Term<'a>,
) -> Term<'a> {
    let inner: &Arc<SockInner> = &sock.inner;
    if inner.active {
        // erlzmq2: an active socket's messages go to its owner's mailbox.
        return (atoms::error(), atoms::active()).encode(env);
    }
    if let Some(frame) = inner.take_stash() {
        return ok_tuple(env, frame_to_term(env, frame));
    }
    let result = inner.socket.recv(flags::DONTWAIT);
    inner.touched();
    match result {
        Ok(frame) => ok_tuple(env, frame_to_term(env, frame)),
        Err(e) if e.is_again() => {
            let timeout = effective_timeout(inner, timeout, SocketOption::RcvTimeo);
            if recv_flags & flags::DONTWAIT != 0 || timeout == 0 {
                return error_tuple(env, &e);
            }
            inner
                .reactor
                .park_recv(inner, Reply::new(env.pid(), reference), timeout);
            atoms::wait().encode(env)
        }
        Err(e) => error_tuple(env, &e),
    }
}

/// `setsockopt(Sock, Option, Value)`: Value an integer or a binary, as the option takes.
#[rustler::nif]
fn setsockopt<'a>(
    env: Env<'a>,
    sock: ResourceArc<SockRes>,
    option: i32,
    value: Term<'a>,
) -> NifResult<Term<'a>> {
    let value = if let Ok(int) = value.decode::<i64>() {
        OptionValue::Int(int)
    } else if let Ok(bin) = value.decode::<Binary>() {
        OptionValue::from(bin.as_slice())
    } else {
        return Err(rustler::Error::BadArg);
    };
    let result =
        SocketOption::from_raw(option).and_then(|opt| sock.inner.socket.set_option(opt, value));
    sock.inner.touched();
    Ok(ok_or_error(env, result))
}

/// `getsockopt(Sock, Option) -> {ok, Integer | Binary} | {error, Reason}`.
#[rustler::nif]
fn getsockopt(env: Env<'_>, sock: ResourceArc<SockRes>, option: i32) -> Term<'_> {
    let result = SocketOption::from_raw(option).and_then(|opt| sock.inner.socket.get_option(opt));
    sock.inner.touched();
    match result {
        Ok(OptionValue::Int(v)) => ok_tuple(env, v),
        Ok(OptionValue::Bytes(b)) => {
            let mut bin = rustler::NewBinary::new(env, b.len());
            bin.as_mut_slice().copy_from_slice(&b);
            ok_tuple(env, Term::from(bin))
        }
        Err(e) => error_tuple(env, &e),
    }
}

/// `close(Sock, Linger)`: Linger in ms, or -2 for the socket's LINGER.
#[rustler::nif]
fn close(env: Env<'_>, sock: ResourceArc<SockRes>, linger: i64) -> Term<'_> {
    let inner: &Arc<SockInner> = &sock.inner;
    if inner.closed.swap(true, Ordering::SeqCst) {
        return error_tuple(env, &Error::from_kind(ErrorKind::NotSocket));
    }
    if linger == TIMEOUT_FROM_OPTION {
        inner.socket.close();
    } else {
        inner
            .socket
            .close_with_linger(linger.clamp(-1, i32::MAX as i64) as i32);
    }
    // Parked operations fail with ENOTSOCK, active delivery stops.
    if inner.watched.load(Ordering::SeqCst) {
        inner.reactor.recheck(inner.id);
    }
    atoms::ok().encode(env)
}

/// `term(Ctx, Ref) -> wait | {error, eterm}`: the core's `term` (wait for every socket of
/// the context to be closed, and LINGER) on a thread of its own; then `{Ref, ok}`.
#[rustler::nif]
fn term<'a>(env: Env<'a>, ctx: ResourceArc<CtxRes>, reference: Term<'a>) -> Term<'a> {
    if ctx.terminated.swap(true, Ordering::SeqCst) {
        return error_tuple(env, &Error::from_kind(ErrorKind::Term));
    }
    let Some(context) = ctx.context() else {
        return error_tuple(env, &Error::from_kind(ErrorKind::Term));
    };
    // Blocking calls and parked operations fail with ETERM from now on.
    context.shutdown();
    let mut reply_env = rustler::OwnedEnv::new();
    let saved = reply_env.save(reference);
    let pid = env.pid();
    let spawned = std::thread::Builder::new()
        .name("ferromq-term".into())
        .spawn(move || {
            // erlzmq2 closes the sockets still open ("all remaining sockets are
            // automatically closed by term"), each with its own LINGER.
            let done = catch_unwind(AssertUnwindSafe(|| context.destroy(None))).is_ok();
            let _ = reply_env.send_and_clear(&pid, |env| {
                let result = if done {
                    atoms::ok().encode(env)
                } else {
                    error_tuple(env, &Error::new(ErrorKind::Io, "internal error in term"))
                };
                (saved.load(env), result).encode(env)
            });
        });
    match spawned {
        Ok(_) => atoms::wait().encode(env),
        Err(e) => error_tuple(
            env,
            &Error::new(ErrorKind::Io, format!("cannot start the term thread: {e}")),
        ),
    }
}

/// `grant(Sock)`: the flow process lets an active socket deliver more.
#[rustler::nif]
fn grant(env: Env<'_>, sock: ResourceArc<SockRes>) -> Term<'_> {
    sock.inner.reactor.grant(sock.inner.id);
    atoms::ok().encode(env)
}

/// The socket's `{Index, Sock}` index (tests and diagnostics).
#[rustler::nif]
fn socket_index(sock: ResourceArc<SockRes>) -> u64 {
    sock.index
}

rustler::init!("ferromq_nif");
