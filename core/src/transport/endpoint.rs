//! Parsing endpoint strings (`tcp://host:port`, `ipc:///path`, `inproc://name`) and
//! resolving TCP addresses the way libzmq does.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;

use crate::error::{Error, ErrorKind, Result};

/// A parsed endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Tcp(TcpEndpoint),
    Ipc(IpcAddress),
    Inproc(String),
}

/// `ipc://address`: a filesystem path (absolute or relative to the working directory),
/// `@name` for Linux's abstract namespace, or `*` (bind only) for a fresh path in a new
/// temporary directory, as libzmq does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IpcAddress {
    Path(PathBuf),
    /// The name after the `@`; on the wire `sun_path` holds a NUL byte and then the name.
    Abstract(Vec<u8>),
    Wildcard,
}

/// `sizeof(sun_path)` on Linux. Like libzmq, the address (with its `@`) must be shorter.
pub(crate) const MAX_IPC_ADDRESS: usize = 108;

/// `tcp://host:port`: the host may be `*`, an IP (IPv6 in brackets), an interface name
/// (bind) or a hostname (connect); the port may be `*` (bind to an ephemeral port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TcpEndpoint {
    pub host: String,
    /// `None` for `*`.
    pub port: Option<u16>,
}

impl Endpoint {
    pub(crate) fn parse(endpoint: &str) -> Result<Endpoint> {
        let (scheme, address) = Endpoint::split(endpoint)?;
        match scheme {
            "tcp" => Ok(Endpoint::Tcp(parse_tcp(endpoint, address)?)),
            "ipc" => Ok(Endpoint::Ipc(IpcAddress::parse(address)?)),
            _ => Ok(Endpoint::Inproc(address.to_string())),
        }
    }

    /// The transport and the address of `endpoint`, checked as libzmq checks every endpoint
    /// first (also for unbind and disconnect): EINVAL without `://` or with an empty part,
    /// EPROTONOSUPPORT for a transport FerroMQ does not have.
    pub(crate) fn split(endpoint: &str) -> Result<(&str, &str)> {
        let (scheme, address) = endpoint.split_once("://").ok_or_else(|| {
            Error::invalid(format!(
                "endpoint {endpoint:?} must look like transport://address (e.g. tcp://127.0.0.1:5555)"
            ))
        })?;
        if scheme.is_empty() || address.is_empty() {
            return Err(Error::invalid(format!(
                "endpoint {endpoint:?} has an empty transport or address"
            )));
        }
        match scheme {
            "tcp" | "ipc" | "inproc" => Ok((scheme, address)),
            "pgm" | "epgm" | "norm" | "udp" | "tipc" | "vmci" | "ws" | "wss" => Err(Error::new(
                ErrorKind::ProtocolNotSupported,
                format!("transport {scheme:?} is not supported (endpoint {endpoint:?})"),
            )),
            _ => Err(Error::new(
                ErrorKind::ProtocolNotSupported,
                format!("unknown transport {scheme:?} in endpoint {endpoint:?}"),
            )),
        }
    }
}

impl IpcAddress {
    fn parse(address: &str) -> Result<IpcAddress> {
        if address == "*" {
            return Ok(IpcAddress::Wildcard);
        }
        check_ipc_length(address)?;
        match address.strip_prefix('@') {
            Some("") => Err(Error::invalid(
                "ipc://@ needs a name after the @ (abstract namespace)",
            )),
            Some(name) if cfg!(target_os = "linux") => {
                Ok(IpcAddress::Abstract(name.as_bytes().to_vec()))
            }
            Some(_) => Err(Error::new(
                ErrorKind::ProtocolNotSupported,
                "ipc://@name (the abstract namespace) exists only on Linux",
            )),
            None => Ok(IpcAddress::Path(PathBuf::from(address))),
        }
    }

    /// The endpoint as LAST_ENDPOINT reports it (the path as given, as libzmq does).
    pub(crate) fn to_endpoint(&self) -> String {
        match self {
            IpcAddress::Path(path) => format!("ipc://{}", path.display()),
            IpcAddress::Abstract(name) => format!("ipc://@{}", String::from_utf8_lossy(name)),
            IpcAddress::Wildcard => "ipc://*".to_string(),
        }
    }
}

/// A Unix socket address must fit `sun_path` with its terminating NUL.
pub(crate) fn check_ipc_length(address: &str) -> Result<()> {
    if address.len() >= MAX_IPC_ADDRESS {
        return Err(Error::new(
            ErrorKind::NameTooLong,
            format!(
                "ipc address {address:?} is {} bytes long; Unix socket paths must be shorter \
                 than {MAX_IPC_ADDRESS} bytes",
                address.len()
            ),
        ));
    }
    Ok(())
}

