//! `getsockopt(ZMQ::SOCKOPT_FD)`: the socket's readiness descriptor (ZMQ_FD: readable when
//! its ZMQ_EVENTS may have changed) as a PHP stream, for stream_select and event loops.
//! PHP opens it (`php://fd/N`, a duplicate of the descriptor), which its CLI allows.

use std::os::fd::AsRawFd;

use ext_php_rs::exception::PhpResult;
use ext_php_rs::types::{ZendCallable, Zval};

use crate::errors::{exception, Class, ERR_INTERNAL};

pub fn open(socket: &ferromq::Socket) -> PhpResult<Zval> {
    let fd = socket.readiness_fd().as_raw_fd();
    let unavailable = || {
        exception(
            Class::Socket,
            "Failed to get the option ZMQ::SOCKOPT_FD value: PHP could not open the \
             descriptor as a stream (php://fd is available to the PHP CLI only)",
            ERR_INTERNAL,
        )
    };
    let fopen = ZendCallable::try_from_name("fopen").map_err(|_| unavailable())?;
    let path = format!("php://fd/{fd}");
    let stream = fopen
        .try_call(vec![&path, &"r"])
        .map_err(|_| unavailable())?;
    if stream.is_resource() {
        Ok(stream)
    } else {
        Err(unavailable())
    }
}
