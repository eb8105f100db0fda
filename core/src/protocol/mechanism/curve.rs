//! CURVE (RFC 26, CurveZMQ): each side proves it holds a long-term secret key and both
//! derive a short-term key for the connection, which then seals every frame
//! (`curve_message.rs`).
//!
//! ```text
//! client (C, c; C', c')                         server (S, s; S', s')
//! HELLO     C', Box[64 zeros](C'->S)     ---->
//!                                        <----  WELCOME   Box[S' + cookie](S->C')
//! INITIATE  cookie, Box[C + vouch + metadata](C'->S'),
//!           vouch = Box[C' + S](C->S')   ---->  (ZAP request with C)
//!                                        <----  READY     Box[metadata](S'->C')
//! ```
//! The cookie is `Box[C' + s']` under a key only the server knows, so it keeps no state
//! about a client before its INITIATE proves it can read WELCOME: a HELLO costs the server
//! a reply of a fixed size and nothing more. Short-term secrets and the cookie key are
//! wiped when the handshake is over (`crypto_box::SecretKey` zeroizes on drop).

use bytes::{Bytes, BytesMut};
use crypto_box::aead::{Aead, KeyInit};
use crypto_box::{Nonce, PublicKey, SalsaBox, SecretKey};
use rand_core::{OsRng, RngCore};
use xsalsa20poly1305::XSalsa20Poly1305;
use zeroize::Zeroizing;

use super::{encode_metadata, parse_metadata, send_command as send, unexpected, Step};
use crate::monitor;
use crate::protocol::command::{self, Metadata};
use crate::protocol::curve_message::{self, Opener, Sealer};
use crate::protocol::ProtocolError;

const HELLO: &[u8] = b"HELLO";
const WELCOME: &[u8] = b"WELCOME";
const INITIATE: &[u8] = b"INITIATE";

/// Sizes of the commands' data (after their names), fixed by RFC 26.
const HELLO_DATA: usize = 2 + 72 + 32 + 8 + 80;
const WELCOME_DATA: usize = 16 + 144;
const COOKIE: usize = 16 + 80;
/// INITIATE's data without metadata: cookie, short nonce, Box[C + vouch nonce + vouch].
const INITIATE_DATA_MIN: usize = COOKIE + 8 + 16 + 32 + 16 + 80;

fn nonce(prefix: &[u8], rest: &[u8]) -> Nonce {
    let mut nonce = Nonce::default();
    nonce[..prefix.len()].copy_from_slice(prefix);
    nonce[prefix.len()..].copy_from_slice(rest);
    nonce
}

fn random_16() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

fn failed(code: u32, detail: &'static str) -> ProtocolError {
    ProtocolError::Handshake { code, detail }
}

fn cryptographic(detail: &'static str) -> ProtocolError {
    failed(monitor::PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC, detail)
}

/// The long-term keys a CURVE socket was configured with.
#[derive(Clone)]
pub struct CurveKeys {
    pub secret: SecretKey,
    /// The server's public key (clients only).
    pub server: Option<PublicKey>,
}

impl std::fmt::Debug for CurveKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurveKeys")
            .field("public", &self.secret.public_key())
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl PartialEq for CurveKeys {
    fn eq(&self, other: &Self) -> bool {
        self.secret.public_key() == other.secret.public_key() && self.server == other.server
    }
}

impl Eq for CurveKeys {}

#[derive(Debug)]
enum ClientState {
    Welcome,
    Ready,
}

pub(crate) struct CurveClient {
    keys: CurveKeys,
    server: PublicKey,
    transient: SecretKey,
    our_metadata: Metadata,
    next_nonce: u64,
    /// The server's short-term key and the box with it, once WELCOME has come.
    server_transient: Option<PublicKey>,
    shared: Option<SalsaBox>,
    state: ClientState,
    cipher: Option<(Sealer, Opener)>,
}

