//! The ipc and inproc transports next to TCP, through the public API: every pattern over
//! every transport, ipc against libzmq, ipc's file handling (stale files, `ipc://*`,
//! removal on unbind/close), inproc's connect-before-bind, HWM, zero copy and threads,
//! unbind/disconnect, and zmq_poll over all three at once.

mod common;

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use ferromq::{
    flags, poll, Context, ErrorKind, Frame, Message, PollItem, Socket, SocketOption, SocketType,
    POLLIN,
};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Transport {
    Tcp,
    Ipc,
    IpcAbstract,
    Inproc,
}

const ALL: [Transport; 4] = [
    Transport::Tcp,
    Transport::Ipc,
    Transport::IpcAbstract,
    Transport::Inproc,
];

fn unique(tag: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{tag}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A socket path of its own in the temporary directory.
fn ipc_path(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("fmq-{}.sock", unique(tag)))
}

/// `path` (absolute) as a path relative to the working directory, whatever that is.
fn relative_path_to(path: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap().canonicalize().unwrap();
    let ups = cwd
        .components()
        .filter(|c| matches!(c, std::path::Component::Normal(_)))
        .count();
    let mut relative = PathBuf::new();
    for _ in 0..ups {
        relative.push("..");
    }
    relative.join(path.strip_prefix("/").unwrap())
}

fn ipc_endpoint(tag: &str) -> String {
    format!("ipc://{}", ipc_path(tag).display())
}

/// An endpoint to bind, unique to this call.
fn endpoint(transport: Transport, tag: &str) -> String {
    match transport {
        Transport::Tcp => "tcp://127.0.0.1:*".to_string(),
        Transport::Ipc => ipc_endpoint(tag),
        Transport::IpcAbstract => format!("ipc://@fmq-{}", unique(tag)),
        Transport::Inproc => format!("inproc://{}", unique(tag)),
    }
}

/// Binds on `transport` and returns the endpoint to connect to.
fn bind(socket: &Socket, transport: Transport, tag: &str) -> String {
    socket.bind(&endpoint(transport, tag)).unwrap();
    socket.last_endpoint().unwrap()
}

/// Removes a socket file libzmq bound (libzmq 4.3 leaves it behind when it closes).
struct RemoveOnDrop(Option<PathBuf>);

impl RemoveOnDrop {
    fn endpoint(endpoint: &str) -> RemoveOnDrop {
        RemoveOnDrop(endpoint.strip_prefix("ipc://").map(PathBuf::from))
    }
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(path) = self.0.as_ref().filter(|p| !p.starts_with("@")) {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn path_of(endpoint: &str) -> &Path {
    Path::new(endpoint.strip_prefix("ipc://").unwrap())
}

fn is_socket_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket())
}

fn nothing_arrives(socket: &Socket, within: Duration) {
    nothing_but(socket, b"", within);
}

