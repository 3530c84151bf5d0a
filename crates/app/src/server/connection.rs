//! One connection: hyper serves it, a watchdog beside it closes it when it holds the server
//! without asking anything (see the parent module for the rules), and a stop signal ends it
//! gracefully (HTTP/1.1: after the request in flight; HTTP/2: `GOAWAY`).
//!
//! The watchdog reads an [`Activity`] that the connection's reads and its requests update. It
//! needs no timer of hyper's (hyper's own header time-out also runs while a keep-alive connection
//! is idle, so it cannot tell the two time-outs apart) and covers both protocols alike.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use metrics::counter;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tower::Service as _;

use super::Settings;
use crate::metrics::HTTP_CONNECTIONS_CUT;

/// Serves `stream` with `router` until the client closes it, the watchdog cuts it, or `stop`
/// turns true and the request in flight (if any) is answered.
pub(super) async fn serve(stream: TcpStream, router: Router, settings: &Settings, mut stop: watch::Receiver<bool>) {
    // Answers are small and written whole: waiting to coalesce them only adds latency.
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched { inner: stream, activity: Arc::clone(&activity) });
    let service = Tracked { router, activity: Arc::clone(&activity) };
    let builder = auto::Builder::new(TokioExecutor::new());
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    let mut stopping = false;
    loop {
        let deadline = activity.deadline(settings);
        tokio::select! {
            served = connection.as_mut() => {
                if let Err(error) = served {
                    tracing::debug!(error = %error, "connection ended with an error");
                }
                return;
            }
            () = sleep_until(deadline) => {
                if let Some((at, cut)) = activity.deadline(settings)
                    && at <= Instant::now()
                {
                    counter!(HTTP_CONNECTIONS_CUT, "reason" => cut.label()).increment(1);
                    tracing::debug!(reason = cut.label(), "connection closed by its time-out");
                    // Dropping hyper's connection closes the socket.
                    return;
                }
            }
            () = activity.changed.notified() => {}
            changed = stop.changed(), if !stopping => {
                stopping = true;
                if changed.is_err() || *stop.borrow() {
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// Sleeps until the deadline; forever without one (requests in flight have their own budget).
async fn sleep_until(deadline: Option<(Instant, Cut)>) {
    match deadline {
        Some((at, _)) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Why the watchdog closed a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cut {
    /// No complete request head within the header read time-out.
    Header,
    /// Nothing in flight and nothing received within the idle time-out.
    Idle,
}

impl Cut {
    /// The label of [`HTTP_CONNECTIONS_CUT`].
    pub(super) fn label(self) -> &'static str {
        match self {
            Self::Header => "header_timeout",
            Self::Idle => "idle_timeout",
        }
    }
}

/// What the connection is doing, as the watchdog needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for a request head since the instant: a fresh connection, or bytes arrived.
    Head(Instant),
    /// Nothing in flight and nothing received since the instant.
    Idle(Instant),
    /// This many requests are being handled.
    Busy(usize),
}

/// The connection's phase, shared by its reads, its requests (HTTP/2 runs each in a task of its
/// own) and the watchdog, which a change of deadline wakes.
#[derive(Debug)]
pub(super) struct Activity {
    phase: Mutex<Phase>,
    changed: Notify,
}

impl Activity {
    /// A connection just accepted: the first request head is due within the header time-out.
    pub(super) fn new() -> Self {
        Self { phase: Mutex::new(Phase::Head(Instant::now())), changed: Notify::new() }
    }

    fn update(&self, change: impl FnOnce(Phase) -> Phase) {
        let mut phase = self.phase.lock().unwrap_or_else(PoisonError::into_inner);
        let next = change(*phase);
        // A busy connection has no deadline: the watchdog learns of it when it next wakes.
        let wake = *phase != next && !matches!(next, Phase::Busy(_));
        *phase = next;
        drop(phase);
        if wake {
            self.changed.notify_one();
        }
    }

    /// Bytes arrived: on an idle connection, a request head has begun.
    pub(super) fn received(&self) {
        self.update(|phase| match phase {
            Phase::Idle(_) => Phase::Head(Instant::now()),
            other => other,
        });
    }

    /// A request reached the router.
    pub(super) fn started(&self) {
        self.update(|phase| match phase {
            Phase::Busy(requests) => Phase::Busy(requests + 1),
            _ => Phase::Busy(1),
        });
    }

    /// A request's answer is ready (or its handling was abandoned).
    pub(super) fn ended(&self) {
        self.update(|phase| match phase {
            Phase::Busy(requests) if requests > 1 => Phase::Busy(requests - 1),
            _ => Phase::Idle(Instant::now()),
        });
    }

    /// When the connection is to be closed if nothing changes, and why; `None` while busy.
    pub(super) fn deadline(&self, settings: &Settings) -> Option<(Instant, Cut)> {
        match *self.phase.lock().unwrap_or_else(PoisonError::into_inner) {
            Phase::Head(since) => Some((since + settings.header_read_timeout, Cut::Header)),
            Phase::Idle(since) => Some((since + settings.idle_timeout, Cut::Idle)),
            Phase::Busy(_) => None,
        }
    }
}

pin_project_lite::pin_project! {
    /// The socket, telling the connection's [`Activity`] when bytes arrive.
    struct Watched {
        #[pin]
        inner: TcpStream,
        activity: Arc<Activity>,
    }
}

impl AsyncRead for Watched {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let this = self.project();
        let before = buf.filled().len();
        let read = this.inner.poll_read(cx, buf);
        if matches!(read, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.activity.received();
        }
        read
    }
}

impl AsyncWrite for Watched {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }
}

/// The router as hyper calls it, counting each request in flight on the connection's activity.
#[derive(Clone)]
struct Tracked {
    router: Router,
    activity: Arc<Activity>,
}

impl hyper::service::Service<hyper::Request<Incoming>> for Tracked {
    type Response = Response;
    type Error = Infallible;
    type Future = InFlight<axum::routing::future::RouteFuture<Infallible>>;

    fn call(&self, request: hyper::Request<Incoming>) -> Self::Future {
        self.activity.started();
        let request: Request = request.map(Body::new);
        // The router is always ready (axum's own serve calls it the same way).
        let answer = self.router.clone().call(request);
        InFlight { answer, ended: Some(Ended(Arc::clone(&self.activity))) }
    }
}

/// Marks its request ended when dropped: after the answer, or when hyper abandons the request.
struct Ended(Arc<Activity>);

impl Drop for Ended {
    fn drop(&mut self) {
        self.0.ended();
    }
}

pin_project_lite::pin_project! {
    /// A request's answer, counted in flight until it is ready or dropped.
    struct InFlight<F> {
        #[pin]
        answer: F,
        ended: Option<Ended>,
    }
}

impl<F: Future> Future for InFlight<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let answer = this.answer.poll(cx);
        if answer.is_ready() {
            // The answer is hyper's to write now: the idle clock starts, so that a client that
            // does not read it cannot hold the connection either.
            this.ended.take();
        }
        answer
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn settings() -> Settings {
        Settings {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(75),
            ..Settings::default()
        }
    }

    #[test]
    fn a_head_trickling_in_never_moves_its_deadline() {
        let activity = Activity::new();
        let (first, cut) = activity.deadline(&settings()).expect("a fresh connection has a deadline");

        activity.received();
        activity.received();

        assert_eq!(cut, Cut::Header);
        assert_eq!(activity.deadline(&settings()), Some((first, Cut::Header)));
    }

    #[test]
    fn a_connection_has_no_deadline_while_busy_then_the_idle_one_then_a_head_one_once_bytes_arrive() {
        let activity = Activity::new();

        activity.started();
        activity.started();
        activity.ended();
        let busy = activity.deadline(&settings());
        activity.ended();
        let idle = activity.deadline(&settings()).map(|(_, cut)| cut);
        activity.received();
        let head = activity.deadline(&settings()).map(|(_, cut)| cut);

        assert_eq!(busy, None, "one of two requests is still in flight");
        assert_eq!(idle, Some(Cut::Idle));
        assert_eq!(head, Some(Cut::Header));
    }
}
