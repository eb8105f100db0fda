//! Frames and messages.
//!
//! A [`Frame`] is one ZMTP frame's payload. Payloads of up to [`Frame::INLINE_CAPACITY`]
//! bytes are stored inside the frame itself, so small messages cost no heap allocation;
//! larger ones are reference-counted [`Bytes`], shared without copying.
//! A [`Message`] is a whole multipart message: the unit that crosses pipes, so
//! multipart messages are delivered atomically by construction.

use std::fmt;
use std::ops::Deref;
use std::ptr;

use bytes::Bytes;

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
    #[inline]
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

    /// Whether another frame holds the same buffer (libzmq's ZMQ_SHARED message property).
    pub fn is_shared(&self) -> bool {
        self.shared_bytes().is_some_and(|bytes| !bytes.is_unique())
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
    assert!(src.len() <= Frame::INLINE_CAPACITY);
    // SAFETY: `dst` has room for `src.len()` bytes (asserted) and does not overlap `src`.
    unsafe { copy_small_to(dst.as_mut_ptr(), src) }
}

/// [`copy_small`] to raw memory (the pipe's ring); above 64 bytes, `memcpy`.
///
/// # Safety
/// `dst` is valid for writing `src.len()` bytes and does not overlap `src`.
#[inline(always)]
pub(crate) unsafe fn copy_small_to(dst: *mut u8, src: &[u8]) {
    let n = src.len();
    let src = src.as_ptr();
    // SAFETY (every branch): `n` bytes of `src` are readable and of `dst` writable (the
    // caller's contract), and each branch's width is at most `n`.
    unsafe {
        if n > 64 {
            ptr::copy_nonoverlapping(src, dst, n);
        } else if n >= 32 {
            copy_head_and_tail::<32>(src, dst, n);
        } else if n >= 16 {
            copy_head_and_tail::<16>(src, dst, n);
        } else if n >= 8 {
            copy_head_and_tail::<8>(src, dst, n);
        } else if n >= 4 {
            copy_head_and_tail::<4>(src, dst, n);
        } else {
            for i in 0..n {
                *dst.add(i) = *src.add(i);
            }
        }
    }
}

