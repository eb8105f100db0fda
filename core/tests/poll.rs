//! zmq_poll over sockets and raw descriptors, and the readiness-descriptor contract.

mod common;

use std::io::Write;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use common::*;
use ferromq::{flags, poll, wait_for_readiness, Context, PollItem, SocketType, POLLIN, POLLOUT};

#[test]
fn poll_reports_which_sockets_and_fds_are_ready() {
    let ctx = Context::new();
    let (pull_a, pull_b) = (ferro(&ctx, SocketType::Pull), ferro(&ctx, SocketType::Pull));
    let (ep_a, ep_b) = (ferro_bind(&pull_a), ferro_bind(&pull_b));
    let push_b = ferro(&ctx, SocketType::Push);
    push_b.connect(&ep_b).unwrap();
    let push_a = ferro(&ctx, SocketType::Push);
    push_a.connect(&ep_a).unwrap();
    let (mut raw_writer, raw_reader) = UnixStream::pair().unwrap();

    // Nothing ready: times out after about the timeout, without spinning.
    let start = Instant::now();
    let mut items = [
        PollItem::socket(&pull_a, POLLIN),
        PollItem::socket(&pull_b, POLLIN),
        PollItem::fd(raw_reader.as_raw_fd(), POLLIN),
    ];
    assert_eq!(
        poll(&mut items, Some(Duration::from_millis(100))).unwrap(),
        0
    );
    assert!(start.elapsed() >= Duration::from_millis(90));

    // One socket becomes ready.
    push_b.send("to b", 0).unwrap();
    assert_eq!(poll(&mut items, Some(Duration::from_secs(5))).unwrap(), 1);
    assert!(!items[0].is_readable() && items[1].is_readable() && !items[2].is_readable());
    assert_eq!(pull_b.recv(0).unwrap(), b"to b");

    // The raw fd becomes ready.
    raw_writer.write_all(b"x").unwrap();
    assert_eq!(poll(&mut items, Some(Duration::from_secs(5))).unwrap(), 1);
    assert!(items[2].is_readable());

    // Both sockets and the fd.
    push_a.send("to a", 0).unwrap();
    push_b.send("to b", 0).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while poll(&mut items, Some(Duration::from_secs(5))).unwrap() < 3 {
        assert!(Instant::now() < deadline);
    }
    assert_eq!(pull_a.recv(0).unwrap(), b"to a");
    assert_eq!(pull_b.recv(0).unwrap(), b"to b");
}

#[test]
fn pollout_follows_the_pipe_state() {
    let ctx = Context::new();
    let push = ferro(&ctx, SocketType::Push);
    // No peer: a PUSH cannot send.
    let mut items = [PollItem::socket(&push, POLLOUT)];
    assert_eq!(poll(&mut items, Some(Duration::ZERO)).unwrap(), 0);
    let pull = ferro(&ctx, SocketType::Pull);
    push.connect(&ferro_bind(&pull)).unwrap();
    assert_eq!(poll(&mut items, Some(Duration::from_secs(5))).unwrap(), 1);
    assert!(items[0].is_writable());
    // A REQ that sent is not writable until its reply comes.
    let req = ferro(&ctx, SocketType::Req);
    let rep = ferro(&ctx, SocketType::Rep);
    req.connect(&ferro_bind(&rep)).unwrap();
    req.send("q", 0).unwrap();
    let mut items = [PollItem::socket(&req, POLLOUT | POLLIN)];
    assert_eq!(
        poll(&mut items, Some(Duration::from_millis(50))).unwrap(),
        0
    );
    rep.recv(0).unwrap();
    rep.send("a", 0).unwrap();
    assert_eq!(poll(&mut items, Some(Duration::from_secs(5))).unwrap(), 1);
    assert_eq!(items[0].revents, POLLIN);
}

