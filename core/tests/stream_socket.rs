//! STREAM sockets (libzmq's ZMQ_STREAM): raw TCP, no ZMTP. Each connection has a routing id;
//! the application receives [id, ""] when a connection is made and when it is lost, and
//! [id, data] for bytes that arrived; it sends [id, data] to write bytes and [id, ""] to
//! close the connection (after what was sent before it has been written).
//!
//! The peers are plain `std::net` sockets, a plain TCP echo server, and libzmq STREAM
//! sockets.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use common::*;
use ferromq::{Context, ErrorKind, Message, Socket, SocketType};

fn address(endpoint: &str) -> String {
    endpoint.trim_start_matches("tcp://").to_string()
}

fn raw_client(endpoint: &str) -> TcpStream {
    let stream = TcpStream::connect(address(endpoint)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
}

/// Receives [id, payload] from a STREAM socket.
fn recv2(socket: &Socket) -> (Vec<u8>, Vec<u8>) {
    let msg = socket.recv_msg(0).unwrap();
    let frames = frames(&msg);
    assert_eq!(
        frames.len(),
        2,
        "STREAM messages are [id, data]: {frames:?}"
    );
    (frames[0].clone(), frames[1].clone())
}

/// Receives the connect (or disconnect) notice, [id, ""], and returns the id.
fn recv_notice(socket: &Socket) -> Vec<u8> {
    let (id, data) = recv2(socket);
    assert!(data.is_empty(), "expected a notice, got data {data:?}");
    assert!(!id.is_empty());
    id
}

/// Receives data from connection `id` until `len` bytes have arrived (TCP may split it).
fn recv_bytes_from(socket: &Socket, id: &[u8], len: usize) -> Vec<u8> {
    let mut data = Vec::new();
    while data.len() < len {
        let (from, chunk) = recv2(socket);
        assert_eq!(from, id);
        assert!(
            !chunk.is_empty(),
            "connection lost after {} bytes",
            data.len()
        );
        data.extend_from_slice(&chunk);
    }
    data
}

fn send_to(socket: &Socket, id: &[u8], data: &[u8]) {
    socket.send_multipart([id, data], 0).unwrap();
}

/// Reads from a raw stream until EOF.
fn read_to_eof(stream: &mut TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    stream.read_to_end(&mut all).unwrap();
    all
}

#[test]
fn server_talks_to_raw_tcp_clients() {
    let ctx = Context::new();
    let server = ferro(&ctx, SocketType::Stream);
    let endpoint = ferro_bind(&server);

    // Connect notice, then data both ways.
    let mut client = raw_client(&endpoint);
    let id = recv_notice(&server);
    client.write_all(b"hello").unwrap();
    assert_eq!(recv_bytes_from(&server, &id, 5), b"hello");
    send_to(&server, &id, b"world");
    let mut buf = [0u8; 5];
    client.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"world");

    // A second client gets its own id.
    let mut other = raw_client(&endpoint);
    let other_id = recv_notice(&server);
    assert_ne!(other_id, id);
    other.write_all(b"second").unwrap();
    assert_eq!(recv_bytes_from(&server, &other_id, 6), b"second");

    // Server-initiated close: what was sent before the close is written first, then EOF
    // (LINGER is 0 on this socket: it only applies when the socket itself closes).
    let big = vec![b'x'; 1 << 20];
    send_to(&server, &id, &big);
    send_to(&server, &id, b"");
    assert_eq!(read_to_eof(&mut client), big);
    // The socket forgets the id at once; it reports nothing for a close it asked for.
    let e = server.send_multipart([&id[..], b"late"], 0).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::HostUnreachable);

    // Client-initiated close: the disconnect notice, after the data sent before it.
    other.write_all(b"bye").unwrap();
    drop(other);
    assert_eq!(recv_bytes_from(&server, &other_id, 3), b"bye");
    assert_eq!(recv_notice(&server), other_id);

    // Unknown ids are unreachable.
    let e = server
        .send_multipart([&b"nobody"[..], b"data"], 0)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::HostUnreachable);
}

#[test]
fn large_input_arrives_in_order_as_chunks() {
    let ctx = Context::new();
    let server = ferro(&ctx, SocketType::Stream);
    let endpoint = ferro_bind(&server);
    let mut client = raw_client(&endpoint);
    let id = recv_notice(&server);
    let data: Vec<u8> = (0..4_000_000u32).map(|i| (i % 251) as u8).collect();
    let writer = {
        let data = data.clone();
        std::thread::spawn(move || {
            client.write_all(&data).unwrap();
            client
        })
    };
    assert_eq!(recv_bytes_from(&server, &id, data.len()), data);
    drop(writer.join().unwrap());
    assert_eq!(recv_notice(&server), id);
}

/// A plain TCP echo server for two connections; each is echoed until it closes, except that
/// the server closes the first one itself once it has echoed `close_first_after` bytes.
fn echo_server(close_first_after: usize) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("tcp://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        for connection in 0..2 {
            let close_after = (connection == 0).then_some(close_first_after);
            let (mut stream, _) = listener.accept().unwrap();
            let mut echoed = 0;
            let mut buf = [0u8; 4096];
            loop {
                let n = match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                if stream.write_all(&buf[..n]).is_err() {
                    break;
                }
                echoed += n;
                if close_after.is_some_and(|limit| echoed >= limit) {
                    break;
                }
            }
        }
    });
    (endpoint, handle)
}

