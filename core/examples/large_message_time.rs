//! `large_message_time <transport> <size> [repeats]`: the time one message of `size` bytes
//! takes from `send` on one PAIR to the end of `recv` on another, over tcp, ipc or inproc.
use std::time::Instant;

use bytes::Bytes;
use ferromq::{Context, Frame, SocketType};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let transport = args.get(1).map(String::as_str).unwrap_or("tcp");
    let size: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1 << 20);
    let repeats: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
    let ctx = Context::new();
    let a = ctx.socket(SocketType::Pair).unwrap();
    let b = ctx.socket(SocketType::Pair).unwrap();
    let endpoint = match transport {
        "tcp" => "tcp://127.0.0.1:*".to_string(),
        "ipc" => format!("ipc:///tmp/large-{}", std::process::id()),
        _ => format!("inproc://large-{}", std::process::id()),
    };
    b.bind(&endpoint).unwrap();
    a.connect(&b.last_endpoint().unwrap()).unwrap();
    let payload = Bytes::from(vec![7u8; size]);
    for _ in 0..repeats {
        let start = Instant::now();
        a.send(Frame::from(payload.clone()), 0).unwrap();
        let got = b.recv(0).unwrap();
        assert_eq!(got.len(), size);
        println!("{transport} {size} {:.3} s", start.elapsed().as_secs_f64());
    }
}
