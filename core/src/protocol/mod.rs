//! The sans-I/O ZMTP 3.x codec (RFC 23, RFC 37): bytes in, events and bytes out.
//!
//! Nothing here touches a socket, a timer or a thread, so the whole wire protocol can be
//! unit-tested by piping two [`Connection`]s into each other. The engine owns the I/O:
//! it appends what it reads to a `BytesMut`, hands it to [`Connection::receive`], and
//! writes out whatever [`Connection::outbound`] holds.
//!
//! - [`greeting`]: the fixed 64-byte greeting that opens every connection.
//! - [`frame`]: frame headers (flags and size).
//! - [`command`]: command bodies (READY, ERROR, SUBSCRIBE, PING…) and metadata.
//! - [`connection`]: the per-connection state machine tying them together.
//! - [`encoder`]: what a connection sends; the one place data frames are encoded.
//! - `mechanism` (private): the security handshake: NULL and PLAIN.
//! - [`zap`]: the requests a server's mechanism sends its ZAP handler, and the replies.

pub mod command;
pub mod connection;
pub(crate) mod curve_message;
pub mod encoder;
pub mod frame;
pub mod greeting;
mod mechanism;
pub mod zap;

pub use command::{Command, Metadata};
pub use connection::{Connection, ConnectionConfig, Event, PeerInfo, ShortFrames, ZapReply};
pub use frame::FrameHeader;
pub use greeting::Greeting;
pub use mechanism::{CurveKeys, Security};
pub use zap::ZapContext;

use crate::socket_type::SocketType;

/// Why a ZMTP connection had to be dropped. Every variant is fatal for the connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error(
        "invalid ZMTP greeting signature: the peer is not speaking ZMTP 3.x \
         (expected 0xFF, 8 padding bytes, 0x7F; an unversioned ZMTP 1.0 peer also ends up here)"
    )]
    BadSignature,

    #[error(
        "unsupported ZMTP version {major}.{minor} from peer: ZMTP 3.0 or later is required \
         (version byte 0 is ZMTP 1.0 and 1 is ZMTP 2.0, spoken by libzmq 2.x/3.x)"
    )]
    UnsupportedVersion { major: u8, minor: u8 },

    #[error(
        "security mechanism mismatch: this socket uses {ours} but the peer uses {theirs} \
         (both ends must be configured with the same mechanism)"
    )]
    MechanismMismatch { ours: &'static str, theirs: String },

    #[error("peer requested unsupported security mechanism {0}")]
    UnsupportedMechanism(String),

    #[error("malformed ZMTP command from peer: {0}")]
    MalformedCommand(String),

    #[error("peer sent {0} before the ZMTP handshake completed")]
    UnexpectedBeforeHandshake(&'static str),

    #[error("incompatible socket types: a {ours} socket cannot talk to a peer of type {peer}")]
    IncompatibleSocketType { ours: SocketType, peer: String },

    #[error("peer's READY command has no Socket-Type property")]
    MissingSocketType,

    #[error("frame of {size} bytes from peer exceeds the maximum of {max} bytes")]
    FrameTooLarge { size: u64, max: u64 },

    #[error("peer reported an error: {0}")]
    PeerError(String),

    /// A security handshake command out of shape; `code` is libzmq's monitor value for it.
    #[error("security handshake failed: the peer sent {detail}")]
    Handshake { code: u32, detail: &'static str },

    #[error("the ZAP handler refused the peer: {status} {text}")]
    ZapDenied { status: u32, text: String },

    #[error("the ZAP handler's reply is malformed: {what}")]
    ZapMalformedReply { code: u32, what: &'static str },

    #[error(
        "no ZAP handler is bound at inproc://zeromq.zap.01, and this socket needs one \
         (PLAIN servers always do; NULL ones with ZAP_ENFORCE_DOMAIN)"
    )]
    ZapUnavailable,
}

/// Renders untrusted peer bytes for an error message: escaped, quoted and truncated,
/// so a hostile peer cannot flood logs or inject control characters.
pub(crate) fn describe_bytes(bytes: &[u8]) -> String {
    const SHOWN: usize = 64;
    let shown = &bytes[..bytes.len().min(SHOWN)];
    let mut text = String::with_capacity(shown.len() + 16);
    text.push('"');
    text.extend(shown.escape_ascii().map(char::from));
    text.push('"');
    if bytes.len() > SHOWN {
        text.push_str(&format!("… ({} bytes)", bytes.len()));
    }
    text
}

/// Renders an untrusted name (mechanism, socket type) for an error message: as-is when
/// it is short printable ASCII, escaped and quoted otherwise.
pub(crate) fn describe_name(name: &[u8]) -> String {
    if !name.is_empty() && name.len() <= 64 && name.iter().all(u8::is_ascii_graphic) {
        String::from_utf8_lossy(name).into_owned()
    } else {
        describe_bytes(name)
    }
}

#[cfg(test)]
mod robustness_tests;
