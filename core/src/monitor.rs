//! Socket monitoring, as libzmq's `zmq_socket_monitor` does it.
//!
//! [`Socket::monitor`](crate::Socket::monitor) binds a PAIR endpoint at an `inproc://` name;
//! the application connects its own PAIR socket there and receives one two-frame message
//! per event: frame 1 is 6 bytes, the event id (`u16`) then a value (`u32`), both in native
//! byte order as libzmq writes them; frame 2 is the endpoint the event is about.
//! [`MonitorEvent::parse`] decodes such a message.
//!
//! Events are emitted where libzmq emits them, with the same values:
//!
//! | event | when | value |
//! | --- | --- | --- |
//! | `LISTENING` | a tcp/ipc bind succeeded | listening fd |
//! | `BIND_FAILED` | a tcp/ipc bind failed (after `CLOSED` if a socket had been opened) | errno |
//! | `ACCEPTED` / `ACCEPT_FAILED` | a listener accepted a connection / `accept` failed | fd / errno |
//! | `CONNECT_DELAYED` | a TCP connect is in progress (ipc connects at once) | `EINPROGRESS` |
//! | `CONNECTED` | an outgoing connection is up | fd |
//! | `CONNECT_RETRIED` | a reconnect is scheduled | the delay in ms |
//! | `CLOSED` | a listener closed (unbind, socket close), or a failed connect's fd | fd |
//! | `DISCONNECTED` | a connection was lost (peer gone, I/O or protocol error, heartbeat) | fd |
//! | `HANDSHAKE_SUCCEEDED` | the ZMTP handshake completed | 0 |
//! | `HANDSHAKE_FAILED_NO_DETAIL` | the connection ended before its handshake did (peer closed, timeout, a peer not speaking ZMTP 3) | errno |
//! | `HANDSHAKE_FAILED_PROTOCOL` | the handshake broke ZMTP (mechanism mismatch, unexpected command) | a `PROTOCOL_ERROR_*` code |
//! | `HANDSHAKE_FAILED_AUTH` | the peer answered the handshake with ERROR "300"/"400"/"500" | the status code |
//! | `MONITOR_STOPPED` | monitoring ended (`stop_monitor`, a new `monitor`, or the socket closed and its connections finished) | 0 |
//!
//! Like libzmq: inproc connections emit nothing; a handshake refused for its metadata (an
//! incompatible or missing Socket-Type, a malformed READY) is followed by `DISCONNECTED`
//! alone; STREAM's raw connections have no handshake, and a lost one reports
//! `HANDSHAKE_FAILED_NO_DETAIL` before `DISCONNECTED`; events sent before the application's
//! PAIR connects are dropped, and so are events beyond the monitor pipe's HWM (the I/O
//! threads never wait for the monitor).

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::context::Context;
use crate::engine::link::SocketLink;
use crate::error::{Error, Result};
use crate::message::{Frame, Message};
use crate::options::SocketOptions;
use crate::pipe::PipeEnd;
use crate::signal::PipeEvent;
use crate::socket_type::SocketType;
use crate::transport::inproc::{self, InprocBinding};

pub const EVENT_CONNECTED: i32 = 0x0001;
pub const EVENT_CONNECT_DELAYED: i32 = 0x0002;
pub const EVENT_CONNECT_RETRIED: i32 = 0x0004;
pub const EVENT_LISTENING: i32 = 0x0008;
pub const EVENT_BIND_FAILED: i32 = 0x0010;
pub const EVENT_ACCEPTED: i32 = 0x0020;
pub const EVENT_ACCEPT_FAILED: i32 = 0x0040;
pub const EVENT_CLOSED: i32 = 0x0080;
pub const EVENT_CLOSE_FAILED: i32 = 0x0100;
pub const EVENT_DISCONNECTED: i32 = 0x0200;
pub const EVENT_MONITOR_STOPPED: i32 = 0x0400;
/// Every event (the mask libzmq calls `ZMQ_EVENT_ALL`).
pub const EVENT_ALL: i32 = 0xFFFF;
pub const EVENT_HANDSHAKE_FAILED_NO_DETAIL: i32 = 0x0800;
pub const EVENT_HANDSHAKE_SUCCEEDED: i32 = 0x1000;
pub const EVENT_HANDSHAKE_FAILED_PROTOCOL: i32 = 0x2000;
pub const EVENT_HANDSHAKE_FAILED_AUTH: i32 = 0x4000;

