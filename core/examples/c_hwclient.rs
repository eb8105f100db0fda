//! The Russian talk's C client (tests-polyglot/talks/hwclient.c) on FerroMQ: REQ, "Hello"
//! sent as one message, the reply received and printed, COUNT times.
//! Usage: c_hwclient [ENDPOINT] [COUNT]  (tcp://localhost:5555, 10)

use ferromq::{Context, SocketType};

fn main() -> ferromq::Result<()> {
    let mut args = std::env::args().skip(1);
    let endpoint = args.next().unwrap_or_else(|| "tcp://localhost:5555".into());
    let count: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(10);

    let context = Context::new();
    let requester = context.socket(SocketType::Req)?;
    requester.connect(&endpoint)?;
    for n in 0..count {
        println!("Sending Hello {n}...");
        requester.send("Hello", 0)?;
        let reply = requester.recv(0)?;
        println!("Received {} {n}", String::from_utf8_lossy(&reply));
    }
    Ok(())
}
