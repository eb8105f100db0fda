//! An unbounded single-producer/single-consumer queue of messages, the storage of one pipe
//! direction.
//!
//! libzmq's ypipe idea: messages live in chunks linked into a list. The producer writes with
//! plain stores and makes a whole batch visible with one atomic store of its count
//! ([`Producer::publish`]); the consumer caches the published count and only looks at the
//! shared counter again when it has caught up with it. So a message costs no atomic
//! read-modify-write on either side and the shared counter's cache line moves between cores
//! once per batch, not once per message. A drained chunk is handed back to the producer as a
//! spare, so a queue in steady state allocates nothing.
//!
//! A chunk is a run of 8-byte words holding variable-length records, not fixed slots. A
//! record is a header word and then either the `Message` value itself, moved in whole, or,
//! from a producer set to copy small frames, the payload bytes of a one-frame message whose
//! frame is a heap buffer (see [`Producer::copy_small_frames`] for why), rounded up to
//! whole words, or a run of small one-frame messages, each its length byte and its bytes
//! ([`Producer::push_small_run`]), which the consumer takes one message at a time. The ring
//! holds messages only: what a connection received is decoded before it gets here.
//!
//! Bounds (the HWM) and wake-ups are the pipe's business (`pipe.rs`), not this queue's.

use std::cell::UnsafeCell;
use std::mem::{self, MaybeUninit};
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crossbeam_utils::CachePadded;

use crate::message::{copy_small_to, Frame, Message};

/// Words per chunk (16 KiB): a chunk is allocated (or recycled) once per this many words.
const CHUNK_WORDS: usize = 2048;

/// A record's first word: its kind in the low byte, a copied payload's length above it.
type Header = u64;
const KIND_MASK: Header = 0xff;
/// The rest of the chunk is unused: the next record did not fit.
const SKIP: Header = 0;
/// A one-frame message whose payload bytes follow in the next words.
const COPIED: Header = 1;
/// A `Message` value (any other message) moved into the next words.
const WHOLE: Header = 2;
/// Several one-frame messages of at most 255 bytes, each a length byte and that many bytes;
/// the record's length in bytes above the kind.
const SMALL_RUN: Header = 3;

/// The largest frame a producer copies ([`Producer::copy_small_frames`]). Up to 1 KiB the
/// copy costs less than a free on another thread (11 and 9 alternated runs: inproc 1 KiB
/// 2.3M -> 5.6M msg/s, tcp 1 KiB 1.65M -> 1.85M, tcp 256 B 3.3M -> 4.9M). A copied record
/// must fit in a chunk with room to spare.
pub(crate) const COPIED_MAX: usize = 1024;

/// The most bytes a run of small messages may take ([`Producer::push_small_run`]).
pub(crate) const SMALL_RUN_MAX: usize = COPIED_MAX;

/// Words a whole `Message` value takes.
const MESSAGE_WORDS: usize = mem::size_of::<Message>().div_ceil(8);
const _: () = assert!(mem::align_of::<Message>() <= mem::align_of::<u64>());

/// Words a copied record of `len` payload bytes takes, its header included.
#[inline(always)]
fn copied_words(len: usize) -> usize {
    1 + len.div_ceil(8)
}

struct Chunk {
    words: [UnsafeCell<MaybeUninit<u64>>; CHUNK_WORDS],
    /// The next chunk, linked by the producer before it publishes any record stored there.
    next: AtomicPtr<Chunk>,
}

impl Chunk {
    fn allocate() -> *mut Chunk {
        let mut chunk = Box::<Chunk>::new_uninit();
        // SAFETY: the words are MaybeUninit (no initialisation needed); `next` is
        // initialised here, so the whole Chunk is.
        unsafe {
            ptr::addr_of_mut!((*chunk.as_mut_ptr()).next).write(AtomicPtr::new(ptr::null_mut()));
            Box::into_raw(chunk.assume_init())
        }
    }

    /// # Safety
    /// `chunk` came from [`Chunk::allocate`], is freed once, and its records (if any) were
    /// already dropped or moved out.
    unsafe fn free(chunk: *mut Chunk) {
        // SAFETY: per the contract, `chunk` is a live Box allocation nobody else uses; its
        // words are MaybeUninit, so dropping the Box drops no message.
        drop(unsafe { Box::from_raw(chunk) });
    }

