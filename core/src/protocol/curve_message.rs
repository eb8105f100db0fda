//! CurveZMQ's MESSAGE command (RFC 26): how a CURVE connection carries every frame once its
//! handshake is done. A frame (or a command such as PING) becomes one ZMTP data frame whose
//! body is `"\x07MESSAGE"`, an 8-byte nonce and `Box[flags + payload]`, sealed with the
//! key both sides derived from their short-term keys. The encoder seals
//! ([`Sealer::seal_frame`]), the decoder opens ([`Opener::open`]); nothing else on a CURVE
//! connection touches frames.
//!
//! Nonces: each side counts its own from where its handshake left off and never reuses
//! one; a received nonce must be above the last one, so a replayed or reordered MESSAGE
//! ends the connection, as in libzmq.

use std::ops::Range;

use bytes::{BufMut, BytesMut};
use crypto_box::aead::AeadInPlace;
use crypto_box::{Nonce, PublicKey, SalsaBox, SecretKey};

use super::frame::FrameHeader;
use super::ProtocolError;
use crate::monitor;

const MESSAGE: &[u8] = b"\x07MESSAGE";
/// The MESSAGE name, the short nonce and the Poly1305 tag before the sealed bytes.
const HEADER: usize = MESSAGE.len() + 8 + 16;
/// Flags inside the box: the frame's MORE, and whether it is a command.
pub(crate) const MORE: u8 = 0x01;
pub(crate) const COMMAND: u8 = 0x02;

/// Bytes a sealed frame adds to its payload: name, nonce, tag, flags.
pub(crate) const OVERHEAD: usize = HEADER + 1;

/// The nonce prefixes: a client seals with `…C` and opens with `…S`; a server the reverse.
const FROM_CLIENT: &[u8; 16] = b"CurveZMQMESSAGEC";
const FROM_SERVER: &[u8; 16] = b"CurveZMQMESSAGES";

fn nonce(prefix: &[u8; 16], short: u64) -> Nonce {
    let mut nonce = Nonce::default();
    nonce[..16].copy_from_slice(prefix);
    nonce[16..].copy_from_slice(&short.to_be_bytes());
    nonce
}

/// Seals outgoing frames.
pub(crate) struct Sealer {
    key: SalsaBox,
    prefix: &'static [u8; 16],
    next_nonce: u64,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer").finish_non_exhaustive()
    }
}

/// Opens incoming frames.
pub(crate) struct Opener {
    key: SalsaBox,
    prefix: &'static [u8; 16],
    last_nonce: u64,
}

impl std::fmt::Debug for Opener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opener").finish_non_exhaustive()
    }
}

/// The two halves for one connection, keyed with the peer's short-term public key and our
/// short-term secret key; `next_nonce` is the first nonce we seal with, `peer_nonce` the
/// last one the peer used in its handshake.
pub(crate) fn pair(
    peer: &PublicKey,
    ours: &SecretKey,
    client: bool,
    next_nonce: u64,
    peer_nonce: u64,
) -> (Sealer, Opener) {
    let ours_key = ours;
    let (ours, theirs) = if client {
        (FROM_CLIENT, FROM_SERVER)
    } else {
        (FROM_SERVER, FROM_CLIENT)
    };
    (
        Sealer {
            key: SalsaBox::new(peer, ours_key),
            prefix: ours,
            next_nonce,
        },
        Opener {
            key: SalsaBox::new(peer, ours_key),
            prefix: theirs,
            last_nonce: peer_nonce,
        },
    )
}

impl Sealer {
    /// Appends `payload` with `flags` (MORE, COMMAND) as one sealed data frame, encrypted in
    /// place in `out`: no allocation per frame.
    pub(crate) fn seal_frame(&mut self, flags: u8, payload: &[u8], out: &mut BytesMut) {
        let short = self.next_nonce;
        self.next_nonce += 1;
        let body_len = OVERHEAD + payload.len();
        let header = FrameHeader::data(body_len, false);
        out.reserve(header.encoded_len() + body_len);
        header.encode(out);
        out.put_slice(MESSAGE);
        out.put_u64(short);
        let tag_at = out.len();
        out.put_bytes(0, 16);
        let sealed_at = out.len();
        out.put_u8(flags);
        out.put_slice(payload);
        let tag = self
            .key
            .encrypt_in_place_detached(&nonce(self.prefix, short), b"", &mut out[sealed_at..])
            .expect("XSalsa20Poly1305 seals any length a frame can have");
        out[tag_at..sealed_at].copy_from_slice(&tag);
    }
}

