//! The body read time-out: a request body must have arrived whole within the time-out, counted
//! from the request's start. A client that announces a body and stops sending it would otherwise
//! hold its connection and the handler until the request budget ends, and then be told `503`, as
//! if the service were at fault.
//!
//! A body still arriving at the deadline fails to read with [`BodyTimedOut`]; the JSON extractor
//! answers that `408` (`body-timeout`), and the answer closes the connection.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use http_body::{Frame, SizeHint};
use tokio::time::{Instant, Sleep};

/// The error a body yields when its deadline passes before its end.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the request body did not arrive within its time-out")]
pub(crate) struct BodyTimedOut;

impl BodyTimedOut {
    /// Whether `error`, or any error it wraps, is a [`BodyTimedOut`].
    pub(crate) fn caused(error: &(dyn std::error::Error + 'static)) -> bool {
        let mut next = Some(error);
        while let Some(error) = next {
            if error.is::<Self>() {
                return true;
            }
            next = error.source();
        }
        false
    }
}

/// `request` with a body that fails to read after `deadline`; a request without a body is
/// returned as it is (no timer, no allocation).
pub(crate) fn bounded(request: Request, deadline: Instant) -> Request {
    if http_body::Body::is_end_stream(request.body()) {
        return request;
    }
    request.map(|inner| Body::new(Bounded { inner, deadline: tokio::time::sleep_until(deadline) }))
}

pin_project_lite::pin_project! {
    /// A body with a deadline.
    struct Bounded {
        #[pin]
        inner: Body,
        #[pin]
        deadline: Sleep,
    }
}

impl http_body::Body for Bounded {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.project();
        if let Poll::Ready(frame) = this.inner.poll_frame(cx) {
            return Poll::Ready(frame);
        }
        match this.deadline.poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(axum::Error::new(BodyTimedOut)))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::extract::FromRequest as _;
    use futures::StreamExt as _;

    use super::*;

    fn stalled_request(deadline: Instant) -> Request {
        // One chunk, then nothing: what a client that stops mid-body looks like to the router.
        let chunks = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"{\"a\""))])
            .chain(futures::stream::pending());
        let request = Request::builder().body(Body::from_stream(chunks)).expect("a valid request");
        bounded(request, deadline)
    }

    #[tokio::test]
    async fn a_stalled_body_fails_with_the_time_out_once_the_deadline_passes() {
        let request = stalled_request(Instant::now() + Duration::from_millis(50));

        let read = tokio::time::timeout(Duration::from_secs(10), Bytes::from_request(request, &()))
            .await
            .expect("the read ends at the deadline, not never");

        let Err(rejection) = read else { panic!("a stalled body cannot be read whole") };
        assert!(BodyTimedOut::caused(&rejection), "{rejection:?}");
    }

    #[tokio::test]
    async fn a_body_that_arrives_in_time_is_read_whole() {
        let request = Request::builder().body(Body::from("{}")).expect("a valid request");
        let request = bounded(request, Instant::now() + Duration::from_secs(2));

        let read = Bytes::from_request(request, &()).await.expect("the body arrived");

        assert_eq!(&read[..], b"{}");
    }
}
