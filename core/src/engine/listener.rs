//! The bind side: accept connections and run an engine for each. The same loop serves every
//! stream transport (TCP, ipc); what differs is behind [`Acceptor`].

use std::future::Future;
use std::io;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use atomic_waker::AtomicWaker;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::engine::close_wait::PeerBacklog;
use crate::engine::link::{ShutdownReceiver, ShutdownSender, SocketLink};
use crate::engine::stream_engine::{EngineEnd, StreamEngine};
use crate::monitor;
use crate::options::SocketOptions;

/// A listening socket of some stream transport.
pub(crate) trait Acceptor: Send + Sync + 'static {
    type Stream: AsyncRead + AsyncWrite + AsRawFd + AsFd + PeerBacklog + Unpin + Send + 'static;

    /// Accepts one connection, with the socket's per-connection options applied. Also
    /// returns who the peer is, for logs.
    fn accept(
        &self,
        options: &SocketOptions,
    ) -> impl Future<Output = io::Result<(Self::Stream, String)>> + Send;

    /// The listening socket's descriptor (the value of LISTENING and CLOSED events).
    fn raw_fd(&self) -> RawFd;

    /// The endpoint monitor events name for an accepted connection: libzmq names its local
    /// address (the listener's endpoint unless that is a wildcard).
    fn connection_endpoint(_stream: &Self::Stream, listener_endpoint: &str) -> String {
        listener_endpoint.to_string()
    }
}

/// Accepts until the endpoint is unbound or the socket closes. `endpoint` is the bound
/// endpoint as LAST_ENDPOINT reports it.
/// Stops a listener when dropped (unbind, socket close) and waits — briefly — until its
/// listening socket is really closed, so the address can be bound again at once, as with
/// libzmq.
pub(crate) struct ListenerStop {
    shutdown: Option<ShutdownSender>,
    closed: Arc<ListenerClosed>,
}

/// Set by the listener task once it has closed its listening socket.
#[derive(Default)]
pub(crate) struct ListenerClosed {
    done: Mutex<bool>,
    signal: Condvar,
}

impl ListenerClosed {
    fn set(&self) {
        *self.done.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.signal.notify_all();
    }
}

impl ListenerStop {
    pub(crate) fn new(shutdown: ShutdownSender, closed: Arc<ListenerClosed>) -> ListenerStop {
        ListenerStop {
            shutdown: Some(shutdown),
            closed,
        }
    }
}

impl Drop for ListenerStop {
    fn drop(&mut self) {
        drop(self.shutdown.take());
        // The I/O thread closes the socket within microseconds; the cap only guards against
        // a runtime that is already gone.
        let mut done = self.closed.done.lock().unwrap_or_else(|e| e.into_inner());
        let deadline = Instant::now() + Duration::from_secs(1);
        while !*done {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            done = self
                .closed
                .signal
                .wait_timeout(done, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

pub(crate) async fn run_listener<A: Acceptor>(
    acceptor: A,
    link: Arc<SocketLink>,
    options: SocketOptions,
    endpoint: String,
    mut shutdown: ShutdownReceiver,
    closed: Arc<ListenerClosed>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = acceptor.accept(&options) => accepted,
            _ = shutdown.changed() => break,
        };
        match accepted {
            Ok((stream, peer)) => {
                tracing::debug!(%peer, "accepted");
                link.monitor.emit(
                    monitor::EVENT_ACCEPTED,
                    stream.as_raw_fd() as u32,
                    &endpoint,
                );
                let connection_endpoint = A::connection_endpoint(&stream, &endpoint);
                let task_link = link.clone();
                let options = options.clone();
                let mut shutdown = shutdown.clone();
                link.spawn(async move {
                    let link = task_link;
                    let waker = Arc::new(AtomicWaker::new());
                    let mut engine =
                        StreamEngine::new(stream, &link, &options, waker, connection_endpoint);
                    let mut pipe = None;
                    let end = engine.run(&mut pipe, &link, &mut shutdown).await;
                    tracing::debug!(%peer, %end, "connection ended");
                    if matches!(end, EngineEnd::Shutdown) {
                        // Unbound: what the socket has not read from here is dropped.
                        if let Some(pipe) = &pipe {
                            pipe.drop_unread_output();
                        }
                    }
                    // Dropping the pipe closes it: the socket forgets this peer.
                    drop(pipe);
                });
            }
            Err(e) => {
                // EMFILE and friends: back off briefly instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                let errno = e.raw_os_error().unwrap_or(libc::EIO);
                link.monitor
                    .emit(monitor::EVENT_ACCEPT_FAILED, errno as u32, &endpoint);
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
    link.monitor
        .emit(monitor::EVENT_CLOSED, acceptor.raw_fd() as u32, &endpoint);
    drop(acceptor);
    closed.set();
}
