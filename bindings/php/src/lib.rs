//! FerroMQ for PHP: php-zmq's classes (`ZMQ`, `ZMQContext`, `ZMQSocket`, `ZMQPoll`,
//! `ZMQDevice` and its exceptions) on the FerroMQ core, as an extension built with
//! ext-php-rs; and FerroMQ's `ZMQAuthenticator` (a ZAP handler), which php-zmq lacks.
//! It registers as the module `zmq`, as php-zmq does, so code and tools that check
//! `extension_loaded('zmq')` find it.

mod auth;
mod context;
mod device;
mod errors;
mod fork;
mod monitor;
mod persistent;
mod poll;
mod readiness_stream;
mod socket;
mod sockopt;
mod stream_fd;
mod values;
mod zmq_class;

use ext_php_rs::prelude::*;
use ext_php_rs::zend::ModuleEntry;
use ext_php_rs::{info_table_end, info_table_row, info_table_start};

/// This extension's version (the FerroMQ release).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The libzmq version FerroMQ follows, as text ("4.3.5").
pub const LIBZMQ_VERSION_TEXT: &str = "4.3.5";

extern "C" fn startup(_type: i32, _module: i32) -> i32 {
    ferromq::fork::install();
    match errors::register() {
        Ok(()) => 0,
        Err(_) => -1,
    }
}

/// Module shutdown: persistent sockets are closed and their contexts terminated, which
/// delivers what they still queue (within LINGER).
extern "C" fn shutdown(_type: i32, _module: i32) -> i32 {
    persistent::release_all();
    0
}

extern "C" fn info(_module: *mut ModuleEntry) {
    info_table_start!();
    info_table_row!("ZMQ extension", "enabled");
    info_table_row!("ZMQ extension version", VERSION);
    info_table_row!("Implementation", "FerroMQ (Rust, ext-php-rs)");
    info_table_row!("FerroMQ core version", ferromq_core_version());
    info_table_row!("libzmq version", LIBZMQ_VERSION_TEXT);
    info_table_end!();
}

fn ferromq_core_version() -> &'static str {
    ferromq::VERSION
}

#[php_module]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    module
        .name("zmq")
        .version(VERSION)
        .startup_function(startup)
        .shutdown_function(shutdown)
        .info_function(info)
        .class::<zmq_class::Zmq>()
        .class::<context::ZmqContext>()
        .class::<socket::ZmqSocket>()
        .class::<poll::ZmqPoll>()
        .class::<device::ZmqDevice>()
        .class::<auth::ZmqAuthenticator>()
}
