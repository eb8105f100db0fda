//! TCP specifics: listening sockets, connecting, and per-connection socket options.

use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::time::Duration;

use socket2::{Domain, Protocol, SockRef, Socket as RawSocket, TcpKeepalive, Type};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

use crate::context::IoHandle;
use crate::engine::listener::Acceptor;
use crate::engine::session::Connector;
use crate::engine::socks;
use crate::error::{Error, ErrorKind, Result};
use crate::monitor::{self, Monitor};
use crate::options::SocketOptions;
use crate::transport::accept_filter;
use crate::transport::endpoint::{Endpoint, TcpEndpoint};

/// A bound TCP endpoint, ready for [`run_listener`](crate::engine::listener::run_listener).
pub(crate) struct TcpAcceptor(TcpListener);

/// Binds `endpoint` (synchronously, so errors come from `bind()`); also returns the endpoint
/// as LAST_ENDPOINT reports it (wildcard port resolved).
pub(crate) fn bind(
    endpoint: &TcpEndpoint,
    options: &SocketOptions,
    io: &IoHandle,
    monitor: &Monitor,
) -> Result<(TcpAcceptor, String)> {
    let std_listener = if options.use_fd >= 0 {
        adopt_listener(options.use_fd)?
    } else {
        listen(endpoint.bind_address(options.ipv6)?, options, monitor)?
    };
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
        loop {
            let (stream, peer) = self.0.accept().await?;
            if !accept_filter::accepts(&options.tcp_accept_filters, peer.ip()) {
                // Closed before the greeting, as libzmq does.
                tracing::debug!(%peer, "refused by TCP_ACCEPT_FILTER");
                continue;
            }
            configure_stream(&stream, options);
            return Ok((stream, peer.to_string()));
        }
    }

    fn raw_fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }

    fn connection_endpoint(stream: &TcpStream, listener_endpoint: &str) -> String {
        match stream.local_addr() {
            Ok(local) => format!("tcp://{local}"),
            Err(_) => listener_endpoint.to_string(),
        }
    }
}

impl Connector for TcpEndpoint {
    type Stream = TcpStream;

    /// Connects to one of the addresses the host resolves to or, with SOCKS_PROXY, to the
    /// proxy, which then connects to the host (the proxy resolves a name).
    async fn connect(
        &self,
        options: &SocketOptions,
        monitor: &Monitor,
        endpoint: &str,
    ) -> Result<TcpStream> {
        let Some(proxy) = &options.socks_proxy else {
            let addresses = self.connect_addresses(options.ipv6).await?;
            return connect_to(addresses, options, monitor, endpoint).await;
        };
        let proxy = String::from_utf8_lossy(proxy);
        let Endpoint::Tcp(proxy_endpoint) = Endpoint::parse(&format!("tcp://{proxy}"))? else {
            return Err(Error::invalid(format!(
                "SOCKS_PROXY {proxy:?} is not host:port"
            )));
        };
        let port = self
            .port
            .ok_or_else(|| Error::invalid("a connect endpoint needs a port number, not *"))?;
        let addresses = proxy_endpoint.connect_addresses(options.ipv6).await?;
        let mut stream = connect_to(addresses, options, monitor, endpoint).await?;
        let credentials = options
            .socks_username
            .as_ref()
            .map(|username| socks::Credentials {
                username,
                password: options.socks_password.as_deref().unwrap_or_default(),
            });
        // A proxy that stops answering is given HANDSHAKE_IVL, as a peer's handshake is.
        let exchange = socks::connect_through(&mut stream, &self.host, port, credentials);
        let result = match options.handshake_ivl_ms {
            0 => exchange.await,
            ms => tokio::time::timeout(Duration::from_millis(ms as u64), exchange)
                .await
                .unwrap_or_else(|_| Err(io::ErrorKind::TimedOut.into())),
        };
        result.map_err(|e| Error::from_io(&e, &format!("through the SOCKS proxy {proxy}")))?;
        Ok(stream)
    }
}

