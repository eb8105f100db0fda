//! The talk's hello-world server (hwserver.py), on FerroMQ: REP bound to tcp://*:5555.
//! Usage: hwserver [requests-to-serve]  (forever by default)

use std::time::Duration;

use ferromq::{Context, SocketType};

fn main() -> ferromq::Result<()> {
    let limit: Option<u32> = std::env::args().nth(1).and_then(|n| n.parse().ok());
    let context = Context::new();
    let socket = context.socket(SocketType::Rep)?;
    socket.bind("tcp://*:5555")?;
    let mut served = 0;
    while limit.is_none_or(|l| served < l) {
        let message = socket.recv(0)?;
        println!("Received request: {}", String::from_utf8_lossy(&message));
        std::thread::sleep(Duration::from_millis(100));
        socket.send("World", 0)?;
        served += 1;
    }
    Ok(())
}
