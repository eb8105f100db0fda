//! Every message queued when a socket closes with LINGER -1 (or a linger long enough)
//! reaches a libzmq peer, over tcp, ipc and abstract ipc, even when the peer is slow and
//! its input is paused at RCVHWM at the moment of the close; a LINGER of 0 drops them.
//! (The whole matrix across languages is `tests-polyglot/delivery/`.)

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use ferromq::{Context, SocketOption, SocketType};

const COUNT: usize = 20_000;

/// Message `i`: its number in 8 ASCII digits, padded with `x` to `size` bytes.
fn payload(i: usize, size: usize) -> Vec<u8> {
    let mut bytes = format!("{i:08}").into_bytes();
    bytes.resize(size, b'x');
    bytes
}

/// Endpoints to bind, one per transport, unique to this call (a closed libzmq socket
/// releases its address only later, in its reaper thread).
fn endpoints() -> Vec<String> {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir();
    let pid = std::process::id();
    vec![
        "tcp://127.0.0.1:*".to_string(),
        format!("ipc://{}/ferromq-dac-{pid}-{call}", dir.display()),
        format!("ipc://@ferromq-dac-{pid}-{call}"),
    ]
}

/// A libzmq PULL bound to `endpoint`, read by [`slow_reader`] (so that at the sender's close
/// its input is paused at RCVHWM). Returns the bound endpoint and the reader thread.
fn slow_libzmq_pull(
    zctx: &zmq::Context,
    endpoint: &str,
    size: usize,
) -> (String, thread::JoinHandle<usize>) {
    let pull = zctx.socket(zmq::PULL).unwrap();
    pull.bind(endpoint).unwrap();
    let bound = pull.get_last_endpoint().unwrap().unwrap();
    (bound, slow_reader(pull, size))
}

/// Reads from `pull` only after 300 ms (so that the sender's queues are full by then), then
/// counts messages of `size` bytes in order until COUNT or 3 s pass without one.
fn slow_reader(pull: zmq::Socket, size: usize) -> thread::JoinHandle<usize> {
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(300));
        pull.set_rcvtimeo(3000).unwrap();
        let mut received = 0;
        while received < COUNT {
            let Ok(msg) = pull.recv_bytes(0) else { break };
            assert_eq!(msg, payload(received, size), "out of order");
            received += 1;
        }
        received
    })
}

/// Sends COUNT messages of `size` bytes through a FerroMQ PUSH with `linger`, then closes it
/// and terminates the context right after the last send (or, with `destroy`, leaves the
/// socket open for `Context::destroy` to close).
fn send_then_close(endpoint: &str, size: usize, linger: i32) {
    send_then_end(endpoint, size, linger, false)
}

fn send_then_end(endpoint: &str, size: usize, linger: i32, destroy: bool) {
    let ctx = Context::new();
    let push = ctx.socket(SocketType::Push).unwrap();
    push.set_option(SocketOption::Linger, linger).unwrap();
    push.set_option(SocketOption::SndTimeo, 10_000).unwrap();
    push.connect(endpoint).unwrap();
    for i in 0..COUNT {
        push.send(payload(i, size).as_slice(), 0).unwrap();
    }
    if destroy {
        ctx.destroy(None);
    } else {
        drop(push);
        ctx.term();
    }
}

#[test]
fn destroy_delivers_what_linger_allows() {
    let zctx = zmq::Context::new();
    for endpoint in endpoints() {
        let (bound, reader) = slow_libzmq_pull(&zctx, &endpoint, 8);
        send_then_end(&bound, 8, -1, true);
        assert_eq!(reader.join().unwrap(), COUNT, "destroy, {endpoint}");
    }
}

#[test]
fn every_message_reaches_a_slow_libzmq_peer_after_close() {
    let zctx = zmq::Context::new();
    for linger in [-1, 30_000] {
        for endpoint in endpoints() {
            let (bound, reader) = slow_libzmq_pull(&zctx, &endpoint, 8);
            send_then_close(&bound, 8, linger);
            let received = reader.join().unwrap();
            assert_eq!(received, COUNT, "{endpoint} with LINGER {linger}");
        }
    }
}

#[test]
fn linger_zero_drops_what_is_queued() {
    let zctx = zmq::Context::new();
    for endpoint in endpoints() {
        let pull = zctx.socket(zmq::PULL).unwrap();
        pull.bind(&endpoint).unwrap();
        let bound = pull.get_last_endpoint().unwrap().unwrap();
        // 20 MB queued without limit, more than the kernel's buffers hold, and nobody reads
        // before the context is gone: what is still queued at the close must go.
        let ctx = Context::new();
        let push = ctx.socket(SocketType::Push).unwrap();
        push.set_option(SocketOption::SndHwm, 0).unwrap();
        push.set_option(SocketOption::Linger, 0).unwrap();
        push.connect(&bound).unwrap();
        for i in 0..COUNT {
            push.send(payload(i, 1024).as_slice(), 0).unwrap();
        }
        drop(push);
        ctx.term();
        pull.set_rcvtimeo(1000).unwrap();
        let mut received = 0;
        while let Ok(msg) = pull.recv_bytes(0) {
            assert_eq!(msg, payload(received, 1024), "out of order");
            received += 1;
        }
        assert!(
            received < COUNT,
            "{endpoint}: all {COUNT} arrived with LINGER 0"
        );
    }
}

