//! Read buffers kept for reuse after large frames.
//!
//! A large incoming frame is read straight into the engine's read buffer and handed to the
//! socket without a copy, so that buffer stays shared until the application drops the
//! frame. The next large frame then needs another buffer. Allocating a fresh one each time
//! costs more than it seems: glibc serves it from the I/O thread's arena, the application
//! thread frees it, the arena's heap is trimmed, and the next buffer page-faults its way in
//! again (38 faults per 1 MiB message measured, against libzmq's 0.5). So the engine keeps
//! the last few buffers it gave up and takes one back once nothing else refers to it.

use bytes::BytesMut;

/// Buffers kept at most (each as large as a recent large frame).
const KEPT: usize = 2;

/// Growing by less than this just allocates: small allocations are cheap and come back
/// through the allocator's thread caches.
const RECYCLE_MIN: usize = 128 * 1024;

#[derive(Default)]
pub(crate) struct SpareBuffers {
    kept: Vec<BytesMut>,
}

impl SpareBuffers {
    /// Makes room for `additional` more bytes in `input`: in place if nothing else refers to
    /// its memory any more, else in a kept buffer that is free again, else in a new one.
    /// The buffer given up is kept for later.
    pub(crate) fn grow(&mut self, input: &mut BytesMut, additional: usize) {
        if input.try_reclaim(additional) {
            return;
        }
        if additional < RECYCLE_MIN {
            input.reserve(additional);
            return;
        }
        let needed = input.len() + additional;
        let mut next = match self.kept.iter_mut().position(|b| b.try_reclaim(needed)) {
            Some(free) => self.kept.swap_remove(free),
            None => BytesMut::with_capacity(needed),
        };
        // What is buffered is at most the start of the next frame (a header, some body).
        next.extend_from_slice(input);
        let mut given_up = std::mem::replace(input, next);
        given_up.clear();
        if self.kept.len() == KEPT {
            self.kept.remove(0);
        }
        self.kept.push(given_up);
    }

    /// Large frames stopped coming: the kept memory goes back to the allocator.
    pub(crate) fn release(&mut self) {
        self.kept.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LARGE: usize = 1 << 20;

    /// Reads one "frame" of `size` bytes filled with `fill` into `input` the way the engine
    /// does (grow, append, split off), and returns it.
    fn read_frame(
        spares: &mut SpareBuffers,
        input: &mut BytesMut,
        size: usize,
        fill: u8,
    ) -> bytes::Bytes {
        spares.grow(input, size);
        input.resize(input.len() + size, fill);
        input.split_to(size).freeze()
    }

    #[test]
    fn a_buffer_is_reused_only_once_its_frames_are_dropped() {
        let mut spares = SpareBuffers::default();
        let mut input = BytesMut::new();
        let first = read_frame(&mut spares, &mut input, LARGE, 1);
        let first_at = first.as_ptr();
        let second = read_frame(&mut spares, &mut input, LARGE, 2);
        assert_ne!(second.as_ptr(), first_at, "first is still held: not reused");
        drop(first);
        let third = read_frame(&mut spares, &mut input, LARGE, 3);
        assert_eq!(
            third.as_ptr(),
            first_at,
            "first was dropped: its memory is reused"
        );
        assert!(
            second.iter().all(|&b| b == 2),
            "a held frame is never overwritten"
        );
        assert!(third.iter().all(|&b| b == 3));
    }

    #[test]
    fn held_frames_keep_their_bytes_whatever_is_dropped() {
        let mut spares = SpareBuffers::default();
        let mut input = BytesMut::new();
        let mut held = Vec::new();
        for i in 0..40u8 {
            let frame = read_frame(&mut spares, &mut input, LARGE / 4 + i as usize, i);
            // Keep every third frame; drop the others at once.
            if i % 3 == 0 {
                held.push((i, frame));
            }
        }
        for (i, frame) in held {
            assert_eq!(frame.len(), LARGE / 4 + i as usize);
            assert!(frame.iter().all(|&b| b == i), "frame {i} was overwritten");
        }
    }

    #[test]
    fn buffered_bytes_move_with_the_buffer_and_release_empties_it() {
        let mut spares = SpareBuffers::default();
        let mut input = BytesMut::new();
        let _held = read_frame(&mut spares, &mut input, LARGE, 7);
        input.extend_from_slice(b"next header");
        spares.grow(&mut input, LARGE);
        assert_eq!(&input[..], b"next header");
        assert!(input.capacity() >= LARGE + 11);
        assert!(!spares.kept.is_empty());
        spares.release();
        assert!(spares.kept.is_empty());
    }
}
