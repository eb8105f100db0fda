//! Proxies and devices through the public API, over TCP, with libzmq peers where it
//! matters: QUEUE, FORWARDER (subscriptions upstream), STREAMER, capture, the steerable
//! proxy's commands, ThreadDevice, and how a proxy ends.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::*;
use ferromq::{
    device, poll, proxy, proxy_steerable, Context, DeviceKind, ErrorKind, Message, PollItem,
    Result, Socket, SocketOption, SocketType, ThreadDevice, POLLIN, POLLOUT,
};

/// Runs a steerable proxy over sockets it owns on its own thread.
fn spawn_proxy(
    frontend: Socket,
    backend: Socket,
    capture: Option<Socket>,
    control: Option<Socket>,
) -> JoinHandle<Result<()>> {
    std::thread::spawn(move || {
        proxy_steerable(&frontend, &backend, capture.as_ref(), control.as_ref())
    })
}

/// Joins a proxy thread, failing the test if it does not end within `limit`.
fn join_within(handle: JoinHandle<Result<()>>, limit: Duration) -> Result<()> {
    let deadline = Instant::now() + limit;
    while !handle.is_finished() {
        assert!(
            Instant::now() < deadline,
            "the proxy did not end in {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    handle.join().unwrap()
}

fn assert_ends_with_eterm(handle: JoinHandle<Result<()>>) {
    let err = join_within(handle, Duration::from_secs(2)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Term, "{err}");
}

fn text(frame: &[u8]) -> String {
    String::from_utf8_lossy(frame).into_owned()
}

#[test]
fn queue_carries_multipart_requests_from_many_clients_to_many_workers() {
    let (pctx, ctx, zctx) = (Context::new(), Context::new(), zmq::Context::new());
    let frontend = ferro(&pctx, SocketType::Router);
    let backend = ferro(&pctx, SocketType::Dealer);
    let (front_ep, back_ep) = (ferro_bind(&frontend), ferro_bind(&backend));
    let proxy_thread = std::thread::spawn(move || device(DeviceKind::Queue, &frontend, &backend));

    // Workers: two FerroMQ REPs and one libzmq REP; each answers [name, request frames...].
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for w in 0..2 {
        let rep = ferro(&ctx, SocketType::Rep);
        rep.set_option(SocketOption::RcvTimeo, 50).unwrap();
        rep.connect(&back_ep).unwrap();
        let stop = stop.clone();
        workers.push(std::thread::spawn(move || {
            let name = format!("ferro-worker-{w}");
            while !stop.load(Ordering::SeqCst) {
                let Ok(request) = rep.recv_msg(0) else {
                    continue;
                };
                let mut reply = Message::single(name.as_str());
                for frame in request {
                    reply.push_back(frame);
                }
                rep.send_msg(reply, 0).unwrap();
            }
        }));
    }
    {
        let rep = libzmq(&zctx, zmq::REP);
        rep.set_rcvtimeo(50).unwrap();
        rep.connect(&back_ep).unwrap();
        let stop = stop.clone();
        workers.push(std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let Ok(request) = rep.recv_multipart(0) else {
                    continue;
                };
                let mut reply = vec![b"libzmq-worker".to_vec()];
                reply.extend(request);
                rep.send_multipart(reply, 0).unwrap();
            }
        }));
    }
    // Give the workers' connections a moment, so the load is spread over all of them.
    std::thread::sleep(Duration::from_millis(100));

    // Clients: three FerroMQ REQs and two libzmq REQs, 20 multipart requests each.
    const REQUESTS: usize = 20;
    let mut clients = Vec::new();
    for c in 0..3 {
        let req = ferro(&ctx, SocketType::Req);
        req.connect(&front_ep).unwrap();
        clients.push(std::thread::spawn(move || {
            let mut served_by = Vec::new();
            for i in 0..REQUESTS {
                let request = [
                    format!("ferro-client-{c}"),
                    format!("{i}"),
                    "payload".into(),
                ];
                req.send_multipart(request.clone(), 0).unwrap();
                let reply = req.recv_multipart(0).unwrap();
                assert_eq!(reply.len(), 4, "{reply:?}");
                let echoed: Vec<String> = reply[1..].iter().map(|f| text(f)).collect();
                assert_eq!(echoed, request, "a reply reached the wrong client");
                served_by.push(text(&reply[0]));
            }
            served_by
        }));
    }
    for c in 0..2 {
        let req = libzmq(&zctx, zmq::REQ);
        req.connect(&front_ep).unwrap();
        clients.push(std::thread::spawn(move || {
            let mut served_by = Vec::new();
            for i in 0..REQUESTS {
                let request = [
                    format!("libzmq-client-{c}"),
                    format!("{i}"),
                    "payload".into(),
                ];
                req.send_multipart(request.iter().map(|s| s.as_bytes()), 0)
                    .unwrap();
                let reply = req.recv_multipart(0).unwrap();
                assert_eq!(reply.len(), 4, "{reply:?}");
                let echoed: Vec<String> = reply[1..].iter().map(|f| text(f)).collect();
                assert_eq!(echoed, request, "a reply reached the wrong client");
                served_by.push(text(&reply[0]));
            }
            served_by
        }));
    }
    let mut per_worker: HashMap<String, usize> = HashMap::new();
    for client in clients {
        for worker in client.join().unwrap() {
            *per_worker.entry(worker).or_default() += 1;
        }
    }
    assert_eq!(per_worker.values().sum::<usize>(), 5 * REQUESTS);
    assert!(
        per_worker.len() >= 2,
        "the DEALER should spread requests over the workers: {per_worker:?}"
    );

    stop.store(true, Ordering::SeqCst);
    for worker in workers {
        worker.join().unwrap();
    }
    pctx.shutdown();
    assert_ends_with_eterm(proxy_thread);
}

