//! Every socket-type pair against the real libzmq (Debian's libzmq 4.3.4 through the `zmq`
//! crate), in both directions: FerroMQ binds and libzmq connects, and the reverse.

mod common;

use common::*;
use ferromq::{flags, Context, SocketOption, SocketType};

/// Which side binds.
#[derive(Clone, Copy, Debug)]
enum Binder {
    Ferro,
    Libzmq,
}

const BOTH: [Binder; 2] = [Binder::Ferro, Binder::Libzmq];

fn pair_up(
    ctx: &Context,
    zctx: &zmq::Context,
    ferro_type: SocketType,
    zmq_type: zmq::SocketType,
    binder: Binder,
) -> (ferromq::Socket, zmq::Socket) {
    let f = ferro(ctx, ferro_type);
    let z = libzmq(zctx, zmq_type);
    match binder {
        Binder::Ferro => z.connect(&ferro_bind(&f)).unwrap(),
        Binder::Libzmq => f.connect(&libzmq_bind(&z)).unwrap(),
    }
    (f, z)
}

#[test]
fn req_rep_both_ways() {
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    for binder in BOTH {
        // FerroMQ REQ, libzmq REP.
        let (req, rep) = pair_up(&ctx, &zctx, SocketType::Req, zmq::REP, binder);
        for i in 0..10 {
            req.send(format!("hello {i}").as_str(), 0).unwrap();
            assert_eq!(rep.recv_bytes(0).unwrap(), format!("hello {i}").as_bytes());
            rep.send("world", 0).unwrap();
            assert_eq!(req.recv(0).unwrap(), b"world");
        }
        // FerroMQ REP, libzmq REQ.
        let (rep, req) = pair_up(&ctx, &zctx, SocketType::Rep, zmq::REQ, binder);
        for _ in 0..10 {
            req.send("ping", 0).unwrap();
            assert_eq!(rep.recv(0).unwrap(), b"ping");
            rep.send("pong", 0).unwrap();
            assert_eq!(req.recv_bytes(0).unwrap(), b"pong");
        }
    }
}

#[test]
fn dealer_router_both_ways_with_identities() {
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    for binder in BOTH {
        // FerroMQ DEALER with a routing id, libzmq ROUTER.
        let dealer = ferro(&ctx, SocketType::Dealer);
        dealer
            .set_option(SocketOption::RoutingId, &b"ferro-dealer"[..])
            .unwrap();
        let router = libzmq(&zctx, zmq::ROUTER);
        match binder {
            Binder::Ferro => router.connect(&ferro_bind(&dealer)).unwrap(),
            Binder::Libzmq => dealer.connect(&libzmq_bind(&router)).unwrap(),
        }
        dealer.send_multipart([&b"a"[..], b"b", b"c"], 0).unwrap();
        let got = router.recv_multipart(0).unwrap();
        assert_eq!(
            got,
            vec![
                b"ferro-dealer".to_vec(),
                b"a".to_vec(),
                b"b".to_vec(),
                b"c".to_vec()
            ]
        );
        router
            .send_multipart([&b"ferro-dealer"[..], b"reply", b"2"], 0)
            .unwrap();
        assert_eq!(
            frames(&dealer.recv_msg(0).unwrap()),
            vec![b"reply".to_vec(), b"2".to_vec()]
        );

        // FerroMQ ROUTER, libzmq DEALER with a routing id.
        let router = ferro(&ctx, SocketType::Router);
        let dealer = libzmq(&zctx, zmq::DEALER);
        dealer.set_identity(b"zmq-dealer").unwrap();
        match binder {
            Binder::Ferro => dealer.connect(&ferro_bind(&router)).unwrap(),
            Binder::Libzmq => router.connect(&libzmq_bind(&dealer)).unwrap(),
        }
        dealer.send_multipart([&b"x"[..], b"y"], 0).unwrap();
        let got = router.recv_msg(0).unwrap();
        assert_eq!(
            frames(&got),
            vec![b"zmq-dealer".to_vec(), b"x".to_vec(), b"y".to_vec()]
        );
        router
            .send_multipart([&b"zmq-dealer"[..], b"back"], 0)
            .unwrap();
        assert_eq!(dealer.recv_multipart(0).unwrap(), vec![b"back".to_vec()]);
    }
}

