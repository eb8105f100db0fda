//! ZAP (RFC 27): the request a server-side mechanism sends to the application's
//! authentication handler (at `inproc://zeromq.zap.01`) and the reply it gets back, as
//! messages. Sans-I/O like the rest of the codec: the engine carries them.
//!
//! A request is `["", "1.0", "1", domain, address, routing id, mechanism, credentials…]`,
//! the first frame being the envelope delimiter a REP handler strips. A reply must be
//! exactly `["", "1.0", "1", status, status text, user id, metadata]`; anything else is
//! refused with libzmq's protocol error code for it.

use bytes::Bytes;

use super::command::Metadata;
use crate::message::Message;
use crate::monitor;

const VERSION: &[u8] = b"1.0";
/// A connection has one request in flight at most: its id is always "1", as libzmq's.
const REQUEST_ID: &[u8] = b"1";
const REPLY_FRAMES: usize = 7;

/// What a server-side connection tells its ZAP handler besides the credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZapContext {
    /// ZAP_DOMAIN: the security domain the socket belongs to (may be empty).
    pub domain: Bytes,
    /// ZAP_ENFORCE_DOMAIN: a NULL socket with a domain refuses peers when no handler is
    /// bound, instead of accepting them unauthenticated.
    pub enforce_domain: bool,
    /// The peer's IP address (tcp), or empty.
    pub address: Bytes,
    /// The server socket's own ROUTING_ID, or empty.
    pub routing_id: Bytes,
}

/// Builds a request asking whether the peer may connect with `mechanism` and `credentials`.
pub(crate) fn request(context: &ZapContext, mechanism: &str, credentials: &[Bytes]) -> Message {
    let mut msg = Message::new();
    msg.push_back(Bytes::new());
    msg.push_back(Bytes::from_static(VERSION));
    msg.push_back(Bytes::from_static(REQUEST_ID));
    msg.push_back(context.domain.clone());
    msg.push_back(context.address.clone());
    msg.push_back(context.routing_id.clone());
    msg.push_back(Bytes::copy_from_slice(mechanism.as_bytes()));
    for credential in credentials {
        msg.push_back(credential.clone());
    }
    msg
}

/// The handler's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// 200: the peer may connect. Its User-Id and the handler's metadata become properties
    /// of the messages it sends.
    Allowed { properties: Metadata },
    /// 300 (temporary failure), 400 (refused) or 500 (handler error), with the status text.
    Denied { status: u32, text: String },
}

/// A reply that breaks RFC 27, with libzmq's monitor code for the way it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MalformedReply {
    pub code: u32,
    pub what: &'static str,
}

/// Reads a handler's reply.
pub(crate) fn parse_reply(reply: &Message) -> Result<Verdict, MalformedReply> {
    let malformed = |code, what| Err(MalformedReply { code, what });
    let frames = reply.frames();
    if frames.len() != REPLY_FRAMES {
        return malformed(
            monitor::PROTOCOL_ERROR_ZAP_MALFORMED_REPLY,
            "a ZAP reply has exactly 7 frames",
        );
    }
    if !frames[0].is_empty() {
        return malformed(
            monitor::PROTOCOL_ERROR_ZAP_UNSPECIFIED,
            "a ZAP reply starts with an empty delimiter frame",
        );
    }
    if frames[1].as_slice() != VERSION {
        return malformed(
            monitor::PROTOCOL_ERROR_ZAP_BAD_VERSION,
            "the ZAP reply's version is not 1.0",
        );
    }
    if frames[2].as_slice() != REQUEST_ID {
        return malformed(
            monitor::PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID,
            "the ZAP reply answers another request id",
        );
    }
    let status = match frames[3].as_slice() {
        [digit @ b'2'..=b'5', b'0', b'0'] => u32::from(digit - b'0') * 100,
        _ => {
            return malformed(
                monitor::PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE,
                "the ZAP reply's status is not 200, 300, 400 or 500",
            )
        }
    };
    let Ok(metadata) = Metadata::decode(frames[6].as_slice()) else {
        return malformed(
            monitor::PROTOCOL_ERROR_ZAP_INVALID_METADATA,
            "the ZAP reply's metadata is malformed",
        );
    };
    if status != 200 {
        let text = String::from_utf8_lossy(frames[4].as_slice()).into_owned();
        return Ok(Verdict::Denied { status, text });
    }
    let mut properties = Metadata::new();
    properties.push("User-Id", Bytes::copy_from_slice(frames[5].as_slice()));
    for (name, value) in metadata.iter() {
        properties.push(name, value.clone());
    }
    Ok(Verdict::Allowed { properties })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(frames: &[&[u8]]) -> Message {
        Message::from_frames(frames.iter().map(|f| Bytes::copy_from_slice(f)))
    }

    #[test]
    fn request_has_libzmq_frames() {
        let context = ZapContext {
            domain: Bytes::from_static(b"test"),
            enforce_domain: false,
            address: Bytes::from_static(b"127.0.0.1"),
            routing_id: Bytes::from_static(b"IDENT"),
        };
        let msg = request(
            &context,
            "PLAIN",
            &[Bytes::from_static(b"admin"), Bytes::from_static(b"secret")],
        );
        let frames: Vec<&[u8]> = msg.iter().map(|f| f.as_slice()).collect();
        assert_eq!(
            frames,
            [
                &b""[..],
                b"1.0",
                b"1",
                b"test",
                b"127.0.0.1",
                b"IDENT",
                b"PLAIN",
                b"admin",
                b"secret"
            ]
        );
    }

    #[test]
    fn allowed_reply_gives_user_id_and_metadata() {
        let mut metadata = bytes::BytesMut::new();
        let mut md = Metadata::new();
        md.push("Hello", Bytes::from_static(b"World"));
        md.encode(&mut metadata);
        let verdict = parse_reply(&reply(&[
            b"",
            b"1.0",
            b"1",
            b"200",
            b"OK",
            b"anonymous",
            &metadata,
        ]))
        .unwrap();
        let Verdict::Allowed { properties } = verdict else {
            panic!("{verdict:?}")
        };
        assert_eq!(properties.get("User-Id").unwrap(), &b"anonymous"[..]);
        assert_eq!(properties.get("Hello").unwrap(), &b"World"[..]);
    }

    #[test]
    fn denied_and_malformed_replies() {
        assert_eq!(
            parse_reply(&reply(&[b"", b"1.0", b"1", b"400", b"no", b"", b""])),
            Ok(Verdict::Denied {
                status: 400,
                text: "no".into()
            })
        );
        let code = |frames: &[&[u8]]| parse_reply(&reply(frames)).unwrap_err().code;
        assert_eq!(
            code(&[b"", b"2.0", b"1", b"200", b"", b"", b""]),
            monitor::PROTOCOL_ERROR_ZAP_BAD_VERSION
        );
        assert_eq!(
            code(&[b"", b"1.0", b"7", b"200", b"", b"", b""]),
            monitor::PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID
        );
        assert_eq!(
            code(&[b"", b"1.0", b"1", b"600", b"", b"", b""]),
            monitor::PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE
        );
        assert_eq!(
            code(&[b"", b"1.0", b"1", b"200", b"", b"", b"", b""]),
            monitor::PROTOCOL_ERROR_ZAP_MALFORMED_REPLY
        );
        assert_eq!(
            code(&[b"", b"1.0", b"1", b"200", b"", b"", b"\x05Hello"]),
            monitor::PROTOCOL_ERROR_ZAP_INVALID_METADATA
        );
    }
}