#[test]
fn forwarder_sends_subscriptions_upstream_and_filters() {
    let (pctx, ctx, zctx) = (Context::new(), Context::new(), zmq::Context::new());
    let frontend = ferro(&pctx, SocketType::XSub);
    let backend = ferro(&pctx, SocketType::XPub);
    let (front_ep, back_ep) = (ferro_bind(&frontend), ferro_bind(&backend));
    let proxy_thread =
        std::thread::spawn(move || device(DeviceKind::Forwarder, &frontend, &backend));

    // Publishers: a libzmq PUB, and a libzmq XPUB that shows what reaches it upstream.
    let publisher = libzmq(&zctx, zmq::PUB);
    publisher.connect(&front_ep).unwrap();
    let observer = libzmq(&zctx, zmq::XPUB);
    observer.connect(&front_ep).unwrap();

    // Subscribers: libzmq SUB to "A", FerroMQ SUB to "B".
    let sub_a = libzmq(&zctx, zmq::SUB);
    sub_a.connect(&back_ep).unwrap();
    sub_a.set_subscribe(b"A").unwrap();
    let sub_b = ferro(&ctx, SocketType::Sub);
    sub_b.connect(&back_ep).unwrap();
    sub_b.subscribe("B").unwrap();

    // Both filters travel SUB → XPUB → proxy → XSUB → the publishers.
    let mut seen = HashSet::new();
    observer.set_rcvtimeo(100).unwrap();
    eventually("both subscriptions to reach the upstream XPUB", || {
        while let Ok(sub) = observer.recv_bytes(0) {
            seen.insert(sub);
        }
        seen.contains(&b"\x01A"[..]) && seen.contains(&b"\x01B"[..])
    });
    assert_eq!(seen.len(), 2, "only the two subscriptions: {seen:?}");

    // Wait until each subscriber hears its topic from the PUB (slow joiner).
    sub_a.set_rcvtimeo(50).unwrap();
    sub_b.set_option(SocketOption::RcvTimeo, 50).unwrap();
    eventually("topic A to reach the libzmq subscriber", || {
        publisher.send("A sync", 0).unwrap();
        sub_a.recv_bytes(0).is_ok()
    });
    eventually("topic B to reach the FerroMQ subscriber", || {
        publisher.send("B sync", 0).unwrap();
        sub_b.recv(0).is_ok()
    });

    // Now a mix of topics from both publishers: each subscriber gets its own topic only.
    for i in 0..20 {
        for topic in ["A", "B", "C"] {
            publisher
                .send(format!("{topic} pub {i}").as_str(), 0)
                .unwrap();
            observer
                .send(format!("{topic} xpub {i}").as_str(), 0)
                .unwrap();
        }
    }
    // Each publisher's messages keep their order, but the two connections race: end with
    // a marker from each.
    for end in ["A end", "B end"] {
        publisher.send(end, 0).unwrap();
        observer.send(end, 0).unwrap();
    }
    sub_a.set_rcvtimeo(TIMEOUT_MS).unwrap();
    sub_b
        .set_option(SocketOption::RcvTimeo, TIMEOUT_MS)
        .unwrap();
    let (mut got_a, mut ends) = (Vec::new(), 0);
    while ends < 2 {
        let msg = text(&sub_a.recv_bytes(0).unwrap());
        if msg == "A end" {
            ends += 1;
        } else {
            got_a.push(msg);
        }
    }
    let (mut got_b, mut ends) = (Vec::new(), 0);
    while ends < 2 {
        let msg = text(&sub_b.recv(0).unwrap());
        if msg == "B end" {
            ends += 1;
        } else {
            got_b.push(msg);
        }
    }
    assert!(got_a.iter().all(|m| m.starts_with('A')), "{got_a:?}");
    assert!(got_b.iter().all(|m| m.starts_with('B')), "{got_b:?}");
    // Everything published on the topic arrived (stragglers from the sync loop aside).
    for i in 0..20 {
        assert!(got_a.contains(&format!("A pub {i}")), "{got_a:?}");
        assert!(got_a.contains(&format!("A xpub {i}")), "{got_a:?}");
        assert!(got_b.contains(&format!("B pub {i}")), "{got_b:?}");
        assert!(got_b.contains(&format!("B xpub {i}")), "{got_b:?}");
    }

    pctx.shutdown();
    assert_ends_with_eterm(proxy_thread);
}

