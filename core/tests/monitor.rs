//! Socket monitor events, compared with libzmq's: the same sequence of binds, connects and
//! disconnects is played against a FerroMQ socket and a libzmq socket (the `zmq` crate), and
//! both must report the same event types in the same order. Values are compared where they
//! are deterministic (errnos, protocol error codes); fds and retry delays are not, and the
//! number of failed reconnect attempts while a peer is down depends on timing, so those
//! attempts are left out before comparing.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use ferromq::monitor::*;
use ferromq::{Context, ErrorKind, Message, MonitorEvent, SocketOption, SocketType};

// ----- the two implementations behind one interface -----

#[derive(Clone, Copy)]
enum Kind {
    Push,
    Pull,
    Stream,
}

/// A monitored socket and the PAIR socket its events arrive on.
trait Subject {
    fn open(kind: Kind, mask: i32) -> Self;
    /// Binds; the endpoint as LAST_ENDPOINT reports it, or the errno.
    fn bind(&self, endpoint: &str) -> Result<String, i32>;
    fn connect(&self, endpoint: &str);
    fn send(&self, data: &[u8]);
    fn recv(&self) -> Vec<u8>;
    fn close(&mut self);
    fn stop_monitor(&mut self);
    fn next_event(&self, timeout: Duration) -> Option<MonitorEvent>;
}

