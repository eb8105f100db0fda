//! The delivery-at-close role of `tests-polyglot/delivery/` on FerroMQ's Rust core.
//! Usage: delivery_role send|receive PATTERN ENDPOINT bind|connect SIZE COUNT
//! (the protocol is in tests-polyglot/delivery/README.md; roles/role.py is the reference).

use std::time::Duration;

use ferromq::{Context, Socket, SocketOption, SocketType};

const FIRST_WAIT_MS: i32 = 15_000;
const NEXT_WAIT_MS: i32 = 5_000;

struct Args {
    pattern: String,
    endpoint: String,
    bind: bool,
    size: usize,
    count: usize,
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    if argv.len() != 7 || !matches!(argv[4].as_str(), "bind" | "connect") {
        eprintln!("usage: delivery_role send|receive PATTERN ENDPOINT bind|connect SIZE COUNT");
        std::process::exit(2);
    }
    let number = |s: &str| {
        s.parse::<usize>()
            .unwrap_or_else(|_| fail(format!("bad number {s}")))
    };
    let args = Args {
        pattern: argv[2].clone(),
        endpoint: argv[3].clone(),
        bind: argv[4] == "bind",
        size: number(&argv[5]),
        count: number(&argv[6]),
    };
    let ctx = Context::new();
    let ok = match argv[1].as_str() {
        "send" if args.endpoint.starts_with("inproc://") => {
            // Both ends in this process: the receiver on the other side of bind/connect.
            let receiver_args = Args {
                bind: !args.bind,
                pattern: args.pattern.clone(),
                endpoint: args.endpoint.clone(),
                ..args
            };
            let receiver_ctx = ctx.clone();
            let receiver = std::thread::spawn(move || receive(&receiver_ctx, &receiver_args));
            send(&ctx, &args);
            receiver.join().unwrap_or(false)
        }
        "send" => {
            send(&ctx, &args);
            true
        }
        "receive" => receive(&ctx, &args),
        other => fail(format!("unknown mode {other}")),
    };
    ctx.term();
    if argv[1] == "send" {
        println!("sent {}", args.count);
    }
    std::process::exit(if ok { 0 } else { 1 });
}

fn fail(e: impl std::fmt::Display) -> ! {
    eprintln!("delivery_role: {e}");
    std::process::exit(1)
}

/// Message `i`: its number in 8 ASCII digits, padded with `x` to `size` bytes.
fn payload(i: usize, size: usize) -> Vec<u8> {
    let mut bytes = format!("{i:08}").into_bytes();
    bytes.resize(size, b'x');
    bytes
}

fn attach(socket: &Socket, args: &Args) {
    let result = if args.bind {
        socket.bind(&args.endpoint)
    } else {
        socket.connect(&args.endpoint)
    };
    result.unwrap_or_else(|e| fail(format!("{}: {e}", args.endpoint)));
    println!("ready");
}

fn socket(ctx: &Context, socket_type: SocketType) -> Socket {
    ctx.socket(socket_type).unwrap_or_else(|e| fail(e))
}

/// Sends COUNT payloads as the PATTERN's sender, then closes the socket (default LINGER).
fn send(ctx: &Context, args: &Args) {
    let (count, size) = (args.count, args.size);
    let check = |r: ferromq::Result<()>| r.unwrap_or_else(|e| fail(format!("send: {e}")));
    match args.pattern.as_str() {
        "push" | "dealer" | "pub" => {
            let socket_type = match args.pattern.as_str() {
                "push" => SocketType::Push,
                "dealer" => SocketType::Dealer,
                _ => SocketType::Pub,
            };
            let s = socket(ctx, socket_type);
            if socket_type == SocketType::Pub {
                check(s.set_option(SocketOption::SndHwm, 0));
            }
            attach(&s, args);
            if socket_type == SocketType::Pub {
                std::thread::sleep(Duration::from_secs(1)); // the slow joiner
            }
            for i in 0..count {
                check(s.send(payload(i, size).as_slice(), 0));
            }
        }
        "req" => {
            let s = socket(ctx, SocketType::Req);
            attach(&s, args);
            for i in 0..count {
                check(s.send(payload(i, size).as_slice(), 0));
                if i + 1 < count {
                    s.recv(0).unwrap_or_else(|e| fail(format!("recv: {e}")));
                }
            }
        }
        "rep" => {
            let s = socket(ctx, SocketType::Rep);
            attach(&s, args);
            for i in 0..count {
                s.recv(0).unwrap_or_else(|e| fail(format!("recv: {e}")));
                check(s.send(payload(i, size).as_slice(), 0));
            }
        }
        "router" => {
            let s = socket(ctx, SocketType::Router);
            check(s.set_option(SocketOption::RouterMandatory, 1));
            attach(&s, args);
            let hello = s
                .recv_multipart(0)
                .unwrap_or_else(|e| fail(format!("recv: {e}")));
            for i in 0..count {
                check(s.send_multipart([hello[0].clone(), payload(i, size)], 0));
            }
        }
        other => fail(format!("unknown pattern {other}")),
    }
}

/// Receives as the PATTERN's peer until COUNT messages or a silence; checks each one.
/// Returns whether all arrived, intact and in order.
fn receive(ctx: &Context, args: &Args) -> bool {
    let socket_type = match args.pattern.as_str() {
        "push" => SocketType::Pull,
        "dealer" => SocketType::Router,
        "pub" => SocketType::Sub,
        "req" => SocketType::Rep,
        "rep" => SocketType::Req,
        "router" => SocketType::Dealer,
        other => fail(format!("unknown pattern {other}")),
    };
    let s = socket(ctx, socket_type);
    if socket_type == SocketType::Sub {
        s.subscribe("").unwrap_or_else(|e| fail(e));
    }
    attach(&s, args);
    if socket_type == SocketType::Dealer {
        s.send("hello", 0).unwrap_or_else(|e| fail(e));
    }
    let (mut received, mut errors, mut expected) = (0, 0, 0);
    while received < args.count {
        let wait = if received == 0 {
            FIRST_WAIT_MS
        } else {
            NEXT_WAIT_MS
        };
        s.set_option(SocketOption::RcvTimeo, wait)
            .unwrap_or_else(|e| fail(e));
        if socket_type == SocketType::Req {
            s.send("next", 0).unwrap_or_else(|e| fail(e));
        }
        let Ok(frames) = s.recv_multipart(0) else {
            break;
        };
        if socket_type == SocketType::Rep {
            s.send("ok", 0).unwrap_or_else(|e| fail(e));
        }
        let want_frames = if socket_type == SocketType::Router {
            2
        } else {
            1
        };
        let body = &frames[frames.len() - 1];
        let problem = if frames.len() != want_frames {
            Some(format!("{} frames", frames.len()))
        } else if body.len() != args.size {
            Some(format!("{} bytes, expected {}", body.len(), args.size))
        } else {
            let seq = std::str::from_utf8(&body[..8])
                .ok()
                .and_then(|digits| digits.parse::<usize>().ok());
            match seq {
                Some(seq) if seq == expected => None,
                Some(seq) => {
                    let problem = format!("sequence number {seq}, expected {expected}");
                    expected = seq;
                    Some(problem)
                }
                None => Some("no sequence number".to_string()),
            }
        };
        if let Some(problem) = problem {
            errors += 1;
            if errors <= 5 {
                println!("error: message {received}: {problem}");
            }
        }
        received += 1;
        expected += 1;
    }
    println!("received {received} of {}", args.count);
    // A last reply or `hello` may have no reader left: do not wait for one.
    let _ = s.set_option(SocketOption::Linger, 0);
    received == args.count && errors == 0
}
