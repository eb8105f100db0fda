//! ZMTP command bodies (RFC 23 §"Commands", RFC 37 for SUBSCRIBE/CANCEL/PING/PONG).
//!
//! A command frame's body is a name (1-byte length + name) followed by command data.
//! READY carries metadata properties: 1-byte name length + name + 4-byte big-endian
//! value length + value, repeated.

use bytes::{BufMut, Bytes, BytesMut};

use super::frame::FrameHeader;
use super::{describe_bytes, ProtocolError};

/// Metadata properties, as carried by READY (in wire order; names are case-insensitive).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata(pub Vec<(String, Bytes)>);

impl Metadata {
    pub fn new() -> Metadata {
        Metadata::default()
    }

    /// Appends a property. Names longer than 255 bytes are truncated on the wire.
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<Bytes>) {
        self.0.push((name.into(), value.into()));
    }

    /// The first property with this name, compared case-insensitively (RFC 23).
    pub fn get(&self, name: &str) -> Option<&Bytes> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Bytes)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Size of the encoded properties.
    pub fn encoded_len(&self) -> usize {
        self.0
            .iter()
            .map(|(n, v)| 1 + short_str(n.as_bytes()).len() + 4 + long_value(v).len())
            .sum()
    }

    /// Appends the encoded properties to `out`.
    pub fn encode(&self, out: &mut impl BufMut) {
        for (name, value) in &self.0 {
            let name = short_str(name.as_bytes());
            let value = long_value(value);
            out.put_u8(name.len() as u8);
            out.put_slice(name);
            out.put_u32(value.len() as u32);
            out.put_slice(value);
        }
    }

    /// Parses properties filling the whole of `data`; truncation or trailing bytes are
    /// errors (as in libzmq). Names that are not UTF-8 are kept lossily converted.
    pub fn decode(mut data: &[u8]) -> Result<Metadata, ProtocolError> {
        let mut properties = Vec::new();
        while let Some((&name_len, rest)) = data.split_first() {
            let name_len = usize::from(name_len);
            let Some((name, rest)) = rest.split_at_checked(name_len) else {
                return Err(malformed(format!(
                    "metadata property name needs {name_len} bytes but only {} remain",
                    rest.len()
                )));
            };
            let Some((len, rest)) = rest.split_first_chunk::<4>() else {
                return Err(malformed(format!(
                    "metadata property {} is missing its 4-byte value length",
                    describe_bytes(name)
                )));
            };
            let value_len = u32::from_be_bytes(*len) as usize;
            let Some((value, rest)) = rest.split_at_checked(value_len) else {
                return Err(malformed(format!(
                    "metadata property {} declares a {value_len}-byte value but only {} bytes remain",
                    describe_bytes(name),
                    rest.len()
                )));
            };
            properties.push((
                String::from_utf8_lossy(name).into_owned(),
                Bytes::copy_from_slice(value),
            ));
            data = rest;
        }
        Ok(Metadata(properties))
    }
}

impl From<Vec<(String, Bytes)>> for Metadata {
    fn from(properties: Vec<(String, Bytes)>) -> Metadata {
        Metadata(properties)
    }
}

/// A ZMTP command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// NULL/PLAIN/CURVE handshake completion, with the sender's metadata.
    Ready(Metadata),
    /// The sender is closing the connection because of this (at most 255-byte) reason.
    Error {
        reason: String,
    },
    /// ZMTP 3.1 subscription to a topic prefix.
    Subscribe(Bytes),
    /// ZMTP 3.1 cancellation of a subscription.
    Cancel(Bytes),
    /// ZMTP 3.1 heartbeat; the receiver answers with a PONG echoing `context`.
    Ping {
        ttl_deciseconds: u16,
        context: Bytes,
    },
    Pong {
        context: Bytes,
    },
    /// A command we do not know; the body after the name is not kept.
    Unknown {
        name: Bytes,
    },
}

/// The largest command body accepted from a peer. Real commands are tiny (READY is
/// typically under 100 bytes); the cap stops a hostile peer making us buffer a huge
/// "command" before the handshake has even established who it is.
pub const MAX_COMMAND_SIZE: u64 = 64 * 1024;

/// Most context bytes a PING may carry (RFC 37); the PONG echo is truncated to this.
pub const MAX_PING_CONTEXT: usize = 16;

pub(crate) const READY: &[u8] = b"READY";
pub(crate) const ERROR: &[u8] = b"ERROR";
/// How libzmq's PLAIN mechanism writes the start of an ERROR body: its C source spells the
/// prefix `"\x05ERROR"`, where the hex escape swallows the `E` (`\x05E` is `^`), so the
/// name-length byte and the `E` come out as one `^`. Its PLAIN clients recognise an ERROR
/// only in this form, and its PLAIN servers send no other.
pub(crate) const LIBZMQ_PLAIN_ERROR: &[u8] = b"^RROR";
pub(crate) const SUBSCRIBE: &[u8] = b"SUBSCRIBE";
pub(crate) const CANCEL: &[u8] = b"CANCEL";
pub(crate) const PING: &[u8] = b"PING";
pub(crate) const PONG: &[u8] = b"PONG";

