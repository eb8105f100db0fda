//! php-zmq's exception classes, and FerroMQ's errors as those exceptions: the message is
//! php-zmq's sentence with libzmq's `zmq_strerror` text, the code libzmq's errno, which is
//! what php-zmq users' code matches on.
//!
//! The classes are registered by hand rather than as Rust-backed classes: that way they
//! keep PHP's own exception object, which records the file, line and trace where they are
//! thrown, and PHP code can extend and construct them as any exception.

use std::sync::OnceLock;

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
}

impl Class {
    const ALL: [Class; 5] = [
        Class::Base,
        Class::Context,
        Class::Socket,
        Class::Poll,
        Class::Device,
    ];

    fn name(self) -> &'static str {
        match self {
            Class::Base => "ZMQException",
            Class::Context => "ZMQContextException",
            Class::Socket => "ZMQSocketException",
            Class::Poll => "ZMQPollException",
            Class::Device => "ZMQDeviceException",
        }
    }

    /// The registered class entry (the classes exist from module startup on).
    fn entry(self) -> &'static ClassEntry {
        static ENTRIES: [OnceLock<usize>; 5] = [const { OnceLock::new() }; 5];
        let address = *ENTRIES[self as usize].get_or_init(|| {
            ClassEntry::try_find(self.name()).map_or(0, |entry| entry as *const ClassEntry as usize)
        });
        if address == 0 {
            return ce::exception();
        }
        // SAFETY: the address is that of a class entry PHP registered at module startup,
        // which lives as long as the module.
        unsafe { &*(address as *const ClassEntry) }
    }
}

fn base_entry() -> &'static ClassEntry {
    Class::Base.entry()
}

/// Registers the classes: `ZMQException extends Exception`, the others final subclasses
/// of it. Called at module startup.
pub fn register() -> ext_php_rs::error::Result<()> {
    for class in Class::ALL {
        let builder = ClassBuilder::new(class.name());
        let builder = match class {
            Class::Base => builder.extends((ce::exception, "Exception")),
            _ => builder
                .extends((base_entry, "ZMQException"))
                .flags(ClassFlags::Final),
        };
        // The entry is looked up by name when first needed (Class::entry).
        builder.registration(|_, _| {}).register()?;
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