/// Values of `HANDSHAKE_FAILED_PROTOCOL` (libzmq's `ZMQ_PROTOCOL_ERROR_*`; those FerroMQ
/// emits).
pub const PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND: u32 = 0x1000_0001;
pub const PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH: u32 = 0x1100_0002;
pub const PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE: u32 = 0x1000_0002;
pub const PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE: u32 = 0x1000_0003;
pub const PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE: u32 = 0x1000_0012;
pub const PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO: u32 = 0x1000_0013;
pub const PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC: u32 = 0x1100_0001;
pub const PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE: u32 = 0x1000_0014;
pub const PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY: u32 = 0x1000_0016;
pub const PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME: u32 = 0x1000_0017;
pub const PROTOCOL_ERROR_ZMTP_INVALID_METADATA: u32 = 0x1000_0018;
pub const PROTOCOL_ERROR_ZAP_UNSPECIFIED: u32 = 0x2000_0000;
pub const PROTOCOL_ERROR_ZAP_MALFORMED_REPLY: u32 = 0x2000_0001;
pub const PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID: u32 = 0x2000_0002;
pub const PROTOCOL_ERROR_ZAP_BAD_VERSION: u32 = 0x2000_0003;
pub const PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE: u32 = 0x2000_0004;
pub const PROTOCOL_ERROR_ZAP_INVALID_METADATA: u32 = 0x2000_0005;

/// One event, as decoded from a monitor message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorEvent {
    /// One of the `EVENT_*` constants.
    pub event: i32,
    /// The event's value: an fd, an errno, a delay in ms, a protocol error code… (see the
    /// module's table).
    pub value: u32,
    /// The endpoint the event is about (empty for `MONITOR_STOPPED`).
    pub endpoint: String,
}

impl MonitorEvent {
    /// Decodes a message received from a monitor endpoint: two frames, the first 6 bytes long.
    pub fn parse(msg: &Message) -> Result<MonitorEvent> {
        let frames = msg.frames();
        if frames.len() != 2 {
            return Err(Error::invalid(format!(
                "a monitor event has 2 frames, this message has {}",
                frames.len()
            )));
        }
        let header = frames[0].as_slice();
        if header.len() != 6 {
            return Err(Error::invalid(format!(
                "a monitor event's first frame is 6 bytes (event id, value), this one is {}",
                header.len()
            )));
        }
        let event = u16::from_ne_bytes([header[0], header[1]]);
        let value = u32::from_ne_bytes([header[2], header[3], header[4], header[5]]);
        Ok(MonitorEvent {
            event: event as i32,
            value,
            endpoint: String::from_utf8_lossy(frames[1].as_slice()).into_owned(),
        })
    }

    /// The event's name without the `EVENT_` prefix (`"CONNECTED"`…), or `"UNKNOWN"`.
    pub fn name(&self) -> &'static str {
        event_name(self.event).unwrap_or("UNKNOWN")
    }

    /// The monitor message for this event.
    pub fn to_message(&self) -> Message {
        encode(self.event, self.value, &self.endpoint)
    }
}

/// The name of an event id without the `EVENT_` prefix, e.g. `"ACCEPTED"`.
pub fn event_name(event: i32) -> Option<&'static str> {
    Some(match event {
        EVENT_CONNECTED => "CONNECTED",
        EVENT_CONNECT_DELAYED => "CONNECT_DELAYED",
        EVENT_CONNECT_RETRIED => "CONNECT_RETRIED",
        EVENT_LISTENING => "LISTENING",
        EVENT_BIND_FAILED => "BIND_FAILED",
        EVENT_ACCEPTED => "ACCEPTED",
        EVENT_ACCEPT_FAILED => "ACCEPT_FAILED",
        EVENT_CLOSED => "CLOSED",
        EVENT_CLOSE_FAILED => "CLOSE_FAILED",
        EVENT_DISCONNECTED => "DISCONNECTED",
        EVENT_MONITOR_STOPPED => "MONITOR_STOPPED",
        EVENT_HANDSHAKE_FAILED_NO_DETAIL => "HANDSHAKE_FAILED_NO_DETAIL",
        EVENT_HANDSHAKE_SUCCEEDED => "HANDSHAKE_SUCCEEDED",
        EVENT_HANDSHAKE_FAILED_PROTOCOL => "HANDSHAKE_FAILED_PROTOCOL",
        EVENT_HANDSHAKE_FAILED_AUTH => "HANDSHAKE_FAILED_AUTH",
        _ => return None,
    })
}

fn encode(event: i32, value: u32, endpoint: &str) -> Message {
    let mut header = [0u8; 6];
    header[..2].copy_from_slice(&(event as u16).to_ne_bytes());
    header[2..].copy_from_slice(&value.to_ne_bytes());
    Message::from_frames([
        Frame::copy_from_slice(&header),
        Frame::copy_from_slice(endpoint.as_bytes()),
    ])
}

/// A socket's event emitter, shared with its I/O tasks. Costs one atomic load per event
/// while nobody monitors.
#[derive(Default)]
pub(crate) struct Monitor {
    /// The current sink's mask (0: no monitor), read without the lock.
    mask: AtomicI32,
    sink: Mutex<Option<MonitorSink>>,
}

impl Monitor {
    fn lock(&self) -> MutexGuard<'_, Option<MonitorSink>> {
        self.sink.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `event` is selected (cheap; lets callers skip building the endpoint).
    #[inline]
    pub(crate) fn wants(&self, event: i32) -> bool {
        self.mask.load(Ordering::Relaxed) & event != 0
    }

