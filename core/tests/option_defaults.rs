//! Option values as libzmq reads them back, compared with the system libzmq: the defaults
//! that differ by socket type (SUB and XSUB close with LINGER 0) and values libzmq rounds.

use ferromq::{Context, SocketOption, SocketType};

const TYPES: [(SocketType, zmq::SocketType); 11] = [
    (SocketType::Pair, zmq::PAIR),
    (SocketType::Pub, zmq::PUB),
    (SocketType::Sub, zmq::SUB),
    (SocketType::Req, zmq::REQ),
    (SocketType::Rep, zmq::REP),
    (SocketType::Dealer, zmq::DEALER),
    (SocketType::Router, zmq::ROUTER),
    (SocketType::Pull, zmq::PULL),
    (SocketType::Push, zmq::PUSH),
    (SocketType::XPub, zmq::XPUB),
    (SocketType::XSub, zmq::XSUB),
];

#[test]
fn linger_defaults_match_libzmq_for_every_type() {
    let ctx = Context::new();
    let zctx = zmq::Context::new();
    for (ours, theirs) in TYPES {
        let ours_linger = ctx
            .socket(ours)
            .unwrap()
            .get_int(SocketOption::Linger)
            .unwrap();
        let libzmq_linger = zctx.socket(theirs).unwrap().get_linger().unwrap();
        assert_eq!(ours_linger, i64::from(libzmq_linger), "{ours}");
    }
}

#[test]
fn heartbeat_ttl_reads_back_in_whole_deciseconds_as_libzmq() {
    let ctx = Context::new();
    let zctx = zmq::Context::new();
    let ours = ctx.socket(SocketType::Dealer).unwrap();
    let theirs = zctx.socket(zmq::DEALER).unwrap();
    for value in [0, 1, 99, 100, 150, 6_553_599] {
        ours.set_option(SocketOption::HeartbeatTtl, value).unwrap();
        theirs.set_heartbeat_ttl(value).unwrap();
        assert_eq!(
            ours.get_int(SocketOption::HeartbeatTtl).unwrap(),
            i64::from(theirs.get_heartbeat_ttl().unwrap()),
            "HEARTBEAT_TTL {value}"
        );
    }
}
