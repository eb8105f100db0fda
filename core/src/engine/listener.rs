//! The bind side: accept connections and run an engine for each. The same loop serves every
//! stream transport (TCP, ipc); what differs is behind [`Acceptor`].

use std::future::Future;
use std::io;
use std::sync::Arc;

use atomic_waker::AtomicWaker;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::engine::link::{ShutdownReceiver, SocketLink};
use crate::engine::stream_engine::StreamEngine;
use crate::options::SocketOptions;

/// A listening socket of some stream transport.
pub(crate) trait Acceptor: Send + Sync + 'static {
    type Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    /// Accepts one connection, with the socket's per-connection options applied. Also
    /// returns who the peer is, for logs.
    fn accept(
        &self,
        options: &SocketOptions,
    ) -> impl Future<Output = io::Result<(Self::Stream, String)>> + Send;
}

/// Accepts until the endpoint is unbound or the socket closes.
pub(crate) async fn run_listener<A: Acceptor>(
    acceptor: A,
    link: Arc<SocketLink>,
    options: SocketOptions,
    mut shutdown: ShutdownReceiver,
) {
    loop {
        let accepted = tokio::select! {
            accepted = acceptor.accept(&options) => accepted,
            _ = shutdown.changed() => return,
        };
        match accepted {
            Ok((stream, peer)) => {
                tracing::debug!(%peer, "accepted");
                let link = link.clone();
                let options = options.clone();
                let mut shutdown = shutdown.clone();
                link.clone().io.spawn(async move {
                    let waker = Arc::new(AtomicWaker::new());
                    let mut engine = StreamEngine::new(stream, &link, &options, waker);
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
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}
