//! Hostile peers: each bad connection is dropped, and nothing else is affected — the socket
//! keeps serving its good peers, nothing panics, memory stays bounded.
//!
//! The bad peers are raw TCP streams whose bytes are written out by hand here, independently
//! of FerroMQ's own codec.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;
use ferromq::{Context, SocketOption, SocketType};

fn greeting(major: u8, minor: u8, mechanism: &[u8]) -> Vec<u8> {
    let mut g = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F, major, minor];
    let mut name = mechanism.to_vec();
    name.resize(20, 0);
    g.extend_from_slice(&name);
    g.push(0); // as-server
    g.extend_from_slice(&[0; 31]);
    g
}

fn ready(socket_type: &str) -> Vec<u8> {
    let mut body = vec![5];
    body.extend_from_slice(b"READY");
    body.push(11);
    body.extend_from_slice(b"Socket-Type");
    body.extend_from_slice(&(socket_type.len() as u32).to_be_bytes());
    body.extend_from_slice(socket_type.as_bytes());
    let mut frame = vec![0x04, body.len() as u8];
    frame.extend_from_slice(&body);
    frame
}

/// A well-behaved PUSH handshake, after which the test sends bad frames.
fn handshake_as_push() -> Vec<u8> {
    let mut bytes = greeting(3, 1, b"NULL");
    bytes.extend_from_slice(&ready("PUSH"));
    bytes
}

fn address(endpoint: &str) -> String {
    endpoint.trim_start_matches("tcp://").to_string()
}

/// Sends `bytes` and checks that the server closes the connection (EOF or reset) in time.
fn assert_dropped(endpoint: &str, bytes: &[u8], what: &str) {
    let mut stream = TcpStream::connect(address(endpoint)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = stream.write_all(bytes);
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut buf = [0u8; 4096];
    loop {
        assert!(
            Instant::now() < deadline,
            "{what}: connection was not dropped"
        );
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return, // closed or reset: dropped
            Ok(_) => continue,        // the server's greeting/READY; keep reading
        }
    }
}

/// A server with a good libzmq peer, checked before and after each abuse.
struct Server {
    _zctx: zmq::Context,
    _ctx: Context,
    pull: ferromq::Socket,
    good_peer: zmq::Socket,
    endpoint: String,
    sent: u32,
}

impl Server {
    fn new() -> Server {
        Server::with_max_msg_size(1000)
    }

    /// `max_msg_size` -1 is libzmq's default: no limit.
    fn with_max_msg_size(max_msg_size: i64) -> Server {
        let ctx = Context::new();
        let zctx = zmq::Context::new();
        let pull = ferro(&ctx, SocketType::Pull);
        pull.set_option(SocketOption::MaxMsgSize, max_msg_size)
            .unwrap();
        let endpoint = ferro_bind(&pull);
        let good_peer = libzmq(&zctx, zmq::PUSH);
        good_peer.connect(&endpoint).unwrap();
        let mut server = Server {
            _zctx: zctx,
            _ctx: ctx,
            pull,
            good_peer,
            endpoint,
            sent: 0,
        };
        server.check_good_peer();
        server
    }

    fn check_good_peer(&mut self) {
        self.sent += 1;
        let text = format!("good {}", self.sent);
        self.good_peer.send(text.as_str(), 0).unwrap();
        // Random bytes after a valid handshake can form valid frames: those peers' messages
        // are legitimate and may come first.
        loop {
            let got = self.pull.recv(0).expect("the good peer must keep working");
            if got.starts_with(b"good ") {
                assert_eq!(got, text.as_bytes());
                return;
            }
        }
    }
}

#[test]
fn wrong_signature_is_dropped() {
    let mut server = Server::new();
    assert_dropped(
        &server.endpoint,
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "HTTP request",
    );
    let mut bad = greeting(3, 1, b"NULL");
    bad[9] = 0x7E;
    assert_dropped(&server.endpoint, &bad, "bad signature byte");
    server.check_good_peer();
}

#[test]
fn unsupported_version_and_mechanism_are_dropped() {
    let mut server = Server::new();
    assert_dropped(&server.endpoint, &greeting(2, 0, b"NULL"), "ZMTP 2.0");
    assert_dropped(&server.endpoint, &greeting(1, 0, b"NULL"), "ZMTP 1.0");
    assert_dropped(
        &server.endpoint,
        &greeting(3, 1, b"PLAIN"),
        "PLAIN mechanism",
    );
    assert_dropped(
        &server.endpoint,
        &greeting(3, 1, b"BOGUS"),
        "unknown mechanism",
    );
    server.check_good_peer();
}