#[test]
fn streamer_pull_to_push_keeps_multipart_messages_whole() {
    let (pctx, ctx, zctx) = (Context::new(), Context::new(), zmq::Context::new());
    let frontend = ferro(&pctx, SocketType::Pull);
    let backend = ferro(&pctx, SocketType::Push);
    let (front_ep, back_ep) = (ferro_bind(&frontend), ferro_bind(&backend));
    let proxy_thread =
        std::thread::spawn(move || device(DeviceKind::Streamer, &frontend, &backend));

    let producer = ferro(&ctx, SocketType::Push);
    producer.connect(&front_ep).unwrap();
    let ferro_consumer = ferro(&ctx, SocketType::Pull);
    ferro_consumer.connect(&back_ep).unwrap();
    let libzmq_consumer = libzmq(&zctx, zmq::PULL);
    libzmq_consumer.connect(&back_ep).unwrap();
    std::thread::sleep(Duration::from_millis(100));

    const COUNT: usize = 200;
    for i in 0..COUNT {
        producer
            .send_multipart([format!("job {i}"), "part two".into(), "x".repeat(i)], 0)
            .unwrap();
    }
    let mut jobs = HashSet::new();
    ferro_consumer
        .set_option(SocketOption::RcvTimeo, 200)
        .unwrap();
    libzmq_consumer.set_rcvtimeo(200).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while jobs.len() < COUNT && Instant::now() < deadline {
        let mut got = Vec::new();
        if let Ok(msg) = ferro_consumer.recv_multipart(0) {
            got.push(msg);
        }
        if let Ok(msg) = libzmq_consumer.recv_multipart(0) {
            got.push(msg);
        }
        for msg in got {
            assert_eq!(msg.len(), 3);
            let name = text(&msg[0]);
            let i: usize = name["job ".len()..].parse().unwrap();
            assert_eq!(msg[1], b"part two");
            assert_eq!(msg[2], "x".repeat(i).as_bytes());
            assert!(jobs.insert(i), "job {i} delivered twice");
        }
    }
    assert_eq!(jobs.len(), COUNT);

    pctx.shutdown();
    assert_ends_with_eterm(proxy_thread);
}

#[test]
fn streamer_pull_to_pub() {
    let (pctx, ctx, zctx) = (Context::new(), Context::new(), zmq::Context::new());
    let frontend = ferro(&pctx, SocketType::Pull);
    let backend = ferro(&pctx, SocketType::Pub);
    let (front_ep, back_ep) = (ferro_bind(&frontend), ferro_bind(&backend));
    let proxy_thread = std::thread::spawn(move || proxy(&frontend, &backend, None));

    let producer = libzmq(&zctx, zmq::PUSH);
    producer.connect(&front_ep).unwrap();
    let sub = ferro(&ctx, SocketType::Sub);
    sub.connect(&back_ep).unwrap();
    sub.subscribe("news").unwrap();
    sub.set_option(SocketOption::RcvTimeo, 50).unwrap();
    eventually("the subscriber to hear the PUB", || {
        producer.send("news sync", 0).unwrap();
        sub.recv(0).is_ok()
    });
    while sub.recv(0).is_ok() {}

    for i in 0..100 {
        producer
            .send_multipart([format!("news {i}").into_bytes(), b"body".to_vec()], 0)
            .unwrap();
        producer.send("sports", 0).unwrap();
    }
    sub.set_option(SocketOption::RcvTimeo, TIMEOUT_MS).unwrap();
    for i in 0..100 {
        let msg = sub.recv_multipart(0).unwrap();
        assert_eq!(
            msg,
            vec![format!("news {i}").into_bytes(), b"body".to_vec()]
        );
    }

    pctx.shutdown();
    assert_ends_with_eterm(proxy_thread);
}

#[test]
fn capture_gets_a_copy_of_every_message_both_ways() {
    let (pctx, ctx) = (Context::new(), Context::new());
    let frontend = ferro(&pctx, SocketType::Router);
    let backend = ferro(&pctx, SocketType::Dealer);
    let capture = ferro(&pctx, SocketType::Push);
    let (front_ep, back_ep) = (ferro_bind(&frontend), ferro_bind(&backend));
    let capture_ep = ferro_bind(&capture);
    let tap = ferro(&ctx, SocketType::Pull);
    tap.connect(&capture_ep).unwrap();
    let proxy_thread = spawn_proxy(frontend, backend, Some(capture), None);

    let req = ferro(&ctx, SocketType::Req);
    req.set_option(SocketOption::RoutingId, "client").unwrap();
    req.connect(&front_ep).unwrap();
    let rep = ferro(&ctx, SocketType::Rep);
    rep.connect(&back_ep).unwrap();

    for i in 0..10 {
        req.send(format!("request {i}").as_str(), 0).unwrap();
        assert_eq!(rep.recv(0).unwrap(), format!("request {i}").as_bytes());
        rep.send(format!("reply {i}").as_str(), 0).unwrap();
        assert_eq!(req.recv(0).unwrap(), format!("reply {i}").as_bytes());
    }
    // Whole messages, envelope included, in the order they went through.
    for i in 0..10 {
        assert_eq!(
            tap.recv_multipart(0).unwrap(),
            vec![
                b"client".to_vec(),
                vec![],
                format!("request {i}").into_bytes()
            ]
        );
        assert_eq!(
            tap.recv_multipart(0).unwrap(),
            vec![
                b"client".to_vec(),
                vec![],
                format!("reply {i}").into_bytes()
            ]
        );
    }
    tap.set_option(SocketOption::RcvTimeo, 100).unwrap();
    assert!(tap.recv(0).unwrap_err().is_again());

    pctx.shutdown();
    assert_ends_with_eterm(proxy_thread);
}

fn control_command(control: &Socket, command: &str) -> Vec<Vec<u8>> {
    control.send(command, 0).unwrap();
    control.recv_multipart(0).unwrap()
}

