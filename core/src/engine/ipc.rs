//! ipc: ZMTP over Unix domain sockets, with libzmq's addressing (`ipc:///path`, relative
//! paths, `ipc://@name` in Linux's abstract namespace, `ipc://*` for a fresh path).
//!
//! The engine, listener loop and reconnecting session are the TCP ones; this file only
//! opens, connects and cleans up Unix sockets. The socket file of a bound path is removed
//! when the endpoint is unbound or the socket closes. Whatever is at the path when binding
//! (a socket file left behind by a process that died, a plain file) is removed first, as
//! libzmq unlinks any existing path; unlike libzmq, a path another process is still
//! listening on is not taken over: that bind fails with EADDRINUSE.

use std::ffi::{CString, OsStr};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use socket2::{Domain, SockAddr, SockRef, Socket as RawSocket, Type};
use tokio::net::{UnixListener, UnixStream};

use crate::context::IoHandle;
use crate::engine::listener::Acceptor;
use crate::engine::session::Connector;
use crate::engine::tcp::apply_buffer_sizes;
use crate::error::{Error, ErrorKind, Result};
use crate::monitor::{self, Monitor};
use crate::options::SocketOptions;
use crate::transport::endpoint::{check_ipc_length, IpcAddress};

/// A bound ipc endpoint, ready for [`run_listener`](crate::engine::listener::run_listener).
pub(crate) struct IpcAcceptor(UnixListener);

/// What `bind` made: the listener, the endpoint LAST_ENDPOINT reports, and (for a path) the
/// socket file, removed when this guard is dropped.
pub(crate) struct IpcBound {
    pub acceptor: IpcAcceptor,
    pub resolved: String,
    pub file: Option<IpcFile>,
}

/// Binds synchronously, so EADDRINUSE, ENOENT (no such directory), EACCES… come from
/// `bind()`.
pub(crate) fn bind(
    address: &IpcAddress,
    options: &SocketOptions,
    io: &IoHandle,
    monitor: &Monitor,
) -> Result<IpcBound> {
    let (listener, file, resolved) = match address {
        _ if options.use_fd >= 0 => {
            let listener = adopt_listener(options.use_fd)?;
            // The application made the socket file: it removes it, as with libzmq.
            let resolved = match listener
                .local_addr()
                .ok()
                .as_ref()
                .and_then(|a| a.as_pathname())
            {
                Some(path) => format!("ipc://{}", path.display()),
                None => address.to_endpoint(),
            };
            (listener, None, resolved)
        }
        IpcAddress::Path(path) => {
            let (listener, file) = bind_path(path, None, options, monitor)?;
            (listener, Some(file), address.to_endpoint())
        }
        IpcAddress::Wildcard => {
            let dir = make_temp_dir()?;
            let path = dir.join("socket");
            let result = check_ipc_length(&path.to_string_lossy())
                .and_then(|()| bind_path(&path, Some(dir.clone()), options, monitor));
            match result {
                Ok((listener, file)) => (listener, Some(file), format!("ipc://{}", path.display())),
                Err(e) => {
                    let _ = std::fs::remove_dir(&dir);
                    return Err(e);
                }
            }
        }
        IpcAddress::Abstract(name) => {
            let endpoint = address.to_endpoint();
            let listener = listen(&abstract_path(name), options, &endpoint, monitor)?;
            (listener, None, address.to_endpoint())
        }
    };
    let acceptor = io
        .enter(|| UnixListener::from_std(listener))
        .map_err(|e| Error::from_io(&e, "cannot register the ipc listener"))?;
    Ok(IpcBound {
        acceptor: IpcAcceptor(acceptor),
        resolved,
        file,
    })
}

/// USE_FD: takes over the listening Unix socket the application made and bound.
fn adopt_listener(fd: RawFd) -> Result<std::os::unix::net::UnixListener> {
    // SAFETY: with USE_FD the application hands this descriptor to the socket, which owns
    // and closes it from now on, as libzmq does.
    let listener = unsafe { std::os::unix::net::UnixListener::from_raw_fd(fd) };
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::from_io(&e, &format!("cannot use descriptor {fd} (USE_FD)")))?;
    Ok(listener)
}

fn bind_path(
    path: &Path,
    tmp_dir: Option<PathBuf>,
    options: &SocketOptions,
    monitor: &Monitor,
) -> Result<(std::os::unix::net::UnixListener, IpcFile)> {
    let endpoint = format!("ipc://{}", path.display());
    remove_if_stale(path, &endpoint)?;
    let listener = listen(path, options, &endpoint, monitor)?;
    let meta = std::fs::symlink_metadata(path)
        .map_err(|e| Error::from_io(&e, &format!("cannot find the socket file of {endpoint}")))?;
    let file = IpcFile {
        path: path.to_path_buf(),
        dev: meta.dev(),
        ino: meta.ino(),
        tmp_dir,
    };
    Ok((listener, file))
}

