//! SOCKS_PROXY: a TCP connection made through a SOCKS5 proxy (RFC 1928), as libzmq makes
//! it. The socket connects to the proxy, offers "no authentication" (and username/password,
//! RFC 1929, when SOCKS_USERNAME is set), asks the proxy to CONNECT to the endpoint's host
//! (an IP address as such, a name as a domain name the proxy resolves) and port, and the
//! ZMTP handshake then runs over the connection as over a direct one.

use std::io;
use std::net::IpAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const VERSION: u8 = 5;
const NO_AUTHENTICATION: u8 = 0;
const USERNAME_PASSWORD: u8 = 2;
const NO_ACCEPTABLE_METHOD: u8 = 0xff;
const CONNECT: u8 = 1;
const IPV4: u8 = 1;
const DOMAIN_NAME: u8 = 3;
const IPV6: u8 = 4;
const SUCCEEDED: u8 = 0;

/// Optional RFC 1929 credentials (SOCKS_USERNAME, SOCKS_PASSWORD).
pub(crate) struct Credentials<'a> {
    pub username: &'a [u8],
    pub password: &'a [u8],
}

fn refused(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionRefused, what)
}

/// Runs the SOCKS5 exchange on `stream`, a fresh connection to the proxy, so that it then
/// carries a connection to `host`:`port`.
pub(crate) async fn connect_through(
    stream: &mut TcpStream,
    host: &str,
    port: u16,
    credentials: Option<Credentials<'_>>,
) -> io::Result<()> {
    // The methods we offer, and the one the proxy picks.
    let greeting: &[u8] = match credentials {
        Some(_) => &[VERSION, 2, NO_AUTHENTICATION, USERNAME_PASSWORD],
        None => &[VERSION, 1, NO_AUTHENTICATION],
    };
    stream.write_all(greeting).await?;
    let mut choice = [0u8; 2];
    stream.read_exact(&mut choice).await?;
    match (choice, &credentials) {
        ([VERSION, NO_AUTHENTICATION], _) => {}
        ([VERSION, USERNAME_PASSWORD], Some(credentials)) => {
            authenticate(stream, credentials).await?
        }
        ([VERSION, NO_ACCEPTABLE_METHOD], _) => {
            return Err(refused(
                "the SOCKS proxy accepts none of our methods".into(),
            ))
        }
        _ => {
            return Err(refused(format!(
                "unexpected SOCKS method choice {choice:?}"
            )))
        }
    }

    stream.write_all(&connect_request(host, port)?).await?;
    // Reply: version, status, reserved, address type, address, port.
    let mut head = [0u8; 4];
    stream.read_exact(&mut head).await?;
    if head[0] != VERSION {
        return Err(refused(format!("not a SOCKS5 reply: {head:?}")));
    }
    if head[1] != SUCCEEDED {
        return Err(refused(format!(
            "the SOCKS proxy could not connect to {host}:{port} (status {})",
            head[1]
        )));
    }
    let address_len = match head[3] {
        IPV4 => 4,
        IPV6 => 16,
        DOMAIN_NAME => stream.read_u8().await? as usize,
        other => return Err(refused(format!("unknown SOCKS address type {other}"))),
    };
    let mut bound = vec![0u8; address_len + 2];
    stream.read_exact(&mut bound).await?;
    Ok(())
}

/// RFC 1929: version 1, username, password; the proxy answers [1, 0] on success.
async fn authenticate(stream: &mut TcpStream, credentials: &Credentials<'_>) -> io::Result<()> {
    let (user, password) = (credentials.username, credentials.password);
    if user.len() > 255 || password.len() > 255 {
        return Err(refused(
            "SOCKS credentials are at most 255 bytes each".into(),
        ));
    }
    let mut request = vec![1, user.len() as u8];
    request.extend_from_slice(user);
    request.push(password.len() as u8);
    request.extend_from_slice(password);
    stream.write_all(&request).await?;
    let mut status = [0u8; 2];
    stream.read_exact(&mut status).await?;
    if status[1] != 0 {
        return Err(refused(
            "the SOCKS proxy refused the username and password".into(),
        ));
    }
    Ok(())
}

/// CONNECT to `host`:`port`: an IP address is sent as one, anything else as a domain name.
fn connect_request(host: &str, port: u16) -> io::Result<Vec<u8>> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let mut request = vec![VERSION, CONNECT, 0];
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => {
            request.push(IPV4);
            request.extend_from_slice(&ip.octets());
        }
        Ok(IpAddr::V6(ip)) => {
            request.push(IPV6);
            request.extend_from_slice(&ip.octets());
        }
        Err(_) => {
            if host.is_empty() || host.len() > 255 {
                return Err(refused(format!("{host:?} cannot be sent to a SOCKS proxy")));
            }
            request.push(DOMAIN_NAME);
            request.push(host.len() as u8);
            request.extend_from_slice(host.as_bytes());
        }
    }
    request.extend_from_slice(&port.to_be_bytes());
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_requests_name_the_host_as_libzmq_does() {
        assert_eq!(
            connect_request("10.1.2.3", 5555).unwrap(),
            [5, 1, 0, 1, 10, 1, 2, 3, 0x15, 0xb3]
        );
        assert_eq!(
            connect_request("example.org", 80).unwrap(),
            [&[5, 1, 0, 3, 11][..], b"example.org", &[0, 80]].concat()
        );
        let v6 = connect_request("[::1]", 1).unwrap();
        assert_eq!(&v6[..4], [5, 1, 0, 4]);
        assert_eq!(v6.len(), 4 + 16 + 2);
    }
}