fn monitor_name() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("inproc://monitor-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

struct Ferro {
    _ctx: Context,
    socket: Option<ferromq::Socket>,
    monitor: ferromq::Socket,
}

impl Subject for Ferro {
    fn open(kind: Kind, mask: i32) -> Ferro {
        let ctx = Context::new();
        let socket_type = match kind {
            Kind::Push => SocketType::Push,
            Kind::Pull => SocketType::Pull,
            Kind::Stream => SocketType::Stream,
        };
        let socket = ferro(&ctx, socket_type);
        let name = monitor_name();
        socket.monitor(&name, mask).unwrap();
        let monitor = ferro(&ctx, SocketType::Pair);
        monitor.connect(&name).unwrap();
        Ferro {
            _ctx: ctx,
            socket: Some(socket),
            monitor,
        }
    }

    fn bind(&self, endpoint: &str) -> Result<String, i32> {
        let socket = self.socket.as_ref().unwrap();
        socket.bind(endpoint).map_err(|e| e.errno())?;
        Ok(socket.last_endpoint().unwrap())
    }

    fn connect(&self, endpoint: &str) {
        self.socket.as_ref().unwrap().connect(endpoint).unwrap();
    }

    fn send(&self, data: &[u8]) {
        self.socket.as_ref().unwrap().send(data, 0).unwrap();
    }

    fn recv(&self) -> Vec<u8> {
        self.socket.as_ref().unwrap().recv(0).unwrap().to_vec()
    }

    fn close(&mut self) {
        self.socket.take();
    }

    fn stop_monitor(&mut self) {
        self.socket.as_ref().unwrap().stop_monitor().unwrap();
    }

    fn next_event(&self, timeout: Duration) -> Option<MonitorEvent> {
        self.monitor
            .set_option(SocketOption::RcvTimeo, timeout.as_millis() as i32)
            .unwrap();
        match self.monitor.recv_msg(0) {
            Ok(msg) => Some(MonitorEvent::parse(&msg).unwrap()),
            Err(e) if e.kind() == ErrorKind::Again => None,
            Err(e) => panic!("monitor recv: {e}"),
        }
    }
}

struct Libzmq {
    socket: Option<zmq::Socket>,
    monitor: zmq::Socket,
    _ctx: zmq::Context,
}

extern "C" {
    /// libzmq's own, for `zmq_socket_monitor(s, NULL, 0)`, which the `zmq` crate cannot pass.
    fn zmq_socket_monitor(
        socket: *mut std::ffi::c_void,
        endpoint: *const std::ffi::c_char,
        events: std::ffi::c_int,
    ) -> std::ffi::c_int;
}

impl Subject for Libzmq {
    fn open(kind: Kind, mask: i32) -> Libzmq {
        let ctx = zmq::Context::new();
        let socket_type = match kind {
            Kind::Push => zmq::PUSH,
            Kind::Pull => zmq::PULL,
            Kind::Stream => zmq::STREAM,
        };
        let socket = libzmq(&ctx, socket_type);
        let name = monitor_name();
        socket.monitor(&name, mask).unwrap();
        let monitor = libzmq(&ctx, zmq::PAIR);
        monitor.connect(&name).unwrap();
        Libzmq {
            socket: Some(socket),
            monitor,
            _ctx: ctx,
        }
    }

    fn bind(&self, endpoint: &str) -> Result<String, i32> {
        let socket = self.socket.as_ref().unwrap();
        socket.bind(endpoint).map_err(|e| e.to_raw())?;
        Ok(socket.get_last_endpoint().unwrap().unwrap())
    }

    fn connect(&self, endpoint: &str) {
        self.socket.as_ref().unwrap().connect(endpoint).unwrap();
    }

    fn send(&self, data: &[u8]) {
        self.socket.as_ref().unwrap().send(data, 0).unwrap();
    }

    fn recv(&self) -> Vec<u8> {
        self.socket.as_ref().unwrap().recv_bytes(0).unwrap()
    }

    fn close(&mut self) {
        self.socket.take();
    }

    fn stop_monitor(&mut self) {
        let socket = self.socket.as_mut().unwrap();
        // SAFETY: a live libzmq socket; a NULL endpoint stops its monitor.
        let rc = unsafe { zmq_socket_monitor(socket.as_mut_ptr(), std::ptr::null(), 0) };
        assert_eq!(rc, 0);
    }

    fn next_event(&self, timeout: Duration) -> Option<MonitorEvent> {
        self.monitor
            .set_rcvtimeo(timeout.as_millis() as i32)
            .unwrap();
        match self.monitor.recv_multipart(0) {
            Ok(frames) => Some(MonitorEvent::parse(&Message::from_frames(frames)).unwrap()),
            Err(zmq::Error::EAGAIN) => None,
            Err(e) => panic!("monitor recv: {e}"),
        }
    }
}

/// A subject and the events received from it so far.
struct Watched<S: Subject> {
    s: S,
    log: Vec<MonitorEvent>,
}

impl<S: Subject> Watched<S> {
    fn open(kind: Kind, mask: i32) -> Self {
        Watched {
            s: S::open(kind, mask),
            log: Vec::new(),
        }
    }

    fn count(&self, event: i32) -> usize {
        self.log.iter().filter(|e| e.event == event).count()
    }

    /// Receives events until `event` has been seen `n` times in all.
    fn wait_until(&mut self, event: i32, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.count(event) < n {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.s.next_event(left.max(Duration::from_millis(1))) {
                Some(e) => self.log.push(e),
                None => panic!(
                    "timed out waiting for {} #{n}; events so far: {}",
                    event_name(event).unwrap(),
                    describe(&self.log)
                ),
            }
        }
    }

    fn wait_for(&mut self, event: i32) {
        let n = self.count(event).max(1);
        self.wait_until(event, n);
    }

    /// Receives events until none comes for `quiet`.
    fn drain(&mut self, quiet: Duration) {
        while let Some(e) = self.s.next_event(quiet) {
            self.log.push(e);
        }
    }
}

fn describe(events: &[MonitorEvent]) -> String {
    let names: Vec<String> = events
        .iter()
        .map(|e| format!("{}({:#x}, {:?})", e.name(), e.value, e.endpoint))
        .collect();
    format!("[{}]", names.join(", "))
}

fn ids(events: &[MonitorEvent]) -> Vec<&'static str> {
    events.iter().map(|e| e.name()).collect()
}

/// Leaves out failed reconnect attempts ([CONNECT_DELAYED,] CLOSED, CONNECT_RETRIED), whose
/// number depends on how long the peer was away.
fn without_failed_attempts(events: &[MonitorEvent]) -> Vec<MonitorEvent> {
    let mut out: Vec<MonitorEvent> = Vec::new();
    let mut i = 0;
    while i < events.len() {
        let failed_attempt = events[i].event == EVENT_CLOSED
            && events.get(i + 1).map(|e| e.event) == Some(EVENT_CONNECT_RETRIED);
        if failed_attempt {
            if out.last().map(|e| e.event) == Some(EVENT_CONNECT_DELAYED) {
                out.pop();
            }
            i += 2;
        } else {
            out.push(events[i].clone());
            i += 1;
        }
    }
    out
}

