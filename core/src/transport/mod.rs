//! Transports: endpoint parsing and address resolution, and the inproc registry.

pub(crate) mod accept_filter;
pub(crate) mod endpoint;
pub(crate) mod inproc;