    /// Sends `event` to the monitor if it is selected. Never blocks on the monitor's reader:
    /// an event that finds the monitor pipe full (or nobody connected) is dropped.
    pub(crate) fn emit(&self, event: i32, value: u32, endpoint: &str) {
        if !self.wants(event) {
            return;
        }
        if let Some(sink) = self.lock().as_mut() {
            if sink.mask & event != 0 {
                sink.send(encode(event, value, endpoint));
            }
        }
    }

    /// Replaces the current monitor (which gets MONITOR_STOPPED) with `sink`.
    pub(crate) fn start(&self, sink: MonitorSink) {
        let mut current = self.lock();
        if let Some(old) = current.take() {
            old.stop();
        }
        self.mask.store(sink.mask, Ordering::Relaxed);
        *current = Some(sink);
    }

    /// Ends monitoring, if any: MONITOR_STOPPED (if selected) is the last event sent, and
    /// the inproc name is freed.
    pub(crate) fn stop(&self) {
        let mut current = self.lock();
        self.mask.store(0, Ordering::Relaxed);
        if let Some(sink) = current.take() {
            sink.stop();
        }
    }
}

/// The monitor's end: an inproc PAIR endpoint reduced to what sending events needs. It owns
/// no `Context`, so an I/O thread may drop it.
pub(crate) struct MonitorSink {
    mask: i32,
    /// The endpoint's own mailbox: the application's PAIR arrives here (`Attached`).
    link: Arc<SocketLink>,
    /// Frees the inproc name when dropped.
    _binding: InprocBinding,
    /// The pipe to the application's PAIR, once it has connected.
    peer: Option<PipeEnd>,
}

impl MonitorSink {
    /// Binds `inproc://name` in `ctx` for a monitor of the events in `mask`.
    pub(crate) fn bind(ctx: &Context, name: &str, mask: i32) -> Result<MonitorSink> {
        // libzmq's monitor socket: a PAIR with default options and LINGER 0.
        let options = SocketOptions {
            linger_ms: 0,
            ..SocketOptions::default()
        };
        let link = Arc::new(SocketLink::new(
            SocketType::Pair,
            options.linger_ms,
            ctx.io().clone(),
            ctx.inproc().clone(),
        )?);
        let side = inproc::Side::new(&link, &options);
        let binding = ctx.inproc().bind(name, side, &link)?;
        Ok(MonitorSink {
            mask,
            link,
            _binding: binding,
            peer: None,
        })
    }

    fn send(&mut self, msg: Message) {
        self.update();
        if let Some(peer) = self.peer.as_mut() {
            // At the HWM the event is dropped, as libzmq's DONTWAIT send does.
            let _ = peer.send(msg);
        }
    }

    /// Takes the application's PAIR connecting (or going away), PAIR-style: one peer at a
    /// time, a second one is refused. What the application sends us is discarded.
    fn update(&mut self) {
        let peer = &mut self.peer;
        if self.link.signal.has_events() {
            self.link.signal.drain(|event| match event {
                PipeEvent::Attached(mut pipe, _) => {
                    if peer.as_ref().is_none_or(|p| p.is_peer_closed()) {
                        *peer = Some(pipe);
                    } else {
                        pipe.close();
                    }
                }
                PipeEvent::Closed(id) if peer.as_ref().is_some_and(|p| p.id() == id) => {
                    *peer = None;
                }
                _ => {}
            });
        }
        if let Some(p) = peer.as_mut() {
            while p.read().is_some() {}
        }
    }

    fn stop(mut self) {
        if self.mask & EVENT_MONITOR_STOPPED != 0 {
            // The last event is queued even above the HWM: a reader waiting for the end of
            // the stream must see it (one message beyond the bound, once).
            self.update();
            if let Some(peer) = self.peer.as_mut() {
                if peer.write_unbounded(encode(EVENT_MONITOR_STOPPED, 0, "")) {
                    peer.flush();
                }
            }
        }
        // Dropping the pipe closes it after what it holds is read; the binding frees the name.
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_in_libzmq_layout() {
        let msg = encode(EVENT_CONNECT_RETRIED, 250, "tcp://127.0.0.1:5555");
        let header = msg.frames()[0].as_slice();
        assert_eq!(header.len(), 6);
        assert_eq!(u16::from_ne_bytes([header[0], header[1]]), 0x0004);
        assert_eq!(
            u32::from_ne_bytes([header[2], header[3], header[4], header[5]]),
            250
        );
        let event = MonitorEvent::parse(&msg).unwrap();
        assert_eq!(
            event,
            MonitorEvent {
                event: EVENT_CONNECT_RETRIED,
                value: 250,
                endpoint: "tcp://127.0.0.1:5555".into()
            }
        );
        assert_eq!(event.name(), "CONNECT_RETRIED");
        assert_eq!(event.to_message(), msg);
    }

    #[test]
    fn parse_refuses_other_messages() {
        assert!(MonitorEvent::parse(&Message::single(&b"x"[..])).is_err());
        let bad = Message::from_frames([&b"12345"[..], &b"ep"[..]]);
        assert!(MonitorEvent::parse(&bad).is_err());
    }
}