/// Runs `scenario` on both implementations and checks they report the same event types in
/// the same order; returns both logs for further checks.
fn compare(
    what: &str,
    ferro: Vec<MonitorEvent>,
    libzmq: Vec<MonitorEvent>,
) -> (Vec<MonitorEvent>, Vec<MonitorEvent>) {
    assert_eq!(
        ids(&ferro),
        ids(&libzmq),
        "{what}: FerroMQ reported {}, libzmq {}",
        describe(&ferro),
        describe(&libzmq)
    );
    (ferro, libzmq)
}

#[derive(Clone, Copy)]
enum Transport {
    Tcp,
    Ipc,
}

fn bind_endpoint(transport: Transport) -> String {
    match transport {
        Transport::Tcp => "tcp://127.0.0.1:*".to_string(),
        Transport::Ipc => {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let path = std::env::temp_dir().join(format!(
                "ferromq-monitor-{}-{}.sock",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            format!("ipc://{}", path.display())
        }
    }
}

/// A libzmq peer in a context of its own, so dropping it really closes its connections and
/// listeners (the context's termination waits for them).
struct Peer {
    socket: Option<zmq::Socket>,
    _ctx: zmq::Context,
}

impl Peer {
    fn new(socket_type: zmq::SocketType) -> Peer {
        let ctx = zmq::Context::new();
        Peer {
            socket: Some(libzmq(&ctx, socket_type)),
            _ctx: ctx,
        }
    }

    fn socket(&self) -> &zmq::Socket {
        self.socket.as_ref().unwrap()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.socket.take();
    }
}

// ----- scenarios -----

/// Bind, a peer connects and sends, the peer goes away, the socket closes.
fn bind_accept_disconnect<S: Subject>(transport: Transport) -> Vec<MonitorEvent> {
    let mut w = Watched::<S>::open(Kind::Pull, EVENT_ALL);
    let endpoint = w.s.bind(&bind_endpoint(transport)).unwrap();
    {
        let peer = Peer::new(zmq::PUSH);
        peer.socket().connect(&endpoint).unwrap();
        peer.socket().send("hello", 0).unwrap();
        assert_eq!(w.s.recv(), b"hello");
        w.wait_for(EVENT_HANDSHAKE_SUCCEEDED);
    }
    w.wait_for(EVENT_DISCONNECTED);
    w.s.close();
    w.wait_for(EVENT_MONITOR_STOPPED);
    w.log
}

/// Connect and handshake; the peer dies and comes back at the same address.
fn connect_and_peer_restart<S: Subject>(transport: Transport) -> Vec<MonitorEvent> {
    let peer = Peer::new(zmq::PULL);
    peer.socket().bind(&bind_endpoint(transport)).unwrap();
    let endpoint = peer.socket().get_last_endpoint().unwrap().unwrap();

    let mut w = Watched::<S>::open(Kind::Push, EVENT_ALL);
    w.s.connect(&endpoint);
    w.s.send(b"before");
    assert_eq!(peer.socket().recv_bytes(0).unwrap(), b"before");
    w.wait_for(EVENT_HANDSHAKE_SUCCEEDED);

    drop(peer);
    w.wait_for(EVENT_DISCONNECTED);
    w.wait_for(EVENT_CONNECT_RETRIED);
    // A few attempts fail while the peer is away.
    std::thread::sleep(Duration::from_millis(300));

    let peer = Peer::new(zmq::PULL);
    peer.socket().bind(&endpoint).unwrap();
    w.s.send(b"after");
    assert_eq!(peer.socket().recv_bytes(0).unwrap(), b"after");
    w.wait_until(EVENT_HANDSHAKE_SUCCEEDED, 2);
    w.s.close();
    w.wait_for(EVENT_MONITOR_STOPPED);
    drop(peer);
    w.log
}

/// A TCP address in use, then an ipc path in a directory that does not exist.
fn bind_failures<S: Subject>() -> (Vec<MonitorEvent>, Vec<i32>) {
    let blocker = Peer::new(zmq::PULL);
    blocker.socket().bind("tcp://127.0.0.1:*").unwrap();
    let taken = blocker.socket().get_last_endpoint().unwrap().unwrap();

    let mut w = Watched::<S>::open(Kind::Pull, EVENT_ALL);
    let errors = vec![
        w.s.bind(&taken).unwrap_err(),
        w.s.bind("ipc:///nonexistent-ferromq-dir/socket")
            .unwrap_err(),
    ];
    w.s.close();
    w.wait_for(EVENT_MONITOR_STOPPED);
    (w.log, errors)
}

fn greeting(mechanism: &[u8]) -> Vec<u8> {
    let mut g = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F, 3, 1];
    let mut name = mechanism.to_vec();
    name.resize(20, 0);
    g.extend_from_slice(&name);
    g.extend_from_slice(&[0; 32]);
    g
}

fn command(body: &[u8]) -> Vec<u8> {
    let mut frame = vec![0x04, body.len() as u8];
    frame.extend_from_slice(body);
    frame
}

fn ready(socket_type: &str) -> Vec<u8> {
    let mut body = b"\x05READY\x0bSocket-Type".to_vec();
    body.extend_from_slice(&(socket_type.len() as u32).to_be_bytes());
    body.extend_from_slice(socket_type.as_bytes());
    command(&body)
}

/// What garbage peers send, each on its own connection.
fn garbage_peers() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("HTTP instead of ZMTP", b"GET / HTTP/1.0\r\n\r\n".to_vec()),
        ("nothing at all", Vec::new()),
        ("PLAIN greeting to a NULL socket", greeting(b"PLAIN")),
        (
            "HELLO in a NULL handshake",
            [greeting(b"NULL"), command(b"\x05HELLO")].concat(),
        ),
        (
            "READY from an incompatible socket type",
            [greeting(b"NULL"), ready("PUB")].concat(),
        ),
        (
            "ERROR with a ZAP status code",
            [greeting(b"NULL"), command(b"\x05ERROR\x03400")].concat(),
        ),
    ]
}

