//! What the I/O side needs to know about the socket it serves.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use atomic_waker::AtomicWaker;
use tokio::sync::watch;

use crate::context::IoHandle;
use crate::options::SocketOptions;
use crate::pipe::{pipe_pair, Listener, PipeEnd};
use crate::signal::{PeerIdentity, PipeEvent, SocketSignal};
use crate::socket_type::SocketType;

/// Shared by a socket and all its I/O tasks.
pub(crate) struct SocketLink {
    pub signal: Arc<SocketSignal>,
    pub socket_type: SocketType,
    /// LINGER as it is when the socket closes (users often set it just before closing).
    pub linger_ms: AtomicI32,
    /// Spawns the socket's I/O tasks on the context's threads.
    pub io: IoHandle,
}

impl SocketLink {
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
        let (socket_end, io_end) = pipe_pair(
            Listener::Socket(self.signal.clone()),
            Listener::Task(waker.clone()),
            options.send_hwm(),
            options.recv_hwm(),
        );
        if options.conflates(self.socket_type) {
            socket_end.set_conflate();
        }
        self.signal.post(PipeEvent::Attached(socket_end, peer));
        io_end
    }
}

/// Dropping the sender (unbind, disconnect, socket close) tells the endpoint's tasks to stop.
pub(crate) type ShutdownSender = watch::Sender<()>;
pub(crate) type ShutdownReceiver = watch::Receiver<()>;

pub(crate) fn shutdown_channel() -> (ShutdownSender, ShutdownReceiver) {
    watch::channel(())
}
