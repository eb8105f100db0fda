//! One error type for the whole crate, with the errno-style codes libzmq users know.

use std::fmt;

/// The errno-style code of an [`Error`], named as in libzmq.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Non-blocking mode was requested and the operation could not complete now,
    /// or a timeout (SNDTIMEO/RCVTIMEO) expired.
    Again,
    /// The operation is not valid in the socket's current state (REQ/REP order).
    Fsm,
    /// The context was terminated.
    Term,
    /// ROUTER_MANDATORY: the message's routing id names no connected peer.
    HostUnreachable,
    /// The address is already in use.
    AddrInUse,
    /// The address is not a local one (bind to an address no interface has).
    AddrNotAvail,
    /// A bind names no interface: neither an IP address nor an interface name, or an IPv6
    /// address on a socket without the IPV6 option (libzmq's ENODEV).
    NoDevice,
    /// An argument was invalid (bad option value, malformed endpoint…).
    Invalid,
    /// The transport protocol is not supported.
    ProtocolNotSupported,
    /// The operation is not supported by this socket type.
    NotSupported,
    /// A message is larger than allowed.
    MsgSize,
    /// The socket was closed.
    NotSocket,
    /// The endpoint was never bound/connected on this socket (unbind/disconnect).
    NoEntity,
    /// Interrupted by a signal.
    Interrupted,
    /// The process has no file descriptor left (EMFILE), e.g. for a new socket's eventfd or
    /// connection.
    TooManyFiles,
    /// An ipc path does not fit a Unix socket address (libzmq's ENAMETOOLONG).
    NameTooLong,
    /// The peer refused the connection, or another I/O error.
    Io,
}

impl ErrorKind {
    /// Every kind, for bindings that publish the code → errno table to their users.
    pub const ALL: [ErrorKind; 17] = [
        ErrorKind::Again,
        ErrorKind::Fsm,
        ErrorKind::Term,
        ErrorKind::HostUnreachable,
        ErrorKind::AddrInUse,
        ErrorKind::AddrNotAvail,
        ErrorKind::NoDevice,
        ErrorKind::Invalid,
        ErrorKind::ProtocolNotSupported,
        ErrorKind::NotSupported,
        ErrorKind::MsgSize,
        ErrorKind::NotSocket,
        ErrorKind::NoEntity,
        ErrorKind::Interrupted,
        ErrorKind::TooManyFiles,
        ErrorKind::NameTooLong,
        ErrorKind::Io,
    ];

    /// The Linux errno value libzmq reports for this kind.
    pub fn errno(self) -> i32 {
        match self {
            ErrorKind::Again => libc::EAGAIN,
            ErrorKind::Fsm => 156_384_763,
            ErrorKind::Term => 156_384_765,
            ErrorKind::HostUnreachable => libc::EHOSTUNREACH,
            ErrorKind::AddrInUse => libc::EADDRINUSE,
            ErrorKind::AddrNotAvail => libc::EADDRNOTAVAIL,
            ErrorKind::NoDevice => libc::ENODEV,
            ErrorKind::Invalid => libc::EINVAL,
            ErrorKind::ProtocolNotSupported => libc::EPROTONOSUPPORT,
            ErrorKind::NotSupported => libc::ENOTSUP,
            ErrorKind::MsgSize => libc::EMSGSIZE,
            ErrorKind::NotSocket => libc::ENOTSOCK,
            ErrorKind::NoEntity => libc::ENOENT,
            ErrorKind::Interrupted => libc::EINTR,
            ErrorKind::TooManyFiles => libc::EMFILE,
            ErrorKind::NameTooLong => libc::ENAMETOOLONG,
            ErrorKind::Io => libc::EIO,
        }
    }