/// Fails if a message other than `warm_up` (leftovers of an `eventually` loop still in
/// flight) arrives within `within`.
fn nothing_but(socket: &Socket, warm_up: &[u8], within: Duration) {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        match socket.recv_msg(flags::DONTWAIT) {
            Ok(msg) if !warm_up.is_empty() && msg.frames()[0] == warm_up => {}
            Ok(msg) => panic!("unexpected message {:?}", frames(&msg)),
            Err(e) => assert_eq!(e.kind(), ErrorKind::Again),
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The next message whose first frame is not `warm_up`.
fn recv_skipping(socket: &Socket, warm_up: &[u8]) -> Message {
    loop {
        let msg = socket.recv_msg(0).unwrap();
        if msg.frames()[0] != warm_up {
            return msg;
        }
    }
}

// ----- every pattern over every transport -----

#[test]
fn req_rep_over_every_transport() {
    let ctx = Context::new();
    for transport in ALL {
        let rep = ferro(&ctx, SocketType::Rep);
        let req = ferro(&ctx, SocketType::Req);
        req.connect(&bind(&rep, transport, "reqrep")).unwrap();
        for i in 0..5 {
            req.send(format!("hello {i}"), 0).unwrap();
            assert_eq!(rep.recv(0).unwrap(), format!("hello {i}").as_bytes());
            rep.send("world", 0).unwrap();
            assert_eq!(req.recv(0).unwrap(), b"world", "{transport:?}");
        }
    }
}

#[test]
fn push_pull_multipart_over_every_transport() {
    let ctx = Context::new();
    let big = Bytes::from(vec![7u8; 100_000]);
    for transport in ALL {
        let pull = ferro(&ctx, SocketType::Pull);
        let push = ferro(&ctx, SocketType::Push);
        push.connect(&bind(&pull, transport, "pushpull")).unwrap();
        for i in 0..100u32 {
            let frames = [
                Frame::from(i.to_be_bytes().to_vec()),
                Frame::empty(),
                Frame::from(big.clone()),
            ];
            push.send_multipart(frames, 0).unwrap();
        }
        for i in 0..100u32 {
            let msg = pull.recv_msg(0).unwrap();
            assert_eq!(msg.len(), 3, "{transport:?}");
            assert_eq!(msg.frames()[0], &i.to_be_bytes());
            assert!(msg.frames()[1].is_empty());
            assert_eq!(msg.frames()[2].as_slice(), &big[..]);
        }
        // Frame by frame, with RCVMORE.
        push.send("a", flags::SNDMORE).unwrap();
        push.send("b", 0).unwrap();
        assert_eq!(pull.recv(0).unwrap(), b"a");
        assert!(pull.rcvmore());
        assert_eq!(pull.recv(0).unwrap(), b"b");
        assert!(!pull.rcvmore());
    }
}

#[test]
fn pub_sub_with_subscriptions_over_every_transport() {
    let ctx = Context::new();
    for transport in ALL {
        let publisher = ferro(&ctx, SocketType::Pub);
        let subscriber = ferro(&ctx, SocketType::Sub);
        subscriber.subscribe("weather").unwrap();
        subscriber
            .connect(&bind(&publisher, transport, "pubsub"))
            .unwrap();
        // Slow joiner: publish until the subscription has arrived.
        eventually("the subscription", || {
            publisher.send("sports 1", 0).unwrap();
            publisher.send("weather 1", 0).unwrap();
            subscriber.recv(flags::DONTWAIT).is_ok()
        });
        publisher.send("sports 2", 0).unwrap();
        publisher
            .send_multipart(["weather 2", "details"], 0)
            .unwrap();
        // Only "weather 1"s (still in flight) come before it: no sports.
        assert_eq!(
            frames(&recv_skipping(&subscriber, b"weather 1")),
            [b"weather 2".to_vec(), b"details".to_vec()],
            "{transport:?}"
        );
        subscriber.unsubscribe("weather").unwrap();
        subscriber.subscribe("sports").unwrap();
        eventually("the new subscription", || {
            publisher.send("weather 3", 0).unwrap();
            publisher.send("sports 3", 0).unwrap();
            matches!(subscriber.recv(flags::DONTWAIT), Ok(f) if f == b"sports 3")
        });
    }
}

#[test]
fn dealer_router_identities_over_every_transport() {
    let ctx = Context::new();
    for transport in ALL {
        let router = ferro(&ctx, SocketType::Router);
        let endpoint = bind(&router, transport, "router");
        let named = ferro(&ctx, SocketType::Dealer);
        named
            .set_option(SocketOption::RoutingId, &b"dealer-1"[..])
            .unwrap();
        named.connect(&endpoint).unwrap();
        let anonymous = ferro(&ctx, SocketType::Dealer);
        anonymous.connect(&endpoint).unwrap();

        named.send_multipart(["x", "y"], 0).unwrap();
        assert_eq!(
            frames(&router.recv_msg(0).unwrap()),
            [b"dealer-1".to_vec(), b"x".to_vec(), b"y".to_vec()],
            "{transport:?}"
        );
        anonymous.send("hi", 0).unwrap();
        let msg = router.recv_msg(0).unwrap();
        let id = msg.frames()[0].to_vec();
        assert_eq!(id.len(), 5, "generated ids are 5 bytes");
        assert_eq!(id[0], 0);

        router
            .send_multipart([&b"dealer-1"[..], b"reply"], 0)
            .unwrap();
        router.send_multipart([&id[..], b"yours"], 0).unwrap();
        assert_eq!(named.recv(0).unwrap(), b"reply");
        assert_eq!(anonymous.recv(0).unwrap(), b"yours");

        // The ROUTER connects and the DEALER binds: the DEALER's id still reaches it.
        let dealer = ferro(&ctx, SocketType::Dealer);
        dealer
            .set_option(SocketOption::RoutingId, &b"bound-dealer"[..])
            .unwrap();
        let router = ferro(&ctx, SocketType::Router);
        router.connect(&bind(&dealer, transport, "dealer")).unwrap();
        dealer.send("up", 0).unwrap();
        assert_eq!(
            frames(&router.recv_msg(0).unwrap()),
            [b"bound-dealer".to_vec(), b"up".to_vec()]
        );
        router
            .send_multipart([&b"bound-dealer"[..], b"down"], 0)
            .unwrap();
        assert_eq!(dealer.recv(0).unwrap(), b"down");
    }
}

// ----- ipc -----

#[test]
fn ipc_interop_with_libzmq_both_ways() {
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    for abstract_namespace in [false, true] {
        let transport = if abstract_namespace {
            Transport::IpcAbstract
        } else {
            Transport::Ipc
        };
        // FerroMQ binds, libzmq connects.
        let rep = ferro(&ctx, SocketType::Rep);
        let req = libzmq(&zctx, zmq::REQ);
        req.connect(&bind(&rep, transport, "zmq-req")).unwrap();
        req.send("ping", 0).unwrap();
        assert_eq!(rep.recv(0).unwrap(), b"ping");
        rep.send("pong", 0).unwrap();
        assert_eq!(req.recv_bytes(0).unwrap(), b"pong");

        // libzmq binds, FerroMQ connects.
        let router = libzmq(&zctx, zmq::ROUTER);
        let zmq_endpoint = endpoint(transport, "zmq-router");
        let _cleanup = RemoveOnDrop::endpoint(&zmq_endpoint);
        router.bind(&zmq_endpoint).unwrap();
        assert_eq!(router.get_last_endpoint().unwrap().unwrap(), zmq_endpoint);
        let dealer = ferro(&ctx, SocketType::Dealer);
        dealer
            .set_option(SocketOption::RoutingId, &b"ferro"[..])
            .unwrap();
        dealer.connect(&zmq_endpoint).unwrap();
        dealer.send_multipart(["a", "b"], 0).unwrap();
        assert_eq!(
            router.recv_multipart(0).unwrap(),
            [b"ferro".to_vec(), b"a".to_vec(), b"b".to_vec()]
        );
        router.send_multipart(["ferro", "back"], 0).unwrap();
        assert_eq!(dealer.recv(0).unwrap(), b"back");

        let pull = libzmq(&zctx, zmq::PULL);
        let zmq_endpoint = endpoint(transport, "zmq-pull");
        let _cleanup_pull = RemoveOnDrop::endpoint(&zmq_endpoint);
        pull.bind(&zmq_endpoint).unwrap();
        let push = ferro(&ctx, SocketType::Push);
        push.connect(&zmq_endpoint).unwrap();
        for i in 0..100 {
            push.send(format!("{i}"), 0).unwrap();
        }
        for i in 0..100 {
            assert_eq!(pull.recv_bytes(0).unwrap(), format!("{i}").as_bytes());
        }
    }
}

#[test]
fn ipc_last_endpoint_and_file_lifetime() {
    let ctx = Context::new();
    let requested = ipc_endpoint("lifetime");
    let pull = ferro(&ctx, SocketType::Pull);
    pull.bind(&requested).unwrap();
    assert_eq!(pull.last_endpoint().unwrap(), requested);
    let path = path_of(&requested).to_path_buf();
    assert!(
        is_socket_file(&path),
        "bind creates the socket file at once"
    );

    // Unbind removes it at once, and the path can be bound again right away.
    pull.unbind(&requested).unwrap();
    assert!(!path.exists(), "unbind removes the socket file");
    pull.bind(&requested).unwrap();
    assert!(is_socket_file(&path));
    let push = ferro(&ctx, SocketType::Push);
    push.connect(&requested).unwrap();
    push.send("after rebind", 0).unwrap();
    assert_eq!(pull.recv(0).unwrap(), b"after rebind");

    // Closing the socket removes it too.
    pull.close();
    assert!(!path.exists(), "close removes the socket file");

    // Relative paths are relative to the working directory and reported as given.
    let relative = format!(
        "ipc://{}",
        relative_path_to(&ipc_path("relative")).display()
    );
    assert!(!relative.starts_with("ipc:///"), "{relative}");
    let rep = ferro(&ctx, SocketType::Rep);
    rep.bind(&relative).unwrap();
    assert_eq!(rep.last_endpoint().unwrap(), relative);
    assert!(is_socket_file(path_of(&relative)));
    let req = ferro(&ctx, SocketType::Req);
    req.connect(&relative).unwrap();
    req.send("rel", 0).unwrap();
    assert_eq!(rep.recv(0).unwrap(), b"rel");
    drop(rep);
    assert!(!path_of(&relative).exists());
}

#[test]
fn ipc_wildcard_binds_a_fresh_path() {
    let ctx = Context::new();
    let a = ferro(&ctx, SocketType::Pull);
    let b = ferro(&ctx, SocketType::Pull);
    a.bind("ipc://*").unwrap();
    b.bind("ipc://*").unwrap();
    let (ea, eb) = (a.last_endpoint().unwrap(), b.last_endpoint().unwrap());
    assert_ne!(ea, eb);
    for endpoint in [&ea, &eb] {
        assert!(endpoint.starts_with("ipc:///"), "{endpoint}");
        assert!(endpoint.ends_with("/socket"), "{endpoint}");
        assert!(is_socket_file(path_of(endpoint)), "{endpoint}");
    }
    let push = ferro(&ctx, SocketType::Push);
    push.connect(&ea).unwrap();
    push.send("to a", 0).unwrap();
    assert_eq!(a.recv(0).unwrap(), b"to a");

    // libzmq connects to it too.
    let zctx = zmq::Context::new();
    let zpush = libzmq(&zctx, zmq::PUSH);
    zpush.connect(&eb).unwrap();
    zpush.send("to b", 0).unwrap();
    assert_eq!(b.recv(0).unwrap(), b"to b");

    // The file and its private directory go with the socket, or with an unbind of the
    // address it got (as libzmq, not of the wildcard).
    let dir_a = path_of(&ea).parent().unwrap().to_path_buf();
    drop(a);
    assert!(!dir_a.exists(), "{} left behind", dir_a.display());
    let dir_b = path_of(&eb).parent().unwrap().to_path_buf();
    assert_eq!(b.unbind("ipc://*").unwrap_err().kind(), ErrorKind::NoEntity);
    b.unbind(&eb).unwrap();
    assert!(!dir_b.exists(), "{} left behind", dir_b.display());

    assert_eq!(
        push.connect("ipc://*").unwrap_err().kind(),
        ErrorKind::Invalid
    );
}

#[test]
fn ipc_stale_socket_file_does_not_block_bind() {
    let ctx = Context::new();
    let endpoint = ipc_endpoint("stale");
    let path = path_of(&endpoint).to_path_buf();
    // A process that died: its socket file stays, nobody listens on it.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(is_socket_file(&path));

    let pull = ferro(&ctx, SocketType::Pull);
    pull.bind(&endpoint).unwrap();
    let push = ferro(&ctx, SocketType::Push);
    push.connect(&endpoint).unwrap();
    push.send("fresh", 0).unwrap();
    assert_eq!(pull.recv(0).unwrap(), b"fresh");
}

#[test]
fn ipc_path_a_live_socket_listens_on_is_in_use() {
    let (ctx, zctx) = (Context::new(), zmq::Context::new());
    // libzmq listens on it (in this process, but it could be any process).
    let endpoint = ipc_endpoint("live");
    let _cleanup = RemoveOnDrop::endpoint(&endpoint);
    let zpull = libzmq(&zctx, zmq::PULL);
    zpull.bind(&endpoint).unwrap();
    let pull = ferro(&ctx, SocketType::Pull);
    let err = pull.bind(&endpoint).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AddrInUse, "{err}");
    // The live listener keeps its path and still works.
    let push = ferro(&ctx, SocketType::Push);
    push.connect(&endpoint).unwrap();
    push.send("still here", 0).unwrap();
    assert_eq!(zpull.recv_bytes(0).unwrap(), b"still here");

    // So does a FerroMQ one.
    let other = ferro(&ctx, SocketType::Pull);
    let ours = bind(&pull, Transport::Ipc, "ours");
    assert_eq!(other.bind(&ours).unwrap_err().kind(), ErrorKind::AddrInUse);
    // Abstract names too.
    let abstract_endpoint = bind(&pull, Transport::IpcAbstract, "ours");
    assert_eq!(
        other.bind(&abstract_endpoint).unwrap_err().kind(),
        ErrorKind::AddrInUse
    );

    // A plain file at the path is replaced, as libzmq unlinks it (its own tests bind to a
    // path mkstemp made).
    let path = ipc_path("regular");
    std::fs::write(&path, b"plain").unwrap();
    let endpoint = format!("ipc://{}", path.display());
    pull.bind(&endpoint).unwrap();
    assert!(std::fs::symlink_metadata(&path)
        .unwrap()
        .file_type()
        .is_socket());
    pull.unbind(&endpoint).unwrap();

    // No such directory.
    assert_eq!(
        pull.bind("ipc:///nonexistent-dir-fmq/x.sock")
            .unwrap_err()
            .kind(),
        ErrorKind::NoEntity
    );
}

#[test]
fn ipc_connect_before_bind() {
    let ctx = Context::new();
    for transport in [Transport::Ipc, Transport::IpcAbstract] {
        let endpoint = endpoint(transport, "early");
        let push = ferro(&ctx, SocketType::Push);
        push.set_option(SocketOption::ReconnectIvl, 20).unwrap();
        push.connect(&endpoint).unwrap();
        push.send("queued before the bind", 0).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let pull = ferro(&ctx, SocketType::Pull);
        pull.bind(&endpoint).unwrap();
        assert_eq!(
            pull.recv(0).unwrap(),
            b"queued before the bind",
            "{transport:?}"
        );
    }
}

#[test]
fn ipc_path_too_long_is_enametoolong() {
    let ctx = Context::new();
    let socket = ferro(&ctx, SocketType::Pull);
    let long = format!("ipc:///tmp/{}", "x".repeat(120));
    for result in [socket.bind(&long), socket.connect(&long)] {
        let err = result.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NameTooLong);
        assert!(err.to_string().contains("ENAMETOOLONG"), "{err}");
    }
    let long_abstract = format!("ipc://@{}", "x".repeat(120));
    assert_eq!(
        socket.bind(&long_abstract).unwrap_err().kind(),
        ErrorKind::NameTooLong
    );
}

