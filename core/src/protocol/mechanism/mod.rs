//! The security-mechanism seam of the handshake (RFC 23 §"Authentication and
//! Confidentiality"): NULL ([`null`]) and PLAIN ([`plain`], RFC 24).
//!
//! A mechanism sees the handshake between the greetings and the end of the handshake:
//! it queues its own commands and consumes the peer's, may ask the connection to consult
//! the ZAP handler about the peer ([`Step::AskZap`]), and when it is satisfied hands back
//! the peer's metadata. Socket-type checks, identity extraction and the ZAP exchange
//! itself are common to all mechanisms and stay in the connection.

mod curve;
mod null;
mod plain;

pub use curve::CurveKeys;

use bytes::{BufMut, Bytes, BytesMut};

use super::command::{self, Command, Metadata};
use super::curve_message::{Opener, Sealer};
use super::frame::FrameHeader;
use super::greeting::Greeting;
use super::ProtocolError;

/// Mechanism names libzmq knows, to tell "configured differently" from "nonsense".
const KNOWN: [&[u8]; 4] = [b"NULL", b"PLAIN", b"CURVE", b"GSSAPI"];

/// The security a connection runs, from its socket's options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Security {
    /// No authentication, no encryption.
    #[default]
    Null,
    /// PLAIN, client side: sends a username and a password in clear.
    PlainClient { username: Bytes, password: Bytes },
    /// PLAIN, server side: asks the ZAP handler about each client's username and password.
    PlainServer,
    /// CURVE, client side: our long-term keys and the server's public key.
    CurveClient(CurveKeys),
    /// CURVE, server side: our long-term keys.
    CurveServer(CurveKeys),
}

/// What the mechanism made of the start of the handshake or of a command.
#[derive(Debug)]
pub(super) enum Step {
    /// More handshake commands are expected.
    Continue,
    /// The handshake is complete; the peer's metadata.
    Done(Metadata),
    /// The connection is to ask the ZAP handler whether the peer may connect with these
    /// credentials, then call [`Mechanism::zap_allowed`]. `mandatory`: with no handler
    /// bound the peer is refused (PLAIN); otherwise it is let in (NULL).
    AskZap {
        credentials: Vec<Bytes>,
        mandatory: bool,
    },
}

#[derive(Debug)]
pub(super) enum Mechanism {
    Null(null::Null),
    PlainClient(plain::PlainClient),
    PlainServer(plain::PlainServer),
    CurveClient(curve::CurveClient),
    CurveServer(curve::CurveServer),
}

impl Mechanism {
    /// The mechanism `security` names, announcing `our_metadata` when its handshake gets
    /// there. `null_asks_zap`: a NULL socket with a ZAP domain consults the handler.
    pub(super) fn new(
        security: &Security,
        our_metadata: Metadata,
        null_asks_zap: bool,
    ) -> Mechanism {
        match security {
            Security::Null => Mechanism::Null(null::Null::new(our_metadata, null_asks_zap)),
            Security::PlainClient { username, password } => Mechanism::PlainClient(
                plain::PlainClient::new(username.clone(), password.clone(), our_metadata),
            ),
            Security::PlainServer => Mechanism::PlainServer(plain::PlainServer::new(our_metadata)),
            Security::CurveClient(keys) => {
                // Without a server key (as libzmq, whose default is zeros) the handshake fails.
                let server = keys
                    .server
                    .clone()
                    .unwrap_or_else(|| crypto_box::PublicKey::from_bytes([0; 32]));
                Mechanism::CurveClient(curve::CurveClient::new(keys.clone(), server, our_metadata))
            }
            Security::CurveServer(keys) => {
                Mechanism::CurveServer(curve::CurveServer::new(keys.clone(), our_metadata))
            }
        }
    }

