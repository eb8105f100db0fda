//! `zmq_poll` over sockets and plain descriptors, for `ferromq.Poller` and `ferromq.select`.

use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferromq::{ErrorKind, PollItem, Socket, INTERRUPT_CHECK};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyInt;

use crate::blocking::interruptible;
use crate::errors::guard;
use crate::frame::type_name;
use crate::socket::PySocket;

enum Target {
    Socket(Arc<Socket>),
    Fd(RawFd),
}

fn target(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Target> {
    if let Ok(sock) = obj.cast::<PySocket>() {
        return Ok(Target::Socket(sock.get().open_socket(py)?));
    }
    let fd_obj = if obj.is_instance_of::<PyInt>() {
        obj.clone()
    } else if obj.hasattr("fileno")? {
        obj.call_method0("fileno")?
    } else {
        return Err(PyTypeError::new_err(format!(
            "can poll ferromq sockets, file descriptors (int) and objects with fileno(), \
             not {}",
            type_name(obj)
        )));
    };
    let fd: i64 = fd_obj.extract()?;
    if fd < 0 || fd > i32::MAX as i64 {
        return Err(PyValueError::new_err(format!(
            "invalid file descriptor {fd}"
        )));
    }
    Ok(Target::Fd(fd as RawFd))
}

/// `poll(items, timeout)`: `items` is a list of `(socket_or_fd, events)`; `timeout` in ms,
/// None or negative for forever. Returns the ready events for each item, in order.
/// The wait releases the GIL and is interrupted by Ctrl-C.
#[pyfunction]
#[pyo3(signature = (items, timeout = None))]
pub fn poll(
    py: Python<'_>,
    items: Vec<(Bound<'_, PyAny>, i32)>,
    timeout: Option<f64>,
) -> PyResult<Vec<i32>> {
    guard(|| {
        let mut targets = Vec::with_capacity(items.len());
        for (obj, events) in &items {
            targets.push((target(py, obj)?, *events));
        }
        let deadline = timeout
            .filter(|t| *t >= 0.0)
            .map(|t| Instant::now() + Duration::from_secs_f64(t / 1000.0));
        interruptible(py, move |hook| {
            let mut poll_items: Vec<PollItem<'_>> = targets
                .iter()
                .map(|(t, events)| match t {
                    Target::Socket(s) => PollItem::socket(s, *events),
                    Target::Fd(fd) => PollItem::fd(*fd, *events),
                })
                .collect();
            loop {
                let slice = match deadline {
                    Some(d) => d
                        .saturating_duration_since(Instant::now())
                        .min(INTERRUPT_CHECK),
                    None => INTERRUPT_CHECK,
                };
                match ferromq::poll(&mut poll_items, Some(slice)) {
                    Ok(n) if n > 0 => break,
                    Ok(_) => {}
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                hook()?;
            }
            Ok(poll_items.iter().map(|i| i.revents).collect())
        })
    })
}