fn garbage<S: Subject>() -> Vec<MonitorEvent> {
    let mut w = Watched::<S>::open(Kind::Pull, EVENT_ALL);
    let endpoint = w.s.bind("tcp://127.0.0.1:*").unwrap();
    let address = endpoint.trim_start_matches("tcp://").to_string();
    for (i, (_, bytes)) in garbage_peers().into_iter().enumerate() {
        let mut stream = TcpStream::connect(&address).unwrap();
        let _ = stream.write_all(&bytes);
        std::thread::sleep(Duration::from_millis(50));
        drop(stream);
        w.wait_until(EVENT_DISCONNECTED, i + 1);
    }
    w.s.close();
    w.wait_for(EVENT_MONITOR_STOPPED);
    w.log
}

/// Only ACCEPTED and DISCONNECTED selected.
fn masked<S: Subject>() -> Vec<MonitorEvent> {
    let mut w = Watched::<S>::open(Kind::Pull, EVENT_ACCEPTED | EVENT_DISCONNECTED);
    let endpoint = w.s.bind("tcp://127.0.0.1:*").unwrap();
    {
        let peer = Peer::new(zmq::PUSH);
        peer.socket().connect(&endpoint).unwrap();
        peer.socket().send("x", 0).unwrap();
        assert_eq!(w.s.recv(), b"x");
    }
    w.wait_for(EVENT_DISCONNECTED);
    w.s.close();
    w.drain(Duration::from_millis(300));
    w.log
}

/// Monitoring stopped while the socket lives: MONITOR_STOPPED, then nothing more.
fn stopped<S: Subject>() -> Vec<MonitorEvent> {
    let mut w = Watched::<S>::open(Kind::Pull, EVENT_ALL);
    w.s.bind("tcp://127.0.0.1:*").unwrap();
    w.wait_for(EVENT_LISTENING);
    w.s.stop_monitor();
    w.wait_for(EVENT_MONITOR_STOPPED);
    w.s.bind("tcp://127.0.0.1:*").unwrap();
    w.s.close();
    w.drain(Duration::from_millis(300));
    w.log
}