impl Command {
    /// The command's name as on the wire (e.g. `b"READY"`).
    pub fn name(&self) -> &[u8] {
        match self {
            Command::Ready(_) => READY,
            Command::Error { .. } => ERROR,
            Command::Subscribe(_) => SUBSCRIBE,
            Command::Cancel(_) => CANCEL,
            Command::Ping { .. } => PING,
            Command::Pong { .. } => PONG,
            Command::Unknown { name } => short_str(name),
        }
    }

    /// Parses a command frame's body. Names are matched exactly (case-sensitive), as
    /// libzmq does.
    pub fn decode(body: &[u8]) -> Result<Command, ProtocolError> {
        let (name, data) = split_name(body)?;
        Ok(match name {
            READY => Command::Ready(Metadata::decode(data)?),
            ERROR => Command::Error {
                reason: decode_error_reason(data)?,
            },
            SUBSCRIBE => Command::Subscribe(Bytes::copy_from_slice(data)),
            CANCEL => Command::Cancel(Bytes::copy_from_slice(data)),
            PING => {
                let (ttl_deciseconds, context) = decode_ping(data)?;
                Command::Ping {
                    ttl_deciseconds,
                    context: Bytes::copy_from_slice(context),
                }
            }
            PONG => Command::Pong {
                context: Bytes::copy_from_slice(data),
            },
            _ => Command::Unknown {
                name: Bytes::copy_from_slice(name),
            },
        })
    }

    /// Size of the encoded body (name and data, without the frame header).
    pub fn body_len(&self) -> usize {
        let data_len = match self {
            Command::Ready(metadata) => metadata.encoded_len(),
            Command::Error { reason } => 1 + truncate_reason(reason).len(),
            Command::Subscribe(topic) | Command::Cancel(topic) => topic.len(),
            Command::Ping { context, .. } => 2 + context.len(),
            Command::Pong { context } => context.len(),
            Command::Unknown { .. } => 0,
        };
        1 + self.name().len() + data_len
    }

    /// Appends the body (name and data) to `out`. ERROR reasons longer than 255 bytes
    /// are truncated at a character boundary; PING contexts are sent as given.
    pub fn encode_body(&self, out: &mut impl BufMut) {
        let name = self.name();
        out.put_u8(name.len() as u8);
        out.put_slice(name);
        match self {
            Command::Ready(metadata) => metadata.encode(out),
            Command::Error { reason } => {
                let reason = truncate_reason(reason);
                out.put_u8(reason.len() as u8);
                out.put_slice(reason.as_bytes());
            }
            Command::Subscribe(topic) | Command::Cancel(topic) => out.put_slice(topic),
            Command::Ping {
                ttl_deciseconds,
                context,
            } => {
                out.put_u16(*ttl_deciseconds);
                out.put_slice(context);
            }
            Command::Pong { context } => out.put_slice(context),
            Command::Unknown { .. } => {}
        }
    }

    /// Appends the whole command frame (header and body) to `out`, reserving once.
    pub fn encode(&self, out: &mut BytesMut) {
        let header = FrameHeader::command(self.body_len());
        out.reserve(header.encoded_len() + self.body_len());
        header.encode(out);
        self.encode_body(out);
    }
}

/// Splits a command body into its name and data.
pub(crate) fn split_name(body: &[u8]) -> Result<(&[u8], &[u8]), ProtocolError> {
    let Some((&name_len, rest)) = body.split_first() else {
        return Err(malformed("empty command frame (no name)".into()));
    };
    rest.split_at_checked(usize::from(name_len)).ok_or_else(|| {
        malformed(format!(
            "command name needs {name_len} bytes but the frame has only {}",
            rest.len()
        ))
    })
}

/// Parses ERROR's data: a 1-byte length and the reason (trailing bytes ignored, as in
/// libzmq). The reason is untrusted text, so it is converted lossily.
pub(crate) fn decode_error_reason(data: &[u8]) -> Result<String, ProtocolError> {
    let Some((&len, rest)) = data.split_first() else {
        return Err(malformed("ERROR command has no reason length".into()));
    };
    let Some(reason) = rest.get(..usize::from(len)) else {
        return Err(malformed(format!(
            "ERROR reason declares {len} bytes but only {} remain",
            rest.len()
        )));
    };
    Ok(String::from_utf8_lossy(reason).into_owned())
}

/// Parses PING's data into its TTL and context.
pub(crate) fn decode_ping(data: &[u8]) -> Result<(u16, &[u8]), ProtocolError> {
    match data.split_first_chunk::<2>() {
        Some((ttl, context)) => Ok((u16::from_be_bytes(*ttl), context)),
        None => Err(malformed(format!(
            "PING command has {} data bytes, too few for its 2-byte TTL",
            data.len()
        ))),
    }
}