#[test]
fn steerable_pause_resume_statistics_terminate() {
    let (pctx, ctx) = (Context::new(), Context::new());
    let frontend = ferro(&pctx, SocketType::Pull);
    let backend = ferro(&pctx, SocketType::Push);
    let control = ferro(&pctx, SocketType::Rep);
    // The reply to TERMINATE is sent just before the proxy returns and the socket closes.
    control.set_option(SocketOption::Linger, 1000).unwrap();
    let (front_ep, back_ep) = (ferro_bind(&frontend), ferro_bind(&backend));
    let control_ep = ferro_bind(&control);
    let proxy_thread = spawn_proxy(frontend, backend, None, Some(control));

    let producer = ferro(&ctx, SocketType::Push);
    producer.connect(&front_ep).unwrap();
    let consumer = ferro(&ctx, SocketType::Pull);
    consumer.connect(&back_ep).unwrap();
    let steer = ferro(&ctx, SocketType::Req);
    steer.connect(&control_ep).unwrap();

    let send_batch = |from: usize| {
        for i in from..from + 5 {
            producer
                .send_multipart([format!("{i}"), "0123456789".into()], 0)
                .unwrap();
        }
    };
    send_batch(0);
    for i in 0..5 {
        assert_eq!(consumer.recv(0).unwrap(), format!("{i}").as_bytes());
        assert_eq!(consumer.recv(0).unwrap(), b"0123456789");
    }

    // PAUSE: a REP control socket gets an empty reply; nothing moves.
    assert_eq!(control_command(&steer, "PAUSE"), vec![Vec::<u8>::new()]);
    send_batch(5);
    consumer.set_option(SocketOption::RcvTimeo, 300).unwrap();
    assert!(consumer.recv(0).unwrap_err().is_again());

    // STATISTICS while paused: the first 5 two-part messages only. Counts are of message
    // parts, as in libzmq.
    let stats = control_command(&steer, "STATISTICS");
    assert_eq!(stats.len(), 8);
    let values: Vec<u64> = stats
        .iter()
        .map(|f| u64::from_ne_bytes(f.as_slice().try_into().unwrap()))
        .collect();
    assert_eq!(values, vec![10, 5 + 50, 0, 0, 0, 0, 10, 5 + 50]);

    // RESUME: the held messages flow.
    assert_eq!(control_command(&steer, "RESUME"), vec![Vec::<u8>::new()]);
    consumer
        .set_option(SocketOption::RcvTimeo, TIMEOUT_MS)
        .unwrap();
    for i in 5..10 {
        assert_eq!(
            consumer.recv_multipart(0).unwrap(),
            vec![format!("{i}").into_bytes(), b"0123456789".to_vec()]
        );
    }
    let stats = control_command(&steer, "STATISTICS");
    let values: Vec<u64> = stats
        .iter()
        .map(|f| u64::from_ne_bytes(f.as_slice().try_into().unwrap()))
        .collect();
    assert_eq!(values, vec![20, 10 + 100, 0, 0, 0, 0, 20, 10 + 100]);

    // An unknown command is ignored (REP still answers, so it can go on).
    assert_eq!(control_command(&steer, "FLY"), vec![Vec::<u8>::new()]);

    // TERMINATE: the proxy returns Ok.
    assert_eq!(control_command(&steer, "TERMINATE"), vec![Vec::<u8>::new()]);
    join_within(proxy_thread, Duration::from_secs(2)).unwrap();
}

#[test]
fn steerable_with_a_pair_control_socket_both_directions() {
    let (pctx, ctx) = (Context::new(), Context::new());
    let frontend = ferro(&pctx, SocketType::Router);
    let backend = ferro(&pctx, SocketType::Dealer);
    let control = ferro(&pctx, SocketType::Pair);
    let (front_ep, back_ep) = (ferro_bind(&frontend), ferro_bind(&backend));
    let control_ep = ferro_bind(&control);
    let proxy_thread = spawn_proxy(frontend, backend, None, Some(control));

    let steer = ferro(&ctx, SocketType::Pair);
    steer.connect(&control_ep).unwrap();
    let req = ferro(&ctx, SocketType::Req);
    req.set_option(SocketOption::RoutingId, "c1").unwrap();
    req.connect(&front_ep).unwrap();
    let rep = ferro(&ctx, SocketType::Rep);
    rep.connect(&back_ep).unwrap();

    req.send("hello", 0).unwrap();
    assert_eq!(rep.recv(0).unwrap(), b"hello");
    rep.send("world!", 0).unwrap();
    assert_eq!(req.recv(0).unwrap(), b"world!");

    // PAIR gets no reply to PAUSE; pausing holds the request.
    steer.send("PAUSE", 0).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    req.send("again", 0).unwrap();
    rep.set_option(SocketOption::RcvTimeo, 300).unwrap();
    assert!(rep.recv(0).unwrap_err().is_again());
    steer.send("RESUME", 0).unwrap();
    rep.set_option(SocketOption::RcvTimeo, TIMEOUT_MS).unwrap();
    assert_eq!(rep.recv(0).unwrap(), b"again");
    rep.send("ok", 0).unwrap();
    assert_eq!(req.recv(0).unwrap(), b"ok");

    // Frontend: 2 requests in ([c1, "", body]: 3 parts each) and 2 replies out; backend
    // the other way round.
    steer.send("STATISTICS", 0).unwrap();
    let values: Vec<u64> = steer
        .recv_multipart(0)
        .unwrap()
        .iter()
        .map(|f| u64::from_ne_bytes(f.as_slice().try_into().unwrap()))
        .collect();
    let (req_bytes, rep_bytes) = (2 + 5 + 2 + 5, 2 + 6 + 2 + 2);
    assert_eq!(
        values,
        vec![6, req_bytes, 6, rep_bytes, 6, rep_bytes, 6, req_bytes]
    );

    steer.send("TERMINATE", 0).unwrap();
    join_within(proxy_thread, Duration::from_secs(2)).unwrap();
}

