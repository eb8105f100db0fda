//! The FerroMQ side of the benchmark suite: the same tools, arguments and `key=value`
//! output as the libzmq side (`bench/libzmq/perf.c`), doing the same work:
//!
//! - senders build one new message per send (an inline frame up to 30 bytes, as libzmq
//!   keeps up to 33 bytes inside its `zmq_msg_t`; otherwise a malloc'd, zero-filled
//!   buffer, as `zmq_msg_init_size` + `memset`);
//! - receivers drop each received frame (libzmq: one reused `zmq_msg_t`);
//! - HWM 1000 (libzmq's default) everywhere but PUB/SUB, where both use 0 (nothing drops);
//! - one I/O thread; throughput timed at the receiver from the first message to the last,
//!   latency per round trip at the requester (reported as half round trips);
//! - CURVE (RFC 26) when the orchestrator asks for it through the environment: with
//!   PERF_CURVE_SERVER_SECRET (Z85) every socket this process binds is a CURVE server with
//!   that secret key; with PERF_CURVE_SERVER_KEY (Z85) every socket it connects is a CURVE
//!   client of that server key, with a key pair of its own made at start. The orchestrator
//!   makes a fresh server key pair for each run; the handshake happens before the first
//!   message, so it is outside the timed part.
//!
//! `ferromq-perf <tool> <args...>`; run without arguments for the list of tools.

use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use ferromq::{flags, Context, ErrorKind, Frame, Socket, SocketOption, SocketType};

const HWM: i32 = 1000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(tool) = args.first() else { usage() };
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or_else(|| usage());
    let num = |i: usize| -> usize {
        arg(i)
            .parse()
            .unwrap_or_else(|_| fail(format!("not a number: {:?}", arg(i))))
    };
    let want = |n: usize| {
        if args.len() != n + 1 {
            usage()
        }
    };
    if tool == "version" {
        println!("ferromq {}", env!("CARGO_PKG_VERSION"));
        return;
    }
    curve_init();
    let ctx = Context::new();
    match tool.as_str() {
        "pull_thr" => {
            want(3);
            pull_thr(&ctx, arg(1), num(2), num(3))
        }
        "push_thr" => {
            want(3);
            push_thr(&ctx, arg(1), num(2), num(3))
        }
        "rep_lat" => {
            want(3);
            rep_lat(&ctx, arg(1), num(2), num(3))
        }
        "req_lat" => {
            want(3);
            req_lat(&ctx, arg(1), num(2), num(3))
        }
        "inproc_thr" => {
            want(2);
            inproc_thr(&ctx, num(1), num(2))
        }
        "inproc_lat" => {
            want(2);
            inproc_lat(&ctx, num(1), num(2))
        }
        "pub_thr" => {
            want(5);
            pub_thr(&ctx, arg(1), arg(2), num(3), num(4), num(5))
        }
        "sub_thr" => {
            want(5);
            sub_thr(&ctx, arg(1), arg(2), num(3), num(4), num(5))
        }
        "router_thr" => {
            want(3);
            router_thr(&ctx, arg(1), num(2), num(3))
        }
        "dealer_thr" => {
            want(4);
            dealer_thr(&ctx, arg(1), num(2), num(3), num(4))
        }
        "slow_push" => {
            want(3);
            slow_push(&ctx, arg(1), num(2), secs(arg(3)))
        }
        "slow_pull" => {
            want(3);
            slow_pull(&ctx, arg(1), num(2), secs(arg(3)))
        }
        _ => usage(),
    }
    // Dropping the context waits for queued messages to be sent (LINGER -1), as
    // zmq_ctx_term does.
}