#[test]
fn ipc_reconnects_after_the_libzmq_peer_restarts() {
    let ctx = Context::new();
    let endpoint = ipc_endpoint("restart");
    let _cleanup = RemoveOnDrop::endpoint(&endpoint);
    let pull = ferro(&ctx, SocketType::Pull);
    pull.set_option(SocketOption::ReconnectIvl, 20).unwrap();
    pull.set_option(SocketOption::HandshakeIvl, 1000).unwrap();

    let first = zmq::Context::new();
    let push = libzmq(&first, zmq::PUSH);
    push.bind(&endpoint).unwrap();
    pull.connect(&endpoint).unwrap();
    push.send("before", 0).unwrap();
    assert_eq!(pull.recv(0).unwrap(), b"before");

    // The peer process goes away entirely, then a new one binds the same path.
    drop(push);
    drop(first);
    std::thread::sleep(Duration::from_millis(50));
    let second = zmq::Context::new();
    let push = libzmq(&second, zmq::PUSH);
    push.bind(&endpoint).unwrap();
    // Blocks (SNDTIMEO 5 s) until FerroMQ has reconnected.
    push.send("after", 0).unwrap();
    assert_eq!(pull.recv(0).unwrap(), b"after");

    // The other way round: FerroMQ connects a PUSH to a libzmq PULL that restarts.
    let endpoint = ipc_endpoint("restart-pull");
    let _cleanup_pull = RemoveOnDrop::endpoint(&endpoint);
    let fpush = ferro(&ctx, SocketType::Push);
    fpush.set_option(SocketOption::ReconnectIvl, 20).unwrap();
    let third = zmq::Context::new();
    let zpull = libzmq(&third, zmq::PULL);
    zpull.bind(&endpoint).unwrap();
    fpush.connect(&endpoint).unwrap();
    fpush.send("one", 0).unwrap();
    assert_eq!(zpull.recv_bytes(0).unwrap(), b"one");
    drop(zpull);
    drop(third);
    let fourth = zmq::Context::new();
    let zpull = libzmq(&fourth, zmq::PULL);
    zpull.bind(&endpoint).unwrap();
    // A message in flight when the peer died may be lost (as with libzmq); new ones arrive.
    let mut got = None;
    eventually("the reconnect", || {
        fpush.send("two", flags::DONTWAIT).ok();
        got = zpull.recv_bytes(zmq::DONTWAIT).ok();
        got.is_some()
    });
    assert_eq!(got.unwrap(), b"two");
}