#[test]
fn context_term_ends_a_proxy_with_eterm_even_when_paused() {
    let pctx = Context::new();
    let frontend = ferro(&pctx, SocketType::Router);
    let backend = ferro(&pctx, SocketType::Dealer);
    ferro_bind(&frontend);
    ferro_bind(&backend);
    let proxy_thread = spawn_proxy(frontend, backend, None, None);
    std::thread::sleep(Duration::from_millis(50));
    let start = Instant::now();
    pctx.shutdown();
    assert_ends_with_eterm(proxy_thread);
    assert!(start.elapsed() < Duration::from_millis(500));

    // Paused, with only the control socket watched.
    let pctx = Context::new();
    let ctx = Context::new();
    let frontend = ferro(&pctx, SocketType::Pull);
    let backend = ferro(&pctx, SocketType::Push);
    let control = ferro(&pctx, SocketType::Pair);
    ferro_bind(&frontend);
    ferro_bind(&backend);
    let control_ep = ferro_bind(&control);
    let proxy_thread = spawn_proxy(frontend, backend, None, Some(control));
    let steer = ferro(&ctx, SocketType::Pair);
    steer.connect(&control_ep).unwrap();
    steer.send("PAUSE", 0).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    pctx.shutdown();
    assert_ends_with_eterm(proxy_thread);
}

