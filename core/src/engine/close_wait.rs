//! Closing a connection without losing what it delivered: once an engine has written the
//! last byte its closed socket left, it keeps the descriptor open until the peer has taken
//! those bytes out of the kernel, then closes.
//!
//! Why: over a Unix-domain socket, closing our end while the peer still has unread bytes
//! from us makes the peer's descriptor hang up at once (EPOLLHUP). libzmq, when it gets
//! that while its own input is paused at RCVHWM, marks the connection broken and, once
//! its pipe has room again, drops the connection with the bytes still unread in the
//! kernel: the receiver loses the tail of the stream. libzmq's own sender can do the same
//! to it; waiting here makes FerroMQ's sender never do it. A TCP peer is not told of our
//! close until it has read everything before our FIN, so TCP waits for nothing.
//!
//! While waiting, the engine keeps reading (and answering PINGs), so that nothing the peer
//! sends sits unread in our receive queue at the close: that would make the kernel reset
//! the connection (ECONNRESET on ipc, RST on TCP). LINGER still bounds the whole close.

use std::future::Future;
use std::io;
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::net::{TcpStream, UnixStream};
use tokio::time::Sleep;

/// The first pause between two looks at what the peer has not read yet; doubled after each
/// look up to [`MAX_RECHECK`]. A peer that keeps up empties the queue within a few looks.
const FIRST_RECHECK: Duration = Duration::from_millis(1);
const MAX_RECHECK: Duration = Duration::from_millis(20);

/// A connected stream whose peer's progress in reading can be asked.
pub(crate) trait PeerBacklog {
    /// Bytes we wrote that the peer's process has not read yet, as far as the transport
    /// lets us know (0 where the kernel delivers after the close on its own).
    fn unread_by_peer(&self) -> io::Result<usize>;
}

impl PeerBacklog for UnixStream {
    /// SIOCOUTQ on a Unix socket counts the bytes queued at the peer and not yet read.
    fn unread_by_peer(&self) -> io::Result<usize> {
        let mut queued: libc::c_int = 0;
        // SAFETY: SIOCOUTQ writes one int through the pointer, which is valid for it.
        let rc = unsafe { libc::ioctl(self.as_raw_fd(), libc::TIOCOUTQ, &mut queued) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(queued.max(0) as usize)
    }
}

impl PeerBacklog for TcpStream {
    /// The kernel goes on sending after the close, and the peer reads up to our FIN before
    /// it learns of it: nothing to wait for.
    fn unread_by_peer(&self) -> io::Result<usize> {
        Ok(0)
    }
}

/// Paces the looks at [`PeerBacklog::unread_by_peer`] while a closing engine waits.
#[derive(Default)]
pub(crate) struct CloseWait {
    timer: Option<Pin<Box<Sleep>>>,
    pause: Duration,
}

impl CloseWait {
    /// Whether the peer has taken everything: true also if the transport cannot tell (the
    /// close then goes ahead as before). When false, `cx` is woken for the next look.
    pub(crate) fn poll_peer_done(
        &mut self,
        cx: &mut Context<'_>,
        stream: &impl PeerBacklog,
    ) -> Poll<()> {
        loop {
            if let Some(timer) = self.timer.as_mut() {
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
            }
            match stream.unread_by_peer() {
                Ok(0) | Err(_) => return Poll::Ready(()),
                Ok(_) => {}
            }
            self.pause = if self.pause.is_zero() {
                FIRST_RECHECK
            } else {
                (self.pause * 2).min(MAX_RECHECK)
            };
            let deadline = tokio::time::Instant::now() + self.pause;
            match self.timer.as_mut() {
                Some(timer) => timer.as_mut().reset(deadline),
                None => self.timer = Some(Box::pin(tokio::time::sleep_until(deadline))),
            }
        }
    }
}