fn usage() -> ! {
    eprintln!(
        "usage: ferromq-perf version
       ferromq-perf pull_thr|push_thr <endpoint> <size> <count>
       ferromq-perf rep_lat|req_lat <endpoint> <size> <count>
       ferromq-perf inproc_thr|inproc_lat <size> <count>
       ferromq-perf pub_thr|sub_thr <endpoint> <sync-endpoint> <size> <count> <subscribers>
       ferromq-perf router_thr <endpoint> <size> <count>
       ferromq-perf dealer_thr <endpoint> <size> <count> <peers>
       ferromq-perf slow_push <endpoint> <size> <seconds>
       ferromq-perf slow_pull <endpoint> <msgs-per-second> <seconds>
env: PERF_CURVE_SERVER_SECRET=<z85> (bind as CURVE server), PERF_CURVE_SERVER_KEY=<z85>
     (connect as CURVE client), PERF_HOLD=1 (senders keep the connection until stdin closes)"
    );
    std::process::exit(2)
}

fn fail(e: impl std::fmt::Display) -> ! {
    eprintln!("ferromq-perf: {e}");
    std::process::exit(1)
}

fn secs(s: &str) -> f64 {
    s.parse()
        .unwrap_or_else(|_| fail(format!("not a number: {s:?}")))
}

trait OrFail<T> {
    fn or_fail(self, what: &str) -> T;
}

impl<T> OrFail<T> for ferromq::Result<T> {
    fn or_fail(self, what: &str) -> T {
        self.unwrap_or_else(|e| fail(format!("{what}: {e}")))
    }
}

fn socket(ctx: &Context, socket_type: SocketType) -> Socket {
    ctx.socket(socket_type).or_fail("socket")
}

fn set(s: &Socket, option: SocketOption, value: i32) {
    s.set_option(option, value).or_fail("set_option");
}

// ----- CURVE (see the module comment) -----

/// This process's CURVE roles, from the environment.
#[derive(Default)]
struct Curve {
    /// Bind side: the server's secret key.
    server_secret: Option<String>,
    /// Connect side: the server's public key, and this client's own (public, secret) pair.
    client: Option<(String, String, String)>,
}

static CURVE: OnceLock<Curve> = OnceLock::new();

fn curve_init() {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let curve = Curve {
        server_secret: var("PERF_CURVE_SERVER_SECRET"),
        client: var("PERF_CURVE_SERVER_KEY").map(|server| {
            let (public, secret) = ferromq::curve_keys::curve_keypair();
            (server, public, secret.to_string())
        }),
    };
    let _ = CURVE.set(curve);
}

fn curve() -> &'static Curve {
    CURVE.get_or_init(Curve::default)
}

/// Fails unless the socket will speak CURVE (a key the library ignored would silently
/// measure NULL).
fn expect_curve(s: &Socket) {
    const ZMQ_CURVE: i64 = 2;
    let mechanism = s
        .get_option(SocketOption::Mechanism)
        .or_fail("get_option MECHANISM")
        .as_int(SocketOption::Mechanism)
        .or_fail("MECHANISM");
    if mechanism != ZMQ_CURVE {
        fail("CURVE options set, but MECHANISM is not CURVE");
    }
}

/// `bind`, as a CURVE server when asked for.
fn bind(s: &Socket, ep: &str, what: &str) {
    if let Some(secret) = &curve().server_secret {
        set(s, SocketOption::CurveServer, 1);
        s.set_option(SocketOption::CurveSecretKey, secret.as_str())
            .or_fail("set_option CURVE_SECRETKEY");
        expect_curve(s);
    }
    s.bind(ep).or_fail(what);
}

/// `connect`, as a CURVE client when asked for.
fn connect(s: &Socket, ep: &str, what: &str) {
    if let Some((server, public, secret)) = &curve().client {
        for (option, key) in [
            (SocketOption::CurveServerKey, server),
            (SocketOption::CurvePublicKey, public),
            (SocketOption::CurveSecretKey, secret),
        ] {
            s.set_option(option, key.as_str())
                .or_fail("set_option (CURVE key)");
        }
        expect_curve(s);
    }
    s.connect(ep).or_fail(what);
}

