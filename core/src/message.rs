//! Frames and messages.
//!
//! A [`Frame`] is one ZMTP frame's payload. Payloads of up to [`Frame::INLINE_CAPACITY`]
//! bytes are stored inside the frame itself, so small messages cost no heap allocation;
//! larger ones are reference-counted [`Bytes`], shared without copying.
//! A [`Message`] is a whole multipart message: the unit that crosses pipes, so
//! multipart messages are delivered atomically by construction.

use std::fmt;
use std::ops::Deref;

use bytes::Bytes;
use smallvec::SmallVec;

/// One frame of a message.
#[derive(Clone)]
pub struct Frame(Repr);

#[derive(Clone)]
enum Repr {
    Inline {
        len: u8,
        buf: [u8; Frame::INLINE_CAPACITY],
    },
    Shared(Bytes),
}

impl Frame {
    /// Payloads up to this size are stored inline (no allocation).
    pub const INLINE_CAPACITY: usize = 30;

    /// An empty frame (the REQ/REP envelope delimiter).
    pub const fn empty() -> Frame {
        Frame(Repr::Inline {
            len: 0,
            buf: [0; Frame::INLINE_CAPACITY],
        })
    }

    /// A frame holding a copy of `data`; small payloads are kept inline.
    pub fn copy_from_slice(data: &[u8]) -> Frame {
        if data.len() <= Self::INLINE_CAPACITY {
            let mut buf = [0u8; Self::INLINE_CAPACITY];
            copy_small(&mut buf, data);
            Frame(Repr::Inline {
                len: data.len() as u8,
                buf,
            })
        } else {
            Frame(Repr::Shared(Bytes::copy_from_slice(data)))
        }
    }

    pub fn as_slice(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, buf } => &buf[..*len as usize],
            Repr::Shared(bytes) => bytes,
        }
    }

    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Inline { len, .. } => *len as usize,
            Repr::Shared(bytes) => bytes.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The payload as `Bytes` (copies only an inline payload).
    pub fn into_bytes(self) -> Bytes {
        match self.0 {
            Repr::Inline { len, buf } => Bytes::copy_from_slice(&buf[..len as usize]),
            Repr::Shared(bytes) => bytes,
        }
    }

    /// The payload's shared buffer, when it has one (frames over the inline capacity):
    /// a reference-count increment, no copy.
    pub(crate) fn shared_bytes(&self) -> Option<&Bytes> {
        match &self.0 {
            Repr::Inline { .. } => None,
            Repr::Shared(bytes) => Some(bytes),
        }
    }

    /// An inline payload's whole buffer (only its first `len()` bytes are the payload):
    /// encoders copy it with one fixed-size move instead of a variable-length copy.
    #[inline]
    pub(crate) fn inline_buffer(&self) -> Option<&[u8; Frame::INLINE_CAPACITY]> {
        match &self.0 {
            Repr::Inline { buf, .. } => Some(buf),
            Repr::Shared(_) => None,
        }
    }

    /// The payload as a `Vec<u8>`.
    pub fn to_vec(&self) -> Vec<u8> {
        self.as_slice().to_vec()
    }
}

/// Copies `src` (at most `dst.len()` bytes) to the start of `dst` with a few fixed-size,
/// possibly overlapping moves: small frames are copied once per message on every hot path,
/// where a call to the general `memcpy` costs more than the copy.
#[inline]
fn copy_small(dst: &mut [u8; Frame::INLINE_CAPACITY], src: &[u8]) {
    let n = src.len();
    if n >= 16 {
        dst[..16].copy_from_slice(&src[..16]);
        dst[n - 16..n].copy_from_slice(&src[n - 16..]);
    } else if n >= 8 {
        dst[..8].copy_from_slice(&src[..8]);
        dst[n - 8..n].copy_from_slice(&src[n - 8..]);
    } else if n >= 4 {
        dst[..4].copy_from_slice(&src[..4]);
        dst[n - 4..n].copy_from_slice(&src[n - 4..]);
    } else {
        for (d, s) in dst.iter_mut().zip(src) {
            *d = *s;
        }
    }
}

impl Default for Frame {
    fn default() -> Self {
        Frame::empty()
    }
}

impl Deref for Frame {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for Frame {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq for Frame {
    fn eq(&self, other: &Frame) -> bool {
        self.as_slice() == other.as_slice()
    }
}
impl Eq for Frame {}

impl PartialEq<[u8]> for Frame {
    fn eq(&self, other: &[u8]) -> bool {
        self.as_slice() == other
    }
}

impl PartialEq<&[u8]> for Frame {
    fn eq(&self, other: &&[u8]) -> bool {
        self.as_slice() == *other
    }
}

impl<const N: usize> PartialEq<&[u8; N]> for Frame {
    fn eq(&self, other: &&[u8; N]) -> bool {
        self.as_slice() == &other[..]
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let data = self.as_slice();
        if data.len() <= 64 {
            write!(f, "Frame({:?})", bytes::Bytes::copy_from_slice(data))
        } else {
            write!(f, "Frame({} bytes)", data.len())
        }
    }
}

impl From<Bytes> for Frame {
    fn from(bytes: Bytes) -> Frame {
        if bytes.len() <= Self::INLINE_CAPACITY {
            Frame::copy_from_slice(&bytes)
        } else {
            Frame(Repr::Shared(bytes))
        }
    }
}

impl From<Vec<u8>> for Frame {
    fn from(data: Vec<u8>) -> Frame {
        if data.len() <= Self::INLINE_CAPACITY {
            Frame::copy_from_slice(&data)
        } else {
            Frame(Repr::Shared(Bytes::from(data)))
        }
    }
}

impl From<&[u8]> for Frame {
    fn from(data: &[u8]) -> Frame {
        Frame::copy_from_slice(data)
    }
}

impl<const N: usize> From<&[u8; N]> for Frame {
    fn from(data: &[u8; N]) -> Frame {
        Frame::copy_from_slice(data)
    }
}

impl From<&str> for Frame {
    fn from(data: &str) -> Frame {
        Frame::copy_from_slice(data.as_bytes())
    }
}

impl From<String> for Frame {
    fn from(data: String) -> Frame {
        Frame::from(data.into_bytes())
    }
}

/// A whole (possibly multipart) message: one or more frames.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Message {
    frames: SmallVec<[Frame; 1]>,
}

impl Message {
    /// A message with no frames yet.
    pub fn new() -> Message {
        Message::default()
    }

