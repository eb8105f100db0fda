//! TCP_ACCEPT_FILTER: the networks a TCP listener accepts connections from, written as
//! libzmq takes them ("192.168.1.0/24", "::1", "0.0.0.0/0").

use std::net::IpAddr;

use crate::error::{Error, Result};

/// One network: an address and how many of its leading bits must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptFilter {
    network: IpAddr,
    prefix_bits: u32,
}

impl AcceptFilter {
    /// Parses `address[/bits]`: a numeric IPv4 or IPv6 address (no host names), and a prefix
    /// length of 0 to 32 (128 for IPv6); without one the whole address must match.
    pub fn parse(text: &[u8]) -> Result<AcceptFilter> {
        let bad = |why: &str| {
            Error::invalid(format!(
                "TCP_ACCEPT_FILTER {:?}: {why}",
                String::from_utf8_lossy(text)
            ))
        };
        let text = std::str::from_utf8(text).map_err(|_| bad("not text"))?;
        let (address, bits) = match text.split_once('/') {
            Some((address, bits)) => (address, Some(bits)),
            None => (text, None),
        };
        let network: IpAddr = address
            .parse()
            .map_err(|_| bad("not a numeric IPv4 or IPv6 address"))?;
        let max_bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix_bits = match bits {
            None => max_bits,
            Some(bits) if !bits.is_empty() && bits.bytes().all(|b| b.is_ascii_digit()) => bits
                .parse::<u32>()
                .ok()
                .filter(|bits| *bits <= max_bits)
                .ok_or_else(|| bad(&format!("the mask must be 0 to {max_bits} bits")))?,
            Some(_) => return Err(bad(&format!("the mask must be 0 to {max_bits} bits"))),
        };
        Ok(AcceptFilter {
            network,
            prefix_bits,
        })
    }

    /// Whether `peer` is in this network. An IPv4 peer that reached an IPv6 listener
    /// (`::ffff:a.b.c.d`) is compared as the IPv4 address it is.
    pub fn matches(&self, peer: IpAddr) -> bool {
        let peer = match peer {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(peer, IpAddr::V4),
            v4 => v4,
        };
        match (self.network, peer) {
            (IpAddr::V4(network), IpAddr::V4(peer)) => same_prefix(
                network.to_bits().into(),
                peer.to_bits().into(),
                self.prefix_bits,
                32,
            ),
            (IpAddr::V6(network), IpAddr::V6(peer)) => {
                same_prefix(network.to_bits(), peer.to_bits(), self.prefix_bits, 128)
            }
            _ => false,
        }
    }
}

/// Whether the first `bits` of two `width`-bit addresses agree.
fn same_prefix(a: u128, b: u128, bits: u32, width: u32) -> bool {
    if bits == 0 {
        return true;
    }
    let shift = width - bits;
    (a >> shift) == (b >> shift)
}

/// Whether a listener with `filters` accepts `peer`: any filter matching, or no filters.
pub(crate) fn accepts(filters: &[AcceptFilter], peer: IpAddr) -> bool {
    filters.is_empty() || filters.iter().any(|filter| filter.matches(peer))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(text: &str) -> Result<AcceptFilter> {
        AcceptFilter::parse(text.as_bytes())
    }

    #[test]
    fn malformed_filters_are_einval() {
        for text in [
            "foo",
            "0.0.0.0foo",
            "0.0.0.0/foo",
            "0.0.0.0/",
            "0.0.0.0/-1",
            "0.0.0.0/33",
            "::1/129",
            "",
            "localhost",
        ] {
            let err = filter(text).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Invalid, "{text}");
            assert!(err.to_string().contains("TCP_ACCEPT_FILTER"), "{err}");
        }
    }

    #[test]
    fn networks_match_their_addresses_only() {
        let local = "127.0.0.1".parse().unwrap();
        let other = "10.1.2.3".parse().unwrap();
        assert!(filter("127.0.0.1").unwrap().matches(local));
        assert!(filter("127.0.0.0/8").unwrap().matches(local));
        assert!(!filter("127.0.0.255/32").unwrap().matches(local));
        assert!(filter("0.0.0.0/0").unwrap().matches(other));
        assert!(!filter("127.0.0.0/8").unwrap().matches(other));
        assert!(filter("127.0.0.1/32")
            .unwrap()
            .matches("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!filter("::1").unwrap().matches(local));
        assert!(filter("::1/128").unwrap().matches("::1".parse().unwrap()));
        assert!(accepts(&[], other));
        assert!(!accepts(&[filter("127.0.0.1").unwrap()], other));
    }
}
