//! TCP specifics: listening sockets, connecting, and per-connection socket options.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use socket2::{Domain, Protocol, SockRef, Socket as RawSocket, TcpKeepalive, Type};
use tokio::net::{TcpListener, TcpStream};

use crate::context::IoHandle;
use crate::engine::listener::Acceptor;
use crate::engine::session::Connector;
use crate::error::{Error, ErrorKind, Result};
use crate::options::SocketOptions;
use crate::transport::endpoint::TcpEndpoint;

/// A bound TCP endpoint, ready for [`run_listener`](crate::engine::listener::run_listener).
pub(crate) struct TcpAcceptor(TcpListener);

/// Binds `endpoint` (synchronously, so errors come from `bind()`); also returns the endpoint
/// as LAST_ENDPOINT reports it (wildcard port resolved).
pub(crate) fn bind(
    endpoint: &TcpEndpoint,
    options: &SocketOptions,
    io: &IoHandle,
) -> Result<(TcpAcceptor, String)> {
    let addr = endpoint.bind_address(options.ipv6)?;
    let std_listener = listen(addr, options)?;
    let local = std_listener
        .local_addr()
        .map_err(|e| Error::from_io(&e, "cannot read the bound address"))?;
    let listener = io
        .enter(|| TcpListener::from_std(std_listener))
        .map_err(|e| Error::from_io(&e, "cannot register the listener"))?;
    Ok((TcpAcceptor(listener), format!("tcp://{local}")))
}

impl Acceptor for TcpAcceptor {
    type Stream = TcpStream;

    async fn accept(&self, options: &SocketOptions) -> io::Result<(TcpStream, String)> {
        let (stream, peer) = self.0.accept().await?;
        configure_stream(&stream, options);
        Ok((stream, peer.to_string()))
    }
}

impl Connector for TcpEndpoint {
    type Stream = TcpStream;

    /// Tries each address the host resolves to, each within CONNECT_TIMEOUT.
    async fn connect(&self, options: &SocketOptions) -> Result<TcpStream> {
        let mut last_error = Error::new(ErrorKind::Io, "no address to connect to");
        for address in self.connect_addresses(options.ipv6).await? {
            let attempt = TcpStream::connect(address);
            let result = if options.connect_timeout_ms > 0 {
                let limit = Duration::from_millis(options.connect_timeout_ms as u64);
                match tokio::time::timeout(limit, attempt).await {
                    Ok(result) => result,
                    Err(_) => Err(io::ErrorKind::TimedOut.into()),
                }
            } else {
                attempt.await
            };
            match result {
                Ok(stream) => {
                    configure_stream(&stream, options);
                    return Ok(stream);
                }
                Err(e) => {
                    last_error = Error::from_io(&e, &format!("cannot connect to {address}"));
                }
            }
        }
        Err(last_error)
    }
}

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

/// SNDBUF/RCVBUF, which apply to every stream transport.
pub(crate) fn apply_buffer_sizes(sock: &SockRef<'_>, options: &SocketOptions) {
    if options.sndbuf > 0 {
        let _ = sock.set_send_buffer_size(options.sndbuf as usize);
    }
    if options.rcvbuf > 0 {
        let _ = sock.set_recv_buffer_size(options.rcvbuf as usize);
    }
}
