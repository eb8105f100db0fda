//! FerroMQ's errors as Ruby exceptions: `ZMQ::Error` (defined in lib/ferromq/error.rb)
//! with libzmq's errno and message; wrong arguments as ArgumentError or TypeError.

use magnus::{prelude::*, Error, ExceptionClass, RModule, Ruby};

/// `ZMQ::Error.new(message, errno)`.
pub fn zmq_error(ruby: &Ruby, err: &ferromq::Error) -> Error {
    let class = ruby
        .class_object()
        .const_get::<_, RModule>("ZMQ")
        .and_then(|zmq| zmq.const_get::<_, ExceptionClass>("Error"));
    let message = err.to_string();
    match class.and_then(|class| class.new_instance((message, err.errno()))) {
        Ok(exception) => Error::from(exception),
        Err(e) => e,
    }
}

pub fn argument_error(ruby: &Ruby, message: impl Into<String>) -> Error {
    Error::new(ruby.exception_arg_error(), message.into())
}
