//! The routing ids ROUTER and STREAM make up for peers that gave none: five bytes, a zero and
//! then a big-endian counter starting at a random value, as libzmq does. The leading zero
//! keeps them apart from application-chosen ids, which may not start with zero.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

use bytes::Bytes;

pub(crate) struct RoutingIdGenerator {
    next: u32,
}

impl RoutingIdGenerator {
    pub(crate) fn new() -> Self {
        RoutingIdGenerator { next: random_u32() }
    }

    /// The next generated id for which `in_use` is false.
    pub(crate) fn generate(&mut self, in_use: impl Fn(&[u8]) -> bool) -> Bytes {
        loop {
            let mut id = [0u8; 5];
            id[1..].copy_from_slice(&self.next.to_be_bytes());
            self.next = self.next.wrapping_add(1);
            if !in_use(&id) {
                return Bytes::copy_from_slice(&id);
            }
        }
    }
}

/// A random start value (for generated ids and REQ_CORRELATE request ids). `RandomState` is
/// seeded from the OS's randomness, which is plenty here and needs no dependency.
pub(crate) fn random_u32() -> u32 {
    RandomState::new().hash_one(std::time::SystemTime::now()) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_zero_then_a_big_endian_counter_skipping_ids_in_use() {
        let mut ids = RoutingIdGenerator { next: 0xffff_fffe };
        assert_eq!(&ids.generate(|_| false)[..], &[0, 0xff, 0xff, 0xff, 0xfe]);
        let taken = [0u8, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(&ids.generate(|id| id == taken)[..], &[0, 0, 0, 0, 0]);
    }
}
