//! Z85 (ZeroMQ RFC 32): printable text for binary keys, 5 characters per 4 bytes, as
//! libzmq's `zmq_z85_encode` / `zmq_z85_decode`.

const ALPHABET: &[u8; 85] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// The value of each character (0xFF: not in the alphabet).
const fn decoder() -> [u8; 256] {
    let mut table = [0xFF; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
}
const DECODER: [u8; 256] = decoder();

/// Encodes `data`; `None` unless its length is a multiple of 4 (as libzmq).
pub fn encode(data: &[u8]) -> Option<String> {
    if data.len() % 4 != 0 {
        return None;
    }
    let mut text = String::with_capacity(data.len() / 4 * 5);
    for chunk in data.chunks_exact(4) {
        let mut value = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        let mut digits = [0u8; 5];
        for digit in digits.iter_mut().rev() {
            *digit = ALPHABET[(value % 85) as usize];
            value /= 85;
        }
        text.extend(digits.iter().map(|&d| d as char));
    }
    Some(text)
}

/// Decodes `text`; `None` unless its length is a multiple of 5 and every character and
/// group is valid Z85 (as libzmq).
pub fn decode(text: &[u8]) -> Option<Vec<u8>> {
    if text.len() % 5 != 0 {
        return None;
    }
    let mut data = Vec::with_capacity(text.len() / 5 * 4);
    for chunk in text.chunks_exact(5) {
        let mut value: u64 = 0;
        for &c in chunk {
            let digit = DECODER[c as usize];
            if digit == 0xFF {
                return None;
            }
            value = value * 85 + u64::from(digit);
        }
        let value = u32::try_from(value).ok()?;
        data.extend_from_slice(&value.to_be_bytes());
    }
    Some(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_32_test_vector() {
        let data = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];
        assert_eq!(encode(&data).as_deref(), Some("HelloWorld"));
        assert_eq!(decode(b"HelloWorld").as_deref(), Some(&data[..]));
    }

    #[test]
    fn wrong_lengths_and_characters_are_refused() {
        assert_eq!(encode(b"abc"), None);
        assert_eq!(decode(b"Hell"), None);
        assert_eq!(decode(b"Hell~"), None);
        // "%%%%%" is 85^5 - 1, more than 32 bits hold.
        assert_eq!(decode(b"%%%%%"), None);
    }

    #[test]
    fn round_trip() {
        let data: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(encode(&data).unwrap().as_bytes()).unwrap(), data);
    }
}
