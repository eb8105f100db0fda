//! Socket options: their libzmq numbers, value types, defaults and validation.

use std::time::Duration;

use bytes::Bytes;

use crate::error::{Error, Result};
use crate::security::SecurityOptions;
use crate::transport::accept_filter::AcceptFilter;

/// Declares the option enum from one table: variant, libzmq number, libzmq name.
macro_rules! socket_options {
    ($($variant:ident = $raw:literal => $name:literal,)*) => {
        /// A socket option. The discriminants are libzmq's `ZMQ_*` numbers, so bindings can
        /// pass the integers their users know.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(i32)]
        #[non_exhaustive]
        pub enum SocketOption { $($variant = $raw,)* }

        impl SocketOption {
            /// The option with libzmq's number `raw`.
            pub fn from_raw(raw: i32) -> Result<SocketOption> {
                match raw {
                    $($raw => Ok(SocketOption::$variant),)*
                    _ => Err(Error::invalid(format!("unknown socket option {raw}"))),
                }
            }

            /// libzmq's name without the `ZMQ_` prefix, for error messages.
            pub fn name(self) -> &'static str {
                match self { $(SocketOption::$variant => $name,)* }
            }
        }
    };
}

socket_options! {
    Affinity = 4 => "AFFINITY",
    RoutingId = 5 => "ROUTING_ID",
    Subscribe = 6 => "SUBSCRIBE",
    Unsubscribe = 7 => "UNSUBSCRIBE",
    Rate = 8 => "RATE",
    RecoveryIvl = 9 => "RECOVERY_IVL",
    SndBuf = 11 => "SNDBUF",
    RcvBuf = 12 => "RCVBUF",
    RcvMore = 13 => "RCVMORE",
    Fd = 14 => "FD",
    Events = 15 => "EVENTS",
    Type = 16 => "TYPE",
    Linger = 17 => "LINGER",
    ReconnectIvl = 18 => "RECONNECT_IVL",
    Backlog = 19 => "BACKLOG",
    ReconnectIvlMax = 21 => "RECONNECT_IVL_MAX",
    MaxMsgSize = 22 => "MAXMSGSIZE",
    SndHwm = 23 => "SNDHWM",
    RcvHwm = 24 => "RCVHWM",
    MulticastHops = 25 => "MULTICAST_HOPS",
    RcvTimeo = 27 => "RCVTIMEO",
    SndTimeo = 28 => "SNDTIMEO",
    LastEndpoint = 32 => "LAST_ENDPOINT",
    RouterMandatory = 33 => "ROUTER_MANDATORY",
    TcpKeepalive = 34 => "TCP_KEEPALIVE",
    TcpKeepaliveCnt = 35 => "TCP_KEEPALIVE_CNT",
    TcpKeepaliveIdle = 36 => "TCP_KEEPALIVE_IDLE",
    TcpKeepaliveIntvl = 37 => "TCP_KEEPALIVE_INTVL",
    TcpAcceptFilter = 38 => "TCP_ACCEPT_FILTER",
    Immediate = 39 => "IMMEDIATE",
    XpubVerbose = 40 => "XPUB_VERBOSE",
    Ipv6 = 42 => "IPV6",
    Mechanism = 43 => "MECHANISM",
    PlainServer = 44 => "PLAIN_SERVER",
    PlainUsername = 45 => "PLAIN_USERNAME",
    PlainPassword = 46 => "PLAIN_PASSWORD",
    CurveServer = 47 => "CURVE_SERVER",
    CurvePublicKey = 48 => "CURVE_PUBLICKEY",
    CurveSecretKey = 49 => "CURVE_SECRETKEY",
    CurveServerKey = 50 => "CURVE_SERVERKEY",
    ZapDomain = 55 => "ZAP_DOMAIN",
    ZapEnforceDomain = 93 => "ZAP_ENFORCE_DOMAIN",
    ProbeRouter = 51 => "PROBE_ROUTER",
    ReqCorrelate = 52 => "REQ_CORRELATE",
    ReqRelaxed = 53 => "REQ_RELAXED",
    Conflate = 54 => "CONFLATE",
    RouterHandover = 56 => "ROUTER_HANDOVER",
    Tos = 57 => "TOS",
    ConnectRoutingId = 61 => "CONNECT_ROUTING_ID",
    HandshakeIvl = 66 => "HANDSHAKE_IVL",
    XpubNodrop = 69 => "XPUB_NODROP",
    XpubManual = 71 => "XPUB_MANUAL",
    XpubWelcomeMsg = 72 => "XPUB_WELCOME_MSG",
    StreamNotify = 73 => "STREAM_NOTIFY",
    SocksProxy = 68 => "SOCKS_PROXY",
    InvertMatching = 74 => "INVERT_MATCHING",
    HeartbeatIvl = 75 => "HEARTBEAT_IVL",
    HeartbeatTtl = 76 => "HEARTBEAT_TTL",
    HeartbeatTimeout = 77 => "HEARTBEAT_TIMEOUT",
    XpubVerboser = 78 => "XPUB_VERBOSER",
    ConnectTimeout = 79 => "CONNECT_TIMEOUT",
    TcpMaxrt = 80 => "TCP_MAXRT",
    MulticastMaxtpdu = 84 => "MULTICAST_MAXTPDU",
    UseFd = 89 => "USE_FD",
    BindToDevice = 92 => "BINDTODEVICE",
    SocksUsername = 99 => "SOCKS_USERNAME",
    SocksPassword = 100 => "SOCKS_PASSWORD",
    LoopbackFastpath = 94 => "LOOPBACK_FASTPATH",
}

