//! The bind side: accept connections and run an engine for each.

use std::sync::Arc;

use atomic_waker::AtomicWaker;
use tokio::net::TcpListener;

use crate::engine::link::{ShutdownReceiver, SocketLink};
use crate::engine::stream_engine::StreamEngine;
use crate::engine::tcp::configure_stream;
use crate::options::SocketOptions;

/// Accepts until the endpoint is unbound or the socket closes.
pub(crate) async fn run_tcp_listener(
    listener: TcpListener,
    link: Arc<SocketLink>,
    options: SocketOptions,
    mut shutdown: ShutdownReceiver,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => return,
        };
        match accepted {
            Ok((stream, peer)) => {
                tracing::debug!(%peer, "accepted");
                configure_stream(&stream, &options);
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
