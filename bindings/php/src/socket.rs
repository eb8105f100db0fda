#![allow(non_snake_case)] // the context parameter keeps php-zmq's name, $ZMQContext
//! `ZMQSocket`: php-zmq's socket. Sends and receives block the PHP thread as php-zmq's do;
//! a non-blocking one that cannot proceed returns false (EAGAIN), anything else that fails
//! throws ZMQSocketException with libzmq's errno as its code.

use std::sync::{Arc, Mutex};

use ext_php_rs::boxed::ZBox;
use ext_php_rs::convert::IntoZval;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendCallable, ZendClassObject, ZendHashTable, Zval};

use ferromq::{flags, Frame, Message, SocketType};

use crate::context::{SharedContext, ZmqContext};
use crate::errors::{exception, socket_failure, Class, ERR_INTERNAL};
use crate::fork::{inherited, ForkBound};
use crate::monitor;
use crate::persistent::{self, SocketKey};
use crate::sockopt;
use crate::values::{arg, false_zval, string_zval, type_name};

/// The endpoints a socket was bound or connected to through this API, in order
/// (getEndpoints; connect/bind skip one already there unless forced).
#[derive(Default)]
struct Endpoints {
    connect: Vec<String>,
    bind: Vec<String>,
}

/// A core socket and what php-zmq keeps beside it; shared by every ZMQSocket object that
/// names the same persistent socket.
pub struct SharedSocket {
    socket: ForkBound<ferromq::Socket>,
    /// Keeps the context alive while the socket is (php-zmq holds its context object).
    context: Arc<SharedContext>,
    socket_type: i64,
    persistent_id: Option<String>,
    endpoints: Mutex<Endpoints>,
}

impl SharedSocket {
    pub fn is_from_this_process(&self) -> bool {
        self.socket.is_from_this_process()
    }

    /// The core socket, or ZMQSocketException in a process forked after it was made.
    pub fn core(&self) -> PhpResult<&ferromq::Socket> {
        self.socket
            .get()
            .map_err(|pid| inherited(Class::Socket, "socket", pid, "a new ZMQContext and socket"))
    }

    fn endpoints(&self) -> std::sync::MutexGuard<'_, Endpoints> {
        self.endpoints.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for SharedSocket {
    fn drop(&mut self) {
        self.context.socket_closed();
    }
}

#[php_class]
#[php(name = "ZMQSocket")]
pub struct ZmqSocket {
    shared: Arc<SharedSocket>,
}

impl ZmqSocket {
    pub fn shared(&self) -> &Arc<SharedSocket> {
        &self.shared
    }

    /// php-zmq's socket creation: a persistent socket already kept under (context, type,
    /// persistent id) is returned as it is; otherwise a new one is made, handed to
    /// `on_new_socket($socket, $persistent_id)`, and kept if persistent.
    pub fn open(
        context: &Arc<SharedContext>,
        socket_type: i64,
        persistent_id: Option<String>,
        on_new_socket: Option<Zval>,
    ) -> PhpResult<ZmqSocket> {
        // Persistent when the context is and the id is not empty.
        let key = match (&persistent_id, context.key()) {
            (Some(id), Some(context)) if !id.is_empty() => Some(SocketKey {
                context,
                socket_type,
                persistent_id: id.clone(),
            }),
            _ => None,
        };
        if let Some(found) = key.as_ref().and_then(persistent::socket) {
            return Ok(ZmqSocket { shared: found });
        }
        let kind = i32::try_from(socket_type)
            .ok()
            .and_then(SocketType::from_raw)
            .ok_or_else(|| {
                exception(
                    Class::Socket,
                    "Error creating socket: Invalid argument",
                    ferromq::ErrorKind::Invalid.errno(),
                )
            })?;
        let socket = context
            .core()?
            .socket(kind)
            .map_err(|e| socket_failure("Error creating socket", &e))?;
        context.socket_opened();
        let shared = Arc::new(SharedSocket {
            socket: ForkBound::new(socket),
            context: context.clone(),
            socket_type,
            persistent_id: key.as_ref().map(|k| k.persistent_id.clone()),
            endpoints: Mutex::new(Endpoints::default()),
        });
        if let Some(callback) = on_new_socket {
            // The callback gets the socket and the id; if it throws, the socket is closed
            // (not kept) and its exception reaches the caller.
            let object = object_for(&shared).into_zval(false)?;
            let id = persistent_id.filter(|id| !id.is_empty());
            let callable = ZendCallable::new(&callback)?;
            callable.try_call(vec![&object, &id]).map_err(|_| {
                exception(
                    Class::Socket,
                    "Failed to invoke 'on_new_socket' callback",
                    0,
                )
            })?;
        }
        if let Some(key) = key {
            persistent::keep_socket(key, shared.clone());
        }
        Ok(ZmqSocket { shared })
    }