impl SocketOption {
    /// Whether the option's value is binary/string rather than an integer.
    pub fn is_binary(self) -> bool {
        matches!(
            self,
            SocketOption::RoutingId
                | SocketOption::Subscribe
                | SocketOption::Unsubscribe
                | SocketOption::LastEndpoint
                | SocketOption::XpubWelcomeMsg
                | SocketOption::BindToDevice
                | SocketOption::SocksProxy
                | SocketOption::SocksUsername
                | SocketOption::SocksPassword
                | SocketOption::TcpAcceptFilter
                | SocketOption::ConnectRoutingId
                | SocketOption::PlainUsername
                | SocketOption::PlainPassword
                | SocketOption::ZapDomain
                | SocketOption::CurvePublicKey
                | SocketOption::CurveSecretKey
                | SocketOption::CurveServerKey
        )
    }
}

/// An option value: integer options take `Int`, binary ones `Bytes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionValue {
    Int(i64),
    Bytes(Bytes),
}

impl OptionValue {
    /// The integer, or EINVAL naming the option.
    pub fn as_int(&self, option: SocketOption) -> Result<i64> {
        match self {
            OptionValue::Int(v) => Ok(*v),
            OptionValue::Bytes(_) => Err(Error::invalid(format!(
                "option {} takes an integer, not bytes",
                option.name()
            ))),
        }
    }

    /// The bytes, or EINVAL naming the option.
    pub fn as_bytes(&self, option: SocketOption) -> Result<&Bytes> {
        match self {
            OptionValue::Bytes(b) => Ok(b),
            OptionValue::Int(_) => Err(Error::invalid(format!(
                "option {} takes bytes, not an integer",
                option.name()
            ))),
        }
    }

    /// A boolean option value (0 or 1).
    pub fn as_bool(&self, option: SocketOption) -> Result<bool> {
        match self.as_int(option)? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(Error::invalid(format!(
                "option {} takes 0 or 1, got {other}",
                option.name()
            ))),
        }
    }

    /// An int option within `min..=i32::MAX`.
    fn as_i32_at_least(&self, option: SocketOption, min: i64) -> Result<i32> {
        let v = self.as_int(option)?;
        if v < min || v > i32::MAX as i64 {
            return Err(Error::invalid(format!(
                "option {} must be between {min} and {}, got {v}",
                option.name(),
                i32::MAX
            )));
        }
        Ok(v as i32)
    }
}

impl From<i64> for OptionValue {
    fn from(v: i64) -> Self {
        OptionValue::Int(v)
    }
}
impl From<i32> for OptionValue {
    fn from(v: i32) -> Self {
        OptionValue::Int(v as i64)
    }
}
impl From<bool> for OptionValue {
    fn from(v: bool) -> Self {
        OptionValue::Int(v as i64)
    }
}
impl From<&[u8]> for OptionValue {
    fn from(v: &[u8]) -> Self {
        OptionValue::Bytes(Bytes::copy_from_slice(v))
    }
}
impl From<&str> for OptionValue {
    fn from(v: &str) -> Self {
        OptionValue::Bytes(Bytes::copy_from_slice(v.as_bytes()))
    }
}
impl From<Vec<u8>> for OptionValue {
    fn from(v: Vec<u8>) -> Self {
        OptionValue::Bytes(Bytes::from(v))
    }
}

