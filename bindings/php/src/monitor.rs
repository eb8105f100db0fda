//! ZMQSocket::recvEvent: one event of zmq_socket_monitor's protocol (a frame with the event
//! number, u16, and its value, u32, in native byte order; then a frame with the address)
//! as php-zmq's array.

use ext_php_rs::exception::PhpResult;
use ext_php_rs::types::{ZendHashTable, Zval};

use crate::errors::{exception, socket_failure, Class, ERR_INTERNAL};

pub fn recv_event(socket: &ferromq::Socket, flags: i32) -> PhpResult<Zval> {
    let msg = match socket.recv_msg(flags) {
        Ok(msg) => msg,
        // php-zmq throws for EAGAIN too.
        Err(e) => return Err(socket_failure("Invalid monitor message received", &e)),
    };
    let frames = msg.frames();
    let head = frames.first().map(|f| f.as_slice()).unwrap_or_default();
    if frames.len() != 2 || head.len() != 6 {
        return Err(exception(
            Class::Socket,
            "Invalid monitor message received: Invalid argument",
            ferromq::ErrorKind::Invalid.errno(),
        ));
    }
    let event = u16::from_ne_bytes([head[0], head[1]]);
    let value = u32::from_ne_bytes([head[2], head[3], head[4], head[5]]);
    let mut array = ZendHashTable::new();
    let address = String::from_utf8_lossy(frames[1].as_slice()).into_owned();
    let fill = |array: &mut ZendHashTable| -> ext_php_rs::error::Result<()> {
        array.insert("event", i64::from(event))?;
        array.insert("value", i64::from(value))?;
        array.insert("address", address)?;
        Ok(())
    };
    fill(&mut array).map_err(|e| exception(Class::Socket, e.to_string(), ERR_INTERNAL))?;
    let mut zval = Zval::new();
    zval.set_hashtable(array);
    Ok(zval)
}