/// A STREAM server: a raw TCP client connects, sends, and closes.
fn stream_server<S: Subject>() -> Vec<MonitorEvent> {
    let mut w = Watched::<S>::open(Kind::Stream, EVENT_ALL);
    let endpoint = w.s.bind("tcp://127.0.0.1:*").unwrap();
    let mut client = TcpStream::connect(endpoint.trim_start_matches("tcp://")).unwrap();
    client.write_all(b"raw").unwrap();
    w.wait_for(EVENT_ACCEPTED);
    std::thread::sleep(Duration::from_millis(50));
    drop(client);
    w.wait_for(EVENT_DISCONNECTED);
    w.s.close();
    w.wait_for(EVENT_MONITOR_STOPPED);
    w.log
}

// ----- tests -----

#[test]
fn bind_accept_disconnect_matches_libzmq() {
    let (ferro, _) = compare(
        "bind, accept, peer disconnects, close",
        bind_accept_disconnect::<Ferro>(Transport::Tcp),
        bind_accept_disconnect::<Libzmq>(Transport::Tcp),
    );
    assert_eq!(
        ids(&ferro),
        [
            "LISTENING",
            "ACCEPTED",
            "HANDSHAKE_SUCCEEDED",
            "DISCONNECTED",
            "CLOSED",
            "MONITOR_STOPPED"
        ]
    );
    // The listener's fd in LISTENING and CLOSED, the connection's in ACCEPTED and
    // DISCONNECTED; every event but the last names the endpoint.
    assert_eq!(ferro[0].value, ferro[4].value);
    assert_eq!(ferro[1].value, ferro[3].value);
    assert_ne!(ferro[0].value, ferro[1].value);
    assert!(ferro[..5]
        .iter()
        .all(|e| e.endpoint.starts_with("tcp://127.0.0.1:")));
    assert_eq!(ferro[5].endpoint, "");
}

#[test]
fn bind_accept_disconnect_over_ipc_matches_libzmq() {
    let (ferro, _) = compare(
        "ipc: bind, accept, peer disconnects, close",
        bind_accept_disconnect::<Ferro>(Transport::Ipc),
        bind_accept_disconnect::<Libzmq>(Transport::Ipc),
    );
    assert!(ferro[..5].iter().all(|e| e.endpoint.starts_with("ipc://")));
}

#[test]
fn connect_and_peer_restart_matches_libzmq() {
    let ferro = connect_and_peer_restart::<Ferro>(Transport::Tcp);
    let libzmq = connect_and_peer_restart::<Libzmq>(Transport::Tcp);
    let (ferro, _) = compare(
        "connect, handshake, peer restarts",
        without_failed_attempts(&ferro),
        without_failed_attempts(&libzmq),
    );
    assert_eq!(
        ids(&ferro),
        [
            "CONNECT_DELAYED",
            "CONNECTED",
            "HANDSHAKE_SUCCEEDED",
            "DISCONNECTED",
            "CONNECT_RETRIED",
            "CONNECT_DELAYED",
            "CONNECTED",
            "HANDSHAKE_SUCCEEDED",
            "MONITOR_STOPPED"
        ]
    );
    assert_eq!(ferro[0].value, libc_einprogress());
    // RECONNECT_IVL (100) plus up to one interval of random jitter, as libzmq reports it.
    assert!(
        (100..200).contains(&ferro[4].value),
        "the first retry comes after RECONNECT_IVL plus jitter, not {}",
        ferro[4].value
    );
}

#[test]
fn connect_and_peer_restart_over_ipc_matches_libzmq() {
    let ferro = connect_and_peer_restart::<Ferro>(Transport::Ipc);
    let libzmq = connect_and_peer_restart::<Libzmq>(Transport::Ipc);
    let (ferro, _) = compare(
        "ipc: connect, handshake, peer restarts",
        without_failed_attempts(&ferro),
        without_failed_attempts(&libzmq),
    );
    // ipc connects at once: no CONNECT_DELAYED.
    assert_eq!(
        ids(&ferro),
        [
            "CONNECTED",
            "HANDSHAKE_SUCCEEDED",
            "DISCONNECTED",
            "CONNECT_RETRIED",
            "CONNECTED",
            "HANDSHAKE_SUCCEEDED",
            "MONITOR_STOPPED"
        ]
    );
}

