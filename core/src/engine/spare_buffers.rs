//! Read buffers kept for reuse after large frames.
//!
//! A large incoming frame is read straight into the engine's read buffer and handed to the
//! socket without a copy, so that buffer stays shared until the application drops the
//! frame. The next large frame then needs another buffer. Allocating a fresh one each time
//! costs more than it seems: glibc serves it from the I/O thread's arena, the application
//! thread frees it, the arena's heap is trimmed, and the next buffer page-faults its way in
//! again (38 faults per 1 MiB message measured, against libzmq's 0.5). So the engine keeps
//! the last few buffers it gave up and takes one back once nothing else refers to it.

use std::collections::TryReserveError;

use bytes::{Bytes, BytesMut};

/// Buffers kept at most (each as large as a recent large frame).
const KEPT: usize = 2;

/// Buffers larger than this are not kept: they would hold that much memory for as long as
/// the connection lives, and at such sizes the page faults of a fresh buffer cost little
/// beside moving the frame itself.
const KEPT_MAX: usize = 64 * 1024 * 1024;

/// Growing by less than this just allocates: small allocations are cheap and come back
/// through the allocator's thread caches.
const RECYCLE_MIN: usize = 128 * 1024;

#[derive(Default)]
pub(crate) struct SpareBuffers {
    kept: Vec<Kept>,
    /// The size of the memory behind the engine's read buffer (a `BytesMut` that gave
    /// frames away shows only what is left after them): decides whether it is kept.
    input_memory: usize,
}

struct Kept {
    buffer: BytesMut,
    memory: usize,
}

impl SpareBuffers {
    /// Makes room for `additional` more bytes in `input`: in place if nothing else refers to
    /// its memory any more, else in a kept buffer that is free again, else in a new one.
    /// The buffer given up is kept for later. Fails, changing nothing, when a new buffer
    /// cannot be allocated (a peer may announce a frame of any size up to MAXMSGSIZE).
    pub(crate) fn grow(
        &mut self,
        input: &mut BytesMut,
        additional: usize,
    ) -> Result<(), TryReserveError> {
        if input.try_reclaim(additional) {
            return Ok(());
        }
        if additional < RECYCLE_MIN {
            input.reserve(additional);
            // Reserving moved the bytes to the start of a new allocation.
            self.input_memory = input.capacity();
            return Ok(());
        }
        let needed = input.len() + additional;
        let next = match self
            .kept
            .iter_mut()
            .position(|k| k.buffer.try_reclaim(needed))
        {
            Some(free) => self.kept.swap_remove(free),
            None => Kept {
                buffer: try_with_capacity(needed)?,
                memory: needed,
            },
        };
        let mut next_buffer = next.buffer;
        // What is buffered is at most the start of the next frame (a header, some body).
        next_buffer.extend_from_slice(input);
        let mut given_up = std::mem::replace(input, next_buffer);
        let given_up_memory = std::mem::replace(&mut self.input_memory, next.memory);
        if (RECYCLE_MIN..=KEPT_MAX).contains(&given_up_memory) {
            given_up.clear();
            if self.kept.len() == KEPT {
                self.kept.remove(0);
            }
            self.kept.push(Kept {
                buffer: given_up,
                memory: given_up_memory,
            });
        }
        Ok(())
    }

    /// Large frames stopped coming: the kept memory goes back to the allocator.
    pub(crate) fn release(&mut self) {
        self.kept.clear();
    }
}

/// An empty buffer of `capacity` bytes, or an error where `BytesMut::with_capacity` would
/// abort the process.
fn try_with_capacity(capacity: usize) -> Result<BytesMut, TryReserveError> {
    let mut memory = Vec::new();
    memory.try_reserve_exact(capacity)?;
    // A unique `Bytes` turns back into a `BytesMut` over the same memory, capacity included.
    Ok(BytesMut::from(Bytes::from(memory)))
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
        spares.grow(input, size).unwrap();
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
        spares.grow(&mut input, LARGE).unwrap();
        assert_eq!(&input[..], b"next header");
        assert!(input.capacity() >= LARGE + 11);
        assert!(!spares.kept.is_empty());
        spares.release();
        assert!(spares.kept.is_empty());
    }

    #[test]
    fn a_buffer_that_cannot_be_allocated_is_an_error_and_changes_nothing() {
        let mut spares = SpareBuffers::default();
        let mut input = BytesMut::from(&b"header"[..]);
        assert!(spares.grow(&mut input, usize::MAX / 2).is_err());
        assert_eq!(&input[..], b"header");
        assert!(spares.kept.is_empty());
    }

    #[test]
    fn a_buffer_too_large_to_keep_goes_back_to_the_allocator() {
        let mut spares = SpareBuffers::default();
        let mut input = BytesMut::new();
        let _huge = read_frame(&mut spares, &mut input, KEPT_MAX + 1, 1);
        spares.grow(&mut input, LARGE).unwrap();
        assert!(spares.kept.is_empty(), "a buffer over KEPT_MAX was kept");
        let _large = read_frame(&mut spares, &mut input, LARGE, 2);
        spares.grow(&mut input, LARGE).unwrap();
        assert_eq!(spares.kept.len(), 1);
    }
}
