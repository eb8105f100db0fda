//! The options libzmq applies to each TCP connection (TOS, TCP_MAXRT, BINDTODEVICE) reach
//! the kernel: the descriptors the monitor reports are read back with getsockopt.

use std::os::fd::RawFd;

use ferromq::monitor::{EVENT_ACCEPTED, EVENT_CONNECTED};
use ferromq::{Context, ErrorKind, MonitorEvent, Socket, SocketOption, SocketType};

fn int_sockopt(fd: RawFd, level: i32, name: i32) -> i32 {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: a valid out-pointer and its length for an int option.
    let rc =
        unsafe { libc::getsockopt(fd, level, name, (&mut value as *mut i32).cast(), &mut len) };
    assert_eq!(
        rc,
        0,
        "getsockopt({level}, {name}): {}",
        std::io::Error::last_os_error()
    );
    value
}

fn device_sockopt(fd: RawFd) -> String {
    let mut name = [0u8; 32];
    let mut len = name.len() as libc::socklen_t;
    // SAFETY: a valid out-buffer and its length.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            name.as_mut_ptr().cast(),
            &mut len,
        )
    };
    assert_eq!(
        rc,
        0,
        "getsockopt(SO_BINDTODEVICE): {}",
        std::io::Error::last_os_error()
    );
    String::from_utf8_lossy(&name[..len as usize])
        .trim_end_matches('\0')
        .to_string()
}

/// The PAIR socket reading the events of the monitor bound at `name`.
fn event_reader(ctx: &Context, name: &str) -> Socket {
    let events = ctx.socket(SocketType::Pair).unwrap();
    events.set_option(SocketOption::RcvTimeo, 5000).unwrap();
    events.connect(name).unwrap();
    events
}

/// The fd of the first `event` that `events` reports.
fn connection_fd(events: &Socket, event: i32) -> RawFd {
    loop {
        let msg = events.recv_msg(0).expect("a monitor event within 5 s");
        let parsed = MonitorEvent::parse(&msg).unwrap();
        if parsed.event == event {
            return parsed.value as RawFd;
        }
    }
}

#[test]
fn tos_maxrt_and_device_are_set_on_both_ends() {
    let ctx = Context::new();
    let server = ctx.socket(SocketType::Pull).unwrap();
    let client = ctx.socket(SocketType::Push).unwrap();
    for socket in [&server, &client] {
        socket.set_option(SocketOption::Tos, 0x28).unwrap();
        socket.set_option(SocketOption::TcpMaxrt, 3000).unwrap();
        socket
            .set_option(SocketOption::BindToDevice, &b"lo"[..])
            .unwrap();
        socket.set_option(SocketOption::Linger, 0).unwrap();
    }
    assert_eq!(server.get_int(SocketOption::Tos).unwrap(), 0x28);
    assert_eq!(server.get_int(SocketOption::TcpMaxrt).unwrap(), 3000);
    server
        .monitor("inproc://tcp-options-server", EVENT_ACCEPTED)
        .unwrap();
    client
        .monitor("inproc://tcp-options-client", EVENT_CONNECTED)
        .unwrap();
    let server_events = event_reader(&ctx, "inproc://tcp-options-server");
    let client_events = event_reader(&ctx, "inproc://tcp-options-client");
    server.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = server.last_endpoint().unwrap();
    client.connect(&endpoint).unwrap();
    client.send("hello", 0).unwrap();
    server.set_option(SocketOption::RcvTimeo, 5000).unwrap();
    assert_eq!(server.recv_msg(0).unwrap().frames()[0].as_slice(), b"hello");

    for (name, events, event) in [
        ("server", &server_events, EVENT_ACCEPTED),
        ("client", &client_events, EVENT_CONNECTED),
    ] {
        let fd = connection_fd(events, event);
        assert_eq!(
            int_sockopt(fd, libc::IPPROTO_IP, libc::IP_TOS),
            0x28,
            "{name}: IP_TOS"
        );
        assert_eq!(
            int_sockopt(fd, libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT),
            3000,
            "{name}: TCP_USER_TIMEOUT"
        );
        assert_eq!(device_sockopt(fd), "lo", "{name}: SO_BINDTODEVICE");
    }
}

