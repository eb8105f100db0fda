//! A ready-made ZAP handler (RFC 27): the authenticator pyzmq users know as
//! `zmq.auth.ThreadAuthenticator`, in the core so every binding offers the same one.
//!
//! [`Authenticator::start`] binds a REP socket at `inproc://zeromq.zap.01` in a context and
//! answers the ZAP requests of that context's servers on a thread of its own, by this policy:
//!
//! * addresses: with an allow list, only its addresses get in; otherwise, with a deny list,
//!   its addresses are kept out; the other checks still apply to an allowed address;
//! * NULL: every address not kept out gets in, as user "anonymous";
//! * PLAIN: the username and password must be in the passwords configured for the
//!   server's ZAP domain (an empty domain is `*`); the user id is the username;
//! * CURVE: any client once [`Policy::allow_any_curve`] was called, else the client's
//!   public key must be among those configured for the domain, typically loaded from a
//!   directory of certificates (`certs.rs`); the user id is the key in Z85.
//!
//! Refusals are status 400 with the reason as the status text.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use crate::error::Result;
use crate::poll::{poll, PollItem};
use crate::{Context, Message, Socket, SocketType, POLLIN};

/// Where ZAP handlers bind (RFC 27).
pub const ZAP_ENDPOINT: &str = "inproc://zeromq.zap.01";

/// The domain PLAIN passwords are looked up under when a server has no ZAP domain.
pub const ANY_DOMAIN: &str = "*";

/// Who may connect: what [`Authenticator`] decides by.
#[derive(Debug, Default, Clone)]
pub struct Policy {
    allowed: HashSet<String>,
    denied: HashSet<String>,
    /// Domain → username → password.
    passwords: HashMap<String, HashMap<String, String>>,
    /// CURVE: every client key is let in.
    curve_any: bool,
    /// Domain → the CURVE client keys let in.
    curve_keys: HashMap<String, HashSet<[u8; 32]>>,
}

/// A ZAP request as a REP handler receives it (the envelope already stripped).
pub struct Request<'a> {
    pub request_id: &'a [u8],
    pub domain: &'a [u8],
    pub address: &'a [u8],
    pub mechanism: &'a [u8],
    pub credentials: Vec<&'a [u8]>,
}

/// What to answer: the status code ("200" or "400"), its text, and the user id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: &'static str,
    pub text: String,
    pub user_id: String,
}

impl Answer {
    fn allow(user_id: impl Into<String>) -> Answer {
        Answer {
            status: "200",
            text: "OK".into(),
            user_id: user_id.into(),
        }
    }

    fn deny(reason: &str) -> Answer {
        Answer {
            status: "400",
            text: reason.into(),
            user_id: String::new(),
        }
    }
}

impl Policy {
    /// Lets only these addresses in (added to those allowed before).
    pub fn allow<I: IntoIterator<Item = S>, S: Into<String>>(&mut self, addresses: I) {
        self.allowed.extend(addresses.into_iter().map(Into::into));
    }

    /// Keeps these addresses out (ignored while an allow list exists, as pyzmq's).
    pub fn deny<I: IntoIterator<Item = S>, S: Into<String>>(&mut self, addresses: I) {
        self.denied.extend(addresses.into_iter().map(Into::into));
    }

    /// The PLAIN users of `domain`, replacing those configured for it before.
    pub fn configure_plain(&mut self, domain: &str, passwords: HashMap<String, String>) {
        self.passwords.insert(domain.to_string(), passwords);
    }

    /// CURVE: lets in any client (encryption without authentication, pyzmq's
    /// `CURVE_ALLOW_ANY`).
    pub fn allow_any_curve(&mut self) {
        self.curve_any = true;
    }

    /// CURVE: the client keys let in for `domain`, replacing those configured before.
    pub fn configure_curve(&mut self, domain: &str, keys: HashSet<[u8; 32]>) {
        self.curve_keys.insert(domain.to_string(), keys);
    }

