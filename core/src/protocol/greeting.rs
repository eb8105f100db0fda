//! The 64-byte ZMTP 3.x greeting (RFC 23 §"Greeting", RFC 37).
//!
//! ```text
//! offset  size  field
//!      0     1  0xFF            \
//!      1     8  padding          > signature
//!      9     1  0x7F            /
//!     10     1  version major (3)
//!     11     1  version minor (we send 1)
//!     12    20  mechanism name, padded with NULs ("NULL", "PLAIN", "CURVE")
//!     32     1  as-server (0 or 1)
//!     33    31  filler (NULs)
//! ```

use super::{describe_name, ProtocolError};

/// The greeting one peer sends the other before anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Greeting {
    /// Protocol version, as sent (a peer may announce versions above 3.1).
    pub major: u8,
    pub minor: u8,
    /// The mechanism field exactly as on the wire, NUL-padded.
    mechanism: [u8; Greeting::MECHANISM_LEN],
    pub as_server: bool,
}

impl Greeting {
    /// Total size of a ZMTP 3.x greeting.
    pub const LEN: usize = 64;
    /// Size of the signature (0xFF, padding, 0x7F).
    pub const SIGNATURE_LEN: usize = 10;
    /// Size of the mechanism field.
    pub const MECHANISM_LEN: usize = 20;

    const MAJOR_AT: usize = 10;
    const MINOR_AT: usize = 11;
    const MECHANISM_AT: usize = 12;
    const AS_SERVER_AT: usize = 32;

    /// Our own greeting: ZMTP 3.1 with the given mechanism (at most 20 bytes; longer
    /// names are truncated, which cannot happen for the fixed RFC mechanism names).
    pub fn new(mechanism: &str, as_server: bool) -> Greeting {
        debug_assert!(mechanism.len() <= Self::MECHANISM_LEN);
        let mut field = [0u8; Self::MECHANISM_LEN];
        let n = mechanism.len().min(Self::MECHANISM_LEN);
        field[..n].copy_from_slice(&mechanism.as_bytes()[..n]);
        Greeting {
            major: 3,
            minor: 1,
            mechanism: field,
            as_server,
        }
    }

    /// The mechanism name with its NUL padding stripped (e.g. `b"NULL"`).
    pub fn mechanism(&self) -> &[u8] {
        let end = self
            .mechanism
            .iter()
            .rposition(|&b| b != 0)
            .map_or(0, |i| i + 1);
        &self.mechanism[..end]
    }

    /// The ZMTP 3.x minor version to speak with this peer: 0 for a 3.0 peer, 1 for 3.1
    /// and anything newer (RFC 23: a peer must accept higher versions as valid, and we
    /// speak the highest we know).
    pub fn effective_minor(&self) -> u8 {
        if self.major == 3 && self.minor == 0 {
            0
        } else {
            1
        }
    }

    /// The wire form.
    pub fn encode(&self) -> [u8; Greeting::LEN] {
        let mut out = [0u8; Self::LEN];
        out[0] = 0xFF;
        // The padding is libzmq's: a ZMTP 1.0 peer reads bytes 0-9 as the long-form
        // header of an identity frame, so a length of 1 (an empty identity plus its
        // flags byte) keeps such a peer sane until it notices the version mismatch.
        out[8] = 0x01;
        out[9] = 0x7F;
        out[Self::MAJOR_AT] = self.major;
        out[Self::MINOR_AT] = self.minor;
        out[Self::MECHANISM_AT..Self::MECHANISM_AT + Self::MECHANISM_LEN]
            .copy_from_slice(&self.mechanism);
        out[Self::AS_SERVER_AT] = u8::from(self.as_server);
        out
    }

    /// Parses a greeting from the start of `buf`, checking whatever prefix has arrived so
    /// a non-ZMTP-3 peer is rejected as early as possible.
    ///
    /// Returns `Ok(None)` while fewer than [`Greeting::LEN`] bytes are available; the
    /// caller keeps the bytes and calls again with more (the check is stateless, so
    /// re-checking the prefix is harmless and cheap).
    pub fn decode(buf: &[u8]) -> Result<Option<Greeting>, ProtocolError> {
        if buf.first().is_some_and(|&b| b != 0xFF) {
            return Err(ProtocolError::BadSignature);
        }
        // Like libzmq, only the low bit of byte 9 is significant: it is what tells a
        // versioned greeting apart from a ZMTP 1.0 identity frame (flags byte 0).
        if buf.get(9).is_some_and(|&b| b & 0x01 == 0) {
            return Err(ProtocolError::BadSignature);
        }
        if buf.len() > Self::MINOR_AT {
            let (major, minor) = (buf[Self::MAJOR_AT], buf[Self::MINOR_AT]);
            if major < 3 {
                return Err(ProtocolError::UnsupportedVersion { major, minor });
            }
        }
        if buf.len() < Self::LEN {
            return Ok(None);
        }
        let mut mechanism = [0u8; Self::MECHANISM_LEN];
        mechanism
            .copy_from_slice(&buf[Self::MECHANISM_AT..Self::MECHANISM_AT + Self::MECHANISM_LEN]);
        Ok(Some(Greeting {
            major: buf[Self::MAJOR_AT],
            minor: buf[Self::MINOR_AT],
            mechanism,
            // RFC 23 allows only 0 or 1; anything non-zero is read as "server" rather
            // than failing, since NULL ignores the field anyway.
            as_server: buf[Self::AS_SERVER_AT] != 0,
        }))
    }

