//! `remote_thr <connect-to> <message-size> <message-count>`: libzmq's throughput sender.

use bytes::Bytes;
use ferromq::{Context, Frame, SocketOption, SocketType};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: remote_thr <connect-to> <message-size> <message-count>");
        std::process::exit(1);
    }
    let (connect_to, size, count) = (&args[1], parse(&args[2]), parse(&args[3]));
    let ctx = Context::new();
    let push = ctx.socket(SocketType::Push).unwrap_or_else(|e| fail(e));
    push.set_option(SocketOption::SndHwm, 0)
        .unwrap_or_else(|e| fail(e));
    push.connect(connect_to).unwrap_or_else(|e| fail(e));
    for _ in 0..count {
        // A new buffer per message, as libzmq's remote_thr allocates one per zmq_msg_t.
        let frame = if size <= Frame::INLINE_CAPACITY {
            Frame::copy_from_slice(&[0u8; Frame::INLINE_CAPACITY][..size])
        } else {
            Frame::from(Bytes::from(vec![0u8; size]))
        };
        push.send(frame, 0).unwrap_or_else(|e| fail(e));
    }
    // Dropping the socket and context waits for the queue to drain (LINGER -1).
}

fn parse(s: &str) -> usize {
    s.parse()
        .unwrap_or_else(|_| fail(format!("not a number: {s:?}")))
}

fn fail(e: impl std::fmt::Display) -> ! {
    eprintln!("remote_thr: {e}");
    std::process::exit(1)
}
