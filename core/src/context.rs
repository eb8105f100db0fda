//! The context: owns the I/O threads (libzmq's model), every socket's I/O tasks, and, when
//! it is dropped, waits for them, so messages still queued within LINGER are delivered.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};

use crate::engine::link::SocketLink;
use crate::error::{Error, ErrorKind, Result};
use crate::signal::PipeEvent;
use crate::socket::Socket;
use crate::socket_type::SocketType;
use crate::transport::inproc::InprocRegistry;

/// A ØMQ context. Cheap to clone; the I/O threads stop when the last clone and the last
/// socket are gone.
#[derive(Clone)]
pub struct Context {
    inner: Arc<ContextInner>,
}

pub(crate) struct ContextInner {
    runtime: Option<tokio::runtime::Runtime>,
    io: IoHandle,
    io_threads: usize,
    terminated: AtomicBool,
    /// Sockets not closed yet: `term` waits for this to empty, `destroy` closes them.
    sockets: Mutex<OpenSockets>,
    sockets_closed: Condvar,
    /// The inproc names bound in this context and connections waiting for a bind.
    inproc: Arc<InprocRegistry>,
    /// ZMQ_MAX_SOCKETS as last set, and the limit in force: MAX_SOCKETS as it was when the
    /// first socket was made (libzmq sizes its socket table then, once).
    max_sockets: AtomicUsize,
    socket_limit: OnceLock<usize>,
}

/// libzmq's default ZMQ_MAX_SOCKETS.
pub const DEFAULT_MAX_SOCKETS: usize = 1023;
/// libzmq's ZMQ_SOCKET_LIMIT on Linux (what it reports; with epoll it accepts a larger
/// MAX_SOCKETS too).
pub const SOCKET_LIMIT: usize = 65535;

/// Closes a socket on behalf of `Context::destroy`, with an optional LINGER override.
pub(crate) type SocketCloser = Box<dyn Fn(Option<i32>) + Send + Sync>;

#[derive(Default)]
pub(crate) struct OpenSockets {
    next_id: u64,
    open: HashMap<u64, (Weak<SocketLink>, Arc<SocketCloser>)>,
}

/// Spawns I/O tasks on the context's threads and counts them, so the context can wait for
/// them when it goes away.
#[derive(Clone)]
pub(crate) struct IoHandle {
    handle: tokio::runtime::Handle,
    running: Arc<TaskCount>,
}

#[derive(Default)]
struct TaskCount {
    count: Mutex<usize>,
    all_done: Condvar,
}

struct TaskGuard(Arc<TaskCount>);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        let mut count = self.0.count.lock().unwrap_or_else(|e| e.into_inner());
        *count -= 1;
        if *count == 0 {
            self.0.all_done.notify_all();
        }
    }
}