/// Creates, binds and listens on a Unix socket (`path` may be an abstract `\0name`). If it
/// fails once the socket exists, the socket's closing is reported to `monitor` (libzmq sends
/// CLOSED before BIND_FAILED).
fn listen(
    path: &Path,
    options: &SocketOptions,
    endpoint: &str,
    monitor: &Monitor,
) -> Result<std::os::unix::net::UnixListener> {
    let address =
        SockAddr::unix(path).map_err(|e| Error::from_io(&e, &format!("bad address {endpoint}")))?;
    let socket = RawSocket::new(Domain::UNIX, Type::STREAM.cloexec(), None)
        .map_err(|e| Error::from_io(&e, "cannot create a Unix socket"))?;
    let fd = socket.as_raw_fd();
    listen_on(socket, &address, options, endpoint).inspect_err(|_| {
        monitor.emit(monitor::EVENT_CLOSED, fd as u32, endpoint);
    })
}

fn listen_on(
    socket: RawSocket,
    address: &SockAddr,
    options: &SocketOptions,
    endpoint: &str,
) -> Result<std::os::unix::net::UnixListener> {
    apply_buffer_sizes(&SockRef::from(&socket), options);
    socket
        .bind(address)
        .map_err(|e| Error::from_io(&e, &format!("cannot bind to {endpoint}")))?;
    socket
        .listen(options.backlog.max(1))
        .map_err(|e| Error::from_io(&e, &format!("cannot listen on {endpoint}")))?;
    socket
        .set_nonblocking(true)
        .map_err(|e| Error::from_io(&e, "cannot make the listener non-blocking"))?;
    Ok(socket.into())
}

/// Clears the way for a bind, as libzmq's unlink does: removes a file at `path`, or a Unix
/// socket nobody listens on any more (its process died). A socket someone still listens on
/// is EADDRINUSE; a directory, or a socket we may not probe, is left for `bind` to report.
fn remove_if_stale(path: &Path, endpoint: &str) -> Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if meta.is_dir() {
        return Ok(());
    }
    let state = if meta.file_type().is_socket() {
        probe(path)
    } else {
        Probe::Stale
    };
    match state {
        Probe::Listening => Err(Error::new(
            ErrorKind::AddrInUse,
            format!("cannot bind to {endpoint}: another socket is listening on it"),
        )),
        Probe::Stale => {
            tracing::debug!(%endpoint, "removing a stale socket file");
            match std::fs::remove_file(path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(Error::from_io(
                    &e,
                    &format!("cannot remove the stale socket file of {endpoint}"),
                )),
            }
        }
        Probe::Unknown => Ok(()),
    }
}

enum Probe {
    Listening,
    Stale,
    Unknown,
}

/// Connects to the socket file without blocking: refused means nobody listens.
fn probe(path: &Path) -> Probe {
    let Ok(address) = SockAddr::unix(path) else {
        return Probe::Unknown;
    };
    let Ok(socket) = RawSocket::new(Domain::UNIX, Type::STREAM.cloexec(), None) else {
        return Probe::Unknown;
    };
    if socket.set_nonblocking(true).is_err() {
        return Probe::Unknown;
    }
    match socket.connect(&address) {
        Ok(()) => Probe::Listening,
        Err(e) => match e.raw_os_error() {
            Some(libc::ECONNREFUSED) => Probe::Stale,
            // Non-blocking connect to a listener whose backlog is full.
            Some(libc::EAGAIN) | Some(libc::EINPROGRESS) => Probe::Listening,
            _ => Probe::Unknown,
        },
    }
}

/// `sun_path` for an abstract name: a NUL byte, then the name (no terminating NUL).
fn abstract_path(name: &[u8]) -> PathBuf {
    let mut bytes = Vec::with_capacity(name.len() + 1);
    bytes.push(0);
    bytes.extend_from_slice(name);
    PathBuf::from(OsStr::from_bytes(&bytes))
}

