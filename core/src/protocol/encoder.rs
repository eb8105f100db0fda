//! What a connection sends, in order, and the one place its data frames are encoded.
//!
//! Every data frame that reaches the wire is encoded here: by [`Output::message`] and
//! [`Output::single_frame`] for a connection's engine, and by [`frame_headers`] for a
//! REQ/REP socket writing straight to an idle connection (`direct_write.rs`). A mechanism
//! that transforms frames (CURVE) does it here; the fast paths that do not come through an
//! [`Output`] (direct writes) are then off for its connections. Commands and the greeting
//! are appended to the same stream of bytes ([`Output::bytes`]).

use std::collections::VecDeque;
use std::io::IoSlice;

use bytes::{Buf, Bytes, BytesMut};

use super::command::Command;
use super::curve_message::{self, Sealer};
use super::frame::FrameHeader;
use crate::message::{Frame, Message};

/// A frame header's largest encoding (flags and an 8-byte size).
pub const MAX_HEADER: usize = 9;

/// Frames at least this big are written from their own buffer (vectored I/O) instead of
/// being copied into the output buffer.
pub const ZERO_COPY_MIN: usize = 32 * 1024;

/// Bytes waiting to be written: encoded runs and, behind them, large frames' payloads
/// queued by reference.
#[derive(Debug, Default)]
pub struct Output {
    /// The newest encoded bytes.
    open: BytesMut,
    /// Output older than `open`, in order: sealed runs of encoded bytes and the payloads
    /// of large frames (see [`ZERO_COPY_MIN`]).
    sealed: VecDeque<Bytes>,
    sealed_len: usize,
    /// CURVE, once its handshake is done: every frame and command goes out sealed.
    sealer: Option<Sealer>,
}

impl Output {
    pub fn with_capacity(capacity: usize) -> Output {
        Output {
            open: BytesMut::with_capacity(capacity),
            ..Output::default()
        }
    }

    /// The open end of the output, for what is not a data frame (the greeting, commands).
    pub fn bytes(&mut self) -> &mut BytesMut {
        &mut self.open
    }

    /// From now on, frames and commands go out sealed by `sealer` (CURVE).
    pub(crate) fn seal_with(&mut self, sealer: Sealer) {
        self.sealer = Some(sealer);
    }

    pub fn is_sealing(&self) -> bool {
        self.sealer.is_some()
    }

    /// Queues a command.
    pub fn command(&mut self, cmd: &Command) {
        match &mut self.sealer {
            None => cmd.encode(&mut self.open),
            Some(sealer) => {
                let mut body = BytesMut::with_capacity(cmd.body_len());
                cmd.encode_body(&mut body);
                sealer.seal_frame(curve_message::COMMAND, &body, &mut self.open);
            }
        }
    }

    /// Queues a whole message (MORE on every frame but the last). A message with no frames
    /// sends nothing.
    pub fn message(&mut self, msg: &Message) {
        let frames = msg.frames();
        if let Some(sealer) = &mut self.sealer {
            for (i, frame) in frames.iter().enumerate() {
                let more = if i + 1 < frames.len() {
                    curve_message::MORE
                } else {
                    0
                };
                sealer.seal_frame(more, frame, &mut self.open);
            }
            return;
        }
        if let [only] = frames {
            if let Some(inline) = only.inline_buffer() {
                self.inline_frame(inline, only.len());
                return;
            }
        }
        let Some((last, init)) = frames.split_last() else {
            return;
        };
        let total: usize = frames
            .iter()
            .map(|f| FrameHeader::data(f.len(), false).encoded_len() + f.len())
            .sum();
        if total < ZERO_COPY_MIN {
            let out = &mut self.open;
            out.reserve(total);
            for frame in init {
                FrameHeader::data(frame.len(), true).encode(out);
                out.extend_from_slice(frame);
            }
            FrameHeader::data(last.len(), false).encode(out);
            out.extend_from_slice(last);
            return;
        }
        for (i, frame) in frames.iter().enumerate() {
            FrameHeader::data(frame.len(), i + 1 < frames.len()).encode(&mut self.open);
            match frame.shared_bytes() {
                Some(payload) if payload.len() >= ZERO_COPY_MIN => {
                    self.seal();
                    self.sealed_len += payload.len();
                    self.sealed.push_back(payload.clone());
                }
                _ => self.open.extend_from_slice(frame),
            }
        }
    }