/// One new message of `size` zero bytes (see the module comment).
fn new_frame(size: usize) -> Frame {
    if size <= Frame::INLINE_CAPACITY {
        Frame::copy_from_slice(&[0u8; Frame::INLINE_CAPACITY][..size])
    } else {
        // malloc + memset, as zmq_msg_init_size + memset (vec![0; n] would be calloc, which
        // for large sizes maps zero pages without writing them).
        #[allow(clippy::slow_vector_initialization)]
        let mut buf = Vec::with_capacity(size);
        buf.resize(size, 0u8);
        Frame::from(buf)
    }
}

fn print_thr(msgs: usize, elapsed: Duration, size: usize) {
    let elapsed_us = (elapsed.as_secs_f64() * 1e6).max(1.0);
    let rate = msgs as f64 / elapsed_us * 1e6;
    println!(
        "msgs={msgs} elapsed_us={elapsed_us:.0} msg_per_s={rate:.0} mb_per_s={:.3}",
        rate * size as f64 / 1e6
    );
}

fn check_size(len: usize, size: usize) {
    if len != size {
        fail(format!("message of incorrect size received: {len}"));
    }
}

// ----- PUSH/PULL throughput -----

fn pull_loop(s: &Socket, size: usize, count: usize) {
    check_size(s.recv(0).or_fail("recv").len(), size);
    let start = Instant::now();
    for _ in 1..count {
        check_size(s.recv(0).or_fail("recv").len(), size);
    }
    print_thr(count - 1, start.elapsed(), size);
}

fn push_loop(s: &Socket, size: usize, count: usize) {
    for _ in 0..count {
        s.send(new_frame(size), 0).or_fail("send");
    }
}

/// With PERF_HOLD=1 a sender keeps its connection until stdin closes (the orchestrator closes
/// it when the receiver is done), as the libzmq side must (see `hold` in perf.c).
fn hold() {
    if std::env::var("PERF_HOLD").is_ok_and(|v| v == "1") {
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
    }
}

fn pull_thr(ctx: &Context, ep: &str, size: usize, count: usize) {
    let s = socket(ctx, SocketType::Pull);
    set(&s, SocketOption::RcvHwm, HWM);
    bind(&s, ep, "bind");
    pull_loop(&s, size, count);
}

fn push_thr(ctx: &Context, ep: &str, size: usize, count: usize) {
    let s = socket(ctx, SocketType::Push);
    set(&s, SocketOption::SndHwm, HWM);
    connect(&s, ep, "connect");
    push_loop(&s, size, count);
    hold();
}

/// Both ends in this process: PULL here, PUSH in a thread (libzmq's inproc_thr).
fn inproc_thr(ctx: &Context, size: usize, count: usize) {
    let ep = "inproc://thr";
    let s = socket(ctx, SocketType::Pull);
    set(&s, SocketOption::RcvHwm, HWM);
    bind(&s, ep, "bind");
    let worker_ctx = ctx.clone();
    let worker = thread::spawn(move || {
        let s = socket(&worker_ctx, SocketType::Push);
        set(&s, SocketOption::SndHwm, HWM);
        connect(&s, ep, "connect");
        push_loop(&s, size, count);
    });
    pull_loop(&s, size, count);
    worker.join().expect("sender thread");
}

// ----- REQ/REP latency -----

fn rep_loop(s: &Socket, size: usize, count: usize) {
    for _ in 0..count {
        let frame = s.recv(0).or_fail("recv");
        check_size(frame.len(), size);
        s.send(frame, 0).or_fail("send");
    }
}