#[test]
fn binding_to_a_missing_device_fails_with_enodev() {
    let ctx = Context::new();
    let server = ctx.socket(SocketType::Pull).unwrap();
    server
        .set_option(SocketOption::BindToDevice, &b"nosuchdev0"[..])
        .unwrap();
    let err = server.bind("tcp://127.0.0.1:*").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NoDevice, "{err}");
    let long = server.set_option(SocketOption::BindToDevice, &b"a-very-long-interface"[..]);
    assert_eq!(long.unwrap_err().kind(), ErrorKind::Invalid);
}

#[test]
fn tcp_accept_filter_refuses_other_networks_and_clears_with_an_empty_value() {
    let ctx = Context::new();
    let exchange = |filters: &[&str]| -> bool {
        let server = ctx.socket(SocketType::Pair).unwrap();
        server.set_option(SocketOption::Linger, 0).unwrap();
        server.set_option(SocketOption::RcvTimeo, 300).unwrap();
        for filter in filters {
            server
                .set_option(SocketOption::TcpAcceptFilter, *filter)
                .unwrap();
        }
        server.bind("tcp://127.0.0.1:*").unwrap();
        let client = ctx.socket(SocketType::Pair).unwrap();
        client.set_option(SocketOption::Linger, 0).unwrap();
        client.connect(&server.last_endpoint().unwrap()).unwrap();
        client.send("hello", 0).unwrap();
        server.recv(0).is_ok()
    };
    assert!(exchange(&[]));
    assert!(exchange(&["127.0.0.1"]));
    assert!(exchange(&["10.0.0.0/8", "127.0.0.0/8"]));
    assert!(exchange(&["0.0.0.0/0"]));
    assert!(!exchange(&["127.0.0.255/32"]));
    // The empty value forgets the filters set before it.
    assert!(exchange(&["127.0.0.255/32", ""]));
    let socket = ctx.socket(SocketType::Pair).unwrap();
    for bad in [
        "foo",
        "0.0.0.0/",
        "0.0.0.0/33",
        "0.0.0.0/-1",
        "127.0.0.1foo",
    ] {
        let err = socket
            .set_option(SocketOption::TcpAcceptFilter, bad)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid, "{bad}");
    }
    // Write-only, as in libzmq.
    assert_eq!(
        socket
            .get_option(SocketOption::TcpAcceptFilter)
            .unwrap_err()
            .kind(),
        ErrorKind::Invalid
    );
}

#[test]
fn use_fd_binds_through_a_listening_socket_the_application_made() {
    use std::os::fd::IntoRawFd;
    let ctx = Context::new();
    for transport in ["tcp", "ipc"] {
        let (fd, endpoint, path) = if transport == "tcp" {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let endpoint = format!("tcp://{}", listener.local_addr().unwrap());
            (listener.into_raw_fd(), endpoint, None)
        } else {
            let path = std::env::temp_dir().join(format!("fmq-usefd-{}.sock", std::process::id()));
            let _ = std::fs::remove_file(&path);
            let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
            let endpoint = format!("ipc://{}", path.display());
            (listener.into_raw_fd(), endpoint, Some(path))
        };
        let server = ctx.socket(SocketType::Rep).unwrap();
        server.set_option(SocketOption::Linger, 0).unwrap();
        server.set_option(SocketOption::UseFd, fd).unwrap();
        assert_eq!(server.get_int(SocketOption::UseFd).unwrap(), fd as i64);
        server.bind(&endpoint).unwrap();
        assert_eq!(server.last_endpoint().unwrap(), endpoint);
        let client = ctx.socket(SocketType::Req).unwrap();
        client.set_option(SocketOption::Linger, 0).unwrap();
        client.set_option(SocketOption::RcvTimeo, 5000).unwrap();
        client.connect(&endpoint).unwrap();
        client.send("ping", 0).unwrap();
        assert_eq!(server.recv(0).unwrap(), b"ping");
        server.send("pong", 0).unwrap();
        assert_eq!(client.recv(0).unwrap(), b"pong", "{transport}");
        drop(server);
        if let Some(path) = path {
            // The application made the socket file; FerroMQ leaves it, as libzmq does.
            assert!(path.exists());
            std::fs::remove_file(path).unwrap();
        }
    }
}