#[test]
fn router_generates_ids_for_anonymous_peers() {
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    let router = ferro(&ctx, SocketType::Router);
    let endpoint = ferro_bind(&router);
    let peers: Vec<zmq::Socket> = (0..3)
        .map(|_| {
            let d = libzmq(&zctx, zmq::DEALER);
            d.connect(&endpoint).unwrap();
            d
        })
        .collect();
    let mut ids = Vec::new();
    for (i, peer) in peers.iter().enumerate() {
        peer.send(format!("from {i}").as_str(), 0).unwrap();
        let msg = router.recv_msg(0).unwrap();
        assert_eq!(msg.len(), 2);
        let id = msg.frames()[0].to_vec();
        assert_eq!(id.len(), 5, "generated ids are 5 bytes, like libzmq's");
        assert_eq!(id[0], 0, "generated ids start with a zero byte");
        ids.push((id, msg.frames()[1].to_vec()));
    }
    // Replies reach the right peer.
    for (id, body) in &ids {
        router
            .send_multipart([id.as_slice(), b"echo", body.as_slice()], 0)
            .unwrap();
    }
    for (i, peer) in peers.iter().enumerate() {
        assert_eq!(
            peer.recv_multipart(0).unwrap(),
            vec![b"echo".to_vec(), format!("from {i}").into_bytes()]
        );
    }
}

#[test]
fn req_router_and_dealer_rep_both_ways() {
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    for binder in BOTH {
        // FerroMQ REQ → libzmq ROUTER: the router sees [id, "", body].
        let (req, router) = pair_up(&ctx, &zctx, SocketType::Req, zmq::ROUTER, binder);
        req.send("question", 0).unwrap();
        let got = router.recv_multipart(0).unwrap();
        assert_eq!(got.len(), 3);
        assert!(got[1].is_empty());
        assert_eq!(got[2], b"question");
        router
            .send_multipart([got[0].as_slice(), b"", b"answer"], 0)
            .unwrap();
        assert_eq!(req.recv(0).unwrap(), b"answer");

        // libzmq DEALER → FerroMQ REP: the dealer must add the empty delimiter itself.
        let (rep, dealer) = pair_up(&ctx, &zctx, SocketType::Rep, zmq::DEALER, binder);
        dealer.send_multipart([&b""[..], b"work"], 0).unwrap();
        assert_eq!(rep.recv(0).unwrap(), b"work");
        rep.send("done", 0).unwrap();
        assert_eq!(
            dealer.recv_multipart(0).unwrap(),
            vec![b"".to_vec(), b"done".to_vec()]
        );

        // FerroMQ DEALER → libzmq REP.
        let (dealer, rep) = pair_up(&ctx, &zctx, SocketType::Dealer, zmq::REP, binder);
        dealer.send_multipart([&b""[..], b"job"], 0).unwrap();
        assert_eq!(rep.recv_bytes(0).unwrap(), b"job");
        rep.send("ok", 0).unwrap();
        assert_eq!(
            frames(&dealer.recv_msg(0).unwrap()),
            vec![b"".to_vec(), b"ok".to_vec()]
        );

        // libzmq REQ → FerroMQ ROUTER.
        let (router, req) = pair_up(&ctx, &zctx, SocketType::Router, zmq::REQ, binder);
        req.send("q", 0).unwrap();
        let got = frames(&router.recv_msg(0).unwrap());
        assert_eq!(&got[1..], &[b"".to_vec(), b"q".to_vec()]);
        router
            .send_multipart([got[0].as_slice(), b"", b"a"], 0)
            .unwrap();
        assert_eq!(req.recv_bytes(0).unwrap(), b"a");
    }
}

