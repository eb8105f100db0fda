//! One large message costs time linear in its size: 256 MiB must take well under 16 times
//! what 64 MiB takes (a path quadratic in the size takes 16 times; a linear one about 4).
//! Each size is timed as the best of three, on the same run, over tcp, ipc and inproc.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::proc_kib;
use ferromq::{Context, Frame, SocketOption, SocketType};

const MIB: usize = 1 << 20;

/// The tests of this file take turns: a 2 GiB transfer beside a timed one would skew it.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Time from `send` on one PAIR to the end of `recv` on another, each time on a new pair
/// (a connection's first large message is the one that finds no buffer ready), best of
/// three.
fn best_time(ctx: &Context, endpoint: &str, size: usize) -> Duration {
    let payload = Bytes::from(vec![0x5a; size]);
    (0..3)
        .map(|round| {
            let receiver = ctx.socket(SocketType::Pair).unwrap();
            receiver.set_option(SocketOption::RcvTimeo, 60_000).unwrap();
            let unique = match endpoint.strip_prefix("tcp") {
                Some(_) => endpoint.to_string(),
                None => format!("{endpoint}-{size}-{round}"),
            };
            receiver.bind(&unique).unwrap();
            let sender = ctx.socket(SocketType::Pair).unwrap();
            sender.connect(&receiver.last_endpoint().unwrap()).unwrap();
            let start = Instant::now();
            sender.send(Frame::from(payload.clone()), 0).unwrap();
            let got = receiver.recv(0).unwrap();
            let elapsed = start.elapsed();
            assert_eq!(got.len(), size);
            assert!(got.iter().step_by(4096).all(|&b| b == 0x5a));
            elapsed
        })
        .min()
        .unwrap()
}

#[test]
fn a_large_message_costs_time_linear_in_its_size() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = Context::new();
    let pid = std::process::id();
    let transports = [
        ("tcp", "tcp://127.0.0.1:*".to_string()),
        ("ipc", format!("ipc:///tmp/ferromq-large-{pid}")),
        ("inproc", format!("inproc://large-{pid}")),
    ];
    for (name, endpoint) in transports {
        let small = best_time(&ctx, &endpoint, 64 * MIB);
        let large = best_time(&ctx, &endpoint, 256 * MIB);
        eprintln!("{name}: 64 MiB {small:?}, 256 MiB {large:?}");
        assert!(
            large < small * 8 + Duration::from_millis(50),
            "{name}: 256 MiB took {large:?}, more than 8 times 64 MiB's {small:?}"
        );
    }
}

/// This process's peak resident memory since the last [`reset_peak_memory`], in bytes.
fn peak_memory() -> usize {
    proc_kib("/proc/self/status", "VmHWM:") as usize * 1024
}

/// Starts measuring the peak anew (Linux: writing 5 to clear_refs resets VmHWM).
fn reset_peak_memory() {
    std::fs::write("/proc/self/clear_refs", "5").expect("reset the peak RSS");
}

fn resident_memory() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|statm| statm.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

#[test]
fn a_large_message_costs_about_one_copy_of_memory_on_each_side() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let size = 256 * MIB;
    let ctx = Context::new();
    let pid = std::process::id();
    for endpoint in [
        "tcp://127.0.0.1:*".to_string(),
        format!("ipc:///tmp/ferromq-memory-{pid}"),
    ] {
        let receiver = ctx.socket(SocketType::Pair).unwrap();
        receiver.set_option(SocketOption::RcvTimeo, 60_000).unwrap();
        receiver.bind(&endpoint).unwrap();
        let sender = ctx.socket(SocketType::Pair).unwrap();
        sender.connect(&receiver.last_endpoint().unwrap()).unwrap();
        let before = resident_memory();
        reset_peak_memory();
        // Both ends are in this process: the sender's payload, which its engine writes
        // without a copy, and the receiver's frame make two copies.
        let payload = Bytes::from(vec![3u8; size]);
        sender.send(Frame::from(payload), 0).unwrap();
        let got = receiver.recv(0).unwrap();
        assert_eq!(got.len(), size);
        let used = peak_memory().saturating_sub(before);
        eprintln!(
            "{endpoint}: peak {} MiB for a {} MiB message",
            used / MIB,
            size / MIB
        );
        assert!(
            used < size * 5 / 2,
            "{endpoint}: {} MiB at the peak for a {} MiB message sent and received",
            used / MIB,
            size / MIB
        );
    }
}

/// `MemAvailable` from /proc/meminfo, in bytes (0 if unknown).
fn available_memory() -> usize {
    proc_kib("/proc/meminfo", "MemAvailable:") as usize * 1024
}

#[test]
fn a_2_gib_plus_1_message_arrives_whole_over_every_transport() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let size = (2 << 30) + 1;
    // One copy on each side (the sender's payload is shared with its engine, the receiver
    // reads into one buffer of the frame's size), and room to spare.
    if available_memory() < 3 * size {
        eprintln!(
            "skipped: needs {} GiB of available memory",
            (3 * size) >> 30
        );
        return;
    }
    let ctx = Context::new();
    let pid = std::process::id();
    let payload = Bytes::from(vec![7u8; size]);
    for endpoint in [
        "tcp://127.0.0.1:*".to_string(),
        format!("ipc:///tmp/ferromq-huge-{pid}"),
        format!("inproc://huge-{pid}"),
    ] {
        let receiver = ctx.socket(SocketType::Pair).unwrap();
        receiver
            .set_option(SocketOption::RcvTimeo, 120_000)
            .unwrap();
        receiver.bind(&endpoint).unwrap();
        let sender = ctx.socket(SocketType::Pair).unwrap();
        sender.connect(&receiver.last_endpoint().unwrap()).unwrap();
        let start = Instant::now();
        sender.send(Frame::from(payload.clone()), 0).unwrap();
        let got = receiver.recv(0).unwrap();
        eprintln!("{endpoint}: {size} bytes in {:?}", start.elapsed());
        assert_eq!(got.len(), size);
        assert_eq!((got[0], got[size / 2], got[size - 1]), (7, 7, 7));
    }
}
