//! zmq_poll over sockets and file descriptors.

use std::ffi::{c_int, c_long, c_short, c_void};
use std::time::Duration;

use ferromq::PollItem;

use crate::errno::{fail, fail_with, guard, EFAULT};
use crate::handles::{Handle, SocketHandle};

/// zmq.h's zmq_pollitem_t.
#[repr(C)]
pub struct ZmqPollItem {
    socket: *mut c_void,
    fd: c_int,
    events: c_short,
    revents: c_short,
}

/// Waits up to `timeout` ms (-1: without limit) for the items' events; returns how many
/// items have some, their `revents` set.
#[no_mangle]
pub extern "C" fn zmq_poll(items: *mut ZmqPollItem, nitems: c_int, timeout: c_long) -> c_int {
    guard(-1, || {
        if nitems < 0 || (items.is_null() && nitems > 0) {
            return fail_with(EFAULT);
        }
        let items: &mut [ZmqPollItem] = if nitems == 0 {
            &mut []
        } else {
            // SAFETY: the caller passes `nitems` items at `items`.
            unsafe { std::slice::from_raw_parts_mut(items, nitems as usize) }
        };
        let mut sockets = Vec::with_capacity(items.len());
        for item in items.iter() {
            if item.socket.is_null() {
                sockets.push(None);
            } else {
                match SocketHandle::from_ptr(item.socket) {
                    Some(handle) => sockets.push(Some(handle.socket.clone())),
                    None => return -1,
                }
            }
        }
        let mut poll_items: Vec<PollItem<'_>> = items
            .iter()
            .zip(&sockets)
            .map(|(item, socket)| match socket {
                Some(socket) => PollItem::socket(socket, c_int::from(item.events)),
                None => PollItem::fd(item.fd, c_int::from(item.events)),
            })
            .collect();
        let timeout = (timeout >= 0).then(|| Duration::from_millis(timeout as u64));
        if poll_items.is_empty() {
            if let Some(timeout) = timeout {
                std::thread::sleep(timeout);
            }
            return 0;
        }
        match ferromq::poll(&mut poll_items, timeout) {
            Ok(ready) => {
                for (item, polled) in items.iter_mut().zip(&poll_items) {
                    item.revents = polled.revents as c_short;
                }
                ready as c_int
            }
            Err(e) => fail(&e),
        }
    })
}
