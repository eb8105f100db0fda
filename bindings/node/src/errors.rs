//! Errors as zeromq.js users see them. An error leaves the addon with libzmq's `code` and
//! FerroMQ's explanation as its message; `node/index.js` (`fixError`) then gives it
//! zeromq.js's `message` and libzmq's `errno` from [`error_table`], and keeps the
//! explanation as `detail`.

use std::collections::HashMap;

use ferromq::ErrorKind;

/// The message zeromq.js gives an error of `kind`: libzmq's `zmq_strerror` text, except for
/// the few that zeromq.js words itself.
fn zeromq_js_message(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Again => "Operation was not possible or timed out",
        ErrorKind::NoEntity => "No such endpoint",
        ErrorKind::TooManyFiles => "Too many open file descriptors",
        _ => kind.message(),
    }
}

/// What FerroMQ says was wrong: the error's detail, or its kind's text.
pub fn explanation(err: &ferromq::Error) -> &str {
    err.detail().unwrap_or_else(|| err.kind().message())
}

/// For each code the core reports, `[errno, message]` as zeromq.js has them.
pub fn error_table() -> HashMap<String, (i32, &'static str)> {
    ErrorKind::ALL
        .into_iter()
        .map(|kind| {
            (
                kind.code().to_string(),
                (kind.errno(), zeromq_js_message(kind)),
            )
        })
        .collect()
}
