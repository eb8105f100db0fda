//! REQ and REP write straight to an idle connection (`core/src/direct_write.rs`). These
//! tests make every path of that hand-off happen against the real libzmq, whose decoder
//! drops the connection at the first malformed byte: lockstep messages bigger than tiny
//! socket buffers (partial direct writes finished by the engine), heartbeats the engine
//! sends between direct writes, and envelopes of several frames.

mod common;

use common::*;
use ferromq::{Context, Message, SocketOption, SocketType};

/// A message body that differs in every round and every byte position.
fn body(round: usize, len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 7 + round) % 251) as u8).collect()
}

/// Sizes around the interesting edges: tiny, a short header's limit, the direct-write
/// limit and beyond (which goes through the pipe instead).
const SIZES: [usize; 6] = [0, 1, 255, 256, 12_000, 40_000];

#[test]
fn lockstep_messages_bigger_than_tiny_socket_buffers_arrive_whole() {
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    for ferro_binds in [true, false] {
        // FerroMQ REQ (tiny SNDBUF) against libzmq REP (tiny RCVBUF), then the reverse roles.
        let req = ferro(&ctx, SocketType::Req);
        req.set_option(SocketOption::SndBuf, 1024).unwrap();
        let rep = libzmq(&zctx, zmq::REP);
        rep.set_rcvbuf(1024).unwrap();
        if ferro_binds {
            rep.connect(&ferro_bind(&req)).unwrap();
        } else {
            req.connect(&libzmq_bind(&rep)).unwrap();
        }
        for round in 0..120 {
            let size = SIZES[round % SIZES.len()];
            req.send(body(round, size), 0).unwrap();
            let got = rep.recv_bytes(0);
            assert_eq!(
                got.map_err(|e| format!("{e} (round {round}, binds {ferro_binds})"))
                    .unwrap(),
                body(round, size),
                "round {round}"
            );
            rep.send(body(round + 1, size), 0).unwrap();
            assert_eq!(req.recv(0).unwrap(), &body(round + 1, size)[..]);
        }

        let rep = ferro(&ctx, SocketType::Rep);
        rep.set_option(SocketOption::SndBuf, 1024).unwrap();
        let req = libzmq(&zctx, zmq::REQ);
        req.set_rcvbuf(1024).unwrap();
        if ferro_binds {
            req.connect(&ferro_bind(&rep)).unwrap();
        } else {
            rep.connect(&libzmq_bind(&req)).unwrap();
        }
        for round in 0..120 {
            let size = SIZES[round % SIZES.len()];
            req.send(body(round, 3), 0).unwrap();
            assert_eq!(rep.recv(0).unwrap(), &body(round, 3)[..]);
            rep.send(body(round, size), 0).unwrap();
            assert_eq!(
                req.recv_bytes(0).unwrap(),
                body(round, size),
                "round {round}"
            );
        }
    }
}

#[test]
fn heartbeats_interleave_with_direct_writes() {
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    let req = ferro(&ctx, SocketType::Req);
    // The engine sends a PING every millisecond, between and during the socket's writes.
    req.set_option(SocketOption::HeartbeatIvl, 1).unwrap();
    req.set_option(SocketOption::HeartbeatTimeout, 2000)
        .unwrap();
    let rep = libzmq(&zctx, zmq::REP);
    rep.set_heartbeat_ivl(1).unwrap();
    rep.set_heartbeat_timeout(2000).unwrap();
    req.connect(&libzmq_bind(&rep)).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(600);
    let mut round = 0;
    while std::time::Instant::now() < deadline {
        req.send(body(round, 20), 0).unwrap();
        assert_eq!(rep.recv_bytes(0).unwrap(), body(round, 20), "round {round}");
        if round % 50 == 0 {
            // Idle long enough for pings both ways.
            std::thread::sleep(std::time::Duration::from_millis(3));
        }
        rep.send(body(round + 1, 20), 0).unwrap();
        assert_eq!(req.recv(0).unwrap(), &body(round + 1, 20)[..]);
        round += 1;
    }
    assert!(round > 100, "only {round} round trips");
}

#[test]
fn rep_replies_keep_their_envelopes() {
    // A libzmq DEALER drives a FerroMQ REP: replies carry the envelope frames back, and
    // several requests in flight (the REP's incoming pipe not empty) go through the pipe.
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    let rep = ferro(&ctx, SocketType::Rep);
    let dealer = libzmq(&zctx, zmq::DEALER);
    dealer.connect(&ferro_bind(&rep)).unwrap();
    for burst in [1usize, 5] {
        for i in 0..burst {
            let hops: Vec<Vec<u8>> = vec![b"hop-a".to_vec(), vec![i as u8; 3], Vec::new()];
            let mut request = hops.clone();
            request.push(body(i, 10));
            dealer.send_multipart(request, 0).unwrap();
        }
        for i in 0..burst {
            let msg = rep.recv(0).unwrap();
            assert_eq!(&msg[..], &body(i, 10)[..]);
            rep.send_msg(Message::single(body(i + 100, 30)), 0).unwrap();
        }
        for i in 0..burst {
            let reply = dealer.recv_multipart(0).unwrap();
            assert_eq!(
                reply,
                vec![
                    b"hop-a".to_vec(),
                    vec![i as u8; 3],
                    Vec::new(),
                    body(i + 100, 30)
                ]
            );
        }
    }
}

#[test]
fn ferro_req_rep_over_ipc_and_tcp_with_reconnects() {
    // Both ends FerroMQ; the REP goes away and a new one binds the same endpoint: the REQ's
    // connection is reclaimed by its engine and re-offered after the reconnect.
    let ctx = Context::new();
    let dir = std::env::temp_dir().join(format!("ferromq-direct-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ipc = format!("ipc://{}/rep", dir.display());
    for endpoint in [ipc.as_str(), "tcp://127.0.0.1:*"] {
        let rep = ferro(&ctx, SocketType::Rep);
        rep.bind(endpoint).unwrap();
        let endpoint = rep.last_endpoint().unwrap();
        let req = ferro(&ctx, SocketType::Req);
        req.set_option(SocketOption::ReconnectIvl, 10).unwrap();
        req.connect(&endpoint).unwrap();
        for round in 0..200 {
            req.send(body(round, round % 300), 0).unwrap();
            assert_eq!(rep.recv(0).unwrap(), &body(round, round % 300)[..]);
            rep.send(body(round, 7), 0).unwrap();
            assert_eq!(req.recv(0).unwrap(), &body(round, 7)[..]);
        }
        drop(rep);
        // Time for the REQ's engine to see the connection end (it then reclaims it, and
        // the next request waits in the pipe for the reconnect).
        std::thread::sleep(std::time::Duration::from_millis(100));
        req.send(&b"after"[..], 0).unwrap();
        let rep = ferro(&ctx, SocketType::Rep);
        eventually("the endpoint to be free again", || {
            rep.bind(&endpoint).is_ok()
        });
        assert_eq!(rep.recv(0).unwrap(), &b"after"[..]);
        rep.send(&b"again"[..], 0).unwrap();
        assert_eq!(req.recv(0).unwrap(), &b"again"[..]);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
