//! The interface between the generic socket (blocking, options, frames) and one socket
//! type's routing rules (RFC 28/29/30/31): which pipe a message goes to, which pipe the next
//! message comes from, what envelope is added or removed.
//!
//! A pattern works on whole messages and never blocks: when it cannot send or receive now it
//! says so (`SendError::Again`, `ErrorKind::Again`) and the socket waits for a pipe event.

use std::mem::MaybeUninit;

use crate::error::{Error, Result};
use crate::message::{Frame, Message};
use crate::options::{OptionValue, SocketOption};
use crate::pipe::{PipeEnd, PipeId};
use crate::signal::PeerIdentity;

/// Why a pattern did not take a message.
#[derive(Debug)]
pub(crate) enum SendError {
    /// Not now (no peer, or every eligible pipe at its HWM): the message is handed back so
    /// the socket can wait and retry, or return EAGAIN.
    Again(Message),
    /// The send failed for good (EFSM, EHOSTUNREACH…); the message is dropped.
    Failed(Error),
}

pub(crate) trait Pattern: Send {
    /// A new pipe. `peer` is known for accepted connections; for a connecting pipe it is
    /// `None` until `peer_ready`.
    fn attach(&mut self, pipe: PipeEnd, peer: Option<&PeerIdentity>);

    /// The connection behind `pipe` completed its handshake (again, after a reconnect).
    fn peer_ready(&mut self, pipe: PipeId, peer: &PeerIdentity);

    /// The connection behind `pipe` was lost; the pipe stays and its engine reconnects.
    fn peer_lost(&mut self, _pipe: PipeId) {}

    /// Messages arrived in `pipe` after it had been found empty.
    fn readable(&mut self, pipe: PipeId);

    /// `pipe` has room again after it had been found full.
    fn writable(&mut self, pipe: PipeId);

    /// The other end of `pipe` is gone: stop sending to it; deliver what it still holds,
    /// then forget it.
    fn closed(&mut self, pipe: PipeId);

    /// Fails if `send` would fail whatever the pipes' state (EFSM, ENOTSUP): checked on the
    /// first frame of a multipart send, so the error comes before the rest is sent.
    fn check_send(&self) -> Result<()> {
        Ok(())
    }

    /// Fails if a message starting with `first` cannot be sent at all, checked when that
    /// frame is sent with SNDMORE (ROUTER_MANDATORY's EHOSTUNREACH for an unknown routing
    /// id, as libzmq reports it on the id frame).
    fn check_first_frame(&self, _first: &Frame) -> Result<()> {
        Ok(())
    }

    /// Whether a message ends once it has `frames` frames, whatever SNDMORE says: STREAM's
    /// messages are [routing id, data], and libzmq ignores SNDMORE on the data frame.
    fn message_is_complete(&self, _frames: usize) -> bool {
        false
    }

    /// Sends a whole message (all frames).
    fn send(&mut self, msg: Message) -> Result<(), SendError>;

    /// Receives a whole message, or EAGAIN if none is ready.
    fn recv(&mut self) -> Result<Message>;

    /// [`recv`](Self::recv) into `slot`, which is initialised on `Ok`. Sockets whose
    /// messages come straight from their pipes build each message there, once (see
    /// `spsc::Cursor::take_into`), and say so with
    /// [`builds_messages_in_place`](Self::builds_messages_in_place); for the others the
    /// socket calls `recv` (this default, through one more call, measured slower).
    fn recv_into(&mut self, slot: &mut MaybeUninit<Message>) -> Result<()> {
        slot.write(self.recv()?);
        Ok(())
    }

    /// Whether [`recv_into`](Self::recv_into) builds each message in its slot.
    fn builds_messages_in_place(&self) -> bool {
        false
    }

    /// The pipe the message last received came from, for its connection's properties;
    /// `None` where a pattern does not say (XPUB, a made-up message).
    fn last_recv_pipe(&self) -> Option<PipeId> {
        None
    }

    /// Whether `send` could succeed now (POLLOUT).
    fn can_send(&mut self) -> bool;

    /// Whether `recv` could succeed now (POLLIN).
    fn can_recv(&mut self) -> bool;

    /// Sets a type-specific option. `None`: not an option of this socket type (the socket
    /// answers EINVAL).
    fn set_option(&mut self, _option: SocketOption, _value: &OptionValue) -> Option<Result<()>> {
        None
    }

    /// Reads a type-specific option; `None` if this type has no such option.
    fn get_option(&self, _option: SocketOption) -> Option<OptionValue> {
        None
    }

    /// Closes every pipe (socket close).
    fn close_all(&mut self);
}
