//! Waiting without the GIL, interruptibly: every blocking call releases the GIL and, every
//! [`INTERRUPT_CHECK`] (100 ms) or when a signal interrupts the wait, re-attaches to run
//! Python's signal handlers, so Ctrl-C raises KeyboardInterrupt promptly.

use std::sync::mpsc;
use std::time::Instant;

use ferromq::{Error, ErrorKind, PollItem, Socket, INTERRUPT_CHECK};
use pyo3::prelude::*;

use crate::errors::zmq_err;

/// Why a detached call ended early.
fn interrupted() -> Error {
    Error::new(
        ErrorKind::Interrupted,
        "interrupted by a Python signal handler",
    )
}

/// Runs `f` without the GIL, giving it an interrupt hook for the core's `*_interruptible`
/// calls. An exception raised by a signal handler (KeyboardInterrupt) ends the call and is
/// raised instead of the core's error.
pub fn interruptible<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    T: Send,
    F: Send + FnOnce(&mut dyn FnMut() -> ferromq::Result<()>) -> ferromq::Result<T>,
{
    let mut raised: Option<PyErr> = None;
    let result = py.detach(|| {
        let mut hook = || -> ferromq::Result<()> {
            // Once the interpreter is finalizing (a daemon thread still waiting at exit),
            // there are no handlers to run and it must not be attached to: keep waiting.
            match Python::try_attach(|py| py.check_signals()) {
                None | Some(Ok(())) => Ok(()),
                Some(Err(e)) => {
                    raised = Some(e);
                    Err(interrupted())
                }
            }
        };
        f(&mut hook)
    });
    match result {
        Ok(value) => Ok(value),
        Err(e) => Err(raised.take().unwrap_or_else(|| zmq_err(py, &e))),
    }
}

/// Waits without the GIL until `socket` is ready for `events` (POLLIN/POLLOUT) or `deadline`
/// passes (`Ok(false)`). Errors of the socket (ETERM, ENOTSOCK) end the wait.
pub fn wait_ready(
    py: Python<'_>,
    socket: &Socket,
    events: i32,
    deadline: Option<Instant>,
) -> PyResult<bool> {
    interruptible(py, |hook| loop {
        // At least one poll, even with a deadline already past (`sock.poll(0)`).
        let slice = match deadline {
            Some(d) => d
                .saturating_duration_since(Instant::now())
                .min(INTERRUPT_CHECK),
            None => INTERRUPT_CHECK,
        };
        let mut items = [PollItem::socket(socket, events)];
        match ferromq::poll(&mut items, Some(slice)) {
            Ok(n) if n > 0 => return Ok(true),
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(false);
        }
        hook()?;
    })
}

/// Waits without the GIL, interruptibly, for a value from `rx` (a helper thread's result).
pub fn wait_channel<T: Send>(py: Python<'_>, rx: mpsc::Receiver<T>) -> PyResult<Option<T>> {
    interruptible(py, move |hook| loop {
        match rx.recv_timeout(INTERRUPT_CHECK) {
            Ok(value) => return Ok(Some(value)),
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(None),
            Err(mpsc::RecvTimeoutError::Timeout) => hook()?,
        }
    })
}