#[test]
fn client_talks_to_a_tcp_echo_server_and_reconnects() {
    let (endpoint, server) = echo_server(4);
    let ctx = Context::new();
    let client = ferro(&ctx, SocketType::Stream);
    client.connect(&endpoint).unwrap();

    let id = recv_notice(&client);
    send_to(&client, &id, b"ping");
    assert_eq!(recv_bytes_from(&client, &id, 4), b"ping");
    // The server closes after 4 bytes: the disconnect notice, then a reconnect that is a
    // new connection with a new id.
    assert_eq!(recv_notice(&client), id);
    let again = recv_notice(&client);
    assert_ne!(again, id);
    send_to(&client, &again, b"pong");
    assert_eq!(recv_bytes_from(&client, &again, 4), b"pong");
    // Closing it ourselves ends the connection for good (no reconnect, as libzmq does).
    send_to(&client, &again, b"");
    server.join().unwrap();
}

#[test]
fn ferromq_server_with_libzmq_stream_client() {
    let ctx = Context::new();
    let server = ferro(&ctx, SocketType::Stream);
    let endpoint = ferro_bind(&server);

    let zctx = zmq::Context::new();
    let client = libzmq(&zctx, zmq::STREAM);
    client.connect(&endpoint).unwrap();
    // libzmq announces the connection on its side too.
    let notice = client.recv_multipart(0).unwrap();
    assert!(notice[1].is_empty());
    let zid = notice[0].clone();

    let id = recv_notice(&server);
    client
        .send_multipart([&zid[..], b"from libzmq"], 0)
        .unwrap();
    assert_eq!(recv_bytes_from(&server, &id, 11), b"from libzmq");
    send_to(&server, &id, b"from ferromq");
    let reply = client.recv_multipart(0).unwrap();
    assert_eq!(reply, [zid.clone(), b"from ferromq".to_vec()]);

    // The libzmq side closes: FerroMQ reports the disconnect. (libzmq completes the close
    // only when its socket processes commands, i.e. when the application calls into it.)
    client.send_multipart([&zid[..], b""], 0).unwrap();
    let mut gone = None;
    eventually("the disconnect notice", || {
        let _ = client.get_events();
        if let Ok(msg) = server.recv_msg(ferromq::flags::DONTWAIT) {
            gone = Some(frames(&msg));
        }
        gone.is_some()
    });
    assert_eq!(gone.unwrap(), [id, Vec::new()]);
}

#[test]
fn ferromq_client_with_libzmq_stream_server() {
    let zctx = zmq::Context::new();
    let server = libzmq(&zctx, zmq::STREAM);
    let endpoint = libzmq_bind(&server);

    let ctx = Context::new();
    let client = ferro(&ctx, SocketType::Stream);
    client.connect(&endpoint).unwrap();
    let id = recv_notice(&client);

    let notice = server.recv_multipart(0).unwrap();
    assert!(notice[1].is_empty());
    let zid = notice[0].clone();

    send_to(&client, &id, b"hello libzmq");
    let mut got = Vec::new();
    while got.len() < 12 {
        let msg = server.recv_multipart(0).unwrap();
        assert_eq!(msg[0], zid);
        got.extend_from_slice(&msg[1]);
    }
    assert_eq!(got, b"hello libzmq");
    server
        .send_multipart([&zid[..], b"hello ferromq"], 0)
        .unwrap();
    assert_eq!(recv_bytes_from(&client, &id, 13), b"hello ferromq");

    // FerroMQ closes: libzmq reports the disconnect.
    send_to(&client, &id, b"");
    let gone = server.recv_multipart(0).unwrap();
    assert_eq!(gone, [zid, Vec::new()]);
}

#[test]
fn http_request_response_like_libzmq_docs() {
    // The example of libzmq's zmq_socket(3): a STREAM socket serving HTTP/1.0.
    let ctx = Context::new();
    let server = ferro(&ctx, SocketType::Stream);
    let endpoint = ferro_bind(&server);

    let client = std::thread::spawn({
        let endpoint = endpoint.clone();
        move || {
            let mut stream = raw_client(&endpoint);
            stream
                .write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
                .unwrap();
            String::from_utf8(read_to_eof(&mut stream)).unwrap()
        }
    });

    let id = recv_notice(&server);
    let mut request = Vec::new();
    while !request.ends_with(b"\r\n\r\n") {
        let (from, chunk) = recv2(&server);
        assert_eq!(from, id);
        request.extend_from_slice(&chunk);
    }
    assert!(request.starts_with(b"GET / HTTP/1.0\r\n"));
    let response = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nHello, World!";
    send_to(&server, &id, response.as_bytes());
    send_to(&server, &id, b"");
    assert_eq!(client.join().unwrap(), response);
}

