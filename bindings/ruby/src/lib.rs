//! FerroMQ for Ruby: the native half of the `ferromq` gem (ruby/). Thin on purpose: it
//! converts values and errors and releases the GVL around blocking calls; the `zmq` gem's
//! and ffi-rzmq's classes are written in Ruby (ruby/lib/) over these primitives.

mod auth;
mod context;
mod errors;
mod gvl;
mod poll;
mod proxy;
mod socket;

use magnus::{function, method, prelude::*, Error, Ruby};

use auth::NativeAuthenticator;
use context::NativeContext;
use socket::NativeSocket;

#[magnus::init(name = "ferromq_native")]
fn init(ruby: &Ruby) -> Result<(), Error> {
    let module = ruby.define_module("FerroMQ")?;
    module.const_set("CORE_VERSION", env!("CARGO_PKG_VERSION"))?;
    module.define_module_function("poll", function!(poll::poll, 3))?;
    module.define_module_function("proxy", function!(proxy::proxy, 3))?;
    module.define_module_function("curve_keypair", function!(auth::curve_keypair, 0))?;
    module.define_module_function(
        "create_certificates",
        function!(auth::create_certificates, 2),
    )?;
    module.define_module_function("load_certificate", function!(auth::load_certificate, 1))?;

    let context = module.define_class("NativeContext", ruby.class_object())?;
    context.define_singleton_method("new", function!(NativeContext::new, 1))?;
    context.define_method("socket", method!(NativeContext::socket, 1))?;
    context.define_method("terminate", method!(NativeContext::terminate, 0))?;
    context.define_method("io_threads", method!(NativeContext::io_threads, 0))?;

    let socket = module.define_class("NativeSocket", ruby.class_object())?;
    socket.define_method("bind", method!(NativeSocket::bind, 1))?;
    socket.define_method("connect", method!(NativeSocket::connect, 1))?;
    socket.define_method("unbind", method!(NativeSocket::unbind, 1))?;
    socket.define_method("disconnect", method!(NativeSocket::disconnect, 1))?;
    socket.define_method("send_frame", method!(NativeSocket::send, 2))?;
    socket.define_method("recv_frame", method!(NativeSocket::recv, 1))?;
    socket.define_method("more?", method!(NativeSocket::more, 0))?;
    socket.define_method("set_int", method!(NativeSocket::set_int, 2))?;
    socket.define_method("set_bytes", method!(NativeSocket::set_bytes, 2))?;
    socket.define_method("get", method!(NativeSocket::get, 1))?;
    socket.define_method("close", method!(NativeSocket::close, 0))?;
    socket.define_method("closed?", method!(NativeSocket::is_closed, 0))?;
    socket.define_method("fd", method!(NativeSocket::fd, 0))?;
    socket.define_method("events", method!(NativeSocket::events, 0))?;

    let auth = module.define_class("NativeAuthenticator", ruby.class_object())?;
    auth.define_singleton_method("new", function!(NativeAuthenticator::new, 1))?;
    auth.define_method("start", method!(NativeAuthenticator::start, 0))?;
    auth.define_method("stop", method!(NativeAuthenticator::stop, 0))?;
    auth.define_method("running?", method!(NativeAuthenticator::is_running, 0))?;
    auth.define_method("allow", method!(NativeAuthenticator::allow, 1))?;
    auth.define_method("deny", method!(NativeAuthenticator::deny, 1))?;
    auth.define_method(
        "configure_plain",
        method!(NativeAuthenticator::configure_plain, 2),
    )?;
    auth.define_method(
        "allow_any_curve",
        method!(NativeAuthenticator::allow_any_curve, 0),
    )?;
    auth.define_method(
        "configure_curve",
        method!(NativeAuthenticator::configure_curve, 2),
    )?;
    Ok(())
}
