//! Serving the router until the process is asked to stop: stop accepting, drain requests in
//! flight within a bound, and return so that the caller closes the store's client.

use std::time::Duration;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::http::router;
use crate::state::AppState;

/// How long requests in flight may take to finish after a stop signal, unless configured: a
/// little more than the default request budget, which bounds each of them anyway.
pub const DEFAULT_DRAIN: Duration = Duration::from_secs(10);

/// Serves `state`'s router on `listener` until Ctrl-C or SIGTERM, then stops accepting connections
/// and lets requests in flight finish (each is bounded by the request timeout, the whole drain by
/// [`DEFAULT_DRAIN`]).
///
/// # Errors
/// Fails when the listener fails.
pub async fn run(listener: TcpListener, state: AppState) -> anyhow::Result<()> {
    run_until(listener, state, shutdown_signal()).await
}

/// Serves `state`'s router on `listener` until `shutdown` resolves, then drains requests in
/// flight for at most [`DEFAULT_DRAIN`]. For embedding and tests, which choose their own stop
/// signal.
///
/// # Errors
/// Fails when the listener fails.
pub async fn run_until(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve(listener, state, shutdown, DEFAULT_DRAIN).await
}

/// Serves `state`'s router on `listener` until `shutdown` resolves, then stops accepting and lets
/// requests in flight finish for at most `drain`; connections still open then are dropped.
///
/// # Errors
/// Fails when the listener fails.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    drain: Duration,
) -> anyhow::Result<()> {
    let address = listener.local_addr().context("reading the listening address")?;
    tracing::info!(%address, drain_ms = drain.as_millis(), "listening");
    let (stopping, stopped) = oneshot::channel();
    let signal = async move {
        shutdown.await;
        let _ = stopping.send(());
    };
    let serving = axum::serve(listener, router(state)).with_graceful_shutdown(signal).into_future();
    let bound = async move {
        // A dropped sender means serving ended on its own: never bound it then.
        if stopped.await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(drain).await;
    };
    tokio::select! {
        result = serving => result.context("serving HTTP")?,
        () = bound => tracing::warn!(drain_ms = drain.as_millis(), "requests still in flight after the drain bound: dropped"),
    }
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on the first Ctrl-C or SIGTERM (what container runtimes send). The handlers are
/// installed when this is called, not when the future is first polled: a signal that arrives
/// while start-up finishes is then held for the drain instead of killing the process with the
/// signal's default action. Call it inside the runtime.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let (interrupt, terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
    };
    async move {
        #[cfg(unix)]
        {
            tokio::select! {
                () = received(interrupt, "Ctrl-C") => {},
                () = received(terminate, "SIGTERM") => {},
            }
        }
        #[cfg(not(unix))]
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down: draining requests in flight");
    }
}

/// Waits for the signal `handler` listens to; forever when it could not be installed.
#[cfg(unix)]
async fn received(handler: std::io::Result<tokio::signal::unix::Signal>, name: &str) {
    match handler {
        Ok(mut signal) => {
            signal.recv().await;
        }
        Err(error) => {
            tracing::error!(%error, "cannot listen for {name}");
            std::future::pending::<()>().await;
        }
    }
}
