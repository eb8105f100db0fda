//! The core's authenticator (`ferromq::auth::Authenticator`: a ZAP handler answering on a
//! core thread of its own) for the JavaScript `Authenticator` class in `node/index.js`,
//! which gives it pyzmq's `ThreadAuthenticator` shape; and CURVE's keys and certificates
//! (`curveKeyPair`, czmq's zcert files). Only types are converted here: the policy
//! (addresses, PLAIN users and CURVE keys per domain), the keys and the files are the core's.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use ferromq::auth::Authenticator;
use napi_derive::napi;

use crate::{zmq_error, NativeContext};
use napi::bindgen_prelude::Buffer;
use napi::Result;

/// A ZAP handler for the servers of one context, answering once started.
#[napi]
pub struct NativeAuthenticator {
    inner: Mutex<Authenticator>,
}

impl NativeAuthenticator {
    fn lock(&self) -> MutexGuard<'_, Authenticator> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[napi]
impl NativeAuthenticator {
    /// An authenticator for the servers of `ctx`, not started yet.
    #[napi(catch_unwind, constructor)]
    pub fn new(ctx: &NativeContext) -> Self {
        NativeAuthenticator {
            inner: Mutex::new(Authenticator::new(&ctx.ctx)),
        }
    }

    /// Binds inproc://zeromq.zap.01 in the context and starts answering (EADDRINUSE if
    /// another handler is bound there; nothing if this one runs already).
    #[napi(catch_unwind)]
    pub fn start(&self) -> Result<(), &'static str> {
        self.lock().start().map_err(zmq_error)
    }

    /// Stops answering and frees the endpoint. The core's thread waits in a poll that this
    /// wakes, so joining it takes no longer than one answer.
    #[napi(catch_unwind)]
    pub fn stop(&self) {
        self.lock().stop();
    }

    #[napi(catch_unwind)]
    pub fn is_running(&self) -> bool {
        self.lock().is_running()
    }

    /// Lets only these addresses in (added to those allowed before).
    #[napi(catch_unwind)]
    pub fn allow(&self, addresses: Vec<String>) {
        self.lock().policy().allow(addresses);
    }

    /// Keeps these addresses out (ignored while an allow list exists).
    #[napi(catch_unwind)]
    pub fn deny(&self, addresses: Vec<String>) {
        self.lock().policy().deny(addresses);
    }

    /// The PLAIN users of `domain` ("*": servers without a ZAP domain), username →
    /// password, replacing those configured for it before.
    #[napi(catch_unwind)]
    pub fn configure_plain(&self, domain: String, passwords: HashMap<String, String>) {
        self.lock().policy().configure_plain(&domain, passwords);
    }

    /// CURVE: lets in every client key (encryption without authentication; pyzmq's
    /// `CURVE_ALLOW_ANY`), whatever the domain.
    #[napi(catch_unwind)]
    pub fn allow_any_curve(&self) {
        self.lock().policy().allow_any_curve();
    }

    /// CURVE: the client keys let in for `domain` ("*": servers without a ZAP domain) are
    /// the public certificates (`*.key`) in the directory `location`, replacing those
    /// configured for it before. The directory is read now, once.
    #[napi(catch_unwind)]
    pub fn configure_curve(&self, domain: String, location: String) -> Result<(), &'static str> {
        let keys = ferromq::certs::load_public_keys(Path::new(&location)).map_err(zmq_error)?;
        self.lock().policy().configure_curve(&domain, keys);
        Ok(())
    }
}

/// A CURVE key pair, as Z85 text (zeromq.js's `curveKeyPair()`).
#[napi(object)]
pub struct CurveKeyPair {
    pub public_key: String,
    pub secret_key: String,
}

/// A new long-term CURVE key pair (`zmq_curve_keypair`).
#[napi(catch_unwind)]
pub fn curve_key_pair() -> CurveKeyPair {
    let (public, secret) = ferromq::curve_keys::curve_keypair();
    CurveKeyPair {
        public_key: public,
        secret_key: secret.as_str().to_owned(),
    }
}

/// The public key of a Z85 secret key (`zmq_curve_public`); EINVAL if it is not one.
#[napi(catch_unwind)]
pub fn curve_public(secret_key: String) -> Result<String, &'static str> {
    ferromq::curve_keys::curve_public(&secret_key).map_err(zmq_error)
}

/// `data` in Z85 (RFC 32); null unless its length is a multiple of 4.
#[napi(catch_unwind)]
pub fn z85_encode(data: Buffer) -> Option<String> {
    ferromq::z85::encode(&data)
}

/// A certificate's keys (Z85): the secret one only if the file holds it.
#[napi(object)]
pub struct CertificateKeys {
    pub public_key: String,
    pub secret_key: Option<String>,
}

/// Reads a certificate file in czmq's zcert format.
#[napi(catch_unwind)]
pub fn load_certificate(path: String) -> Result<CertificateKeys, &'static str> {
    let cert = ferromq::certs::load_certificate(Path::new(&path)).map_err(zmq_error)?;
    Ok(CertificateKeys {
        public_key: cert.public,
        secret_key: cert.secret,
    })
}

/// The two files `create_certificates` wrote.
#[napi(object)]
pub struct CertificateFiles {
    pub public_file: String,
    pub secret_file: String,
}

/// Writes a new key pair as `<directory>/<name>.key` (public) and `<name>.key_secret`.
#[napi(catch_unwind)]
pub fn create_certificates(
    directory: String,
    name: String,
) -> Result<CertificateFiles, &'static str> {
    let (public, secret) =
        ferromq::certs::create_certificates(Path::new(&directory), &name).map_err(zmq_error)?;
    Ok(CertificateFiles {
        public_file: public.to_string_lossy().into_owned(),
        secret_file: secret.to_string_lossy().into_owned(),
    })
}