#[test]
fn stream_over_ipc() {
    let ctx = Context::new();
    let server = ferro(&ctx, SocketType::Stream);
    let path = std::env::temp_dir().join(format!("ferromq-stream-{}.sock", std::process::id()));
    server.bind(&format!("ipc://{}", path.display())).unwrap();
    let mut client = std::os::unix::net::UnixStream::connect(&path).unwrap();
    let id = recv_notice(&server);
    client.write_all(b"over ipc").unwrap();
    assert_eq!(recv_bytes_from(&server, &id, 8), b"over ipc");
    send_to(&server, &id, b"back");
    send_to(&server, &id, b"");
    let mut back = Vec::new();
    client.read_to_end(&mut back).unwrap();
    assert_eq!(back, b"back");
}

#[test]
fn closing_the_socket_closes_its_connections() {
    let ctx = Context::new();
    let server = ferro(&ctx, SocketType::Stream);
    let endpoint = ferro_bind(&server);
    let mut client = raw_client(&endpoint);
    let id = recv_notice(&server);
    send_to(&server, &id, b"last words");
    let mut buf = [0u8; 10];
    client.read_exact(&mut buf).unwrap();
    server.close();
    assert!(read_to_eof(&mut client).is_empty());
}

#[test]
fn multipart_sends_write_every_frame() {
    // [id, a, b] writes a then b (libzmq ignores MORE on STREAM data frames; FerroMQ writes
    // the frames back to back).
    let ctx = Context::new();
    let server = ferro(&ctx, SocketType::Stream);
    let endpoint = ferro_bind(&server);
    let mut client = raw_client(&endpoint);
    let id = recv_notice(&server);
    server
        .send_msg(Message::from_frames([&id[..], &b"ab"[..], &b"cd"[..]]), 0)
        .unwrap();
    let mut buf = [0u8; 4];
    client.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"abcd");
}

#[test]
fn connect_routing_id_names_a_stream_connection() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("tcp://{}", listener.local_addr().unwrap());
    let ctx = ferromq::Context::new();
    let stream = ctx.socket(ferromq::SocketType::Stream).unwrap();
    stream
        .set_option(ferromq::SocketOption::RcvTimeo, 5000)
        .unwrap();
    stream
        .set_option(ferromq::SocketOption::ConnectRoutingId, "web")
        .unwrap();
    stream.connect(&endpoint).unwrap();
    let (_peer, _) = listener.accept().unwrap();
    let notice = stream.recv_msg(0).unwrap();
    let frames: Vec<Vec<u8>> = notice.iter().map(|f| f.to_vec()).collect();
    assert_eq!(frames, vec![b"web".to_vec(), Vec::new()]);
}

/// STREAM_NOTIFY 0: no [id, ""] notices, neither for the connection nor for its loss; the
/// first message is the peer's data (zmq_setsockopt(3)). The option can be set, not read,
/// as in libzmq.
#[test]
fn notify_off_gives_data_only() {
    let ctx = Context::new();
    let socket = ferro(&ctx, SocketType::Stream);
    socket
        .set_option(ferromq::SocketOption::StreamNotify, 0)
        .unwrap();
    let read = socket.get_int(ferromq::SocketOption::StreamNotify);
    assert_eq!(read.unwrap_err().kind(), ErrorKind::Invalid);
    let endpoint = ferro_bind(&socket);
    let mut client = raw_client(&endpoint);
    client.write_all(b"hello").unwrap();
    let (id, data) = recv2(&socket);
    assert_eq!(data, b"hello");
    assert!(!id.is_empty());
    drop(client);
    // The loss of the connection is not announced either: nothing more arrives.
    socket
        .set_option(ferromq::SocketOption::RcvTimeo, 300)
        .unwrap();
    assert_eq!(socket.recv_msg(0).unwrap_err().kind(), ErrorKind::Again);
}

/// libzmq's quirks that programs rely on: a STREAM reports the id it last generated for a
/// connection as its own ROUTING_ID, and a message is always [id, data] (SNDMORE on the
/// data frame is ignored, so the next frame starts a new message).
#[test]
fn routing_id_reads_the_last_generated_id_and_sndmore_on_data_is_ignored() {
    let ctx = Context::new();
    let server = ferro(&ctx, SocketType::Stream);
    let endpoint = ferro_bind(&server);
    let client = ferro(&ctx, SocketType::Stream);
    assert_eq!(
        client.get_option(ferromq::SocketOption::RoutingId).unwrap(),
        ferromq::OptionValue::from(&b""[..])
    );
    client.connect(&endpoint).unwrap();
    let connection = recv_notice(&client);
    assert_eq!(
        client.get_option(ferromq::SocketOption::RoutingId).unwrap(),
        ferromq::OptionValue::Bytes(connection.clone().into())
    );
    let _ = recv_notice(&server);
    for text in ["one", "two"] {
        client
            .send(connection.clone(), ferromq::flags::SNDMORE)
            .unwrap();
        client.send(text, ferromq::flags::SNDMORE).unwrap();
    }
    let (_, data) = recv2(&server);
    let mut got = data;
    while got.len() < 6 {
        got.extend(recv2(&server).1);
    }
    assert_eq!(got, b"onetwo");
}
