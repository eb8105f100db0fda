//! Helpers shared by the integration tests: FerroMQ sockets paired with libzmq sockets.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use ferromq::{Context, Socket, SocketOption, SocketType};

pub const TIMEOUT_MS: i32 = 5000;

/// A FerroMQ socket with receive/send timeouts, so a broken test fails instead of hanging.
pub fn ferro(ctx: &Context, socket_type: SocketType) -> Socket {
    let socket = ctx.socket(socket_type).unwrap();
    socket
        .set_option(SocketOption::RcvTimeo, TIMEOUT_MS)
        .unwrap();
    socket
        .set_option(SocketOption::SndTimeo, TIMEOUT_MS)
        .unwrap();
    socket.set_option(SocketOption::Linger, 0).unwrap();
    socket
}

/// A libzmq socket (the reference implementation) with the same timeouts.
pub fn libzmq(ctx: &zmq::Context, socket_type: zmq::SocketType) -> zmq::Socket {
    let socket = ctx.socket(socket_type).unwrap();
    socket.set_rcvtimeo(TIMEOUT_MS).unwrap();
    socket.set_sndtimeo(TIMEOUT_MS).unwrap();
    socket.set_linger(0).unwrap();
    socket
}

pub fn ferro_bind(socket: &Socket) -> String {
    socket.bind("tcp://127.0.0.1:*").unwrap();
    socket.last_endpoint().unwrap()
}

pub fn libzmq_bind(socket: &zmq::Socket) -> String {
    socket.bind("tcp://127.0.0.1:*").unwrap();
    socket.get_last_endpoint().unwrap().unwrap()
}

/// Retries `attempt` until it returns true or 5 s pass (for slow-joiner subscriptions).
pub fn eventually(what: &str, mut attempt: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if attempt() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out waiting for {what}");
}

pub fn frames(msg: &ferromq::Message) -> Vec<Vec<u8>> {
    msg.iter().map(|f| f.to_vec()).collect()
}

/// This process's resident memory, in KiB (for "memory stays bounded" checks).
pub fn rss_kib() -> u64 {
    proc_kib("/proc/self/status", "VmRSS:")
}

/// A `Field:   123 kB` line of a /proc file (`/proc/self/status`, `/proc/meminfo`), in KiB;
/// 0 if absent.
pub fn proc_kib(path: &str, field: &str) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