    /// A single-frame message.
    pub fn single(frame: impl Into<Frame>) -> Message {
        Message {
            frames: SmallVec::from_buf([frame.into()]),
        }
    }

    pub fn from_frames<I, F>(frames: I) -> Message
    where
        I: IntoIterator<Item = F>,
        F: Into<Frame>,
    {
        Message {
            frames: frames.into_iter().map(Into::into).collect(),
        }
    }

    pub fn push_back(&mut self, frame: impl Into<Frame>) {
        self.frames.push(frame.into());
    }

    pub fn push_front(&mut self, frame: impl Into<Frame>) {
        self.frames.insert(0, frame.into());
    }

    /// Takes the last frame (for a one-frame message, the cheapest way to its frame).
    pub fn pop_back(&mut self) -> Option<Frame> {
        self.frames.pop()
    }

    pub fn pop_front(&mut self) -> Option<Frame> {
        if self.frames.is_empty() {
            None
        } else {
            Some(self.frames.remove(0))
        }
    }

    pub fn frames(&self) -> &[Frame] {
        &self.frames
    }

    pub fn frames_mut(&mut self) -> &mut [Frame] {
        &mut self.frames
    }

    pub fn first(&self) -> Option<&Frame> {
        self.frames.first()
    }

    pub fn last(&self) -> Option<&Frame> {
        self.frames.last()
    }

    /// Number of frames.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Total payload bytes over all frames.
    pub fn byte_len(&self) -> usize {
        self.frames.iter().map(Frame::len).sum()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Frame> {
        self.frames.iter()
    }

    /// Splits off the frames before the first empty delimiter frame (the envelope),
    /// returning `(envelope, body)`; the delimiter is dropped. `None` if there is no delimiter.
    pub fn split_envelope(mut self) -> Option<(Message, Message)> {
        let delimiter = self.frames.iter().position(|f| f.is_empty())?;
        let body: SmallVec<[Frame; 1]> = self.frames.drain(delimiter + 1..).collect();
        self.frames.truncate(delimiter);
        Some((self, Message { frames: body }))
    }

    pub fn into_frames(self) -> impl Iterator<Item = Frame> {
        self.frames.into_iter()
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.frames.iter()).finish()
    }
}

impl IntoIterator for Message {
    type Item = Frame;
    type IntoIter = smallvec::IntoIter<[Frame; 1]>;
    fn into_iter(self) -> Self::IntoIter {
        self.frames.into_iter()
    }
}

impl<'a> IntoIterator for &'a Message {
    type Item = &'a Frame;
    type IntoIter = std::slice::Iter<'a, Frame>;
    fn into_iter(self) -> Self::IntoIter {
        self.frames.iter()
    }
}

impl<F: Into<Frame>> FromIterator<F> for Message {
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> Self {
        Message::from_frames(iter)
    }
}

impl<F: Into<Frame>> From<F> for Message {
    fn from(frame: F) -> Message {
        Message::single(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_frames_are_inline_and_large_are_shared() {
        let small = Frame::copy_from_slice(b"hello");
        assert!(matches!(small.0, Repr::Inline { .. }));
        assert_eq!(small, b"hello");
        let large = Frame::from(vec![7u8; 100]);
        assert!(matches!(large.0, Repr::Shared(_)));
        assert_eq!(large.len(), 100);
    }

    #[test]
    fn every_inline_size_keeps_exactly_its_bytes() {
        for size in 0..=Frame::INLINE_CAPACITY {
            let data: Vec<u8> = (1..=size as u8).collect();
            let frame = Frame::copy_from_slice(&data);
            assert_eq!(frame.as_slice(), &data[..], "{size} bytes");
            let buffer = frame.inline_buffer().unwrap();
            assert!(
                buffer[size..].iter().all(|&b| b == 0),
                "{size} bytes: padding"
            );
        }
    }

    #[test]
    fn envelope_splits_at_first_delimiter() {
        let msg = Message::from_frames([&b"id1"[..], b"id2", b"", b"body", b""]);
        let (envelope, body) = msg.split_envelope().unwrap();
        assert_eq!(envelope.len(), 2);
        assert_eq!(body.len(), 2);
        assert_eq!(body.frames()[0], b"body");
    }

    #[test]
    fn frame_stays_small() {
        assert!(std::mem::size_of::<Frame>() <= 40);
    }
}