    /// The address of word `offset` (`offset < CHUNK_WORDS`).
    ///
    /// # Safety
    /// `chunk` is live.
    #[inline(always)]
    unsafe fn word(chunk: *mut Chunk, offset: usize) -> *mut u64 {
        debug_assert!(offset < CHUNK_WORDS);
        // SAFETY: `chunk` is live and `offset` in bounds; UnsafeCell<MaybeUninit<u64>> has
        // the layout of u64.
        unsafe { (*chunk).words.as_ptr().add(offset).cast_mut().cast::<u64>() }
    }
}

/// Where the consumer stands: its chunk, the word its next record starts at, how many
/// messages it has taken in all, and how far into a run of small messages it has read.
struct Cursor {
    chunk: *mut Chunk,
    offset: usize,
    count: usize,
    /// Bytes of the run of small messages at the cursor already taken (0 between records).
    run_at: usize,
}

impl Cursor {
    /// Moves the message of the record at the cursor out and steps past it. `leave` gets
    /// each chunk the cursor leaves behind (all its records read).
    ///
    /// # Safety
    /// A published, unread message is at the cursor (`count` is below the published tail,
    /// read with Acquire).
    #[inline(always)]
    unsafe fn take(&mut self, leave: impl FnOnce(*mut Chunk)) -> Message {
        let mut slot = MaybeUninit::uninit();
        // SAFETY: the caller's contract; `take_into` always initialises the slot.
        unsafe {
            self.take_into(&mut slot, leave);
            slot.assume_init()
        }
    }

    /// [`take`](Self::take), building the message in `slot`: a received message is built
    /// once, where its reader wants it, instead of being copied up through each caller
    /// (each copy of a just-built message stalls on the store buffer).
    ///
    /// # Safety
    /// As for `take`. The slot is initialised on return.
    #[inline(always)]
    unsafe fn take_into(
        &mut self,
        slot: &mut MaybeUninit<Message>,
        leave: impl FnOnce(*mut Chunk),
    ) {
        // SAFETY: the record at the cursor is published (the contract), so its words were
        // written before the tail that covers them; the offset is below the chunk's end
        // (its last word is kept for a skip).
        let at = unsafe { Chunk::word(self.chunk, self.offset) };
        let header = unsafe { at.read() };
        if header == WHOLE {
            // SAFETY: as above; the Message is moved out exactly once (`take_whole`'s
            // contract), as a bitwise copy into the slot.
            unsafe {
                ptr::copy_nonoverlapping(at.add(1).cast::<Message>(), slot.as_mut_ptr(), 1);
            }
            self.offset += 1 + MESSAGE_WORDS;
            self.count += 1;
        } else if header & KIND_MASK == SMALL_RUN {
            // SAFETY: as above.
            let body = unsafe { self.take_from_run(at, header) };
            slot.write(Message::single(Frame::copy_from_slice(body)));
        } else {
            // SAFETY: as above.
            slot.write(unsafe { self.take_other(leave) });
        }
    }

    /// The cursor's record (its header word), after stepping past a skip into the next
    /// chunk if there is one; `leave` gets the chunk left.
    ///
    /// # Safety
    /// As for `take`.
    #[inline(always)]
    unsafe fn record(&mut self, leave: impl FnOnce(*mut Chunk)) -> *mut u64 {
        // SAFETY: as in `take`.
        let at = unsafe { Chunk::word(self.chunk, self.offset) };
        if unsafe { at.read() } == SKIP {
            return self.move_to_next_chunk(leave);
        }
        at
    }

    /// Moves out the Message of the whole-message record at `at`, the cursor's word.
    ///
    /// # Safety
    /// As for `take`.
    #[inline(always)]
    unsafe fn take_whole(&mut self, at: *mut u64) -> Message {
        self.offset += 1 + MESSAGE_WORDS;
        self.count += 1;
        // SAFETY: the producer moved a Message into the words after the header; it is moved
        // out exactly once, as the cursor steps past it.
        unsafe { at.add(1).cast::<Message>().read() }
    }