// ----- inproc -----

#[test]
fn inproc_connect_before_bind() {
    let ctx = Context::new();
    // Sends queue before the name exists.
    let push = ferro(&ctx, SocketType::Push);
    push.connect("inproc://later").unwrap();
    assert_eq!(push.last_endpoint().unwrap(), "inproc://later");
    for i in 0..3 {
        push.send(format!("early {i}"), flags::DONTWAIT).unwrap();
    }
    let pull = ferro(&ctx, SocketType::Pull);
    pull.bind("inproc://later").unwrap();
    assert_eq!(pull.last_endpoint().unwrap(), "inproc://later");
    for i in 0..3 {
        assert_eq!(pull.recv(0).unwrap(), format!("early {i}").as_bytes());
    }
    push.send("late", 0).unwrap();
    assert_eq!(pull.recv(0).unwrap(), b"late");

    // Identities travel both ways once the bind happens.
    let dealer = ferro(&ctx, SocketType::Dealer);
    dealer
        .set_option(SocketOption::RoutingId, &b"early-bird"[..])
        .unwrap();
    dealer.connect("inproc://router").unwrap();
    dealer.send("first", 0).unwrap();
    let router = ferro(&ctx, SocketType::Router);
    router.bind("inproc://router").unwrap();
    assert_eq!(
        frames(&router.recv_msg(0).unwrap()),
        [b"early-bird".to_vec(), b"first".to_vec()]
    );
    router
        .send_multipart([&b"early-bird"[..], b"welcome"], 0)
        .unwrap();
    assert_eq!(dealer.recv(0).unwrap(), b"welcome");

    // A ROUTER that connects first learns the binder's id at bind.
    let router = ferro(&ctx, SocketType::Router);
    router.set_option(SocketOption::RouterMandatory, 1).unwrap();
    router.connect("inproc://dealer-later").unwrap();
    let dealer = ferro(&ctx, SocketType::Dealer);
    dealer
        .set_option(SocketOption::RoutingId, &b"late-dealer"[..])
        .unwrap();
    dealer.bind("inproc://dealer-later").unwrap();
    eventually("the ROUTER to learn the id", || {
        router
            .send_multipart([&b"late-dealer"[..], b"hello"], 0)
            .is_ok()
    });
    assert_eq!(dealer.recv(0).unwrap(), b"hello");

    // Subscriptions made before the bind apply after it.
    let subscriber = ferro(&ctx, SocketType::Sub);
    subscriber.subscribe("news").unwrap();
    subscriber.connect("inproc://pub-later").unwrap();
    let publisher = ferro(&ctx, SocketType::Pub);
    publisher.bind("inproc://pub-later").unwrap();
    publisher.send("gossip", 0).unwrap();
    publisher.send("news!", 0).unwrap();
    assert_eq!(subscriber.recv(0).unwrap(), b"news!");

    // Several connections wait for the same name, in order.
    let pushers: Vec<Socket> = (0..3)
        .map(|i| {
            let push = ferro(&ctx, SocketType::Push);
            push.connect("inproc://many").unwrap();
            push.send(format!("from {i}"), 0).unwrap();
            push
        })
        .collect();
    let pull = ferro(&ctx, SocketType::Pull);
    pull.bind("inproc://many").unwrap();
    let mut got: Vec<Vec<u8>> = (0..3).map(|_| pull.recv(0).unwrap().to_vec()).collect();
    got.sort();
    assert_eq!(
        got,
        [b"from 0".to_vec(), b"from 1".to_vec(), b"from 2".to_vec()]
    );
    drop(pushers);
}