#[test]
fn push_pull_both_ways_with_multipart() {
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    for binder in BOTH {
        let (push, pull) = pair_up(&ctx, &zctx, SocketType::Push, zmq::PULL, binder);
        for i in 0..1000u32 {
            push.send(&i.to_le_bytes()[..], flags::SNDMORE).unwrap();
            push.send(vec![7u8; (i % 300) as usize], 0).unwrap();
        }
        for i in 0..1000u32 {
            let parts = pull.recv_multipart(0).unwrap();
            assert_eq!(
                parts,
                vec![i.to_le_bytes().to_vec(), vec![7u8; (i % 300) as usize]]
            );
        }

        let (pull, push) = pair_up(&ctx, &zctx, SocketType::Pull, zmq::PUSH, binder);
        let big = vec![42u8; 1 << 20];
        push.send_multipart([&b"head"[..], &big[..]], 0).unwrap();
        for i in 0..1000u32 {
            push.send(&i.to_be_bytes()[..], 0).unwrap();
        }
        let first = pull.recv_msg(0).unwrap();
        assert_eq!(first.len(), 2);
        assert_eq!(first.frames()[1].len(), 1 << 20);
        assert!(first.frames()[1].iter().all(|b| *b == 42));
        for i in 0..1000u32 {
            assert_eq!(pull.recv(0).unwrap(), &i.to_be_bytes());
            assert!(!pull.rcvmore());
        }
    }
}

/// A sender that outpaces its connection has its writes batched (`write_coalescing.rs`):
/// the engine waits for more messages after a small write. Each burst must still arrive
/// whole, in order and at once when the sender stops, for any HWM (none, below a batch, the
/// default), without a later message to push it out.
#[test]
fn bursts_arrive_whole_when_the_sender_stops() {
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    for hwm in [0, 10, 1000] {
        for binder in BOTH {
            let push = ferro(&ctx, SocketType::Push);
            push.set_option(SocketOption::SndHwm, hwm).unwrap();
            let pull = libzmq(&zctx, zmq::PULL);
            pull.set_rcvhwm(hwm).unwrap();
            // Far above the batching delay (microseconds): a stuck tail fails quickly.
            pull.set_rcvtimeo(1000).unwrap();
            match binder {
                Binder::Ferro => pull.connect(&ferro_bind(&push)).unwrap(),
                Binder::Libzmq => push.connect(&libzmq_bind(&pull)).unwrap(),
            }
            let mut next = 0u32;
            for burst in [1usize, 7, 3000, 20_000, 499, 2] {
                let first = next;
                for _ in 0..burst {
                    push.send(&next.to_le_bytes()[..], 0).unwrap();
                    next += 1;
                }
                for expected in first..next {
                    let got = pull.recv_bytes(0).unwrap_or_else(|e| {
                        panic!("message {expected} of a burst of {burst} (HWM {hwm}, {binder:?} binds): {e}")
                    });
                    assert_eq!(got, expected.to_le_bytes());
                }
            }
        }
    }
}

/// Large frames are read into buffers the engine reuses once the application drops them:
/// frames the application still holds must keep their bytes, whichever others it drops,
/// through runs of large frames broken by small ones.
#[test]
fn held_large_frames_keep_their_bytes_while_others_are_dropped() {
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    for binder in BOTH {
        let (pull, push) = pair_up(&ctx, &zctx, SocketType::Pull, zmq::PUSH, binder);
        let sizes = |i: usize| (200 << 10) + i * 4099;
        for i in 0..60usize {
            push.send(vec![i as u8; sizes(i)], 0).unwrap();
            if i % 17 == 16 {
                push.send(&b"small"[..], 0).unwrap();
            }
        }
        let mut held = Vec::new();
        for i in 0..60usize {
            let frame = pull.recv(0).unwrap();
            assert_eq!(frame.len(), sizes(i), "message {i}");
            assert!(
                frame.iter().all(|&b| b == i as u8),
                "message {i} on arrival"
            );
            if i % 3 != 1 {
                held.push((i, frame));
            }
            if i % 17 == 16 {
                assert_eq!(pull.recv(0).unwrap(), &b"small"[..]);
            }
        }
        for (i, frame) in &held {
            assert!(
                frame.iter().all(|&b| b == *i as u8),
                "message {i} changed after later messages arrived ({binder:?} binds)"
            );
        }
    }
}

