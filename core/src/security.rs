//! A socket's security options, as libzmq keeps them: MECHANISM (read-only), PLAIN_SERVER,
//! PLAIN_USERNAME, PLAIN_PASSWORD, CURVE_SERVER, CURVE_PUBLICKEY, CURVE_SECRETKEY,
//! CURVE_SERVERKEY, ZAP_DOMAIN and ZAP_ENFORCE_DOMAIN, and what they make a connection's
//! handshake run ([`Security`]).

use bytes::Bytes;
use crypto_box::{PublicKey, SecretKey};
use zeroize::Zeroizing;

use crate::curve_keys::{parse_key, KEY_SIZE};
use crate::error::{Error, Result};
use crate::options::{OptionValue, SocketOption};
use crate::protocol::{CurveKeys, Security, ZapContext};

/// libzmq's ZMQ_NULL, ZMQ_PLAIN and ZMQ_CURVE, the values MECHANISM reads back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MechanismKind {
    #[default]
    Null = 0,
    Plain = 1,
    Curve = 2,
}

#[derive(Debug, Clone, Default)]
pub struct SecurityOptions {
    pub mechanism: MechanismKind,
    /// Our role: server (authenticates its peers) or client.
    pub as_server: bool,
    pub plain_username: Bytes,
    pub plain_password: Bytes,
    pub zap_domain: Bytes,
    pub zap_enforce_domain: bool,
    /// CURVE's long-term keys (libzmq's default: zeros); the secret one is wiped on drop.
    pub curve_public: [u8; KEY_SIZE],
    pub curve_secret: SecretBytes,
    pub curve_server: [u8; KEY_SIZE],
}

impl SecurityOptions {
    /// Sets a security option; `Ok(false)` if `option` is not one. As in libzmq, setting
    /// PLAIN_SERVER or a PLAIN credential selects PLAIN (and the role), PLAIN_SERVER 0 or
    /// an empty credential goes back to NULL.
    pub(crate) fn set(&mut self, option: SocketOption, value: &OptionValue) -> Result<bool> {
        use SocketOption as O;
        match option {
            O::PlainServer => {
                self.as_server = value.as_bool(option)?;
                self.mechanism = if self.as_server {
                    MechanismKind::Plain
                } else {
                    MechanismKind::Null
                };
            }
            O::PlainUsername | O::PlainPassword => {
                let text = at_most_255(option, value)?;
                if text.is_empty() {
                    self.mechanism = MechanismKind::Null;
                } else {
                    self.mechanism = MechanismKind::Plain;
                    self.as_server = false;
                }
                match option {
                    O::PlainUsername => self.plain_username = text,
                    _ => self.plain_password = text,
                }
            }
            O::CurveServer => {
                self.as_server = value.as_bool(option)?;
                self.mechanism = if self.as_server {
                    MechanismKind::Curve
                } else {
                    MechanismKind::Null
                };
            }
            O::CurvePublicKey | O::CurveSecretKey | O::CurveServerKey => {
                let key = parse_key(value.as_bytes(option)?, option.name())?;
                match option {
                    O::CurvePublicKey => self.curve_public = *key,
                    O::CurveSecretKey => self.curve_secret = SecretBytes(key),
                    _ => {
                        self.curve_server = *key;
                        self.as_server = false;
                    }
                }
                self.mechanism = MechanismKind::Curve;
            }
            O::ZapDomain => self.zap_domain = at_most_255(option, value)?,
            O::ZapEnforceDomain => self.zap_enforce_domain = value.as_bool(option)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Reads a security option; `None` if `option` is not one.
    pub(crate) fn get(&self, option: SocketOption) -> Option<OptionValue> {
        use SocketOption as O;
        Some(match option {
            O::Mechanism => OptionValue::Int(self.mechanism as i64),
            O::PlainServer => {
                OptionValue::Int((self.as_server && self.mechanism == MechanismKind::Plain) as i64)
            }
            O::PlainUsername => OptionValue::Bytes(self.plain_username.clone()),
            O::PlainPassword => OptionValue::Bytes(self.plain_password.clone()),
            O::CurveServer => {
                OptionValue::Int((self.as_server && self.mechanism == MechanismKind::Curve) as i64)
            }
            O::CurvePublicKey => OptionValue::Bytes(Bytes::copy_from_slice(&self.curve_public)),
            O::CurveSecretKey => {
                OptionValue::Bytes(Bytes::copy_from_slice(&self.curve_secret.0[..]))
            }
            O::CurveServerKey => OptionValue::Bytes(Bytes::copy_from_slice(&self.curve_server)),
            O::ZapDomain => OptionValue::Bytes(self.zap_domain.clone()),
            O::ZapEnforceDomain => OptionValue::Int(self.zap_enforce_domain as i64),
            _ => return None,
        })
    }

    /// The handshake a connection of this socket runs.
    pub(crate) fn handshake(&self) -> Security {
        match (self.mechanism, self.as_server) {
            (MechanismKind::Null, _) => Security::Null,
            (MechanismKind::Plain, true) => Security::PlainServer,
            (MechanismKind::Plain, false) => Security::PlainClient {
                username: self.plain_username.clone(),
                password: self.plain_password.clone(),
            },
            (MechanismKind::Curve, as_server) => {
                let keys = CurveKeys {
                    secret: SecretKey::from_bytes(*self.curve_secret.0),
                    server: (!as_server).then(|| PublicKey::from_bytes(self.curve_server)),
                };
                if as_server {
                    Security::CurveServer(keys)
                } else {
                    Security::CurveClient(keys)
                }
            }
        }
    }

    /// What this socket's ZAP requests about a peer at `address` say.
    pub(crate) fn zap_context(&self, address: &str, routing_id: Option<&Bytes>) -> ZapContext {
        ZapContext {
            domain: self.zap_domain.clone(),
            enforce_domain: self.zap_enforce_domain,
            address: Bytes::copy_from_slice(address.as_bytes()),
            routing_id: routing_id.cloned().unwrap_or_default(),
        }
    }
}

/// A secret key's bytes: wiped when dropped, never printed.
#[derive(Clone, Default)]
pub struct SecretBytes(Zeroizing<[u8; KEY_SIZE]>);

impl std::fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBytes(..)")
    }
}