impl std::fmt::Debug for CurveClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurveClient")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl CurveClient {
    pub(super) fn new(keys: CurveKeys, server: PublicKey, our_metadata: Metadata) -> Self {
        CurveClient {
            keys,
            server,
            transient: SecretKey::generate(&mut OsRng),
            our_metadata,
            next_nonce: 1,
            server_transient: None,
            shared: None,
            state: ClientState::Welcome,
            cipher: None,
        }
    }

    fn take_nonce(&mut self) -> u64 {
        let short = self.next_nonce;
        self.next_nonce += 1;
        short
    }

    pub(super) fn start(&mut self, out: &mut BytesMut) -> Step {
        let short = self.take_nonce().to_be_bytes();
        let signature = SalsaBox::new(&self.server, &self.transient)
            .encrypt(&nonce(b"CurveZMQHELLO---", &short), &[0u8; 64][..])
            .expect("a box of 64 bytes seals");
        let transient_public = self.transient.public_key();
        send(
            out,
            HELLO,
            &[
                &[1, 0],
                &[0; 72],
                transient_public.as_bytes(),
                &short,
                &signature,
            ],
        );
        Step::Continue
    }

    pub(super) fn process(
        &mut self,
        name: &[u8],
        data: &[u8],
        out: &mut BytesMut,
    ) -> Result<Step, ProtocolError> {
        match self.state {
            ClientState::Welcome if name == WELCOME => {
                self.on_welcome(data, out)?;
                self.state = ClientState::Ready;
                Ok(Step::Continue)
            }
            ClientState::Ready if name == command::READY => self.on_ready(data),
            _ => Err(unexpected(name)),
        }
    }

    fn on_welcome(&mut self, data: &[u8], out: &mut BytesMut) -> Result<(), ProtocolError> {
        if data.len() != WELCOME_DATA {
            return Err(failed(
                monitor::PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME,
                "a CURVE WELCOME of the wrong size",
            ));
        }
        let plain = Zeroizing::new(
            SalsaBox::new(&self.server, &self.transient)
                .decrypt(&nonce(b"WELCOME-", &data[..16]), &data[16..])
                .map_err(|_| {
                    cryptographic("a CURVE WELCOME that does not open (is the server key right?)")
                })?,
        );
        let server_transient = PublicKey::from_slice(&plain[..32]).expect("32 bytes");
        let cookie = &plain[32..32 + COOKIE];
        let shared = SalsaBox::new(&server_transient, &self.transient);

        // The vouch: our short-term key and the server's long-term one, boxed with our
        // long-term key, so the server knows C' belongs to C.
        let vouch_nonce = random_16();
        let mut vouched = Zeroizing::new([0u8; 64]);
        vouched[..32].copy_from_slice(self.transient.public_key().as_bytes());
        vouched[32..].copy_from_slice(self.server.as_bytes());
        let vouch = SalsaBox::new(&server_transient, &self.keys.secret)
            .encrypt(&nonce(b"VOUCH---", &vouch_nonce), &vouched[..])
            .expect("a box of 64 bytes seals");

        let mut plain = Zeroizing::new(Vec::with_capacity(128 + 64));
        plain.extend_from_slice(self.keys.secret.public_key().as_bytes());
        plain.extend_from_slice(&vouch_nonce);
        plain.extend_from_slice(&vouch);
        plain.extend_from_slice(&encode_metadata(&std::mem::take(&mut self.our_metadata)));
        let short = self.take_nonce().to_be_bytes();
        let sealed = shared
            .encrypt(&nonce(b"CurveZMQINITIATE", &short), &plain[..])
            .expect("metadata fits a box");
        send(out, INITIATE, &[cookie, &short, &sealed]);
        self.shared = Some(shared);
        self.server_transient = Some(server_transient);
        Ok(())
    }

    fn on_ready(&mut self, data: &[u8]) -> Result<Step, ProtocolError> {
        let shared = self.shared.take().expect("READY follows WELCOME");
        if data.len() < 8 + 16 {
            return Err(failed(
                monitor::PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY,
                "a CURVE READY too short to hold its box",
            ));
        }
        let short = u64::from_be_bytes(data[..8].try_into().unwrap());
        let metadata = shared
            .decrypt(&nonce(b"CurveZMQREADY---", &data[..8]), &data[8..])
            .map_err(|_| cryptographic("a CURVE READY that does not open"))?;
        let metadata = parse_metadata(
            &metadata,
            monitor::PROTOCOL_ERROR_ZMTP_INVALID_METADATA,
            "a CURVE READY with malformed metadata",
        )?;
        let server_transient = self.server_transient.take().expect("READY follows WELCOME");
        self.cipher = Some(curve_message::pair(
            &server_transient,
            &self.transient,
            true,
            self.next_nonce,
            short,
        ));
        Ok(Step::Done(metadata))
    }

    pub(super) fn take_cipher(&mut self) -> Option<(Sealer, Opener)> {
        self.cipher.take()
    }
}