#[test]
fn every_message_from_libzmq_reaches_a_slow_ferromq_peer() {
    for endpoint in endpoints() {
        let ctx = Context::new();
        let pull = ctx.socket(SocketType::Pull).unwrap();
        pull.bind(&endpoint).unwrap();
        let bound = pull.last_endpoint().unwrap();
        let sender = thread::spawn(move || {
            let zctx = zmq::Context::new();
            let push = zctx.socket(zmq::PUSH).unwrap();
            push.connect(&bound).unwrap();
            for i in 0..COUNT {
                push.send(payload(i, 8), 0).unwrap();
            }
            drop(push);
            drop(zctx); // zmq_ctx_term: waits for delivery (LINGER -1)
        });
        thread::sleep(Duration::from_millis(300));
        pull.set_option(SocketOption::RcvTimeo, 3000).unwrap();
        let mut received = 0;
        while received < COUNT {
            let Ok(msg) = pull.recv(0) else { break };
            assert_eq!(msg[..], payload(received, 8)[..], "out of order");
            received += 1;
        }
        sender.join().unwrap();
        assert_eq!(received, COUNT, "{endpoint}");
    }
}

/// Disconnect and unbind deliver what was queued within LINGER, as libzmq documents
/// (zmq_disconnect, zmq_unbind): "depends on the value of the ZMQ_LINGER socket option".
#[test]
fn disconnect_and_unbind_deliver_what_was_queued() {
    let zctx = zmq::Context::new();
    for endpoint in endpoints() {
        // Disconnect: FerroMQ connects to a slow libzmq PULL.
        let (bound, reader) = slow_libzmq_pull(&zctx, &endpoint, 8);
        let ctx = Context::new();
        let push = ctx.socket(SocketType::Push).unwrap();
        push.connect(&bound).unwrap();
        for i in 0..COUNT {
            push.send(payload(i, 8).as_slice(), 0).unwrap();
        }
        push.disconnect(&bound).unwrap();
        assert_eq!(reader.join().unwrap(), COUNT, "disconnect from {endpoint}");
        drop(push);
        ctx.term();
    }
    for endpoint in endpoints() {
        // Unbind: a libzmq PULL connects to FerroMQ and reads only after a while.
        let ctx = Context::new();
        let push = ctx.socket(SocketType::Push).unwrap();
        push.bind(&endpoint).unwrap();
        let bound = push.last_endpoint().unwrap();
        let pull = zctx.socket(zmq::PULL).unwrap();
        pull.connect(&bound).unwrap();
        let reader = slow_reader(pull, 8);
        for i in 0..COUNT {
            push.send(payload(i, 8).as_slice(), 0).unwrap();
        }
        push.unbind(&bound).unwrap();
        let received = reader.join().unwrap();
        assert_eq!(received, COUNT, "unbind of {endpoint}");
        drop(push);
        ctx.term();
    }
}

/// A socket closed before its connection was even made, whose peer then vanishes after the
/// handshake without reading: once everything was written the close is over (no reconnect
/// loop for messages already gone), and `term` returns.
#[test]
fn term_returns_when_the_peer_vanishes_after_everything_was_written() {
    use std::io::{Read, Write};
    use std::os::unix::net::UnixListener;

    let path = std::env::temp_dir().join(format!("ferromq-dac-vanish-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).unwrap();
    let ctx = Context::new();
    let push = ctx.socket(SocketType::Push).unwrap();
    push.connect(&format!("ipc://{}", path.display())).unwrap();
    for i in 0..10 {
        push.send(payload(i, 8).as_slice(), 0).unwrap();
    }
    drop(push);
    // A ZMTP 3.0 NULL peer (PULL) that reads the greeting, answers, and hangs up without
    // reading the messages.
    let (mut peer, _) = listener.accept().unwrap();
    let mut greeting = [0u8; 64];
    greeting[0] = 0xff;
    greeting[9] = 0x7f;
    greeting[10] = 3;
    greeting[12..16].copy_from_slice(b"NULL");
    peer.write_all(&greeting).unwrap();
    let mut ready = vec![0x04, 26, 5];
    ready.extend_from_slice(b"READY");
    ready.push(11);
    ready.extend_from_slice(b"Socket-Type");
    ready.extend_from_slice(&4u32.to_be_bytes());
    ready.extend_from_slice(b"PULL");
    peer.write_all(&ready).unwrap();
    let mut theirs = [0u8; 64];
    peer.read_exact(&mut theirs).unwrap();
    thread::sleep(Duration::from_millis(200)); // their READY and the messages arrive
    drop(peer);
    drop(listener);
    let _ = std::fs::remove_file(&path);
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        ctx.term();
        let _ = done_tx.send(());
    });
    assert!(
        done_rx.recv_timeout(Duration::from_secs(5)).is_ok(),
        "term still waiting 5 s after the peer vanished"
    );
}