    /// [`take`](Self::take) of a copied record, or of any record after a skip.
    ///
    /// # Safety
    /// As for `take`.
    #[cold]
    unsafe fn take_other(&mut self, leave: impl FnOnce(*mut Chunk)) -> Message {
        // SAFETY: the caller's contract.
        let at = unsafe { self.record(leave) };
        let header = unsafe { at.read() };
        if header == WHOLE {
            // SAFETY: as above.
            return unsafe { self.take_whole(at) };
        }
        // SAFETY: as above; the frame is copied before the cursor can leave the chunk.
        Message::single(Frame::copy_from_slice(unsafe {
            self.take_payload(at, header)
        }))
    }

    /// The payload of the copied record or the next message of the run of small messages at
    /// `at` (the cursor's word, whose header is `header`), stepping past it.
    ///
    /// # Safety
    /// As for [`take_copied`](Self::take_copied).
    #[inline(always)]
    unsafe fn take_payload<'a>(&mut self, at: *mut u64, header: Header) -> &'a [u8] {
        if header & KIND_MASK == SMALL_RUN {
            // SAFETY: the caller's contract.
            unsafe { self.take_from_run(at, header) }
        } else {
            // SAFETY: the caller's contract.
            unsafe { self.take_copied(at, header) }
        }
    }

    /// Steps past the copied record at `at` (the cursor's word, whose header is `header`)
    /// and returns its payload.
    ///
    /// # Safety
    /// As for `take`. The payload stays valid until the cursor leaves this chunk (the
    /// producer reuses a chunk only after the consumer has handed it back).
    #[inline(always)]
    unsafe fn take_copied<'a>(&mut self, at: *mut u64, header: Header) -> &'a [u8] {
        debug_assert_eq!(header & KIND_MASK, COPIED);
        let len = (header >> 8) as usize;
        self.offset += copied_words(len);
        self.count += 1;
        // SAFETY: the producer wrote `len` payload bytes after the header.
        unsafe { std::slice::from_raw_parts(at.add(1).cast::<u8>(), len) }
    }

    /// The bytes of the next message of the run of small messages at `at` (the cursor's
    /// word, whose header is `header`), stepping past the record once its last message is
    /// taken.
    ///
    /// # Safety
    /// As for [`take_copied`](Self::take_copied).
    #[inline(always)]
    unsafe fn take_from_run<'a>(&mut self, at: *mut u64, header: Header) -> &'a [u8] {
        debug_assert_eq!(header & KIND_MASK, SMALL_RUN);
        let len = (header >> 8) as usize;
        // SAFETY: the producer wrote the run's `len` bytes after the header.
        let run: &'a [u8] = unsafe { std::slice::from_raw_parts(at.add(1).cast::<u8>(), len) };
        // Indexing is checked: the producer checked the run, but a bad one must not read
        // past it.
        let size = usize::from(run[self.run_at]);
        let body_at = self.run_at + 1;
        let body = &run[body_at..body_at + size];
        self.run_at = body_at + size;
        if self.run_at >= len {
            self.run_at = 0;
            self.offset += copied_words(len);
        }
        self.count += 1;
        body
    }

    /// Steps into the next chunk, hands the one left to `leave`, and returns the first word.
    #[cold]
    fn move_to_next_chunk(&mut self, leave: impl FnOnce(*mut Chunk)) -> *mut u64 {
        let done = self.chunk;
        // SAFETY: `done` is live; its successor was linked (Release) before any record in
        // it was published, and the caller saw such a record published (Acquire).
        let next = unsafe { (*done).next.load(Ordering::Acquire) };
        debug_assert!(!next.is_null());
        self.chunk = next;
        self.offset = 0;
        leave(done);
        // SAFETY: `next` is live.
        unsafe { Chunk::word(next, 0) }
    }
}

/// A message as [`Consumer::pop_view`] shows it: the payload of a copied one-frame message
/// still in the ring (valid until the next pop), or any other message, moved out.
pub(crate) enum MessageView<'a> {
    Single(&'a [u8]),
    Whole(Message),
}

struct Shared {
    /// Messages published by the producer (a count, not an index).
    tail: CachePadded<AtomicUsize>,
    /// One drained chunk kept for the producer's next allocation.
    spare: AtomicPtr<Chunk>,
    /// The consumer's cursor, left here when it is dropped, so the last owner can drop the
    /// messages nobody read and free the chunks.
    consumer_left_at: Mutex<Option<Cursor>>,
}

