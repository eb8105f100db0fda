//! `zmq_poll`: wait until any of several sockets or plain file descriptors is ready.
//!
//! A socket is ready for POLLIN/POLLOUT per its ZMQ_EVENTS. Its eventfd becomes readable
//! whenever those may have changed, so waiting is one poll(2) over every socket's eventfd
//! and the raw descriptors, and re-checking the sockets after each wake-up. No spinning:
//! reading a socket's events resets its eventfd, so a wake-up that changed nothing just
//! sleeps again.

use std::os::fd::{BorrowedFd, RawFd};
use std::time::{Duration, Instant};

use rustix::event::{poll as poll_fds, PollFd, PollFlags};

use crate::error::{Error, ErrorKind, Result};
use crate::socket::{Socket, POLLIN, POLLOUT};

/// Blocks until `wake` or the readiness descriptor of one of `sockets` becomes readable, or
/// `timeout` passes; returns the indexes (in `sockets`) of those whose descriptor fired.
///
/// For a binding's own reactor thread, which parks operations of many sockets and must also
/// be woken by its event loop (`wake`). A fired socket may have nothing to do (the descriptor
/// signals any change of ZMQ_EVENTS): the caller tries its operations again. The timeout is
/// rounded up by half a millisecond, so that a deadline is never polled a bit early.
pub fn wait_for_readiness(
    wake: BorrowedFd<'_>,
    sockets: &[&Socket],
    timeout: Option<Duration>,
) -> Vec<usize> {
    let mut fds: Vec<PollFd<'_>> = Vec::with_capacity(sockets.len() + 1);
    fds.push(PollFd::from_borrowed_fd(wake, PollFlags::IN));
    for socket in sockets {
        fds.push(PollFd::from_borrowed_fd(
            socket.readiness_fd(),
            PollFlags::IN,
        ));
    }
    let timespec = timeout.map(|t| {
        let t = t + Duration::from_micros(500);
        rustix::event::Timespec {
            tv_sec: t.as_secs() as _,
            tv_nsec: t.subsec_nanos() as _,
        }
    });
    match poll_fds(&mut fds, timespec.as_ref()) {
        Ok(_) | Err(rustix::io::Errno::INTR) => {}
        // Not expected with valid descriptors; don't turn it into a busy loop.
        Err(_) => std::thread::sleep(Duration::from_millis(1)),
    }
    fds[1..]
        .iter()
        .enumerate()
        .filter(|(_, fd)| !fd.revents().is_empty())
        .map(|(i, _)| i)
        .collect()
}

/// ZMQ_POLLERR: an error condition on a raw descriptor.
pub const POLLERR: i32 = 4;

/// What to watch.
pub enum PollTarget<'a> {
    Socket(&'a Socket),
    /// A plain file descriptor (a pipe, a TCP socket, stdin…).
    Fd(RawFd),
}

/// One entry of a poll set: what to watch, for which events (POLLIN | POLLOUT), and, after
/// [`poll`], which of them are ready.
pub struct PollItem<'a> {
    pub target: PollTarget<'a>,
    pub events: i32,
    pub revents: i32,
}

impl<'a> PollItem<'a> {
    pub fn socket(socket: &'a Socket, events: i32) -> Self {
        PollItem {
            target: PollTarget::Socket(socket),
            events,
            revents: 0,
        }
    }

    pub fn fd(fd: RawFd, events: i32) -> Self {
        PollItem {
            target: PollTarget::Fd(fd),
            events,
            revents: 0,
        }
    }

    pub fn is_readable(&self) -> bool {
        self.revents & POLLIN != 0
    }

    pub fn is_writable(&self) -> bool {
        self.revents & POLLOUT != 0
    }
}

/// Waits until at least one item is ready or `timeout` passes (`None`: forever;
/// `Some(ZERO)`: just check). Fills every item's `revents` and returns how many are ready.
pub fn poll(items: &mut [PollItem<'_>], timeout: Option<Duration>) -> Result<usize> {
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        // Sockets first: their readiness is known without a syscall.
        let mut ready = 0;
        for item in items.iter_mut() {
            item.revents = match item.target {
                PollTarget::Socket(socket) if item.events != 0 => socket.events()? & item.events,
                _ => 0,
            };
            ready += (item.revents != 0) as usize;
        }
        let has_fds = items.iter().any(|i| matches!(i.target, PollTarget::Fd(_)));
        if ready > 0 && !has_fds {
            return Ok(ready);
        }

        // Then one poll(2) over the raw fds and, if nothing is ready yet, the sockets' eventfds.
        let wait = if ready > 0 {
            Some(Duration::ZERO)
        } else {
            deadline.map(|d| d.saturating_duration_since(Instant::now()))
        };
        let mut fds: Vec<PollFd<'_>> = Vec::with_capacity(items.len());
        for item in items.iter() {
            match item.target {
                PollTarget::Socket(socket) => fds.push(PollFd::from_borrowed_fd(
                    socket.readiness_fd(),
                    PollFlags::IN,
                )),
                PollTarget::Fd(fd) => {
                    let mut flags = PollFlags::empty();
                    if item.events & POLLIN != 0 {
                        flags |= PollFlags::IN;
                    }
                    if item.events & POLLOUT != 0 {
                        flags |= PollFlags::OUT;
                    }
                    // SAFETY: the caller guarantees `fd` stays open for the duration of the call.
                    let fd = unsafe { BorrowedFd::borrow_raw(fd) };
                    fds.push(PollFd::from_borrowed_fd(fd, flags));
                }
            }
        }
        let timespec = wait.map(|d| rustix::event::Timespec {
            tv_sec: d.as_secs() as _,
            tv_nsec: d.subsec_nanos() as _,
        });
        match poll_fds(&mut fds, timespec.as_ref()) {
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => {
                return Err(Error::new(
                    ErrorKind::Interrupted,
                    "poll interrupted by a signal",
                ))
            }
            Err(e) => return Err(Error::new(ErrorKind::Invalid, format!("poll failed: {e}"))),
        }
        for (item, fd) in items.iter_mut().zip(&fds) {
            if let PollTarget::Fd(_) = item.target {
                let got = fd.revents();
                let mut revents = 0;
                if got.intersects(PollFlags::IN | PollFlags::HUP) {
                    revents |= POLLIN & item.events;
                }
                if got.contains(PollFlags::OUT) {
                    revents |= POLLOUT & item.events;
                }
                if got.intersects(PollFlags::ERR | PollFlags::NVAL) {
                    revents |= POLLERR;
                }
                if revents != 0 && item.revents == 0 {
                    ready += 1;
                }
                item.revents = revents;
            }
        }
        if ready > 0 {
            return Ok(ready);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(0);
        }
    }
}
