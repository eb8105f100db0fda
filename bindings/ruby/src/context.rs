//! `FerroMQ::NativeContext`: a core context; `terminate` waits for the sockets' LINGER
//! without the GVL.

use ferromq::{Context, SocketType};
use magnus::{Error, Ruby};

use crate::errors::{argument_error, zmq_error};
use crate::gvl::without_gvl;
use crate::socket::NativeSocket;

#[magnus::wrap(class = "FerroMQ::NativeContext", free_immediately, size)]
pub struct NativeContext {
    ctx: Context,
}

impl NativeContext {
    pub fn new(ruby: &Ruby, io_threads: i64) -> Result<NativeContext, Error> {
        if io_threads < 0 {
            return Err(argument_error(
                ruby,
                format!("io_threads must be 0 or more, got {io_threads}"),
            ));
        }
        let ctx = Context::with_io_threads(io_threads.max(1) as usize)
            .map_err(|e| zmq_error(ruby, &e))?;
        Ok(NativeContext { ctx })
    }

    pub fn socket(ruby: &Ruby, rb_self: &Self, socket_type: i32) -> Result<NativeSocket, Error> {
        let kind = SocketType::from_raw(socket_type)
            .ok_or_else(|| argument_error(ruby, format!("{socket_type} is not a socket type")))?;
        let socket = rb_self.ctx.socket(kind).map_err(|e| zmq_error(ruby, &e))?;
        Ok(NativeSocket::new(socket))
    }

    /// zmq_ctx_term: the sockets still open are closed, and what they queued is delivered
    /// within their LINGER; the GVL is released meanwhile.
    pub fn terminate(ruby: &Ruby, rb_self: &Self) -> Result<(), Error> {
        let ctx = rb_self.ctx.clone();
        without_gvl(ruby, move |_| ctx.destroy(None))?;
        Ok(())
    }

    /// The core context (for the authenticator, which serves its servers).
    pub fn core(&self) -> &Context {
        &self.ctx
    }

    pub fn io_threads(&self) -> usize {
        self.ctx.io_threads()
    }
}
