//! The one helper that applies a class's time limit to an operation.
//!
//! Reads and find-and-modify commands carry it to the server as `maxTimeMS` ([`TimeLimited`]), so
//! the server stops working when the caller has given up. Every operation, writes included (the
//! driver has no `maxTimeMS` for them), also runs under a client-side deadline ([`within`]) a
//! little longer than the limit, so a stalled connection cannot hold a request forever; the grace
//! lets the server's own `MaxTimeMSExpired` answer arrive first when it can.
//!
//! Inside a caller's budget ([`budget::scope`]) both limits shrink to what is left of
//! it, and an operation started after the budget is spent fails at once without a round trip.

use std::future::IntoFuture;
use std::sync::Arc;
use std::time::Duration;

use mongodb::action::{Aggregate, CountDocuments, Find, FindOne, FindOneAndDelete, FindOneAndUpdate};
use mongodb::error::{ErrorKind, Result};

use crate::profiles::Profile;

/// Operations that accept a server-side time limit.
pub trait TimeLimited: Sized {
    /// This operation with `profile`'s time limit as `maxTimeMS`.
    #[must_use]
    fn time_limited(self, profile: &Profile) -> Self;
}

macro_rules! time_limited {
    ($($ty:ty => [$($generics:tt)*]),* $(,)?) => {$(
        impl<$($generics)*> TimeLimited for $ty {
            fn time_limited(self, profile: &Profile) -> Self {
                self.max_time(budget::cap(profile.time_limit()))
            }
        }
    )*};
}

time_limited!(
    Find<'a, T, S> => ['a, T: Send + Sync, S],
    FindOne<'a, T> => ['a, T: Send + Sync],
    FindOneAndUpdate<'a, T> => ['a, T: Send + Sync],
    FindOneAndDelete<'a, T> => ['a, T: Send + Sync],
    Aggregate<'a, S, T> => ['a, S, T],
    CountDocuments<'a> => ['a],
);

/// The client-side deadline of `profile`: the time limit (capped by the caller's remaining
/// budget) plus a quarter, at least 50 ms more.
pub fn deadline(profile: &Profile) -> Duration {
    let limit = budget::cap(profile.time_limit());
    limit + (limit / 4).max(Duration::from_millis(50))
}

/// Runs `operation` under `profile`'s client-side deadline. An operation still running at the
/// deadline is dropped and reported as a network timeout, which [`crate::classify`] treats as
/// unavailability.
///
/// # Errors
/// The operation's own error, or a timeout error past the deadline.
pub async fn within<T>(profile: &Profile, operation: impl IntoFuture<Output = Result<T>>) -> Result<T> {
    if budget::expired() {
        crate::telemetry::record_client_timeout(profile.class());
        return Err(not_sent(format!("{} operation started after the caller's time budget", profile.class())));
    }
    let labelled = crate::telemetry::in_class(profile.class(), operation.into_future());
    match tokio::time::timeout(deadline(profile), labelled).await {
        Ok(result) => result,
        Err(_) => {
            crate::telemetry::record_client_timeout(profile.class());
            Err(timed_out(format!("{} operation exceeded its time limit", profile.class())))
        }
    }
}

/// The cause of a time-out of an operation that was never sent: `classify` tells it apart from
/// a time-out after a write was sent, whose outcome is unknown.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NotSent(String);

fn not_sent(message: String) -> mongodb::error::Error {
    ErrorKind::Io(Arc::new(std::io::Error::new(std::io::ErrorKind::TimedOut, NotSent(message)))).into()
}

/// A client-side timeout, shaped as the network timeout [`crate::classify`] reads as
/// unavailability (or, for a write that may have been sent, as an unknown outcome).
pub(crate) fn timed_out(message: String) -> mongodb::error::Error {
    ErrorKind::Io(Arc::new(std::io::Error::new(std::io::ErrorKind::TimedOut, message))).into()
}

/// Runs `operation` (a whole transaction, say, with its retries) within what is left of the
/// caller's budget, plus the same grace as [`deadline`]; outside a budget it runs unbounded here,
/// each of its commands still bounded by its class.
///
/// # Errors
/// The operation's own error, or a timeout error once the budget is spent.
pub async fn within_budget<T>(operation: impl IntoFuture<Output = Result<T>>) -> Result<T> {
    let Some(left) = budget::remaining() else {
        return operation.into_future().await;
    };
    let grace = (left / 4).max(Duration::from_millis(50));
    match tokio::time::timeout(left + grace, operation.into_future()).await {
        Ok(result) => result,
        Err(_) => Err(timed_out("the operation outlasted the caller's time budget".to_owned())),
    }
}

/// The cause of a run given up on at the caller's deadline, exactly: a time-out like any other to
/// [`crate::classify`] (an unknown outcome for a write that may have been sent).
#[derive(Debug, thiserror::Error)]
#[error("the operation outlasted the caller's time budget")]
pub struct PastDeadline;

/// A run given up on at the caller's deadline.
pub(crate) fn past_deadline() -> mongodb::error::Error {
    ErrorKind::Io(Arc::new(std::io::Error::new(std::io::ErrorKind::TimedOut, PastDeadline))).into()
}

/// Whether `error` is [`past_deadline`]'s.
pub(crate) fn is_past_deadline(error: &mongodb::error::Error) -> bool {
    matches!(error.kind.as_ref(), ErrorKind::Io(io) if io.get_ref().is_some_and(|inner| inner.is::<PastDeadline>()))
}
