//! The socket-type options libzmq users reach for, end to end over TCP: ROUTER_HANDOVER,
//! PROBE_ROUTER, REQ_CORRELATE, REQ_RELAXED, XPUB_NODROP, XPUB_MANUAL, XPUB_WELCOME_MSG,
//! XPUB_VERBOSE, INVERT_MATCHING.

mod common;

use std::time::Duration;

use common::*;
use ferromq::{flags, Context, ErrorKind, SocketOption, SocketType};

#[test]
fn router_handover_gives_the_identity_to_the_newest_peer() {
    let ctx = Context::new();
    let router = ferro(&ctx, SocketType::Router);
    router.set_option(SocketOption::RouterHandover, 1).unwrap();
    let endpoint = ferro_bind(&router);
    let first = ferro(&ctx, SocketType::Dealer);
    first.set_option(SocketOption::RoutingId, "worker").unwrap();
    first.connect(&endpoint).unwrap();
    first.send("hello from first", 0).unwrap();
    assert_eq!(frames(&router.recv_msg(0).unwrap())[0], b"worker");

    let second = ferro(&ctx, SocketType::Dealer);
    second
        .set_option(SocketOption::RoutingId, "worker")
        .unwrap();
    second.connect(&endpoint).unwrap();
    second.send("hello from second", 0).unwrap();
    let got = frames(&router.recv_msg(0).unwrap());
    assert_eq!(got, vec![b"worker".to_vec(), b"hello from second".to_vec()]);
    router
        .send_multipart([&b"worker"[..], b"for the newest"], 0)
        .unwrap();
    assert_eq!(second.recv(0).unwrap(), b"for the newest");
    first.set_option(SocketOption::RcvTimeo, 200).unwrap();
    assert!(first.recv(0).is_err(), "the old peer must not get it");
}

#[test]
fn probe_router_announces_a_dealer_to_libzmq_and_ferromq_routers() {
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    // To a libzmq ROUTER.
    let router = libzmq(&zctx, zmq::ROUTER);
    let endpoint = libzmq_bind(&router);
    let dealer = ferro(&ctx, SocketType::Dealer);
    dealer
        .set_option(SocketOption::RoutingId, "prober")
        .unwrap();
    dealer.set_option(SocketOption::ProbeRouter, 1).unwrap();
    dealer.connect(&endpoint).unwrap();
    assert_eq!(
        router.recv_multipart(0).unwrap(),
        vec![b"prober".to_vec(), Vec::new()]
    );
    // A libzmq DEALER probing a FerroMQ ROUTER.
    let router = ferro(&ctx, SocketType::Router);
    let endpoint = ferro_bind(&router);
    let dealer = libzmq(&zctx, zmq::DEALER);
    dealer.set_identity(b"zprober").unwrap();
    dealer.set_probe_router(true).unwrap();
    dealer.connect(&endpoint).unwrap();
    assert_eq!(
        frames(&router.recv_msg(0).unwrap()),
        vec![b"zprober".to_vec(), Vec::new()]
    );
}

#[test]
fn req_relaxed_and_correlate_resend_and_ignore_stale_replies() {
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    let router = libzmq(&zctx, zmq::ROUTER);
    let endpoint = libzmq_bind(&router);
    let req = ferro(&ctx, SocketType::Req);
    req.set_option(SocketOption::ReqRelaxed, 1).unwrap();
    req.set_option(SocketOption::ReqCorrelate, 1).unwrap();
    req.connect(&endpoint).unwrap();

    req.send("first", 0).unwrap();
    let first = router.recv_multipart(0).unwrap();
    // [peer id, 4-byte request id, "", body]
    assert_eq!(first.len(), 4);
    assert_eq!(first[1].len(), 4);
    assert!(first[2].is_empty());
    // No reply yet: with REQ_RELAXED a new request may go out.
    req.send("second", 0).unwrap();
    let second = router.recv_multipart(0).unwrap();
    assert_ne!(first[1], second[1], "each request has its own id");
    // The stale reply to the first request is dropped; the second's is delivered.
    router
        .send_multipart([&first[0][..], &first[1][..], b"", b"stale"], 0)
        .unwrap();
    router
        .send_multipart([&second[0][..], &second[1][..], b"", b"fresh"], 0)
        .unwrap();
    assert_eq!(req.recv(0).unwrap(), b"fresh");
}

