//! `FerroMQ::NativeSocket`: a core socket for lib/ferromq's Ruby classes. Blocking sends
//! and receives release the GVL (gvl.rs); EAGAIN is a `nil`/`false` result, as in the
//! `zmq` gem, and the Ruby layer shapes the rest.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use ferromq::{flags, ErrorKind, OptionValue, Socket, SocketOption};
use magnus::{prelude::*, Error, RString, Ruby, Value};

use crate::errors::zmq_error;
use crate::gvl::{check_interrupts, without_gvl};

#[magnus::wrap(class = "FerroMQ::NativeSocket", free_immediately, size)]
pub struct NativeSocket {
    socket: Arc<Socket>,
}

impl NativeSocket {
    pub fn new(socket: Socket) -> NativeSocket {
        NativeSocket {
            socket: Arc::new(socket),
        }
    }

    /// The core socket, for calls made without the GVL.
    pub fn handle(&self) -> Arc<Socket> {
        self.socket.clone()
    }

    pub fn bind(ruby: &Ruby, rb_self: &Self, endpoint: String) -> Result<(), Error> {
        rb_self
            .socket
            .bind(&endpoint)
            .map_err(|e| zmq_error(ruby, &e))
    }

    pub fn connect(ruby: &Ruby, rb_self: &Self, endpoint: String) -> Result<(), Error> {
        rb_self
            .socket
            .connect(&endpoint)
            .map_err(|e| zmq_error(ruby, &e))
    }

    pub fn unbind(ruby: &Ruby, rb_self: &Self, endpoint: String) -> Result<(), Error> {
        rb_self
            .socket
            .unbind(&endpoint)
            .map_err(|e| zmq_error(ruby, &e))
    }

    pub fn disconnect(ruby: &Ruby, rb_self: &Self, endpoint: String) -> Result<(), Error> {
        rb_self
            .socket
            .disconnect(&endpoint)
            .map_err(|e| zmq_error(ruby, &e))
    }

    /// Sends one frame: true once queued, false if it cannot be now (EAGAIN: DONTWAIT, or
    /// SNDTIMEO expired).
    pub fn send(ruby: &Ruby, rb_self: &Self, data: RString, flags: i32) -> Result<bool, Error> {
        // SAFETY: the bytes are copied before any Ruby code can run and change the string.
        let frame = ferromq::Frame::copy_from_slice(unsafe { data.as_slice() });
        let attempt = rb_self.socket.send(frame.clone(), flags | flags::DONTWAIT);
        let result = match attempt {
            Err(e) if e.is_again() && flags & flags::DONTWAIT == 0 => blocking(ruby, |hook| {
                rb_self
                    .socket
                    .send_interruptible(frame.clone(), flags, Some(hook))
            })?,
            other => other,
        };
        match result {
            Ok(()) => Ok(true),
            Err(e) if e.is_again() => Ok(false),
            Err(e) => Err(zmq_error(ruby, &e)),
        }
    }

    /// Receives one frame as a binary String; nil if there is none now (EAGAIN).
    pub fn recv(ruby: &Ruby, rb_self: &Self, flags: i32) -> Result<Option<RString>, Error> {
        let result = match rb_self.socket.recv(flags | flags::DONTWAIT) {
            Err(e) if e.is_again() && flags & flags::DONTWAIT == 0 => blocking(ruby, |hook| {
                rb_self.socket.recv_interruptible(flags, Some(hook))
            })?,
            other => other,
        };
        match result {
            Ok(frame) => Ok(Some(ruby.str_from_slice(frame.as_slice()))),
            Err(e) if e.is_again() => Ok(None),
            Err(e) => Err(zmq_error(ruby, &e)),
        }
    }

    /// RCVMORE: more frames of the message are to come.
    pub fn more(&self) -> bool {
        self.socket.rcvmore()
    }

    pub fn set_int(ruby: &Ruby, rb_self: &Self, option: i32, value: i64) -> Result<(), Error> {
        let option = SocketOption::from_raw(option).map_err(|e| zmq_error(ruby, &e))?;
        rb_self
            .socket
            .set_option(option, value)
            .map_err(|e| zmq_error(ruby, &e))
    }

    pub fn set_bytes(
        ruby: &Ruby,
        rb_self: &Self,
        option: i32,
        value: RString,
    ) -> Result<(), Error> {
        let option = SocketOption::from_raw(option).map_err(|e| zmq_error(ruby, &e))?;
        // SAFETY: copied before any Ruby code runs.
        let bytes = bytes::Bytes::copy_from_slice(unsafe { value.as_slice() });
        rb_self
            .socket
            .set_option(option, OptionValue::Bytes(bytes))
            .map_err(|e| zmq_error(ruby, &e))
    }

    /// An option's value: an Integer, or a binary String for the binary options.
    pub fn get(ruby: &Ruby, rb_self: &Self, option: i32) -> Result<Value, Error> {
        let option = SocketOption::from_raw(option).map_err(|e| zmq_error(ruby, &e))?;
        match rb_self.socket.get_option(option) {
            Ok(OptionValue::Int(v)) => Ok(ruby.integer_from_i64(v).as_value()),
            Ok(OptionValue::Bytes(b)) => Ok(ruby.str_from_slice(&b).as_value()),
            Err(e) => Err(zmq_error(ruby, &e)),
        }
    }

    pub fn close(&self) {
        self.socket.close();
    }

    pub fn is_closed(&self) -> bool {
        self.socket.is_closed()
    }

    /// ZMQ_FD: readable when the socket's ZMQ_EVENTS may have changed (for IO.select and
    /// fiber schedulers).
    pub fn fd(ruby: &Ruby, rb_self: &Self) -> Result<i64, Error> {
        match rb_self.socket.get_int(SocketOption::Fd) {
            Ok(fd) => Ok(fd),
            Err(e) => Err(zmq_error(ruby, &e)),
        }
    }

    pub fn events(ruby: &Ruby, rb_self: &Self) -> Result<i64, Error> {
        rb_self
            .socket
            .get_int(SocketOption::Events)
            .map_err(|e| zmq_error(ruby, &e))
    }
}

/// Runs a blocking core call without the GVL. When Ruby interrupts the thread, the call ends
/// with EINTR and Ruby handles the interrupt: an exception it raises (Thread#kill, Ctrl-C,
/// Timeout) is the outer error; if it raises none, the call is made again.
fn blocking<T>(
    ruby: &Ruby,
    call: impl Fn(&mut dyn FnMut() -> ferromq::Result<()>) -> ferromq::Result<T>,
) -> Result<ferromq::Result<T>, Error> {
    loop {
        let outcome = without_gvl(ruby, |stop: &AtomicBool| {
            let mut hook = || {
                if stop.load(Ordering::SeqCst) {
                    Err(ferromq::Error::from_kind(ErrorKind::Interrupted))
                } else {
                    Ok(())
                }
            };
            call(&mut hook)
        })?;
        match outcome {
            Some(Err(e)) if e.kind() == ErrorKind::Interrupted => {}
            Some(result) => return Ok(result),
            None => {}
        }
        check_interrupts(ruby)?;
    }
}
