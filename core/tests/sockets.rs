//! FerroMQ to FerroMQ over TCP, through the public API: endpoints, options, errors, HWM,
//! timeouts, threads.

mod common;

use std::time::{Duration, Instant};

use common::*;
use ferromq::{flags, Context, ErrorKind, OptionValue, Socket, SocketOption, SocketType};

#[test]
fn sockets_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Socket>();
    assert_send_sync::<Context>();
}

#[test]
fn last_endpoint_reports_the_ephemeral_port_and_unbind_takes_it() {
    let ctx = Context::new();
    let rep = ferro(&ctx, SocketType::Rep);
    rep.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = rep.last_endpoint().unwrap();
    assert!(endpoint.starts_with("tcp://127.0.0.1:"), "{endpoint}");
    let port: u16 = endpoint.rsplit(':').next().unwrap().parse().unwrap();
    assert!(port > 0);
    assert_eq!(
        rep.get_option(SocketOption::LastEndpoint).unwrap(),
        OptionValue::Bytes(endpoint.clone().into())
    );
    // The same port again is in use.
    let other = ferro(&ctx, SocketType::Rep);
    assert_eq!(
        other.bind(&endpoint).unwrap_err().kind(),
        ErrorKind::AddrInUse
    );
    rep.unbind(&endpoint).unwrap();
    assert_eq!(
        rep.unbind(&endpoint).unwrap_err().kind(),
        ErrorKind::NoEntity
    );
    // Once unbind returns, the port can be bound again at once (libzmq).
    other.bind(&endpoint).unwrap();
}

#[test]
fn unbind_frees_the_address_before_it_returns() {
    let ctx = Context::new();
    let a = ferro(&ctx, SocketType::Pull);
    let b = ferro(&ctx, SocketType::Pull);
    // (Not ipc://*: its private directory goes with the unbind.)
    let ipc = format!("ipc:///tmp/ferromq-rebind-{}", std::process::id());
    for endpoint in ["tcp://127.0.0.1:*", ipc.as_str()] {
        a.bind(endpoint).unwrap();
        let resolved = a.last_endpoint().unwrap();
        for round in 0..20 {
            let (from, to) = if round % 2 == 0 { (&a, &b) } else { (&b, &a) };
            from.unbind(&resolved).unwrap();
            to.bind(&resolved)
                .unwrap_or_else(|e| panic!("{resolved}, round {round}: {e}"));
        }
        // After an even number of swaps `a` holds it again.
        a.unbind(&resolved).unwrap();
    }
}

#[test]
fn wildcard_interface_ipv6_and_many_endpoints() {
    let ctx = Context::new();
    let pull = ferro(&ctx, SocketType::Pull);
    pull.bind("tcp://*:*").unwrap();
    let any = pull.last_endpoint().unwrap();
    assert!(any.starts_with("tcp://0.0.0.0:"), "{any}");
    pull.bind("tcp://lo:*").unwrap();
    let lo = pull.last_endpoint().unwrap();
    pull.set_option(SocketOption::Ipv6, 1).unwrap();
    pull.bind("tcp://[::1]:*").unwrap();
    let v6 = pull.last_endpoint().unwrap();
    assert!(v6.starts_with("tcp://[::1]:"), "{v6}");

    let push = ferro(&ctx, SocketType::Push);
    push.set_option(SocketOption::Ipv6, 1).unwrap();
    let port = |e: &str| e.rsplit(':').next().unwrap().to_string();
    push.connect(&format!("tcp://127.0.0.1:{}", port(&any)))
        .unwrap();
    push.connect(&lo.replace("lo", "127.0.0.1")).unwrap();
    push.connect(&v6).unwrap();
    for i in 0..30u8 {
        push.send(&[i][..], 0).unwrap();
    }
    let mut got: Vec<u8> = (0..30).map(|_| pull.recv(0).unwrap()[0]).collect();
    got.sort();
    assert_eq!(got, (0..30).collect::<Vec<u8>>());
}