fn parse_tcp(endpoint: &str, address: &str) -> Result<TcpEndpoint> {
    // libzmq allows "source;destination" for connects; we take the destination.
    let address = address.rsplit(';').next().unwrap_or(address);
    let (host, port) = address.rsplit_once(':').ok_or_else(|| {
        Error::invalid(format!(
            "endpoint {endpoint:?} needs a port (tcp://host:port)"
        ))
    })?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.is_empty() {
        return Err(Error::invalid(format!(
            "endpoint {endpoint:?} has an empty host"
        )));
    }
    if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid(format!(
            "endpoint {endpoint:?} has a host that is no name or address"
        )));
    }
    let port = match port {
        "*" | "0" => None,
        _ => Some(port.parse::<u16>().map_err(|_| {
            Error::invalid(format!(
                "endpoint {endpoint:?} has an invalid port {port:?}"
            ))
        })?),
    };
    Ok(TcpEndpoint {
        host: host.to_string(),
        port,
    })
}

impl TcpEndpoint {
    /// The local address to bind: `*` is every interface (IPv6 too when `ipv6` is set),
    /// then a literal IP, then an interface name such as `lo` or `eth0`.
    pub(crate) fn bind_address(&self, ipv6: bool) -> Result<SocketAddr> {
        let port = self.port.unwrap_or(0);
        if self.host == "*" {
            let ip = if ipv6 {
                IpAddr::V6(Ipv6Addr::UNSPECIFIED)
            } else {
                IpAddr::V4(Ipv4Addr::UNSPECIFIED)
            };
            return Ok(SocketAddr::new(ip, port));
        }
        if let Ok(ip) = self.host.parse::<IpAddr>() {
            if ip.is_ipv6() && !ipv6 {
                return Err(Error::new(
                    ErrorKind::NoDevice,
                    format!(
                        "{} is an IPv6 address; set the IPV6 option to use it",
                        self.host
                    ),
                ));
            }
            return Ok(SocketAddr::new(ip, port));
        }
        if let Some(ip) = interface_address(&self.host, ipv6) {
            return Ok(SocketAddr::new(ip, port));
        }
        Err(Error::new(
            ErrorKind::NoDevice,
            format!(
                "{:?} is neither an IP address nor a network interface",
                self.host
            ),
        ))
    }

    /// The remote addresses to try when connecting (DNS lookup happens on the I/O thread).
    pub(crate) async fn connect_addresses(&self, ipv6: bool) -> Result<Vec<SocketAddr>> {
        let port = self.port.ok_or_else(|| {
            Error::invalid("a connect endpoint needs a port number, not *".to_string())
        })?;
        if let Ok(ip) = self.host.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        let found = tokio::net::lookup_host((self.host.as_str(), port))
            .await
            .map_err(|e| Error::from_io(&e, &format!("cannot resolve {:?}", self.host)))?;
        let addresses: Vec<SocketAddr> = found.filter(|a| ipv6 || a.is_ipv4()).collect();
        if addresses.is_empty() {
            return Err(Error::new(
                ErrorKind::AddrNotAvail,
                format!("{:?} has no usable address", self.host),
            ));
        }
        Ok(addresses)
    }

    /// Checks a connect endpoint's syntax at `connect()` time, as libzmq does.
    pub(crate) fn validate_for_connect(&self) -> Result<()> {
        if self.port.is_none() {
            return Err(Error::invalid(format!(
                "cannot connect to tcp://{}:* (a port number is needed)",
                self.host
            )));
        }
        if self.host == "*" {
            return Err(Error::invalid("cannot connect to host *".to_string()));
        }
        Ok(())
    }
}

/// The first address of the network interface called `name`.
fn interface_address(name: &str, ipv6: bool) -> Option<IpAddr> {
    let mut fallback = None;
    for (if_name, ip) in interface_addresses() {
        if if_name != name {
            continue;
        }
        match ip {
            IpAddr::V4(_) => return Some(ip),
            IpAddr::V6(_) if ipv6 => fallback = fallback.or(Some(ip)),
            IpAddr::V6(_) => {}
        }
    }
    fallback
}