#[test]
fn xpub_nodrop_blocks_instead_of_dropping() {
    let ctx = Context::new();
    let xpub = ferro(&ctx, SocketType::XPub);
    xpub.set_option(SocketOption::XpubNodrop, 1).unwrap();
    xpub.set_option(SocketOption::SndHwm, 10).unwrap();
    let endpoint = ferro_bind(&xpub);
    let sub = ferro(&ctx, SocketType::Sub);
    sub.set_option(SocketOption::RcvHwm, 10).unwrap();
    sub.subscribe("").unwrap();
    sub.connect(&endpoint).unwrap();
    assert_eq!(xpub.recv(0).unwrap(), b"\x01");
    let mut sent = 0;
    loop {
        match xpub.send(vec![0u8; 64 * 1024], flags::DONTWAIT) {
            Ok(()) => sent += 1,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Again);
                break;
            }
        }
        assert!(sent < 100_000, "XPUB_NODROP never pushed back");
    }
    // Nothing was dropped: the subscriber gets every one.
    for _ in 0..sent {
        assert_eq!(sub.recv(0).unwrap().len(), 64 * 1024);
    }
}

#[test]
fn xpub_manual_applies_only_the_subscriptions_the_user_sets() {
    let ctx = Context::new();
    let xpub = ferro(&ctx, SocketType::XPub);
    xpub.set_option(SocketOption::XpubManual, 1).unwrap();
    let endpoint = ferro_bind(&xpub);
    let sub = ferro(&ctx, SocketType::Sub);
    sub.subscribe("asked").unwrap();
    sub.connect(&endpoint).unwrap();
    assert_eq!(xpub.recv(0).unwrap(), b"\x01asked");
    // The user maps it to another topic.
    xpub.subscribe("granted").unwrap();
    // Give the subscription a moment: nothing travels back, so there is no signal to wait on.
    std::thread::sleep(Duration::from_millis(50));
    xpub.send("asked: not applied", 0).unwrap();
    xpub.send("granted: applied", 0).unwrap();
    // SUB filters locally by its own subscription ("asked"), so nothing at all arrives: that
    // "asked" was not applied at the XPUB is what this shows.
    sub.set_option(SocketOption::RcvTimeo, 300).unwrap();
    assert!(sub.recv(0).is_err());
}

#[test]
fn xpub_welcome_message_greets_each_subscriber() {
    let ctx = Context::new();
    let xpub = ferro(&ctx, SocketType::XPub);
    xpub.set_option(SocketOption::XpubWelcomeMsg, "WELCOME")
        .unwrap();
    let endpoint = ferro_bind(&xpub);
    for _ in 0..2 {
        let sub = ferro(&ctx, SocketType::Sub);
        sub.subscribe("WELCOME").unwrap();
        sub.connect(&endpoint).unwrap();
        // The XPUB attaches new peers when called.
        let mut got = None;
        eventually("the welcome message", || {
            let _ = xpub.recv(flags::DONTWAIT);
            got = sub.recv(flags::DONTWAIT).ok();
            got.is_some()
        });
        assert_eq!(got.unwrap(), b"WELCOME");
    }
}

#[test]
fn xpub_verbose_passes_duplicate_subscriptions() {
    let ctx = Context::new();
    let xpub = ferro(&ctx, SocketType::XPub);
    xpub.set_option(SocketOption::XpubVerbose, 1).unwrap();
    let endpoint = ferro_bind(&xpub);
    let subs: Vec<_> = (0..2)
        .map(|_| {
            let s = ferro(&ctx, SocketType::Sub);
            s.subscribe("dup").unwrap();
            s.connect(&endpoint).unwrap();
            s
        })
        .collect();
    assert_eq!(xpub.recv(0).unwrap(), b"\x01dup");
    assert_eq!(xpub.recv(0).unwrap(), b"\x01dup");
    drop(subs);
}

#[test]
fn invert_matching_delivers_what_does_not_match() {
    let ctx = Context::new();
    let publisher = ferro(&ctx, SocketType::Pub);
    publisher
        .set_option(SocketOption::InvertMatching, 1)
        .unwrap();
    let endpoint = ferro_bind(&publisher);
    let sub = ferro(&ctx, SocketType::Sub);
    sub.set_option(SocketOption::InvertMatching, 1).unwrap();
    sub.subscribe("noise").unwrap();
    sub.connect(&endpoint).unwrap();
    eventually("the subscription", || {
        publisher.send("signal probe", 0).unwrap();
        sub.recv(flags::DONTWAIT).is_ok()
    });
    publisher.send("noise 1", 0).unwrap();
    publisher.send("signal 2", 0).unwrap();
    let mut got = sub.recv(0).unwrap();
    while got == b"signal probe" {
        got = sub.recv(0).unwrap();
    }
    assert_eq!(got, b"signal 2");
}