#[test]
fn connect_before_bind_queues_until_the_peer_appears() {
    let ctx = Context::new();
    // Find a free port, then release it.
    let probe = ferro(&ctx, SocketType::Pull);
    let endpoint = ferro_bind(&probe);
    drop(probe);
    let push = ferro(&ctx, SocketType::Push);
    push.set_option(SocketOption::ReconnectIvl, 10).unwrap();
    push.connect(&endpoint).unwrap();
    push.send("queued early", 0).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let pull = ferro(&ctx, SocketType::Pull);
    let deadline = Instant::now() + Duration::from_secs(5);
    while pull.bind(&endpoint).is_err() {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(pull.recv(0).unwrap(), b"queued early");
}

#[test]
fn bad_endpoints_and_options_are_clear_errors() {
    let ctx = Context::new();
    let s = ferro(&ctx, SocketType::Sub);
    assert_eq!(
        s.bind("tcp://127.0.0.1").unwrap_err().kind(),
        ErrorKind::Invalid
    );
    assert_eq!(
        s.bind("bogus://x").unwrap_err().kind(),
        ErrorKind::ProtocolNotSupported
    );
    assert_eq!(
        s.bind("tcp://no-such-interface0:5555").unwrap_err().kind(),
        ErrorKind::NoDevice
    );
    assert_eq!(
        s.connect("tcp://127.0.0.1:*").unwrap_err().kind(),
        ErrorKind::Invalid
    );
    let err = s.set_option(SocketOption::SndHwm, -3).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert!(err.to_string().contains("SNDHWM"), "{err}");
    let err = s.set_option(SocketOption::RouterMandatory, 1).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert!(err.to_string().contains("SUB"), "{err}");
    assert_eq!(
        s.get_int(SocketOption::Type).unwrap(),
        SocketType::Sub as i64
    );
    assert_eq!(
        s.disconnect("tcp://1.2.3.4:5").unwrap_err().kind(),
        ErrorKind::NoEntity
    );
}

/// unbind and disconnect check the endpoint's form first, as libzmq does: a malformed one is
/// EINVAL and an unknown transport EPROTONOSUPPORT, not "not bound" (ENOENT). The errno of
/// each case is compared with libzmq's.
#[test]
fn unbind_and_disconnect_check_the_endpoint_as_libzmq() {
    let ctx = Context::new();
    let s = ferro(&ctx, SocketType::Dealer);
    let zctx = zmq::Context::new();
    let z = zctx.socket(zmq::DEALER).unwrap();
    for endpoint in [
        "foo",
        "foo://bar",
        "tcp://",
        "inproc://",
        "://x",
        "tcp://127.0.0.1:1",
    ] {
        let ours = s.unbind(endpoint).unwrap_err();
        let theirs = z.unbind(endpoint).unwrap_err();
        assert_eq!(ours.errno(), theirs.to_raw(), "unbind {endpoint:?}: {ours}");
        let ours = s.disconnect(endpoint).unwrap_err();
        let theirs = z.disconnect(endpoint).unwrap_err();
        assert_eq!(
            ours.errno(),
            theirs.to_raw(),
            "disconnect {endpoint:?}: {ours}"
        );
    }
    // Binding to an interface that does not exist is ENODEV in libzmq.
    let ours = s.bind("tcp://no-such-interface0:5555").unwrap_err();
    let theirs = z.bind("tcp://no-such-interface0:5555").unwrap_err();
    assert_eq!(ours.errno(), theirs.to_raw(), "{ours}");
}

#[test]
fn options_round_trip() {
    let ctx = Context::new();
    let s = ctx.socket(SocketType::Dealer).unwrap();
    for (option, value) in [
        (SocketOption::SndHwm, 10),
        (SocketOption::RcvHwm, 20),
        (SocketOption::Linger, 250),
        (SocketOption::SndTimeo, 30),
        (SocketOption::RcvTimeo, 40),
        (SocketOption::ReconnectIvl, 50),
        (SocketOption::ReconnectIvlMax, 500),
        (SocketOption::Backlog, 7),
        (SocketOption::Immediate, 1),
        (SocketOption::Ipv6, 1),
        (SocketOption::HandshakeIvl, 1000),
        (SocketOption::TcpKeepalive, 1),
        (SocketOption::SndBuf, 65536),
        (SocketOption::RcvBuf, 65536),
        // Multicast settings are stored and reported, as libzmq does on every socket.
        (SocketOption::Rate, 10000),
        (SocketOption::RecoveryIvl, 5000),
        (SocketOption::MulticastHops, 4),
    ] {
        s.set_option(option, value).unwrap();
        assert_eq!(s.get_int(option).unwrap(), value as i64, "{option:?}");
    }
    s.set_option(SocketOption::MaxMsgSize, 1i64 << 40).unwrap();
    assert_eq!(s.get_int(SocketOption::MaxMsgSize).unwrap(), 1i64 << 40);
    s.set_option(SocketOption::RoutingId, &b"me"[..]).unwrap();
    assert_eq!(
        s.get_option(SocketOption::RoutingId).unwrap(),
        OptionValue::from(&b"me"[..])
    );
}

#[test]
fn timeouts_and_dontwait_give_eagain() {
    let ctx = Context::new();
    let pull = ferro(&ctx, SocketType::Pull);
    pull.set_option(SocketOption::RcvTimeo, 100).unwrap();
    let start = Instant::now();
    assert_eq!(pull.recv(0).unwrap_err().kind(), ErrorKind::Again);
    assert!(start.elapsed() >= Duration::from_millis(90));
    assert_eq!(
        pull.recv(flags::DONTWAIT).unwrap_err().kind(),
        ErrorKind::Again
    );

    // A PUSH with no peer blocks (never drops): EAGAIN at once with DONTWAIT.
    let push = ferro(&ctx, SocketType::Push);
    assert_eq!(
        push.send("x", flags::DONTWAIT).unwrap_err().kind(),
        ErrorKind::Again
    );
    push.set_option(SocketOption::SndTimeo, 100).unwrap();
    assert_eq!(push.send("x", 0).unwrap_err().kind(), ErrorKind::Again);
}

#[test]
fn push_blocks_at_the_hwm_and_resumes_when_the_peer_reads() {
    let ctx = Context::new();
    let pull = ferro(&ctx, SocketType::Pull);
    pull.set_option(SocketOption::RcvHwm, 10).unwrap();
    let endpoint = ferro_bind(&pull);
    let push = ferro(&ctx, SocketType::Push);
    push.set_option(SocketOption::SndHwm, 10).unwrap();
    push.set_option(SocketOption::SndTimeo, 200).unwrap();
    push.connect(&endpoint).unwrap();
    // Fill both queues and the kernel buffers: eventually a send times out.
    let payload = vec![0u8; 64 * 1024];
    let mut sent = 0u32;
    loop {
        match push.send(payload.clone(), 0) {
            Ok(()) => sent += 1,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Again);
                break;
            }
        }
        assert!(sent < 10_000, "PUSH never blocked at its HWM");
    }
    // Everything sent arrives, nothing lost.
    for _ in 0..sent {
        assert_eq!(pull.recv(0).unwrap().len(), 64 * 1024);
    }
    push.send("after", 0).unwrap();
    assert_eq!(pull.recv(0).unwrap(), b"after");
}

