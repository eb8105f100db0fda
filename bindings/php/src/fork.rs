//! Fork awareness for PHP (php-fpm's workers, `pcntl_fork`): the core's fork generation
//! (`ferromq::fork`) keeps a child from using, or closing, what its parent made; here, the
//! exception that tells the PHP program so.

use ext_php_rs::exception::PhpException;

pub use ferromq::fork::ForkBound;

use crate::errors::{exception, Class};

/// The exception for using, in a forked child, a `what` made by process `pid`: ETERM, as
/// the parent's context is gone for the child.
pub fn inherited(class: Class, what: &str, pid: u32, remedy: &str) -> PhpException {
    exception(
        class,
        format!(
            "The {what} was created in process {pid} and cannot be used after fork: \
             create {remedy} in this process"
        ),
        ferromq::ErrorKind::Term.errno(),
    )
}