/// Sends back the reply it got each time; times every round trip.
fn req_loop(s: &Socket, size: usize, count: usize) {
    let mut rtt_us = Vec::with_capacity(count);
    let mut frame = new_frame(size);
    let start = Instant::now();
    for _ in 0..count {
        let t0 = Instant::now();
        s.send(frame, 0).or_fail("send");
        frame = s.recv(0).or_fail("recv");
        rtt_us.push(t0.elapsed().as_secs_f64() * 1e6);
        check_size(frame.len(), size);
    }
    let elapsed_us = start.elapsed().as_secs_f64() * 1e6;
    rtt_us.sort_by(f64::total_cmp);
    let p99 = ((count as f64 * 0.99) as usize).min(count - 1);
    println!(
        "roundtrips={count} elapsed_us={elapsed_us:.0} lat_mean_us={:.3} lat_p50_us={:.3} lat_p99_us={:.3}",
        elapsed_us / (count as f64 * 2.0),
        rtt_us[count / 2] / 2.0,
        rtt_us[p99] / 2.0
    );
}

fn rep_lat(ctx: &Context, ep: &str, size: usize, count: usize) {
    let s = socket(ctx, SocketType::Rep);
    set(&s, SocketOption::SndHwm, HWM);
    set(&s, SocketOption::RcvHwm, HWM);
    bind(&s, ep, "bind");
    rep_loop(&s, size, count);
}

fn req_lat(ctx: &Context, ep: &str, size: usize, count: usize) {
    let s = socket(ctx, SocketType::Req);
    set(&s, SocketOption::SndHwm, HWM);
    set(&s, SocketOption::RcvHwm, HWM);
    connect(&s, ep, "connect");
    req_loop(&s, size, count);
}

/// Both ends in this process: REQ here, REP in a thread (libzmq's inproc_lat).
fn inproc_lat(ctx: &Context, size: usize, count: usize) {
    let ep = "inproc://lat";
    let s = socket(ctx, SocketType::Req);
    set(&s, SocketOption::SndHwm, HWM);
    set(&s, SocketOption::RcvHwm, HWM);
    bind(&s, ep, "bind");
    let worker_ctx = ctx.clone();
    let worker = thread::spawn(move || {
        let s = socket(&worker_ctx, SocketType::Rep);
        set(&s, SocketOption::SndHwm, HWM);
        set(&s, SocketOption::RcvHwm, HWM);
        connect(&s, ep, "connect");
        rep_loop(&s, size, count);
    });
    req_loop(&s, size, count);
    worker.join().expect("replier thread");
}

// ----- PUB/SUB throughput, N subscribers (protocol described in perf.c) -----

fn pub_thr(ctx: &Context, ep: &str, sync_ep: &str, size: usize, count: usize, subs: usize) {
    let publisher = socket(ctx, SocketType::Pub);
    set(&publisher, SocketOption::SndHwm, 0);
    bind(&publisher, ep, "bind");
    let sync = socket(ctx, SocketType::Pull);
    bind(&sync, sync_ep, "bind sync");
    let mut ready = 0;
    while ready < subs {
        publisher.send(new_frame(1), 0).or_fail("send probe");
        while sync.recv(flags::DONTWAIT).is_ok() {
            ready += 1;
        }
        if ready < subs {
            thread::sleep(Duration::from_millis(1));
        }
    }
    push_loop(&publisher, size, count);
    sync.recv(0).or_fail("recv done");
}