#[test]
fn inproc_names_are_per_context_and_bound_once() {
    let ctx = Context::new();
    let a = ferro(&ctx, SocketType::Pull);
    a.bind("inproc://name").unwrap();
    let b = ferro(&ctx, SocketType::Pull);
    let err = b.bind("inproc://name").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AddrInUse, "{err}");
    // The same socket cannot bind it twice either.
    assert_eq!(
        a.bind("inproc://name").unwrap_err().kind(),
        ErrorKind::AddrInUse
    );
    // Another context has its own names.
    let other_ctx = Context::new();
    let c = ferro(&other_ctx, SocketType::Pull);
    c.bind("inproc://name").unwrap();

    // Unbind frees the name.
    a.unbind("inproc://name").unwrap();
    assert_eq!(
        a.unbind("inproc://name").unwrap_err().kind(),
        ErrorKind::NoEntity
    );
    b.bind("inproc://name").unwrap();
    // So does closing (or dropping) the socket: the context does not keep it alive.
    drop(b);
    a.bind("inproc://name").unwrap();
    a.close();
    let d = ferro(&ctx, SocketType::Pull);
    d.bind("inproc://name").unwrap();
    let push = ferro(&ctx, SocketType::Push);
    push.connect("inproc://name").unwrap();
    push.send("to d", 0).unwrap();
    assert_eq!(d.recv(0).unwrap(), b"to d");
}

#[test]
fn every_message_size_arrives_intact_over_every_transport() {
    // Around every size where the path changes: inline frames (30 B), frames the pipes
    // copy (1 KiB from a socket to its engine or to another socket), larger ones.
    let sizes = [
        0, 1, 7, 8, 29, 30, 31, 63, 64, 65, 500, 1023, 1024, 1025, 4096,
    ];
    let ctx = Context::new();
    for transport in ALL {
        let pull = ferro(&ctx, SocketType::Pull);
        let push = ferro(&ctx, SocketType::Push);
        push.connect(&bind(&pull, transport, "sizes")).unwrap();
        for round in 0..3u8 {
            for size in sizes {
                let payload: Vec<u8> = (0..size).map(|i| (i as u8) ^ round).collect();
                push.send(Frame::from(payload), 0).unwrap();
            }
        }
        for round in 0..3u8 {
            for size in sizes {
                let frame = pull.recv(0).unwrap();
                let expected: Vec<u8> = (0..size).map(|i| (i as u8) ^ round).collect();
                assert_eq!(frame.as_slice(), &expected[..], "{transport:?}, {size} B");
            }
        }
    }
}

/// A stream of small messages of every shape, into a receiver whose queue is short and
/// that starts reading late: the engine hands runs of small messages over in pieces that
/// fit the queue, and everything arrives in order.
#[test]
fn a_short_receive_queue_gets_small_messages_in_order() {
    const N: u32 = 20_000;
    // Mostly one-frame messages of 0-30 B (the engine passes them on in runs), with
    // multipart and larger ones among them.
    let message = |i: u32| -> Message {
        let body = i.to_le_bytes().repeat(8);
        match i % 50 {
            0 => Message::from_frames([&b"head"[..], &body[..3]]),
            1 => Message::single(&body[..31]),
            n => Message::single(&body[..(n % 31) as usize]),
        }
    };
    let ctx = Context::new();
    for transport in [Transport::Tcp, Transport::Ipc] {
        let pull = ferro(&ctx, SocketType::Pull);
        pull.set_option(SocketOption::RcvHwm, 7).unwrap();
        let push = ferro(&ctx, SocketType::Push);
        push.connect(&bind(&pull, transport, "short-queue"))
            .unwrap();
        let sender = std::thread::spawn(move || {
            for i in 0..N {
                push.send_msg(message(i), 0).unwrap();
            }
            push
        });
        std::thread::sleep(Duration::from_millis(200));
        for i in 0..N {
            assert_eq!(
                pull.recv_msg(0).unwrap(),
                message(i),
                "{transport:?}: message {i}"
            );
        }
        sender.join().unwrap();
    }
}

#[test]
fn inproc_is_zero_copy() {
    let ctx = Context::new();
    let pull = ferro(&ctx, SocketType::Pull);
    pull.bind("inproc://zero-copy").unwrap();
    let push = ferro(&ctx, SocketType::Push);
    push.connect("inproc://zero-copy").unwrap();

    let payload = Bytes::from(vec![42u8; 1 << 20]);
    let sent_ptr = payload.as_ptr();
    push.send(Frame::from(payload.clone()), 0).unwrap();
    let frame = pull.recv(0).unwrap();
    assert_eq!(frame.len(), 1 << 20);
    assert_eq!(
        frame.as_slice().as_ptr(),
        sent_ptr,
        "inproc must hand over the very buffer that was sent"
    );

    // Small heap frames are copied instead: freeing them on the receiving thread would cost
    // more than the copy.
    let small = Bytes::from(vec![42u8; 1024]);
    push.send(Frame::from(small.clone()), 0).unwrap();
    let frame = pull.recv(0).unwrap();
    assert_eq!(frame.as_slice(), &small[..]);
    assert_ne!(frame.as_slice().as_ptr(), small.as_ptr());

    // Multipart too, every frame.
    let parts: Vec<Bytes> = (0..3).map(|i| Bytes::from(vec![i; 4096])).collect();
    push.send_msg(
        Message::from_frames(parts.iter().cloned().map(Frame::from)),
        0,
    )
    .unwrap();
    let msg = pull.recv_msg(0).unwrap();
    for (got, sent) in msg.iter().zip(&parts) {
        assert_eq!(got.as_slice().as_ptr(), sent.as_ptr());
    }
}

