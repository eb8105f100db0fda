//! The properties a received message carries about the connection it came from, as
//! libzmq's message metadata: the peer's handshake properties (Socket-Type, Identity, an
//! application's X-… ones), Peer-Address (tcp: the peer's IP address), and the connection's
//! descriptor (libzmq's ZMQ_SRCFD). One set per connection, shared by its messages.

use std::os::fd::RawFd;

use bytes::Bytes;

use crate::protocol::Metadata;

#[derive(Debug, Default)]
pub struct Properties {
    /// Name and value; each value is stored with a NUL byte after it, so C bindings can hand
    /// it out as a C string for as long as the message lives (libzmq's zmq_msg_gets).
    entries: Vec<(String, Bytes)>,
    fd: Option<RawFd>,
}

impl Properties {
    /// The properties of a connection: what the ZAP handler and the peer's READY said
    /// (`sources`, the first of two with the same name wins on lookup), and where it is.
    pub(crate) fn new<'a>(
        sources: impl IntoIterator<Item = &'a Metadata>,
        peer_address: Option<&str>,
        fd: RawFd,
    ) -> Self {
        let with_nul = |value: &[u8]| {
            let mut stored = Vec::with_capacity(value.len() + 1);
            stored.extend_from_slice(value);
            stored.push(0);
            Bytes::from(stored)
        };
        let mut entries: Vec<(String, Bytes)> = sources
            .into_iter()
            .flat_map(|metadata| metadata.0.iter())
            .map(|(name, value)| (name.clone(), with_nul(value)))
            .collect();
        if let Some(address) = peer_address {
            entries.push(("Peer-Address".to_string(), with_nul(address.as_bytes())));
        }
        Properties {
            entries,
            fd: Some(fd),
        }
    }

    /// The value of a property, its name compared case-insensitively (RFC 23).
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.get_with_nul(name)
            .map(|value| &value[..value.len() - 1])
    }

    /// [`Properties::get`] with the NUL byte that follows the value.
    pub fn get_with_nul(&self, name: &str) -> Option<&[u8]> {
        self.entries
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| &value[..])
    }

    /// The descriptor of the connection the message came in on.
    pub fn fd(&self) -> Option<RawFd> {
        self.fd
    }

    /// Every property, in the order the peer sent them, then Peer-Address.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.entries
            .iter()
            .map(|(name, value)| (name.as_str(), &value[..value.len() - 1]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_are_found_case_insensitively_with_a_nul_after_each_value() {
        let mut metadata = Metadata::new();
        metadata.push("Socket-Type", "DEALER");
        metadata.push("X-Hello", "world");
        let properties = Properties::new([&metadata], Some("127.0.0.1"), 7);
        assert_eq!(properties.get("socket-type"), Some(&b"DEALER"[..]));
        assert_eq!(properties.get_with_nul("X-HELLO"), Some(&b"world\0"[..]));
        assert_eq!(properties.get("Peer-Address"), Some(&b"127.0.0.1"[..]));
        assert_eq!(properties.get("X-None"), None);
        assert_eq!(properties.fd(), Some(7));
        assert_eq!(properties.iter().count(), 3);
    }
}