#[test]
fn pub_sub_both_ways_with_prefix_filtering() {
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    for binder in BOTH {
        // FerroMQ PUB → libzmq SUB.
        let (publisher, sub) = pair_up(&ctx, &zctx, SocketType::Pub, zmq::SUB, binder);
        sub.set_subscribe(b"weather.").unwrap();
        eventually("libzmq SUB's subscription to reach FerroMQ PUB", || {
            publisher.send("weather.probe", 0).unwrap();
            sub.recv_bytes(zmq::DONTWAIT).is_ok()
        });
        publisher.send("sports.goal", 0).unwrap();
        publisher
            .send_multipart([&b"weather.today"[..], b"sunny"], 0)
            .unwrap();
        // Probes may still be in flight; skip them.
        let mut got = sub.recv_multipart(0).unwrap();
        while got == [b"weather.probe".to_vec()] {
            got = sub.recv_multipart(0).unwrap();
        }
        assert_eq!(got, vec![b"weather.today".to_vec(), b"sunny".to_vec()]);

        // libzmq PUB → FerroMQ SUB.
        let (sub, publisher) = pair_up(&ctx, &zctx, SocketType::Sub, zmq::PUB, binder);
        sub.subscribe("news").unwrap();
        eventually("FerroMQ SUB's subscription to reach libzmq PUB", || {
            publisher.send("news probe", 0).unwrap();
            sub.recv(flags::DONTWAIT).is_ok()
        });
        publisher.send("other", 0).unwrap();
        publisher.send("news flash", 0).unwrap();
        let mut got = sub.recv(0).unwrap();
        while got == b"news probe" {
            got = sub.recv(0).unwrap();
        }
        assert_eq!(got, b"news flash");
        sub.unsubscribe("news").unwrap();
        eventually("the cancel to reach libzmq PUB", || {
            publisher.send("news late", 0).unwrap();
            sub.recv(flags::DONTWAIT).is_err()
        });
    }
}

#[test]
fn xpub_xsub_subscriptions_from_both_sides() {
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    for binder in BOTH {
        // FerroMQ XPUB sees libzmq XSUB's subscription messages, and publishes.
        let (xpub, xsub) = pair_up(&ctx, &zctx, SocketType::XPub, zmq::XSUB, binder);
        xsub.send(&b"\x01topic"[..], 0).unwrap();
        // libzmq's XSUB, when bound, passes its subscriptions to a new peer only when called.
        let mut subscription = None;
        eventually("FerroMQ XPUB to see the subscription", || {
            let _ = xsub.get_events();
            subscription = xpub.recv(flags::DONTWAIT).ok();
            subscription.is_some()
        });
        assert_eq!(subscription.unwrap(), b"\x01topic");
        xpub.send("topic.data", 0).unwrap();
        xpub.send("other", 0).unwrap();
        assert_eq!(xsub.recv_bytes(0).unwrap(), b"topic.data");
        xsub.send(&b"\x00topic"[..], 0).unwrap();
        assert_eq!(xpub.recv(0).unwrap(), b"\x00topic");

        // libzmq XPUB sees FerroMQ XSUB's subscriptions.
        let (xsub, xpub) = pair_up(&ctx, &zctx, SocketType::XSub, zmq::XPUB, binder);
        xsub.send(&b"\x01abc"[..], 0).unwrap();
        // As in libzmq, a bound socket takes on a new peer (and sends it the subscriptions)
        // when the application next calls it; keep it busy as a proxy loop would.
        let mut subscription = None;
        eventually("libzmq XPUB to see the subscription", || {
            let _ = xsub.events();
            subscription = xpub.recv_bytes(zmq::DONTWAIT).ok();
            subscription.is_some()
        });
        assert_eq!(subscription.unwrap(), b"\x01abc");
        xpub.send("abc-1", 0).unwrap();
        xpub.send("xyz", 0).unwrap();
        assert_eq!(xsub.recv(0).unwrap(), b"abc-1");
        xsub.send(&b"\x00abc"[..], 0).unwrap();
        assert_eq!(xpub.recv_bytes(0).unwrap(), b"\x00abc");
    }
}

