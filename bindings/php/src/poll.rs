//! `ZMQPoll`: php-zmq's poll set over ZMQSocket objects and PHP stream resources, on the
//! core's zmq_poll. Items are known by an id string (what add() returns, what remove()
//! and getlasterrors() take and give): "o:" and the object's spl_object_hash for a socket,
//! "r:" and the resource number for a stream.

use std::sync::Arc;
use std::time::Duration;

use ext_php_rs::exception::{PhpException, PhpResult};
use ext_php_rs::prelude::*;
use ext_php_rs::types::{PhpRef, ZendClassObject, ZendHashTable, Zval};
use ferromq::{PollItem, POLLERR, POLLIN, POLLOUT};

use crate::errors::{exception, type_error, zmq_failure, Class, ERR_INTERNAL};
use crate::socket::{SharedSocket, ZmqSocket};
use crate::stream_fd::{stream_fd, StreamFd};
use crate::values::{arg, type_name};

/// What an item polls.
enum Target {
    Socket(Arc<SharedSocket>),
    Fd(i32),
}

struct Entry {
    id: String,
    /// The PHP value, kept alive and handed back (the same object or resource) in the
    /// poll's result arrays.
    value: Zval,
    target: Target,
    events: i32,
}

#[php_class]
#[php(name = "ZMQPoll")]
#[derive(Default)]
pub struct ZmqPoll {
    entries: Vec<Entry>,
    errors: Vec<String>,
}

fn poll_error(message: impl Into<String>) -> PhpException {
    exception(Class::Poll, message, ERR_INTERNAL)
}

/// An item's id and target, or php-zmq's complaint about it.
fn identify(value: &Zval) -> PhpResult<(String, Target)> {
    let value = value.dereference();
    if let Some(object) = value.object() {
        if let Some(socket) = ZendClassObject::<ZmqSocket>::from_zend_obj(object) {
            // spl_object_hash(): the object's handle as 32 hex digits.
            return Ok((
                format!("o:{:032x}", object.handle),
                Target::Socket(socket.shared().clone()),
            ));
        }
    } else if value.is_resource() {
        return match stream_fd(value) {
            StreamFd::Fd { handle, fd } => Ok((format!("r:{handle}"), Target::Fd(fd))),
            StreamFd::NotAStream => Err(poll_error(
                "The supplied resource is not a valid stream resource",
            )),
            StreamFd::NotCastable => Err(poll_error("The supplied resource is not castable")),
        };
    }
    Err(poll_error(
        "The first argument must be an instance of ZMQSocket or a resource",
    ))
}

/// Empties a by-reference result argument: an array becomes `[]`, null stays null; the
/// returned table is filled and stored by the caller.
fn result_slot(arg: &PhpRef, position: usize, name: &str) -> PhpResult<bool> {
    let value = arg.dereference();
    if value.is_null() {
        Ok(false)
    } else if value.is_array() {
        Ok(true)
    } else {
        Err(type_error(format!(
            "ZMQPoll::poll(): Argument #{position} (${name}) must be of type ?array, {} given",
            type_name(value)
        )))
    }
}

#[php_impl]
#[php(change_method_case = "none")]
impl ZmqPoll {
    pub fn __construct() -> ZmqPoll {
        ZmqPoll::default()
    }