#[test]
fn connect_routing_id_names_the_peer_of_the_next_connect() {
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    let router = ferro(&ctx, SocketType::Router);
    // Two libzmq DEALER peers over tcp and one FerroMQ DEALER over inproc, each named by us.
    let reps: Vec<_> = (0..2).map(|_| libzmq(&zctx, zmq::DEALER)).collect();
    for (i, rep) in reps.iter().enumerate() {
        router
            .set_option(SocketOption::ConnectRoutingId, format!("rep-{i}").as_str())
            .unwrap();
        router.connect(&libzmq_bind(rep)).unwrap();
    }
    let dealer = ferro(&ctx, SocketType::Dealer);
    dealer
        .set_option(SocketOption::RoutingId, "its-own-name")
        .unwrap();
    dealer.bind("inproc://named-peer").unwrap();
    router
        .set_option(SocketOption::ConnectRoutingId, "inproc-peer")
        .unwrap();
    router.connect("inproc://named-peer").unwrap();
    // Consumed by the connect.
    assert_eq!(
        router.get_option(SocketOption::ConnectRoutingId).unwrap(),
        ferromq::OptionValue::from(&b""[..])
    );
    router.set_option(SocketOption::RouterMandatory, 1).unwrap();
    for (i, rep) in reps.iter().enumerate() {
        let id = format!("rep-{i}");
        eventually("the peer to be routable", || {
            router
                .send_multipart([id.as_bytes(), b"hi"], flags::DONTWAIT)
                .is_ok()
        });
        assert_eq!(rep.recv_bytes(0).unwrap(), b"hi");
        // And what they send arrives under that name.
        rep.send("back", 0).unwrap();
        assert_eq!(
            frames(&router.recv_msg(0).unwrap()),
            vec![id.as_bytes().to_vec(), b"back".to_vec()]
        );
    }
    router
        .send_multipart([&b"inproc-peer"[..], b"direct"], 0)
        .unwrap();
    assert_eq!(dealer.recv(0).unwrap(), b"direct");
    // A bad value is EINVAL.
    assert_eq!(
        router
            .set_option(SocketOption::ConnectRoutingId, "")
            .unwrap_err()
            .kind(),
        ErrorKind::Invalid
    );
}

#[test]
fn a_connect_routing_id_is_routable_before_the_connection_is_up() {
    // As in libzmq: the connect's pipe exists at once under its name, so a message sent
    // right after `connect` waits in it instead of being dropped (ROUTER) or refused with
    // EHOSTUNREACH (STREAM, ROUTER_MANDATORY).
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    let dealer = libzmq(&zctx, zmq::DEALER);
    let endpoint = libzmq_bind(&dealer);
    let router = ferro(&ctx, SocketType::Router);
    router.set_option(SocketOption::RouterMandatory, 1).unwrap();
    router
        .set_option(SocketOption::ConnectRoutingId, "early")
        .unwrap();
    router.connect(&endpoint).unwrap();
    router
        .send_multipart([&b"early"[..], b"queued"], flags::DONTWAIT)
        .unwrap();
    assert_eq!(dealer.recv_bytes(0).unwrap(), b"queued");

    let raw = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let stream = ferro(&ctx, SocketType::Stream);
    stream
        .set_option(SocketOption::ConnectRoutingId, "web")
        .unwrap();
    stream
        .connect(&format!("tcp://{}", raw.local_addr().unwrap()))
        .unwrap();
    stream
        .send_multipart([&b"web"[..], b"GET /"], flags::DONTWAIT)
        .unwrap();
    let (mut peer, _) = raw.accept().unwrap();
    let mut got = [0u8; 5];
    std::io::Read::read_exact(&mut peer, &mut got).unwrap();
    assert_eq!(&got, b"GET /");
}

#[test]
fn try_send_msg_hands_the_message_back_when_it_cannot_queue() {
    let ctx = Context::new();
    let push = ferro(&ctx, SocketType::Push);
    // No peer: EAGAIN, and the very same message comes back.
    let big = ferromq::Frame::from(bytes::Bytes::from(vec![9u8; 4096]));
    let data = big.as_slice().as_ptr();
    let unsent = push
        .try_send_msg(ferromq::Message::single(big), flags::DONTWAIT, None)
        .unwrap_err();
    assert_eq!(unsent.error.kind(), ErrorKind::Again);
    let back = unsent.message.expect("the message is handed back");
    assert_eq!(back.frames()[0].as_slice().as_ptr(), data, "not a copy");
    // Once a peer exists it goes through.
    let pull = ferro(&ctx, SocketType::Pull);
    push.connect(&ferro_bind(&pull)).unwrap();
    push.try_send_msg(back, 0, None).unwrap();
    assert_eq!(pull.recv(0).unwrap().len(), 4096);
}