    fn socket(&self) -> PhpResult<&ferromq::Socket> {
        self.shared.core()
    }
}

/// What a send or receive that may not proceed now comes to: `Ok(None)` for EAGAIN,
/// which php-zmq returns as false.
fn again_is_none<T>(result: ferromq::Result<T>, what: &str) -> PhpResult<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.is_again() => Ok(None),
        Err(e) => Err(socket_failure(what, &e)),
    }
}

/// `$this` on success, false on EAGAIN: php-zmq's send results.
fn this_or_false(self_: &mut ZendClassObject<ZmqSocket>, sent: bool) -> Zval {
    let mut result = Zval::new();
    if sent {
        result.set_object(&mut self_.std);
    } else {
        result.set_bool(false);
    }
    result
}

#[php_impl]
#[php(change_method_case = "none")]
impl ZmqSocket {
    pub fn __construct(
        ZMQContext: &Zval,
        r#type: &Zval,
        persistent_id: Option<&Zval>,
        on_new_socket: Option<&Zval>,
    ) -> PhpResult<ZmqSocket> {
        const F: &str = "ZMQSocket::__construct";
        let context = arg(F, 1, "ZMQContext").object::<ZmqContext>(ZMQContext, "ZMQContext")?;
        ZmqSocket::open(
            context.shared(),
            arg(F, 2, "type").int(r#type)?,
            arg(F, 3, "persistent_id").nullable_string(persistent_id)?,
            arg(F, 4, "on_new_socket").nullable_callable(on_new_socket)?,
        )
    }

    /// Sends one frame; `$mode` takes ZMQ::MODE_DONTWAIT and ZMQ::MODE_SNDMORE. Returns
    /// the socket, or false if it cannot be sent now (EAGAIN).
    pub fn send(
        self_: &mut ZendClassObject<ZmqSocket>,
        message: &Zval,
        mode: Option<&Zval>,
    ) -> PhpResult<Zval> {
        send_frame(self_, message, mode, "ZMQSocket::send")
    }

    /// php-zmq's alias of send.
    pub fn sendmsg(
        self_: &mut ZendClassObject<ZmqSocket>,
        message: &Zval,
        mode: Option<&Zval>,
    ) -> PhpResult<Zval> {
        send_frame(self_, message, mode, "ZMQSocket::sendmsg")
    }

    /// Sends each element of `$message` as one frame of one message (which ends with the
    /// last element whatever `$mode` says); the socket, or false on EAGAIN or for an
    /// empty array.
    pub fn sendmulti(
        self_: &mut ZendClassObject<ZmqSocket>,
        message: &Zval,
        mode: Option<&Zval>,
    ) -> PhpResult<Zval> {
        const F: &str = "ZMQSocket::sendmulti";
        let mode = arg(F, 2, "mode").int_or(mode, 0)? as i32;
        let parts = message.dereference().array().ok_or_else(|| {
            crate::errors::type_error(format!(
                "{F}(): Argument #1 ($message) must be of type array, {} given",
                type_name(message)
            ))
        })?;
        let mut msg = Message::new();
        for part in parts.values() {
            arg(F, 1, "message").with_bytes(part, |bytes| {
                msg.push_back(Frame::copy_from_slice(bytes));
                Ok(())
            })?;
        }
        let socket = self_.socket()?;
        let sent = if msg.is_empty() {
            None
        } else {
            again_is_none(
                socket.send_msg(msg, mode & !flags::SNDMORE),
                "Failed to send message",
            )?
        };
        Ok(this_or_false(self_, sent.is_some()))
    }

    /// Receives one frame as a string; false if none can be had now (EAGAIN).
    pub fn recv(&self, mode: Option<&Zval>) -> PhpResult<Zval> {
        self.recv_frame(arg("ZMQSocket::recv", 1, "mode").int_or(mode, 0)?)
    }

    /// php-zmq's alias of recv.
    pub fn recvmsg(&self, mode: Option<&Zval>) -> PhpResult<Zval> {
        self.recv_frame(arg("ZMQSocket::recvmsg", 1, "mode").int_or(mode, 0)?)
    }

    /// Receives every frame of one message as an array of strings; false on EAGAIN.
    pub fn recvmulti(&self, mode: Option<&Zval>) -> PhpResult<Zval> {
        let mode = arg("ZMQSocket::recvmulti", 1, "mode").int_or(mode, 0)? as i32;
        let socket = self.socket()?;
        let Some(msg) = again_is_none(socket.recv_msg(mode), "Failed to receive message")? else {
            return Ok(false_zval());
        };
        let mut parts = ZendHashTable::with_capacity(msg.len() as u32);
        for frame in msg.iter() {
            parts
                .push(string_zval(frame.as_slice()))
                .map_err(|e| exception(Class::Socket, e.to_string(), ERR_INTERNAL))?;
        }
        let mut result = Zval::new();
        result.set_hashtable(parts);
        Ok(result)
    }

    /// Binds, unless already bound to `$dsn` through this socket (or `$force`).
    pub fn bind<'a>(
        self_: &'a mut ZendClassObject<ZmqSocket>,
        dsn: &Zval,
        force: Option<&Zval>,
    ) -> PhpResult<&'a mut ZendClassObject<ZmqSocket>> {
        let dsn = arg("ZMQSocket::bind", 1, "dsn").string(dsn)?;
        let force = arg("ZMQSocket::bind", 2, "force").bool_or(force, false)?;
        self_.shared.attach(Attach::Bind, dsn, force)?;
        Ok(self_)
    }

    /// Connects, unless already connected to `$dsn` through this socket (or `$force`).
    pub fn connect<'a>(
        self_: &'a mut ZendClassObject<ZmqSocket>,
        dsn: &Zval,
        force: Option<&Zval>,
    ) -> PhpResult<&'a mut ZendClassObject<ZmqSocket>> {
        let dsn = arg("ZMQSocket::connect", 1, "dsn").string(dsn)?;
        let force = arg("ZMQSocket::connect", 2, "force").bool_or(force, false)?;
        self_.shared.attach(Attach::Connect, dsn, force)?;
        Ok(self_)
    }

    pub fn unbind<'a>(
        self_: &'a mut ZendClassObject<ZmqSocket>,
        dsn: &Zval,
    ) -> PhpResult<&'a mut ZendClassObject<ZmqSocket>> {
        let dsn = arg("ZMQSocket::unbind", 1, "dsn").string(dsn)?;
        self_.shared.detach(Attach::Bind, &dsn)?;
        Ok(self_)
    }

    pub fn disconnect<'a>(
        self_: &'a mut ZendClassObject<ZmqSocket>,
        dsn: &Zval,
    ) -> PhpResult<&'a mut ZendClassObject<ZmqSocket>> {
        let dsn = arg("ZMQSocket::disconnect", 1, "dsn").string(dsn)?;
        self_.shared.detach(Attach::Connect, &dsn)?;
        Ok(self_)
    }

    /// Sets an option; returns the socket (see the README's Differences).
    pub fn setsockopt<'a>(
        self_: &'a mut ZendClassObject<ZmqSocket>,
        key: &Zval,
        value: &Zval,
    ) -> PhpResult<&'a mut ZendClassObject<ZmqSocket>> {
        let key = arg("ZMQSocket::setsockopt", 1, "key").int(key)?;
        sockopt::set(self_.socket()?, key, value)?;
        Ok(self_)
    }

    pub fn getsockopt(&self, key: &Zval) -> PhpResult<Zval> {
        let key = arg("ZMQSocket::getsockopt", 1, "key").int(key)?;
        sockopt::get(self.socket()?, key)
    }

    /// `['connect' => [...], 'bind' => [...]]`.
    pub fn getendpoints(&self) -> PhpResult<Zval> {
        let endpoints = self.shared.endpoints();
        let mut result = ZendHashTable::new();
        for (name, list) in [("connect", &endpoints.connect), ("bind", &endpoints.bind)] {
            let mut array = ZendHashTable::with_capacity(list.len() as u32);
            for endpoint in list {
                array
                    .push(endpoint.as_str())
                    .map_err(|e| exception(Class::Socket, e.to_string(), ERR_INTERNAL))?;
            }
            result
                .insert(name, array)
                .map_err(|e| exception(Class::Socket, e.to_string(), ERR_INTERNAL))?;
        }
        let mut zval = Zval::new();
        zval.set_hashtable(result);
        Ok(zval)
    }

    pub fn getsockettype(&self) -> i64 {
        self.shared.socket_type
    }

    pub fn ispersistent(&self) -> bool {
        self.shared.persistent_id.is_some()
    }

    pub fn getpersistentid(&self) -> Option<String> {
        self.shared.persistent_id.clone()
    }

    /// Publishes this socket's events on the inproc endpoint `$dsn` (zmq_socket_monitor).
    pub fn monitor<'a>(
        self_: &'a mut ZendClassObject<ZmqSocket>,
        dsn: &Zval,
        events: Option<&Zval>,
    ) -> PhpResult<&'a mut ZendClassObject<ZmqSocket>> {
        let dsn = arg("ZMQSocket::monitor", 1, "dsn").string(dsn)?;
        let events = arg("ZMQSocket::monitor", 2, "events").int_or(events, 0xFFFF)?;
        self_
            .socket()?
            .monitor(&dsn, events as i32)
            .map_err(|e| socket_failure("Failed to add socket monitor", &e))?;
        Ok(self_)
    }

    /// Reads one monitor event from this (PAIR) socket connected to a monitor endpoint:
    /// `['event' => int, 'value' => int, 'address' => string]`.
    pub fn recvevent(&self, flags: Option<&Zval>) -> PhpResult<Zval> {
        let flags = arg("ZMQSocket::recvevent", 1, "flags").int_or(flags, 0)?;
        monitor::recv_event(self.socket()?, flags as i32)
    }
}

