//! The security-mechanism seam of the handshake (RFC 23 §"Authentication and
//! Confidentiality"): NULL ([`null`]) and PLAIN ([`plain`], RFC 24).
//!
//! A mechanism sees the handshake between the greetings and the end of the handshake:
//! it queues its own commands and consumes the peer's, may ask the connection to consult
//! the ZAP handler about the peer ([`Step::AskZap`]), and when it is satisfied hands back
//! the peer's metadata. Socket-type checks, identity extraction and the ZAP exchange
//! itself are common to all mechanisms and stay in the connection.

mod null;
mod plain;

use bytes::{Bytes, BytesMut};

use super::command::{self, Command, Metadata};
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
        }
    }

    /// The name announced in our greeting.
    pub(super) fn name(&self) -> &'static str {
        match self {
            Mechanism::Null(_) => "NULL",
            Mechanism::PlainClient(_) | Mechanism::PlainServer(_) => "PLAIN",
        }
    }

    /// Whether our greeting claims the server role.
    pub(super) fn as_server(&self) -> bool {
        matches!(self, Mechanism::PlainServer(_))
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
            Mechanism::PlainServer(_) => Step::Continue,
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

    /// The ZAP handler let the peer in (or, for NULL, none is bound): the handshake goes on.
    pub(super) fn zap_allowed(&mut self, out: &mut BytesMut) -> Step {
        match self {
            Mechanism::Null(null) => null.zap_allowed(out),
            Mechanism::PlainServer(server) => server.zap_allowed(out),
            // A client never asks.
            Mechanism::PlainClient(_) => Step::Continue,
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
