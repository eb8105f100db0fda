//! An unbounded single-producer/single-consumer queue, the storage of one pipe direction.
//!
//! libzmq's ypipe idea: items live in chunks of [`CHUNK`] slots linked into a list. The
//! producer writes slots with plain stores and makes a whole batch visible with one atomic
//! store of its count ([`Producer::publish`]); the consumer caches the published count and
//! only looks at the shared counter again when it has caught up with it. So a message costs
//! no atomic read-modify-write on either side and the shared counter's cache line moves
//! between cores once per batch, not once per message. A drained chunk is handed back to the
//! producer as a spare, so a queue in steady state allocates nothing.
//!
//! Bounds (the HWM) and wake-ups are the pipe's business (`pipe.rs`), not this queue's.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crossbeam_utils::CachePadded;

/// Slots per chunk: a chunk is allocated (or recycled) once per this many items.
const CHUNK: usize = 256;

struct Chunk<T> {
    slots: [UnsafeCell<MaybeUninit<T>>; CHUNK],
    /// The next chunk, linked by the producer before it publishes any item stored there.
    next: AtomicPtr<Chunk<T>>,
}

impl<T> Chunk<T> {
    fn allocate() -> *mut Chunk<T> {
        Box::into_raw(Box::new(Chunk {
            slots: std::array::from_fn(|_| UnsafeCell::new(MaybeUninit::uninit())),
            next: AtomicPtr::new(ptr::null_mut()),
        }))
    }

    /// # Safety
    /// `chunk` came from [`Chunk::allocate`], is freed once, and its live slots (if any)
    /// were already dropped or moved out.
    unsafe fn free(chunk: *mut Chunk<T>) {
        // SAFETY: per the contract, `chunk` is a live Box allocation nobody else uses; its
        // slots are MaybeUninit, so dropping the Box drops no item.
        drop(unsafe { Box::from_raw(chunk) });
    }
}

/// Where one side stands: its current chunk, and how many items it has passed in total
/// (the position inside the chunk is that count modulo [`CHUNK`]).
struct Cursor<T> {
    chunk: *mut Chunk<T>,
    count: usize,
}

struct Shared<T> {
    /// Items published by the producer (a count, not an index).
    tail: CachePadded<AtomicUsize>,
    /// One drained chunk kept for the producer's next allocation.
    spare: AtomicPtr<Chunk<T>>,
    /// The consumer's cursor, left here when it is dropped, so the last owner can drop the
    /// items nobody read and free the chunks.
    consumer_left_at: Mutex<Option<Cursor<T>>>,
}

// SAFETY: the raw chunk pointers are owned by the queue; items of type T cross from the
// producer's thread to the consumer's, which is sound when T is Send.
unsafe impl<T: Send> Send for Shared<T> {}
// SAFETY: shared access goes through atomics and a mutex; slots are written only by the one
// producer before publication and read only by the one consumer after it (see the
// orderings in `publish` and `pop`).
unsafe impl<T: Send> Sync for Shared<T> {}

/// Creates a queue: one end to push, one to pop.
pub(crate) fn channel<T>() -> (Producer<T>, Consumer<T>) {
    let first = Chunk::allocate();
    let shared = Arc::new(Shared {
        tail: CachePadded::new(AtomicUsize::new(0)),
        spare: AtomicPtr::new(ptr::null_mut()),
        consumer_left_at: Mutex::new(None),
    });
    let producer = Producer {
        shared: shared.clone(),
        at: Cursor {
            chunk: first,
            count: 0,
        },
        published: 0,
    };
    let consumer = Consumer {
        shared,
        at: Cursor {
            chunk: first,
            count: 0,
        },
        seen_tail: 0,
    };
    (producer, consumer)
}

/// The writing end.
pub(crate) struct Producer<T> {
    shared: Arc<Shared<T>>,
    at: Cursor<T>,
    published: usize,
}

// SAFETY: a Producer is the only writer of its slots; moving it to another thread moves that
// role with it.
unsafe impl<T: Send> Send for Producer<T> {}
// SAFETY: through `&Producer` only plain reads of its own fields are possible.
unsafe impl<T: Send> Sync for Producer<T> {}

