//! SNDHWM and RCVHWM as libzmq applies them over inproc: a connection made before the bind
//! is bounded by the connecting socket's SNDHWM alone, then by SNDHWM + the binder's RCVHWM;
//! and changing either option later changes the pipes a socket already has
//! (`update_pipe_options` in libzmq). Each case counts the messages a PUSH can queue without
//! blocking, on FerroMQ and on libzmq (the `zmq` crate), and expects the same count.

mod common;

use common::*;
use ferromq::{flags, Context, SocketOption, SocketType};

/// The steps of one case, played on both implementations.
#[derive(Clone, Copy)]
enum Step {
    PushSndHwm(i32),
    PullRcvHwm(i32),
    Bind,
    Connect,
}

const LIMIT: usize = 10_000;

fn ours(steps: &[Step], endpoint: &str) -> usize {
    let ctx = Context::new();
    let push = ferro(&ctx, SocketType::Push);
    let pull = ferro(&ctx, SocketType::Pull);
    for step in steps {
        match *step {
            Step::PushSndHwm(v) => push.set_option(SocketOption::SndHwm, v).unwrap(),
            Step::PullRcvHwm(v) => pull.set_option(SocketOption::RcvHwm, v).unwrap(),
            Step::Bind => pull.bind(endpoint).unwrap(),
            Step::Connect => push.connect(endpoint).unwrap(),
        }
    }
    (0..LIMIT)
        .find(|_| push.send("m", flags::DONTWAIT).is_err())
        .unwrap_or(LIMIT)
}

fn theirs(steps: &[Step], endpoint: &str) -> usize {
    let ctx = zmq::Context::new();
    let push = libzmq(&ctx, zmq::PUSH);
    let pull = libzmq(&ctx, zmq::PULL);
    for step in steps {
        match *step {
            Step::PushSndHwm(v) => push.set_sndhwm(v).unwrap(),
            Step::PullRcvHwm(v) => pull.set_rcvhwm(v).unwrap(),
            Step::Bind => pull.bind(endpoint).unwrap(),
            Step::Connect => push.connect(endpoint).unwrap(),
        }
    }
    (0..LIMIT)
        .find(|_| push.send("m", zmq::DONTWAIT).is_err())
        .unwrap_or(LIMIT)
}

fn same_as_libzmq(name: &str, steps: &[Step], expected: usize) {
    let endpoint = format!("inproc://hwm-changes-{name}");
    let (ours, theirs) = (ours(steps, &endpoint), theirs(steps, &endpoint));
    assert_eq!(
        ours, theirs,
        "{name}: FerroMQ queued {ours}, libzmq {theirs}"
    );
    assert_eq!(ours, expected, "{name}");
}

#[test]
fn connect_before_bind_counts_the_senders_hwm_alone() {
    use Step::*;
    same_as_libzmq("no-binder", &[PushSndHwm(1), Connect], 1);
    same_as_libzmq("no-binder-default", &[Connect], 1000);
}

#[test]
fn a_later_bind_adds_the_binders_rcvhwm() {
    use Step::*;
    same_as_libzmq(
        "bind-after",
        &[PushSndHwm(2), PullRcvHwm(3), Connect, Bind],
        5,
    );
}

#[test]
fn changing_sndhwm_after_connecting_changes_the_pipe() {
    use Step::*;
    same_as_libzmq("lowered", &[PullRcvHwm(1), Bind, Connect, PushSndHwm(2)], 3);
    same_as_libzmq(
        "raised",
        &[
            PushSndHwm(1),
            PullRcvHwm(1),
            Bind,
            Connect,
            PushSndHwm(3000),
        ],
        3001,
    );
}

/// A receiver that raises its RCVHWM gives its connected senders the room at once. (libzmq
/// passes the new value to the sender's pipe as a command, taken whenever that socket next
/// processes its commands, so there the count depends on timing: not compared.)
#[test]
fn changing_rcvhwm_after_the_connection_changes_the_pipe() {
    use Step::*;
    let raised = [PushSndHwm(1), PullRcvHwm(1), Bind, Connect, PullRcvHwm(10)];
    assert_eq!(ours(&raised, "inproc://hwm-changes-rcv-raised"), 11);
    let unlimited = [PushSndHwm(1), Bind, Connect, PullRcvHwm(0)];
    assert_eq!(
        ours(&unlimited, "inproc://hwm-changes-rcv-unlimited"),
        LIMIT
    );
}