#[test]
fn failed_reconnect_attempts_look_like_libzmq_ones() {
    // While nobody listens, each attempt is CONNECT_DELAYED, CLOSED, CONNECT_RETRIED.
    let mut w = Watched::<Ferro>::open(Kind::Push, EVENT_ALL);
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    w.s.connect(&format!("tcp://127.0.0.1:{port}"));
    w.wait_until(EVENT_CONNECT_RETRIED, 2);
    assert_eq!(
        ids(&w.log[..6]),
        [
            "CONNECT_DELAYED",
            "CLOSED",
            "CONNECT_RETRIED",
            "CONNECT_DELAYED",
            "CLOSED",
            "CONNECT_RETRIED"
        ],
        "{}",
        describe(&w.log)
    );
    assert!(without_failed_attempts(&w.log).is_empty());
}

#[test]
fn bind_failures_match_libzmq() {
    let (ferro, ferro_errors) = bind_failures::<Ferro>();
    let (libzmq, libzmq_errors) = bind_failures::<Libzmq>();
    assert_eq!(ferro_errors, libzmq_errors);
    let (ferro, libzmq) = compare("bind failures", ferro, libzmq);
    // libzmq reports closing the socket it had opened (with no endpoint for TCP), then the
    // failure.
    assert_eq!(
        ids(&ferro),
        [
            "CLOSED",
            "BIND_FAILED",
            "CLOSED",
            "BIND_FAILED",
            "MONITOR_STOPPED"
        ]
    );
    assert_eq!(ferro_errors, [98, 2], "EADDRINUSE, ENOENT");
    let failed: Vec<_> = ferro
        .iter()
        .zip(&libzmq)
        .filter(|(f, _)| f.event == EVENT_BIND_FAILED)
        .collect();
    assert_eq!(failed.len(), 2, "{}", describe(&ferro));
    // The errno, and the address without its transport (the ports differ between runs).
    let without_port = |e: &str| e.rsplit_once(':').map_or(e, |(a, _)| a).to_string();
    for (f, l) in failed {
        assert_eq!(
            (f.value, without_port(&f.endpoint)),
            (l.value, without_port(&l.endpoint))
        );
    }
}

#[test]
fn handshake_failures_from_garbage_peers_match_libzmq() {
    let ferro = garbage::<Ferro>();
    let libzmq = garbage::<Libzmq>();
    let (ferro, libzmq) = compare("garbage peers", ferro, libzmq);
    let mut expected = vec!["LISTENING"];
    for failure in [
        Some("HANDSHAKE_FAILED_NO_DETAIL"),
        Some("HANDSHAKE_FAILED_NO_DETAIL"),
        Some("HANDSHAKE_FAILED_PROTOCOL"),
        Some("HANDSHAKE_FAILED_PROTOCOL"),
        // A refused Socket-Type: libzmq reports no handshake failure, just the disconnect.
        None,
        Some("HANDSHAKE_FAILED_AUTH"),
    ] {
        expected.push("ACCEPTED");
        expected.extend(failure);
        expected.push("DISCONNECTED");
    }
    expected.extend(["CLOSED", "MONITOR_STOPPED"]);
    assert_eq!(ids(&ferro), expected);
    // The protocol error codes and the auth status are libzmq's; NO_DETAIL's errno is
    // whatever the connection died of.
    for (f, l) in ferro.iter().zip(&libzmq) {
        if f.event == EVENT_HANDSHAKE_FAILED_PROTOCOL || f.event == EVENT_HANDSHAKE_FAILED_AUTH {
            assert_eq!(f.value, l.value, "{}", describe(&ferro));
        }
    }
    let failures: Vec<_> = ferro
        .iter()
        .filter(|e| {
            matches!(
                e.event,
                EVENT_HANDSHAKE_FAILED_NO_DETAIL
                    | EVENT_HANDSHAKE_FAILED_PROTOCOL
                    | EVENT_HANDSHAKE_FAILED_AUTH
            )
        })
        .map(|e| (e.name(), e.value))
        .collect();
    assert_eq!(
        failures,
        [
            ("HANDSHAKE_FAILED_NO_DETAIL", failures[0].1),
            ("HANDSHAKE_FAILED_NO_DETAIL", failures[1].1),
            (
                "HANDSHAKE_FAILED_PROTOCOL",
                PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
            ),
            (
                "HANDSHAKE_FAILED_PROTOCOL",
                PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND
            ),
            ("HANDSHAKE_FAILED_AUTH", 400),
        ]
    );
}

