//! One file per socket type, plus the shared routing helpers.
//!
//! Helpers:
//! - [`pipes`]: the pipes a pattern owns, by id (every other helper holds only ids).
//! - [`fair_queue`]: fair-queued input; [`load_balancer`]: round-robin output;
//!   [`distributor`]: PUB fan-out; [`subscriptions`]: the prefix tries behind PUB/SUB.
//! - [`peers`]: pipes + fair queue + load balancer + `can_recv`'s read-ahead, wired to the
//!   pipe events: the common part of DEALER, PAIR, REQ, REP, PUSH, PULL, ROUTER and XSUB.
//! - [`forward_pipe_events!`]: PUB and SUB hand their pipe events to the XPUB/XSUB inside.
//! - [`routing_ids`]: the ids ROUTER and STREAM make up for anonymous peers.

mod distributor;
mod fair_queue;
mod fast_hash;
mod load_balancer;
mod peers;
mod pipes;
mod routing_ids;
mod subscriptions;

mod dealer;
mod pair;
mod pub_;
mod pull;
mod push;
mod rep;
mod req;
mod router;
mod stream;
mod sub;
mod xpub;
mod xsub;

#[cfg(test)]
mod test_util;

use crate::error::{Error, Result};
use crate::options::{OptionValue, SocketOption};
use crate::socket::pattern::Pattern;
use crate::socket_type::SocketType;

/// The routing rules of `socket_type`. Every type is implemented, so this never fails; it
/// returns a `Result` because the socket constructor expects one.
pub(crate) fn new_pattern(socket_type: SocketType) -> Result<Box<dyn Pattern>> {
    Ok(match socket_type {
        SocketType::Pair => Box::new(pair::Pair::new()),
        SocketType::Pub => Box::new(pub_::Pub::new()),
        SocketType::Sub => Box::new(sub::Sub::new()),
        SocketType::Req => Box::new(req::Req::new()),
        SocketType::Rep => Box::new(rep::Rep::new()),
        SocketType::Dealer => Box::new(dealer::Dealer::new()),
        SocketType::Router => Box::new(router::Router::new()),
        SocketType::Pull => Box::new(pull::Pull::new()),
        SocketType::Push => Box::new(push::Push::new()),
        SocketType::XPub => Box::new(xpub::XPub::new()),
        SocketType::XSub => Box::new(xsub::XSub::new()),
        SocketType::Stream => Box::new(stream::Stream::new()),
    })
}

/// Reads an on/off option the way libzmq does: any non-negative integer, non-zero meaning on.
fn parse_flag(option: SocketOption, value: &OptionValue) -> Result<bool> {
    let v = value.as_int(option)?;
    if v < 0 {
        return Err(Error::invalid(format!(
            "option {} takes 0 (off) or 1 (on), got {v}",
            option.name()
        )));
    }
    Ok(v != 0)
}

/// The error for an operation a socket type does not have (send on PULL, recv on PUSH…).
fn not_supported(what: &str, socket_type: SocketType) -> Error {
    Error::new(
        crate::error::ErrorKind::NotSupported,
        format!("{socket_type} sockets cannot {what}"),
    )
}

fn flag_value(on: bool) -> Option<OptionValue> {
    Some(OptionValue::Int(on as i64))
}

/// Implements `Pattern`'s pipe events (`attach` … `closed`) by handing them to `self.$inner`:
/// PUB and SUB are XPUB and XSUB with another user-facing side, and the same pipe handling.
macro_rules! forward_pipe_events {
    ($inner:ident) => {
        fn attach(
            &mut self,
            pipe: $crate::pipe::PipeEnd,
            peer: Option<&$crate::signal::PeerIdentity>,
        ) {
            self.$inner.attach(pipe, peer);
        }

        fn peer_ready(&mut self, pipe: $crate::pipe::PipeId, peer: &$crate::signal::PeerIdentity) {
            self.$inner.peer_ready(pipe, peer);
        }

        fn peer_lost(&mut self, pipe: $crate::pipe::PipeId) {
            self.$inner.peer_lost(pipe);
        }

        fn readable(&mut self, pipe: $crate::pipe::PipeId) {
            self.$inner.readable(pipe);
        }

        fn writable(&mut self, pipe: $crate::pipe::PipeId) {
            self.$inner.writable(pipe);
        }

        fn closed(&mut self, pipe: $crate::pipe::PipeId) {
            self.$inner.closed(pipe);
        }
    };
}
use forward_pipe_events;