// SAFETY: the raw chunk pointers are owned by the queue; messages cross from the producer's
// thread to the consumer's, and Message is Send.
unsafe impl Send for Shared {}
// SAFETY: shared access goes through atomics and a mutex; words are written only by the one
// producer before publication and read only by the one consumer after it (see the orderings
// in `publish` and `pop`).
unsafe impl Sync for Shared {}

/// Creates a queue: one end to push, one to pop.
pub(crate) fn channel() -> (Producer, Consumer) {
    let first = Chunk::allocate();
    let shared = Arc::new(Shared {
        tail: CachePadded::new(AtomicUsize::new(0)),
        spare: AtomicPtr::new(ptr::null_mut()),
        consumer_left_at: Mutex::new(None),
    });
    let producer = Producer {
        shared: shared.clone(),
        chunk: first,
        offset: 0,
        count: 0,
        published: 0,
        copy_max: 0,
    };
    let consumer = Consumer {
        shared,
        at: Cursor {
            chunk: first,
            offset: 0,
            count: 0,
            run_at: 0,
        },
        seen_tail: 0,
    };
    (producer, consumer)
}

/// The writing end.
pub(crate) struct Producer {
    shared: Arc<Shared>,
    chunk: *mut Chunk,
    /// The word the next record starts at.
    offset: usize,
    /// Messages pushed in all.
    count: usize,
    published: usize,
    /// One-frame messages whose shared frame is at most this big are copied (0: none).
    copy_max: usize,
}

// SAFETY: a Producer is the only writer of its chunks' unpublished words; moving it to
// another thread moves that role with it.
unsafe impl Send for Producer {}
// SAFETY: through `&Producer` only plain reads of its own fields are possible.
unsafe impl Sync for Producer {}

impl Producer {
    /// From now on a one-frame message whose frame is a heap buffer of at most
    /// [`COPIED_MAX`] bytes is copied into the ring, and its buffer dropped here.
    ///
    /// This keeps each allocation and its release on one thread: the writer frees the
    /// buffer at once and the reader allocates its own (or, an engine, encodes the payload
    /// straight from the ring: [`Consumer::pop_view`]), each a hit in the allocator's
    /// thread-local cache, where handing the buffer over made every free a cross-thread one
    /// (inproc 64 B: a third of the time went to malloc and free).
    pub(crate) fn copy_small_frames(&mut self) {
        self.copy_max = COPIED_MAX;
    }

    /// Stores `msg`; the consumer sees it after the next [`publish`](Self::publish).
    #[inline(always)]
    pub(crate) fn push(&mut self, msg: Message) {
        if let Some(payload) = msg.small_shared_payload(self.copy_max) {
            let at = self.claim(copied_words(payload.len()));
            // SAFETY: `claim` returned room for the header and `payload.len()` bytes after
            // it, not visible to the consumer yet; nobody else writes there.
            unsafe {
                at.write(COPIED | (payload.len() as Header) << 8);
                copy_small_to(at.add(1).cast::<u8>(), payload);
            }
        } else {
            let at = self.claim(1 + MESSAGE_WORDS);
            // SAFETY: as above, with room for the header and a Message (whose alignment is
            // at most a word's); the message is moved in and read out exactly once.
            unsafe {
                at.write(WHOLE);
                at.add(1).cast::<Message>().write(msg);
            }
        }
        self.count += 1;
    }