impl IoHandle {
    pub(crate) fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        *self.running.count.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        let guard = TaskGuard(self.running.clone());
        self.handle.spawn(async move {
            let _guard = guard;
            task.await
        });
    }

    /// Blocks until every I/O task has finished (sent what LINGER allows, then ended).
    pub(crate) fn wait_idle(&self) {
        let mut count = self.running.count.lock().unwrap_or_else(|e| e.into_inner());
        while *count > 0 {
            count = self
                .running
                .all_done
                .wait(count)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Runs `f` with the runtime entered (needed to register std sockets with tokio).
    pub(crate) fn enter<T>(&self, f: impl FnOnce() -> T) -> T {
        let _guard = self.handle.enter();
        f()
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("io_threads", &self.inner.io_threads)
            .field("terminated", &self.is_terminated())
            .finish()
    }
}

impl Default for Context {
    fn default() -> Self {
        Context::new()
    }
}

impl Context {
    /// A context with one I/O thread (libzmq's default).
    pub fn new() -> Context {
        Context::with_io_threads(1).expect("cannot start the I/O thread")
    }

    /// A context with `io_threads` I/O threads (at least 1). The threads block every
    /// signal, as libzmq's do: a process's signals (Ctrl-C, SIGALRM, a PHP or Python signal
    /// handler's) go to the application's threads, where a blocking call is interrupted.
    pub fn with_io_threads(io_threads: usize) -> Result<Context> {
        if io_threads == 0 {
            return Err(Error::invalid("a context needs at least one I/O thread"));
        }
        crate::fork::install();
        // The threads start with every signal blocked (they inherit this thread's mask while
        // it is blocked, as libzmq starts its own), and block them again when they start.
        let previous = block_signals();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(io_threads)
            .thread_name("ferromq-io")
            .on_thread_start(|| {
                block_signals();
            })
            .enable_io()
            .enable_time()
            .build();
        restore_signals(&previous);
        let runtime = runtime.map_err(|e| Error::from_io(&e, "cannot start the I/O threads"))?;
        let io = IoHandle {
            handle: runtime.handle().clone(),
            running: Arc::new(TaskCount::default()),
        };
        Ok(Context {
            inner: Arc::new(ContextInner {
                runtime: Some(runtime),
                io,
                io_threads,
                terminated: AtomicBool::new(false),
                sockets: Mutex::new(OpenSockets::default()),
                sockets_closed: Condvar::new(),
                inproc: Arc::default(),
                max_sockets: AtomicUsize::new(DEFAULT_MAX_SOCKETS),
                socket_limit: OnceLock::new(),
            }),
        })
    }

    /// Number of I/O threads.
    pub fn io_threads(&self) -> usize {
        self.inner.io_threads
    }

    /// ZMQ_MAX_SOCKETS: how many sockets may be open at once (at least 1, else EINVAL). As in
    /// libzmq it takes effect only if set before the first socket is made;
    /// [`max_sockets`](Self::max_sockets) reports the value set either way.
    pub fn set_max_sockets(&self, max_sockets: usize) -> Result<()> {
        if max_sockets == 0 {
            return Err(Error::invalid("MAX_SOCKETS must be at least 1, got 0"));
        }
        self.inner.max_sockets.store(max_sockets, Ordering::Relaxed);
        Ok(())
    }

    pub fn max_sockets(&self) -> usize {
        self.inner.max_sockets.load(Ordering::Relaxed)
    }

    /// Creates a socket of the given type: EMFILE when MAX_SOCKETS are open already.
    pub fn socket(&self, socket_type: SocketType) -> Result<Socket> {
        if self.is_terminated() {
            return Err(Error::from_kind(ErrorKind::Term));
        }
        let limit = *self
            .inner
            .socket_limit
            .get_or_init(|| self.inner.max_sockets.load(Ordering::Relaxed));
        let open = self
            .inner
            .sockets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .open
            .len();
        if open >= limit {
            return Err(Error::new(
                ErrorKind::TooManyFiles,
                format!("the context already has MAX_SOCKETS ({limit}) sockets open"),
            ));
        }
        Socket::new(self.clone(), socket_type)
    }

    /// libzmq's `zmq_ctx_shutdown`: every blocking call on the context's sockets, in any
    /// thread, returns ETERM, and new operations fail with ETERM; sockets must still be
    /// closed. Does not block.
    pub fn shutdown(&self) {
        self.inner.terminated.store(true, Ordering::SeqCst);
        let sockets = self.inner.sockets.lock().unwrap_or_else(|e| e.into_inner());
        for (link, _) in sockets.open.values() {
            if let Some(link) = link.upgrade() {
                link.signal.post(PipeEvent::Wake);
            }
        }
    }

    /// libzmq's `zmq_ctx_term`: [`shutdown`](Self::shutdown), then blocks until every socket
    /// of the context is closed (by whichever thread owns it) and each one's queued messages
    /// are sent or its LINGER expired. Calling it while this thread still holds an open
    /// socket blocks forever, as in libzmq: close your sockets first, or use
    /// [`destroy`](Self::destroy).
    pub fn term(&self) {
        self.shutdown();
        let mut sockets = self.inner.sockets.lock().unwrap_or_else(|e| e.into_inner());
        while !sockets.open.is_empty() {
            sockets = self
                .inner
                .sockets_closed
                .wait(sockets)
                .unwrap_or_else(|e| e.into_inner());
        }
        drop(sockets);
        self.inner.io.wait_idle();
    }

    /// pyzmq's `Context.destroy`: closes every socket still open (with `linger` as their
    /// LINGER if given), then terminates.
    pub fn destroy(&self, linger: Option<i32>) {
        self.shutdown();
        let closers: Vec<Arc<SocketCloser>> = {
            let sockets = self.inner.sockets.lock().unwrap_or_else(|e| e.into_inner());
            sockets
                .open
                .values()
                .map(|(_, close)| close.clone())
                .collect()
        };
        for close in closers {
            close(linger);
        }
        self.term();
    }

    pub fn is_terminated(&self) -> bool {
        self.inner.terminated.load(Ordering::SeqCst)
    }

    pub(crate) fn io(&self) -> &IoHandle {
        &self.inner.io
    }

    pub(crate) fn inproc(&self) -> &Arc<InprocRegistry> {
        &self.inner.inproc
    }

    /// Records an open socket; returns the id to pass to `unregister_socket` on close.
    pub(crate) fn register_socket(&self, link: &Arc<SocketLink>, close: SocketCloser) -> u64 {
        let mut sockets = self.inner.sockets.lock().unwrap_or_else(|e| e.into_inner());
        sockets.next_id += 1;
        let id = sockets.next_id;
        sockets
            .open
            .insert(id, (Arc::downgrade(link), Arc::new(close)));
        id
    }

    pub(crate) fn unregister_socket(&self, id: u64) {
        let mut sockets = self.inner.sockets.lock().unwrap_or_else(|e| e.into_inner());
        sockets.open.remove(&id);
        if sockets.open.is_empty() {
            self.inner.sockets_closed.notify_all();
        }
    }
}

impl Drop for ContextInner {
    fn drop(&mut self) {
        // Every socket is closed by now (they hold the context): wait for their I/O tasks to
        // send what is still queued within LINGER, then stop the threads.
        self.io.wait_idle();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Blocks every signal in the calling thread; returns the mask it had.
pub(crate) fn block_signals() -> libc::sigset_t {
    // SAFETY: sigfillset fills a set we own; pthread_sigmask changes only this thread's mask
    // and writes the old one into a set we own.
    unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut previous: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_BLOCK, &all, &mut previous);
        previous
    }
}

/// Puts back a mask `block_signals` returned.
fn restore_signals(previous: &libc::sigset_t) {
    // SAFETY: a valid mask, applied to this thread only.
    unsafe {
        libc::pthread_sigmask(libc::SIG_SETMASK, previous, std::ptr::null_mut());
    }
}