    /// Queues a one-frame message from its payload alone (one the pipe copied into its
    /// ring: at most `spsc::COPIED_MAX` bytes, always copied into the output buffer).
    pub fn single_frame(&mut self, payload: &[u8]) {
        if let Some(sealer) = &mut self.sealer {
            sealer.seal_frame(0, payload, &mut self.open);
            return;
        }
        let out = &mut self.open;
        FrameHeader::data(payload.len(), false).encode(out);
        out.extend_from_slice(payload);
    }

    /// The common case of [`Output::message`]: a message of one small (inline) frame,
    /// encoded as its two-byte header and the frame's whole inline buffer in one fixed-size
    /// copy, of which only the header and the payload are kept.
    #[inline]
    fn inline_frame(&mut self, inline: &[u8; Frame::INLINE_CAPACITY], len: usize) {
        const ENCODED_MAX: usize = 2 + Frame::INLINE_CAPACITY;
        let mut encoded = [0u8; ENCODED_MAX];
        encoded[1] = len as u8;
        encoded[2..].copy_from_slice(inline);
        let out = &mut self.open;
        out.reserve(ENCODED_MAX);
        let start = out.len();
        // SAFETY: `reserve` made room for ENCODED_MAX more bytes after the current length,
        // which the copy fills; `set_len` then keeps the first `2 + len` of them (`len` is
        // an inline frame's length, at most its capacity), all initialised by the copy.
        unsafe {
            let spare = out.spare_capacity_mut().as_mut_ptr().cast::<u8>();
            std::ptr::copy_nonoverlapping(encoded.as_ptr(), spare, ENCODED_MAX);
            out.set_len(start + 2 + len);
        }
    }

    /// Moves the encoded bytes so far behind the sealed output.
    fn seal(&mut self) {
        if !self.open.is_empty() {
            let run = self.open.split().freeze();
            self.sealed_len += run.len();
            self.sealed.push_back(run);
        }
    }

    /// Bytes waiting to be written, in all.
    pub fn len(&self) -> usize {
        self.sealed_len + self.open.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fills `slices` with the output to write next, in order; returns how many were filled.
    pub fn slices<'a>(&'a self, slices: &mut [IoSlice<'a>]) -> usize {
        let runs = self.sealed.iter().map(|b| &b[..]);
        let all = runs.chain(std::iter::once(&self.open[..]));
        let mut filled = 0;
        for (slot, run) in slices.iter_mut().zip(all.filter(|r| !r.is_empty())) {
            *slot = IoSlice::new(run);
            filled += 1;
        }
        filled
    }

    /// Drops the first `written` bytes of output (what the transport took).
    pub fn consume(&mut self, mut written: usize) {
        while written > 0 {
            let Some(front) = self.sealed.front_mut() else {
                self.open.advance(written);
                return;
            };
            let n = written.min(front.len());
            front.advance(n);
            self.sealed_len -= n;
            written -= n;
            if front.is_empty() {
                self.sealed.pop_front();
            }
        }
    }
}

/// The headers of `frames` (MORE on every one but the last) into `headers`, for a writer
/// that sends each header and then its frame from where it is (`direct_write.rs`). Returns
/// each header's length; `None` if there are more frames than `headers` holds.
pub(crate) fn frame_headers<const N: usize>(
    frames: &[Frame],
    headers: &mut [[u8; MAX_HEADER]; N],
) -> Option<[usize; N]> {
    if frames.len() > N {
        return None;
    }
    let mut lens = [0; N];
    for (i, frame) in frames.iter().enumerate() {
        let header = FrameHeader::data(frame.len(), i + 1 < frames.len());
        lens[i] = header.encoded_len();
        let mut out: &mut [u8] = &mut headers[i];
        header.encode(&mut out);
    }
    Some(lens)
}