#[test]
fn pub_drops_at_the_hwm_instead_of_blocking() {
    let ctx = Context::new();
    let publisher = ferro(&ctx, SocketType::Pub);
    publisher.set_option(SocketOption::SndHwm, 5).unwrap();
    let endpoint = ferro_bind(&publisher);
    let sub = ferro(&ctx, SocketType::Sub);
    sub.set_option(SocketOption::RcvHwm, 5).unwrap();
    sub.subscribe("").unwrap();
    sub.connect(&endpoint).unwrap();
    eventually("subscription", || {
        publisher.send("probe", 0).unwrap();
        sub.recv(flags::DONTWAIT).is_ok()
    });
    // Never blocks, whatever the subscriber does.
    let start = Instant::now();
    for _ in 0..100_000 {
        publisher.send(vec![1u8; 1000], flags::DONTWAIT).unwrap();
    }
    assert!(start.elapsed() < Duration::from_secs(20));
}

#[test]
fn req_state_machine_and_unsupported_operations() {
    let ctx = Context::new();
    let req = ferro(&ctx, SocketType::Req);
    assert_eq!(req.recv(0).unwrap_err().kind(), ErrorKind::Fsm);
    let rep = ferro(&ctx, SocketType::Rep);
    assert_eq!(rep.send("x", 0).unwrap_err().kind(), ErrorKind::Fsm);
    let endpoint = ferro_bind(&rep);
    req.connect(&endpoint).unwrap();
    req.send("1", 0).unwrap();
    assert_eq!(req.send("2", 0).unwrap_err().kind(), ErrorKind::Fsm);
    assert_eq!(
        req.send("2", flags::SNDMORE).unwrap_err().kind(),
        ErrorKind::Fsm
    );
    assert_eq!(rep.recv(0).unwrap(), b"1");
    assert_eq!(rep.recv(0).unwrap_err().kind(), ErrorKind::Fsm);
    rep.send("one", 0).unwrap();
    assert_eq!(req.recv(0).unwrap(), b"one");

    let push = ferro(&ctx, SocketType::Push);
    assert_eq!(push.recv(0).unwrap_err().kind(), ErrorKind::NotSupported);
    let pull = ferro(&ctx, SocketType::Pull);
    assert_eq!(
        pull.send("x", 0).unwrap_err().kind(),
        ErrorKind::NotSupported
    );
    let sub = ferro(&ctx, SocketType::Sub);
    assert_eq!(
        sub.send("x", 0).unwrap_err().kind(),
        ErrorKind::NotSupported
    );
}

