//! `remote_lat <connect-to> <message-size> <roundtrip-count>`: libzmq's latency client.

use std::time::Instant;

use ferromq::{Context, Frame, SocketType};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: remote_lat <connect-to> <message-size> <roundtrip-count>");
        std::process::exit(1);
    }
    let (connect_to, size, count) = (&args[1], parse(&args[2]), parse(&args[3]));
    let ctx = Context::new();
    let req = ctx.socket(SocketType::Req).unwrap_or_else(|e| fail(e));
    req.connect(connect_to).unwrap_or_else(|e| fail(e));
    let payload = Frame::from(vec![0u8; size]);
    let start = Instant::now();
    for _ in 0..count {
        req.send(payload.clone(), 0).unwrap_or_else(|e| fail(e));
        let reply = req.recv(0).unwrap_or_else(|e| fail(e));
        if reply.len() != size {
            fail(format!(
                "message of incorrect size received: {}",
                reply.len()
            ));
        }
    }
    let elapsed_us = start.elapsed().as_secs_f64() * 1_000_000.0;
    let latency = elapsed_us / (count as f64 * 2.0);
    println!("message size: {size} [B]");
    println!("roundtrip count: {count}");
    println!("average latency: {latency:.3} [us]");
}

fn parse(s: &str) -> usize {
    s.parse()
        .unwrap_or_else(|_| fail(format!("not a number: {s:?}")))
}

fn fail(e: impl std::fmt::Display) -> ! {
    eprintln!("remote_lat: {e}");
    std::process::exit(1)
}