/// Copies `n` bytes (`W <= n <= 2 * W`) as the first `W` and the last `W`, two fixed-size
/// moves that may cover the same destination bytes, with the same values.
///
/// # Safety
/// `n` bytes of `src` are readable and of `dst` writable, the two not overlapping, and
/// `W <= n`.
#[inline(always)]
unsafe fn copy_head_and_tail<const W: usize>(src: *const u8, dst: *mut u8, n: usize) {
    debug_assert!(W <= n && n <= 2 * W);
    // SAFETY: both ranges lie within the first `n` bytes of `src` and of `dst`.
    unsafe {
        ptr::copy_nonoverlapping(src, dst, W);
        ptr::copy_nonoverlapping(src.add(n - W), dst.add(n - W), W);
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
#[derive(Clone, Default)]
pub struct Message {
    frames: Frames,
}

/// A message's frames: one in place (the common case, no allocation), or a vector. An enum
/// rather than a small-vector type because it is no bigger than a frame (the vector fits
/// beside the frame's own tag), so a message is 40 bytes, and messages are what the pipes
/// move by the million.
#[derive(Clone)]
enum Frames {
    One(Frame),
    /// Any other number of frames, including none.
    Many(Vec<Frame>),
}

impl Default for Frames {
    fn default() -> Frames {
        Frames::Many(Vec::new())
    }
}

impl Frames {
    fn from_vec(mut frames: Vec<Frame>) -> Frames {
        if frames.len() == 1 {
            Frames::One(frames.pop().unwrap_or_default())
        } else {
            Frames::Many(frames)
        }
    }

    fn into_vec(self) -> Vec<Frame> {
        match self {
            Frames::One(only) => vec![only],
            Frames::Many(frames) => frames,
        }
    }
}

impl Message {
    /// A message with no frames yet.
    pub fn new() -> Message {
        Message::default()
    }

    /// A single-frame message.
    pub fn single(frame: impl Into<Frame>) -> Message {
        Message {
            frames: Frames::One(frame.into()),
        }
    }

    pub fn from_frames<I, F>(frames: I) -> Message
    where
        I: IntoIterator<Item = F>,
        F: Into<Frame>,
    {
        let mut frames = frames.into_iter().map(Into::into);
        let frames = match (frames.next(), frames.next()) {
            (None, _) => Frames::Many(Vec::new()),
            (Some(only), None) => Frames::One(only),
            (Some(first), Some(second)) => {
                let mut all = vec![first, second];
                all.extend(frames);
                Frames::Many(all)
            }
        };
        Message { frames }
    }

    pub fn push_back(&mut self, frame: impl Into<Frame>) {
        let frame = frame.into();
        self.frames = match std::mem::take(&mut self.frames) {
            Frames::Many(frames) if frames.is_empty() => Frames::One(frame),
            Frames::Many(mut frames) => {
                frames.push(frame);
                Frames::Many(frames)
            }
            Frames::One(only) => Frames::Many(vec![only, frame]),
        };
    }

    pub fn push_front(&mut self, frame: impl Into<Frame>) {
        let frame = frame.into();
        self.frames = match std::mem::take(&mut self.frames) {
            Frames::Many(frames) if frames.is_empty() => Frames::One(frame),
            Frames::Many(mut frames) => {
                frames.insert(0, frame);
                Frames::Many(frames)
            }
            Frames::One(only) => Frames::Many(vec![frame, only]),
        };
    }

    /// The payload of a message of one shared (heap) frame of at most `max` bytes, which
    /// the pipe's ring copies instead of handing the buffer over.
    #[inline(always)]
    pub(crate) fn small_shared_payload(&self, max: usize) -> Option<&[u8]> {
        match &self.frames {
            Frames::One(Frame(Repr::Shared(bytes))) if bytes.len() <= max => Some(bytes),
            _ => None,
        }
    }

    /// The frame of a one-frame message (the cheapest way to it), or the message back.
    #[inline]
    pub fn into_single(self) -> Result<Frame, Message> {
        match self.frames {
            Frames::One(only) => Ok(only),
            frames => Err(Message { frames }),
        }
    }

    /// Takes the last frame.
    #[inline]
    pub fn pop_back(&mut self) -> Option<Frame> {
        match &mut self.frames {
            Frames::One(_) => match std::mem::take(&mut self.frames) {
                Frames::One(only) => Some(only),
                Frames::Many(_) => None,
            },
            Frames::Many(frames) => frames.pop(),
        }
    }

    pub fn pop_front(&mut self) -> Option<Frame> {
        match &mut self.frames {
            Frames::One(_) => self.pop_back(),
            Frames::Many(frames) if frames.is_empty() => None,
            Frames::Many(frames) => Some(frames.remove(0)),
        }
    }

    #[inline]
    pub fn frames(&self) -> &[Frame] {
        match &self.frames {
            Frames::One(only) => std::slice::from_ref(only),
            Frames::Many(frames) => frames,
        }
    }

    pub fn frames_mut(&mut self) -> &mut [Frame] {
        match &mut self.frames {
            Frames::One(only) => std::slice::from_mut(only),
            Frames::Many(frames) => frames,
        }
    }

    pub fn first(&self) -> Option<&Frame> {
        self.frames().first()
    }

    pub fn last(&self) -> Option<&Frame> {
        self.frames().last()
    }

    /// Number of frames.
    #[inline]
    pub fn len(&self) -> usize {
        match &self.frames {
            Frames::One(_) => 1,
            Frames::Many(frames) => frames.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Total payload bytes over all frames.
    pub fn byte_len(&self) -> usize {
        self.frames().iter().map(Frame::len).sum()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Frame> {
        self.frames().iter()
    }

    /// Splits off the frames before the first empty delimiter frame (the envelope),
    /// returning `(envelope, body)`; the delimiter is dropped. `None` if there is no delimiter.
    pub fn split_envelope(self) -> Option<(Message, Message)> {
        let delimiter = self.frames().iter().position(|f| f.is_empty())?;
        let mut envelope = self.frames.into_vec();
        let body = envelope.split_off(delimiter + 1);
        envelope.truncate(delimiter);
        Some((
            Message {
                frames: Frames::from_vec(envelope),
            },
            Message {
                frames: Frames::from_vec(body),
            },
        ))
    }

    pub fn into_frames(self) -> impl Iterator<Item = Frame> {
        self.into_iter()
    }
}

impl PartialEq for Message {
    fn eq(&self, other: &Message) -> bool {
        self.frames() == other.frames()
    }
}

impl Eq for Message {}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.frames().iter()).finish()
    }
}

/// The frames of a message, by value (no allocation for a one-frame message).
pub struct IntoFrames(std::iter::Chain<std::option::IntoIter<Frame>, std::vec::IntoIter<Frame>>);

impl Iterator for IntoFrames {
    type Item = Frame;
    fn next(&mut self) -> Option<Frame> {
        self.0.next()
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl IntoIterator for Message {
    type Item = Frame;
    type IntoIter = IntoFrames;
    fn into_iter(self) -> IntoFrames {
        let (one, many) = match self.frames {
            Frames::One(only) => (Some(only), Vec::new()),
            Frames::Many(frames) => (None, frames),
        };
        IntoFrames(one.into_iter().chain(many))
    }
}

impl<'a> IntoIterator for &'a Message {
    type Item = &'a Frame;
    type IntoIter = std::slice::Iter<'a, Frame>;
    fn into_iter(self) -> Self::IntoIter {
        self.frames().iter()
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
        let (envelope, body) = Message::from_frames(["", "body"]).split_envelope().unwrap();
        assert!(envelope.is_empty());
        assert_eq!(body, Message::single("body"));
        assert!(Message::single("no delimiter").split_envelope().is_none());
    }

    #[test]
    fn frame_and_message_stay_small() {
        assert!(std::mem::size_of::<Frame>() <= 40);
        // The pipes move messages by value: a one-frame message is no bigger than its frame.
        assert!(std::mem::size_of::<Message>() <= 40);
    }

    fn payloads(msg: &Message) -> Vec<Vec<u8>> {
        msg.iter().map(Frame::to_vec).collect()
    }

    #[test]
    fn frames_are_added_and_taken_at_both_ends() {
        let mut msg = Message::new();
        assert!(msg.is_empty());
        assert_eq!(msg.pop_back(), None);
        assert_eq!(msg.pop_front(), None);
        msg.push_back("b");
        assert_eq!(msg.len(), 1);
        msg.push_back("c");
        msg.push_front("a");
        assert_eq!(payloads(&msg), [b"a", b"b", b"c"]);
        assert_eq!(msg.pop_front().unwrap(), b"a");
        assert_eq!(msg.pop_back().unwrap(), b"c");
        assert_eq!(msg.pop_back().unwrap(), b"b");
        assert!(msg.is_empty());
        msg.push_front("only");
        assert_eq!(msg.pop_front().unwrap(), b"only");
        assert_eq!(msg.pop_front(), None);
    }

    #[test]
    fn messages_with_the_same_frames_are_equal_however_built() {
        let mut grown = Message::new();
        grown.push_back("x");
        grown.push_back("y");
        grown.pop_back();
        assert_eq!(grown, Message::single("x"));
        assert_eq!(Message::from_frames(["x"]), Message::single("x"));
        assert_eq!(Message::from_frames(Vec::<Frame>::new()), Message::new());
        assert_ne!(Message::single("x"), Message::from_frames(["x", "y"]));
    }

    #[test]
    fn a_one_frame_message_gives_up_its_frame() {
        assert_eq!(Message::single("solo").into_single().unwrap(), b"solo");
        let two = Message::from_frames(["a", "b"]);
        assert_eq!(two.clone().into_single().unwrap_err(), two);
        assert_eq!(Message::new().into_single().unwrap_err(), Message::new());
    }

    #[test]
    fn frames_come_out_by_value_in_order() {
        let one: Vec<Frame> = Message::single("1").into_iter().collect();
        assert_eq!(one, [Frame::from("1")]);
        let three: Vec<Frame> = Message::from_frames(["1", "2", "3"])
            .into_frames()
            .collect();
        assert_eq!(
            three,
            [Frame::from("1"), Frame::from("2"), Frame::from("3")]
        );
        assert_eq!(Message::new().into_iter().count(), 0);
    }
}