impl<T> Producer<T> {
    /// Stores `item`; the consumer sees it after the next [`publish`](Self::publish).
    pub(crate) fn push(&mut self, item: T) {
        let offset = self.at.count % CHUNK;
        if offset == 0 && self.at.count != 0 {
            self.move_to_new_chunk();
        }
        // SAFETY: slot `offset` of the producer's chunk is not visible to the consumer yet
        // (the tail does not cover it) and no other producer exists, so nobody else touches it.
        unsafe { (*(*self.at.chunk).slots[offset].get()).write(item) };
        self.at.count += 1;
    }

    #[cold]
    fn move_to_new_chunk(&mut self) {
        let mut chunk = self.shared.spare.swap(ptr::null_mut(), Ordering::Acquire);
        if chunk.is_null() {
            chunk = Chunk::allocate();
        } else {
            // SAFETY: a spare chunk was fully drained and unlinked by the consumer; it is
            // ours alone now.
            unsafe { (*chunk).next.store(ptr::null_mut(), Ordering::Relaxed) };
        }
        // SAFETY: our current chunk is live (the consumer frees a chunk only after moving
        // past it, which needs this link). Release: the consumer follows the link only
        // after seeing an item of the new chunk published, and must see the link then.
        unsafe { (*self.at.chunk).next.store(chunk, Ordering::Release) };
        self.at.chunk = chunk;
    }

    /// Makes every pushed item visible to the consumer. Sequentially consistent, and a full
    /// barrier: the pipe checks its reader's "waiting" flag right after (Dekker-style).
    pub(crate) fn publish(&mut self) {
        if self.published != self.at.count {
            self.published = self.at.count;
            self.shared.tail.swap(self.at.count, Ordering::SeqCst);
        }
    }

    /// Whether anything pushed is not yet published.
    pub(crate) fn has_unpublished(&self) -> bool {
        self.published != self.at.count
    }
}

impl<T> Drop for Producer<T> {
    fn drop(&mut self) {
        // Whatever was pushed belongs to the queue: the consumer may still read it.
        self.publish();
    }
}

/// The reading end.
pub(crate) struct Consumer<T> {
    shared: Arc<Shared<T>>,
    at: Cursor<T>,
    /// The producer's count as last read; items below it can be taken without atomics.
    seen_tail: usize,
}

// SAFETY: a Consumer is the only reader of its slots; moving it moves that role.
unsafe impl<T: Send> Send for Consumer<T> {}
// SAFETY: through `&Consumer` only reads are possible (its own fields and an atomic).
unsafe impl<T: Send> Sync for Consumer<T> {}

impl<T> Consumer<T> {
    /// Takes the oldest published item.
    pub(crate) fn pop(&mut self) -> Option<T> {
        if self.at.count == self.seen_tail {
            self.seen_tail = self.shared.tail.load(Ordering::Acquire);
            if self.at.count == self.seen_tail {
                return None;
            }
        }
        let offset = self.at.count % CHUNK;
        if offset == 0 && self.at.count != 0 {
            self.move_to_next_chunk();
        }
        // SAFETY: the item at `count` is published (count < seen_tail, read with Acquire
        // after the producer's SeqCst store), initialised, and read exactly once: the
        // cursor moves past it right after.
        let item = unsafe { (*(*self.at.chunk).slots[offset].get()).assume_init_read() };
        self.at.count += 1;
        Some(item)
    }

    #[cold]
    fn move_to_next_chunk(&mut self) {
        let done = self.at.chunk;
        // SAFETY: `done` is live; its successor was linked (Release) before any item in it
        // was published, and we saw such an item published (Acquire), so it is non-null.
        let next = unsafe { (*done).next.load(Ordering::Acquire) };
        debug_assert!(!next.is_null());
        self.at.chunk = next;
        // The producer has moved on (it linked `next`), so `done` is no longer touched by
        // anyone: keep it as the spare, freeing the previous spare if there was one.
        let old = self.shared.spare.swap(done, Ordering::AcqRel);
        if !old.is_null() {
            // SAFETY: a spare is owned by whoever swaps it out; its items were all read.
            unsafe { Chunk::free(old) };
        }
    }

    /// Published items not taken yet.
    pub(crate) fn len(&self) -> usize {
        self.shared.tail.load(Ordering::SeqCst) - self.at.count
    }

