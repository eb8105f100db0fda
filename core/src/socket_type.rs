//! The socket types, their ZMTP names and which pairs may talk (RFC 23, RFC 37).

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// A ØMQ socket type. The integer values are libzmq's `ZMQ_PAIR` … `ZMQ_STREAM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum SocketType {
    Pair = 0,
    Pub = 1,
    Sub = 2,
    Req = 3,
    Rep = 4,
    Dealer = 5,
    Router = 6,
    Pull = 7,
    Push = 8,
    XPub = 9,
    XSub = 10,
    Stream = 11,
}

impl SocketType {
    pub const ALL: [SocketType; 12] = [
        SocketType::Pair,
        SocketType::Pub,
        SocketType::Sub,
        SocketType::Req,
        SocketType::Rep,
        SocketType::Dealer,
        SocketType::Router,
        SocketType::Pull,
        SocketType::Push,
        SocketType::XPub,
        SocketType::XSub,
        SocketType::Stream,
    ];

    /// The name sent in the ZMTP READY command's `Socket-Type` property.
    pub fn zmtp_name(self) -> &'static str {
        match self {
            SocketType::Pair => "PAIR",
            SocketType::Pub => "PUB",
            SocketType::Sub => "SUB",
            SocketType::Req => "REQ",
            SocketType::Rep => "REP",
            SocketType::Dealer => "DEALER",
            SocketType::Router => "ROUTER",
            SocketType::Pull => "PULL",
            SocketType::Push => "PUSH",
            SocketType::XPub => "XPUB",
            SocketType::XSub => "XSUB",
            SocketType::Stream => "STREAM",
        }
    }

    /// Parses a `Socket-Type` property value.
    pub fn from_zmtp_name(name: &[u8]) -> Option<SocketType> {
        SocketType::ALL
            .into_iter()
            .find(|t| t.zmtp_name().as_bytes() == name)
    }

    pub fn from_raw(value: i32) -> Option<SocketType> {
        SocketType::ALL.into_iter().find(|t| *t as i32 == value)
    }

    /// Whether a peer of type `peer` may connect to a socket of this type (RFC 37's table).
    pub fn is_compatible_with(self, peer: SocketType) -> bool {
        use SocketType::*;
        match self {
            Pair => peer == Pair,
            Pub | XPub => matches!(peer, Sub | XSub),
            Sub | XSub => matches!(peer, Pub | XPub),
            Req => matches!(peer, Rep | Router),
            Rep => matches!(peer, Req | Dealer),
            Dealer => matches!(peer, Rep | Dealer | Router),
            Router => matches!(peer, Req | Dealer | Router),
            Pull => peer == Push,
            Push => peer == Pull,
            Stream => false,
        }
    }
}

impl fmt::Display for SocketType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.zmtp_name())
    }
}

impl FromStr for SocketType {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let upper = s.to_ascii_uppercase();
        // XREP/XREQ are the old names of ROUTER/DEALER, still used by older code.
        let upper = match upper.as_str() {
            "XREP" => "ROUTER",
            "XREQ" => "DEALER",
            other => other,
        };
        SocketType::from_zmtp_name(upper.as_bytes())
            .ok_or_else(|| Error::invalid(format!("unknown socket type {s:?}")))
    }
}
