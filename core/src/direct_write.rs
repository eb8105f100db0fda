//! Writing a message straight from the application thread to an idle connection.
//!
//! Normally a message goes from the socket into its pipe, and the connection's engine (an
//! I/O thread) is woken to encode and write it. For a REQ or a REP socket in lockstep —
//! one request, one reply — that wake-up is most of a message's latency: the I/O thread
//! sleeps between messages, and waking a sleeping thread costs more than the write itself.
//!
//! So when the engine has nothing left to write and has read everything from the pipe, it
//! *offers* the connection: the application thread may then encode a small message and
//! `send(2)` it to the socket itself. The engine *reclaims* the connection before it
//! writes anything of its own. Ordering is kept because an offer names how many messages
//! the engine had taken from the pipe: the application writes directly only if that is
//! everything it ever put there (nothing is waiting in between). A partial write leaves
//! the rest of the message here for the engine, which writes it before anything else.
//!
//! The state is one atomic word: who owns the connection's output (the engine, nobody —
//! offered —, or the application thread in the middle of a write) and, when offered, the
//! engine's read count. The engine closes the descriptor only after reclaiming it, and
//! reclaiming waits out a write in progress, so the application never writes to a
//! descriptor that was closed (or reused).

use std::io::IoSlice;
use std::os::fd::{BorrowedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::Mutex;

use bytes::{Bytes, BytesMut};
use rustix::io::Errno;
use rustix::net::{SendAncillaryBuffer, SendFlags};

use crate::message::Message;
use crate::protocol::encoder::{self, MAX_HEADER};

/// The engine owns the output (it writes, or is about to).
const ENGINE: u64 = 0;
/// Offered: the engine is idle; the application may take the output.
const OFFERED: u64 = 1;
/// The application thread is writing a message.
const APPLICATION: u64 = 2;
const OWNER_BITS: u32 = 2;
const OWNER_MASK: u64 = (1 << OWNER_BITS) - 1;

/// Messages with more frames go through the pipe.
const MAX_FRAMES: usize = 8;
/// Bigger messages go through the pipe: the engine writes large frames without copying,
/// and a write this small almost never fills the socket buffer.
const MAX_DIRECT_BYTES: usize = 16 * 1024;

#[derive(Default)]
pub(crate) struct DirectWrite {
    /// The owner (low bits) and, when offered, the engine's read count.
    state: AtomicU64,
    /// The application end of the pipe writes directly when it can (REQ and REP sockets);
    /// engines do not offer otherwise.
    wanted: AtomicBool,
    /// The connection's descriptor, valid while offered or in an application write.
    fd: AtomicI32,
    /// What a partial write left unwritten, for the engine to write first.
    leftover: Mutex<Option<Bytes>>,
    has_leftover: AtomicBool,
}

impl DirectWrite {
    /// The application side will use offers.
    pub(crate) fn want(&self) {
        self.wanted.store(true, Ordering::Relaxed);
    }

    pub(crate) fn is_wanted(&self) -> bool {
        self.wanted.load(Ordering::Relaxed)
    }

    /// Engine: it has written everything and read `read` messages from the pipe (all there
    /// were); until [`reclaim`](Self::reclaim) the application may write to `fd`.
    pub(crate) fn offer(&self, fd: RawFd, read: u64) {
        self.fd.store(fd, Ordering::Relaxed);
        self.state
            .store((read << OWNER_BITS) | OFFERED, Ordering::SeqCst);
    }

    /// Whether the application gave the output back (a partial write left the rest, or a
    /// failed one left its message in the pipe): the engine should reclaim it.
    pub(crate) fn is_given_back(&self) -> bool {
        self.state.load(Ordering::Acquire) & OWNER_MASK == ENGINE
    }

    /// Engine: takes the output back before writing anything, waiting for an application
    /// write in progress to finish (one non-blocking syscall). Returns the bytes a partial
    /// write left, which must go out first.
    pub(crate) fn reclaim(&self) -> Option<Bytes> {
        loop {
            let state = self.state.load(Ordering::SeqCst);
            match state & OWNER_MASK {
                ENGINE => break,
                OFFERED => {
                    if self
                        .state
                        .compare_exchange(state, ENGINE, Ordering::SeqCst, Ordering::SeqCst)
                        .is_ok()
                    {
                        break;
                    }
                }
                _ => std::thread::yield_now(),
            }
        }
        if !self.has_leftover.load(Ordering::Acquire) {
            return None;
        }
        self.has_leftover.store(false, Ordering::Relaxed);
        self.leftover
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// Application: writes `msg` to the connection if it is offered and everything put in
    /// the pipe so far (`written` messages) was taken by the engine. Gives the message back
    /// otherwise, or if it is too big for a direct write, or if the write failed before
    /// anything was written (the pipe then carries it as usual). `wake_engine` is called
    /// when a partial write leaves the rest to the engine.
    pub(crate) fn try_write(
        &self,
        msg: Message,
        written: u64,
        wake_engine: impl FnOnce(),
    ) -> Result<(), Message> {
        let offered = (written << OWNER_BITS) | OFFERED;
        if self.state.load(Ordering::Relaxed) != offered {
            return Err(msg);
        }
        let frames = msg.frames();
        if frames.is_empty() {
            return Err(msg);
        }
        // The codec's encoding: the headers here, each frame written from where it is.
        let mut headers = [[0u8; MAX_HEADER]; MAX_FRAMES];
        let Some(header_lens) = encoder::frame_headers(frames, &mut headers) else {
            return Err(msg);
        };
        let total: usize = header_lens.iter().sum::<usize>() + msg.byte_len();
        if total > MAX_DIRECT_BYTES {
            return Err(msg);
        }
        let mine = (written << OWNER_BITS) | APPLICATION;
        if self
            .state
            .compare_exchange(offered, mine, Ordering::SeqCst, Ordering::Relaxed)
            .is_err()
        {
            return Err(msg);
        }
        let mut parts: [&[u8]; 2 * MAX_FRAMES] = [&[]; 2 * MAX_FRAMES];
        for (i, frame) in frames.iter().enumerate() {
            parts[2 * i] = &headers[i][..header_lens[i]];
            parts[2 * i + 1] = frame;
        }
        let parts = &parts[..2 * frames.len()];
        // SAFETY: the engine closes the descriptor only after `reclaim`, which waits while
        // the state says APPLICATION (set by the exchange above), so `fd` is open.
        let fd = unsafe { BorrowedFd::borrow_raw(self.fd.load(Ordering::Relaxed)) };
        let mut sent = 0;
        let outcome = loop {
            let mut slices = [IoSlice::new(&[]); 2 * MAX_FRAMES];
            let count = fill_after(parts, sent, &mut slices);
            let flags = SendFlags::NOSIGNAL | SendFlags::DONTWAIT;
            let ancillary = &mut SendAncillaryBuffer::default();
            match rustix::net::sendmsg(fd, &slices[..count], ancillary, flags) {
                Ok(0) if sent == 0 => break Outcome::Untouched,
                Ok(0) => break Outcome::Partial,
                Ok(n) => {
                    sent += n;
                    if sent == total {
                        break Outcome::Done;
                    }
                }
                Err(Errno::INTR) => {}
                Err(_) if sent == 0 => break Outcome::Untouched,
                Err(_) => break Outcome::Partial,
            }
        };
        let leftover = match outcome {
            Outcome::Partial => {
                let mut slices = [IoSlice::new(&[]); 2 * MAX_FRAMES];
                let count = fill_after(parts, sent, &mut slices);
                let mut rest = BytesMut::with_capacity(total - sent);
                for slice in &slices[..count] {
                    rest.extend_from_slice(slice);
                }
                Some(rest.freeze())
            }
            _ => None,
        };
        match outcome {
            Outcome::Done => {
                self.state.store(offered, Ordering::SeqCst);
                Ok(())
            }
            Outcome::Untouched => {
                // The socket buffer is full or the connection failed: the engine deals
                // with it, and the message waits in the pipe like any other.
                self.state.store(ENGINE, Ordering::SeqCst);
                Err(msg)
            }
            Outcome::Partial => {
                *self.leftover.lock().unwrap_or_else(|e| e.into_inner()) = leftover;
                self.has_leftover.store(true, Ordering::Release);
                self.state.store(ENGINE, Ordering::SeqCst);
                wake_engine();
                Ok(())
            }
        }
    }
}

enum Outcome {
    Done,
    /// Nothing was written.
    Untouched,
    /// Part of the message was written; the rest is left to the engine.
    Partial,
}

/// Fills `slices` with `parts` minus their first `skip` bytes; returns how many it filled.
fn fill_after<'a>(parts: &[&'a [u8]], mut skip: usize, slices: &mut [IoSlice<'a>]) -> usize {
    let mut count = 0;
    for part in parts {
        if skip >= part.len() {
            skip -= part.len();
            continue;
        }
        slices[count] = IoSlice::new(&part[skip..]);
        skip = 0;
        count += 1;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

    use crate::message::Frame;

    fn encoded(msg: &Message) -> Vec<u8> {
        let mut out = BytesMut::new();
        let frames = msg.frames();
        for (i, frame) in frames.iter().enumerate() {
            crate::protocol::frame::encode_frame(frame, i + 1 < frames.len(), false, &mut out);
        }
        out.to_vec()
    }

    fn two_frames(body_len: usize) -> Message {
        let body: Vec<u8> = (0..body_len).map(|i| (i % 251) as u8).collect();
        Message::from_frames([Frame::empty(), Frame::from(body)])
    }

    fn drain(stream: &mut UnixStream) -> Vec<u8> {
        stream.set_nonblocking(true).unwrap();
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => all.extend_from_slice(&buf[..n]),
                Err(_) => break,
            }
        }
        all
    }

    #[test]
    fn writes_a_whole_message_and_stays_offered() {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        let direct = DirectWrite::default();
        direct.offer(ours.as_raw_fd(), 3);
        for round in 0..2 {
            let msg = two_frames(100 + round);
            let expected = encoded(&msg);
            assert!(direct.try_write(msg, 3, || panic!("no wake-up")).is_ok());
            assert_eq!(drain(&mut theirs), expected);
        }
        assert_eq!(direct.reclaim(), None);
    }

    #[test]
    fn refuses_when_not_offered_or_behind_the_pipe_or_too_big() {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        let direct = DirectWrite::default();
        let small = || Message::single(&b"x"[..]);
        // Never offered.
        assert!(direct.try_write(small(), 0, || {}).is_err());
        // Offered after 5 reads, but 6 messages were put in the pipe: one is still there.
        direct.offer(ours.as_raw_fd(), 5);
        assert!(direct.try_write(small(), 6, || {}).is_err());
        // Too big, too many frames, no frame.
        assert!(direct
            .try_write(two_frames(MAX_DIRECT_BYTES), 5, || {})
            .is_err());
        let many = Message::from_frames((0..MAX_FRAMES + 1).map(|_| Frame::empty()));
        assert!(direct.try_write(many, 5, || {}).is_err());
        assert!(direct.try_write(Message::new(), 5, || {}).is_err());
        // Reclaimed: refused again.
        direct.reclaim();
        assert!(direct.try_write(small(), 5, || {}).is_err());
        assert!(drain(&mut theirs).is_empty());
    }

    #[test]
    fn a_partial_write_leaves_the_rest_to_the_engine() {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        // The smallest send buffer the kernel allows: far less than the message.
        rustix::net::sockopt::set_socket_send_buffer_size(&ours, 1).unwrap();
        let direct = DirectWrite::default();
        direct.offer(ours.as_raw_fd(), 0);
        let msg = two_frames(MAX_DIRECT_BYTES - 20);
        let expected = encoded(&msg);
        let mut woken = false;
        assert!(direct.try_write(msg, 0, || woken = true).is_ok());
        assert!(woken, "the engine must be woken to write the rest");
        // No longer offered: the next message goes through the pipe.
        assert!(direct.try_write(two_frames(1), 0, || {}).is_err());
        let written = drain(&mut theirs);
        let rest = direct.reclaim().expect("the unwritten rest");
        assert!(!written.is_empty() && !rest.is_empty());
        assert_eq!([&written[..], &rest[..]].concat(), expected);
        assert_eq!(direct.reclaim(), None, "the rest is handed over once");
    }

    #[test]
    fn a_full_socket_buffer_gives_the_message_back_untouched() {
        let (ours, _theirs) = UnixStream::pair().unwrap();
        rustix::net::sockopt::set_socket_send_buffer_size(&ours, 1).unwrap();
        ours.set_nonblocking(true).unwrap();
        let junk = [0u8; 1024];
        while rustix::io::write(&ours, &junk).is_ok() {}
        let direct = DirectWrite::default();
        direct.offer(ours.as_raw_fd(), 0);
        let back = direct
            .try_write(Message::single(&b"hello"[..]), 0, || {})
            .expect_err("nothing could be written");
        assert_eq!(back.frames()[0].as_slice(), b"hello");
        assert_eq!(direct.reclaim(), None);
    }
}