    /// The symbolic name, e.g. `"EAGAIN"`.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Again => "EAGAIN",
            ErrorKind::Fsm => "EFSM",
            ErrorKind::Term => "ETERM",
            ErrorKind::HostUnreachable => "EHOSTUNREACH",
            ErrorKind::AddrInUse => "EADDRINUSE",
            ErrorKind::AddrNotAvail => "EADDRNOTAVAIL",
            ErrorKind::NoDevice => "ENODEV",
            ErrorKind::Invalid => "EINVAL",
            ErrorKind::ProtocolNotSupported => "EPROTONOSUPPORT",
            ErrorKind::NotSupported => "ENOTSUP",
            ErrorKind::MsgSize => "EMSGSIZE",
            ErrorKind::NotSocket => "ENOTSOCK",
            ErrorKind::NoEntity => "ENOENT",
            ErrorKind::Interrupted => "EINTR",
            ErrorKind::TooManyFiles => "EMFILE",
            ErrorKind::NameTooLong => "ENAMETOOLONG",
            ErrorKind::Io => "EIO",
        }
    }

    /// libzmq's `zmq_strerror` text for the kind, e.g. `"Invalid argument"`: what bindings
    /// whose incumbents show libzmq's words use as the message.
    pub fn message(self) -> &'static str {
        match self {
            ErrorKind::Again => "Resource temporarily unavailable",
            ErrorKind::Fsm => "Operation cannot be accomplished in current state",
            ErrorKind::Term => "Context was terminated",
            ErrorKind::HostUnreachable => "Host unreachable",
            ErrorKind::AddrInUse => "Address already in use",
            ErrorKind::AddrNotAvail => "Cannot assign requested address",
            ErrorKind::NoDevice => "No such device",
            ErrorKind::Invalid => "Invalid argument",
            ErrorKind::ProtocolNotSupported => "Protocol not supported",
            ErrorKind::NotSupported => "Operation not supported",
            ErrorKind::MsgSize => "Message too long",
            ErrorKind::NotSocket => "Socket operation on non-socket",
            ErrorKind::NoEntity => "No such file or directory",
            ErrorKind::Interrupted => "Interrupted system call",
            ErrorKind::TooManyFiles => "Too many open files",
            ErrorKind::NameTooLong => "File name too long",
            ErrorKind::Io => "Input/output error",
        }
    }
}

/// An error from a FerroMQ call: a kind (errno-style) and a message saying what was wrong.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    detail: Option<Box<str>>,
}

impl Error {
    /// An error of `kind` with libzmq's standard text.
    pub const fn from_kind(kind: ErrorKind) -> Self {
        Error { kind, detail: None }
    }

    /// An error of `kind` whose message says what was wrong.
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        Error {
            kind,
            detail: Some(detail.into().into_boxed_str()),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn errno(&self) -> i32 {
        self.kind.errno()
    }

    /// What was wrong, in FerroMQ's words, when the error says more than its kind.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// True for EAGAIN (would block / timed out).
    pub fn is_again(&self) -> bool {
        self.kind == ErrorKind::Again
    }

    pub(crate) fn again() -> Self {
        Error::from_kind(ErrorKind::Again)
    }

    pub(crate) fn invalid(detail: impl Into<String>) -> Self {
        Error::new(ErrorKind::Invalid, detail)
    }

    pub(crate) fn from_io(err: &std::io::Error, context: &str) -> Self {
        let kind = match err.kind() {
            std::io::ErrorKind::AddrInUse => ErrorKind::AddrInUse,
            std::io::ErrorKind::AddrNotAvailable => ErrorKind::AddrNotAvail,
            std::io::ErrorKind::InvalidInput => ErrorKind::Invalid,
            std::io::ErrorKind::NotFound => ErrorKind::NoEntity,
            _ if err.raw_os_error() == Some(libc::ENODEV) => ErrorKind::NoDevice,
            // Out of descriptors, for the process (EMFILE) or the whole system (ENFILE):
            // libzmq reports the first when its signaler or a connection cannot get one.
            _ if matches!(err.raw_os_error(), Some(libc::EMFILE | libc::ENFILE)) => {
                ErrorKind::TooManyFiles
            }
            _ => ErrorKind::Io,
        };
        Error::new(kind, format!("{context}: {err}"))
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::from_kind(kind)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.detail {
            Some(detail) => write!(f, "{} ({})", detail, self.kind.code()),
            None => write!(f, "{} ({})", self.kind.message(), self.kind.code()),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_kind_once_with_distinct_codes() {
        let codes: std::collections::HashSet<_> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(codes.len(), ErrorKind::ALL.len());
        let errnos: std::collections::HashSet<_> =
            ErrorKind::ALL.iter().map(|k| k.errno()).collect();
        assert_eq!(errnos.len(), ErrorKind::ALL.len());
    }
}