impl Opener {
    /// Opens a sealed frame's body in place. Returns its flags and where its payload is in
    /// `body`. A body that is not a MESSAGE, is too short, reuses an old nonce or fails to
    /// authenticate ends the connection with libzmq's monitor code for it.
    pub(crate) fn open(&mut self, body: &mut [u8]) -> Result<(u8, Range<usize>), ProtocolError> {
        let fail = |code, detail| Err(ProtocolError::Handshake { code, detail });
        if !body.starts_with(MESSAGE) {
            return fail(
                monitor::PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND,
                "a frame that is not a CURVE MESSAGE",
            );
        }
        if body.len() < OVERHEAD {
            return fail(
                monitor::PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE,
                "a CURVE MESSAGE too short to hold its box",
            );
        }
        let short = u64::from_be_bytes(body[MESSAGE.len()..MESSAGE.len() + 8].try_into().unwrap());
        if short <= self.last_nonce {
            return fail(
                monitor::PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE,
                "a CURVE MESSAGE with a nonce it used before (replayed or reordered)",
            );
        }
        let (head, sealed) = body.split_at_mut(HEADER);
        let tag = crypto_box::Tag::clone_from_slice(&head[HEADER - 16..]);
        if self
            .key
            .decrypt_in_place_detached(&nonce(self.prefix, short), b"", sealed, &tag)
            .is_err()
        {
            return fail(
                monitor::PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC,
                "a CURVE MESSAGE that does not open with the connection's key",
            );
        }
        self.last_nonce = short;
        Ok((sealed[0], HEADER + 1..body.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> (SecretKey, SecretKey) {
        let mut rng = rand_core::OsRng;
        (SecretKey::generate(&mut rng), SecretKey::generate(&mut rng))
    }

    fn body(frame: &[u8]) -> Vec<u8> {
        let (header, len) = FrameHeader::decode(frame).unwrap().unwrap();
        assert!(!header.command && !header.more);
        frame[len..].to_vec()
    }

    #[test]
    fn sealed_frames_open_on_the_other_side_once_and_in_order() {
        let (client, server) = keys();
        let (mut seal, _) = pair(&server.public_key(), &client, true, 3, 1);
        let (_, mut open) = pair(&client.public_key(), &server, false, 2, 2);
        let mut out = BytesMut::new();
        seal.seal_frame(MORE, b"hello", &mut out);
        let mut first = body(&out);
        out.clear();
        seal.seal_frame(COMMAND, b"\x04PING", &mut out);
        let mut second = body(&out);

        let replay = first.clone();
        let (flags, payload) = open.open(&mut first).unwrap();
        assert_eq!((flags, &first[payload]), (MORE, &b"hello"[..]));
        let (flags, payload) = open.open(&mut second).unwrap();
        assert_eq!((flags, &second[payload]), (COMMAND, &b"\x04PING"[..]));
        let err = open.open(&mut replay.clone()).unwrap_err();
        assert!(matches!(err, ProtocolError::Handshake { code, .. }
            if code == monitor::PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE));
    }

    #[test]
    fn a_tampered_or_foreign_frame_does_not_open() {
        let (client, server) = keys();
        let (mut seal, _) = pair(&server.public_key(), &client, true, 3, 1);
        let (_, mut open) = pair(&client.public_key(), &server, false, 2, 2);
        let mut out = BytesMut::new();
        seal.seal_frame(0, b"secret", &mut out);
        let mut tampered = body(&out);
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        let err = open.open(&mut tampered).unwrap_err();
        assert!(matches!(err, ProtocolError::Handshake { code, .. }
            if code == monitor::PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC));
        let mut short = b"\x07MESSAGE\0\0\0\0\0\0\0\x09".to_vec();
        assert!(open.open(&mut short).is_err());
        let mut plain = b"\x05READY".to_vec();
        assert!(open.open(&mut plain).is_err());
    }
}
