//! TCP specifics: listening sockets and per-connection socket options.

use std::net::SocketAddr;

use socket2::{Domain, Protocol, SockRef, Socket as RawSocket, TcpKeepalive, Type};
use tokio::net::TcpStream;

use crate::error::{Error, Result};
use crate::options::SocketOptions;

/// Opens a listening socket synchronously, so `bind()` reports EADDRINUSE at once.
pub(crate) fn listen(addr: SocketAddr, options: &SocketOptions) -> Result<std::net::TcpListener> {
    let domain = Domain::for_address(addr);
    let socket = RawSocket::new(domain, Type::STREAM.cloexec(), Some(Protocol::TCP))
        .map_err(|e| Error::from_io(&e, "cannot create TCP socket"))?;
    if addr.is_ipv6() && addr.ip().is_unspecified() {
        // `*` with IPV6 set listens on IPv4 too, as libzmq does.
        let _ = socket.set_only_v6(false);
    }
    socket
        .set_reuse_address(true)
        .map_err(|e| Error::from_io(&e, "cannot set SO_REUSEADDR"))?;
    apply_buffer_sizes(&SockRef::from(&socket), options);
    socket
        .bind(&addr.into())
        .map_err(|e| Error::from_io(&e, &format!("cannot bind to {addr}")))?;
    socket
        .listen(options.backlog.max(1))
        .map_err(|e| Error::from_io(&e, &format!("cannot listen on {addr}")))?;
    socket
        .set_nonblocking(true)
        .map_err(|e| Error::from_io(&e, "cannot make the listener non-blocking"))?;
    Ok(socket.into())
}

/// The per-connection options libzmq sets: no Nagle delay, buffer sizes, keepalive.
pub(crate) fn configure_stream(stream: &TcpStream, options: &SocketOptions) {
    let _ = stream.set_nodelay(true);
    let sock = SockRef::from(stream);
    apply_buffer_sizes(&sock, options);
    if options.tcp_keepalive == 1 {
        let mut keepalive = TcpKeepalive::new();
        if options.tcp_keepalive_idle > 0 {
            keepalive = keepalive.with_time(std::time::Duration::from_secs(
                options.tcp_keepalive_idle as u64,
            ));
        }
        if options.tcp_keepalive_intvl > 0 {
            keepalive = keepalive.with_interval(std::time::Duration::from_secs(
                options.tcp_keepalive_intvl as u64,
            ));
        }
        if options.tcp_keepalive_cnt > 0 {
            keepalive = keepalive.with_retries(options.tcp_keepalive_cnt as u32);
        }
        let _ = sock.set_tcp_keepalive(&keepalive);
    } else if options.tcp_keepalive == 0 {
        let _ = sock.set_keepalive(false);
    }
}

fn apply_buffer_sizes(sock: &SockRef<'_>, options: &SocketOptions) {
    if options.sndbuf > 0 {
        let _ = sock.set_send_buffer_size(options.sndbuf as usize);
    }
    if options.rcvbuf > 0 {
        let _ = sock.set_recv_buffer_size(options.rcvbuf as usize);
    }
}
