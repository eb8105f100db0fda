//! setsockopt / getsockopt as php-zmq does them: its option table (which options can be
//! read, which written, for which socket types), its value conversions (PHP's int and
//! string conversions, so `SOCKOPT_SUBSCRIBE` takes an int as its decimal text) and its
//! error sentences. `SOCKOPT_HWM` (2001, php-zmq's own) sets both high-water marks;
//! `SOCKOPT_FD` gives a stream that stream_select and ZMQPoll take.

use ext_php_rs::exception::{PhpException, PhpResult};
use ext_php_rs::types::Zval;
use ferromq::{OptionValue, Socket, SocketOption, SocketType};

use crate::errors::{exception, type_error, Class, ERR_INTERNAL};
use crate::values::{arg, string_zval, type_name};

/// php-zmq's ZMQ::SOCKOPT_HWM: sets SNDHWM and RCVHWM.
pub const SOCKOPT_HWM: i64 = 2001;

/// How an option's value is read or written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Not at all (php-zmq: "Getting/Setting ... is not supported").
    No,
    Int,
    /// A string: text options, binary ones (IDENTITY, the CURVE keys).
    Str,
}

/// One row of php-zmq's option table.
struct Spec {
    key: i64,
    /// The name php-zmq's messages use (its constant without SOCKOPT_).
    name: &'static str,
    get: Access,
    set: Access,
    /// The socket types it applies to (empty: all).
    only_for: &'static [SocketType],
    /// The type restriction also applies to getting it.
    get_restricted: bool,
}

use Access::{Int, No, Str};
use SocketType::{Dealer, Pub, Pull, Push, Rep, Req, Router, Stream, Sub, XPub};

const fn spec(key: i64, name: &'static str, get: Access, set: Access) -> Spec {
    Spec {
        key,
        name,
        get,
        set,
        only_for: &[],
        get_restricted: false,
    }
}

const fn only(mut s: Spec, types: &'static [SocketType], get_restricted: bool) -> Spec {
    s.only_for = types;
    s.get_restricted = get_restricted;
    s
}

