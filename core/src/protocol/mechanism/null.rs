//! NULL (RFC 23): both sides send READY with their metadata, and that is all. A socket
//! with a ZAP domain first asks the ZAP handler about the peer, and holds its READY back
//! until the handler has let the peer in.

use bytes::BytesMut;

use super::{unexpected, Step};
use crate::protocol::command::{self, Command, Metadata};
use crate::protocol::ProtocolError;

#[derive(Debug)]
pub(crate) struct Null {
    /// Ours to send; taken when READY goes out.
    our_metadata: Option<Metadata>,
    asks_zap: bool,
    /// The ZAP handler has not answered yet.
    waiting_for_zap: bool,
    /// The peer's READY, when it came while we waited for the handler.
    peer_ready: Option<Metadata>,
}

impl Null {
    pub(super) fn new(our_metadata: Metadata, asks_zap: bool) -> Null {
        Null {
            our_metadata: Some(our_metadata),
            asks_zap,
            waiting_for_zap: false,
            peer_ready: None,
        }
    }

    pub(super) fn start(&mut self, out: &mut BytesMut) -> Step {
        if self.asks_zap {
            self.waiting_for_zap = true;
            return Step::AskZap {
                credentials: Vec::new(),
                mandatory: false,
            };
        }
        self.send_ready(out);
        Step::Continue
    }

    pub(super) fn process(
        &mut self,
        name: &[u8],
        data: &[u8],
        _out: &mut BytesMut,
    ) -> Result<Step, ProtocolError> {
        if name != command::READY || self.peer_ready.is_some() {
            return Err(unexpected(name));
        }
        let metadata = Metadata::decode(data)?;
        if self.waiting_for_zap {
            self.peer_ready = Some(metadata);
            return Ok(Step::Continue);
        }
        Ok(Step::Done(metadata))
    }

    pub(super) fn zap_allowed(&mut self, out: &mut BytesMut) -> Step {
        self.waiting_for_zap = false;
        self.send_ready(out);
        match self.peer_ready.take() {
            Some(metadata) => Step::Done(metadata),
            None => Step::Continue,
        }
    }

    fn send_ready(&mut self, out: &mut BytesMut) {
        if let Some(metadata) = self.our_metadata.take() {
            Command::Ready(metadata).encode(out);
        }
    }
}