    /// The answer to one request.
    pub fn decide(&self, request: &Request<'_>) -> Answer {
        let address = String::from_utf8_lossy(request.address);
        if !self.allowed.is_empty() {
            if !self.allowed.contains(address.as_ref()) {
                return Answer::deny("Address not allowed");
            }
        } else if self.denied.contains(address.as_ref()) {
            return Answer::deny("Address denied");
        }
        match request.mechanism {
            b"NULL" => Answer::allow("anonymous"),
            b"PLAIN" => match request.credentials.as_slice() {
                [username, password] => self.check_plain(request.domain, username, password),
                _ => Answer::deny("Invalid credentials"),
            },
            b"CURVE" => match request.credentials.as_slice() {
                [key] => self.check_curve(request.domain, key),
                _ => Answer::deny("Invalid credentials"),
            },
            _ => Answer::deny("Mechanism not supported"),
        }
    }

    fn check_curve(&self, domain: &[u8], key: &[u8]) -> Answer {
        let Ok(key) = <[u8; 32]>::try_from(key) else {
            return Answer::deny("Invalid credentials");
        };
        let user_id = crate::z85::encode(&key).unwrap_or_default();
        if self.curve_any {
            return Answer::allow(user_id);
        }
        let domain = match String::from_utf8_lossy(domain) {
            d if d.is_empty() => ANY_DOMAIN.into(),
            d => d.into_owned(),
        };
        match self.curve_keys.get(&domain) {
            Some(keys) if keys.contains(&key) => Answer::allow(user_id),
            Some(_) => Answer::deny("Unknown key"),
            None => Answer::deny("Unknown domain"),
        }
    }

    fn check_plain(&self, domain: &[u8], username: &[u8], password: &[u8]) -> Answer {
        if self.passwords.is_empty() {
            return Answer::deny("No passwords defined");
        }
        let domain = match String::from_utf8_lossy(domain) {
            d if d.is_empty() => ANY_DOMAIN.into(),
            d => d.into_owned(),
        };
        let Some(users) = self.passwords.get(&domain) else {
            return Answer::deny("Invalid domain");
        };
        let username = String::from_utf8_lossy(username);
        match users.get(username.as_ref()) {
            Some(expected) if expected.as_bytes() == password => Answer::allow(username),
            Some(_) => Answer::deny("Invalid password"),
            None => Answer::deny("Invalid username"),
        }
    }
}

/// Reads a ZAP request: `None` if it is not one (too few frames, another version).
fn parse_request(msg: &Message) -> std::result::Result<Request<'_>, &'static str> {
    let frames: Vec<&[u8]> = msg.iter().map(|f| f.as_slice()).collect();
    let [version, request_id, domain, address, _identity, mechanism, credentials @ ..] =
        frames.as_slice()
    else {
        return Err("Not enough frames");
    };
    if *version != b"1.0" {
        return Err("Invalid version");
    }
    Ok(Request {
        request_id,
        domain,
        address,
        mechanism,
        credentials: credentials.to_vec(),
    })
}

/// Answers ZAP requests by a [`Policy`] on a thread of its own, while started.
pub struct Authenticator {
    ctx: Context,
    policy: Arc<Mutex<Policy>>,
    running: Option<Running>,
}

struct Running {
    /// Ends the thread: a message on it, or its closing.
    stop: Socket,
    thread: JoinHandle<()>,
}

impl Authenticator {
    /// An authenticator for the servers of `ctx`, not started yet, letting nobody in by
    /// PLAIN until passwords are configured.
    pub fn new(ctx: &Context) -> Authenticator {
        Authenticator {
            ctx: ctx.clone(),
            policy: Arc::default(),
            running: None,
        }
    }