#[test]
fn closing_a_socket_under_a_proxy_ends_it() {
    let ctx = Context::new();
    let frontend = ferro(&ctx, SocketType::Pull);
    let backend = ferro(&ctx, SocketType::Push);
    ferro_bind(&frontend);
    ferro_bind(&backend);
    std::thread::scope(|s| {
        let running = s.spawn(|| proxy(&frontend, &backend, None));
        std::thread::sleep(Duration::from_millis(50));
        frontend.close();
        let deadline = Instant::now() + Duration::from_secs(2);
        while !running.is_finished() {
            assert!(
                Instant::now() < deadline,
                "the proxy did not notice the close"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let err = running.join().unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotSocket, "{err}");
    });
}

#[test]
fn unusable_sockets_are_rejected() {
    let ctx = Context::new();
    let (router, dealer) = (
        ferro(&ctx, SocketType::Router),
        ferro(&ctx, SocketType::Dealer),
    );
    let err = proxy(&router, &dealer, Some(&router)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert!(err.to_string().contains("same socket"), "{err}");

    let (pub_a, pub_b) = (ferro(&ctx, SocketType::Pub), ferro(&ctx, SocketType::Pub));
    let err = proxy(&pub_a, &pub_b, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert!(err.to_string().contains("PUB"), "{err}");

    let (pull, push) = (ferro(&ctx, SocketType::Pull), ferro(&ctx, SocketType::Push));
    let sub = ferro(&ctx, SocketType::Sub);
    let err = proxy(&pull, &push, Some(&sub)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid, "{err}");
    let err = proxy(&pull, &push, Some(&pull)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid, "{err}");
    let err = proxy_steerable(&pull, &push, None, Some(&pub_a)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid, "{err}");

    let closed = ferro(&ctx, SocketType::Dealer);
    closed.close();
    let err = proxy(&router, &closed, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotSocket, "{err}");

    assert_eq!(DeviceKind::from_raw(1).unwrap(), DeviceKind::Streamer);
    assert_eq!(DeviceKind::from_raw(2).unwrap(), DeviceKind::Forwarder);
    assert_eq!(DeviceKind::from_raw(3).unwrap(), DeviceKind::Queue);
    assert_eq!(DeviceKind::Queue.as_raw(), 3);
    assert_eq!(
        DeviceKind::from_raw(4).unwrap_err().kind(),
        ErrorKind::Invalid
    );
}

#[test]
fn back_pressure_at_hwm_loses_nothing() {
    let (pctx, ctx) = (Context::new(), Context::new());
    let frontend = ferro(&pctx, SocketType::Pull);
    let backend = ferro(&pctx, SocketType::Push);
    frontend.set_option(SocketOption::RcvHwm, 10).unwrap();
    backend.set_option(SocketOption::SndHwm, 10).unwrap();
    let (front_ep, back_ep) = (ferro_bind(&frontend), ferro_bind(&backend));
    let proxy_thread = std::thread::spawn(move || proxy(&frontend, &backend, None));

    let consumer = ferro(&ctx, SocketType::Pull);
    consumer.set_option(SocketOption::RcvHwm, 10).unwrap();
    consumer.connect(&back_ep).unwrap();
    let producer = ferro(&ctx, SocketType::Push);
    producer.set_option(SocketOption::SndHwm, 10).unwrap();
    producer.connect(&front_ep).unwrap();

    const COUNT: u32 = 5000;
    let sender = std::thread::spawn(move || {
        for i in 0..COUNT {
            producer
                .send_multipart([i.to_be_bytes().to_vec(), vec![7; 100]], 0)
                .unwrap();
        }
        producer
    });
    for i in 0..COUNT {
        if i % 500 == 0 {
            // A slow consumer: the proxy must wait, not drop.
            std::thread::sleep(Duration::from_millis(20));
        }
        let msg = consumer.recv_multipart(0).unwrap();
        assert_eq!(msg[0], i.to_be_bytes(), "message {i} lost or out of order");
        assert_eq!(msg[1].len(), 100);
    }
    let _producer = sender.join().unwrap();
    pctx.shutdown();
    assert_ends_with_eterm(proxy_thread);
}

#[test]
fn a_busy_direction_does_not_starve_the_other() {
    let (pctx, ctx) = (Context::new(), Context::new());
    let frontend = ferro(&pctx, SocketType::Pair);
    let backend = ferro(&pctx, SocketType::Pair);
    let (front_ep, back_ep) = (ferro_bind(&frontend), ferro_bind(&backend));
    let proxy_thread = std::thread::spawn(move || proxy(&frontend, &backend, None));

    let a = ferro(&ctx, SocketType::Pair);
    a.connect(&front_ep).unwrap();
    let b = ferro(&ctx, SocketType::Pair);
    b.connect(&back_ep).unwrap();

    const FLOOD: usize = 50_000;
    let received = Arc::new(AtomicUsize::new(0));
    // A floods B and, in the same thread (a socket is used by one thread at a time), waits
    // for B's single message, noting how far the flood had got when it came.
    let a_side = {
        let received = received.clone();
        std::thread::spawn(move || {
            let (mut sent, mut progress_at_ping) = (0, None);
            while sent < FLOOD || progress_at_ping.is_none() {
                let mut events = POLLIN;
                if sent < FLOOD {
                    events |= POLLOUT;
                }
                let mut items = [PollItem::socket(&a, events)];
                assert_eq!(poll(&mut items, Some(Duration::from_secs(5))).unwrap(), 1);
                if items[0].is_readable() {
                    assert_eq!(a.recv(0).unwrap(), b"ping");
                    progress_at_ping = Some(received.load(Ordering::SeqCst));
                }
                if items[0].is_writable() {
                    a.send(format!("{sent}").as_str(), 0).unwrap();
                    sent += 1;
                }
            }
            // Keep A open: with LINGER 0, closing it would drop what is still queued.
            (progress_at_ping.unwrap(), a)
        })
    };
    for i in 0..FLOOD {
        assert_eq!(b.recv(0).unwrap(), format!("{i}").as_bytes());
        received.store(i + 1, Ordering::SeqCst);
        if i == 1000 {
            b.send("ping", 0).unwrap();
        }
    }
    let (progress_at_ping, _a) = a_side.join().unwrap();
    assert!(
        progress_at_ping < FLOOD,
        "B's message waited for the whole flood ({progress_at_ping} of {FLOOD})"
    );
    pctx.shutdown();
    assert_ends_with_eterm(proxy_thread);
}

#[test]
fn thread_device_starts_carries_and_stops_promptly() {
    let ctx = Context::new();
    let mut dev = ThreadDevice::new(
        &ctx,
        DeviceKind::Queue,
        SocketType::Router,
        SocketType::Dealer,
    );
    dev.bind_in("tcp://127.0.0.1:*");
    dev.set_option_in(SocketOption::Linger, 0);
    dev.bind_out("tcp://127.0.0.1:*");
    dev.set_option_out(SocketOption::Linger, 0);
    dev.set_option_out(SocketOption::SndHwm, 100);
    let handle = dev.start().unwrap();
    assert!(handle.is_running());
    let (front_ep, back_ep) = (
        handle.endpoints_in()[0].clone(),
        handle.endpoints_out()[0].clone(),
    );
    assert!(front_ep.starts_with("tcp://127.0.0.1:") && !front_ep.ends_with('*'));

    let zctx = zmq::Context::new();
    let req = libzmq(&zctx, zmq::REQ);
    req.connect(&front_ep).unwrap();
    let rep = ferro(&ctx, SocketType::Rep);
    rep.connect(&back_ep).unwrap();
    for i in 0..5 {
        req.send_multipart([format!("q{i}").into_bytes(), b"more".to_vec()], 0)
            .unwrap();
        assert_eq!(
            rep.recv_multipart(0).unwrap(),
            vec![format!("q{i}").into_bytes(), b"more".to_vec()]
        );
        rep.send(format!("a{i}").as_str(), 0).unwrap();
        assert_eq!(req.recv_bytes(0).unwrap(), format!("a{i}").as_bytes());
    }

    let start = Instant::now();
    handle.stop().unwrap();
    assert!(
        start.elapsed() < Duration::from_millis(500),
        "stop took {:?}",
        start.elapsed()
    );
    // Its sockets are gone with it: the port can be bound again.
    let again = ferro(&ctx, SocketType::Router);
    eventually("the device's port to be free", || {
        again.bind(&front_ep).is_ok()
    });
}

#[test]
fn thread_device_ends_with_its_context_and_on_drop() {
    let ctx = Context::new();
    let mut dev = ThreadDevice::new(
        &ctx,
        DeviceKind::Streamer,
        SocketType::Pull,
        SocketType::Push,
    );
    dev.set_option_in(SocketOption::Linger, 0);
    dev.set_option_out(SocketOption::Linger, 0);
    dev.bind_in("tcp://127.0.0.1:*");
    dev.bind_out("tcp://127.0.0.1:*");
    let handle = dev.start().unwrap();
    assert!(handle.is_running());
    ctx.shutdown();
    eventually("the device to end", || !handle.is_running());
    assert_eq!(handle.join().unwrap_err().kind(), ErrorKind::Term);

    // A dropped handle stops its device (and waits for the thread).
    let ctx = Context::new();
    let mut dev = ThreadDevice::new(
        &ctx,
        DeviceKind::Forwarder,
        SocketType::XSub,
        SocketType::XPub,
    );
    dev.set_option_in(SocketOption::Linger, 0);
    dev.set_option_out(SocketOption::Linger, 0);
    dev.bind_in("tcp://127.0.0.1:*");
    dev.bind_out("tcp://127.0.0.1:*");
    let handle = dev.start().unwrap();
    let start = Instant::now();
    drop(handle);
    assert!(start.elapsed() < Duration::from_millis(500));
}

#[test]
fn thread_device_reports_setup_errors_from_start() {
    let ctx = Context::new();
    let taken = ferro(&ctx, SocketType::Pull);
    let endpoint = ferro_bind(&taken);

    let mut dev = ThreadDevice::new(
        &ctx,
        DeviceKind::Streamer,
        SocketType::Pull,
        SocketType::Push,
    );
    dev.set_option_in(SocketOption::Linger, 0);
    dev.set_option_out(SocketOption::Linger, 0);
    dev.bind_out("tcp://127.0.0.1:*");
    dev.bind_in(&endpoint);
    let err = dev.start().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AddrInUse, "{err}");

    let mut dev = ThreadDevice::new(
        &ctx,
        DeviceKind::Streamer,
        SocketType::Pull,
        SocketType::Push,
    );
    dev.connect_out("bogus://nowhere");
    assert!(dev.start().is_err());

    let mut dev = ThreadDevice::new(
        &ctx,
        DeviceKind::Queue,
        SocketType::Router,
        SocketType::Dealer,
    );
    dev.set_option_in(SocketOption::SndHwm, -5);
    assert_eq!(dev.start().unwrap_err().kind(), ErrorKind::Invalid);

    let dev = ThreadDevice::new(&ctx, DeviceKind::Streamer, SocketType::Pub, SocketType::Pub);
    assert_eq!(dev.start().unwrap_err().kind(), ErrorKind::Invalid);
}

#[test]
fn thread_device_connects_out_to_a_bound_peer() {
    // connect_in/connect_out: the device connects to libzmq sockets that bound.
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    let producer = libzmq(&zctx, zmq::PUSH);
    let producer_ep = libzmq_bind(&producer);
    let consumer = libzmq(&zctx, zmq::PULL);
    let consumer_ep = libzmq_bind(&consumer);

    let mut dev = ThreadDevice::new(
        &ctx,
        DeviceKind::Streamer,
        SocketType::Pull,
        SocketType::Push,
    );
    dev.connect_in(&producer_ep);
    dev.connect_out(&consumer_ep);
    dev.set_option_in(SocketOption::Linger, 0);
    dev.set_option_out(SocketOption::Linger, 0);
    let handle = dev.start().unwrap();
    assert_eq!(handle.endpoints_in(), [producer_ep]);
    for i in 0..10 {
        producer
            .send_multipart([format!("{i}").into_bytes(), b"tail".to_vec()], 0)
            .unwrap();
    }
    for i in 0..10 {
        assert_eq!(
            consumer.recv_multipart(0).unwrap(),
            vec![format!("{i}").into_bytes(), b"tail".to_vec()]
        );
    }
    handle.stop().unwrap();
}

/// CPU time the calling thread has used.
fn thread_cpu_time() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(
        unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) },
        0
    );
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