    /// Whether no published item is waiting.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Drop for Consumer<T> {
    fn drop(&mut self) {
        let mut left_at = self
            .shared
            .consumer_left_at
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *left_at = Some(Cursor {
            chunk: self.at.chunk,
            count: self.at.count,
        });
    }
}

impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        // Both ends are gone (each held an Arc): we own every chunk and every unread item.
        let cursor = self
            .consumer_left_at
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(Cursor {
            mut chunk,
            mut count,
        }) = cursor
        {
            let tail = *self.tail.get_mut();
            while count < tail {
                let offset = count % CHUNK;
                if offset == 0 && count != 0 {
                    // SAFETY: the chunk is live; items past it exist, so it was linked.
                    let next = unsafe { *(*chunk).next.get_mut() };
                    // SAFETY: every item of `chunk` has been dropped or read.
                    unsafe { Chunk::free(chunk) };
                    chunk = next;
                }
                // SAFETY: items between the consumer's count and the tail are initialised
                // and unread; each is dropped once.
                unsafe { (*(*chunk).slots[offset].get()).assume_init_drop() };
                count += 1;
            }
            // The rest of the list (at most the producer's current chunk, whose later slots
            // were never written, and links past it do not exist).
            while !chunk.is_null() {
                // SAFETY: as above; the remaining slots hold no item.
                let next = unsafe { *(*chunk).next.get_mut() };
                unsafe { Chunk::free(chunk) };
                chunk = next;
            }
        }
        let spare = *self.spare.get_mut();
        if !spare.is_null() {
            // SAFETY: the spare was drained and unlinked.
            unsafe { Chunk::free(spare) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn items_come_out_in_order_after_publish() {
        let (mut tx, mut rx) = channel();
        tx.push(1);
        tx.push(2);
        assert_eq!(rx.pop(), None, "nothing is visible before publish");
        tx.publish();
        assert_eq!(rx.len(), 2);
        assert_eq!(rx.pop(), Some(1));
        assert_eq!(rx.pop(), Some(2));
        assert_eq!(rx.pop(), None);
        assert!(rx.is_empty());
    }

    #[test]
    fn crosses_many_chunks_and_recycles_them() {
        let (mut tx, mut rx) = channel();
        for round in 0..10 {
            for i in 0..(3 * CHUNK + 7) {
                tx.push(round * 10_000 + i);
            }
            tx.publish();
            for i in 0..(3 * CHUNK + 7) {
                assert_eq!(rx.pop(), Some(round * 10_000 + i));
            }
            assert_eq!(rx.pop(), None);
        }
    }

    /// Counts live instances, to check that unread items are dropped exactly once.
    struct Tracked(Arc<AtomicUsize>);
    impl Drop for Tracked {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn unread_items_are_dropped_with_the_queue() {
        for (pushed, popped) in [(0, 0), (5, 2), (CHUNK, CHUNK), (3 * CHUNK + 1, CHUNK + 3)] {
            let live = Arc::new(AtomicUsize::new(0));
            let (mut tx, mut rx) = channel();
            for _ in 0..pushed {
                live.fetch_add(1, Ordering::SeqCst);
                tx.push(Tracked(live.clone()));
            }
            tx.publish();
            for _ in 0..popped {
                drop(rx.pop().expect("published"));
            }
            drop(rx);
            drop(tx);
            assert_eq!(
                live.load(Ordering::SeqCst),
                0,
                "{pushed} pushed, {popped} read"
            );
        }
    }

    #[test]
    fn producer_drop_publishes_what_it_pushed() {
        let (mut tx, mut rx) = channel();
        tx.push("last");
        assert!(tx.has_unpublished());
        drop(tx);
        assert_eq!(rx.pop(), Some("last"));
    }

    #[test]
    fn two_threads_pass_a_million_items_in_order() {
        let (mut tx, mut rx) = channel::<u64>();
        const N: u64 = 1_000_000;
        let producer = std::thread::spawn(move || {
            for i in 0..N {
                tx.push(i);
                if i % 37 == 0 {
                    tx.publish();
                }
            }
            tx.publish();
        });
        let mut expected = 0;
        while expected < N {
            match rx.pop() {
                Some(v) => {
                    assert_eq!(v, expected);
                    expected += 1;
                }
                None => std::hint::spin_loop(),
            }
        }
        producer.join().unwrap();
        assert_eq!(rx.pop(), None);
    }
}