    /// The policy, to change it (changes apply to the next request).
    pub fn policy(&self) -> MutexGuard<'_, Policy> {
        self.policy.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Binds the ZAP endpoint and starts answering. EADDRINUSE if another handler is bound
    /// in this context; nothing if this one is running already.
    pub fn start(&mut self) -> Result<()> {
        if self.running.is_some() {
            return Ok(());
        }
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let control = format!(
            "inproc://ferromq.authenticator-{}",
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let handler = self.ctx.socket(SocketType::Rep)?;
        handler.set_option(crate::SocketOption::Linger, 0)?;
        handler.bind(ZAP_ENDPOINT)?;
        let listener = self.ctx.socket(SocketType::Pair)?;
        listener.bind(&control)?;
        let stop = self.ctx.socket(SocketType::Pair)?;
        stop.set_option(crate::SocketOption::Linger, 0)?;
        stop.connect(&control)?;
        let policy = self.policy.clone();
        let thread = std::thread::Builder::new()
            .name("ferromq-zap".into())
            .spawn(move || serve(&handler, &listener, &policy))
            .map_err(|e| crate::Error::from_io(&e, "cannot start the authenticator's thread"))?;
        self.running = Some(Running { stop, thread });
        Ok(())
    }

    /// Stops answering and unbinds the ZAP endpoint; waits for the thread to end.
    pub fn stop(&mut self) {
        if let Some(Running { stop, thread }) = self.running.take() {
            let _ = stop.send(&b"STOP"[..], crate::flags::DONTWAIT);
            drop(stop);
            let _ = thread.join();
        }
    }

    pub fn is_running(&self) -> bool {
        self.running
            .as_ref()
            .is_some_and(|running| !running.thread.is_finished())
    }
}

impl Drop for Authenticator {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The authenticator's thread: answers requests until told to stop or the context ends.
fn serve(handler: &Socket, control: &Socket, policy: &Mutex<Policy>) {
    loop {
        let mut items = [
            PollItem::socket(control, POLLIN),
            PollItem::socket(handler, POLLIN),
        ];
        if poll(&mut items, None).is_err() || items[0].revents != 0 {
            return;
        }
        if items[1].revents == 0 {
            continue;
        }
        let Ok(msg) = handler.recv_msg(crate::flags::DONTWAIT) else {
            continue;
        };
        let reply = match parse_request(&msg) {
            Ok(request) => {
                let answer = policy
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .decide(&request);
                tracing::debug!(
                    status = answer.status,
                    reason = %answer.text,
                    "ZAP request for {}",
                    String::from_utf8_lossy(request.mechanism)
                );
                reply(request.request_id, &answer)
            }
            Err(reason) => {
                // REP must answer something; a request id is echoed if there is one.
                let request_id = msg.iter().nth(1).map(|f| f.to_vec()).unwrap_or_default();
                reply(&request_id, &Answer::deny(reason))
            }
        };
        if handler.send_msg(reply, 0).is_err() {
            return;
        }
    }
}

fn reply(request_id: &[u8], answer: &Answer) -> Message {
    Message::from_frames([
        &b"1.0"[..],
        request_id,
        answer.status.as_bytes(),
        answer.text.as_bytes(),
        answer.user_id.as_bytes(),
        b"",
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(mechanism: &'a [u8], address: &'a [u8], creds: &[&'a [u8]]) -> Request<'a> {
        Request {
            request_id: b"1",
            domain: b"",
            address,
            mechanism,
            credentials: creds.to_vec(),
        }
    }

    #[test]
    fn addresses_then_mechanisms_decide() {
        let mut policy = Policy::default();
        let null = request(b"NULL", b"10.0.0.1", &[]);
        assert_eq!(policy.decide(&null), Answer::allow("anonymous"));
        policy.deny(["10.0.0.1"]);
        assert_eq!(policy.decide(&null).text, "Address denied");
        policy.allow(["10.0.0.2"]);
        assert_eq!(policy.decide(&null).text, "Address not allowed");
        assert_eq!(
            policy.decide(&request(b"NULL", b"10.0.0.2", &[])).status,
            "200"
        );
    }

    #[test]
    fn plain_checks_the_domain_users() {
        let mut policy = Policy::default();
        let plain = |user: &'static [u8], pass: &'static [u8]| {
            request(b"PLAIN", b"127.0.0.1", &[user, pass])
        };
        assert_eq!(
            policy.decide(&plain(b"admin", b"secret")).text,
            "No passwords defined"
        );
        policy.configure_plain(
            ANY_DOMAIN,
            HashMap::from([("admin".to_string(), "secret".to_string())]),
        );
        assert_eq!(
            policy.decide(&plain(b"admin", b"secret")),
            Answer::allow("admin")
        );
        assert_eq!(
            policy.decide(&plain(b"admin", b"guess")).text,
            "Invalid password"
        );
        assert_eq!(
            policy.decide(&plain(b"eve", b"secret")).text,
            "Invalid username"
        );
        let mut other = plain(b"admin", b"secret");
        other.domain = b"other";
        assert_eq!(policy.decide(&other).text, "Invalid domain");
        assert_eq!(
            policy.decide(&request(b"PLAIN", b"", &[b"admin"])).text,
            "Invalid credentials"
        );
    }
}
