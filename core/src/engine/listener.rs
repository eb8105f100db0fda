//! The bind side: accept connections and run an engine for each. The same loop serves every
//! stream transport (TCP, ipc); what differs is behind [`Acceptor`].

use std::future::Future;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;

use atomic_waker::AtomicWaker;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::engine::link::{ShutdownReceiver, SocketLink};
use crate::engine::stream_engine::StreamEngine;
use crate::monitor;
use crate::options::SocketOptions;

/// A listening socket of some stream transport.
pub(crate) trait Acceptor: Send + Sync + 'static {
    type Stream: AsyncRead + AsyncWrite + AsRawFd + Unpin + Send + 'static;

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
pub(crate) async fn run_listener<A: Acceptor>(
    acceptor: A,
    link: Arc<SocketLink>,
    options: SocketOptions,
    endpoint: String,
    mut shutdown: ShutdownReceiver,
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
}