    /// Stores `count` one-frame messages, `bodies`, of `bodies_len` bytes in all and at
    /// most 255 each, as one record (each a length byte and its bytes); the consumer takes
    /// them one by one, each frame copied out. An engine delivers runs of small messages
    /// this way: one record per read instead of a message value per message, and a quarter
    /// of the ring's cache lines for 8-byte messages.
    ///
    /// # Panics
    /// If the run takes more than [`SMALL_RUN_MAX`] bytes, or `bodies` does not hold
    /// `count` messages of `bodies_len` bytes (the record must be exactly what it says).
    #[inline]
    pub(crate) fn push_small_run<'b>(
        &mut self,
        count: usize,
        bodies_len: usize,
        bodies: impl Iterator<Item = &'b [u8]>,
    ) {
        let len = count + bodies_len;
        assert!(len <= SMALL_RUN_MAX, "run of small messages too long");
        if count == 0 {
            return;
        }
        let at = self.claim(copied_words(len));
        // SAFETY: `claim` returned room for the header and `len` bytes after it, not
        // visible to the consumer yet; nobody else writes there. Each copy is checked to
        // stay within those `len` bytes first.
        unsafe {
            let start = at.add(1).cast::<u8>();
            let (mut written, mut taken) = (0, 0);
            for body in bodies {
                let end = written + 1 + body.len();
                assert!(
                    body.len() <= 255 && end <= len,
                    "run of small messages overflows"
                );
                *start.add(written) = body.len() as u8;
                copy_small_to(start.add(written + 1), body);
                written = end;
                taken += 1;
            }
            assert!(
                written == len && taken == count,
                "run of small messages miscounted"
            );
            at.write(SMALL_RUN | (len as Header) << 8);
        }
        self.count += count;
    }

    /// Reserves `words` words for the next record and returns where it starts, moving to a
    /// new chunk (and marking the rest of this one skipped) if they do not fit here.
    #[inline(always)]
    fn claim(&mut self, words: usize) -> *mut u64 {
        // The last word is kept for a skip: the reader always finds a header at its offset.
        if self.offset + words >= CHUNK_WORDS {
            self.move_to_new_chunk();
        }
        // SAFETY: our chunk is live and `offset` is within it (`offset + words` stays below
        // the chunk's end).
        let at = unsafe { Chunk::word(self.chunk, self.offset) };
        self.offset += words;
        at
    }

    #[cold]
    fn move_to_new_chunk(&mut self) {
        // SAFETY: word `offset` of our chunk (below its end, see `claim`) is unpublished and
        // ours to write.
        unsafe { Chunk::word(self.chunk, self.offset).write(SKIP) };
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
        // after seeing a record of the new chunk published, and must see the link then.
        unsafe { (*self.chunk).next.store(chunk, Ordering::Release) };
        self.chunk = chunk;
        self.offset = 0;
    }

    /// Makes every pushed message visible to the consumer. Sequentially consistent, and a
    /// full barrier: the pipe checks its reader's "waiting" flag right after (Dekker-style).
    #[inline(always)]
    pub(crate) fn publish(&mut self) {
        if self.published != self.count {
            self.published = self.count;
            self.shared.tail.swap(self.count, Ordering::SeqCst);
        }
    }

    /// Whether anything pushed is not yet published.
    #[inline(always)]
    pub(crate) fn has_unpublished(&self) -> bool {
        self.published != self.count
    }
}

impl Drop for Producer {
    fn drop(&mut self) {
        // Whatever was pushed belongs to the queue: the consumer may still read it.
        self.publish();
    }
}

/// The producer has moved on from `done` (it linked the next chunk), so nobody touches it
/// any more: keep it as the spare, freeing the previous spare if there was one.
#[cold]
fn recycle(shared: &Shared, done: *mut Chunk) {
    let old = shared.spare.swap(done, Ordering::AcqRel);
    if !old.is_null() {
        // SAFETY: a spare is owned by whoever swaps it out; its records were all read.
        unsafe { Chunk::free(old) };
    }
}

/// The reading end.
pub(crate) struct Consumer {
    shared: Arc<Shared>,
    at: Cursor,
    /// The producer's count as last read; messages below it can be taken without atomics.
    seen_tail: usize,
}

// SAFETY: a Consumer is the only reader of published records; moving it moves that role.
unsafe impl Send for Consumer {}
// SAFETY: through `&Consumer` only reads are possible (its own fields and an atomic).
unsafe impl Sync for Consumer {}

impl Consumer {
    /// Whether a published message is waiting; reads the producer's count only when the
    /// consumer has caught up with the count it saw last.
    #[inline(always)]
    fn has_published(&mut self) -> bool {
        if self.at.count == self.seen_tail {
            self.seen_tail = self.shared.tail.load(Ordering::Acquire);
        }
        self.at.count != self.seen_tail
    }

    /// Takes the oldest published message.
    #[inline(always)]
    pub(crate) fn pop(&mut self) -> Option<Message> {
        if !self.has_published() {
            return None;
        }
        // SAFETY: the message at `count` is published (count < seen_tail, read with Acquire
        // after the producer's SeqCst store) and unread.
        let shared = &self.shared;
        Some(unsafe { self.at.take(|done| recycle(shared, done)) })
    }