const OPTIONS: &[Spec] = &[
    spec(4, "AFFINITY", Int, Int),
    only(
        spec(5, "IDENTITY", Str, Str),
        &[Req, Rep, Dealer, Router],
        true,
    ),
    only(spec(6, "SUBSCRIBE", No, Str), &[Sub], false),
    only(spec(7, "UNSUBSCRIBE", No, Str), &[Sub], false),
    spec(8, "RATE", Int, Int),
    spec(9, "RECOVERY_IVL", Int, Int),
    spec(11, "SNDBUF", Int, Int),
    spec(12, "RCVBUF", Int, Int),
    spec(13, "RCVMORE", Int, No),
    // Read by `get` before the table (a stream); never written.
    spec(14, "FD", No, No),
    spec(15, "EVENTS", Int, No),
    spec(16, "TYPE", Int, No),
    spec(17, "LINGER", Int, Int),
    spec(18, "RECONNECT_IVL", Int, Int),
    spec(19, "BACKLOG", Int, Int),
    spec(21, "RECONNECT_IVL_MAX", Int, Int),
    spec(22, "MAXMSGSIZE", Int, Int),
    spec(23, "SNDHWM", Int, Int),
    spec(24, "RCVHWM", Int, Int),
    spec(25, "MULTICAST_HOPS", Int, Int),
    spec(27, "RCVTIMEO", Int, Int),
    spec(28, "SNDTIMEO", Int, Int),
    spec(31, "IPV4ONLY", Int, Int),
    spec(32, "LAST_ENDPOINT", Str, No),
    only(spec(33, "ROUTER_MANDATORY", No, Int), &[Router], false),
    spec(34, "TCP_KEEPALIVE", Int, Int),
    spec(35, "TCP_KEEPALIVE_CNT", Int, Int),
    spec(36, "TCP_KEEPALIVE_IDLE", Int, Int),
    spec(37, "TCP_KEEPALIVE_INTVL", Int, Int),
    spec(38, "TCP_ACCEPT_FILTER", No, Str),
    spec(39, "IMMEDIATE", Int, Int),
    only(spec(40, "XPUB_VERBOSE", No, Int), &[XPub], false),
    only(spec(41, "ROUTER_RAW", No, Int), &[Router], false),
    spec(42, "IPV6", Int, Int),
    spec(43, "MECHANISM", Int, No),
    spec(44, "PLAIN_SERVER", Int, Int),
    spec(45, "PLAIN_USERNAME", Str, Str),
    spec(46, "PLAIN_PASSWORD", Str, Str),
    spec(47, "CURVE_SERVER", Int, Int),
    spec(48, "CURVE_PUBLICKEY", Str, Str),
    spec(49, "CURVE_SECRETKEY", Str, Str),
    spec(50, "CURVE_SERVERKEY", Str, Str),
    only(
        spec(51, "PROBE_ROUTER", No, Int),
        &[Router, Dealer, Req],
        false,
    ),
    only(spec(52, "REQ_CORRELATE", No, Int), &[Req], false),
    only(spec(53, "REQ_RELAXED", No, Int), &[Req], false),
    only(
        spec(54, "CONFLATE", No, Int),
        &[Push, Pull, Pub, Sub, Dealer],
        false,
    ),
    spec(55, "ZAP_DOMAIN", Str, Str),
    only(spec(56, "ROUTER_HANDOVER", No, Int), &[Router], false),
    spec(57, "TOS", Int, Int),
    only(spec(61, "CONNECT_RID", No, Str), &[Router, Stream], false),
    spec(62, "GSSAPI_SERVER", Int, Int),
    spec(63, "GSSAPI_PRINCIPAL", Str, Str),
    spec(64, "GSSAPI_SERVICE_PRINCIPAL", Str, Str),
    spec(65, "GSSAPI_PLAINTEXT", Int, Int),
    spec(66, "HANDSHAKE_IVL", Int, Int),
    spec(68, "SOCKS_PROXY", Str, Str),
    only(spec(69, "XPUB_NODROP", No, Int), &[XPub, Pub], false),
    only(spec(71, "XPUB_MANUAL", No, Int), &[XPub], false),
    only(spec(72, "XPUB_WELCOME_MSG", No, Str), &[XPub], false),
    only(spec(73, "STREAM_NOTIFY", No, Int), &[Stream], false),
    only(
        spec(74, "INVERT_MATCHING", Int, Int),
        &[XPub, Pub, Sub],
        true,
    ),
    spec(75, "HEARTBEAT_IVL", Int, Int),
    spec(76, "HEARTBEAT_TTL", Int, Int),
    spec(77, "HEARTBEAT_TIMEOUT", Int, Int),
    only(spec(78, "XPUB_VERBOSER", No, Int), &[XPub], false),
    spec(79, "CONNECT_TIMEOUT", Int, Int),
    spec(80, "TCP_MAXRT", Int, Int),
    spec(81, "THREAD_SAFE", Int, No),
    spec(84, "MULTICAST_MAXTPDU", Int, Int),
    spec(85, "VMCI_BUFFER_SIZE", Int, Int),
    spec(86, "VMCI_BUFFER_MIN_SIZE", Int, Int),
    spec(87, "VMCI_BUFFER_MAX_SIZE", Int, Int),
    spec(88, "VMCI_CONNECT_TIMEOUT", Int, Int),
    spec(89, "USE_FD", Int, Int),
    spec(90, "GSSAPI_PRINCIPAL_NAMETYPE", Int, Int),
    spec(91, "GSSAPI_SERVICE_PRINCIPAL_NAMETYPE", Int, Int),
    spec(92, "BINDTODEVICE", Str, Str),
];

/// libzmq's ZMQ_FD and ZMQ_IPV4ONLY (the inverse of ZMQ_IPV6).
const FD: i64 = 14;
const IPV4ONLY: i64 = 31;
const THREAD_SAFE: i64 = 81;

/// TCP_ACCEPT_FILTER, PLAIN_USERNAME, PLAIN_PASSWORD, ZAP_DOMAIN, SOCKS_PROXY and
/// BINDTODEVICE: libzmq clears them (PLAIN credentials: back to NULL) only when given no
/// buffer at all, and refuses an empty one with EINVAL. php-zmq always passes a buffer, so
/// an empty string is EINVAL there; the core, which cannot tell the two apart, clears.
const NOT_EMPTY: [i64; 6] = [38, 45, 46, 55, 68, 92];

fn socket_error(message: String, code: i32) -> PhpException {
    exception(Class::Socket, message, code)
}

fn lookup(key: i64) -> PhpResult<&'static Spec> {
    OPTIONS
        .iter()
        .find(|s| s.key == key)
        .ok_or_else(|| socket_error(format!("Unknown option key {key}"), ERR_INTERNAL))
}

fn check_type(spec: &Spec, socket: &Socket) -> PhpResult<()> {
    if spec.only_for.is_empty() || spec.only_for.contains(&socket.socket_type()) {
        Ok(())
    } else {
        Err(socket_error(
            format!(
                "ZMQ::SOCKOPT_{} is not valid for this socket type",
                spec.name
            ),
            ferromq::ErrorKind::Invalid.errno(),
        ))
    }
}

