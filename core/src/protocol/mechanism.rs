//! The security-mechanism seam of the handshake (RFC 23 §"Authentication and
//! Confidentiality"). Only NULL is implemented.
//!
//! A mechanism sees the handshake between the greetings and the end of the handshake:
//! it queues its own commands and consumes the peer's, and when it is satisfied it
//! hands back the peer's metadata. Socket-type checks and identity extraction are
//! common to all mechanisms and stay in the connection. PLAIN and CURVE slot in as new
//! variants of [`Mechanism`] (their HELLO/WELCOME/INITIATE bodies are parsed by the
//! mechanism itself from the raw command body), selected by a future config field.

use bytes::BytesMut;

use super::command::{self, Command, Metadata};
use super::greeting::Greeting;
use super::ProtocolError;

/// Mechanism names libzmq knows, to tell "configured differently" from "nonsense".
const KNOWN: [&[u8]; 4] = [b"NULL", b"PLAIN", b"CURVE", b"GSSAPI"];

/// What the mechanism made of a handshake command.
#[derive(Debug)]
pub(super) enum Step {
    /// More handshake commands are expected (multi-step mechanisms: PLAIN, CURVE).
    #[allow(dead_code)]
    Continue,
    /// The handshake is complete; the peer's metadata.
    Done(Metadata),
}

#[derive(Debug)]
pub(super) enum Mechanism {
    Null(NullMechanism),
}

impl Mechanism {
    /// The NULL mechanism, which will announce `our_metadata` in its READY.
    pub(super) fn null(our_metadata: Metadata) -> Mechanism {
        Mechanism::Null(NullMechanism { our_metadata })
    }

    /// The name announced in our greeting.
    pub(super) fn name(&self) -> &'static str {
        match self {
            Mechanism::Null(_) => "NULL",
        }
    }

    /// Whether our greeting claims the server role (NULL has no roles).
    pub(super) fn as_server(&self) -> bool {
        match self {
            Mechanism::Null(_) => false,
        }
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
    pub(super) fn start(&mut self, out: &mut BytesMut) {
        match self {
            Mechanism::Null(null) => null.start(out),
        }
    }

    /// Handles one handshake command body from the peer (never ERROR: the connection
    /// handles that the same way in every state).
    pub(super) fn process(
        &mut self,
        body: &[u8],
        out: &mut BytesMut,
    ) -> Result<Step, ProtocolError> {
        match self {
            Mechanism::Null(null) => null.process(body, out),
        }
    }
}

/// NULL: both sides send READY with their metadata, and that is all.
#[derive(Debug)]
pub(super) struct NullMechanism {
    our_metadata: Metadata,
}

impl NullMechanism {
    fn start(&mut self, out: &mut BytesMut) {
        // The metadata is only needed once; moving it out avoids keeping a copy alive.
        let metadata = std::mem::take(&mut self.our_metadata);
        Command::Ready(metadata).encode(out);
    }

    fn process(&mut self, body: &[u8], _out: &mut BytesMut) -> Result<Step, ProtocolError> {
        let (name, data) = command::split_name(body)?;
        if name == command::READY {
            Ok(Step::Done(Metadata::decode(data)?))
        } else {
            Err(ProtocolError::UnexpectedBeforeHandshake(describe_command(
                name,
            )))
        }
    }
}

/// Names an unexpected command for an error message (static, so untrusted names are
/// never echoed).
fn describe_command(name: &[u8]) -> &'static str {
    match name {
        command::PING => "a PING command",
        command::PONG => "a PONG command",
        command::SUBSCRIBE => "a SUBSCRIBE command",
        command::CANCEL => "a CANCEL command",
        b"HELLO" | b"WELCOME" | b"INITIATE" => {
            "a PLAIN/CURVE handshake command (HELLO/WELCOME/INITIATE)"
        }
        _ => "a command other than READY or ERROR",
    }
}
