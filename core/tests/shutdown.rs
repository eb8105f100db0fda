//! Shutdown as libzmq does it: ETERM for blocked calls, `term` waiting for sockets and
//! LINGER, `destroy`, and no thread, fd or memory leaks across thousands of contexts.

mod common;

use std::time::{Duration, Instant};

use common::*;
use ferromq::{Context, ErrorKind, SocketOption, SocketType};

#[test]
fn term_waits_for_the_sockets_to_be_closed() {
    let ctx = Context::new();
    let pull = ctx.socket(SocketType::Pull).unwrap();
    let owner = std::thread::spawn(move || {
        // Blocked until term: then ETERM, then the owner closes its socket a bit later.
        let err = pull.recv(0).unwrap_err();
        std::thread::sleep(Duration::from_millis(200));
        drop(pull);
        err.kind()
    });
    std::thread::sleep(Duration::from_millis(50));
    let start = Instant::now();
    ctx.term();
    assert!(
        start.elapsed() >= Duration::from_millis(150),
        "term returned before the close"
    );
    assert_eq!(owner.join().unwrap(), ErrorKind::Term);
    assert_eq!(
        ctx.socket(SocketType::Pull).unwrap_err().kind(),
        ErrorKind::Term
    );
}

#[test]
fn term_delivers_what_linger_allows() {
    let receiver_ctx = Context::new();
    let pull = ferro(&receiver_ctx, SocketType::Pull);
    let endpoint = ferro_bind(&pull);
    let ctx = Context::new();
    let push = ctx.socket(SocketType::Push).unwrap();
    push.set_option(SocketOption::Linger, 2000).unwrap();
    push.connect(&endpoint).unwrap();
    for i in 0..500u32 {
        push.send(&i.to_le_bytes()[..], 0).unwrap();
    }
    push.close();
    ctx.term();
    // Everything was on the wire before term returned.
    for i in 0..500u32 {
        assert_eq!(pull.recv(0).unwrap(), &i.to_le_bytes());
    }
}

#[test]
fn destroy_closes_open_sockets_with_the_given_linger() {
    let ctx = Context::new();
    let push = ctx.socket(SocketType::Push).unwrap();
    // Connected to nobody: with LINGER -1 a plain term would wait forever.
    push.connect("tcp://127.0.0.1:9").unwrap();
    push.send("never delivered", 0).unwrap();
    let start = Instant::now();
    ctx.destroy(Some(0));
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(push.send("x", 0).unwrap_err().kind(), ErrorKind::NotSocket);
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

/// Contexts and sockets of every transport, opened, used and closed many times over.
fn churn(rounds: usize) {
    for round in 0..rounds {
        let ctx = Context::new();
        let pull = ctx.socket(SocketType::Pull).unwrap();
        pull.set_option(SocketOption::Linger, 0).unwrap();
        let endpoint = match round % 3 {
            0 => {
                pull.bind("tcp://127.0.0.1:*").unwrap();
                pull.last_endpoint().unwrap()
            }
            1 => {
                pull.bind("ipc://*").unwrap();
                pull.last_endpoint().unwrap()
            }
            _ => {
                pull.bind("inproc://churn").unwrap();
                "inproc://churn".to_string()
            }
        };
        let push = ctx.socket(SocketType::Push).unwrap();
        push.set_option(SocketOption::Linger, 0).unwrap();
        push.connect(&endpoint).unwrap();
        push.send("x", 0).unwrap();
        pull.set_option(SocketOption::RcvTimeo, 5000).unwrap();
        assert_eq!(pull.recv(0).unwrap(), b"x");
        drop(push);
        drop(pull);
        ctx.term();
    }
}

#[test]
fn thousands_of_contexts_and_sockets_leak_nothing() {
    churn(50); // warm up allocator pools and lazy statics
    let (fds, tasks, rss) = (open_fds(), threads(), rss_kib());
    churn(1500);
    // Other tests in this binary run in parallel threads: allow them a little slack.
    std::thread::sleep(Duration::from_millis(200));
    let (fds_after, tasks_after, rss_after) = (open_fds(), threads(), rss_kib());
    assert!(fds_after <= fds + 8, "fds: {fds} -> {fds_after}");
    assert!(
        tasks_after <= tasks + 4,
        "threads: {tasks} -> {tasks_after}"
    );
    assert!(
        rss_after < rss + 20 * 1024,
        "RSS: {rss} KiB -> {rss_after} KiB"
    );
}
