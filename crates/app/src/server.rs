//! Serving the router until the process is asked to stop.

use anyhow::Context as _;
use tokio::net::TcpListener;

use crate::http::router;
use crate::state::AppState;

/// Serves `state`'s router on `listener` until Ctrl-C or SIGTERM, then stops accepting connections
/// and lets requests in flight finish (each is bounded by the request timeout).
///
/// # Errors
/// Fails when the listener fails.
pub async fn run(listener: TcpListener, state: AppState) -> anyhow::Result<()> {
    run_until(listener, state, shutdown_signal()).await
}

/// Serves `state`'s router on `listener` until `shutdown` resolves, then drains requests in
/// flight. For embedding and tests, which choose their own stop signal.
///
/// # Errors
/// Fails when the listener fails.
pub async fn run_until(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let address = listener.local_addr().context("reading the listening address")?;
    tracing::info!(%address, "listening");
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await.context("serving HTTP")?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on the first Ctrl-C or SIGTERM (what container runtimes send).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: draining requests in flight");
}