impl ZmqSocket {
    fn recv_frame(&self, mode: i64) -> PhpResult<Zval> {
        let socket = self.socket()?;
        Ok(
            match again_is_none(socket.recv(mode as i32), "Failed to receive message")? {
                Some(frame) => string_zval(frame.as_slice()),
                None => false_zval(),
            },
        )
    }
}

fn send_frame(
    self_: &mut ZendClassObject<ZmqSocket>,
    message: &Zval,
    mode: Option<&Zval>,
    function: &'static str,
) -> PhpResult<Zval> {
    let mode = arg(function, 2, "mode").int_or(mode, 0)? as i32;
    let sent = arg(function, 1, "message").with_bytes(message, |bytes| {
        let socket = self_.socket()?;
        again_is_none(
            socket.send(Frame::copy_from_slice(bytes), mode),
            "Failed to send message",
        )
    })?;
    Ok(this_or_false(self_, sent.is_some()))
}

/// Which list an endpoint goes in.
#[derive(Clone, Copy)]
enum Attach {
    Bind,
    Connect,
}

impl SharedSocket {
    fn attach(&self, how: Attach, dsn: String, force: bool) -> PhpResult<()> {
        let already = match how {
            Attach::Bind => self.endpoints().bind.contains(&dsn),
            Attach::Connect => self.endpoints().connect.contains(&dsn),
        };
        if already && !force {
            return Ok(());
        }
        let socket = self.core()?;
        match how {
            Attach::Bind => socket
                .bind(&dsn)
                .map_err(|e| socket_failure("Failed to bind the ZMQ", &e))?,
            Attach::Connect => socket
                .connect(&dsn)
                .map_err(|e| socket_failure("Failed to connect the ZMQ", &e))?,
        }
        let mut endpoints = self.endpoints();
        let list = match how {
            Attach::Bind => &mut endpoints.bind,
            Attach::Connect => &mut endpoints.connect,
        };
        if !list.contains(&dsn) {
            list.push(dsn);
        }
        Ok(())
    }

    fn detach(&self, how: Attach, dsn: &str) -> PhpResult<()> {
        let socket = self.core()?;
        match how {
            Attach::Bind => socket
                .unbind(dsn)
                .map_err(|e| socket_failure("Failed to unbind the ZMQ socket", &e))?,
            Attach::Connect => socket
                .disconnect(dsn)
                .map_err(|e| socket_failure("Failed to disconnect the ZMQ socket", &e))?,
        }
        let mut endpoints = self.endpoints();
        match how {
            Attach::Bind => endpoints.bind.retain(|e| e != dsn),
            Attach::Connect => endpoints.connect.retain(|e| e != dsn),
        }
        Ok(())
    }
}

/// A ZMQSocket object for `shared` (for callbacks that receive the socket).
pub fn object_for(shared: &Arc<SharedSocket>) -> ZBox<ZendClassObject<ZmqSocket>> {
    ZendClassObject::new(ZmqSocket {
        shared: shared.clone(),
    })
}
