//! Serving the router until the process is asked to stop: connections that cannot be held open
//! for free, then a bounded drain of the requests in flight, and a return, so that the caller
//! closes the store's client.
//!
//! Each accepted connection is served by hyper (HTTP/1.1, or HTTP/2 with prior knowledge, as
//! `axum::serve` does) under [`Settings`]:
//! - a connection that starts no request within the header read time-out (counted from the
//!   accept, or from the first byte of a later request) is closed;
//! - a connection with no request in flight and no byte received for the idle time-out (counted
//!   from the end of its last request) is closed; this also ends a connection whose client does
//!   not read its answer;
//! - at most `max_connections` are open at once: a connection accepted beyond the cap is answered
//!   `503` with the `too-many-connections` problem, `Connection: close` and `Retry-After: 1`, and
//!   closed, so that a client learns why instead of waiting in the listen queue;
//! - the request body's own time-out (a `408` problem) is the router's, set in
//!   [`HttpSettings`](crate::HttpSettings).
//!
//! A connection closed for a time-out gets no answer: no request was received to answer.
//!
//! # Layout
//! - `connection`: one connection: its watchdog, the activity it reads and the graceful stop.
//! - `refuse`: the answer beyond the cap.

mod connection;
mod refuse;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use metrics::{counter, gauge};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use crate::Error;
use crate::http::router;
use crate::metrics::{HTTP_CONNECTIONS_OPEN, HTTP_CONNECTIONS_REFUSED};
use crate::state::AppState;

/// How long requests in flight may take to finish after a stop signal, unless configured: a
/// little more than the default request budget, which bounds each of them anyway.
pub const DEFAULT_DRAIN: Duration = Duration::from_secs(10);

/// How connections are accepted, bounded and stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// After the stop signal, how long requests in flight may take to finish; connections still
    /// open then are dropped.
    pub drain: Duration,
    /// How long a connection may take to send a complete request head: from the accept for the
    /// first request, from its first byte for a later one.
    pub header_read_timeout: Duration,
    /// How long a connection may stay open with no request in flight and nothing received.
    pub idle_timeout: Duration,
    /// The most connections open at once; the next is answered 503 and closed.
    pub max_connections: usize,
}

impl Settings {
    /// Default header read time-out: 10 s, ample for any client that means to send a request.
    pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default idle time-out: 75 s, longer than the 60 s idle time-out of common load balancers,
    /// so that a balancer, not this service, closes a pooled connection it may be about to reuse.
    pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(75);
    /// Default cap on open connections: kept under the 1024 file descriptors a process is often
    /// allowed, less the database pool's.
    pub const DEFAULT_MAX_CONNECTIONS: usize = 900;
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            drain: DEFAULT_DRAIN,
            header_read_timeout: Self::DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: Self::DEFAULT_IDLE_TIMEOUT,
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Serves `state`'s router on `listener` until Ctrl-C or SIGTERM, with the default [`Settings`].
///
/// # Errors
/// [`Error::ListenerAddress`] when the listener's address cannot be read.
pub async fn run(listener: TcpListener, state: AppState) -> Result<(), Error> {
    run_until(listener, state, shutdown_signal()).await
}

/// Serves `state`'s router on `listener` until `shutdown` resolves, with the default
/// [`Settings`]. For embedding and tests, which choose their own stop signal.
///
/// # Errors
/// [`Error::ListenerAddress`] when the listener's address cannot be read.
pub async fn run_until(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    serve(listener, state, shutdown, Settings::default()).await
}

/// Serves `state`'s router on `listener` under `settings` until `shutdown` resolves, then stops
/// accepting and lets requests in flight finish for at most `settings.drain`.
///
/// # Errors
/// [`Error::ListenerAddress`] when the listener's address cannot be read.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    settings: Settings,
) -> Result<(), Error> {
    serve_router(listener, router(state), shutdown, settings).await
}

/// Serves any `router` (the shop's mounted in a larger service, say) on `listener` under
/// `settings` until `shutdown` resolves, then drains as [`serve`] does.
///
/// # Errors
/// [`Error::ListenerAddress`] when the listener's address cannot be read.
pub async fn serve_router(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    settings: Settings,
) -> Result<(), Error> {
    let address = listener.local_addr().map_err(Error::ListenerAddress)?;
    tracing::info!(%address, drain_ms = settings.drain.as_millis(), max_connections = settings.max_connections,
        header_read_timeout_ms = settings.header_read_timeout.as_millis(),
        idle_timeout_ms = settings.idle_timeout.as_millis(), "listening");
    let slots = Arc::new(Semaphore::new(settings.max_connections));
    let refusals = Arc::new(Semaphore::new(refuse::MAX_AT_ONCE));
    let (stopping, stop) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(error) => {
                accept_failed(&error).await;
                continue;
            }
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            counter!(HTTP_CONNECTIONS_REFUSED).increment(1);
            refuse::answer(stream, &refusals);
            continue;
        };
        gauge!(HTTP_CONNECTIONS_OPEN).increment(1.0);
        let (router, stop) = (router.clone(), stop.clone());
        tokio::spawn(async move {
            connection::serve(stream, router, &settings, stop).await;
            gauge!(HTTP_CONNECTIONS_OPEN).decrement(1.0);
            drop(slot);
        });
    }
    drop(listener);
    tracing::info!("shutting down: draining requests in flight");
    let _ = stopping.send(true);
    // Every open connection holds a slot: all slots back means every connection has ended.
    let all = u32::try_from(settings.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(settings.drain, slots.acquire_many(all)).await.is_err() {
        tracing::warn!(
            drain_ms = settings.drain.as_millis(),
            "requests still in flight after the drain bound: dropped"
        );
    }
    tracing::info!("stopped");
    Ok(())
}

/// What axum and hyper do after a failed accept: a connection that failed before it was accepted
/// concerns that client alone; anything else (no file descriptor left, say) is waited out for a
/// second, rather than retried in a tight loop.
async fn accept_failed(error: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(error.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    tracing::error!(%error, "accepting a connection failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
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

#[cfg(test)]
mod tests;
