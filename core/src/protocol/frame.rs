//! ZMTP 3.x frame headers (RFC 23 §"Framing").
//!
//! A frame is one flags byte, a size (one byte, or eight bytes big-endian when the LONG
//! flag is set), then the payload. Only the header is handled here; the connection
//! decides what a payload means and when it is complete.

use bytes::{BufMut, BytesMut};

use super::ProtocolError;

/// More frames of the same message follow.
pub const MORE: u8 = 0x01;
/// The size is eight bytes instead of one.
pub const LONG: u8 = 0x02;
/// The frame is a command, not message data.
pub const COMMAND: u8 = 0x04;

/// A decoded (or to-be-encoded) frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    pub more: bool,
    pub command: bool,
    /// Payload size in bytes.
    pub size: u64,
}

impl FrameHeader {
    /// The longest header: flags plus an eight-byte size.
    pub const MAX_LEN: usize = 9;
    /// The largest size a peer may announce: the top bit must be clear (libzmq treats
    /// sizes as signed 64-bit, and anything above this cannot be a real allocation).
    pub const MAX_SIZE: u64 = i64::MAX as u64;

    /// Header of a message data frame.
    pub fn data(size: usize, more: bool) -> FrameHeader {
        FrameHeader {
            more,
            command: false,
            size: size as u64,
        }
    }

    /// Header of a command frame (commands are never multipart).
    pub fn command(size: usize) -> FrameHeader {
        FrameHeader {
            more: false,
            command: true,
            size: size as u64,
        }
    }

    /// Whether this header is encoded in the long (eight-byte size) form: only when the
    /// size does not fit in one byte, as RFC 23 requires of senders.
    #[inline]
    pub fn is_long(&self) -> bool {
        self.size > u64::from(u8::MAX)
    }

    /// Length of the encoded header: 2 or 9 bytes.
    #[inline]
    pub fn encoded_len(&self) -> usize {
        if self.is_long() {
            9
        } else {
            2
        }
    }

    /// The flags byte as encoded.
    #[inline]
    pub fn flags(&self) -> u8 {
        let mut flags = 0;
        if self.more {
            flags |= MORE;
        }
        if self.is_long() {
            flags |= LONG;
        }
        if self.command {
            flags |= COMMAND;
        }
        flags
    }

    /// Appends the encoded header to `out`.
    #[inline]
    pub fn encode(&self, out: &mut impl BufMut) {
        out.put_u8(self.flags());
        if self.is_long() {
            out.put_u64(self.size);
        } else {
            out.put_u8(self.size as u8);
        }
    }

    /// Decodes a header from the start of `buf`.
    ///
    /// Returns the header and its encoded length, or `Ok(None)` if `buf` does not hold a
    /// whole header yet. A long-form header with a small size is accepted (libzmq does),
    /// and reserved flag bits are ignored for forward compatibility, as libzmq does.
    #[inline]
    pub fn decode(buf: &[u8]) -> Result<Option<(FrameHeader, usize)>, ProtocolError> {
        let Some(&flags) = buf.first() else {
            return Ok(None);
        };
        let (size, len) = if flags & LONG == 0 {
            match buf.get(1) {
                Some(&size) => (u64::from(size), 2),
                None => return Ok(None),
            }
        } else {
            let Some(raw) = buf.get(1..9) else {
                return Ok(None);
            };
            let mut be = [0u8; 8];
            be.copy_from_slice(raw);
            let size = u64::from_be_bytes(be);
            if size > Self::MAX_SIZE {
                return Err(ProtocolError::FrameTooLarge {
                    size,
                    max: Self::MAX_SIZE,
                });
            }
            (size, 9)
        };
        Ok(Some((
            FrameHeader {
                more: flags & MORE != 0,
                command: flags & COMMAND != 0,
                size,
            },
            len,
        )))
    }
}

/// Appends a whole frame (header and payload) to `out`, reserving once.
pub fn encode_frame(payload: &[u8], more: bool, command: bool, out: &mut BytesMut) {
    let header = FrameHeader {
        more,
        command,
        size: payload.len() as u64,
    };
    out.reserve(header.encoded_len() + payload.len());
    header.encode(out);
    out.extend_from_slice(payload);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_frame(buf: &[u8]) -> (FrameHeader, &[u8]) {
        let (header, len) = FrameHeader::decode(buf).unwrap().unwrap();
        let end = len + header.size as usize;
        assert_eq!(end, buf.len(), "frame must span the whole buffer");
        (header, &buf[len..end])
    }

    #[test]
    fn short_frame_round_trip() {
        for (more, command) in [(false, false), (true, false), (false, true)] {
            let mut out = BytesMut::new();
            encode_frame(b"hello", more, command, &mut out);
            assert_eq!(out.len(), 2 + 5);
            assert_eq!(out[0] & LONG, 0);
            assert_eq!(out[1], 5);
            let (header, payload) = decode_frame(&out);
            assert_eq!((header.more, header.command), (more, command));
            assert_eq!(payload, b"hello");
        }
    }

    #[test]
    fn size_255_is_short_and_256_is_long() {
        let mut out = BytesMut::new();
        encode_frame(&[7u8; 255], false, false, &mut out);
        assert_eq!(&out[..2], &[0x00, 255]);
        assert_eq!(decode_frame(&out).1.len(), 255);

        let mut out = BytesMut::new();
        encode_frame(&[7u8; 256], true, false, &mut out);
        assert_eq!(&out[..9], &[MORE | LONG, 0, 0, 0, 0, 0, 0, 1, 0]);
        let (header, payload) = decode_frame(&out);
        assert!(header.more && !header.command);
        assert_eq!(payload.len(), 256);
    }

    #[test]
    fn long_command_round_trip() {
        let body = vec![1u8; 70_000];
        let mut out = BytesMut::new();
        encode_frame(&body, false, true, &mut out);
        assert_eq!(out[0], COMMAND | LONG);
        let (header, payload) = decode_frame(&out);
        assert!(header.command && !header.more);
        assert_eq!(payload, &body[..]);
    }

    #[test]
    fn empty_frame() {
        let mut out = BytesMut::new();
        encode_frame(b"", true, false, &mut out);
        assert_eq!(&out[..], &[MORE, 0]);
        assert_eq!(decode_frame(&out).1, b"");
    }

    #[test]
    fn long_form_of_small_size_accepted() {
        let buf = [LONG, 0, 0, 0, 0, 0, 0, 0, 3, b'a', b'b', b'c'];
        assert_eq!(decode_frame(&buf).1, b"abc");
    }

    #[test]
    fn incomplete_headers() {
        assert_eq!(FrameHeader::decode(&[]), Ok(None));
        assert_eq!(FrameHeader::decode(&[0]), Ok(None));
        for n in 1..9 {
            assert_eq!(
                FrameHeader::decode(&[LONG, 0, 0, 0, 0, 0, 0, 0, 0][..n]),
                Ok(None)
            );
        }
    }

    #[test]
    fn size_with_top_bit_rejected() {
        let buf = [LONG, 0x80, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            FrameHeader::decode(&buf),
            Err(ProtocolError::FrameTooLarge {
                size: 1 << 63,
                max: FrameHeader::MAX_SIZE
            })
        );
        let ok = [LONG, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        let (header, _) = FrameHeader::decode(&ok).unwrap().unwrap();
        assert_eq!(header.size, FrameHeader::MAX_SIZE);
    }

    #[test]
    fn reserved_flag_bits_ignored() {
        let (header, _) = FrameHeader::decode(&[0xF8 | MORE, 0]).unwrap().unwrap();
        assert!(header.more && !header.command);
    }
}