#[test]
fn pair_pair_both_ways() {
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    for binder in BOTH {
        let (a, b) = pair_up(&ctx, &zctx, SocketType::Pair, zmq::PAIR, binder);
        a.send("to libzmq", 0).unwrap();
        assert_eq!(b.recv_bytes(0).unwrap(), b"to libzmq");
        b.send_multipart([&b"to"[..], b"ferro"], 0).unwrap();
        assert_eq!(
            frames(&a.recv_msg(0).unwrap()),
            vec![b"to".to_vec(), b"ferro".to_vec()]
        );
    }
}

#[test]
fn incompatible_socket_types_are_refused() {
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    // A libzmq PUSH cannot talk to a FerroMQ REP: the handshake fails and nothing arrives.
    let rep = ferro(&ctx, SocketType::Rep);
    rep.set_option(SocketOption::RcvTimeo, 300).unwrap();
    let push = libzmq(&zctx, zmq::PUSH);
    push.connect(&ferro_bind(&rep)).unwrap();
    push.set_sndtimeo(300).unwrap();
    let _ = push.send("nope", 0);
    assert!(rep.recv(0).unwrap_err().is_again());
}

#[test]
fn reconnects_after_the_libzmq_peer_restarts() {
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    let push = ferro(&ctx, SocketType::Push);
    push.set_option(SocketOption::ReconnectIvl, 20).unwrap();
    let pull = libzmq(&zctx, zmq::PULL);
    let endpoint = libzmq_bind(&pull);
    push.connect(&endpoint).unwrap();
    push.send("before", 0).unwrap();
    assert_eq!(pull.recv_bytes(0).unwrap(), b"before");

    // The libzmq peer goes away and comes back on the same port.
    drop(pull);
    std::thread::sleep(std::time::Duration::from_millis(100));
    let pull = libzmq(&zctx, zmq::PULL);
    eventually("rebinding the port", || pull.bind(&endpoint).is_ok());
    // Messages sent while the peer was away may be lost with the old connection (as in
    // libzmq); keep sending until one arrives on the new one.
    eventually("a message over the new connection", || {
        let _ = push.send("after", flags::DONTWAIT);
        pull.recv_bytes(zmq::DONTWAIT).is_ok()
    });

    // And the reverse: a FerroMQ PULL connected to a libzmq PUSH that restarts.
    let pull = ferro(&ctx, SocketType::Pull);
    pull.set_option(SocketOption::ReconnectIvl, 20).unwrap();
    let push = libzmq(&zctx, zmq::PUSH);
    let endpoint = libzmq_bind(&push);
    pull.connect(&endpoint).unwrap();
    push.send("one", 0).unwrap();
    assert_eq!(pull.recv(0).unwrap(), b"one");
    drop(push);
    std::thread::sleep(std::time::Duration::from_millis(100));
    let push = libzmq(&zctx, zmq::PUSH);
    eventually("rebinding the port", || push.bind(&endpoint).is_ok());
    push.send("two", 0).unwrap();
    assert_eq!(pull.recv(0).unwrap(), b"two");
}
