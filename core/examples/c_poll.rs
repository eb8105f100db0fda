//! The Russian talk's zmq_poll over tcp, ipc and inproc (tests-polyglot/talks/poll.c) on
//! FerroMQ: three PULL sockets bound on TCP_ENDPOINT, IPC_ENDPOINT and
//! inproc://contact_point, a thread pushing COUNT messages to the inproc one, and one poll
//! loop (with the slide's if / else-if chain) until COUNT messages came in on each.
//! Usage: c_poll TCP_ENDPOINT IPC_ENDPOINT COUNT

use ferromq::{poll, Context, PollItem, Socket, SocketType, POLLIN};

fn take(socket: &Socket, name: &str, seen: &mut usize) -> ferromq::Result<()> {
    let msg = socket.recv(0)?;
    println!("{name}: {}", String::from_utf8_lossy(&msg));
    *seen += 1;
    Ok(())
}

fn main() -> ferromq::Result<()> {
    let mut args = std::env::args().skip(1);
    let tcp = args.next().unwrap_or_else(|| "tcp://*:5555".into());
    let ipc = args.next().unwrap_or_else(|| "ipc:///tmp/local".into());
    let count: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10);

    let context = Context::new();
    let socket_1 = context.socket(SocketType::Pull)?;
    let socket_2 = context.socket(SocketType::Pull)?;
    let socket_3 = context.socket(SocketType::Pull)?;
    socket_1.bind(&tcp)?;
    socket_2.bind(&ipc)?;
    socket_3.bind("inproc://contact_point")?;

    let sender_ctx = context.clone();
    let sender = std::thread::spawn(move || -> ferromq::Result<()> {
        let push = sender_ctx.socket(SocketType::Push)?;
        push.connect("inproc://contact_point")?;
        for i in 0..count {
            push.send(format!("push {i} from inproc thread"), 0)?;
        }
        Ok(())
    });

    let mut seen = [0usize; 3];
    let mut working = true;
    while working {
        let mut items = [
            PollItem::socket(&socket_1, POLLIN),
            PollItem::socket(&socket_2, POLLIN),
            PollItem::socket(&socket_3, POLLIN),
        ];
        poll(&mut items, None)?;
        if items[0].is_readable() {
            take(&socket_1, "tcp", &mut seen[0])?;
        } else if items[1].is_readable() {
            take(&socket_2, "ipc", &mut seen[1])?;
        } else if items[2].is_readable() {
            take(&socket_3, "inproc", &mut seen[2])?;
        }
        working = seen.iter().any(|&n| n < count);
    }
    println!(
        "poll done: tcp={} ipc={} inproc={}",
        seen[0], seen[1], seen[2]
    );
    sender.join().expect("inproc sender thread")?;
    Ok(())
}
