//! `ferromq._ferromq`: the native half of the Python package.
//!
//! A thin layer over the `ferromq` core: it converts Python values to frames and options,
//! maps core errors to `ferromq.error` exceptions, releases the GIL for every wait and keeps
//! waits interruptible (Ctrl-C). Messaging logic stays in the core; pyzmq's conveniences
//! (send_string, attribute options, Poller bookkeeping…) live in the Python package.

use pyo3::prelude::*;

mod auth;
mod blocking;
mod buffer;
mod context;
mod devices;
mod errors;
mod fastcall;
mod frame;
mod poll;
mod registry;
mod socket;
mod tracker;

#[pymodule]
fn _ferromq(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<context::PyContext>()?;
    m.add_class::<socket::PySocket>()?;
    fastcall::install(m.py(), &m.py().get_type::<socket::PySocket>())?;
    m.add_class::<frame::PyFrame>()?;
    m.add("Frame", buffer::init(m.py())?)?;
    m.add_class::<tracker::MessageTracker>()?;
    m.add_class::<devices::PyThreadDevice>()?;
    m.add_class::<auth::PyAuthenticator>()?;
    m.add_function(wrap_pyfunction!(poll::poll, m)?)?;
    m.add_function(wrap_pyfunction!(auth::curve_keypair, m)?)?;
    m.add_function(wrap_pyfunction!(auth::curve_public, m)?)?;
    m.add_function(wrap_pyfunction!(auth::load_certificate, m)?)?;
    m.add_function(wrap_pyfunction!(auth::create_certificates, m)?)?;
    m.add_function(wrap_pyfunction!(devices::proxy, m)?)?;
    m.add_function(wrap_pyfunction!(devices::proxy_steerable, m)?)?;
    m.add_function(wrap_pyfunction!(devices::device, m)?)?;
    m.add_function(wrap_pyfunction!(socket::parse_monitor_message, m)?)?;
    Ok(())
}
