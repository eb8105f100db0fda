//! CURVE keys as libzmq's API handles them: 32 bytes, or 40 characters of Z85 (RFC 32).
//! `zmq_curve_keypair` and `zmq_curve_public` live here, for every binding.

use crypto_box::SecretKey;
use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, Result};
use crate::z85;

/// A key's size in bytes, and in Z85 characters.
pub const KEY_SIZE: usize = 32;
pub const KEY_SIZE_Z85: usize = 40;

/// A new long-term key pair, as Z85 text: (public, secret). The secret's bytes are wiped
/// from memory when dropped.
pub fn curve_keypair() -> (String, Zeroizing<String>) {
    let secret = SecretKey::generate(&mut rand_core::OsRng);
    let public = z85::encode(secret.public_key().as_bytes()).expect("32 bytes encode");
    let secret_bytes = Zeroizing::new(secret.to_bytes());
    let secret = Zeroizing::new(z85::encode(&secret_bytes[..]).expect("32 bytes encode"));
    (public, secret)
}

/// The public key of a secret key given as Z85 text.
pub fn curve_public(secret_z85: &str) -> Result<String> {
    let secret = parse_key(secret_z85.as_bytes(), "the secret key")?;
    let public = SecretKey::from_bytes(*secret).public_key();
    Ok(z85::encode(public.as_bytes()).expect("32 bytes encode"))
}

/// A key option's value: 32 bytes as they are, or 40 Z85 characters (41 with the NUL a C
/// caller may pass along, as libzmq accepts).
pub(crate) fn parse_key(value: &[u8], what: &str) -> Result<Zeroizing<[u8; KEY_SIZE]>> {
    let text = match value {
        [text @ .., 0] if text.len() == KEY_SIZE_Z85 => text,
        _ => value,
    };
    let mut key = Zeroizing::new([0u8; KEY_SIZE]);
    match text.len() {
        KEY_SIZE => key.copy_from_slice(text),
        KEY_SIZE_Z85 => {
            let decoded = Zeroizing::new(z85::decode(text).ok_or_else(|| {
                Error::new(ErrorKind::Invalid, format!("{what} is not valid Z85 text"))
            })?);
            key.copy_from_slice(&decoded);
        }
        n => {
            return Err(Error::new(
                ErrorKind::Invalid,
                format!("{what} must be 32 bytes or 40 Z85 characters, got {n} bytes"),
            ))
        }
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keypair_s_public_key_is_its_secret_key_s() {
        let (public, secret) = curve_keypair();
        assert_eq!(public.len(), KEY_SIZE_Z85);
        assert_eq!(curve_public(&secret).unwrap(), public);
        assert_eq!(
            *parse_key(public.as_bytes(), "k").unwrap(),
            *parse_key(&z85::decode(public.as_bytes()).unwrap(), "k").unwrap()
        );
        let mut with_nul = public.as_bytes().to_vec();
        with_nul.push(0);
        assert!(parse_key(&with_nul, "k").is_ok());
        assert!(parse_key(b"short", "k").is_err());
        assert!(parse_key(&[b'"'; 40], "k").is_err());
    }

    #[test]
    fn rfc_32_test_vector() {
        // RFC 32's example: the text is the key's Z85 form.
        let key = parse_key(b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", "k").unwrap();
        assert_eq!(
            z85::encode(&key[..]).unwrap(),
            "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
        );
    }
}