fn sub_thr(ctx: &Context, ep: &str, sync_ep: &str, size: usize, count: usize, subs: usize) {
    let workers: Vec<_> = (0..subs)
        .map(|_| {
            let (ctx, ep, sync_ep) = (ctx.clone(), ep.to_string(), sync_ep.to_string());
            thread::spawn(move || {
                let sub = socket(&ctx, SocketType::Sub);
                set(&sub, SocketOption::RcvHwm, 0);
                sub.subscribe("").or_fail("subscribe");
                connect(&sub, &ep, "connect");
                let sync = socket(&ctx, SocketType::Push);
                connect(&sync, &sync_ep, "connect sync");
                let mut ready = false;
                let mut got = 0;
                let mut first = None;
                while got < count {
                    let frame = sub.recv(0).or_fail("recv");
                    if frame.len() == 1 {
                        if !ready {
                            sync.send("ready", 0).or_fail("send ready");
                        }
                        ready = true;
                        continue;
                    }
                    check_size(frame.len(), size);
                    if got == 0 {
                        first = Some(Instant::now());
                    }
                    got += 1;
                }
                (first.expect("a first message"), Instant::now())
            })
        })
        .collect();
    let times: Vec<_> = workers
        .into_iter()
        .map(|w| w.join().expect("subscriber thread"))
        .collect();
    let first = times.iter().map(|t| t.0).min().expect("a subscriber");
    let last = times.iter().map(|t| t.1).max().expect("a subscriber");
    print_thr(count * subs, last - first, size);
    let sync = socket(ctx, SocketType::Push);
    connect(&sync, sync_ep, "connect sync");
    sync.send("done", 0).or_fail("send done");
}

// ----- ROUTER/DEALER throughput, N peers -----

fn router_thr(ctx: &Context, ep: &str, size: usize, count: usize) {
    let s = socket(ctx, SocketType::Router);
    set(&s, SocketOption::RcvHwm, HWM);
    set(&s, SocketOption::SndHwm, HWM);
    bind(&s, ep, "bind");
    let mut start = Instant::now();
    for i in 0..count {
        let msg = s.recv_msg(0).or_fail("recv");
        if msg.len() != 2 {
            fail(format!(
                "expected routing id + payload, got {} frames",
                msg.len()
            ));
        }
        check_size(msg.frames()[1].len(), size);
        if i == 0 {
            start = Instant::now();
        }
    }
    print_thr(count - 1, start.elapsed(), size);
}

fn dealer_thr(ctx: &Context, ep: &str, size: usize, count: usize, peers: usize) {
    let workers: Vec<_> = (0..peers)
        .map(|_| {
            let (ctx, ep) = (ctx.clone(), ep.to_string());
            thread::spawn(move || {
                let s = socket(&ctx, SocketType::Dealer);
                set(&s, SocketOption::SndHwm, HWM);
                set(&s, SocketOption::RcvHwm, HWM);
                connect(&s, &ep, "connect");
                push_loop(&s, size, count / peers);
                s
            })
        })
        .collect();
    let sockets: Vec<Socket> = workers
        .into_iter()
        .map(|w| w.join().expect("dealer thread"))
        .collect();
    hold();
    drop(sockets);
}

// ----- Slow consumer -----

fn slow_push(ctx: &Context, ep: &str, size: usize, seconds: f64) {
    let s = socket(ctx, SocketType::Push);
    set(&s, SocketOption::SndHwm, HWM);
    set(&s, SocketOption::SndTimeo, 100);
    set(&s, SocketOption::Linger, 0);
    connect(&s, ep, "connect");
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    let mut sent = 0u64;
    while Instant::now() < end {
        match s.send(new_frame(size), 0) {
            Ok(()) => sent += 1,
            Err(e) if e.kind() == ErrorKind::Again => {}
            Err(e) => fail(format!("send: {e}")),
        }
    }
    println!("sent={sent}");
}

fn slow_pull(ctx: &Context, ep: &str, rate: usize, seconds: f64) {
    let s = socket(ctx, SocketType::Pull);
    set(&s, SocketOption::RcvHwm, HWM);
    set(&s, SocketOption::RcvTimeo, 100);
    set(&s, SocketOption::Linger, 0);
    bind(&s, ep, "bind");
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(seconds);
    let mut got = 0usize;
    while Instant::now() < end {
        let due = start + Duration::from_secs_f64(got as f64 / rate as f64);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            thread::sleep(wait);
        }
        match s.recv(0) {
            Ok(_) => got += 1,
            Err(e) if e.kind() == ErrorKind::Again => {}
            Err(e) => fail(format!("recv: {e}")),
        }
    }
    println!("received={got}");
}