/// Sends with DONTWAIT until EAGAIN; returns how many went.
fn fill(push: &Socket) -> usize {
    let mut sent = 0;
    loop {
        match push.send("m", flags::DONTWAIT) {
            Ok(()) => sent += 1,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Again);
                return sent;
            }
        }
        assert!(sent < 1_000_000, "the HWM never stopped the sender");
    }
}

#[test]
fn inproc_hwm_is_sndhwm_plus_rcvhwm() {
    let ctx = Context::new();
    for connect_first in [false, true] {
        let name = format!("inproc://{}", unique("hwm"));
        let push = ferro(&ctx, SocketType::Push);
        push.set_option(SocketOption::SndHwm, 5).unwrap();
        let pull = ferro(&ctx, SocketType::Pull);
        pull.set_option(SocketOption::RcvHwm, 7).unwrap();
        if connect_first {
            push.connect(&name).unwrap();
            pull.bind(&name).unwrap();
        } else {
            pull.bind(&name).unwrap();
            push.connect(&name).unwrap();
        }
        assert_eq!(fill(&push), 12, "connect first: {connect_first}");

        // A blocking send waits (SNDTIMEO) …
        push.set_option(SocketOption::SndTimeo, 100).unwrap();
        let start = Instant::now();
        assert_eq!(push.send("x", 0).unwrap_err().kind(), ErrorKind::Again);
        assert!(start.elapsed() >= Duration::from_millis(90));
        // … until the receiver, in another thread, makes room.
        push.set_option(SocketOption::SndTimeo, 5000).unwrap();
        let reader = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            // The 12 that filled the pipe, then the one that waited.
            for _ in 0..13 {
                pull.recv(0).unwrap();
            }
        });
        push.send("last", 0).unwrap();
        reader.join().unwrap();
    }

    // 0 on either side: no limit.
    let pull = ferro(&ctx, SocketType::Pull);
    pull.set_option(SocketOption::RcvHwm, 0).unwrap();
    pull.bind("inproc://unlimited").unwrap();
    let push = ferro(&ctx, SocketType::Push);
    push.set_option(SocketOption::SndHwm, 10).unwrap();
    push.connect("inproc://unlimited").unwrap();
    for _ in 0..20_000 {
        push.send("m", flags::DONTWAIT).unwrap();
    }
}

#[test]
fn inproc_wake_ups_are_never_lost() {
    // The receiver keeps running dry and going to sleep while the sender sends bursts after
    // pauses of every length around the time the receiver takes to arm its wake-up (the
    // window of a lost wake-up). A lost one shows as a receive timing out.
    let ctx = Context::new();
    let pull = ferro(&ctx, SocketType::Pull);
    pull.set_option(SocketOption::RcvTimeo, 5000).unwrap();
    pull.bind("inproc://wake-ups").unwrap();
    let rep = ferro(&ctx, SocketType::Rep);
    rep.set_option(SocketOption::RcvTimeo, 5000).unwrap();
    rep.bind("inproc://wake-ups-rep").unwrap();
    const BURSTS: u32 = 3000;
    let sender = {
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            let push = ferro(&ctx, SocketType::Push);
            push.connect("inproc://wake-ups").unwrap();
            let req = ferro(&ctx, SocketType::Req);
            req.set_option(SocketOption::RcvTimeo, 5000).unwrap();
            req.connect("inproc://wake-ups-rep").unwrap();
            for burst in 0..BURSTS {
                let pause = Instant::now() + Duration::from_nanos(u64::from(burst % 97) * 300);
                while Instant::now() < pause {
                    std::hint::spin_loop();
                }
                for i in 0..=burst % 3 {
                    push.send(format!("{burst}.{i}"), 0).unwrap();
                }
                req.send(burst.to_be_bytes().to_vec(), 0).unwrap();
                assert_eq!(req.recv(0).unwrap(), &burst.to_be_bytes(), "reply {burst}");
            }
        })
    };
    for burst in 0..BURSTS {
        let request = rep
            .recv(0)
            .unwrap_or_else(|e| panic!("request {burst}: {e}"));
        rep.send(request, 0).unwrap();
        for i in 0..=burst % 3 {
            let msg = pull
                .recv(0)
                .unwrap_or_else(|e| panic!("message {burst}.{i}: {e}"));
            assert_eq!(msg, format!("{burst}.{i}").as_bytes());
        }
    }
    sender.join().unwrap();
}

#[test]
fn inproc_between_threads() {
    let ctx = Context::new();
    let pull = ferro(&ctx, SocketType::Pull);
    pull.bind("inproc://fan-in").unwrap();
    let rep = ferro(&ctx, SocketType::Rep);
    rep.bind("inproc://service").unwrap();

    let workers: Vec<_> = (0..4u32)
        .map(|w| {
            let ctx = ctx.clone();
            std::thread::spawn(move || {
                let push = ferro(&ctx, SocketType::Push);
                push.connect("inproc://fan-in").unwrap();
                for i in 0..5_000u32 {
                    push.send_multipart([&w.to_be_bytes(), &i.to_be_bytes()], 0)
                        .unwrap();
                }
                let req = ferro(&ctx, SocketType::Req);
                req.connect("inproc://service").unwrap();
                req.send(format!("worker {w}"), 0).unwrap();
                assert_eq!(req.recv(0).unwrap(), format!("ok {w}").as_bytes());
                // Closing right away: the PULL still gets everything already queued.
            })
        })
        .collect();

    // Per worker, messages arrive in order.
    let mut next = [0u32; 4];
    for _ in 0..20_000 {
        let msg = pull.recv_msg(0).unwrap();
        let w = u32::from_be_bytes(msg.frames()[0].as_slice().try_into().unwrap()) as usize;
        let i = u32::from_be_bytes(msg.frames()[1].as_slice().try_into().unwrap());
        assert_eq!(i, next[w]);
        next[w] += 1;
    }
    for _ in 0..4 {
        let request = rep.recv(0).unwrap();
        let w = String::from_utf8(request.to_vec()).unwrap();
        rep.send(w.replace("worker", "ok"), 0).unwrap();
    }
    for worker in workers {
        worker.join().unwrap();
    }

    // The socket itself may move between threads.
    let moved = std::thread::spawn(move || pull.recv(flags::DONTWAIT).map(|_| ()));
    assert_eq!(moved.join().unwrap().unwrap_err().kind(), ErrorKind::Again);
}

