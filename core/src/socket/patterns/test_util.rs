//! Test helpers: a pattern driven like the socket drives it (pipe events from a real
//! `SocketSignal`), with the tests playing the peers' engines on the other pipe ends.

use std::sync::Arc;

use atomic_waker::AtomicWaker;
use bytes::Bytes;

use crate::error::{ErrorKind, Result};
use crate::message::Message;
use crate::options::{OptionValue, SocketOption};
use crate::pipe::{pipe_pair, Hwm, Listener, PipeEnd, PipeId};
use crate::signal::{PeerIdentity, PipeEvent, SocketSignal};
use crate::socket::pattern::{Pattern, SendError};
use crate::socket_type::SocketType;

use super::new_pattern;

/// A pipe with two task listeners (no events observed): for the helpers' own tests.
pub(crate) fn task_pipe(hwm: u64) -> (PipeEnd, PipeEnd) {
    let listener = || Listener::Task(Arc::new(AtomicWaker::new()));
    pipe_pair(
        listener(),
        listener(),
        Hwm::sender(hwm as i64),
        Hwm::sender(hwm as i64),
    )
}

pub(crate) fn msg(frames: &[&[u8]]) -> Message {
    Message::from_frames(frames.iter().copied())
}

pub(crate) fn peer(socket_type: SocketType) -> PeerIdentity {
    PeerIdentity {
        socket_type,
        routing_id: None,
        properties: None,
    }
}

pub(crate) fn peer_with_id(socket_type: SocketType, id: &[u8]) -> PeerIdentity {
    PeerIdentity {
        socket_type,
        routing_id: Some(Bytes::copy_from_slice(id)),
        properties: None,
    }
}

/// One peer: the engine's end of a pipe attached to the pattern.
pub(crate) struct Peer {
    pub(crate) id: PipeId,
    pub(crate) end: PipeEnd,
}

impl Peer {
    /// The peer sends a message to the socket.
    pub(crate) fn send(&mut self, frames: &[&[u8]]) {
        self.end.send(msg(frames)).expect("peer pipe full");
    }

    /// What the socket sent to this peer, if anything.
    pub(crate) fn recv(&mut self) -> Option<Message> {
        self.end.read()
    }

    /// Everything the socket sent to this peer.
    pub(crate) fn recv_all(&mut self) -> Vec<Message> {
        std::iter::from_fn(|| self.end.read()).collect()
    }
}

/// A pattern with its mailbox: every call first delivers the pending pipe events, as the
/// socket does.
pub(crate) struct Harness {
    pub(crate) pattern: Box<dyn Pattern>,
    signal: Arc<SocketSignal>,
}

impl Harness {
    pub(crate) fn new(socket_type: SocketType) -> Harness {
        Harness {
            pattern: new_pattern(socket_type).unwrap(),
            signal: Arc::new(SocketSignal::new().unwrap()),
        }
    }

    /// Delivers the queued pipe events to the pattern.
    pub(crate) fn pump(&mut self) {
        let pattern = &mut self.pattern;
        self.signal.drain(|event| match event {
            PipeEvent::Attached(pipe, peer) => pattern.attach(pipe, peer.as_ref()),
            PipeEvent::PeerReady(id, peer) => pattern.peer_ready(id, &peer),
            PipeEvent::PeerLost(id) => pattern.peer_lost(id),
            PipeEvent::Readable(id) => pattern.readable(id),
            PipeEvent::Writable(id) => pattern.writable(id),
            PipeEvent::Closed(id) => pattern.closed(id),
            PipeEvent::Wake => {}
        });
    }

    /// Attaches a new pipe whose HWM is `hwm` both ways.
    pub(crate) fn attach(&mut self, peer: Option<PeerIdentity>, hwm: u64) -> Peer {
        self.pump();
        let engine = Listener::Task(Arc::new(AtomicWaker::new()));
        let both = Hwm::sender(hwm as i64);
        let (mine, theirs) = pipe_pair(Listener::Socket(self.signal.clone()), engine, both, both);
        let id = mine.id();
        self.pattern.attach(mine, peer.as_ref());
        Peer { id, end: theirs }
    }

    pub(crate) fn peer_ready(&mut self, peer: &Peer, identity: PeerIdentity) {
        self.pump();
        self.pattern.peer_ready(peer.id, &identity);
    }

    pub(crate) fn send(&mut self, frames: &[&[u8]]) -> Result<(), SendError> {
        self.pump();
        self.pattern.send(msg(frames))
    }

    /// Sends and expects success.
    pub(crate) fn send_ok(&mut self, frames: &[&[u8]]) {
        if let Err(err) = self.send(frames) {
            panic!("send {frames:?} failed: {err:?}");
        }
    }

    pub(crate) fn recv(&mut self) -> Result<Message> {
        self.pump();
        self.pattern.recv()
    }

    /// Receives and expects a message.
    pub(crate) fn recv_ok(&mut self) -> Message {
        self.recv().expect("expected a message")
    }

    /// Expects EAGAIN from recv.
    pub(crate) fn recv_none(&mut self) {
        match self.recv() {
            Err(err) => assert_eq!(err.kind(), ErrorKind::Again, "{err}"),
            Ok(msg) => panic!("unexpected message {msg:?}"),
        }
    }

    pub(crate) fn can_send(&mut self) -> bool {
        self.pump();
        self.pattern.can_send()
    }

    pub(crate) fn can_recv(&mut self) -> bool {
        self.pump();
        self.pattern.can_recv()
    }

    pub(crate) fn set(
        &mut self,
        option: SocketOption,
        value: impl Into<OptionValue>,
    ) -> Option<Result<()>> {
        self.pump();
        self.pattern.set_option(option, &value.into())
    }

    pub(crate) fn set_ok(&mut self, option: SocketOption, value: impl Into<OptionValue>) {
        match self.set(option, value) {
            Some(Ok(())) => {}
            other => panic!("setting {option:?} failed: {other:?}"),
        }
    }
}

/// The kind of a failed send.
pub(crate) fn failed_kind(result: Result<(), SendError>) -> ErrorKind {
    match result {
        Err(SendError::Failed(err)) => err.kind(),
        other => panic!("expected a failed send, got {other:?}"),
    }
}

/// Whether a send was refused for now.
pub(crate) fn is_again(result: &Result<(), SendError>) -> bool {
    matches!(result, Err(SendError::Again(_)))
}
