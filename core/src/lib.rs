//! FerroMQ: a ØMQ messaging core, wire-compatible with libzmq (ZMTP 3.0/3.1).
//!
//! ```no_run
//! use ferromq::{Context, SocketType};
//! let ctx = Context::new();
//! let rep = ctx.socket(SocketType::Rep).unwrap();
//! rep.bind("tcp://127.0.0.1:5555").unwrap();
//! let request = rep.recv_msg(0).unwrap();
//! rep.send_msg(request, 0).unwrap();
//! ```

pub mod auth;
pub mod certs;
pub mod context;
pub mod curve_keys;
pub mod device;
pub mod error;
pub mod fork;
pub mod message;
pub mod monitor;
pub mod options;
pub mod poll;
pub mod properties;
pub mod protocol;
pub mod proxy;
pub mod security;
pub mod socket_type;
pub mod timers;
pub mod z85;

pub(crate) mod direct_write;
pub(crate) mod engine;
pub(crate) mod pipe;
pub(crate) mod signal;
pub(crate) mod socket;
pub(crate) mod spsc;
pub(crate) mod transport;

pub use context::{Context, DEFAULT_MAX_SOCKETS, SOCKET_LIMIT};
pub use device::{device, DeviceHandle, DeviceKind, ThreadDevice};
pub use error::{Error, ErrorKind, Result};
pub use message::{Frame, IntoFrames, Message};
pub use monitor::MonitorEvent;
pub use options::{OptionValue, SocketOption, SocketOptions};
pub use poll::{poll, wait_for_readiness, PollItem, PollTarget, POLLERR};
pub use properties::Properties;
pub use proxy::{
    proxy, proxy_steerable, proxy_steerable_interruptible, proxy_with_timers, ProxyTimer,
};
pub use signal::PeerIdentity;
pub use socket::{flags, Interrupt, Socket, Unsent, INTERRUPT_CHECK, POLLIN, POLLOUT};
pub use socket_type::SocketType;
pub use timers::Timers;

/// The libzmq version whose behaviour and wire protocol (ZMTP 3.1) FerroMQ follows: what
/// bindings report as their `zmq_version`.
pub const LIBZMQ_VERSION: (i32, i32, i32) = (4, 3, 5);

/// This crate's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