/// The core's option for `key`, or libzmq's EINVAL for one FerroMQ does not have.
fn core_option(key: i64) -> ferromq::Result<SocketOption> {
    SocketOption::from_raw(key as i32)
}

fn int_value(value: &Zval) -> PhpResult<i64> {
    let value = value.dereference();
    if value.is_array() || value.is_object() {
        return Err(type_error(format!(
            "ZMQSocket::setsockopt(): Argument #2 ($value) must be of type int, {} given",
            type_name(value)
        )));
    }
    Ok(value.coerce_to_long().unwrap_or(0))
}

pub fn set(socket: &Socket, key: i64, value: &Zval) -> PhpResult<()> {
    if key > i64::from(i32::MAX) {
        return Err(socket_error(
            format!("The key must be smaller than {}", i32::MAX),
            ERR_INTERNAL,
        ));
    }
    if key == SOCKOPT_HWM {
        let hwm = int_value(value)?;
        let failed = |e: ferromq::Error| {
            socket_error(
                format!(
                    "Failed to set socket ZMQ::SOCKOPT_HWM option: {}",
                    e.kind().message()
                ),
                e.errno(),
            )
        };
        socket
            .set_option(SocketOption::SndHwm, hwm)
            .map_err(failed)?;
        return socket.set_option(SocketOption::RcvHwm, hwm).map_err(failed);
    }
    let spec = lookup(key)?;
    check_type(spec, socket)?;
    match spec.set {
        No => Err(socket_error(
            format!("Setting ZMQ::SOCKOPT_{} is not supported", spec.name),
            ERR_INTERNAL,
        )),
        Int => {
            let failed = |e: ferromq::Error| {
                socket_error(
                    format!(
                        "Failed to set socket ZMQ::{} option: {}",
                        spec.name,
                        e.kind().message()
                    ),
                    e.errno(),
                )
            };
            let number = int_value(value)?;
            if key == IPV4ONLY {
                return socket
                    .set_option(SocketOption::Ipv6, i64::from(number == 0))
                    .map_err(failed);
            }
            socket
                .set_option(core_option(key).map_err(failed)?, number)
                .map_err(failed)
        }
        Str => {
            let failed = |e: ferromq::Error| {
                socket_error(
                    format!(
                        "Failed to set socket ZMQ::SOCKOPT_{} option: {}",
                        spec.name,
                        e.kind().message()
                    ),
                    e.errno(),
                )
            };
            let option = core_option(key).map_err(failed)?;
            arg("ZMQSocket::setsockopt", 2, "value").with_bytes(value, |bytes| {
                if bytes.is_empty() && NOT_EMPTY.contains(&key) {
                    return Err(failed(ferromq::Error::new(
                        ferromq::ErrorKind::Invalid,
                        format!("ZMQ::SOCKOPT_{} cannot be empty", spec.name),
                    )));
                }
                socket
                    .set_option(
                        option,
                        OptionValue::Bytes(bytes::Bytes::copy_from_slice(bytes)),
                    )
                    .map_err(failed)
            })
        }
    }
}

pub fn get(socket: &Socket, key: i64) -> PhpResult<Zval> {
    if key > i64::from(i32::MAX) {
        return Err(socket_error(
            format!("The key must be smaller than or equal to {}", i32::MAX),
            ERR_INTERNAL,
        ));
    }
    if key == FD {
        return crate::readiness_stream::open(socket);
    }
    let name = if key == SOCKOPT_HWM {
        "HWM"
    } else {
        let spec = lookup(key)?;
        if spec.get_restricted {
            check_type(spec, socket)?;
        }
        if spec.get == No {
            return Err(socket_error(
                format!("Getting ZMQ::SOCKOPT_{} is not supported", spec.name),
                ERR_INTERNAL,
            ));
        }
        spec.name
    };
    let failed = |e: ferromq::Error| {
        socket_error(
            format!(
                "Failed to get the option ZMQ::SOCKOPT_{name} value: {}",
                e.kind().message()
            ),
            e.errno(),
        )
    };
    let mut result = Zval::new();
    match key {
        IPV4ONLY => {
            let v6 = socket.get_int(SocketOption::Ipv6).map_err(failed)?;
            result.set_long(i64::from(v6 == 0));
        }
        // No FerroMQ socket is thread-safe (libzmq's are not either, but for its draft
        // types).
        THREAD_SAFE => result.set_long(0),
        _ => match socket
            .get_option(core_option(key).map_err(failed)?)
            .map_err(failed)?
        {
            OptionValue::Int(v) => result.set_long(v),
            OptionValue::Bytes(b) => result = string_zval(&b),
        },
    }
    Ok(result)
}