    /// [`pop`](Self::pop) into `slot`, where the message is built; false (and the slot
    /// untouched) if none is waiting.
    #[inline(always)]
    pub(crate) fn pop_into(&mut self, slot: &mut MaybeUninit<Message>) -> bool {
        if !self.has_published() {
            return false;
        }
        // SAFETY: as in `pop`.
        let shared = &self.shared;
        unsafe { self.at.take_into(slot, |done| recycle(shared, done)) };
        true
    }
}

impl Consumer {
    /// Shows the oldest published message to `show` without building a copied message's
    /// frame: an engine encodes the payload straight from the ring.
    #[inline(always)]
    pub(crate) fn pop_view<R>(&mut self, show: impl FnOnce(MessageView<'_>) -> R) -> Option<R> {
        if !self.has_published() {
            return None;
        }
        // SAFETY: as in `pop`.
        let shared = &self.shared;
        let at = unsafe { self.at.record(|done| recycle(shared, done)) };
        // SAFETY: `record` returned the cursor's record, published and unread.
        let header = unsafe { at.read() };
        let view = if header == WHOLE {
            // SAFETY: as above.
            MessageView::Whole(unsafe { self.at.take_whole(at) })
        } else {
            // SAFETY: as above; the payload is shown before the cursor can leave the chunk.
            MessageView::Single(unsafe { self.at.take_payload(at, header) })
        };
        Some(show(view))
    }

    /// Published messages not taken yet.
    pub(crate) fn len(&self) -> usize {
        self.shared.tail.load(Ordering::SeqCst) - self.at.count
    }

    /// Whether no published message is waiting.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for Consumer {
    fn drop(&mut self) {
        let mut left_at = self
            .shared
            .consumer_left_at
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *left_at = Some(Cursor {
            chunk: self.at.chunk,
            offset: self.at.offset,
            count: self.at.count,
            run_at: self.at.run_at,
        });
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Both ends are gone (each held an Arc): we own every chunk and every unread message.
        let cursor = self
            .consumer_left_at
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(mut cursor) = cursor {
            let tail = *self.tail.get_mut();
            while cursor.count < tail {
                // SAFETY: every record of a chunk the cursor leaves has been read.
                let free = |done| unsafe { Chunk::free(done) };
                // SAFETY: messages between the consumer's count and the tail are published
                // and unread; each is taken (and dropped) once.
                drop(unsafe { cursor.take(free) });
            }
            // The rest of the list (at most the producer's current chunk: links past it do
            // not exist), whose remaining records were never published.
            let mut chunk = cursor.chunk;
            while !chunk.is_null() {
                // SAFETY: as above; the remaining words hold no unread message.
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
    use bytes::Bytes;
    use std::sync::atomic::AtomicUsize;

    /// A message whose frames say `id` and `size`: inline up to the inline capacity,
    /// shared above it, multipart for every seventh id.
    fn numbered(id: usize, size: usize) -> Message {
        let mut payload = vec![(id % 251) as u8; size];
        if size >= 8 {
            payload[..8].copy_from_slice(&(id as u64).to_le_bytes());
        }
        let mut msg = Message::single(payload);
        if id % 7 == 0 {
            msg.push_back(Frame::from(format!("part {id}")));
        }
        msg
    }

    /// A queue that copies small shared frames, as an inproc pipe's does.
    fn copying_channel() -> (Producer, Consumer) {
        let (mut tx, rx) = channel();
        tx.copy_small_frames();
        (tx, rx)
    }

    fn check(msg: Option<Message>, id: usize, size: usize) {
        let msg = msg.unwrap_or_else(|| panic!("message {id} missing"));
        assert_eq!(msg, numbered(id, size), "message {id} of {size} bytes");
    }

    #[test]
    fn messages_come_out_in_order_after_publish() {
        let (mut tx, mut rx) = channel();
        tx.push(numbered(1, 8));
        tx.push(numbered(2, 100));
        assert!(rx.pop().is_none(), "nothing is visible before publish");
        tx.publish();
        assert_eq!(rx.len(), 2);
        check(rx.pop(), 1, 8);
        check(rx.pop(), 2, 100);
        assert!(rx.pop().is_none());
        assert!(rx.is_empty());
    }

    #[test]
    fn every_size_and_shape_comes_back_whole() {
        for (mut tx, mut rx) in [channel(), copying_channel()] {
            // Empty messages, empty frames, every inline size, shared sizes and multipart.
            tx.push(Message::new());
            tx.push(Message::single(Frame::empty()));
            tx.publish();
            assert_eq!(rx.pop(), Some(Message::new()));
            assert_eq!(rx.pop(), Some(Message::single(Frame::empty())));
            let sizes = (0..=200).chain([1000, COPIED_MAX, COPIED_MAX + 1, 5000]);
            for size in sizes.clone() {
                tx.push(numbered(size, size));
            }
            tx.publish();
            for size in sizes {
                check(rx.pop(), size, size);
            }
            assert!(rx.pop().is_none());
        }
    }

    #[test]
    fn crosses_many_chunks_and_recycles_them() {
        let (mut tx, mut rx) = copying_channel();
        // Sizes that leave every possible gap at a chunk's end.
        let size = |i: usize| [0, 1, 8, 9, 17, 30, 31, 64, 700, COPIED_MAX][i % 10];
        let per_round = 3 * CHUNK_WORDS + 7;
        for round in 0..6 {
            for i in 0..per_round {
                tx.push(numbered(round * 100_000 + i, size(i)));
            }
            tx.publish();
            for i in 0..per_round {
                check(rx.pop(), round * 100_000 + i, size(i));
            }
            assert!(rx.pop().is_none());
        }
    }

    /// A payload owner that counts live instances, to check that unread messages are dropped
    /// exactly once.
    struct Tracked(Arc<AtomicUsize>, Vec<u8>);
    impl AsRef<[u8]> for Tracked {
        fn as_ref(&self) -> &[u8] {
            &self.1
        }
    }
    impl Drop for Tracked {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn unread_messages_are_dropped_with_the_queue() {
        let chunk_full = CHUNK_WORDS / (1 + MESSAGE_WORDS);
        for (pushed, popped) in [
            (0, 0),
            (5, 2),
            (chunk_full, chunk_full),
            (3 * chunk_full + 1, chunk_full + 3),
        ] {
            let live = Arc::new(AtomicUsize::new(0));
            let (mut tx, mut rx) = copying_channel();
            for i in 0..pushed {
                live.fetch_add(1, Ordering::SeqCst);
                let shared = Bytes::from_owner(Tracked(live.clone(), vec![7; COPIED_MAX + 1]));
                tx.push(Message::single(shared));
                // Inline messages in between, which own nothing.
                tx.push(numbered(i, i % 20));
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
    fn pop_view_shows_copied_payloads_in_place_and_other_messages_whole() {
        let (mut tx, mut rx) = copying_channel();
        let sizes = [0, 8, 31, 64, COPIED_MAX, COPIED_MAX + 1, 40];
        for round in 0..CHUNK_WORDS {
            for (i, size) in sizes.into_iter().enumerate() {
                tx.push(numbered(round * 10 + i, size));
            }
            tx.publish();
            for (i, size) in sizes.into_iter().enumerate() {
                let id = round * 10 + i;
                let expected = numbered(id, size);
                rx.pop_view(|view| match view {
                    MessageView::Single(payload) => {
                        assert!(size > Frame::INLINE_CAPACITY && size <= COPIED_MAX);
                        assert_eq!(expected, Message::single(payload), "message {id}");
                    }
                    MessageView::Whole(msg) => {
                        assert!(size <= Frame::INLINE_CAPACITY || size > COPIED_MAX || id % 7 == 0);
                        assert_eq!(msg, expected, "message {id}");
                    }
                })
                .expect("published");
            }
            assert!(rx.pop_view(|_| ()).is_none());
        }
    }

    /// The bodies of the messages `first..first + count`, each `size(id)` bytes of `id`'s
    /// low byte.
    fn small_run(first: usize, count: usize, size: impl Fn(usize) -> usize) -> Vec<Vec<u8>> {
        (first..first + count)
            .map(|id| vec![id as u8; size(id)])
            .collect()
    }

    fn push_run(tx: &mut Producer, bodies: &[Vec<u8>]) {
        let len = bodies.iter().map(Vec::len).sum();
        tx.push_small_run(bodies.len(), len, bodies.iter().map(Vec::as_slice));
    }

    #[test]
    fn runs_of_small_messages_come_out_one_message_at_a_time_among_other_records() {
        let (mut tx, mut rx) = copying_channel();
        let size = |id: usize| id % 31;
        let mut id = 0;
        // Enough rounds to cross chunk ends at every offset; each round a run of 1 to 100
        // messages (some as long as a run may be), then a whole and a copied message.
        for round in 0..400 {
            let count = 1 + round % 100;
            let run = small_run(id, count, size);
            if count + run.iter().map(Vec::len).sum::<usize>() > SMALL_RUN_MAX {
                continue;
            }
            push_run(&mut tx, &run);
            tx.push(numbered(1_000_000 + round, 8));
            tx.push(numbered(2_000_000 + round, 100));
            tx.publish();
            assert_eq!(rx.len(), count + 2);
            for at in id..id + count {
                // Through pop, pop_into (as a socket reads) and pop_view (as an engine).
                let payload = if at % 3 == 1 {
                    let mut slot = MaybeUninit::uninit();
                    assert!(rx.pop_into(&mut slot), "published");
                    // SAFETY: pop_into returned true, so it initialised the slot.
                    let msg = unsafe { slot.assume_init() };
                    msg.into_single().expect("one frame").to_vec()
                } else if at % 3 == 0 {
                    rx.pop()
                        .expect("published")
                        .into_single()
                        .expect("one frame")
                        .to_vec()
                } else {
                    rx.pop_view(|view| match view {
                        MessageView::Single(payload) => payload.to_vec(),
                        MessageView::Whole(_) => panic!("a run's message shown whole"),
                    })
                    .expect("published")
                };
                assert_eq!(payload, vec![at as u8; size(at)], "message {at}");
            }
            check(rx.pop(), 1_000_000 + round, 8);
            check(rx.pop(), 2_000_000 + round, 100);
            assert!(rx.pop().is_none());
            assert!(!rx.pop_into(&mut MaybeUninit::uninit()));
            id += count;
        }
    }

    #[test]
    fn a_run_that_is_not_what_it_says_is_refused() {
        let bodies = small_run(0, 3, |_| 4);
        for (count, len) in [(2, 12), (3, 11), (4, 12), (3, 13)] {
            let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let (mut tx, _rx) = copying_channel();
                tx.push_small_run(count, len, bodies.iter().map(Vec::as_slice));
            }));
            assert!(refused.is_err(), "{count} messages of {len} bytes");
        }
    }

    #[test]
    fn a_run_left_half_read_is_dropped_with_the_queue() {
        let live = Arc::new(AtomicUsize::new(1));
        let (mut tx, mut rx) = copying_channel();
        push_run(&mut tx, &small_run(0, 10, |_| 8));
        tx.push(Message::single(Bytes::from_owner(Tracked(
            live.clone(),
            vec![7; COPIED_MAX + 1],
        ))));
        tx.publish();
        for _ in 0..4 {
            drop(rx.pop().expect("published"));
        }
        drop(rx);
        drop(tx);
        assert_eq!(live.load(Ordering::SeqCst), 0, "the message after the run");
    }

    #[test]
    fn a_copied_frame_releases_its_buffer_on_the_producers_side() {
        let live = Arc::new(AtomicUsize::new(1));
        let (mut tx, mut rx) = copying_channel();
        tx.push(Message::single(Bytes::from_owner(Tracked(
            live.clone(),
            vec![7; COPIED_MAX],
        ))));
        assert_eq!(live.load(Ordering::SeqCst), 0, "released by push");
        tx.publish();
        assert_eq!(rx.pop(), Some(Message::single(vec![7; COPIED_MAX])));
    }

    #[test]
    fn producer_drop_publishes_what_it_pushed() {
        let (mut tx, mut rx) = channel();
        tx.push(numbered(9, 3));
        assert!(tx.has_unpublished());
        drop(tx);
        check(rx.pop(), 9, 3);
    }

    #[test]
    fn two_threads_pass_a_million_messages_in_order() {
        let (mut tx, mut rx) = copying_channel();
        const N: usize = 1_000_000;
        let size = |i: usize| (i * 13) % 80;
        let producer = std::thread::spawn(move || {
            for i in 0..N {
                tx.push(numbered(i, size(i)));
                if i % 37 == 0 {
                    tx.publish();
                }
            }
            tx.publish();
        });
        let mut expected = 0;
        while expected < N {
            match rx.pop() {
                Some(msg) => {
                    assert_eq!(msg, numbered(expected, size(expected)));
                    expected += 1;
                }
                None => std::hint::spin_loop(),
            }
        }
        producer.join().unwrap();
        assert!(rx.pop().is_none());
    }
}