/// A text option of at most 255 bytes (what one-byte length fields on the wire hold).
fn at_most_255(option: SocketOption, value: &OptionValue) -> Result<Bytes> {
    let text = value.as_bytes(option)?;
    if text.len() > 255 {
        return Err(Error::invalid(format!(
            "{} takes at most 255 bytes, got {}",
            option.name(),
            text.len()
        )));
    }
    Ok(text.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(options: &mut SecurityOptions, option: SocketOption, value: impl Into<OptionValue>) {
        assert!(options.set(option, &value.into()).unwrap());
    }

    #[test]
    fn plain_options_select_the_mechanism_and_role_as_libzmq() {
        let mut o = SecurityOptions::default();
        assert_eq!(o.handshake(), Security::Null);
        set(&mut o, SocketOption::PlainServer, 1);
        assert_eq!(o.handshake(), Security::PlainServer);
        assert_eq!(o.get(SocketOption::Mechanism), Some(OptionValue::Int(1)));
        set(&mut o, SocketOption::PlainUsername, "admin");
        set(&mut o, SocketOption::PlainPassword, "secret");
        assert_eq!(
            o.handshake(),
            Security::PlainClient {
                username: Bytes::from_static(b"admin"),
                password: Bytes::from_static(b"secret")
            }
        );
        assert_eq!(o.get(SocketOption::PlainServer), Some(OptionValue::Int(0)));
        set(&mut o, SocketOption::PlainServer, 0);
        assert_eq!(o.handshake(), Security::Null);
        let long = vec![b'x'; 256];
        assert!(o
            .set(SocketOption::PlainUsername, &OptionValue::from(long))
            .is_err());
        assert!(o
            .set(SocketOption::PlainServer, &OptionValue::Int(2))
            .is_err());
    }
}