#[test]
fn router_mandatory_reports_unknown_peers() {
    let ctx = Context::new();
    let router = ferro(&ctx, SocketType::Router);
    router
        .send_multipart([&b"nobody"[..], b"dropped silently"], 0)
        .unwrap();
    router.set_option(SocketOption::RouterMandatory, 1).unwrap();
    let err = router
        .send_multipart([&b"nobody"[..], b"x"], 0)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HostUnreachable);
}

#[test]
fn closed_socket_gives_enotsock_and_closing_is_clean() {
    let ctx = Context::new();
    let s = ferro(&ctx, SocketType::Pair);
    ferro_bind(&s);
    s.close();
    assert!(s.is_closed());
    assert_eq!(s.send("x", 0).unwrap_err().kind(), ErrorKind::NotSocket);
    assert_eq!(s.recv(0).unwrap_err().kind(), ErrorKind::NotSocket);
}

#[test]
fn a_socket_can_be_shared_between_threads() {
    let ctx = Context::new();
    let pull = std::sync::Arc::new(ferro(&ctx, SocketType::Pull));
    let endpoint = ferro_bind(&pull);
    let receiver = {
        let pull = pull.clone();
        std::thread::spawn(move || (0..100).map(|_| pull.recv(0).unwrap().len()).sum::<usize>())
    };
    let push = ferro(&ctx, SocketType::Push);
    push.connect(&endpoint).unwrap();
    for _ in 0..100 {
        push.send("four", 0).unwrap();
    }
    assert_eq!(receiver.join().unwrap(), 400);
}

#[test]
fn term_wakes_blocked_calls_with_eterm() {
    let ctx = Context::new();
    let pull = ctx.socket(SocketType::Pull).unwrap();
    let blocked = std::thread::spawn(move || pull.recv(0).unwrap_err().kind());
    std::thread::sleep(Duration::from_millis(100));
    ctx.term();
    assert_eq!(blocked.join().unwrap(), ErrorKind::Term);
}

#[test]
fn linger_delivers_queued_messages_after_close() {
    let ctx = Context::new();
    let pull = ferro(&ctx, SocketType::Pull);
    let endpoint = ferro_bind(&pull);
    {
        let sender_ctx = Context::new();
        let push = sender_ctx.socket(SocketType::Push).unwrap();
        push.set_option(SocketOption::Linger, 5000).unwrap();
        push.connect(&endpoint).unwrap();
        for i in 0..1000u32 {
            push.send(&i.to_le_bytes()[..], 0).unwrap();
        }
        // Dropping socket and context waits (within LINGER) for the queue to drain.
    }
    for i in 0..1000u32 {
        assert_eq!(pull.recv(0).unwrap(), &i.to_le_bytes());
    }
}

#[test]
fn an_interrupt_hook_ends_a_blocked_call() {
    let ctx = Context::new();
    let pull = ctx.socket(SocketType::Pull).unwrap();
    let mut calls = 0;
    let start = Instant::now();
    let mut hook = || {
        calls += 1;
        if calls == 3 {
            Err(ferromq::Error::new(
                ErrorKind::Interrupted,
                "interrupted by the test",
            ))
        } else {
            Ok(())
        }
    };
    let err = pull.recv_msg_interruptible(0, Some(&mut hook)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Interrupted);
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(250) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
    // The frame-level calls take a hook too (a PUSH with no peer blocks on send).
    let interrupted = || Err(ferromq::Error::new(ErrorKind::Interrupted, "stop"));
    let err = pull
        .recv_interruptible(0, Some(&mut { interrupted }))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Interrupted);
    let push = ctx.socket(SocketType::Push).unwrap();
    let err = push
        .send_interruptible("x", flags::SNDMORE, Some(&mut { interrupted }))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Interrupted);
    // With RCVTIMEO the hook runs and the timeout still applies.
    pull.set_option(SocketOption::RcvTimeo, 250).unwrap();
    let err = pull
        .recv_msg_interruptible(0, Some(&mut || Ok(())))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Again);
}