#[test]
fn event_mask_filters_like_libzmq() {
    let (ferro, _) = compare("mask", masked::<Ferro>(), masked::<Libzmq>());
    assert_eq!(ids(&ferro), ["ACCEPTED", "DISCONNECTED"]);
}

#[test]
fn stop_monitor_sends_monitor_stopped_like_libzmq() {
    let (ferro, _) = compare("stop", stopped::<Ferro>(), stopped::<Libzmq>());
    assert_eq!(ids(&ferro), ["LISTENING", "MONITOR_STOPPED"]);
}

#[test]
fn stream_socket_events_match_libzmq() {
    let (ferro, _) = compare(
        "STREAM server",
        stream_server::<Ferro>(),
        stream_server::<Libzmq>(),
    );
    // No handshake on a raw connection: its loss is reported as libzmq does.
    assert_eq!(
        ids(&ferro),
        [
            "LISTENING",
            "ACCEPTED",
            "HANDSHAKE_FAILED_NO_DETAIL",
            "DISCONNECTED",
            "CLOSED",
            "MONITOR_STOPPED"
        ]
    );
}

fn libc_einprogress() -> u32 {
    115
}

// ----- FerroMQ's API -----

fn recv_event(monitor: &ferromq::Socket) -> MonitorEvent {
    MonitorEvent::parse(&monitor.recv_msg(0).unwrap()).unwrap()
}

#[test]
fn monitor_restarts_replace_and_free_the_name() {
    let ctx = Context::new();
    let socket = ferro(&ctx, SocketType::Pull);

    // A second monitor() stops the first one (MONITOR_STOPPED) and takes over.
    socket.monitor("inproc://first", EVENT_ALL).unwrap();
    let first = ferro(&ctx, SocketType::Pair);
    first.connect("inproc://first").unwrap();
    socket.bind("tcp://127.0.0.1:*").unwrap();
    assert_eq!(recv_event(&first).event, EVENT_LISTENING);
    socket.monitor("inproc://second", EVENT_ALL).unwrap();
    assert_eq!(recv_event(&first).event, EVENT_MONITOR_STOPPED);
    let second = ferro(&ctx, SocketType::Pair);
    second.connect("inproc://second").unwrap();
    socket.bind("tcp://127.0.0.1:*").unwrap();
    let event = recv_event(&second);
    assert_eq!(event.event, EVENT_LISTENING);
    assert_eq!(event.endpoint, socket.last_endpoint().unwrap());
    first.set_option(SocketOption::RcvTimeo, 200).unwrap();
    assert!(first.recv_msg(0).is_err(), "the first monitor is quiet");

    // An empty endpoint stops monitoring, like libzmq's NULL, and frees the name.
    socket.monitor("", 0).unwrap();
    assert_eq!(recv_event(&second).event, EVENT_MONITOR_STOPPED);
    socket.monitor("inproc://second", EVENT_LISTENING).unwrap();
    let again = ferro(&ctx, SocketType::Pair);
    again.connect("inproc://second").unwrap();
    socket.bind("tcp://127.0.0.1:*").unwrap();
    assert_eq!(recv_event(&again).event, EVENT_LISTENING);

    // Stopping twice is harmless.
    socket.stop_monitor().unwrap();
    socket.stop_monitor().unwrap();
}

#[test]
fn monitor_endpoints_and_masks_are_checked() {
    let ctx = Context::new();
    let socket = ferro(&ctx, SocketType::Pull);
    let e = socket
        .monitor("tcp://127.0.0.1:5555", EVENT_ALL)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ProtocolNotSupported);
    // The scheme is judged before the address, as libzmq does.
    let e = socket.monitor("tcp://x", EVENT_ALL).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ProtocolNotSupported);
    let e = socket.monitor("inproc://mon", 0x1_0000).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    let e = socket.monitor("inproc://mon", -1).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    let taken = ferro(&ctx, SocketType::Pair);
    taken.bind("inproc://taken").unwrap();
    let e = socket.monitor("inproc://taken", EVENT_ALL).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AddrInUse);
    socket.close();
    let e = socket.monitor("inproc://mon", EVENT_ALL).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotSocket);
}