/// Runs a proxy on a thread that reports, when it ends, how it ended and the CPU it used.
fn spawn_measured_proxy(frontend: Socket, backend: Socket) -> JoinHandle<(Result<()>, Duration)> {
    std::thread::spawn(move || {
        let result = proxy(&frontend, &backend, None);
        (result, thread_cpu_time())
    })
}

#[test]
fn a_held_message_waits_without_spinning() {
    // A PUSH backend with no peer cannot take anything: the proxy holds the first message
    // and sleeps until a consumer connects.
    let (pctx, ctx) = (Context::new(), Context::new());
    let frontend = ferro(&pctx, SocketType::Pull);
    let backend = ferro(&pctx, SocketType::Push);
    let (front_ep, back_ep) = (ferro_bind(&frontend), ferro_bind(&backend));
    let proxy_thread = spawn_measured_proxy(frontend, backend);

    let producer = ferro(&ctx, SocketType::Push);
    producer.connect(&front_ep).unwrap();
    for i in 0..5 {
        producer.send(format!("{i}").as_str(), 0).unwrap();
    }
    std::thread::sleep(Duration::from_millis(500));
    let consumer = ferro(&ctx, SocketType::Pull);
    consumer.connect(&back_ep).unwrap();
    for i in 0..5 {
        assert_eq!(consumer.recv(0).unwrap(), format!("{i}").as_bytes());
    }
    pctx.shutdown();
    let (result, cpu) = proxy_thread.join().unwrap();
    assert_eq!(result.unwrap_err().kind(), ErrorKind::Term);
    assert!(
        cpu < Duration::from_millis(100),
        "the proxy used {cpu:?} of CPU while it waited"
    );
}