/// A routing id as libzmq accepts it: 1 to 255 bytes, not starting with a zero byte (those
/// are the ids a ROUTER generates).
fn valid_routing_id(option: SocketOption, value: &OptionValue) -> Result<Bytes> {
    let id = value.as_bytes(option)?;
    if id.is_empty() || id.len() > 255 {
        return Err(Error::invalid(format!(
            "{} must be 1 to 255 bytes, got {}",
            option.name(),
            id.len()
        )));
    }
    if id[0] == 0 {
        return Err(Error::invalid(format!(
            "{} must not start with a zero byte (reserved for generated ids)",
            option.name()
        )));
    }
    Ok(id.clone())
}

/// A millisecond option where -1 means "forever".
pub(crate) fn timeout_from_ms(ms: i32) -> Option<Duration> {
    (ms >= 0).then(|| Duration::from_millis(ms as u64))
}

/// The options every socket type shares. Type-specific ones (SUBSCRIBE, ROUTER_MANDATORY,
/// XPUB_VERBOSE…) live with the socket type's pattern.
#[derive(Debug, Clone)]
pub struct SocketOptions {
    pub sndhwm: i32,
    pub rcvhwm: i32,
    pub linger_ms: i32,
    pub sndtimeo_ms: i32,
    pub rcvtimeo_ms: i32,
    pub routing_id: Option<Bytes>,
    pub reconnect_ivl_ms: i32,
    pub reconnect_ivl_max_ms: i32,
    pub backlog: i32,
    pub max_msg_size: i64,
    pub immediate: bool,
    pub sndbuf: i32,
    pub rcvbuf: i32,
    pub ipv6: bool,
    pub handshake_ivl_ms: i32,
    pub tcp_keepalive: i32,
    pub tcp_keepalive_cnt: i32,
    pub tcp_keepalive_idle: i32,
    pub tcp_keepalive_intvl: i32,
    pub heartbeat_ivl_ms: i32,
    pub heartbeat_ttl_ms: i32,
    pub heartbeat_timeout_ms: i32,
    pub connect_timeout_ms: i32,
    /// TOS: the IP type-of-service byte of TCP connections (0: the system's).
    pub tos: i32,
    /// TCP_MAXRT: how long unacknowledged data may wait before the connection is dropped
    /// (TCP_USER_TIMEOUT on Linux; 0: the system's).
    pub tcp_maxrt_ms: i32,
    /// BINDTODEVICE: the network interface TCP sockets are bound to (SO_BINDTODEVICE).
    pub bind_to_device: Option<Bytes>,
    /// LOOPBACK_FASTPATH: a Windows-only fast path in libzmq, stored and reported as libzmq
    /// does on other systems.
    pub loopback_fastpath: bool,
    /// SOCKS_PROXY: "host:port" of the SOCKS5 proxy TCP connections go through
    /// (`engine/socks.rs`), with SOCKS_USERNAME/SOCKS_PASSWORD when the proxy wants them.
    pub socks_proxy: Option<Bytes>,
    pub socks_username: Option<Bytes>,
    pub socks_password: Option<Bytes>,
    pub affinity: u64,
    pub conflate: bool,
    /// CONNECT_ROUTING_ID: the routing id to give the peer of the next `connect` (ROUTER,
    /// STREAM); consumed by that connect.
    pub connect_routing_id: Option<Bytes>,
    /// TCP_ACCEPT_FILTER: the networks a TCP listener accepts peers from (all when empty).
    pub(crate) tcp_accept_filters: Vec<AcceptFilter>,
    /// USE_FD: a listening socket the application created and bound, which the next
    /// `bind` (tcp or ipc) adopts instead of making its own; -1 for none.
    pub use_fd: i32,
    /// The multicast (pgm/epgm) settings: stored and reported as libzmq does on any socket,
    /// so code written for multicast runs; they act on no transport FerroMQ has.
    pub multicast: MulticastOptions,
    /// PLAIN and ZAP (`security.rs`).
    pub security: SecurityOptions,
}

