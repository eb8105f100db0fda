//! SOCKS_PROXY: connections made through a SOCKS5 proxy (RFC 1928, and RFC 1929 for
//! SOCKS_USERNAME/SOCKS_PASSWORD). The proxy here is a small one written for the test; it is
//! checked first with libzmq's own SOCKS client, then FerroMQ's goes through it to libzmq
//! and FerroMQ peers, and every message is counted.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use common::*;
use ferromq::{Context, SocketOption, SocketType};

/// A SOCKS5 proxy on 127.0.0.1; `targets` lists the hosts and ports it was asked for.
struct Proxy {
    address: String,
    targets: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    /// `credentials`: the username and password it demands (else no authentication).
    fn start(credentials: Option<(&'static [u8], &'static [u8])>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let targets = Arc::new(Mutex::new(Vec::new()));
        let seen = targets.clone();
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let seen = seen.clone();
                thread::spawn(move || {
                    let _ = serve(client, credentials, &seen);
                });
            }
        });
        Proxy { address, targets }
    }

    fn targets(&self) -> Vec<String> {
        self.targets.lock().unwrap().clone()
    }
}

fn serve(
    mut client: TcpStream,
    credentials: Option<(&[u8], &[u8])>,
    seen: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut head = [0u8; 2];
    client.read_exact(&mut head)?;
    let mut methods = vec![0u8; head[1] as usize];
    client.read_exact(&mut methods)?;
    assert_eq!(head[0], 5, "SOCKS version");
    match credentials {
        None => client.write_all(&[5, 0])?,
        Some((user, password)) => {
            assert!(
                methods.contains(&2),
                "username/password offered: {methods:?}"
            );
            client.write_all(&[5, 2])?;
            let mut version_len = [0u8; 2];
            client.read_exact(&mut version_len)?;
            let mut got_user = vec![0u8; version_len[1] as usize];
            client.read_exact(&mut got_user)?;
            let mut len = [0u8; 1];
            client.read_exact(&mut len)?;
            let mut got_password = vec![0u8; len[0] as usize];
            client.read_exact(&mut got_password)?;
            let ok = got_user == user && got_password == password;
            client.write_all(&[1, if ok { 0 } else { 1 }])?;
            if !ok {
                return Ok(());
            }
        }
    }
    let mut request = [0u8; 4];
    client.read_exact(&mut request)?;
    assert_eq!(request[..3], [5, 1, 0], "a CONNECT request");
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip)?;
            std::net::Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let mut len = [0u8; 1];
            client.read_exact(&mut len)?;
            let mut name = vec![0u8; len[0] as usize];
            client.read_exact(&mut name)?;
            String::from_utf8(name).unwrap()
        }
        other => panic!("address type {other}"),
    };
    let mut port = [0u8; 2];
    client.read_exact(&mut port)?;
    let target = format!("{host}:{}", u16::from_be_bytes(port));
    seen.lock().unwrap().push(target.clone());
    let upstream = TcpStream::connect(&target)?;
    client.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0])?;
    let (mut up_read, mut up_write) = (upstream.try_clone()?, upstream);
    let (mut client_read, mut client_write) = (client.try_clone()?, client);
    let forward = thread::spawn(move || {
        let _ = std::io::copy(&mut client_read, &mut up_write);
        let _ = up_write.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut up_read, &mut client_write);
    let _ = client_write.shutdown(Shutdown::Write);
    let _ = forward.join();
    Ok(())
}

const COUNT: usize = 2000;

#[test]
fn the_test_proxy_works_with_libzmqs_socks_client() {
    let proxy = Proxy::start(None);
    let zctx = zmq::Context::new();
    let server = libzmq(&zctx, zmq::PULL);
    let endpoint = libzmq_bind(&server);
    let client = libzmq(&zctx, zmq::PUSH);
    client.set_socks_proxy(Some(&proxy.address)).unwrap();
    client.connect(&endpoint).unwrap();
    client.send("through", 0).unwrap();
    assert_eq!(server.recv_bytes(0).unwrap(), b"through");
    assert_eq!(
        proxy.targets(),
        [endpoint.trim_start_matches("tcp://").to_string()]
    );
}

#[test]
fn a_dealer_reaches_a_libzmq_router_through_the_proxy() {
    let proxy = Proxy::start(None);
    let zctx = zmq::Context::new();
    let router = libzmq(&zctx, zmq::ROUTER);
    let endpoint = libzmq_bind(&router);
    let ctx = Context::new();
    let dealer = ferro(&ctx, SocketType::Dealer);
    dealer
        .set_option(SocketOption::SocksProxy, proxy.address.as_str())
        .unwrap();
    assert_eq!(
        dealer.get_option(SocketOption::SocksProxy).unwrap(),
        ferromq::OptionValue::Bytes(proxy.address.clone().into())
    );
    dealer.connect(&endpoint).unwrap();
    for i in 0..COUNT {
        dealer.send(i.to_string(), 0).unwrap();
    }
    let mut peer = Vec::new();
    for i in 0..COUNT {
        let parts = router.recv_multipart(0).unwrap();
        assert_eq!(parts[1], i.to_string().as_bytes());
        peer = parts[0].clone();
    }
    router.send_multipart([peer, b"reply".to_vec()], 0).unwrap();
    assert_eq!(frames(&dealer.recv_msg(0).unwrap()), [b"reply"]);
    assert_eq!(
        proxy.targets(),
        [endpoint.trim_start_matches("tcp://").to_string()]
    );
}

#[test]
fn a_host_name_is_resolved_by_the_proxy() {
    let proxy = Proxy::start(None);
    let ctx = Context::new();
    let pull = ferro(&ctx, SocketType::Pull);
    let endpoint = ferro_bind(&pull);
    let port = endpoint.rsplit(':').next().unwrap();
    let push = ferro(&ctx, SocketType::Push);
    push.set_option(SocketOption::SocksProxy, proxy.address.as_str())
        .unwrap();
    push.connect(&format!("tcp://localhost:{port}")).unwrap();
    push.send("by name", 0).unwrap();
    assert_eq!(frames(&pull.recv_msg(0).unwrap()), [b"by name"]);
    assert_eq!(proxy.targets(), [format!("localhost:{port}")]);
}

#[test]
fn username_and_password_are_sent_when_set() {
    let proxy = Proxy::start(Some((b"alice", b"secret")));
    let ctx = Context::new();
    let pull = ferro(&ctx, SocketType::Pull);
    let endpoint = ferro_bind(&pull);
    let push = ferro(&ctx, SocketType::Push);
    push.set_option(SocketOption::SocksProxy, proxy.address.as_str())
        .unwrap();
    push.set_option(SocketOption::SocksUsername, "alice")
        .unwrap();
    push.set_option(SocketOption::SocksPassword, "secret")
        .unwrap();
    push.connect(&endpoint).unwrap();
    for i in 0..COUNT {
        push.send(i.to_string(), 0).unwrap();
    }
    for i in 0..COUNT {
        assert_eq!(
            frames(&pull.recv_msg(0).unwrap()),
            [i.to_string().as_bytes()]
        );
    }
}
