//! The talk's hello-world client (hwclient.py), on FerroMQ: REQ to tcp://localhost:5555.

use ferromq::{Context, SocketType};

fn main() -> ferromq::Result<()> {
    let context = Context::new();
    println!("Connecting to hello world server...");
    let socket = context.socket(SocketType::Req)?;
    socket.connect("tcp://localhost:5555")?;
    for request in 0..10 {
        println!("Sending request {request} ...");
        socket.send("Hello", 0)?;
        let message = socket.recv(0)?;
        println!(
            "Received reply {request} [ {} ]",
            String::from_utf8_lossy(&message)
        );
    }
    Ok(())
}
