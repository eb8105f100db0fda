//! Transports: endpoint parsing and address resolution.

pub(crate) mod endpoint;