/// RATE, RECOVERY_IVL, MULTICAST_HOPS, MULTICAST_MAXTPDU with libzmq's defaults.
#[derive(Debug, Clone)]
pub struct MulticastOptions {
    pub rate_kbps: i32,
    pub recovery_ivl_ms: i32,
    pub hops: i32,
    pub max_tpdu: i32,
}

impl Default for MulticastOptions {
    fn default() -> Self {
        MulticastOptions {
            rate_kbps: 100,
            recovery_ivl_ms: 10_000,
            hops: 1,
            max_tpdu: 1500,
        }
    }
}

impl Default for SocketOptions {
    /// libzmq's defaults.
    fn default() -> Self {
        SocketOptions {
            sndhwm: 1000,
            rcvhwm: 1000,
            linger_ms: -1,
            sndtimeo_ms: -1,
            rcvtimeo_ms: -1,
            routing_id: None,
            reconnect_ivl_ms: 100,
            reconnect_ivl_max_ms: 0,
            backlog: 100,
            max_msg_size: -1,
            immediate: false,
            sndbuf: -1,
            rcvbuf: -1,
            ipv6: false,
            handshake_ivl_ms: 30_000,
            tcp_keepalive: -1,
            tcp_keepalive_cnt: -1,
            tcp_keepalive_idle: -1,
            tcp_keepalive_intvl: -1,
            heartbeat_ivl_ms: 0,
            heartbeat_ttl_ms: 0,
            heartbeat_timeout_ms: -1,
            connect_timeout_ms: 0,
            tos: 0,
            tcp_maxrt_ms: 0,
            bind_to_device: None,
            loopback_fastpath: false,
            socks_proxy: None,
            socks_username: None,
            socks_password: None,
            affinity: 0,
            conflate: false,
            connect_routing_id: None,
            tcp_accept_filters: Vec::new(),
            use_fd: -1,
            multicast: MulticastOptions::default(),
            security: SecurityOptions::default(),
        }
    }
}