#[test]
fn frames_and_commands_before_the_handshake_ends_are_dropped() {
    let mut server = Server::new();
    let mut data_first = greeting(3, 1, b"NULL");
    data_first.extend_from_slice(&[0x00, 5, b'h', b'e', b'l', b'l', b'o']);
    assert_dropped(&server.endpoint, &data_first, "data frame before READY");
    let mut subscribe_first = greeting(3, 1, b"NULL");
    subscribe_first.extend_from_slice(&[
        0x04, 10, 9, b'S', b'U', b'B', b'S', b'C', b'R', b'I', b'B', b'E',
    ]);
    assert_dropped(&server.endpoint, &subscribe_first, "SUBSCRIBE before READY");
    let mut incompatible = greeting(3, 1, b"NULL");
    incompatible.extend_from_slice(&ready("PUB"));
    assert_dropped(&server.endpoint, &incompatible, "incompatible socket type");
    let mut truncated_ready = greeting(3, 1, b"NULL");
    truncated_ready.extend_from_slice(&[0x04, 8, 5, b'R', b'E', b'A', b'D', b'Y', 11, b'S']);
    assert_dropped(&server.endpoint, &truncated_ready, "truncated READY");
    server.check_good_peer();
}

#[test]
fn frames_over_maxmsgsize_are_dropped_without_buffering_them() {
    let mut server = Server::new();
    let mut too_big = handshake_as_push();
    too_big.push(0x02); // long frame
    too_big.extend_from_slice(&10_000u64.to_be_bytes());
    too_big.extend_from_slice(&[0u8; 100]);
    assert_dropped(&server.endpoint, &too_big, "frame over MAXMSGSIZE");
    let mut absurd = handshake_as_push();
    absurd.push(0x02);
    absurd.extend_from_slice(&u64::MAX.to_be_bytes());
    assert_dropped(&server.endpoint, &absurd, "frame size with the top bit set");
    server.check_good_peer();
}

/// A long frame's header claiming `size` bytes, after a valid handshake.
fn announce_frame(size: u64) -> Vec<u8> {
    let mut bytes = handshake_as_push();
    bytes.push(0x02);
    bytes.extend_from_slice(&size.to_be_bytes());
    bytes
}

#[test]
fn a_frame_too_large_to_allocate_drops_only_its_connection() {
    // Without MAXMSGSIZE the buffer for a frame is allocated from its header (as libzmq
    // does); a size no machine can allocate must end that connection, not the process.
    let mut server = Server::with_max_msg_size(-1);
    assert_dropped(
        &server.endpoint,
        &announce_frame(i64::MAX as u64),
        "frame of 2^63-1 bytes",
    );
    server.check_good_peer();
}

#[test]
fn announced_large_frames_cost_memory_only_as_their_bytes_arrive() {
    let mut server = Server::with_max_msg_size(-1);
    let rss_before = rss_kib();
    let streams: Vec<TcpStream> = (0..40)
        .map(|_| {
            let mut stream = TcpStream::connect(address(&server.endpoint)).unwrap();
            let mut bytes = announce_frame(256 << 20);
            bytes.extend_from_slice(&[7u8; 1000]);
            stream.write_all(&bytes).unwrap();
            stream
        })
        .collect();
    server.check_good_peer();
    // Time for every engine to read its header and size its buffer.
    std::thread::sleep(Duration::from_millis(300));
    let grown = rss_kib().saturating_sub(rss_before);
    // 40 announced 256 MiB frames (10 GiB) of which 40 KB arrived: well under 64 MiB.
    assert!(grown < 64 * 1024, "RSS grew by {grown} KiB");
    drop(streams);
    server.check_good_peer();
}

#[test]
fn random_bytes_and_mid_frame_disconnects_do_not_hurt_other_peers() {
    let mut server = Server::new();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..200 {
        let len = (next() % 300) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if round % 2 == 0 {
            // Random bytes after a valid handshake exercise the frame parser too.
            let mut valid = handshake_as_push();
            valid.append(&mut bytes);
            bytes = valid;
        }
        let mut stream = TcpStream::connect(address(&server.endpoint)).unwrap();
        let _ = stream.write_all(&bytes);
        drop(stream); // disconnect, possibly mid-frame
    }
    // A half-sent frame, then a disconnect.
    let mut half = handshake_as_push();
    half.extend_from_slice(&[0x00, 100]);
    half.extend_from_slice(&[1u8; 50]);
    let mut stream = TcpStream::connect(address(&server.endpoint)).unwrap();
    stream.write_all(&half).unwrap();
    drop(stream);
    server.check_good_peer();
    server.check_good_peer();
}

#[test]
fn many_stalled_connections_keep_memory_bounded() {
    let mut server = Server::new();
    let rss_before = rss_kib();
    let mut streams = Vec::new();
    for _ in 0..200 {
        // Each claims a 1000-byte frame (allowed) and sends only its header.
        let mut bytes = handshake_as_push();
        bytes.extend_from_slice(&[0x02]);
        bytes.extend_from_slice(&1000u64.to_be_bytes());
        let mut stream = TcpStream::connect(address(&server.endpoint)).unwrap();
        stream.write_all(&bytes).unwrap();
        streams.push(stream);
    }
    server.check_good_peer();
    let grown = rss_kib().saturating_sub(rss_before);
    // 200 connections with 64 KiB read buffers at most: well under 64 MiB.
    assert!(grown < 64 * 1024, "RSS grew by {grown} KiB");
    drop(streams);
    server.check_good_peer();
}
