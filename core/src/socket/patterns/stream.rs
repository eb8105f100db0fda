//! STREAM: raw TCP peers addressed like ROUTER's, with libzmq's conventions. Every
//! connection gets a generated routing id (peers have no handshake to name themselves).
//! The user receives [id, data] for what a peer sent, and [id, ""] when a connection is made
//! and when it is lost; sending [id, data] writes the data, [id, ""] closes the connection.
//! Unknown ids always fail with EHOSTUNREACH, a peer at its HWM with EAGAIN.
//!
//! The connect/disconnect notices are made here from pipe events (attach/peer_ready,
//! peer_lost/closed), so the raw engine must not inject empty messages of its own.

use std::collections::{HashMap, VecDeque};

use bytes::Bytes;

use super::fair_queue::FairQueue;
use super::parse_flag;
use super::pipes::Pipes;
use super::routing_ids::RoutingIdGenerator;
use crate::error::{Error, ErrorKind, Result};
use crate::message::{Frame, Message};
use crate::options::{OptionValue, SocketOption};
use crate::pipe::{PipeEnd, PipeId};
use crate::signal::PeerIdentity;
use crate::socket::pattern::{Pattern, SendError};

pub(crate) struct Stream {
    /// Each pipe's routing id while its connection is up.
    pipes: Pipes<Option<Bytes>>,
    by_id: HashMap<Bytes, PipeId>,
    fq: FairQueue,
    ids: RoutingIdGenerator,
    /// Messages ready for the user ahead of the fair queue: connect/disconnect notices, and
    /// the data a lost connection left behind (read out so it comes before its notice).
    notices: VecDeque<(PipeId, Message)>,
    /// The pipe the message last received came from.
    last_from: Option<PipeId>,
    /// STREAM_NOTIFY: whether connections and their loss are announced (libzmq: yes).
    notify: bool,
    /// The id last generated for a connection: libzmq's STREAM reports it as the socket's
    /// own ROUTING_ID, and programs (libzmq's tests among them) read it there.
    last_generated_id: Option<Bytes>,
}

impl Stream {
    pub(crate) fn new() -> Self {
        Stream {
            pipes: Pipes::new(),
            by_id: HashMap::new(),
            fq: FairQueue::new(),
            ids: RoutingIdGenerator::new(),
            notices: VecDeque::new(),
            last_from: None,
            notify: true,
            last_generated_id: None,
        }
    }

    /// A connection is up: name it, announce it, start reading it.
    fn connected(&mut self, pipe: PipeId, wanted: Option<&bytes::Bytes>) {
        if !matches!(self.pipes.data(pipe), Some(None)) {
            return;
        }
        let by_id = &self.by_id;
        // CONNECT_ROUTING_ID names the connection, unless that id is taken.
        let id = match wanted {
            Some(id) if !by_id.contains_key(id) => id.clone(),
            _ => {
                let id = self.ids.generate(|id| by_id.contains_key(id));
                self.last_generated_id = Some(id.clone());
                id
            }
        };
        self.by_id.insert(id.clone(), pipe);
        if let Some(slot) = self.pipes.data_mut(pipe) {
            *slot = Some(id.clone());
        }
        if self.notify {
            self.notices.push_back((pipe, notice(&id)));
        }
        self.fq.attach(pipe);
    }

    /// A connection is gone: deliver what it left, then the disconnect notice.
    fn disconnected(&mut self, pipe: PipeId) {
        let Some(Some(id)) = self.pipes.data_mut(pipe).map(Option::take) else {
            return;
        };
        if self.by_id.get(&id) == Some(&pipe) {
            self.by_id.remove(&id);
        }
        self.fq.remove(pipe);
        if let Some(end) = self.pipes.pipe_mut(pipe) {
            while let Some(mut msg) = end.read() {
                msg.push_front(Frame::from(id.clone()));
                self.notices.push_back((pipe, msg));
            }
        }
        if self.notify {
            self.notices.push_back((pipe, notice(&id)));
        }
    }
}

/// The empty message announcing a connection or its loss.
fn notice(id: &Bytes) -> Message {
    Message::from_frames([Frame::from(id.clone()), Frame::empty()])
}

impl Pattern for Stream {
    fn attach(&mut self, pipe: PipeEnd, peer: Option<&PeerIdentity>) {
        let id = self.pipes.insert(pipe, None);
        if let Some(peer) = peer {
            self.connected(id, peer.routing_id.as_ref());
        }
    }

    fn peer_ready(&mut self, pipe: PipeId, peer: &PeerIdentity) {
        self.connected(pipe, peer.routing_id.as_ref());
    }

    fn peer_lost(&mut self, pipe: PipeId) {
        self.disconnected(pipe);
    }

    fn readable(&mut self, pipe: PipeId) {
        self.fq.readable(pipe);
    }