#[derive(Debug)]
enum ServerState {
    Hello,
    Initiate,
    ZapReply,
}

pub(crate) struct CurveServer {
    secret: SecretKey,
    our_metadata: Metadata,
    state: ServerState,
    /// Per connection, after HELLO: the client's short-term key, ours, the cookie key.
    client_transient: Option<PublicKey>,
    transient: Option<SecretKey>,
    cookie_key: Zeroizing<[u8; 32]>,
    /// After INITIATE: the client's metadata and the connection key, until ZAP answers.
    peer_metadata: Option<Metadata>,
    shared: Option<SalsaBox>,
    peer_nonce: u64,
    cipher: Option<(Sealer, Opener)>,
}

impl std::fmt::Debug for CurveServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurveServer")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl CurveServer {
    pub(super) fn new(keys: CurveKeys, our_metadata: Metadata) -> Self {
        CurveServer {
            secret: keys.secret,
            our_metadata,
            state: ServerState::Hello,
            client_transient: None,
            transient: None,
            cookie_key: Zeroizing::new([0; 32]),
            peer_metadata: None,
            shared: None,
            peer_nonce: 0,
            cipher: None,
        }
    }

    pub(super) fn process(
        &mut self,
        name: &[u8],
        data: &[u8],
        out: &mut BytesMut,
    ) -> Result<Step, ProtocolError> {
        match self.state {
            ServerState::Hello if name == HELLO => {
                self.on_hello(data, out)?;
                self.state = ServerState::Initiate;
                Ok(Step::Continue)
            }
            ServerState::Initiate if name == INITIATE => {
                let client = self.on_initiate(data)?;
                self.state = ServerState::ZapReply;
                Ok(Step::AskZap {
                    credentials: vec![Bytes::copy_from_slice(client.as_bytes())],
                    mandatory: false,
                })
            }
            _ => Err(unexpected(name)),
        }
    }

    fn on_hello(&mut self, data: &[u8], out: &mut BytesMut) -> Result<(), ProtocolError> {
        let malformed = || {
            failed(
                monitor::PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO,
                "a CURVE HELLO of the wrong size or version",
            )
        };
        if data.len() != HELLO_DATA || data[..2] != [1, 0] {
            return Err(malformed());
        }
        let client_transient = PublicKey::from_slice(&data[74..106]).expect("32 bytes");
        let short = &data[106..114];
        SalsaBox::new(&client_transient, &self.secret)
            .decrypt(&nonce(b"CurveZMQHELLO---", short), &data[114..])
            .map_err(|_| {
                cryptographic("a CURVE HELLO that does not open (does the client have our key?)")
            })?;

        // WELCOME: our short-term key and a cookie holding the client's and our
        // short-term secret, under a key that never leaves this connection.
        let transient = SecretKey::generate(&mut OsRng);
        OsRng.fill_bytes(&mut self.cookie_key[..]);
        let cookie_nonce = random_16();
        let mut cookie_plain = Zeroizing::new([0u8; 64]);
        cookie_plain[..32].copy_from_slice(client_transient.as_bytes());
        cookie_plain[32..].copy_from_slice(&transient.to_bytes());
        let cookie = XSalsa20Poly1305::new((&*self.cookie_key).into())
            .encrypt(&nonce(b"COOKIE--", &cookie_nonce), &cookie_plain[..])
            .expect("a cookie seals");
        let mut plain = Zeroizing::new(Vec::with_capacity(128));
        plain.extend_from_slice(transient.public_key().as_bytes());
        plain.extend_from_slice(&cookie_nonce);
        plain.extend_from_slice(&cookie);
        let welcome_nonce = random_16();
        let sealed = SalsaBox::new(&client_transient, &self.secret)
            .encrypt(&nonce(b"WELCOME-", &welcome_nonce), &plain[..])
            .expect("a WELCOME seals");
        send(out, WELCOME, &[&welcome_nonce, &sealed]);
        self.client_transient = Some(client_transient);
        self.transient = Some(transient);
        Ok(())
    }

    /// Checks INITIATE; returns the client's long-term public key (for ZAP).
    fn on_initiate(&mut self, data: &[u8]) -> Result<PublicKey, ProtocolError> {
        if data.len() < INITIATE_DATA_MIN {
            return Err(failed(
                monitor::PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE,
                "a CURVE INITIATE too short",
            ));
        }
        let client_transient = self
            .client_transient
            .clone()
            .expect("INITIATE follows HELLO");
        let transient = self.transient.clone().expect("INITIATE follows HELLO");
        // The cookie must be the one we sent: a replayed or forged INITIATE fails here.
        let cookie = Zeroizing::new(
            XSalsa20Poly1305::new((&*self.cookie_key).into())
                .decrypt(&nonce(b"COOKIE--", &data[..16]), &data[16..COOKIE])
                .map_err(|_| cryptographic("a CURVE INITIATE whose cookie does not open"))?,
        );
        if cookie[..32] != client_transient.as_bytes()[..] || cookie[32..] != transient.to_bytes() {
            return Err(cryptographic(
                "a CURVE INITIATE with another connection's cookie",
            ));
        }
        let short = &data[COOKIE..COOKIE + 8];
        let shared = SalsaBox::new(&client_transient, &transient);
        let plain = Zeroizing::new(
            shared
                .decrypt(&nonce(b"CurveZMQINITIATE", short), &data[COOKIE + 8..])
                .map_err(|_| cryptographic("a CURVE INITIATE that does not open"))?,
        );
        let client = PublicKey::from_slice(&plain[..32]).expect("32 bytes");
        let vouched = Zeroizing::new(
            SalsaBox::new(&client, &transient)
                .decrypt(&nonce(b"VOUCH---", &plain[32..48]), &plain[48..128])
                .map_err(|_| cryptographic("a CURVE vouch that does not open"))?,
        );
        if vouched[..32] != client_transient.as_bytes()[..]
            || vouched[32..] != self.secret.public_key().as_bytes()[..]
        {
            return Err(failed(
                monitor::PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE,
                "a CURVE vouch for other keys",
            ));
        }
        self.peer_metadata = Some(parse_metadata(
            &plain[128..],
            monitor::PROTOCOL_ERROR_ZMTP_INVALID_METADATA,
            "a CURVE INITIATE with malformed metadata",
        )?);
        self.peer_nonce = u64::from_be_bytes(short.try_into().unwrap());
        self.shared = Some(shared);
        *self.cookie_key = [0; 32];
        Ok(client)
    }

    pub(super) fn zap_allowed(&mut self, out: &mut BytesMut) -> Step {
        let shared = self.shared.take().expect("READY follows INITIATE");
        let short = 1u64.to_be_bytes();
        let sealed = shared
            .encrypt(
                &nonce(b"CurveZMQREADY---", &short),
                &encode_metadata(&std::mem::take(&mut self.our_metadata))[..],
            )
            .expect("metadata fits a box");
        send(out, command::READY, &[&short, &sealed]);
        let client_transient = self.client_transient.take().expect("READY follows HELLO");
        let transient = self.transient.take().expect("READY follows HELLO");
        self.cipher = Some(curve_message::pair(
            &client_transient,
            &transient,
            false,
            2,
            self.peer_nonce,
        ));
        Step::Done(self.peer_metadata.take().unwrap_or_default())
    }

    pub(super) fn take_cipher(&mut self) -> Option<(Sealer, Opener)> {
        self.cipher.take()
    }
}
