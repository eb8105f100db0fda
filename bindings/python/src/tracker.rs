//! pyzmq's `MessageTracker`: tells a zero-copy sender when the core has let go of its
//! buffers, so that the buffer may be changed or reused.
//!
//! A send with `copy=False` shares Python buffers of at least `ZERO_COPY_THRESHOLD` bytes
//! with the core (`frame.rs`); each shared buffer holds a [`Hold`] on the send's
//! [`Tracking`], released when the core drops its last reference to the buffer (on the I/O
//! thread, once the bytes are written or the message is discarded). Copied payloads and
//! immutable `bytes` need no tracking: their trackers are done at once.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::frame::{type_name, PyFrame};

/// How many shared buffers of one send (or one `Frame`) the core still holds.
#[derive(Default)]
pub struct Tracking {
    held: Mutex<usize>,
    released: Condvar,
}

impl Tracking {
    /// Counts one more buffer held by the core until the returned `Hold` is dropped.
    pub fn hold(self: &Arc<Self>) -> Hold {
        *self.held.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        Hold(Arc::clone(self))
    }

    fn is_done(&self) -> bool {
        *self.held.lock().unwrap_or_else(PoisonError::into_inner) == 0
    }

    /// Waits until every buffer is released or `deadline` passes; whether they were.
    fn wait_until(&self, deadline: Option<Instant>) -> bool {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        while *held > 0 {
            held = match deadline {
                None => self
                    .released
                    .wait(held)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return false;
                    }
                    self.released
                        .wait_timeout(held, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
        true
    }
}

/// One shared buffer the core holds; dropping it releases the buffer for the tracker.
pub struct Hold(Arc<Tracking>);

impl Drop for Hold {
    fn drop(&mut self) {
        let mut held = self.0.held.lock().unwrap_or_else(PoisonError::into_inner);
        *held -= 1;
        if *held == 0 {
            self.0.released.notify_all();
        }
    }
}

/// pyzmq's `MessageTracker(*towatch)`: done once every watched send, `Frame` or
/// `threading.Event` is.
#[pyclass(frozen, subclass, module = "ferromq._ferromq", name = "MessageTracker")]
pub struct MessageTracker {
    trackings: Vec<Arc<Tracking>>,
    events: Vec<Py<PyAny>>,
}

impl MessageTracker {
    /// The tracker a send returns (`None`: nothing was shared, done at once).
    pub fn of_send(tracking: Option<Arc<Tracking>>) -> Self {
        MessageTracker {
            trackings: tracking.into_iter().collect(),
            events: Vec::new(),
        }
    }
}

#[pymethods]
impl MessageTracker {
    #[new]
    #[pyo3(signature = (*towatch))]
    fn py_new(towatch: &Bound<'_, PyTuple>) -> PyResult<Self> {
        let mut tracker = MessageTracker::of_send(None);
        for obj in towatch.iter() {
            if let Ok(other) = obj.cast::<MessageTracker>() {
                tracker
                    .trackings
                    .extend(other.get().trackings.iter().cloned());
                tracker
                    .events
                    .extend(other.get().events.iter().map(|e| e.clone_ref(obj.py())));
            } else if let Ok(frame) = obj.cast::<PyFrame>() {
                tracker
                    .trackings
                    .extend(frame.get().tracking.iter().cloned());
            } else if obj.hasattr("is_set")? && obj.hasattr("wait")? {
                tracker.events.push(obj.unbind());
            } else {
                return Err(PyTypeError::new_err(format!(
                    "MessageTracker watches Events, MessageTrackers and Frames, not {}",
                    type_name(&obj)
                )));
            }
        }
        Ok(tracker)
    }

    /// Whether the core has let go of every watched buffer.
    #[getter]
    fn done(&self, py: Python<'_>) -> PyResult<bool> {
        for event in &self.events {
            if !event.call_method0(py, "is_set")?.is_truthy(py)? {
                return Ok(false);
            }
        }
        Ok(self.trackings.iter().all(|t| t.is_done()))
    }

    /// Waits (without the GIL) until done; `timeout` in seconds, negative for ever. Raises
    /// `NotDone` when the timeout passes first.
    #[pyo3(signature = (timeout = -1.0))]
    fn wait(&self, py: Python<'_>, timeout: f64) -> PyResult<()> {
        // No deadline: negative (for ever), or too far to represent.
        let deadline = (timeout >= 0.0)
            .then(|| Duration::try_from_secs_f64(timeout).unwrap_or(Duration::MAX))
            .and_then(|wait| Instant::now().checked_add(wait));
        for event in &self.events {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()).as_secs_f64());
            if !event.call_method1(py, "wait", (left,))?.is_truthy(py)? {
                return Err(not_done(py));
            }
        }
        let trackings = &self.trackings;
        if py.detach(|| trackings.iter().all(|t| t.wait_until(deadline))) {
            Ok(())
        } else {
            Err(not_done(py))
        }
    }
}

fn not_done(py: Python<'_>) -> PyErr {
    match py
        .import("ferromq.error")
        .and_then(|m| m.getattr("NotDone"))
        .and_then(|class| class.call0())
    {
        Ok(value) => PyErr::from_value(value),
        Err(e) => e,
    }
}