#[test]
fn monitor_reader_may_connect_first() {
    // inproc connect-before-bind works for the monitor endpoint too.
    let ctx = Context::new();
    let reader = ferro(&ctx, SocketType::Pair);
    reader.connect("inproc://early").unwrap();
    let socket = ferro(&ctx, SocketType::Pull);
    socket.monitor("inproc://early", EVENT_LISTENING).unwrap();
    socket.bind("tcp://127.0.0.1:*").unwrap();
    assert_eq!(recv_event(&reader).event, EVENT_LISTENING);
}

#[test]
fn unread_monitor_never_stalls_the_socket() {
    // Nobody reads the monitor: events beyond its HWM are dropped, the I/O thread keeps
    // serving connections, and memory stays bounded.
    let ctx = Context::new();
    let socket = ferro(&ctx, SocketType::Pull);
    socket.monitor("inproc://unread", EVENT_ALL).unwrap();
    let reader = ferro(&ctx, SocketType::Pair);
    reader.connect("inproc://unread").unwrap();
    let endpoint = ferro_bind(&socket);
    let address = endpoint.trim_start_matches("tcp://").to_string();
    // Each connection makes 3 events (ACCEPTED, HANDSHAKE_FAILED_NO_DETAIL, DISCONNECTED).
    let connections = 1000;
    for _ in 0..connections {
        drop(TcpStream::connect(&address).unwrap());
    }
    let push = ferro(&ctx, SocketType::Push);
    push.connect(&endpoint).unwrap();
    push.send("still served", 0).unwrap();
    assert_eq!(socket.recv(0).unwrap(), b"still served");
    // Let the last connections' events be emitted (or dropped) before counting.
    std::thread::sleep(Duration::from_millis(500));

    reader.set_option(SocketOption::RcvTimeo, 300).unwrap();
    let mut queued = 0;
    while reader.recv_msg(0).is_ok() {
        queued += 1;
    }
    assert!(queued > 0);
    assert!(
        queued <= 2000,
        "the monitor pipe is bounded (SNDHWM + RCVHWM), got {queued} events"
    );
}

#[test]
fn monitor_stops_when_the_socket_closes_after_its_connections() {
    // MONITOR_STOPPED comes last, after the listener's CLOSED, even when close() is called
    // without dropping the socket.
    let ctx = Context::new();
    let socket = ferro(&ctx, SocketType::Pull);
    socket.monitor("inproc://closing", EVENT_ALL).unwrap();
    let reader = ferro(&ctx, SocketType::Pair);
    reader.connect("inproc://closing").unwrap();
    socket.bind("tcp://127.0.0.1:*").unwrap();
    socket.close();
    let names: Vec<_> = (0..3).map(|_| recv_event(&reader).name()).collect();
    assert_eq!(names, ["LISTENING", "CLOSED", "MONITOR_STOPPED"]);
    // The name is free again.
    let other = ferro(&ctx, SocketType::Pull);
    eventually("the monitor name to be freed", || {
        other.monitor("inproc://closing", EVENT_ALL).is_ok()
    });
}

#[test]
fn unbind_reports_closed() {
    let ctx = Context::new();
    let socket = ferro(&ctx, SocketType::Pull);
    socket.monitor("inproc://unbind", EVENT_ALL).unwrap();
    let reader = ferro(&ctx, SocketType::Pair);
    reader.connect("inproc://unbind").unwrap();
    let endpoint = ferro_bind(&socket);
    let listening = recv_event(&reader);
    socket.unbind(&endpoint).unwrap();
    let closed = recv_event(&reader);
    assert_eq!(closed.event, EVENT_CLOSED);
    assert_eq!(
        (closed.value, &closed.endpoint),
        (listening.value, &endpoint)
    );
}

#[test]
fn inproc_connections_emit_nothing() {
    let ctx = Context::new();
    let socket = ferro(&ctx, SocketType::Pull);
    socket.monitor("inproc://quiet", EVENT_ALL).unwrap();
    let reader = ferro(&ctx, SocketType::Pair);
    reader.connect("inproc://quiet").unwrap();
    socket.bind("inproc://data").unwrap();
    let push = ferro(&ctx, SocketType::Push);
    push.connect("inproc://data").unwrap();
    push.send("x", 0).unwrap();
    assert_eq!(socket.recv(0).unwrap(), b"x");
    reader.set_option(SocketOption::RcvTimeo, 200).unwrap();
    assert!(reader.recv_msg(0).is_err());
}