/// `ipc://*`: a new private directory (mkdtemp, mode 0700) in TMPDIR, TEMPDIR or TMP if one
/// is a directory, else /tmp, as libzmq does; the socket is `socket` inside it.
fn make_temp_dir() -> Result<PathBuf> {
    let base = ["TMPDIR", "TEMPDIR", "TMP"]
        .iter()
        .filter_map(std::env::var_os)
        .map(PathBuf::from)
        .find(|dir| dir.is_dir())
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    let template = base.join("tmpXXXXXX");
    let template = CString::new(template.as_os_str().as_bytes())
        .map_err(|_| Error::invalid("the temporary directory's name contains a NUL byte"))?;
    let mut buffer = template.into_bytes_with_nul();
    // SAFETY: `buffer` is a NUL-terminated template that mkdtemp rewrites in place.
    let made = unsafe { libc::mkdtemp(buffer.as_mut_ptr().cast()) };
    if made.is_null() {
        let e = io::Error::last_os_error();
        return Err(Error::from_io(
            &e,
            "cannot create a temporary directory for ipc://*",
        ));
    }
    buffer.pop(); // the NUL
    Ok(PathBuf::from(OsStr::from_bytes(&buffer)))
}

/// The socket file of a bound path: removed on drop (unbind, socket close) unless another
/// socket has replaced it since; `ipc://*`'s directory goes with it.
pub(crate) struct IpcFile {
    path: PathBuf,
    dev: u64,
    ino: u64,
    tmp_dir: Option<PathBuf>,
}

impl Drop for IpcFile {
    fn drop(&mut self) {
        if let Ok(meta) = std::fs::symlink_metadata(&self.path) {
            if meta.dev() == self.dev && meta.ino() == self.ino {
                let _ = std::fs::remove_file(&self.path);
            }
        }
        if let Some(dir) = &self.tmp_dir {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

impl Acceptor for IpcAcceptor {
    type Stream = UnixStream;

    async fn accept(&self, options: &SocketOptions) -> io::Result<(UnixStream, String)> {
        let (stream, _) = self.0.accept().await?;
        apply_buffer_sizes(&SockRef::from(&stream), options);
        let peer = match stream.peer_cred() {
            Ok(cred) => format!("ipc peer pid {:?}", cred.pid()),
            Err(_) => "ipc peer".to_string(),
        };
        Ok((stream, peer))
    }

    fn raw_fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

/// The connect side of an ipc endpoint.
pub(crate) struct IpcConnector {
    /// The path, or `\0name` for an abstract address.
    target: PathBuf,
    endpoint: String,
}

impl IpcConnector {
    pub(crate) fn new(address: &IpcAddress) -> Result<IpcConnector> {
        let target = match address {
            IpcAddress::Path(path) => path.clone(),
            IpcAddress::Abstract(name) => abstract_path(name),
            IpcAddress::Wildcard => {
                return Err(Error::invalid(
                    "cannot connect to ipc://* (a wildcard is for bind only)",
                ))
            }
        };
        Ok(IpcConnector {
            target,
            endpoint: address.to_endpoint(),
        })
    }
}

impl Connector for IpcConnector {
    type Stream = UnixStream;

    /// Connects like libzmq: a Unix socket usually connects (or fails) at once; only a
    /// listener with a full backlog makes it wait (CONNECT_DELAYED). A failed attempt's
    /// socket is reported CLOSED.
    async fn connect(
        &self,
        options: &SocketOptions,
        monitor: &Monitor,
        endpoint: &str,
    ) -> Result<UnixStream> {
        let fail =
            |e: &io::Error| Error::from_io(e, &format!("cannot connect to {}", self.endpoint));
        let address = SockAddr::unix(&self.target).map_err(|e| fail(&e))?;
        let socket = RawSocket::new(Domain::UNIX, Type::STREAM.nonblocking().cloexec(), None)
            .map_err(|e| Error::from_io(&e, "cannot create a Unix socket"))?;
        let fd = socket.as_raw_fd();
        let closed = |e: io::Error| {
            monitor.emit(monitor::EVENT_CLOSED, fd as u32, endpoint);
            fail(&e)
        };
        apply_buffer_sizes(&SockRef::from(&socket), options);
        let in_progress = match socket.connect(&address) {
            Ok(()) => false,
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => true,
            Err(e) => return Err(closed(e)),
        };
        let stream =
            UnixStream::from_std(std::os::unix::net::UnixStream::from(socket)).map_err(closed)?;
        if in_progress {
            monitor.emit(
                monitor::EVENT_CONNECT_DELAYED,
                libc::EINPROGRESS as u32,
                endpoint,
            );
            let wait = async {
                stream.writable().await?;
                match stream.take_error()? {
                    Some(e) => Err(e),
                    None => Ok(()),
                }
            };
            let result = if options.connect_timeout_ms > 0 {
                let limit = Duration::from_millis(options.connect_timeout_ms as u64);
                tokio::time::timeout(limit, wait)
                    .await
                    .unwrap_or_else(|_| Err(io::ErrorKind::TimedOut.into()))
            } else {
                wait.await
            };
            if let Err(e) = result {
                drop(stream);
                return Err(closed(e));
            }
        }
        Ok(stream)
    }
}
