//! Heartbeats: a silent peer is detected and the connection remade; a libzmq peer that
//! heartbeats FerroMQ keeps its connection because FerroMQ answers its PINGs.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use common::*;
use ferromq::{Context, SocketOption, SocketType};

/// Greeting + READY of a PULL peer, written by hand.
fn pull_handshake() -> Vec<u8> {
    pull_handshake_zmtp_3(1)
}

/// The same from a peer announcing ZMTP 3.`minor`.
fn pull_handshake_zmtp_3(minor: u8) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F, 3, minor];
    let mut mechanism = b"NULL".to_vec();
    mechanism.resize(20, 0);
    bytes.extend_from_slice(&mechanism);
    bytes.extend_from_slice(&[0; 32]);
    let mut body = vec![5];
    body.extend_from_slice(b"READY");
    body.push(11);
    body.extend_from_slice(b"Socket-Type");
    body.extend_from_slice(&4u32.to_be_bytes());
    body.extend_from_slice(b"PULL");
    bytes.extend_from_slice(&[0x04, body.len() as u8]);
    bytes.extend_from_slice(&body);
    bytes
}

/// Reads until EOF/reset or the timeout; returns whether the peer closed, and the bytes read.
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (bool, Vec<u8>) {
    stream
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let deadline = Instant::now() + limit;
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while Instant::now() < deadline {
        match stream.read(&mut buf) {
            Ok(0) => return (true, seen),
            Ok(n) => seen.extend_from_slice(&buf[..n]),
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return (true, seen),
        }
    }
    (false, seen)
}

#[test]
fn a_silent_peer_is_detected_and_the_connection_remade() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("tcp://{}", listener.local_addr().unwrap());
    let ctx = Context::new();
    let push = ferro(&ctx, SocketType::Push);
    push.set_option(SocketOption::HeartbeatIvl, 100).unwrap();
    push.set_option(SocketOption::HeartbeatTimeout, 300)
        .unwrap();
    push.set_option(SocketOption::ReconnectIvl, 50).unwrap();
    push.connect(&endpoint).unwrap();

    // The peer completes the handshake, then never says anything again.
    let (mut silent, _) = listener.accept().unwrap();
    silent.write_all(&pull_handshake()).unwrap();
    let start = Instant::now();
    let (closed, seen) = read_until_closed(&mut silent, Duration::from_secs(5));
    assert!(closed, "FerroMQ kept a silent connection open");
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(300),
        "closed too early: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(3),
        "closed too late: {elapsed:?}"
    );
    // It did send PINGs: a command frame whose body starts with the name "PING".
    assert!(seen.windows(5).any(|w| w == b"\x04PING"), "no PING seen");

    // And it reconnects.
    listener.set_nonblocking(false).unwrap();
    let (_again, _) = listener.accept().unwrap();
}

/// A FerroMQ PUSH (with HEARTBEAT_IVL `heartbeat_ivl_ms` when given) connected to a raw TCP
/// peer of the test's: the context, the socket and the peer's end.
fn push_with_raw_peer(heartbeat_ivl_ms: Option<i32>) -> (Context, ferromq::Socket, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("tcp://{}", listener.local_addr().unwrap());
    let ctx = Context::new();
    let push = ferro(&ctx, SocketType::Push);
    if let Some(ivl) = heartbeat_ivl_ms {
        push.set_option(SocketOption::HeartbeatIvl, ivl).unwrap();
    }
    push.connect(&endpoint).unwrap();
    let (peer, _) = listener.accept().unwrap();
    (ctx, push, peer)
}

#[test]
fn the_ttl_of_a_peers_ping_applies() {
    let (_ctx, _push, mut peer) = push_with_raw_peer(None);
    let mut bytes = pull_handshake();
    // PING with TTL 3 deciseconds and no context, then silence.
    bytes.extend_from_slice(&[0x04, 7, 4, b'P', b'I', b'N', b'G', 0, 3]);
    peer.write_all(&bytes).unwrap();
    let start = Instant::now();
    let (closed, seen) = read_until_closed(&mut peer, Duration::from_secs(5));
    assert!(closed, "FerroMQ ignored the peer's TTL");
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(
        seen.windows(5).any(|w| w == b"\x04PONG"),
        "the PING was not answered"
    );
}

#[test]
fn a_ttl_arriving_after_the_handshake_applies_too() {
    // The engine was already waiting with no timer at all when this PING came.
    let (_ctx, _push, mut peer) = push_with_raw_peer(None);
    peer.write_all(&pull_handshake()).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    peer.write_all(&[0x04, 7, 4, b'P', b'I', b'N', b'G', 0, 3])
        .unwrap();
    let start = Instant::now();
    let (closed, _) = read_until_closed(&mut peer, Duration::from_secs(5));
    assert!(
        closed,
        "FerroMQ ignored a TTL that came after the handshake"
    );
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn a_zmtp_3_0_peer_is_heartbeated_too() {
    // As libzmq does: PINGs go to a peer whatever minor version it announced, so a silent
    // one is found.
    let (_ctx, _push, mut silent) = push_with_raw_peer(Some(50));
    silent.write_all(&pull_handshake_zmtp_3(0)).unwrap();
    let (closed, seen) = read_until_closed(&mut silent, Duration::from_secs(5));
    assert!(closed, "FerroMQ kept a silent ZMTP 3.0 connection open");
    assert!(seen.windows(5).any(|w| w == b"\x04PING"), "no PING seen");
}

#[test]
fn libzmq_heartbeating_ferromq_keeps_its_connection() {
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    let push = ferro(&ctx, SocketType::Push);
    push.set_option(SocketOption::HeartbeatIvl, 100).unwrap();
    let endpoint = ferro_bind(&push);
    let pull = libzmq(&zctx, zmq::PULL);
    pull.set_heartbeat_ivl(50).unwrap();
    pull.set_heartbeat_timeout(200).unwrap();
    pull.set_heartbeat_ttl(500).unwrap();
    pull.monitor("inproc://hb-monitor", zmq::SocketEvent::DISCONNECTED as i32)
        .unwrap();
    let monitor = zctx.socket(zmq::PAIR).unwrap();
    monitor.connect("inproc://hb-monitor").unwrap();
    pull.connect(&endpoint).unwrap();
    push.send("first", 0).unwrap();
    assert_eq!(pull.recv_bytes(0).unwrap(), b"first");
    // Over a second of heartbeats both ways, libzmq never sees a disconnect.
    monitor.set_rcvtimeo(1200).unwrap();
    assert!(
        monitor.recv_bytes(0).is_err(),
        "libzmq disconnected: FerroMQ missed its PINGs"
    );
    push.send("second", 0).unwrap();
    assert_eq!(pull.recv_bytes(0).unwrap(), b"second");
}