#[test]
fn linger_expires_against_a_peer_that_never_reads() {
    // A raw TCP peer that completes the handshake and then reads nothing.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("tcp://{}", listener.local_addr().unwrap());
    let stuck = std::thread::spawn(move || {
        use std::io::Write;
        let (mut stream, _) = listener.accept().unwrap();
        let mut hello = vec![
            0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F, 3, 1, b'N', b'U', b'L', b'L',
        ];
        hello.resize(64, 0);
        hello.extend_from_slice(&[0x04, 26, 5, b'R', b'E', b'A', b'D', b'Y', 11]);
        hello.extend_from_slice(b"Socket-Type");
        hello.extend_from_slice(&4u32.to_be_bytes());
        hello.extend_from_slice(b"PULL");
        stream.write_all(&hello).unwrap();
        std::thread::sleep(Duration::from_secs(4));
    });
    let start = Instant::now();
    {
        let ctx = Context::new();
        let push = ctx.socket(SocketType::Push).unwrap();
        push.set_option(SocketOption::SndHwm, 0).unwrap();
        push.connect(&endpoint).unwrap();
        // Far more than the kernel buffers hold.
        for _ in 0..200 {
            push.send(vec![0u8; 64 * 1024], 0).unwrap();
        }
        std::thread::sleep(Duration::from_millis(100));
        push.set_option(SocketOption::Linger, 200).unwrap();
    }
    let elapsed = start.elapsed();
    assert!(
        elapsed < Duration::from_secs(3),
        "closing took {elapsed:?} despite LINGER 200"
    );
    stuck.join().unwrap();
}

#[test]
fn conflate_keeps_only_the_newest_message() {
    let ctx = Context::new();
    for transport in ["tcp://127.0.0.1:*", "inproc://conflate"] {
        let pull = ferro(&ctx, SocketType::Pull);
        pull.set_option(SocketOption::Conflate, 1).unwrap();
        pull.bind(transport).unwrap();
        let endpoint = pull.last_endpoint().unwrap();
        let push = ferro(&ctx, SocketType::Push);
        push.connect(&endpoint).unwrap();
        for i in 0..1000u32 {
            push.send(&i.to_le_bytes()[..], 0).unwrap();
        }
        // Once the last one has arrived, it is the only one left.
        let mut last = 0;
        eventually("the newest message", || {
            if let Ok(frame) = pull.recv(flags::DONTWAIT) {
                last = u32::from_le_bytes(frame.as_slice().try_into().unwrap());
            }
            last == 999
        });
        assert!(
            pull.recv(flags::DONTWAIT).is_err(),
            "{transport}: older messages kept"
        );
    }
    // A SUB with CONFLATE sees the latest value of a stream of updates.
    let publisher = ferro(&ctx, SocketType::Pub);
    let endpoint = ferro_bind(&publisher);
    let sub = ferro(&ctx, SocketType::Sub);
    sub.set_option(SocketOption::Conflate, 1).unwrap();
    sub.subscribe("").unwrap();
    sub.connect(&endpoint).unwrap();
    eventually("the subscription", || {
        publisher.send("probe", 0).unwrap();
        sub.recv(flags::DONTWAIT).is_ok()
    });
    for i in 0..100u32 {
        publisher.send(format!("update {i}").as_str(), 0).unwrap();
    }
    let mut latest = String::new();
    eventually("the latest update", || {
        if let Ok(frame) = sub.recv(flags::DONTWAIT) {
            latest = String::from_utf8(frame.to_vec()).unwrap();
        }
        latest == "update 99"
    });
}

