//! php-zmq's exception classes, and FerroMQ's errors as those exceptions: the message is
//! php-zmq's sentence with libzmq's `zmq_strerror` text, the code libzmq's errno, which is
//! what php-zmq users' code matches on.
//!
//! The classes are registered by hand rather than as Rust-backed classes: that way they
//! keep PHP's own exception object, which records the file, line and trace where they are
//! thrown, and PHP code can extend and construct them as any exception.

use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

use ext_php_rs::args::ArgInfoTables;
use ext_php_rs::builders::ClassBuilder;
use ext_php_rs::exception::PhpException;
use ext_php_rs::flags::ClassFlags;
use ext_php_rs::zend::{ce, ClassEntry};

/// php-zmq's ZMQ::ERR_INTERNAL: the code of errors that have no errno.
pub const ERR_INTERNAL: i32 = -99;

/// The exception classes, each naming its PHP class.
#[derive(Clone, Copy)]
pub enum Class {
    Base,
    Context,
    Socket,
    Poll,
    Device,
    /// FerroMQ's own (php-zmq has no authenticator).
    Authenticator,
}

impl Class {
    const ALL: [Class; 6] = [
        Class::Base,
        Class::Context,
        Class::Socket,
        Class::Poll,
        Class::Device,
        Class::Authenticator,
    ];

    fn name(self) -> &'static str {
        match self {
            Class::Base => "ZMQException",
            Class::Context => "ZMQContextException",
            Class::Socket => "ZMQSocketException",
            Class::Poll => "ZMQPollException",
            Class::Device => "ZMQDeviceException",
            Class::Authenticator => "ZMQAuthenticatorException",
        }
    }

    /// The registered class entry (every class is registered at module startup).
    fn entry(self) -> &'static ClassEntry {
        let entry = ENTRIES[self as usize].load(Ordering::Acquire);
        // SAFETY: set at module startup to the entry PHP registered, which lives as long
        // as the module; null only if registration failed, and then the module did not
        // start.
        unsafe { entry.as_ref() }.unwrap_or_else(ce::exception)
    }
}

/// The registered entries, by `Class as usize`.
static ENTRIES: [AtomicPtr<ClassEntry>; Class::ALL.len()] =
    [const { AtomicPtr::new(ptr::null_mut()) }; Class::ALL.len()];

/// Records the entry of class number `I` (a registration callback).
fn record<const I: usize>(entry: &'static mut ClassEntry, _: ArgInfoTables) {
    ENTRIES[I].store(entry, Ordering::Release);
}

fn base_entry() -> &'static ClassEntry {
    Class::Base.entry()
}

/// Registers the classes: `ZMQException extends Exception`, the others final subclasses
/// of it. Called at module startup.
pub fn register() -> ext_php_rs::error::Result<()> {
    for class in Class::ALL {
        let recorder: fn(&'static mut ClassEntry, ArgInfoTables) = match class {
            Class::Base => record::<0>,
            Class::Context => record::<1>,
            Class::Socket => record::<2>,
            Class::Poll => record::<3>,
            Class::Device => record::<4>,
            Class::Authenticator => record::<5>,
        };
        let builder = ClassBuilder::new(class.name()).registration(recorder);
        let builder = match class {
            Class::Base => builder.extends((ce::exception, "Exception")),
            _ => builder
                .extends((base_entry, "ZMQException"))
                .flags(ClassFlags::Final),
        };
        builder.register()?;
    }
    Ok(())
}

/// An exception of `class` with `message` and `code`.
pub fn exception(class: Class, message: impl Into<String>, code: i32) -> PhpException {
    PhpException::new(message.into(), code, class.entry())
}

/// `"{what}: {strerror}"` with the errno as code, as php-zmq words a failed libzmq call.
pub fn zmq_failure(class: Class, what: &str, err: &ferromq::Error) -> PhpException {
    exception(
        class,
        format!("{what}: {}", err.kind().message()),
        err.errno(),
    )
}

pub fn socket_failure(what: &str, err: &ferromq::Error) -> PhpException {
    zmq_failure(Class::Socket, what, err)
}

/// PHP's own `TypeError`, for an argument of the wrong type.
pub fn type_error(message: impl Into<String>) -> PhpException {
    PhpException::new(message.into(), 0, ce::type_error())
}
