//! PLAIN (RFC 24): the client sends a username and password in clear; the server asks its
//! ZAP handler about them.
//!
//! ```text
//! client                                  server
//! HELLO (username, password)  ------->
//!                                         (ZAP request, reply 200)
//!                             <-------    WELCOME
//! INITIATE (metadata)         ------->
//!                             <-------    READY (metadata)
//! ```
//! A refusal is an ERROR carrying the ZAP status code (the connection handles it). Data
//! frames are not transformed: PLAIN authenticates, it does not encrypt.

use bytes::{BufMut, Bytes, BytesMut};

use super::{encode_metadata, parse_metadata, send_command, unexpected, Step};
use crate::monitor;
use crate::protocol::command::{self, Metadata};
use crate::protocol::frame::FrameHeader;
use crate::protocol::ProtocolError;

const HELLO: &[u8] = b"HELLO";
const WELCOME: &[u8] = b"WELCOME";
const INITIATE: &[u8] = b"INITIATE";

fn send_metadata(out: &mut BytesMut, name: &[u8], metadata: &Metadata) {
    send_command(out, name, &[&encode_metadata(metadata)]);
}

/// What the client waits for.
#[derive(Debug)]
enum ClientState {
    Welcome,
    Ready,
}

#[derive(Debug)]
pub(crate) struct PlainClient {
    username: Bytes,
    password: Bytes,
    our_metadata: Metadata,
    state: ClientState,
}

impl PlainClient {
    pub(super) fn new(username: Bytes, password: Bytes, our_metadata: Metadata) -> PlainClient {
        PlainClient {
            username,
            password,
            our_metadata,
            state: ClientState::Welcome,
        }
    }

    pub(super) fn start(&mut self, out: &mut BytesMut) -> Step {
        // The options limit both to 255 bytes, so each length fits its one-byte field.
        let (username, password) = (&self.username, &self.password);
        send_command(
            out,
            HELLO,
            &[
                &[username.len() as u8],
                username,
                &[password.len() as u8],
                password,
            ],
        );
        Step::Continue
    }

    pub(super) fn process(
        &mut self,
        name: &[u8],
        data: &[u8],
        out: &mut BytesMut,
    ) -> Result<Step, ProtocolError> {
        match self.state {
            ClientState::Welcome if name == WELCOME => {
                if !data.is_empty() {
                    return Err(ProtocolError::Handshake {
                        code: monitor::PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME,
                        detail: "a PLAIN WELCOME with data in it",
                    });
                }
                send_metadata(out, INITIATE, &std::mem::take(&mut self.our_metadata));
                self.state = ClientState::Ready;
                Ok(Step::Continue)
            }
            ClientState::Ready if name == command::READY => Ok(Step::Done(parse_metadata(
                data,
                monitor::PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY,
                "a PLAIN READY with malformed metadata",
            )?)),
            _ => Err(unexpected(name)),
        }
    }
}

/// What the server waits for.
#[derive(Debug)]
enum ServerState {
    Hello,
    ZapReply,
    Initiate,
}

#[derive(Debug)]
pub(crate) struct PlainServer {
    our_metadata: Metadata,
    state: ServerState,
}

impl PlainServer {
    pub(super) fn new(our_metadata: Metadata) -> PlainServer {
        PlainServer {
            our_metadata,
            state: ServerState::Hello,
        }
    }

    pub(super) fn process(
        &mut self,
        name: &[u8],
        data: &[u8],
        out: &mut BytesMut,
    ) -> Result<Step, ProtocolError> {
        match self.state {
            ServerState::Hello if name == HELLO => {
                let (username, password) = parse_hello(data)?;
                self.state = ServerState::ZapReply;
                Ok(Step::AskZap {
                    credentials: vec![username, password],
                    mandatory: true,
                })
            }
            ServerState::Initiate if name == INITIATE => {
                let peer = parse_metadata(
                    data,
                    monitor::PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE,
                    "a PLAIN INITIATE with malformed metadata",
                )?;
                send_metadata(out, command::READY, &std::mem::take(&mut self.our_metadata));
                Ok(Step::Done(peer))
            }
            _ => Err(unexpected(name)),
        }
    }

    pub(super) fn zap_allowed(&mut self, out: &mut BytesMut) -> Step {
        send_command(out, WELCOME, &[]);
        self.state = ServerState::Initiate;
        Step::Continue
    }
}

/// Queues an ERROR as libzmq's PLAIN servers write it (see
/// [`command::LIBZMQ_PLAIN_ERROR`]). `reason` is a ZAP status code: short.
pub(super) fn send_libzmq_error(reason: &str, out: &mut BytesMut) {
    let prefix = command::LIBZMQ_PLAIN_ERROR;
    let len = prefix.len() + 1 + reason.len();
    out.reserve(FrameHeader::command(len).encoded_len() + len);
    FrameHeader::command(len).encode(out);
    out.put_slice(prefix);
    out.put_u8(reason.len() as u8);
    out.put_slice(reason.as_bytes());
}

/// A HELLO's username and password: each a length byte and that many bytes, nothing after.
fn parse_hello(data: &[u8]) -> Result<(Bytes, Bytes), ProtocolError> {
    let malformed = || ProtocolError::Handshake {
        code: monitor::PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO,
        detail: "a PLAIN HELLO whose username and password do not add up to its size",
    };
    let (username, rest) = length_prefixed(data).ok_or_else(malformed)?;
    let (password, rest) = length_prefixed(rest).ok_or_else(malformed)?;
    if !rest.is_empty() {
        return Err(malformed());
    }
    Ok((
        Bytes::copy_from_slice(username),
        Bytes::copy_from_slice(password),
    ))
}

fn length_prefixed(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&len, rest) = data.split_first()?;
    let len = usize::from(len);
    (rest.len() >= len).then(|| rest.split_at(len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_is_parsed_strictly() {
        assert_eq!(
            parse_hello(b"\x05admin\x06secret").unwrap(),
            (Bytes::from_static(b"admin"), Bytes::from_static(b"secret"))
        );
        assert_eq!(
            parse_hello(b"\x00\x00").unwrap(),
            (Bytes::new(), Bytes::new())
        );
        for bad in [
            &b""[..],
            b"\x05adm",
            b"\x05admin",
            b"\x05admin\x06secre",
            b"\x01a\x01bX",
        ] {
            let err = parse_hello(bad).unwrap_err();
            assert!(
                matches!(err, ProtocolError::Handshake { code, .. }
                    if code == monitor::PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO),
                "{bad:?}: {err:?}"
            );
        }
    }
}
