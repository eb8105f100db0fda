//! A connection's line to the ZAP handler (RFC 27): the application's socket bound at
//! `inproc://zeromq.zap.01`, which answers whether a peer may connect. The engine sends
//! the request its mechanism made (`protocol::zap`) and polls for the answer; the pipe
//! wakes the engine's task when it comes. One request per connection; dropping the client closes the pipe.

use std::sync::Arc;

use atomic_waker::AtomicWaker;

use crate::engine::link::SocketLink;
use crate::message::Message;
use crate::pipe::PipeEnd;
use crate::protocol::connection::ZapReply;

/// Where libzmq's ZAP handlers bind (RFC 27).
const ZAP_ENDPOINT: &str = "zeromq.zap.01";

pub(crate) struct ZapClient {
    pipe: PipeEnd,
}

impl ZapClient {
    /// Sends `request` to the handler; `None` if none is bound.
    pub(crate) fn send(
        link: &SocketLink,
        waker: &Arc<AtomicWaker>,
        request: Message,
    ) -> Option<ZapClient> {
        let mut pipe = link.inproc.connect_task(ZAP_ENDPOINT, waker)?;
        // The pipe has no HWM: the write cannot be refused while the handler is there.
        if pipe.send(request).is_err() {
            return None;
        }
        Some(ZapClient { pipe })
    }

    /// The handler's answer, if it has come; otherwise `None`, and the engine's task is
    /// woken when it comes. A handler that went away without answering never will: as in
    /// libzmq, the handshake then waits until HANDSHAKE_IVL or the peer ends it.
    pub(crate) fn poll_reply(&mut self) -> Option<ZapReply> {
        loop {
            if let Some(reply) = self.pipe.read() {
                return Some(ZapReply::Reply(reply));
            }
            if self.pipe.is_peer_closed() || !self.pipe.arm_readable() {
                return None;
            }
        }
    }
}