    fn writable(&mut self, _pipe: PipeId) {}

    fn closed(&mut self, pipe: PipeId) {
        self.disconnected(pipe);
        self.pipes.remove(pipe);
    }

    fn send(&mut self, mut msg: Message) -> Result<(), SendError> {
        let Some(id) = msg.pop_front() else {
            return Ok(());
        };
        if msg.is_empty() {
            return Ok(());
        }
        let unreachable = || {
            SendError::Failed(Error::new(
                ErrorKind::HostUnreachable,
                format!("STREAM has no connection with routing id {id:?}"),
            ))
        };
        let Some(&pipe_id) = self.by_id.get(id.as_slice()) else {
            return Err(unreachable());
        };
        if msg.len() == 1 && msg.frames()[0].is_empty() {
            // [id, ""]: the user closes this connection.
            self.by_id.remove(id.as_slice());
            self.fq.remove(pipe_id);
            self.pipes.remove(pipe_id);
            return Ok(());
        }
        let Some(pipe) = self.pipes.pipe_mut(pipe_id) else {
            return Err(unreachable());
        };
        loop {
            match pipe.send(msg) {
                Ok(()) => return Ok(()),
                Err(back) => msg = back,
            }
            if pipe.is_peer_closed() {
                return Err(unreachable());
            }
            if !pipe.arm_writable() {
                msg.push_front(id);
                return Err(SendError::Again(msg));
            }
        }
    }

    fn recv(&mut self) -> Result<Message> {
        if let Some((pipe, msg)) = self.notices.pop_front() {
            self.last_from = Some(pipe);
            return Ok(msg);
        }
        while let Some((pipe, mut msg)) = self.fq.recv(&mut self.pipes) {
            if let Some(Some(id)) = self.pipes.data(pipe) {
                msg.push_front(Frame::from(id.clone()));
                self.last_from = Some(pipe);
                return Ok(msg);
            }
        }
        Err(Error::again())
    }

    fn last_recv_pipe(&self) -> Option<PipeId> {
        self.last_from
    }

    fn can_send(&mut self) -> bool {
        true
    }

    fn can_recv(&mut self) -> bool {
        if self.notices.is_empty() {
            if let Ok(msg) = self.recv() {
                if let Some(pipe) = self.last_from {
                    self.notices.push_front((pipe, msg));
                }
            }
        }
        !self.notices.is_empty()
    }

    /// STREAM_NOTIFY can be set, not read, as in libzmq.
    fn set_option(&mut self, option: SocketOption, value: &OptionValue) -> Option<Result<()>> {
        match option {
            SocketOption::StreamNotify => {
                Some(parse_flag(option, value).map(|on| self.notify = on))
            }
            _ => None,
        }
    }

    fn message_is_complete(&self, frames: usize) -> bool {
        frames >= 2
    }

    fn get_option(&self, option: SocketOption) -> Option<OptionValue> {
        match option {
            SocketOption::RoutingId => self.last_generated_id.clone().map(OptionValue::Bytes),
            _ => None,
        }
    }

    fn close_all(&mut self) {
        self.pipes.close_all();
        self.by_id.clear();
        self.fq.clear();
        self.notices.clear();
    }
}

#[cfg(test)]
mod tests {
    use crate::error::ErrorKind;
    use crate::socket::patterns::test_util::*;
    use crate::socket_type::SocketType;

    #[test]
    fn notices_data_and_close() {
        let mut h = Harness::new(SocketType::Stream);
        let mut p = h.attach(Some(peer(SocketType::Stream)), 10);
        let hello = h.recv_ok();
        let id = hello.frames()[0].to_vec();
        assert_eq!(id.len(), 5);
        assert!(hello.frames()[1].is_empty());
        p.send(&[b"raw bytes"]);
        assert_eq!(h.recv_ok(), msg(&[&id, b"raw bytes"]));
        h.send_ok(&[&id, b"reply"]);
        assert_eq!(p.recv().unwrap(), msg(&[b"reply"]));
        p.send(&[b"last"]);
        h.pattern.peer_lost(p.id);
        assert_eq!(h.recv_ok(), msg(&[&id, b"last"]));
        assert_eq!(h.recv_ok(), msg(&[&id, b""]));
        assert_eq!(
            failed_kind(h.send(&[&id, b"x"])),
            ErrorKind::HostUnreachable
        );
        // Reconnected: a new id.
        h.peer_ready(&p, peer(SocketType::Stream));
        let again = h.recv_ok();
        assert_ne!(again.frames()[0].to_vec(), id);
        let id = again.frames()[0].to_vec();
        h.send_ok(&[&id, b""]);
        assert!(
            p.end.is_peer_closed(),
            "an empty send closes the connection"
        );
    }
}