/// All (interface name, address) pairs of this host, from getifaddrs(3).
fn interface_addresses() -> Vec<(String, IpAddr)> {
    let mut result = Vec::new();
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `list` with a linked list we own until freeifaddrs.
    if unsafe { libc::getifaddrs(&mut list) } != 0 {
        return result;
    }
    let mut cursor = list;
    while !cursor.is_null() {
        // SAFETY: `cursor` is a valid node of the list returned by getifaddrs.
        let entry = unsafe { &*cursor };
        cursor = entry.ifa_next;
        if entry.ifa_addr.is_null() || entry.ifa_name.is_null() {
            continue;
        }
        // SAFETY: ifa_name is a NUL-terminated string owned by the list.
        let name = unsafe { std::ffi::CStr::from_ptr(entry.ifa_name) }
            .to_string_lossy()
            .into_owned();
        // SAFETY: ifa_addr points to a sockaddr whose family tells its real type.
        let ip = unsafe {
            match (*entry.ifa_addr).sa_family as i32 {
                libc::AF_INET => {
                    let sin = &*(entry.ifa_addr as *const libc::sockaddr_in);
                    Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                        sin.sin_addr.s_addr,
                    ))))
                }
                libc::AF_INET6 => {
                    let sin6 = &*(entry.ifa_addr as *const libc::sockaddr_in6);
                    Some(IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)))
                }
                _ => None,
            }
        };
        if let Some(ip) = ip {
            result.push((name, ip));
        }
    }
    // SAFETY: `list` came from getifaddrs and is freed once.
    unsafe { libc::freeifaddrs(list) };
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_endpoint_forms_libzmq_accepts() {
        let tcp = |s: &str| match Endpoint::parse(s).unwrap() {
            Endpoint::Tcp(t) => t,
            other => panic!("{other:?}"),
        };
        assert_eq!(tcp("tcp://*:5555").port, Some(5555));
        assert_eq!(tcp("tcp://127.0.0.1:*").port, None);
        assert_eq!(tcp("tcp://[::1]:80").host, "::1");
        assert_eq!(tcp("tcp://10.0.0.1:1;127.0.0.1:5").host, "127.0.0.1");
        assert_eq!(
            Endpoint::parse("ipc:///tmp/x").unwrap(),
            Endpoint::Ipc(IpcAddress::Path("/tmp/x".into()))
        );
        assert_eq!(
            Endpoint::parse("ipc://rel/x.sock").unwrap(),
            Endpoint::Ipc(IpcAddress::Path("rel/x.sock".into()))
        );
        assert_eq!(
            Endpoint::parse("ipc://@name").unwrap(),
            Endpoint::Ipc(IpcAddress::Abstract(b"name".to_vec()))
        );
        assert_eq!(
            Endpoint::parse("ipc://*").unwrap(),
            Endpoint::Ipc(IpcAddress::Wildcard)
        );
        assert_eq!(
            Endpoint::parse("ipc://@").unwrap_err().kind(),
            ErrorKind::Invalid
        );
        let long = format!("ipc:///tmp/{}", "x".repeat(103));
        let err = Endpoint::parse(&long).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NameTooLong);
        assert!(err.to_string().contains("ENAMETOOLONG"), "{err}");
        // 107 bytes fit (with the NUL, 108).
        let fits = format!("ipc:///{}", "x".repeat(106));
        assert!(Endpoint::parse(&fits).is_ok());
        assert_eq!(
            Endpoint::parse("inproc://a").unwrap(),
            Endpoint::Inproc("a".into())
        );
        assert_eq!(
            Endpoint::parse("epgm://eth0;239.1.1.1:5555")
                .unwrap_err()
                .kind(),
            ErrorKind::ProtocolNotSupported
        );
        assert_eq!(
            Endpoint::parse("tcp://host").unwrap_err().kind(),
            ErrorKind::Invalid
        );
        assert_eq!(
            Endpoint::parse("tcp://h:99999").unwrap_err().kind(),
            ErrorKind::Invalid
        );
        assert_eq!(
            Endpoint::parse("nonsense").unwrap_err().kind(),
            ErrorKind::Invalid
        );
    }

    #[test]
    fn binds_to_wildcards_ips_and_interface_names() {
        let ep = |h: &str| TcpEndpoint {
            host: h.into(),
            port: Some(1),
        };
        assert_eq!(
            ep("*").bind_address(false).unwrap().ip(),
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        );
        assert_eq!(
            ep("lo").bind_address(false).unwrap().ip(),
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        );
        assert_eq!(
            ep("no-such-if0").bind_address(false).unwrap_err().kind(),
            ErrorKind::NoDevice
        );
    }
}
