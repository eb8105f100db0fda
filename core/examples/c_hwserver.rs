//! The Russian talk's C server (tests-polyglot/talks/hwserver.c) on FerroMQ: REP, each
//! request printed and answered with "World".
//! Usage: c_hwserver [ENDPOINT] [COUNT]  (tcp://*:5555, forever)

use ferromq::{Context, SocketType};

fn main() -> ferromq::Result<()> {
    let mut args = std::env::args().skip(1);
    let endpoint = args.next().unwrap_or_else(|| "tcp://*:5555".into());
    let count: Option<u32> = args.next().and_then(|n| n.parse().ok());

    let context = Context::new();
    let responder = context.socket(SocketType::Rep)?;
    responder.bind(&endpoint)?;
    let mut n = 0;
    while count.is_none_or(|c| n < c) {
        let request = responder.recv(0)?;
        println!("Received {}", String::from_utf8_lossy(&request));
        responder.send("World", 0)?;
        n += 1;
    }
    Ok(())
}
