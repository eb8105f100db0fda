//! `local_thr <bind-to> <message-size> <message-count>`: libzmq's throughput receiver.

use std::time::Instant;

use ferromq::{Context, SocketOption, SocketType};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: local_thr <bind-to> <message-size> <message-count>");
        std::process::exit(1);
    }
    let (bind_to, size, count) = (&args[1], parse(&args[2]), parse(&args[3]));
    let ctx = Context::new();
    let pull = ctx.socket(SocketType::Pull).unwrap_or_else(|e| fail(e));
    pull.set_option(SocketOption::RcvHwm, 0)
        .unwrap_or_else(|e| fail(e));
    pull.bind(bind_to).unwrap_or_else(|e| fail(e));

    let check = |len: usize| {
        if len != size {
            fail(format!("message of incorrect size received: {len}"));
        }
    };
    check(pull.recv(0).unwrap_or_else(|e| fail(e)).len());
    let start = Instant::now();
    for _ in 1..count {
        check(pull.recv(0).unwrap_or_else(|e| fail(e)).len());
    }
    let elapsed_us = (start.elapsed().as_micros() as f64).max(1.0);
    let throughput = ((count - 1) as f64 / elapsed_us * 1_000_000.0) as u64;
    let megabits = throughput as f64 * size as f64 * 8.0 / 1_000_000.0;
    println!("message size: {size} [B]");
    println!("message count: {count}");
    println!("mean throughput: {throughput} [msg/s]");
    println!("mean throughput: {megabits:.3} [Mb/s]");
}

fn parse(s: &str) -> usize {
    s.parse()
        .unwrap_or_else(|_| fail(format!("not a number: {s:?}")))
}

fn fail(e: impl std::fmt::Display) -> ! {
    eprintln!("local_thr: {e}");
    std::process::exit(1)
}