#[test]
fn inproc_close_lets_the_peer_read_what_was_queued() {
    let ctx = Context::new();
    let pull = ferro(&ctx, SocketType::Pull);
    pull.bind("inproc://closing").unwrap();
    let push = ferro(&ctx, SocketType::Push);
    push.connect("inproc://closing").unwrap();
    for i in 0..3 {
        push.send(format!("{i}"), 0).unwrap();
    }
    drop(push);
    for i in 0..3 {
        assert_eq!(pull.recv(0).unwrap(), format!("{i}").as_bytes());
    }
    nothing_arrives(&pull, Duration::from_millis(50));

    // The binder closing: the connecting side cannot send to it any more.
    let pair_a = ferro(&ctx, SocketType::Pair);
    pair_a.bind("inproc://pair").unwrap();
    let pair_b = ferro(&ctx, SocketType::Pair);
    pair_b.connect("inproc://pair").unwrap();
    pair_a.send("bye", 0).unwrap();
    pair_a.close();
    assert_eq!(pair_b.recv(0).unwrap(), b"bye");
    assert_eq!(
        pair_b.send("anyone?", flags::DONTWAIT).unwrap_err().kind(),
        ErrorKind::Again
    );

    // A connection still waiting for its bind keeps what was sent (LINGER is not 0)…
    let push = ctx.socket(SocketType::Push).unwrap();
    push.connect("inproc://after-close").unwrap();
    push.send("kept", 0).unwrap();
    drop(push);
    let pull = ferro(&ctx, SocketType::Pull);
    pull.bind("inproc://after-close").unwrap();
    assert_eq!(pull.recv(0).unwrap(), b"kept");
    // … unless LINGER is 0.
    let push = ferro(&ctx, SocketType::Push);
    push.connect("inproc://dropped").unwrap();
    push.send("dropped", 0).unwrap();
    drop(push);
    let pull = ferro(&ctx, SocketType::Pull);
    pull.bind("inproc://dropped").unwrap();
    nothing_arrives(&pull, Duration::from_millis(50));
}

#[test]
fn inproc_incompatible_socket_types_connect_like_libzmq_without_crashing() {
    // libzmq does not check socket types over inproc; neither do we. Nothing must break.
    let ctx = Context::new();
    let pairs = [
        (SocketType::Req, SocketType::Pub),
        (SocketType::Push, SocketType::Push),
        (SocketType::Sub, SocketType::Sub),
        (SocketType::Router, SocketType::Pull),
        (SocketType::Rep, SocketType::Pair),
        (SocketType::XPub, SocketType::Dealer),
    ];
    for (binder_type, connector_type) in pairs {
        let name = format!("inproc://{}", unique("odd"));
        let binder = ferro(&ctx, binder_type);
        binder.bind(&name).unwrap();
        let connector = ferro(&ctx, connector_type);
        connector.connect(&name).unwrap();
        for socket in [&binder, &connector] {
            let _ = socket.send_multipart(["x", "y"], flags::DONTWAIT);
            let _ = socket.recv_msg(flags::DONTWAIT);
            let _ = socket.events();
        }
    }
}

// ----- unbind and disconnect, every transport -----

#[test]
fn a_disconnect_drops_what_the_socket_had_not_read_from_that_peer() {
    // As libzmq: the disconnecting socket does not read what the cut connection had
    // delivered to it, even what a poll had already looked at; a new connection starts
    // clean.
    let ctx = Context::new();
    for transport in ALL {
        let push = ferro(&ctx, SocketType::Push);
        let endpoint = bind(&push, transport, "drop-unread");
        let pull = ferro(&ctx, SocketType::Pull);
        pull.connect(&endpoint).unwrap();
        push.send("old 1", 0).unwrap();
        push.send("old 2", 0).unwrap();
        eventually("the old messages to arrive", || {
            pull.get_int(SocketOption::Events).unwrap() & POLLIN as i64 != 0
        });
        pull.disconnect(&endpoint).unwrap();
        if transport != Transport::Inproc {
            std::thread::sleep(Duration::from_millis(100));
        }
        pull.connect(&endpoint).unwrap();
        eventually("the new connection", || {
            push.send("new", flags::DONTWAIT).is_ok()
        });
        assert_eq!(pull.recv(0).unwrap(), b"new", "{transport:?}");
    }
}