impl SocketOptions {
    /// Sets a shared option. Returns `Ok(false)` if `option` is not one of them (the caller
    /// then asks the socket type), EINVAL for a bad value.
    pub fn set(&mut self, option: SocketOption, value: &OptionValue) -> Result<bool> {
        use SocketOption as O;
        match option {
            O::SndHwm => self.sndhwm = value.as_i32_at_least(option, 0)?,
            O::RcvHwm => self.rcvhwm = value.as_i32_at_least(option, 0)?,
            O::Linger => self.linger_ms = value.as_i32_at_least(option, -1)?,
            O::SndTimeo => self.sndtimeo_ms = value.as_i32_at_least(option, -1)?,
            O::RcvTimeo => self.rcvtimeo_ms = value.as_i32_at_least(option, -1)?,
            O::RoutingId => self.routing_id = Some(valid_routing_id(option, value)?),
            O::ConnectRoutingId => self.connect_routing_id = Some(valid_routing_id(option, value)?),
            O::ReconnectIvl => self.reconnect_ivl_ms = value.as_i32_at_least(option, -1)?,
            O::ReconnectIvlMax => self.reconnect_ivl_max_ms = value.as_i32_at_least(option, 0)?,
            O::Backlog => self.backlog = value.as_i32_at_least(option, 0)?,
            O::MaxMsgSize => {
                let v = value.as_int(option)?;
                if v < -1 {
                    return Err(Error::invalid(format!(
                        "MAXMSGSIZE must be -1 (no limit) or a size, got {v}"
                    )));
                }
                self.max_msg_size = v;
            }
            O::Immediate => self.immediate = value.as_bool(option)?,
            O::SndBuf => self.sndbuf = value.as_i32_at_least(option, -1)?,
            O::RcvBuf => self.rcvbuf = value.as_i32_at_least(option, -1)?,
            O::Ipv6 => self.ipv6 = value.as_bool(option)?,
            O::HandshakeIvl => self.handshake_ivl_ms = value.as_i32_at_least(option, 0)?,
            O::TcpKeepalive => {
                let v = value.as_int(option)?;
                if !(-1..=1).contains(&v) {
                    return Err(Error::invalid(format!(
                        "TCP_KEEPALIVE takes -1, 0 or 1, got {v}"
                    )));
                }
                self.tcp_keepalive = v as i32;
            }
            O::TcpKeepaliveCnt => self.tcp_keepalive_cnt = value.as_i32_at_least(option, -1)?,
            O::TcpKeepaliveIdle => self.tcp_keepalive_idle = value.as_i32_at_least(option, -1)?,
            O::TcpKeepaliveIntvl => self.tcp_keepalive_intvl = value.as_i32_at_least(option, -1)?,
            O::HeartbeatIvl => self.heartbeat_ivl_ms = value.as_i32_at_least(option, 0)?,
            O::HeartbeatTtl => {
                let v = value.as_i32_at_least(option, 0)?;
                if v > 6_553_599 {
                    return Err(Error::invalid(format!(
                        "HEARTBEAT_TTL must be at most 6553599 ms, got {v}"
                    )));
                }
                // libzmq keeps it in deciseconds (the PING command's unit): what is read
                // back is rounded down to 100 ms.
                self.heartbeat_ttl_ms = v / 100 * 100;
            }
            O::HeartbeatTimeout => self.heartbeat_timeout_ms = value.as_i32_at_least(option, -1)?,
            O::ConnectTimeout => self.connect_timeout_ms = value.as_i32_at_least(option, 0)?,
            O::Conflate => self.conflate = value.as_bool(option)?,
            O::Tos => self.tos = value.as_i32_at_least(option, 0)?,
            O::TcpMaxrt => self.tcp_maxrt_ms = value.as_i32_at_least(option, 0)?,
            O::BindToDevice => {
                let name = value.as_bytes(option)?;
                // IFNAMSIZ (16) with its terminating NUL, as libzmq checks.
                if name.len() > 15 {
                    return Err(Error::invalid(format!(
                        "BINDTODEVICE takes an interface name of at most 15 bytes, got {}",
                        name.len()
                    )));
                }
                self.bind_to_device = (!name.is_empty()).then(|| name.clone());
            }
            O::LoopbackFastpath => self.loopback_fastpath = value.as_bool(option)?,
            O::TcpAcceptFilter => {
                // An empty value clears the list, as libzmq's NULL does.
                let text = value.as_bytes(option)?;
                if text.is_empty() {
                    self.tcp_accept_filters.clear();
                } else {
                    self.tcp_accept_filters.push(AcceptFilter::parse(text)?);
                }
            }
            O::UseFd => self.use_fd = value.as_i32_at_least(option, -1)?,
            O::SocksProxy | O::SocksUsername | O::SocksPassword => {
                let text = value.as_bytes(option)?;
                if option != O::SocksProxy && text.len() > 255 {
                    // The SOCKS5 username/password fields hold at most 255 bytes.
                    return Err(Error::invalid(format!(
                        "{} takes at most 255 bytes, got {}",
                        option.name(),
                        text.len()
                    )));
                }
                let slot = match option {
                    O::SocksProxy => &mut self.socks_proxy,
                    O::SocksUsername => &mut self.socks_username,
                    _ => &mut self.socks_password,
                };
                *slot = (!text.is_empty()).then(|| text.clone());
            }
            O::Rate => self.multicast.rate_kbps = value.as_i32_at_least(option, 1)?,
            O::RecoveryIvl => self.multicast.recovery_ivl_ms = value.as_i32_at_least(option, 0)?,
            O::MulticastHops => self.multicast.hops = value.as_i32_at_least(option, 1)?,
            O::MulticastMaxtpdu => self.multicast.max_tpdu = value.as_i32_at_least(option, 1)?,
            O::Affinity => {
                let v = value.as_int(option)?;
                self.affinity = v as u64;
            }
            _ => return self.security.set(option, value),
        }
        Ok(true)
    }