/// Tries each address, each within CONNECT_TIMEOUT, with the options libzmq sets before
/// and after connecting.
async fn connect_to(
    addresses: Vec<SocketAddr>,
    options: &SocketOptions,
    monitor: &Monitor,
    endpoint: &str,
) -> Result<TcpStream> {
    let mut last_error = Error::new(ErrorKind::Io, "no address to connect to");
    for address in addresses {
        let socket = match address {
            SocketAddr::V4(_) => TcpSocket::new_v4(),
            SocketAddr::V6(_) => TcpSocket::new_v6(),
        };
        let socket = match socket {
            Ok(socket) => socket,
            Err(e) => {
                last_error = Error::from_io(&e, "cannot create TCP socket");
                continue;
            }
        };
        let fd = socket.as_raw_fd();
        if let Err(e) = apply_before_connecting(&SockRef::from(&socket), options) {
            last_error = e;
            continue;
        }
        // A non-blocking TCP connect is always in progress at first (libzmq reports it).
        monitor.emit(
            monitor::EVENT_CONNECT_DELAYED,
            libc::EINPROGRESS as u32,
            endpoint,
        );
        let attempt = socket.connect(address);
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
                // The attempt's socket is closed by now.
                monitor.emit(monitor::EVENT_CLOSED, fd as u32, endpoint);
                last_error = Error::from_io(&e, &format!("cannot connect to {address}"));
            }
        }
    }
    Err(last_error)
}

/// USE_FD: takes over the listening socket the application made, bound and listened on.
fn adopt_listener(fd: RawFd) -> Result<std::net::TcpListener> {
    // SAFETY: with USE_FD the application hands this descriptor to the socket, which owns
    // and closes it from now on, as libzmq does.
    let listener = unsafe { std::net::TcpListener::from_raw_fd(fd) };
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::from_io(&e, &format!("cannot use descriptor {fd} (USE_FD)")))?;
    Ok(listener)
}

/// Opens a listening socket synchronously, so `bind()` reports EADDRINUSE at once. If it
/// fails once the socket exists, the socket's closing is reported to `monitor` (libzmq sends
/// CLOSED, with no endpoint, before BIND_FAILED).
pub(crate) fn listen(
    addr: SocketAddr,
    options: &SocketOptions,
    monitor: &Monitor,
) -> Result<std::net::TcpListener> {
    let domain = Domain::for_address(addr);
    let socket = RawSocket::new(domain, Type::STREAM.cloexec(), Some(Protocol::TCP))
        .map_err(|e| Error::from_io(&e, "cannot create TCP socket"))?;
    let fd = socket.as_raw_fd();
    listen_on(socket, addr, options).inspect_err(|_| {
        monitor.emit(monitor::EVENT_CLOSED, fd as u32, "");
    })
}

fn listen_on(
    socket: RawSocket,
    addr: SocketAddr,
    options: &SocketOptions,
) -> Result<std::net::TcpListener> {
    if addr.is_ipv6() && addr.ip().is_unspecified() {
        // `*` with IPV6 set listens on IPv4 too, as libzmq does.
        let _ = socket.set_only_v6(false);
    }
    socket
        .set_reuse_address(true)
        .map_err(|e| Error::from_io(&e, "cannot set SO_REUSEADDR"))?;
    apply_buffer_sizes(&SockRef::from(&socket), options);
    apply_before_connecting(&SockRef::from(&socket), options)?;
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

/// TOS and BINDTODEVICE, which libzmq sets on a TCP socket before it binds or connects. A
/// device that cannot be bound to is an error (ENODEV for an unknown interface).
fn apply_before_connecting(sock: &SockRef<'_>, options: &SocketOptions) -> Result<()> {
    if options.tos > 0 {
        let _ = sock.set_tos_v4(options.tos as u32);
    }
    if let Some(device) = &options.bind_to_device {
        sock.bind_device(Some(device)).map_err(|e| {
            let device = String::from_utf8_lossy(device);
            Error::from_io(&e, &format!("cannot bind to the device {device:?}"))
        })?;
    }
    Ok(())
}

/// The per-connection options libzmq sets: no Nagle delay, buffer sizes, keepalive, TOS and
/// TCP_MAXRT.
pub(crate) fn configure_stream(stream: &TcpStream, options: &SocketOptions) {
    let _ = stream.set_nodelay(true);
    let sock = SockRef::from(stream);
    apply_buffer_sizes(&sock, options);
    if options.tos > 0 {
        let _ = sock.set_tos_v4(options.tos as u32);
    }
    if options.tcp_maxrt_ms > 0 {
        let timeout = std::time::Duration::from_millis(options.tcp_maxrt_ms as u64);
        let _ = sock.set_tcp_user_timeout(Some(timeout));
    }
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