    /// Adds a socket or stream for the events in `$type` (ZMQ::POLL_IN | ZMQ::POLL_OUT);
    /// returns its id. One already there keeps its events, as in php-zmq.
    pub fn add(&mut self, entry: &Zval, r#type: &Zval) -> PhpResult<String> {
        let events = arg("ZMQPoll::add", 2, "type").int(r#type)?;
        let (id, target) = identify(entry)?;
        if self.entries.iter().any(|e| e.id == id) {
            return Ok(id);
        }
        self.entries.push(Entry {
            id: id.clone(),
            value: entry.dereference().shallow_clone(),
            target,
            events: events as i32 & (POLLIN | POLLOUT),
        });
        Ok(id)
    }

    /// Removes an item given as the socket, the stream or its id; whether it was there.
    pub fn remove(&mut self, remove: &Zval) -> PhpResult<bool> {
        if self.entries.is_empty() {
            return Err(poll_error("No sockets assigned to the ZMQPoll"));
        }
        let value = remove.dereference();
        let id = if value.is_object() {
            if ZendClassObject::<ZmqSocket>::from_zend_obj(value.object().expect("an object"))
                .is_none()
            {
                return Err(poll_error("The object must be an instanceof ZMQSocket"));
            }
            identify(value)?.0
        } else if value.is_resource() {
            identify(value)?.0
        } else {
            value.coerce_to_string().unwrap_or_default()
        };
        let before = self.entries.len();
        self.entries.retain(|e| e.id != id);
        Ok(self.entries.len() != before)
    }

    pub fn count(&self) -> i64 {
        self.entries.len() as i64
    }

    pub fn clear(self_: &mut ZendClassObject<ZmqPoll>) -> &mut ZendClassObject<ZmqPoll> {
        self_.entries.clear();
        self_.errors.clear();
        self_
    }

    /// `[id => socket or stream]`, in the order they were added.
    pub fn items(&self) -> PhpResult<Zval> {
        let mut items = ZendHashTable::with_capacity(self.entries.len() as u32);
        for entry in &self.entries {
            items
                .insert(entry.id.as_str(), entry.value.shallow_clone())
                .map_err(|e| poll_error(e.to_string()))?;
        }
        let mut zval = Zval::new();
        zval.set_hashtable(items);
        Ok(zval)
    }

    /// The ids of the items that reported an error in the last poll.
    pub fn getlasterrors(&self) -> Vec<String> {
        self.errors.clone()
    }

    /// Waits up to `$timeout` ms (-1: without limit) for an item's events; fills
    /// `$readable` and `$writable` (when they are arrays) with the items ready for each,
    /// and returns how many items are ready.
    pub fn poll(
        &mut self,
        mut readable: PhpRef,
        mut writable: PhpRef,
        timeout: Option<&Zval>,
    ) -> PhpResult<i64> {
        let timeout = arg("ZMQPoll::poll", 3, "timeout").int_or(timeout, -1)?;
        let fill_readable = result_slot(&readable, 1, "readable")?;
        let fill_writable = result_slot(&writable, 2, "writable")?;
        if self.entries.is_empty() {
            return Err(poll_error("No sockets assigned to the ZMQPoll"));
        }
        self.errors.clear();
        let sockets: Vec<Option<&ferromq::Socket>> = self
            .entries
            .iter()
            .map(|entry| match &entry.target {
                Target::Socket(shared) => shared.core().map(Some),
                Target::Fd(_) => Ok(None),
            })
            .collect::<PhpResult<_>>()?;
        let mut items: Vec<PollItem<'_>> = self
            .entries
            .iter()
            .zip(&sockets)
            .map(|(entry, socket)| match (socket, &entry.target) {
                (Some(socket), _) => PollItem::socket(socket, entry.events),
                (None, Target::Fd(fd)) => PollItem::fd(*fd, entry.events),
                (None, Target::Socket(_)) => PollItem::fd(-1, 0),
            })
            .collect();
        let timeout = (timeout >= 0).then(|| Duration::from_millis(timeout as u64));
        let ready = ferromq::poll(&mut items, timeout)
            .map_err(|e| zmq_failure(Class::Poll, "Poll failed", &e))?;
        let mut readable_items = ZendHashTable::new();
        let mut writable_items = ZendHashTable::new();
        for (entry, item) in self.entries.iter().zip(&items) {
            let push = |array: &mut ZendHashTable| {
                array
                    .push(entry.value.shallow_clone())
                    .map_err(|e| poll_error(e.to_string()))
            };
            if item.revents & POLLIN != 0 {
                push(&mut readable_items)?;
            }
            if item.revents & POLLOUT != 0 {
                push(&mut writable_items)?;
            }
            if item.revents & POLLERR != 0 {
                self.errors.push(entry.id.clone());
            }
        }
        if fill_readable {
            readable.set_hashtable(readable_items);
        }
        if fill_writable {
            writable.set_hashtable(writable_items);
        }
        Ok(ready as i64)
    }
}
