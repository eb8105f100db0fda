//! Sockets: the public API and the per-type routing patterns.

mod api;
mod endpoints;
pub(crate) mod pattern;
pub(crate) mod patterns;
mod state_lock;

pub use api::{flags, Interrupt, Socket, Unsent, INTERRUPT_CHECK, POLLIN, POLLOUT};