#[test]
fn xpub_nodrop_backend_makes_the_proxy_wait_for_a_slow_subscriber() {
    // XPUB always reports POLLOUT; with XPUB_NODROP it refuses a message for a full
    // subscriber, so the proxy must wait in the send (without spinning or dropping).
    let (pctx, ctx) = (Context::new(), Context::new());
    let frontend = ferro(&pctx, SocketType::XSub);
    frontend.set_option(SocketOption::RcvHwm, 100_000).unwrap();
    let backend = ferro(&pctx, SocketType::XPub);
    backend.set_option(SocketOption::XpubNodrop, 1).unwrap();
    backend.set_option(SocketOption::SndHwm, 10).unwrap();
    let (front_ep, back_ep) = (ferro_bind(&frontend), ferro_bind(&backend));
    let proxy_thread = spawn_measured_proxy(frontend, backend);

    let publisher = ferro(&ctx, SocketType::Pub);
    publisher.set_option(SocketOption::SndHwm, 100_000).unwrap();
    publisher.connect(&front_ep).unwrap();
    let sub = ferro(&ctx, SocketType::Sub);
    sub.set_option(SocketOption::RcvHwm, 10).unwrap();
    sub.connect(&back_ep).unwrap();
    sub.subscribe("t").unwrap();
    sub.set_option(SocketOption::RcvTimeo, 50).unwrap();
    eventually("the subscription to reach the publisher", || {
        publisher.send("t sync", 0).unwrap();
        sub.recv(0).is_ok()
    });
    while sub.recv(0).is_ok() {}

    const COUNT: usize = 2000;
    for i in 0..COUNT {
        publisher.send(format!("t {i}").as_str(), 0).unwrap();
    }
    sub.set_option(SocketOption::RcvTimeo, TIMEOUT_MS).unwrap();
    for i in 0..COUNT {
        if i % 200 == 0 {
            std::thread::sleep(Duration::from_millis(30));
        }
        assert_eq!(sub.recv(0).unwrap(), format!("t {i}").as_bytes());
    }
    pctx.shutdown();
    let (result, cpu) = proxy_thread.join().unwrap();
    assert_eq!(result.unwrap_err().kind(), ErrorKind::Term);
    // It waited about 300 ms for the subscriber; moving 2000 messages takes far less.
    assert!(
        cpu < Duration::from_millis(200),
        "the proxy used {cpu:?} of CPU"
    );
}

#[test]
fn thread_device_over_inproc() {
    // The classic in-process broker: clients and workers in the device's context.
    let ctx = Context::new();
    let mut dev = ThreadDevice::new(
        &ctx,
        DeviceKind::Queue,
        SocketType::Router,
        SocketType::Dealer,
    );
    dev.bind_in("inproc://proxy-test-clients");
    dev.bind_out("inproc://proxy-test-workers");
    let handle = dev.start().unwrap();
    assert_eq!(handle.endpoints_in(), ["inproc://proxy-test-clients"]);

    let rep = ferro(&ctx, SocketType::Rep);
    rep.connect("inproc://proxy-test-workers").unwrap();
    let req = ferro(&ctx, SocketType::Req);
    req.connect("inproc://proxy-test-clients").unwrap();
    for i in 0..10 {
        req.send_multipart([format!("{i}"), "x".repeat(100)], 0)
            .unwrap();
        let request = rep.recv_multipart(0).unwrap();
        assert_eq!(request[0], format!("{i}").as_bytes());
        rep.send_multipart(request, 0).unwrap();
        assert_eq!(
            req.recv_multipart(0).unwrap(),
            vec![format!("{i}").into_bytes(), vec![b'x'; 100]]
        );
    }
    handle.stop().unwrap();
}

#[test]
fn one_router_as_both_ends_sends_each_message_back_to_its_sender() {
    // libzmq's single-socket proxy: each message received goes back out the same socket,
    // routed by its first frame, the sender's routing id: an echo to every peer. Peers: a
    // libzmq DEALER and a FerroMQ one.
    let ctx = Context::new();
    let zctx = zmq::Context::new();
    let router = ferro(&ctx, SocketType::Router);
    let endpoint = ferro_bind(&router);
    let running = std::thread::spawn(move || proxy(&router, &router, None));
    let alice = libzmq(&zctx, zmq::DEALER);
    alice.set_identity(b"alice").unwrap();
    alice.set_rcvtimeo(5000).unwrap();
    alice.connect(&endpoint).unwrap();
    let bob = ferro(&ctx, SocketType::Dealer);
    bob.set_option(SocketOption::RcvTimeo, 5000).unwrap();
    bob.connect(&endpoint).unwrap();
    for i in 0..100 {
        alice
            .send_multipart([&b"bob"[..], format!("hi {i}").as_bytes()], 0)
            .unwrap();
        let mut ping = Message::new();
        ping.push_back(ferromq::Frame::from(format!("ping {i}")));
        bob.send_msg(ping, 0).unwrap();
    }
    for i in 0..100 {
        let parts = alice.recv_multipart(0).unwrap();
        assert_eq!(parts, [b"bob".to_vec(), format!("hi {i}").into_bytes()]);
        let got = bob.recv_msg(0).unwrap();
        let frames: Vec<&[u8]> = got.iter().map(|f| f.as_slice()).collect();
        assert_eq!(frames, [format!("ping {i}").as_bytes()]);
    }
    drop((alice, bob));
    ctx.shutdown();
    assert_ends_with_eterm(running);
}