/// The ZMQ_FD contract an event loop relies on: wait for the fd, then receive until EAGAIN.
/// Many short bursts with random gaps catch a lost wake-up if there is one.
#[test]
fn readiness_fd_never_misses_a_message() {
    let ctx = Context::new();
    let pull = ferro(&ctx, SocketType::Pull);
    let endpoint = ferro_bind(&pull);
    let sender = std::thread::spawn(move || {
        let ctx = Context::new();
        let push = ctx.socket(SocketType::Push).unwrap();
        push.connect(&endpoint).unwrap();
        for burst in 0..500u32 {
            for i in 0..(burst % 7) {
                push.send(&(burst * 10 + i).to_le_bytes()[..], 0).unwrap();
            }
            if burst % 3 == 0 {
                std::thread::sleep(Duration::from_micros((burst % 5) as u64 * 100));
            }
        }
    });
    let expected: usize = (0..500u32).map(|b| (b % 7) as usize).sum();
    let mut received = 0;
    let fd = pull.readiness_fd().as_raw_fd();
    while received < expected {
        // Like an event loop: sleep on the fd (5 s cap so a lost wake-up fails the test).
        let mut fds = [libc_pollfd(fd)];
        let n = unsafe_poll(&mut fds, 5000);
        assert!(n >= 0);
        if n == 0 {
            // Timed out: only fine if a message is actually waiting (then it was a lost wake-up).
            assert_eq!(
                pull.events().unwrap() & POLLIN,
                0,
                "message waiting but the fd never fired"
            );
            panic!("no message within 5 s: {received}/{expected}");
        }
        if pull.events().unwrap() & POLLIN == 0 {
            continue;
        }
        while pull.recv(flags::DONTWAIT).is_ok() {
            received += 1;
        }
    }
    sender.join().unwrap();
}

fn libc_pollfd(fd: i32) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

fn unsafe_poll(fds: &mut [libc::pollfd], timeout_ms: i32) -> i32 {
    // SAFETY: `fds` is a valid, exclusively borrowed array of pollfd for the call's duration.
    unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) }
}

/// The reactor primitive the Node and Erlang bindings share: wake-ups from the wake
/// descriptor, from sockets' readiness descriptors, and the timeout.
#[test]
fn wait_for_readiness_reports_fired_sockets_the_wake_fd_and_the_timeout() {
    let ctx = Context::new();
    let (idle, busy) = (ferro(&ctx, SocketType::Pull), ferro(&ctx, SocketType::Pull));
    let (_idle_ep, busy_ep) = (ferro_bind(&idle), ferro_bind(&busy));
    let (mut wake_writer, wake) = UnixStream::pair().unwrap();
    // Drain whatever setup signalled, so only what follows can fire.
    let _ = (idle.events().unwrap(), busy.events().unwrap());

    let start = Instant::now();
    let fired = wait_for_readiness(
        wake.as_fd(),
        &[&idle, &busy],
        Some(Duration::from_millis(50)),
    );
    assert!(fired.is_empty(), "nothing happened: {fired:?}");
    assert!(
        start.elapsed() >= Duration::from_millis(50),
        "the timeout is honoured"
    );

    let push = ferro(&ctx, SocketType::Push);
    push.connect(&busy_ep).unwrap();
    push.send(&b"x"[..], 0).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut seen = Vec::new();
    while !seen.contains(&1) && Instant::now() < deadline {
        seen = wait_for_readiness(wake.as_fd(), &[&idle, &busy], Some(Duration::from_secs(5)));
        let _ = busy.events();
    }
    assert!(
        seen.contains(&1) && !seen.contains(&0),
        "only the busy socket fired: {seen:?}"
    );
    assert_eq!(busy.recv(0).unwrap(), &b"x"[..]);

    let _ = (idle.events().unwrap(), busy.events().unwrap());
    wake_writer.write_all(b"w").unwrap();
    let start = Instant::now();
    let fired = wait_for_readiness(wake.as_fd(), &[&idle, &busy], Some(Duration::from_secs(5)));
    assert!(fired.is_empty(), "the wake fd fires no socket: {fired:?}");
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "the wake fd ends the wait"
    );
}