fn malformed(what: String) -> ProtocolError {
    ProtocolError::MalformedCommand(what)
}

/// At most 255 bytes: what a 1-byte length can describe.
fn short_str(bytes: &[u8]) -> &[u8] {
    &bytes[..bytes.len().min(usize::from(u8::MAX))]
}

/// At most `u32::MAX` bytes: what a 4-byte length can describe.
fn long_value(bytes: &[u8]) -> &[u8] {
    &bytes[..bytes.len().min(u32::MAX as usize)]
}

fn truncate_reason(reason: &str) -> &str {
    let mut end = reason.len().min(usize::from(u8::MAX));
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    &reason[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(cmd: Command) {
        let mut body = BytesMut::new();
        cmd.encode_body(&mut body);
        assert_eq!(body.len(), cmd.body_len(), "{cmd:?}");
        assert_eq!(Command::decode(&body).unwrap(), cmd);

        let mut frame = BytesMut::new();
        cmd.encode(&mut frame);
        let (header, len) = FrameHeader::decode(&frame).unwrap().unwrap();
        assert!(header.command && !header.more);
        assert_eq!(&frame[len..], &body[..]);
    }

    #[test]
    fn commands_round_trip() {
        let mut metadata = Metadata::new();
        metadata.push("Socket-Type", Bytes::from_static(b"DEALER"));
        metadata.push("Identity", Bytes::from_static(b"\x00id"));
        metadata.push("X-Empty", Bytes::new());
        round_trip(Command::Ready(metadata));
        round_trip(Command::Ready(Metadata::new()));
        round_trip(Command::Error {
            reason: "no thanks".into(),
        });
        round_trip(Command::Subscribe(Bytes::from_static(b"topic")));
        round_trip(Command::Subscribe(Bytes::new()));
        round_trip(Command::Cancel(Bytes::from_static(b"topic")));
        round_trip(Command::Ping {
            ttl_deciseconds: 300,
            context: Bytes::from_static(b"ctx"),
        });
        round_trip(Command::Pong {
            context: Bytes::from_static(b"ctx"),
        });
        round_trip(Command::Unknown {
            name: Bytes::from_static(b"HELLO"),
        });
    }

    #[test]
    fn ready_wire_format() {
        let mut metadata = Metadata::new();
        metadata.push("Socket-Type", Bytes::from_static(b"REQ"));
        let mut body = BytesMut::new();
        Command::Ready(metadata).encode_body(&mut body);
        assert_eq!(&body[..], b"\x05READY\x0bSocket-Type\x00\x00\x00\x03REQ");
    }

    #[test]
    fn metadata_get_is_case_insensitive_first_wins() {
        let metadata = Metadata::decode(
            b"\x0bsocket-type\x00\x00\x00\x03PUB\x0bSOCKET-TYPE\x00\x00\x00\x03SUB",
        )
        .unwrap();
        assert_eq!(metadata.len(), 2);
        assert_eq!(metadata.get("Socket-Type").unwrap(), &b"PUB"[..]);
        assert!(metadata.get("Identity").is_none());
    }

    #[test]
    fn malformed_bodies_are_reported() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "empty command"),
            (b"\x09READY", "command name needs 9 bytes"),
            (b"\x05READY\x0bSocket", "property name needs 11 bytes"),
            (
                b"\x05READY\x0bSocket-Type\x00\x00",
                "missing its 4-byte value length",
            ),
            (
                b"\x05READY\x0bSocket-Type\x00\x00\x00\x09REQ",
                "declares a 9-byte value",
            ),
            (
                b"\x05READY\x0bSocket-Type\xff\xff\xff\xffREQ",
                "declares a 4294967295-byte value",
            ),
            (b"\x05ERROR", "no reason length"),
            (b"\x05ERROR\x09short", "declares 9 bytes"),
            (b"\x04PING\x01", "too few for its 2-byte TTL"),
        ];
        for (body, expected) in cases {
            match Command::decode(body) {
                Err(ProtocolError::MalformedCommand(msg)) => {
                    assert!(msg.contains(expected), "{msg:?} lacks {expected:?}")
                }
                other => panic!("{body:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn error_reason_is_truncated_to_255_bytes_on_a_char_boundary() {
        let reason = "é".repeat(200); // 400 bytes
        let mut body = BytesMut::new();
        Command::Error { reason }.encode_body(&mut body);
        match Command::decode(&body).unwrap() {
            Command::Error { reason } => assert_eq!(reason, "é".repeat(127)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_are_case_sensitive() {
        assert_eq!(
            Command::decode(b"\x05ready").unwrap(),
            Command::Unknown {
                name: Bytes::from_static(b"ready")
            }
        );
    }
}
