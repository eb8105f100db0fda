//! `local_lat <bind-to> <message-size> <roundtrip-count>`: libzmq's latency echo server.

use ferromq::{Context, SocketType};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: local_lat <bind-to> <message-size> <roundtrip-count>");
        std::process::exit(1);
    }
    let (bind_to, size, count) = (&args[1], parse(&args[2]), parse(&args[3]));
    let ctx = Context::new();
    let rep = ctx.socket(SocketType::Rep).unwrap_or_else(|e| fail(e));
    rep.bind(bind_to).unwrap_or_else(|e| fail(e));
    for _ in 0..count {
        let frame = rep.recv(0).unwrap_or_else(|e| fail(e));
        if frame.len() != size {
            fail(format!(
                "message of incorrect size received: {}",
                frame.len()
            ));
        }
        rep.send(frame, 0).unwrap_or_else(|e| fail(e));
    }
}

fn parse(s: &str) -> usize {
    s.parse()
        .unwrap_or_else(|_| fail(format!("not a number: {s:?}")))
}

fn fail(e: impl std::fmt::Display) -> ! {
    eprintln!("local_lat: {e}");
    std::process::exit(1)
}