#[test]
fn disconnect_on_every_transport() {
    let ctx = Context::new();
    for transport in ALL {
        let (pull_a, pull_b) = (ferro(&ctx, SocketType::Pull), ferro(&ctx, SocketType::Pull));
        let (ea, eb) = (
            bind(&pull_a, transport, "disc-a"),
            bind(&pull_b, transport, "disc-b"),
        );
        let push = ferro(&ctx, SocketType::Push);
        push.connect(&ea).unwrap();
        push.connect(&eb).unwrap();
        // Both get messages (round robin, once both connections are up).
        let (mut a_got, mut b_got) = (false, false);
        eventually("both connections", || {
            push.send("x", 0).unwrap();
            a_got |= pull_a.recv(flags::DONTWAIT).is_ok();
            b_got |= pull_b.recv(flags::DONTWAIT).is_ok();
            a_got && b_got
        });

        push.disconnect(&ea).unwrap();
        assert_eq!(
            push.disconnect(&ea).unwrap_err().kind(),
            ErrorKind::NoEntity,
            "{transport:?}"
        );
        if transport != Transport::Inproc {
            // The connection ends on the I/O thread; give it a moment.
            std::thread::sleep(Duration::from_millis(100));
        }
        for i in 0..10 {
            push.send(format!("{i}"), 0).unwrap();
        }
        for i in 0..10 {
            let msg = recv_skipping(&pull_b, b"x");
            assert_eq!(msg.frames()[0], format!("{i}").as_bytes());
        }
        nothing_but(&pull_a, b"x", Duration::from_millis(50));
    }

    // An inproc connection still waiting for its bind just goes away.
    let push = ferro(&ctx, SocketType::Push);
    push.connect("inproc://never").unwrap();
    push.send("lost", 0).unwrap();
    push.disconnect("inproc://never").unwrap();
    let pull = ferro(&ctx, SocketType::Pull);
    pull.bind("inproc://never").unwrap();
    nothing_arrives(&pull, Duration::from_millis(50));
}

#[test]
fn unbind_on_every_transport() {
    let ctx = Context::new();
    for transport in ALL {
        let pull = ferro(&ctx, SocketType::Pull);
        let endpoint = bind(&pull, transport, "unbind");
        let old = ferro(&ctx, SocketType::Push);
        old.connect(&endpoint).unwrap();
        old.send("before", 0).unwrap();
        assert_eq!(pull.recv(0).unwrap(), b"before");

        pull.unbind(&endpoint).unwrap();
        assert_eq!(
            pull.unbind(&endpoint).unwrap_err().kind(),
            ErrorKind::NoEntity
        );
        if transport == Transport::Ipc {
            assert!(!path_of(&endpoint).exists());
        }
        // Nobody new gets in.
        let new = ferro(&ctx, SocketType::Push);
        new.connect(&endpoint).unwrap();
        new.send("knocking", flags::DONTWAIT).unwrap();
        if transport == Transport::Inproc {
            // inproc, like libzmq, leaves existing connections alone…
            old.send("after", 0).unwrap();
            assert_eq!(pull.recv(0).unwrap(), b"after");
            nothing_arrives(&pull, Duration::from_millis(50));
            // … and the name can be bound by someone else, who gets the waiting message.
            let other = ferro(&ctx, SocketType::Pull);
            other.bind(&endpoint).unwrap();
            assert_eq!(other.recv(0).unwrap(), b"knocking");
        } else {
            // TCP and ipc close the connections accepted through the endpoint.
            let _ = old.send("after", flags::DONTWAIT);
            nothing_arrives(&pull, Duration::from_millis(200));
        }
    }
}

// ----- zmq_poll over the three transports -----

#[test]
fn poll_over_tcp_ipc_and_inproc_sockets() {
    // The talk's zmq_poll example: one loop serving a task queue (tcp), a weather feed
    // (ipc) and a control channel (inproc).
    let ctx = Context::new();
    let receiver = ferro(&ctx, SocketType::Pull);
    let tasks = bind(&receiver, Transport::Tcp, "tasks");
    let publisher = ferro(&ctx, SocketType::Pub);
    let feed = bind(&publisher, Transport::Ipc, "feed");
    let subscriber = ferro(&ctx, SocketType::Sub);
    subscriber.subscribe("10001 ").unwrap();
    subscriber.connect(&feed).unwrap();
    let control = ferro(&ctx, SocketType::Pair);
    control.bind("inproc://control").unwrap();

    let ventilator = ferro(&ctx, SocketType::Push);
    ventilator.connect(&tasks).unwrap();
    let controller = ferro(&ctx, SocketType::Pair);
    controller.connect("inproc://control").unwrap();

    // Nothing yet.
    let mut items = [
        PollItem::socket(&receiver, POLLIN),
        PollItem::socket(&subscriber, POLLIN),
        PollItem::socket(&control, POLLIN),
    ];
    assert_eq!(
        poll(&mut items, Some(Duration::from_millis(50))).unwrap(),
        0
    );

    // One at a time: poll says which.
    controller.send("status?", 0).unwrap();
    assert_eq!(poll(&mut items, Some(Duration::from_secs(5))).unwrap(), 1);
    assert!(!items[0].is_readable() && !items[1].is_readable() && items[2].is_readable());
    assert_eq!(control.recv(0).unwrap(), b"status?");

    ventilator.send("task 1", 0).unwrap();
    assert_eq!(poll(&mut items, Some(Duration::from_secs(5))).unwrap(), 1);
    assert!(items[0].is_readable());
    assert_eq!(receiver.recv(0).unwrap(), b"task 1");

    // The feed: publish until the subscription has made it through.
    eventually("the weather feed", || {
        publisher.send("10001 22C", 0).unwrap();
        poll(&mut items, Some(Duration::from_millis(20))).unwrap() == 1 && items[1].is_readable()
    });
    while subscriber.recv(flags::DONTWAIT).is_ok() {}

    // All three, served by one loop until the controller says stop.
    for i in 0..10 {
        ventilator.send(format!("task {i}"), 0).unwrap();
        publisher.send(format!("10001 {i}C"), 0).unwrap();
    }
    controller.send("stop", 0).unwrap();
    let (mut tasks_done, mut updates) = (0, 0);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        assert!(
            Instant::now() < deadline,
            "{tasks_done} tasks, {updates} updates"
        );
        poll(&mut items, Some(Duration::from_secs(1))).unwrap();
        if items[0].is_readable() {
            while receiver.recv(flags::DONTWAIT).is_ok() {
                tasks_done += 1;
            }
        }
        if items[1].is_readable() {
            while subscriber.recv(flags::DONTWAIT).is_ok() {
                updates += 1;
            }
        }
        if items[2].is_readable() && tasks_done == 10 && updates == 10 {
            assert_eq!(control.recv(0).unwrap(), b"stop");
            break;
        }
    }
}
