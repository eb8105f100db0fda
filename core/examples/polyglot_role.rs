//! Generic role for tests-polyglot's cross-language matrix, on FerroMQ (the Rust core).
//! Usage: polyglot_role PATTERN ROLE ENDPOINT COUNT TAG
//!
//! rep/router/pull/pub bind, req/dealer/push/sub connect. Every message received is printed
//! as "got <payload>"; payloads are "<role> <i> from <TAG>"; "done <COUNT>" at the end.
//! pub publishes "skip …" and "pub …" every 20 ms until stopped (or 30 s); sub takes "pub".

use std::time::{Duration, Instant};

use ferromq::{Context, SocketType};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 6 {
        eprintln!("usage: polyglot_role PATTERN ROLE ENDPOINT COUNT TAG");
        std::process::exit(2);
    }
    if let Err(e) = run(&args[2], &args[3], &args[4], &args[5]) {
        eprintln!("polyglot_role {}: {e}", args[2]);
        std::process::exit(1);
    }
}

fn got(payload: &[u8]) {
    println!("got {}", String::from_utf8_lossy(payload));
}

fn run(role: &str, endpoint: &str, count: &str, tag: &str) -> ferromq::Result<()> {
    let count: usize = count.parse().unwrap_or(10);
    let (socket_type, bind) = match role {
        "rep" => (SocketType::Rep, true),
        "req" => (SocketType::Req, false),
        "pull" => (SocketType::Pull, true),
        "push" => (SocketType::Push, false),
        "pub" => (SocketType::Pub, true),
        "sub" => (SocketType::Sub, false),
        "router" => (SocketType::Router, true),
        "dealer" => (SocketType::Dealer, false),
        _ => {
            eprintln!("unknown role {role}");
            std::process::exit(2);
        }
    };
    let ctx = Context::new();
    let s = ctx.socket(socket_type)?;
    if bind {
        s.bind(endpoint)?;
    } else {
        s.connect(endpoint)?;
    }
    match role {
        "rep" => {
            for i in 0..count {
                got(&s.recv(0)?);
                s.send(format!("rep {i} from {tag}"), 0)?;
            }
        }
        "req" => {
            for i in 0..count {
                s.send(format!("req {i} from {tag}"), 0)?;
                got(&s.recv(0)?);
            }
        }
        "push" => {
            for i in 0..count {
                s.send(format!("push {i} from {tag}"), 0)?;
            }
        }
        "pull" => {
            for _ in 0..count {
                got(&s.recv(0)?);
            }
        }
        "pub" => {
            let end = Instant::now() + Duration::from_secs(30);
            let mut i = 0;
            while Instant::now() < end {
                s.send(format!("skip {i} from {tag}"), 0)?;
                s.send(format!("pub {i} from {tag}"), 0)?;
                i += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        "sub" => {
            s.subscribe("pub")?;
            for _ in 0..count {
                got(&s.recv(0)?);
            }
        }
        "router" => {
            for i in 0..count {
                let parts = s.recv_multipart(0)?;
                got(parts.get(1).map(Vec::as_slice).unwrap_or_default());
                let reply = format!("router {i} from {tag}").into_bytes();
                s.send_multipart([parts[0].clone(), reply], 0)?;
            }
        }
        _ => {
            for i in 0..count {
                s.send(format!("dealer {i} from {tag}"), 0)?;
            }
            for _ in 0..count {
                got(&s.recv(0)?);
            }
        }
    }
    println!("done {count}");
    Ok(())
}
