//! Pipes: the lock-free, bounded hand-off of whole messages between a socket (application
//! thread) and a connection's engine (I/O thread), or between two sockets (inproc).
//!
//! A pipe is two one-way queues and two ends. Each end writes into one queue and reads from
//! the other. The high-water mark bounds each queue. Sending or receiving a message takes no
//! lock, no syscall and no atomic read-modify-write per message (the queues are
//! single-producer/single-consumer rings, `spsc.rs`, published once per [`PipeEnd::flush`]):
//! the other end is notified only on transitions (its reader had found the queue empty, its
//! writer had found it full, or the pipe closed), which happens at most once per batch.
//!
//! Lost wake-ups are avoided Dekker-style: a side that is about to sleep first publishes a
//! "waiting" flag and then re-checks the queue; the other side first publishes its change and
//! then checks the flag. With sequentially consistent ordering at least one sees the other.

use std::mem::MaybeUninit;
use std::sync::atomic::{fence, AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use atomic_waker::AtomicWaker;
use crossbeam_utils::CachePadded;

use crate::direct_write::DirectWrite;
use crate::message::Message;
use crate::signal::{PipeEvent, SocketSignal};
use crate::spsc::{self, Consumer, Producer};
pub(crate) use crate::spsc::{MessageView, SMALL_RUN_MAX};

/// The reader publishes its read count at least every this many messages (see
/// [`PipeEnd::read`]); small HWMs get smaller batches (half the capacity).
const MAX_READ_COUNT_BATCH: u64 = 32;

/// How many more looks an inproc read takes at an empty pipe before it reports it empty.
const BRIEF_WAIT_CHECKS: u32 = 8;
/// Spin-loop hints between two of those looks (a hint takes about 25 ns on this project's
/// AMD test machine): few when the reader had caught up already, so that an answer in a
/// conversation is seen at once; more when it had just read a run of messages, so that the
/// next look finds a batch. Every look reads the cache line the writer updates on each
/// message, and makes the writer's next update fetch that line back from the reader's core.
const SPINS_BETWEEN_LOOKS: u32 = 4;
const SPINS_BETWEEN_LOOKS_STREAMING: u32 = 32;
/// A reader that took at least this many messages since it last found the pipe empty is
/// reading a stream.
const STREAM_RUN: u64 = 8;

/// Identifies a pipe end, unique in the process.
pub type PipeId = u64;

fn next_pipe_id() -> PipeId {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Whom to tell when something happens at the other end of a pipe.
#[derive(Clone)]
pub(crate) enum Listener {
    /// A socket: events go to its mailbox, tagged with the pipe id.
    Socket(Arc<SocketSignal>),
    /// An I/O task: it is simply woken and re-examines its pipe.
    Task(Arc<AtomicWaker>),
    /// A socket not known yet (inproc connect before bind). Notifications are dropped until
    /// [`DeferredSocket::set`]; the socket then takes the pipe as it finds it.
    Deferred(Arc<DeferredSocket>),
}

impl Listener {
    fn notify(&self, event: impl FnOnce() -> PipeEvent) {
        match self {
            Listener::Socket(signal) => signal.post(event()),
            Listener::Task(waker) => waker.wake(),
            Listener::Deferred(deferred) => {
                let socket = deferred.0.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(signal) = socket.as_ref() {
                    signal.post(event());
                }
            }
        }
    }
}

/// The socket end of a pipe created before its owner was known.
#[derive(Default)]
pub(crate) struct DeferredSocket(Mutex<Option<Arc<SocketSignal>>>);

impl DeferredSocket {
    /// From now on notifications go to `signal`. Anything that happened before (the other
    /// end closing, say) was not notified: the caller checks the pipe's state *after* this.
    pub(crate) fn set(&self, signal: Arc<SocketSignal>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(signal);
    }
}

/// One direction of a pipe: the state both ends share (the messages themselves travel in
/// an [`spsc`] ring whose two ends the two pipe ends own).
struct Queue {
    /// Messages taken out so far, published by the reader for the writer's HWM check. On
    /// its own cache line, as is `reader_wait`: the writer reads the other fields on
    /// every message, and a reader's store next to them would cost it a cache miss.
    read_count: CachePadded<AtomicU64>,
    /// Maximum messages queued; 0 means no limit. Computed from the two shares below; it
    /// changes when a socket's SNDHWM/RCVHWM changes, or an inproc connection made before
    /// its bind learns the binder's.
    capacity: AtomicU64,
    /// The writer's and the reader's parts of the HWM, as libzmq adds them ([`Hwm`]).
    sender_hwm: AtomicI64,
    receiver_hwm: AtomicI64,
    reader_wait: CachePadded<ReaderWait>,
    writer_waiting: AtomicBool,
    /// The writer has closed: nothing more will be queued.
    writer_done: AtomicBool,
    /// The reader has closed: what is queued will never be read.
    reader_done: AtomicBool,
    /// Set with `writer_done` when the writer's side was disconnected or unbound by its
    /// own socket: what is still queued is dropped instead of read (libzmq drops a pipe's
    /// unread messages when its owner disconnects it).
    unread_dropped: AtomicBool,
    /// CONFLATE: the writer keeps only the newest message queued, here instead of the ring.
    conflate: AtomicBool,
    newest: Mutex<Option<Message>>,
    /// The reader (an engine) lets the writer write to its connection while it is idle.
    direct: Arc<DirectWrite>,
}

/// The reader's request to be woken (see [`PipeEnd::arm_readable`]).
#[derive(Default)]
struct ReaderWait {
    armed: AtomicBool,
    /// Wake it only once the writer has written this many messages in all: one more than
    /// the reader has read, or a batch for an engine that waits for one
    /// (`engine/write_coalescing.rs`); 0 for a conflating pipe (any write).
    until_written: AtomicU64,
}

/// The HWM of one direction of a pipe, in parts as libzmq computes it: the sending socket's
/// SNDHWM plus, between two sockets (inproc), the receiving socket's RCVHWM. A side with no
/// part (an I/O task, or an inproc binder not known yet) is `NONE`; 0 on either side means
/// no limit.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hwm {
    pub sender: i64,
    pub receiver: i64,
}

impl Hwm {
    pub(crate) const NONE: i64 = -1;

    /// Only the sending socket's SNDHWM bounds this direction.
    pub(crate) fn sender(sndhwm: i64) -> Hwm {
        Hwm {
            sender: sndhwm,
            receiver: Hwm::NONE,
        }
    }

    /// Only the receiving socket's RCVHWM bounds this direction.
    pub(crate) fn receiver(rcvhwm: i64) -> Hwm {
        Hwm {
            sender: Hwm::NONE,
            receiver: rcvhwm,
        }
    }

    /// The capacity: the sum of the parts there are, or 0 (no limit) if one is 0.
    pub(crate) fn capacity(self) -> u64 {
        let parts = [self.sender, self.receiver];
        let present = parts.iter().filter(|&&part| part != Hwm::NONE);
        if present.clone().any(|&part| part <= 0) {
            return 0;
        }
        present.map(|&part| part as u64).sum()
    }
}

impl Queue {
    fn new(hwm: Hwm) -> Queue {
        Queue {
            read_count: CachePadded::new(AtomicU64::new(0)),
            capacity: AtomicU64::new(hwm.capacity()),
            sender_hwm: AtomicI64::new(hwm.sender),
            receiver_hwm: AtomicI64::new(hwm.receiver),
            reader_wait: CachePadded::new(ReaderWait::default()),
            writer_waiting: AtomicBool::new(false),
            writer_done: AtomicBool::new(false),
            reader_done: AtomicBool::new(false),
            unread_dropped: AtomicBool::new(false),
            conflate: AtomicBool::new(false),
            newest: Mutex::new(None),
            direct: Arc::default(),
        }
    }

    fn newest(&self) -> std::sync::MutexGuard<'_, Option<Message>> {
        self.newest.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many reads may pass between two publications of the read count: half the
    /// capacity, as libzmq's low-water mark, at most [`MAX_READ_COUNT_BATCH`]. A writer
    /// then sees room come back in steps, as libzmq's writers do (a small queue behind a
    /// proxy holds what libzmq's holds), and the reader still publishes whenever it finds
    /// the queue empty.
    fn read_count_batch(&self) -> u64 {
        match self.capacity.load(Ordering::Relaxed) {
            // No HWM: no writer ever waits for room.
            0 => MAX_READ_COUNT_BATCH,
            capacity => (capacity / 2).clamp(1, MAX_READ_COUNT_BATCH),
        }
    }

    /// The writer should be woken once the queue has drained to this many messages; waking it
    /// at the first free slot would make it sleep again after one message.
    fn low_water_mark(&self) -> usize {
        (self.capacity() / 2) as usize
    }

    fn capacity(&self) -> u64 {
        self.capacity.load(Ordering::Relaxed)
    }

    /// Replaces the writer's or the reader's part of the HWM (`None`: unchanged) and
    /// recomputes the capacity; a conflating queue keeps having none.
    fn set_hwm_parts(&self, sender: Option<i64>, receiver: Option<i64>) {
        if let Some(sender) = sender {
            self.sender_hwm.store(sender, Ordering::SeqCst);
        }
        if let Some(receiver) = receiver {
            self.receiver_hwm.store(receiver, Ordering::SeqCst);
        }
        if self.conflate.load(Ordering::SeqCst) {
            return;
        }
        let hwm = Hwm {
            sender: self.sender_hwm.load(Ordering::SeqCst),
            receiver: self.receiver_hwm.load(Ordering::SeqCst),
        };
        self.capacity.store(hwm.capacity(), Ordering::SeqCst);
    }
}

/// One end of a pipe.
pub(crate) struct PipeEnd {
    id: PipeId,
    peer_id: PipeId,
    incoming: Arc<Queue>,
    outgoing: Arc<Queue>,
    /// The messages of `incoming` (we read them) and `outgoing` (we write them).
    rx: Consumer,
    tx: Producer,
    /// Notifies the owner of the other end.
    peer: Listener,
    /// Messages this end has queued into `outgoing`.
    written: u64,
    /// Last `read_count` seen on `outgoing`; refreshed only when the queue looks full.
    peer_read: u64,
    /// Messages this end has taken from `incoming`.
    read: u64,
    /// Reads left before the read count is next published (a countdown, not `read % batch`:
    /// no division per message).
    reads_until_publish: u64,
    closed: bool,
    /// Single messages may be written straight to an idle connection (see [`PipeEnd::send`]).
    direct_writes: bool,
    /// Inproc: an empty read looks again briefly before it reports nothing
    /// ([`PipeEnd::pop_after_brief_wait`]).
    wait_briefly_when_empty: bool,
    /// `read` when this end last found its incoming queue empty, and whether the first look
    /// after that found a message: both mean the writer is streaming (inproc, see above).
    read_when_last_empty: u64,
    next_look_found: bool,
}

/// Creates a pipe. `a_to_b_hwm` bounds what `a` may queue for `b`, and the reverse.
pub(crate) fn pipe_pair(
    a_listener: Listener,
    b_listener: Listener,
    a_to_b_hwm: Hwm,
    b_to_a_hwm: Hwm,
) -> (PipeEnd, PipeEnd) {
    let a_to_b = Arc::new(Queue::new(a_to_b_hwm));
    let b_to_a = Arc::new(Queue::new(b_to_a_hwm));
    let (a_tx, b_rx) = spsc::channel();
    let (b_tx, a_rx) = spsc::channel();
    let (a_id, b_id) = (next_pipe_id(), next_pipe_id());
    let a = PipeEnd::new(
        (a_id, b_id),
        (b_to_a.clone(), a_rx),
        (a_to_b.clone(), a_tx),
        b_listener,
    );
    let b = PipeEnd::new((b_id, a_id), (a_to_b, b_rx), (b_to_a, b_tx), a_listener);
    (a, b)
}

/// [`pipe_pair`] for two sockets in one process (inproc): both readers are application
/// threads, which look again briefly before they report an empty pipe.
pub(crate) fn inproc_pipe_pair(
    a_listener: Listener,
    b_listener: Listener,
    a_to_b_hwm: Hwm,
    b_to_a_hwm: Hwm,
) -> (PipeEnd, PipeEnd) {
    let (mut a, mut b) = pipe_pair(a_listener, b_listener, a_to_b_hwm, b_to_a_hwm);
    for end in [&mut a, &mut b] {
        end.wait_briefly_when_empty = true;
        end.copy_small_frames();
    }
    (a, b)
}

/// A socket's hold on the HWMs of one of its pipes (see [`PipeEnd::hwm_handle`]).
pub(crate) struct PipeHwm {
    incoming: Arc<Queue>,
    outgoing: Arc<Queue>,
    peer: Listener,
    peer_id: PipeId,
}

impl PipeHwm {
    /// Sets the socket's parts: SNDHWM for what it writes, RCVHWM for what it reads. The
    /// other end's writer, if it waits for room, is woken to look again; returns whether
    /// this end's writer waited (the caller wakes it).
    pub(crate) fn set_own(&self, sndhwm: i64, rcvhwm: i64) -> bool {
        self.outgoing.set_hwm_parts(Some(sndhwm), None);
        self.incoming.set_hwm_parts(None, Some(rcvhwm));
        let incoming = &self.incoming;
        if incoming.writer_waiting.load(Ordering::SeqCst)
            && incoming.writer_waiting.swap(false, Ordering::SeqCst)
        {
            // A spurious wake-up at worst: the writer re-checks and re-arms.
            let peer_id = self.peer_id;
            self.peer.notify(|| PipeEvent::Writable(peer_id));
        }
        self.outgoing.writer_waiting.load(Ordering::SeqCst)
            && self.outgoing.writer_waiting.swap(false, Ordering::SeqCst)
    }

    /// Whether either end has closed (nothing left to adjust).
    pub(crate) fn is_finished(&self) -> bool {
        self.outgoing.writer_done.load(Ordering::SeqCst)
            || self.incoming.writer_done.load(Ordering::SeqCst)
    }
}

impl PipeEnd {
    fn new(
        (id, peer_id): (PipeId, PipeId),
        (incoming, rx): (Arc<Queue>, Consumer),
        (outgoing, tx): (Arc<Queue>, Producer),
        peer: Listener,
    ) -> PipeEnd {
        PipeEnd {
            id,
            peer_id,
            incoming,
            outgoing,
            rx,
            tx,
            peer,
            written: 0,
            peer_read: 0,
            read: 0,
            reads_until_publish: 1,
            closed: false,
            direct_writes: false,
            wait_briefly_when_empty: false,
            read_when_last_empty: 0,
            next_look_found: false,
        }
    }

    pub(crate) fn id(&self) -> PipeId {
        self.id
    }

    /// The id of the other end (what its owner calls this pipe).
    pub(crate) fn peer_id(&self) -> PipeId {
        self.peer_id
    }

    // ----- writing -----
    //
    // The writing functions are always inlined: with the load balancer's `send`, a socket's
    // send becomes one function down to the ring (callgrind: 48 fewer instructions per
    // inproc message, 78 fewer per message in a tcp sender's process).

    /// Whether a message could be queued now (below the HWM and the reader still there).
    #[inline(always)]
    pub(crate) fn is_writable(&mut self) -> bool {
        if self.outgoing.reader_done.load(Ordering::Acquire) || self.closed {
            return false;
        }
        self.has_room()
    }

    #[inline(always)]
    fn has_room(&mut self) -> bool {
        let capacity = self.outgoing.capacity();
        if capacity == 0 || self.written - self.peer_read < capacity {
            return true;
        }
        self.peer_read = self.outgoing.read_count.load(Ordering::SeqCst);
        self.written - self.peer_read < capacity
    }

    /// Queues `msg` without notifying the reader; call [`flush`](Self::flush) after a batch.
    /// Gives the message back if the pipe is full or its reader is gone.
    #[inline(always)]
    pub(crate) fn write(&mut self, msg: Message) -> Result<(), Message> {
        if !self.is_writable() {
            return Err(msg);
        }
        self.written += 1;
        if self.outgoing.conflate.load(Ordering::Relaxed) {
            // Replaces an unread older message; the reader drops any left in the ring.
            *self.outgoing.newest() = Some(msg);
        } else {
            self.tx.push(msg);
        }
        Ok(())
    }

    /// How many messages [`write_small_run`](Self::write_small_run) may queue now:
    /// the room below the HWM (0 on a conflating or closed pipe, which take messages one by
    /// one).
    pub(crate) fn small_run_room(&mut self) -> usize {
        if self.outgoing.conflate.load(Ordering::Relaxed) || !self.is_writable() {
            return 0;
        }
        match self.outgoing.capacity() {
            0 => usize::MAX,
            capacity => {
                // Fresh, so that a run is not cut short by an old view of the reader.
                self.peer_read = self.outgoing.read_count.load(Ordering::SeqCst);
                // Saturating: unbounded writes (subscriptions) may go past the HWM.
                capacity.saturating_sub(self.written - self.peer_read) as usize
            }
        }
    }

    /// Queues `count` small one-frame messages, `bodies` of `bodies_len` bytes in all, as one
    /// record (at most [`SMALL_RUN_MAX`] bytes, see `spsc::Producer::push_small_run`). The
    /// count must be within [`small_run_room`](Self::small_run_room), asked just before: the
    /// caller (an engine) checks room once per read, not per message.
    #[inline]
    pub(crate) fn write_small_run<'b>(
        &mut self,
        count: usize,
        bodies_len: usize,
        bodies: impl Iterator<Item = &'b [u8]>,
    ) {
        self.written += count as u64;
        self.tx.push_small_run(count, bodies_len, bodies);
    }

    /// CONFLATE (libzmq): each direction keeps only its newest message, so no HWM applies.
    pub(crate) fn set_conflate(&self) {
        for queue in [&self.incoming, &self.outgoing] {
            queue.capacity.store(0, Ordering::SeqCst);
            queue.conflate.store(true, Ordering::SeqCst);
        }
    }

    /// Queues a message even above the HWM (for the few protocol messages that must not be
    /// dropped, such as subscriptions).
    pub(crate) fn write_unbounded(&mut self, msg: Message) -> bool {
        if self.closed || self.outgoing.reader_done.load(Ordering::Acquire) {
            return false;
        }
        self.tx.push(msg);
        self.written += 1;
        true
    }

    /// Makes what was written visible to the reader, and wakes it if it went to sleep on an
    /// empty queue.
    #[inline(always)]
    pub(crate) fn flush(&mut self) {
        // A full barrier (SeqCst read-modify-write) when there is something to publish;
        // the fence covers a conflated message, stored under a lock.
        if self.tx.has_unpublished() {
            self.tx.publish();
        } else {
            fence(Ordering::SeqCst);
        }
        let wait = &self.outgoing.reader_wait;
        if wait.armed.load(Ordering::SeqCst)
            && self.written >= wait.until_written.load(Ordering::Relaxed)
            && wait.armed.swap(false, Ordering::SeqCst)
        {
            let peer_id = self.peer_id;
            self.peer.notify(|| PipeEvent::Readable(peer_id));
        }
    }

    /// Queues and flushes one message. With direct writes on (REQ and REP), a message sent
    /// while the conversation is in lockstep (nothing more came in from this peer) goes
    /// straight to the connection when its engine is idle (`direct_write.rs`).
    #[inline(always)]
    pub(crate) fn send(&mut self, msg: Message) -> Result<(), Message> {
        let msg = if self.direct_writes && self.rx.is_empty() {
            let peer = &self.peer;
            let peer_id = self.peer_id;
            let direct = &self.outgoing.direct;
            match direct.try_write(msg, self.written, || {
                peer.notify(|| PipeEvent::Readable(peer_id))
            }) {
                Ok(()) => return Ok(()),
                Err(msg) => msg,
            }
        } else {
            msg
        };
        self.write(msg)?;
        self.flush();
        Ok(())
    }

    /// Asks to be notified when the pipe has room again. Returns true if it already has
    /// (then no notification is armed and the caller should just retry).
    pub(crate) fn arm_writable(&mut self) -> bool {
        self.outgoing.writer_waiting.store(true, Ordering::SeqCst);
        if self.has_room() || self.outgoing.reader_done.load(Ordering::SeqCst) {
            self.outgoing.writer_waiting.store(false, Ordering::SeqCst);
            return true;
        }
        // A reader waiting for a batch must not wait for more than the pipe can hold.
        let wait = &self.outgoing.reader_wait;
        if wait.armed.load(Ordering::SeqCst) && wait.armed.swap(false, Ordering::SeqCst) {
            let peer_id = self.peer_id;
            self.peer.notify(|| PipeEvent::Readable(peer_id));
        }
        false
    }

    /// Small heap frames written from now on are copied into the ring, so their buffers are
    /// freed by the writing thread (see `spsc::Producer::copy_small_frames`). For a socket's
    /// messages to another socket (inproc) or to its engine; not for an engine's messages
    /// to its socket, whose frames are slices of the engine's read buffer.
    pub(crate) fn copy_small_frames(&mut self) {
        self.tx.copy_small_frames();
    }

    /// Socket end: sends single messages straight to the connection when its engine is
    /// idle (REQ and REP, whose lockstep makes the engine's wake-up most of the latency).
    pub(crate) fn enable_direct_writes(&mut self) {
        self.direct_writes = true;
        self.outgoing.direct.want();
    }

    /// Engine end: the writer wants direct writes; the engine offers its connection when
    /// idle ([`DirectWrite::offer`]) and reclaims it before writing itself.
    pub(crate) fn direct_writes(&self) -> Option<&Arc<DirectWrite>> {
        let direct = &self.incoming.direct;
        direct.is_wanted().then_some(direct)
    }

    /// Messages taken from this end so far (what an engine's offer names).
    pub(crate) fn read_count(&self) -> u64 {
        self.read
    }

    // ----- reading -----

    /// Takes the next message, if any.
    ///
    /// The read count the writer's HWM check needs is published once per
    /// [`READ_COUNT_BATCH`] messages and whenever the queue is found empty, not per message:
    /// a writer that sleeps on a full queue is then woken at the latest when the reader
    /// empties it (libzmq's low-water-mark idea).
    pub(crate) fn read(&mut self) -> Option<Message> {
        let popped = match self.rx.pop() {
            None if self.wait_briefly_when_empty => self.pop_after_brief_wait(),
            popped => popped,
        };
        let msg = match popped {
            Some(msg) if !self.incoming.conflate.load(Ordering::Relaxed) => Some(msg),
            ring => self.read_conflated(ring),
        };
        let Some(msg) = msg else {
            self.publish_read_count();
            return None;
        };
        self.count_read();
        Some(msg)
    }

    /// [`read`](Self::read) into `slot`, where the message is built (see
    /// `spsc::Consumer::pop_into`); false, and the slot untouched, if none came. Not
    /// inlined: measured slower when it was.
    #[inline(never)]
    pub(crate) fn read_into(&mut self, slot: &mut MaybeUninit<Message>) -> bool {
        if !self.incoming.conflate.load(Ordering::Relaxed) && self.rx.pop_into(slot) {
            self.count_read();
            return true;
        }
        // Empty for now (an inproc reader looks again briefly), or conflating.
        match self.read() {
            Some(msg) => {
                slot.write(msg);
                true
            }
            None => false,
        }
    }

    /// Reads messages and hands each to `take` until the pipe is empty or `take` returns
    /// false (after taking that message). The same as calling [`read`](Self::read) in a
    /// loop, with the per-call checks done once: an engine gathers a whole batch this way.
    /// A small one-frame message the writer copied into the ring is shown as its payload
    /// there ([`MessageView::Single`]), which an encoder copies without making a frame.
    pub(crate) fn read_while(&mut self, mut take: impl FnMut(MessageView<'_>) -> bool) {
        if self.wait_briefly_when_empty || self.incoming.conflate.load(Ordering::Relaxed) {
            while let Some(msg) = self.read() {
                if !take(MessageView::Whole(msg)) {
                    return;
                }
            }
            return;
        }
        loop {
            let Some(more) = self.rx.pop_view(&mut take) else {
                self.publish_read_count();
                return;
            };
            self.count_read();
            if !more {
                return;
            }
        }
    }

    /// Counts one message taken from the ring; the count is published once per batch.
    #[inline]
    fn count_read(&mut self) {
        self.read += 1;
        self.reads_until_publish -= 1;
        if self.reads_until_publish == 0 {
            self.publish_read_count();
        }
    }

    /// Inproc: the writer is another application thread, often a few hundred nanoseconds
    /// from its next message. Looking again a few times before giving up spares both sides
    /// the arm-and-notify round (`arm_readable`, then a mailbox event) when a stream of
    /// messages only briefly runs dry. A reader of a stream looks less often (see
    /// [`SPINS_BETWEEN_LOOKS_STREAMING`]).
    #[cold]
    fn pop_after_brief_wait(&mut self) -> Option<Message> {
        // A conversation reads one message at a time: never a stream.
        let run = self.read - self.read_when_last_empty;
        let streaming = run >= STREAM_RUN || (run > 1 && self.next_look_found);
        self.read_when_last_empty = self.read;
        let spins = if streaming {
            SPINS_BETWEEN_LOOKS_STREAMING
        } else {
            SPINS_BETWEEN_LOOKS
        };
        for look in 0..BRIEF_WAIT_CHECKS {
            for _ in 0..spins {
                std::hint::spin_loop();
            }
            if let Some(msg) = self.rx.pop() {
                self.next_look_found = look == 0;
                return Some(msg);
            }
        }
        self.next_look_found = false;
        None
    }

    /// CONFLATE: the newest message wins; older ones still in the ring (written before the
    /// pipe learnt it conflates) are dropped.
    #[cold]
    fn read_conflated(&mut self, mut ring: Option<Message>) -> Option<Message> {
        if !self.incoming.conflate.load(Ordering::Relaxed) {
            return ring;
        }
        while let Some(newer) = self.rx.pop() {
            ring = Some(newer);
        }
        self.incoming.newest().take().or(ring)
    }

    /// Whether a message is waiting to be read.
    pub(crate) fn has_incoming(&self) -> bool {
        !self.rx.is_empty()
            || (self.incoming.conflate.load(Ordering::Relaxed) && self.incoming.newest().is_some())
    }

    /// Tells the writer how far we have read, and wakes it if it waits for room.
    fn publish_read_count(&mut self) {
        self.reads_until_publish = self.incoming.read_count_batch();
        let queue = &self.incoming;
        if queue.read_count.load(Ordering::Relaxed) == self.read {
            return;
        }
        queue.read_count.store(self.read, Ordering::SeqCst);
        if queue.writer_waiting.load(Ordering::SeqCst)
            && self.rx.len() <= queue.low_water_mark()
            && queue.writer_waiting.swap(false, Ordering::SeqCst)
        {
            let peer_id = self.peer_id;
            self.peer.notify(|| PipeEvent::Writable(peer_id));
        }
    }

    /// Asks to be notified when a message arrives. Returns true if one already has (or the
    /// peer has closed): then nothing is armed and the caller should read again.
    pub(crate) fn arm_readable(&self) -> bool {
        self.arm_readable_when_queued(1)
    }

    /// Like [`arm_readable`](Self::arm_readable), but the notification waits until `count`
    /// messages are queued (or the writer finds the pipe full, or closes). Returns true if
    /// that many already are: then nothing is armed.
    pub(crate) fn arm_readable_when_queued(&self, count: u64) -> bool {
        let queue = &self.incoming;
        // A conflating pipe keeps its newest message outside the ring: any write will do.
        let conflates = queue.conflate.load(Ordering::Relaxed);
        let until_written = if conflates { 0 } else { self.read + count };
        queue
            .reader_wait
            .until_written
            .store(until_written, Ordering::Relaxed);
        queue.reader_wait.armed.store(true, Ordering::SeqCst);
        let queued = if conflates {
            self.has_incoming()
        } else {
            self.rx.len() as u64 >= count
        };
        if queued || queue.writer_done.load(Ordering::SeqCst) {
            queue.reader_wait.armed.store(false, Ordering::SeqCst);
            return true;
        }
        false
    }

    /// The most messages the other end may queue for this one (0: no limit).
    pub(crate) fn incoming_hwm(&self) -> u64 {
        self.incoming.capacity()
    }

    // ----- lifetime -----

    /// True once the other end has closed and everything it sent has been read (or is to
    /// be dropped, see [`PipeEnd::drop_unread_output`]).
    pub(crate) fn is_peer_finished(&self) -> bool {
        self.incoming.writer_done.load(Ordering::Acquire)
            && (self.incoming.unread_dropped.load(Ordering::Acquire) || !self.has_incoming())
    }

    /// Whether what the other end queued and this end has not read is to be dropped.
    pub(crate) fn is_unread_dropped(&self) -> bool {
        self.incoming.unread_dropped.load(Ordering::Acquire)
    }

    /// Before this (I/O) end closes because its socket disconnected or unbound the
    /// connection: the socket is not to read what this end queued and it has not read.
    pub(crate) fn drop_unread_output(&self) {
        self.outgoing.unread_dropped.store(true, Ordering::Release);
    }

    /// True once the other end has closed (it reads nothing more from us).
    pub(crate) fn is_peer_closed(&self) -> bool {
        self.incoming.writer_done.load(Ordering::Acquire)
    }

    /// Closes this end: the other end gets what was already queued, then sees the close.
    pub(crate) fn close(&mut self) {
        if self.closed {
            return;
        }
        self.closed = true;
        // What was written before the close is still delivered.
        self.tx.publish();
        self.outgoing.writer_done.store(true, Ordering::SeqCst);
        self.incoming.reader_done.store(true, Ordering::SeqCst);
        let peer_id = self.peer_id;
        self.peer.notify(|| PipeEvent::Closed(peer_id));
    }

    /// Sets this end's socket's parts of the HWMs: its SNDHWM for what it writes, its
    /// RCVHWM for what it reads (see [`PipeHwm::set_own`]).
    pub(crate) fn set_own_hwms(&self, sndhwm: i64, rcvhwm: i64) -> bool {
        self.hwm_handle().set_own(sndhwm, rcvhwm)
    }

    /// What the owning socket keeps to change this pipe's HWMs later, when its SNDHWM or
    /// RCVHWM changes (as libzmq applies those to the pipes it has).
    pub(crate) fn hwm_handle(&self) -> PipeHwm {
        PipeHwm {
            incoming: self.incoming.clone(),
            outgoing: self.outgoing.clone(),
            peer: self.peer.clone(),
            peer_id: self.peer_id,
        }
    }

    /// A handle that cuts this pipe without owning either end (inproc disconnect: the ends
    /// belong to the two sockets' patterns). `own` is the listener of this end's owner.
    pub(crate) fn closer(&self, own: Listener) -> PipeCloser {
        PipeCloser {
            id: self.id,
            peer_id: self.peer_id,
            incoming: self.incoming.clone(),
            outgoing: self.outgoing.clone(),
            own,
            peer: self.peer.clone(),
        }
    }
}

/// Cuts a pipe from outside, see [`PipeEnd::closer`].
pub(crate) struct PipeCloser {
    id: PipeId,
    peer_id: PipeId,
    incoming: Arc<Queue>,
    outgoing: Arc<Queue>,
    own: Listener,
    peer: Listener,
}

impl PipeCloser {
    /// [`close`](Self::close) for a disconnect by this end's owner: the owner does not read
    /// what it had not read yet; the other end still reads what this one queued.
    pub(crate) fn close_dropping_own_unread(&self) {
        self.incoming.unread_dropped.store(true, Ordering::Release);
        self.close();
    }

    /// [`close`](Self::close) from the I/O side of a connection its socket disconnected:
    /// the socket does not read what the connection delivered and it had not read yet.
    pub(crate) fn close_dropping_peer_unread(&self) {
        self.outgoing.unread_dropped.store(true, Ordering::Release);
        self.close();
    }

    /// Both ends see the pipe closed, as if each other's end had closed: neither can write
    /// any more, and each still reads what the other had already queued.
    pub(crate) fn close(&self) {
        for queue in [&self.incoming, &self.outgoing] {
            queue.writer_done.store(true, Ordering::SeqCst);
            queue.reader_done.store(true, Ordering::SeqCst);
        }
        let (id, peer_id) = (self.id, self.peer_id);
        self.peer.notify(|| PipeEvent::Closed(peer_id));
        self.own.notify(|| PipeEvent::Closed(id));
    }
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;

    fn task_pair(hwm: u64) -> (PipeEnd, PipeEnd, Arc<AtomicWaker>, Arc<AtomicWaker>) {
        let (wa, wb) = (Arc::new(AtomicWaker::new()), Arc::new(AtomicWaker::new()));
        let (a, b) = pipe_pair(
            Listener::Task(wa.clone()),
            Listener::Task(wb.clone()),
            Hwm::sender(hwm as i64),
            Hwm::sender(hwm as i64),
        );
        (a, b, wa, wb)
    }

    #[test]
    fn messages_flow_in_order_and_hwm_bounds_the_writer() {
        let (mut a, mut b, _, _) = task_pair(3);
        for i in 0..3u8 {
            a.send(Message::single(&[i][..])).unwrap();
        }
        assert!(
            a.send(Message::single(&b"x"[..])).is_err(),
            "fourth message must hit the HWM"
        );
        assert_eq!(b.read().unwrap().frames()[0], &[0u8]);
        assert!(a.is_writable(), "reading one makes room");
        assert_eq!(b.read().unwrap().frames()[0], &[1u8]);
        assert_eq!(b.read().unwrap().frames()[0], &[2u8]);
        assert!(b.read().is_none());
    }

    #[test]
    fn runs_of_small_messages_count_against_the_hwm() {
        let (mut a, mut b, _, _) = task_pair(40);
        assert_eq!(a.small_run_room(), 40);
        // 25 messages of one byte each: i.
        let bodies: Vec<[u8; 1]> = (0..25u8).map(|i| [i]).collect();
        a.write_small_run(25, 25, bodies.iter().map(|b| &b[..]));
        a.send(Message::single(&b"after"[..])).unwrap();
        assert_eq!(a.small_run_room(), 14);
        for i in 0..25u8 {
            assert_eq!(b.read().unwrap(), Message::single(&[i][..]));
        }
        // Reads are published half a capacity at a time (20 here), so at least 20 of the
        // 25 taken so far are room again, not necessarily all.
        let room = a.small_run_room();
        assert!((34..40).contains(&room), "room {room}");
        assert_eq!(b.read().unwrap(), Message::single(&b"after"[..]));
        assert!(b.read().is_none());
        assert_eq!(a.small_run_room(), 40);
        drop(b);
        assert_eq!(a.small_run_room(), 0, "nobody reads any more");
    }

    #[test]
    fn a_conflating_pipe_takes_no_runs() {
        let (mut a, _b, _, _) = task_pair(0);
        assert_eq!(a.small_run_room(), usize::MAX, "no HWM");
        a.set_conflate();
        assert_eq!(a.small_run_room(), 0);
    }

    /// Counts how often the task it stands for is woken.
    struct WakeCounter(AtomicU64);

    impl std::task::Wake for WakeCounter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Registers a fresh counter as the task `waker` stands for.
    fn count_wakes(waker: &AtomicWaker) -> Arc<WakeCounter> {
        let counter = Arc::new(WakeCounter(AtomicU64::new(0)));
        waker.register(&std::task::Waker::from(counter.clone()));
        counter
    }

    #[test]
    fn a_reader_waiting_for_a_batch_is_woken_once_it_is_queued() {
        let (mut a, mut b, _, b_waker) = task_pair(10);
        let wakes = count_wakes(&b_waker);
        assert!(!b.arm_readable_when_queued(4));
        for i in 0..3u8 {
            a.send(Message::single(&[i][..])).unwrap();
        }
        assert_eq!(
            wakes.0.load(Ordering::SeqCst),
            0,
            "three of four: still waiting"
        );
        a.send(Message::single(&b"4"[..])).unwrap();
        assert_eq!(wakes.0.load(Ordering::SeqCst), 1);

        // Counted from what the reader has read, and not armed when enough are queued.
        for _ in 0..4 {
            b.read().unwrap();
        }
        a.send(Message::single(&b"5"[..])).unwrap();
        assert!(!b.arm_readable_when_queued(2));
        let wakes = count_wakes(&b_waker);
        a.send(Message::single(&b"6"[..])).unwrap();
        assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
        assert!(b.arm_readable_when_queued(2), "two are queued already");
    }

    #[test]
    fn a_reader_waiting_for_more_than_fits_is_woken_by_a_full_pipe() {
        let (mut a, b, _, b_waker) = task_pair(6);
        let wakes = count_wakes(&b_waker);
        assert!(!b.arm_readable_when_queued(8));
        for i in 0..6u8 {
            a.send(Message::single(&[i][..])).unwrap();
        }
        assert_eq!(wakes.0.load(Ordering::SeqCst), 0);
        assert!(a.send(Message::single(&b"x"[..])).is_err());
        assert!(!a.arm_writable(), "the pipe is full");
        assert_eq!(
            wakes.0.load(Ordering::SeqCst),
            1,
            "the writer waits: so must not the reader"
        );
    }

    #[test]
    fn read_while_takes_messages_in_order_until_told_to_stop() {
        let (mut a, mut b, _, _) = task_pair(4);
        for i in 0..4u8 {
            a.send(Message::single(&[i][..])).unwrap();
        }
        assert!(!a.is_writable(), "full at the HWM");
        let mut taken = Vec::new();
        b.read_while(|view| {
            let MessageView::Whole(msg) = view else {
                panic!("a one-byte message is stored whole");
            };
            taken.push(msg.frames()[0][0]);
            taken.len() < 3
        });
        assert_eq!(
            taken,
            [0, 1, 2],
            "stops after the message it was told to stop at"
        );
        assert!(a.is_writable(), "what was read is room for the writer");
        b.read_while(|view| {
            let MessageView::Whole(msg) = view else {
                panic!("a one-byte message is stored whole");
            };
            taken.push(msg.frames()[0][0]);
            true
        });
        assert_eq!(taken, [0, 1, 2, 3]);
        assert!(b.read().is_none());
    }

    #[test]
    fn close_is_seen_after_pending_messages() {
        let (mut a, mut b, _, _) = task_pair(0);
        a.send(Message::single(&b"last"[..])).unwrap();
        a.close();
        assert!(b.is_peer_closed());
        assert!(!b.is_peer_finished());
        assert!(b.read().is_some());
        assert!(b.is_peer_finished());
        assert!(!b.is_writable(), "writing to a closed peer is refused");
    }

    #[test]
    fn armed_reader_is_notified_once_across_threads() {
        let signal = Arc::new(SocketSignal::new().unwrap());
        let waker = Arc::new(AtomicWaker::new());
        let (socket_end, mut engine_end) = pipe_pair(
            Listener::Socket(signal.clone()),
            Listener::Task(waker),
            Hwm::sender(0),
            Hwm::sender(0),
        );
        let mut socket_end = socket_end;
        assert!(socket_end.read().is_none());
        assert!(!socket_end.arm_readable());
        let writer = std::thread::spawn(move || {
            for i in 0..1000u32 {
                engine_end
                    .write(Message::single(&i.to_le_bytes()[..]))
                    .unwrap();
            }
            engine_end.flush();
            engine_end
        });
        let mut received = 0u32;
        while received < 1000 {
            match socket_end.read() {
                Some(msg) => {
                    assert_eq!(msg.frames()[0], &received.to_le_bytes());
                    received += 1;
                }
                None => {
                    if !socket_end.arm_readable() {
                        assert!(signal.wait(
                            Some(std::time::Instant::now() + std::time::Duration::from_secs(5)),
                            None
                        ));
                        signal.drain(|_| {});
                    }
                }
            }
        }
        drop(writer.join().unwrap());
    }
}