    /// Reads a shared option; `None` if `option` is not one of them.
    pub fn get(&self, option: SocketOption) -> Option<OptionValue> {
        use SocketOption as O;
        let int = |v: i64| Some(OptionValue::Int(v));
        match option {
            O::SndHwm => int(self.sndhwm as i64),
            O::RcvHwm => int(self.rcvhwm as i64),
            O::Linger => int(self.linger_ms as i64),
            O::SndTimeo => int(self.sndtimeo_ms as i64),
            O::RcvTimeo => int(self.rcvtimeo_ms as i64),
            O::RoutingId => Some(OptionValue::Bytes(
                self.routing_id.clone().unwrap_or_default(),
            )),
            O::ReconnectIvl => int(self.reconnect_ivl_ms as i64),
            O::ReconnectIvlMax => int(self.reconnect_ivl_max_ms as i64),
            O::Backlog => int(self.backlog as i64),
            O::MaxMsgSize => int(self.max_msg_size),
            O::Immediate => int(self.immediate as i64),
            O::SndBuf => int(self.sndbuf as i64),
            O::RcvBuf => int(self.rcvbuf as i64),
            O::Ipv6 => int(self.ipv6 as i64),
            O::HandshakeIvl => int(self.handshake_ivl_ms as i64),
            O::TcpKeepalive => int(self.tcp_keepalive as i64),
            O::TcpKeepaliveCnt => int(self.tcp_keepalive_cnt as i64),
            O::TcpKeepaliveIdle => int(self.tcp_keepalive_idle as i64),
            O::TcpKeepaliveIntvl => int(self.tcp_keepalive_intvl as i64),
            O::HeartbeatIvl => int(self.heartbeat_ivl_ms as i64),
            O::HeartbeatTtl => int(self.heartbeat_ttl_ms as i64),
            O::HeartbeatTimeout => int(self.heartbeat_timeout_ms as i64),
            O::ConnectTimeout => int(self.connect_timeout_ms as i64),
            O::Tos => int(self.tos as i64),
            O::TcpMaxrt => int(self.tcp_maxrt_ms as i64),
            O::BindToDevice => Some(OptionValue::Bytes(
                self.bind_to_device.clone().unwrap_or_default(),
            )),
            O::LoopbackFastpath => int(self.loopback_fastpath as i64),
            O::SocksProxy => Some(OptionValue::Bytes(
                self.socks_proxy.clone().unwrap_or_default(),
            )),
            O::SocksUsername => Some(OptionValue::Bytes(
                self.socks_username.clone().unwrap_or_default(),
            )),
            O::SocksPassword => Some(OptionValue::Bytes(
                self.socks_password.clone().unwrap_or_default(),
            )),
            O::Affinity => int(self.affinity as i64),
            O::Conflate => int(self.conflate as i64),
            O::Rate => int(self.multicast.rate_kbps as i64),
            O::RecoveryIvl => int(self.multicast.recovery_ivl_ms as i64),
            O::MulticastHops => int(self.multicast.hops as i64),
            O::MulticastMaxtpdu => int(self.multicast.max_tpdu as i64),
            O::ConnectRoutingId => Some(OptionValue::Bytes(
                self.connect_routing_id.clone().unwrap_or_default(),
            )),
            O::UseFd => int(self.use_fd as i64),
            _ => self.security.get(option),
        }
    }

    /// MAXMSGSIZE as the codec wants it.
    pub(crate) fn max_msg_size(&self) -> Option<u64> {
        (self.max_msg_size >= 0).then_some(self.max_msg_size as u64)
    }

    /// Whether CONFLATE applies: libzmq honours it for these socket types only.
    pub(crate) fn conflates(&self, socket_type: crate::socket_type::SocketType) -> bool {
        use crate::socket_type::SocketType as T;
        self.conflate && matches!(socket_type, T::Dealer | T::Pull | T::Push | T::Pub | T::Sub)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_libzmq() {
        assert_eq!(SocketOption::SndHwm.name(), "SNDHWM");
        assert_eq!(SocketOption::ReconnectIvlMax.name(), "RECONNECT_IVL_MAX");
        assert_eq!(SocketOption::from_raw(23).unwrap(), SocketOption::SndHwm);
        assert!(SocketOption::from_raw(9999).is_err());
    }

    #[test]
    fn bad_values_are_einval_with_a_message() {
        let mut o = SocketOptions::default();
        let err = o
            .set(SocketOption::SndHwm, &OptionValue::Int(-5))
            .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Invalid);
        assert!(err.to_string().contains("SNDHWM"), "{err}");
        assert!(o
            .set(SocketOption::RoutingId, &OptionValue::Int(1))
            .is_err());
        assert!(o
            .set(SocketOption::RoutingId, &OptionValue::from(&b"\0x"[..]))
            .is_err());
        assert!(o.set(SocketOption::Linger, &OptionValue::Int(-1)).unwrap());
        assert!(!o
            .set(SocketOption::Subscribe, &OptionValue::from(""))
            .unwrap());
    }
}
