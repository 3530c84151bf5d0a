//! The one helper that applies a class's time limit to an operation.
//!
//! Reads and find-and-modify commands carry it to the server as `maxTimeMS` ([`TimeLimited`]), so
//! the server stops working when the caller has given up. Every operation, writes included (the
//! driver has no `maxTimeMS` for them), also runs under a client-side deadline ([`within`]) a
//! little longer than the limit, so a stalled connection cannot hold a request forever; the grace
//! lets the server's own `MaxTimeMSExpired` answer arrive first when it can.

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
                self.max_time(profile.time_limit())
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

/// The client-side deadline of `profile`: the time limit plus a quarter, at least 50 ms more.
pub fn deadline(profile: &Profile) -> Duration {
    let limit = profile.time_limit();
    limit + (limit / 4).max(Duration::from_millis(50))
}

/// Runs `operation` under `profile`'s client-side deadline. An operation still running at the
/// deadline is dropped and reported as a network timeout, which [`crate::classify`] treats as
/// unavailability.
///
/// # Errors
/// The operation's own error, or a timeout error past the deadline.
pub async fn within<T>(profile: &Profile, operation: impl IntoFuture<Output = Result<T>>) -> Result<T> {
    match tokio::time::timeout(deadline(profile), operation.into_future()).await {
        Ok(result) => result,
        Err(_) => {
            let message = format!("{} operation exceeded its time limit", profile.class());
            Err(ErrorKind::Io(Arc::new(std::io::Error::new(std::io::ErrorKind::TimedOut, message))).into())
        }
    }
}