#[test]
fn one_socket_binds_and_connects_with_several_io_threads() {
    let ctx = Context::with_io_threads(3).unwrap();
    assert_eq!(ctx.io_threads(), 3);
    assert_eq!(
        Context::with_io_threads(0).unwrap_err().kind(),
        ErrorKind::Invalid
    );
    // A PULL that both binds (for one pusher) and connects (to another).
    let pull = ferro(&ctx, SocketType::Pull);
    let bound = ferro_bind(&pull);
    let far_push = ferro(&ctx, SocketType::Push);
    let far_endpoint = ferro_bind(&far_push);
    pull.connect(&far_endpoint).unwrap();
    let near_push = ferro(&ctx, SocketType::Push);
    near_push.connect(&bound).unwrap();
    for i in 0..50u8 {
        near_push.send(&[0, i][..], 0).unwrap();
        far_push.send(&[1, i][..], 0).unwrap();
    }
    let mut from = [0usize; 2];
    for _ in 0..100 {
        from[pull.recv(0).unwrap()[0] as usize] += 1;
    }
    assert_eq!(from, [50, 50]);
}

#[test]
fn wildcard_binds_are_undone_by_the_address_they_got() {
    // As libzmq: unbinding the wildcard itself is ENOENT; the resolved endpoint works.
    let ctx = Context::new();
    let socket = ctx.socket(SocketType::Pull).unwrap();
    socket.bind("tcp://127.0.0.1:*").unwrap();
    let bound = socket.last_endpoint().unwrap();
    let e = socket.unbind("tcp://127.0.0.1:*").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoEntity);
    socket.unbind(&bound).unwrap();
    socket.bind("ipc://*").unwrap();
    assert_eq!(
        socket.unbind("ipc://*").unwrap_err().kind(),
        ErrorKind::NoEntity
    );
    socket.unbind(&socket.last_endpoint().unwrap()).unwrap();
}

#[test]
fn a_host_with_spaces_is_refused_at_once() {
    let ctx = Context::new();
    let socket = ctx.socket(SocketType::Req).unwrap();
    let e = socket.connect("tcp://in val id:1234").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
}

#[test]
fn router_mandatory_refuses_an_unknown_id_on_its_first_frame() {
    // As libzmq: the routing id frame sent with SNDMORE already fails with EHOSTUNREACH.
    let ctx = Context::new();
    let router = ctx.socket(SocketType::Router).unwrap();
    router.set_option(SocketOption::RouterMandatory, 1).unwrap();
    let e = router.send(&b"nobody"[..], flags::SNDMORE).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::HostUnreachable);
}

#[test]
fn received_messages_carry_their_connections_properties() {
    // libzmq's message metadata: Peer-Address, the peer's READY properties, the descriptor.
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    let pull = ferro(&ctx, SocketType::Pull);
    let endpoint = ferro_bind(&pull);
    let push = libzmq(&zctx, zmq::PUSH);
    push.connect(&endpoint).unwrap();
    push.send("over tcp", 0).unwrap();
    assert_eq!(pull.recv(0).unwrap(), b"over tcp");
    let (more, properties) = pull.received();
    assert!(!more);
    let properties = properties.expect("a tcp message has properties");
    assert_eq!(properties.get("Peer-Address"), Some(&b"127.0.0.1"[..]));
    assert_eq!(properties.get("socket-type"), Some(&b"PUSH"[..]));
    assert!(properties.fd().is_some_and(|fd| fd >= 0));
    assert_eq!(properties.get("X-Nothing"), None);

    // Over inproc there are none.
    let inproc_push = ferro(&ctx, SocketType::Push);
    pull.bind("inproc://properties").unwrap();
    inproc_push.connect("inproc://properties").unwrap();
    inproc_push.send("over inproc", 0).unwrap();
    assert_eq!(pull.recv(0).unwrap(), b"over inproc");
    assert!(pull.received().1.is_none());

    // Each frame of a multipart message, read one by one, has its message's properties.
    let router = ferro(&ctx, SocketType::Router);
    let router_endpoint = ferro_bind(&router);
    let dealer = libzmq(&zctx, zmq::DEALER);
    dealer.set_identity(b"d1").unwrap();
    dealer.connect(&router_endpoint).unwrap();
    dealer.send_multipart(["a", "b"], 0).unwrap();
    for expected in [&b"d1"[..], b"a", b"b"] {
        assert_eq!(router.recv(0).unwrap(), expected);
        let properties = router.received().1.unwrap();
        assert_eq!(properties.get("Identity"), Some(&b"d1"[..]));
        assert_eq!(properties.get("Socket-Type"), Some(&b"DEALER"[..]));
    }
}
