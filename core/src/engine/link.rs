//! What the I/O side needs to know about the socket it serves.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use atomic_waker::AtomicWaker;
use tokio::sync::watch;

use crate::context::IoHandle;
use crate::error::{Error, Result};
use crate::monitor::Monitor;
use crate::options::SocketOptions;
use crate::pipe::{pipe_pair, Hwm, Listener, PipeEnd};
use crate::signal::{PeerIdentity, PipeEvent, SocketSignal};
use crate::socket_type::SocketType;
use crate::transport::inproc::InprocRegistry;

/// Shared by a socket and all its I/O tasks.
pub(crate) struct SocketLink {
    pub signal: Arc<SocketSignal>,
    pub socket_type: SocketType,
    /// LINGER as it is when the socket closes (users often set it just before closing).
    pub linger_ms: AtomicI32,
    /// Spawns the socket's I/O tasks on the context's threads.
    pub io: IoHandle,
    /// The socket's event monitor (`Socket::monitor`).
    pub monitor: Monitor,
    /// The context's inproc names, where a ZAP handler may be bound.
    pub inproc: Arc<InprocRegistry>,
    /// Set when the socket closes (before its pipes and endpoints are).
    closed: AtomicBool,
    /// The socket's I/O tasks still running (see [`SocketLink::spawn`]).
    tasks: AtomicUsize,
}

impl SocketLink {
    pub(crate) fn new(
        socket_type: SocketType,
        linger_ms: i32,
        io: IoHandle,
        inproc: Arc<InprocRegistry>,
    ) -> Result<SocketLink> {
        let signal = SocketSignal::new()
            .map_err(|e| Error::from_io(&e, "cannot create the socket's eventfd"))?;
        Ok(SocketLink {
            signal: Arc::new(signal),
            socket_type,
            linger_ms: AtomicI32::new(linger_ms),
            io,
            monitor: Monitor::default(),
            inproc,
            closed: AtomicBool::new(false),
            tasks: AtomicUsize::new(0),
        })
    }

    /// Spawns one of the socket's I/O tasks. Once the socket has closed and its last task
    /// has ended, its monitor stops (libzmq sends MONITOR_STOPPED when the socket is
    /// destroyed, after the events of its shutdown).
    pub(crate) fn spawn<F>(self: &Arc<Self>, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tasks.fetch_add(1, Ordering::SeqCst);
        let guard = LinkTask(self.clone());
        self.io.spawn(async move {
            let _guard = guard;
            task.await
        });
    }

    /// The socket is closing: from now on its last task to end stops the monitor (or this
    /// call does, if none is running).
    pub(crate) fn mark_closed(&self) {
        self.closed.store(true, Ordering::SeqCst);
        if self.tasks.load(Ordering::SeqCst) == 0 {
            self.monitor.stop();
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    pub(crate) fn linger(&self) -> Option<Duration> {
        crate::options::timeout_from_ms(self.linger_ms.load(Ordering::Relaxed))
    }

    /// Creates a pipe between the socket and an I/O task woken by `waker`, hands the
    /// socket its end, and returns the task's end.
    pub(crate) fn attach_new_pipe(
        &self,
        options: &SocketOptions,
        waker: &Arc<AtomicWaker>,
        peer: Option<PeerIdentity>,
    ) -> PipeEnd {
        let (mut socket_end, io_end) = pipe_pair(
            Listener::Socket(self.signal.clone()),
            Listener::Task(waker.clone()),
            Hwm::sender(options.sndhwm as i64),
            Hwm::receiver(options.rcvhwm as i64),
        );
        if options.conflates(self.socket_type) {
            socket_end.set_conflate();
        } else if matches!(self.socket_type, SocketType::Req | SocketType::Rep) {
            socket_end.enable_direct_writes();
        }
        socket_end.copy_small_frames();
        self.signal.post(PipeEvent::Attached(socket_end, peer));
        io_end
    }
}

struct LinkTask(Arc<SocketLink>);

impl Drop for LinkTask {
    fn drop(&mut self) {
        let link = &self.0;
        // Either this sees `closed`, or `mark_closed` sees no task left (or both: stopping
        // twice is harmless).
        if link.tasks.fetch_sub(1, Ordering::SeqCst) == 1 && link.closed.load(Ordering::SeqCst) {
            link.monitor.stop();
        }
    }
}

/// Dropping the sender (unbind, disconnect, socket close) tells the endpoint's tasks to stop.
pub(crate) type ShutdownSender = watch::Sender<()>;
pub(crate) type ShutdownReceiver = watch::Receiver<()>;

pub(crate) fn shutdown_channel() -> (ShutdownSender, ShutdownReceiver) {
    watch::channel(())
}