    /// The mechanism name for error messages: escaped, since it is untrusted.
    pub(crate) fn describe_mechanism(&self) -> String {
        describe_name(self.mechanism())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer_greeting(major: u8, minor: u8, mechanism: &[u8]) -> [u8; Greeting::LEN] {
        let mut g = Greeting::new("NULL", false).encode();
        g[10] = major;
        g[11] = minor;
        g[12..32].fill(0);
        g[12..12 + mechanism.len()].copy_from_slice(mechanism);
        g
    }

    #[test]
    fn our_greeting_layout() {
        let g = Greeting::new("NULL", false).encode();
        assert_eq!(g.len(), 64);
        assert_eq!(g[0], 0xFF);
        assert_eq!(g[9], 0x7F);
        assert_eq!(&g[10..12], &[3, 1]);
        assert_eq!(&g[12..16], b"NULL");
        assert!(g[16..32].iter().all(|&b| b == 0));
        assert_eq!(g[32], 0);
        assert!(g[33..].iter().all(|&b| b == 0));
        assert_eq!(Greeting::new("CURVE", true).encode()[32], 1);
    }

    #[test]
    fn round_trip() {
        let ours = Greeting::new("PLAIN", true);
        let parsed = Greeting::decode(&ours.encode()).unwrap().unwrap();
        assert_eq!(parsed, ours);
        assert_eq!(parsed.mechanism(), b"PLAIN");
        assert!(parsed.as_server);
    }

    #[test]
    fn parse_one_byte_at_a_time() {
        let wire = Greeting::new("NULL", false).encode();
        let mut buf = Vec::new();
        for (i, &b) in wire.iter().enumerate() {
            buf.push(b);
            let parsed = Greeting::decode(&buf).unwrap();
            if i + 1 < Greeting::LEN {
                assert!(parsed.is_none(), "complete after {} bytes", i + 1);
            } else {
                let g = parsed.unwrap();
                assert_eq!((g.major, g.minor), (3, 1));
                assert_eq!(g.mechanism(), b"NULL");
            }
        }
    }

    #[test]
    fn bad_signature_detected_on_first_byte() {
        assert_eq!(Greeting::decode(b"G"), Err(ProtocolError::BadSignature));
        assert_eq!(
            Greeting::decode(b"GET / HTTP/1.1\r\n"),
            Err(ProtocolError::BadSignature)
        );
        // A ZMTP 1.0 identity frame with a long length: byte 9 is a flags byte of 0.
        let mut zmtp10 = [0u8; 12];
        zmtp10[0] = 0xFF;
        assert_eq!(Greeting::decode(&zmtp10), Err(ProtocolError::BadSignature));
        let err = ProtocolError::BadSignature.to_string();
        assert!(err.contains("signature"), "{err}");
    }

    #[test]
    fn old_versions_rejected_new_ones_accepted() {
        let v2 = peer_greeting(2, 0, b"NULL");
        let err = Greeting::decode(&v2[..12]).unwrap_err();
        assert_eq!(
            err,
            ProtocolError::UnsupportedVersion { major: 2, minor: 0 }
        );
        assert!(err.to_string().contains("2.0"), "{err}");
        // ZMTP 2.0 proper: revision byte 1, then the socket type.
        let zmtp20 = peer_greeting(1, 5, b"");
        assert!(matches!(
            Greeting::decode(&zmtp20),
            Err(ProtocolError::UnsupportedVersion { major: 1, .. })
        ));

        let v30 = Greeting::decode(&peer_greeting(3, 0, b"NULL"))
            .unwrap()
            .unwrap();
        assert_eq!(v30.effective_minor(), 0);
        let v31 = Greeting::decode(&peer_greeting(3, 1, b"NULL"))
            .unwrap()
            .unwrap();
        assert_eq!(v31.effective_minor(), 1);
        let v37 = Greeting::decode(&peer_greeting(3, 7, b"NULL"))
            .unwrap()
            .unwrap();
        assert_eq!(v37.effective_minor(), 1);
        let v40 = Greeting::decode(&peer_greeting(4, 0, b"NULL"))
            .unwrap()
            .unwrap();
        assert_eq!(v40.effective_minor(), 1);
    }

    #[test]
    fn hostile_mechanism_name_is_escaped() {
        let g = Greeting::decode(&peer_greeting(3, 1, b"\x1b[2J\xff"))
            .unwrap()
            .unwrap();
        assert_eq!(g.describe_mechanism(), "\"\\x1b[2J\\xff\"");
    }
}
