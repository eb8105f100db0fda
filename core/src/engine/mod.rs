//! The I/O side: tasks on the context's I/O threads that accept and make connections and
//! move messages between a connection's stream and its pipe.

pub(crate) mod close_wait;
pub(crate) mod heartbeat;
pub(crate) mod ipc;
pub(crate) mod link;
pub(crate) mod listener;
pub(crate) mod session;
mod socks;
mod spare_buffers;
pub(crate) mod stream_engine;
pub(crate) mod tcp;
mod write_coalescing;
mod zap_client;
