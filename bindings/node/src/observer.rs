//! `sock.events`: a socket monitor read without blocking the event loop.
//!
//! `NativeObserver` starts the core's monitor on the observed socket (libzmq's
//! `zmq_socket_monitor`: a PAIR bound at a private `inproc://` name, every event selected),
//! connects a PAIR of its own there, and reads the two-frame events like any socket: a
//! `receive` completes at once if an event is queued and is otherwise parked with the
//! context's reactor, which decodes the event ([`MonitorEvent::parse`]) before handing it to
//! JavaScript. JavaScript turns `{event, value, endpoint}` into zeromq.js's event objects.

use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use ferromq::monitor::{MonitorEvent, EVENT_ALL};
use ferromq::{flags, SocketOption, SocketType};
use napi::{sys, Env};
use napi_derive::napi;

use crate::reactor::{Reactor, SockEntry};
use crate::{napi_failure, reactor_failure, zmq_error, NativeSocket, NEXT_SOCKET_ID};
use napi::bindgen_prelude::ToNapiValue;
use napi::Result;

/// One monitor event as the addon hands it to JavaScript (libzmq's two frames, decoded).
#[napi(object)]
pub struct ObservedEvent {
    /// The event id, one of libzmq's `ZMQ_EVENT_*` (e.g. 0x0008 for LISTENING).
    pub event: i32,
    /// The event's value: an fd, an errno, a reconnect delay in ms, a protocol error code…
    pub value: u32,
    /// The endpoint the event is about ("" for MONITOR_STOPPED).
    pub endpoint: String,
}

impl From<MonitorEvent> for ObservedEvent {
    fn from(event: MonitorEvent) -> Self {
        ObservedEvent {
            event: event.event,
            value: event.value,
            endpoint: event.endpoint,
        }
    }
}

static NEXT_OBSERVER_ID: AtomicU64 = AtomicU64::new(1);

/// A monitor on a socket and the PAIR that reads its events.
#[napi]
pub struct NativeObserver {
    /// The PAIR connected to the monitor endpoint.
    entry: Arc<SockEntry>,
    /// The observed socket.
    target: Arc<SockEntry>,
    /// Which observer's monitor the observed socket runs (a newer observer replaces it).
    id: u64,
    reactor: Arc<Reactor>,
}

#[napi]
impl NativeObserver {
    /// Starts monitoring `socket` (every event). Fails with the core's error (ENOTSOCK for a
    /// closed socket).
    #[napi(catch_unwind, constructor)]
    pub fn new(socket: &NativeSocket) -> Result<Self, &'static str> {
        let id = NEXT_OBSERVER_ID.fetch_add(1, Ordering::Relaxed);
        let endpoint = format!("inproc://ferromq-node-monitor-{}-{id}", std::process::id());
        let pair = socket.ctx.socket(SocketType::Pair).map_err(zmq_error)?;
        // Never let the reader hold anything back when it closes.
        pair.set_option(SocketOption::Linger, 0i64)
            .map_err(zmq_error)?;
        socket
            .socket()
            .monitor(&endpoint, EVENT_ALL)
            .map_err(zmq_error)?;
        socket.entry.monitor_owner.store(id, Ordering::SeqCst);
        // Events emitted before this connect are dropped, as with libzmq; nothing can happen
        // in between on this thread, only on the I/O threads (a connection ending).
        if let Err(e) = pair.connect(&endpoint) {
            let _ = socket.socket().stop_monitor();
            pair.close();
            return Err(zmq_error(e));
        }
        Ok(NativeObserver {
            entry: Arc::new(SockEntry::new(
                NEXT_SOCKET_ID.fetch_add(1, Ordering::Relaxed),
                pair,
                true,
            )),
            target: socket.entry.clone(),
            id,
            reactor: socket.reactor.clone(),
        })
    }

    /// The next event, if one is queued: `{event, value, endpoint}`; otherwise null, and the
    /// receive is parked under `token` (it completes through the context's callback).
    #[napi(catch_unwind, ts_return_type = "ObservedEvent | null")]
    pub fn receive(&self, env: Env, token: u32) -> Result<sys::napi_value, &'static str> {
        let result = self.entry.socket.recv_msg(flags::DONTWAIT);
        self.reactor.recheck(&self.entry);
        match result {
            Ok(msg) => {
                let event = MonitorEvent::parse(&msg).map_err(zmq_error)?;
                // SAFETY: the env napi-rs passed to this method call.
                unsafe { ObservedEvent::to_napi_value(env.raw(), ObservedEvent::from(event)) }
                    .map_err(napi_failure)
            }
            Err(e) if e.is_again() => {
                self.reactor
                    .park_recv(&self.entry, token, -1)
                    .map_err(reactor_failure)?;
                let mut null = ptr::null_mut();
                // SAFETY: the env napi-rs passed to this method call; `null` is a local.
                unsafe { sys::napi_get_null(env.raw(), &mut null) };
                Ok(null)
            }
            Err(e) => Err(zmq_error(e)),
        }
    }

    /// Stops reading events: a parked receive is dropped (JavaScript settles it), and the
    /// observed socket's monitor is stopped if it is still this observer's.
    #[napi(catch_unwind)]
    pub fn close(&self) {
        self.shutdown();
    }
}

impl NativeObserver {
    fn shutdown(&self) {
        if self.entry.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        self.reactor.forget(&self.entry);
        self.entry.socket.close();
        if self
            .target
            .monitor_owner
            .compare_exchange(self.id, 0, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            // Fails harmlessly (ENOTSOCK) once the observed socket is closed: its monitor
            // stops by itself then.
            let _ = self.target.socket.stop_monitor();
        }
    }
}

impl Drop for NativeObserver {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The system's description of `errno` (strerror), for the `error` of monitor events.
// Called from JavaScript only; Rust's own test build sees no caller.
#[cfg_attr(test, allow(dead_code))]
#[napi(catch_unwind)]
pub fn errno_message(errno: i32) -> String {
    let text = std::io::Error::from_raw_os_error(errno).to_string();
    // Rust appends " (os error N)"; libzmq's zmq_strerror does not.
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}