    /// The name announced in our greeting.
    pub(super) fn name(&self) -> &'static str {
        match self {
            Mechanism::Null(_) => "NULL",
            Mechanism::PlainClient(_) | Mechanism::PlainServer(_) => "PLAIN",
            Mechanism::CurveClient(_) | Mechanism::CurveServer(_) => "CURVE",
        }
    }

    /// Whether our greeting claims the server role.
    pub(super) fn as_server(&self) -> bool {
        matches!(self, Mechanism::PlainServer(_) | Mechanism::CurveServer(_))
    }

    /// Checks that the peer's greeting names the same mechanism as ours.
    pub(super) fn check_peer(&self, peer: &Greeting) -> Result<(), ProtocolError> {
        let theirs = peer.mechanism();
        if theirs == self.name().as_bytes() {
            Ok(())
        } else if KNOWN.contains(&theirs) {
            Err(ProtocolError::MechanismMismatch {
                ours: self.name(),
                theirs: peer.describe_mechanism(),
            })
        } else {
            Err(ProtocolError::UnsupportedMechanism(
                peer.describe_mechanism(),
            ))
        }
    }

    /// Called once the peer's greeting is accepted: queues our opening commands.
    pub(super) fn start(&mut self, out: &mut BytesMut) -> Step {
        match self {
            Mechanism::Null(null) => null.start(out),
            Mechanism::PlainClient(client) => client.start(out),
            Mechanism::CurveClient(client) => client.start(out),
            Mechanism::PlainServer(_) | Mechanism::CurveServer(_) => Step::Continue,
        }
    }

    /// Handles one handshake command body from the peer (never ERROR: the connection
    /// handles that the same way in every state).
    pub(super) fn process(
        &mut self,
        body: &[u8],
        out: &mut BytesMut,
    ) -> Result<Step, ProtocolError> {
        let (name, data) = command::split_name(body)?;
        match self {
            Mechanism::Null(null) => null.process(name, data, out),
            Mechanism::PlainClient(client) => client.process(name, data, out),
            Mechanism::PlainServer(server) => server.process(name, data, out),
            Mechanism::CurveClient(client) => client.process(name, data, out),
            Mechanism::CurveServer(server) => server.process(name, data, out),
        }
    }

    /// Queues an ERROR telling the peer why it was refused. A PLAIN server writes it as
    /// libzmq's do, the only form libzmq's PLAIN clients understand
    /// ([`command::LIBZMQ_PLAIN_ERROR`]; FerroMQ's clients read both).
    pub(super) fn send_error(&self, reason: &str, out: &mut BytesMut) {
        match self {
            Mechanism::PlainServer(_) => plain::send_libzmq_error(reason, out),
            _ => Command::Error {
                reason: reason.to_string(),
            }
            .encode(out),
        }
    }

    /// After the handshake: the keys that seal and open every frame, for a mechanism that
    /// encrypts them (CURVE); `None` for one that leaves frames as they are.
    pub(super) fn take_cipher(&mut self) -> Option<(Sealer, Opener)> {
        match self {
            Mechanism::CurveClient(client) => client.take_cipher(),
            Mechanism::CurveServer(server) => server.take_cipher(),
            _ => None,
        }
    }

    /// The ZAP handler let the peer in (or, for NULL, none is bound): the handshake goes on.
    pub(super) fn zap_allowed(&mut self, out: &mut BytesMut) -> Step {
        match self {
            Mechanism::Null(null) => null.zap_allowed(out),
            Mechanism::PlainServer(server) => server.zap_allowed(out),
            Mechanism::CurveServer(server) => server.zap_allowed(out),
            // A client never asks.
            Mechanism::PlainClient(_) | Mechanism::CurveClient(_) => Step::Continue,
        }
    }
}

/// A command the mechanism did not expect at this point of its handshake. Names are
/// static, so untrusted ones are never echoed.
fn unexpected(name: &[u8]) -> ProtocolError {
    let what = match name {
        command::PING => "a PING command",
        command::PONG => "a PONG command",
        command::SUBSCRIBE => "a SUBSCRIBE command",
        command::CANCEL => "a CANCEL command",
        command::READY => "a READY command",
        b"HELLO" => "a HELLO command",
        b"WELCOME" => "a WELCOME command",
        b"INITIATE" => "an INITIATE command",
        _ => "a command the mechanism does not know",
    };
    ProtocolError::UnexpectedBeforeHandshake(what)
}

/// Queues a handshake command frame: its name, then `parts` one after the other.
fn send_command(out: &mut BytesMut, name: &[u8], parts: &[&[u8]]) {
    let len = 1 + name.len() + parts.iter().map(|part| part.len()).sum::<usize>();
    let header = FrameHeader::command(len);
    out.reserve(header.encoded_len() + len);
    header.encode(out);
    out.put_u8(name.len() as u8);
    out.put_slice(name);
    for part in parts {
        out.put_slice(part);
    }
}

/// Metadata as a command carries it (READY, INITIATE, and inside CURVE's boxes).
fn encode_metadata(metadata: &Metadata) -> Vec<u8> {
    let mut bytes = BytesMut::with_capacity(metadata.encoded_len());
    metadata.encode(&mut bytes);
    bytes.to_vec()
}

/// Metadata in a READY or INITIATE command, or the monitor code `malformed` if it does not
/// parse.
fn parse_metadata(
    data: &[u8],
    malformed: u32,
    command: &'static str,
) -> Result<Metadata, ProtocolError> {
    Metadata::decode(data).map_err(|_| ProtocolError::Handshake {
        code: malformed,
        detail: command,
    })
}
