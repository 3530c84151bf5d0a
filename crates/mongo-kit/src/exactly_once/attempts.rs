//! The attempts of one exactly-once operation: a jittered exponential backoff before each retry,
//! bounded by the caller's time budget (or [`DEFAULT_BUDGET`] outside one), and counters of
//! attempts, retries and write conflicts, as metrics and as process totals for benchmarks.
//!
//! Without the backoff, transactions that collided on a hot document retry in lockstep and collide
//! again; the random part spreads them out ("full jitter").

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use metrics::counter;
use mongodb::error::{Error, Result};
use rand::Rng as _;
use tokio::time::Instant;

use crate::classify::is_write_conflict;

/// Counter of write conflicts met by exactly-once operations (each is followed by a retry or a
/// give-up): label `profile`.
pub const WRITE_CONFLICTS: &str = "mongodb_transaction_write_conflicts_total";

/// How long an operation outside any caller budget may keep retrying.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(5);

/// The first backoff's upper bound; each retry doubles it, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(4);
const MAX_BACKOFF: Duration = Duration::from_millis(200);
/// Time an attempt needs at least; a retry that would start with less left is not started.
const MIN_ATTEMPT: Duration = Duration::from_millis(20);

static ATTEMPTS: AtomicU64 = AtomicU64::new(0);
static RETRIES: AtomicU64 = AtomicU64::new(0);
static CONFLICTS: AtomicU64 = AtomicU64::new(0);

/// Totals of this process's exactly-once operations: read before and after a run to measure it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Transaction bodies run, first attempts included.
    pub attempts: u64,
    /// Bodies run again after a transient failure or a contended read.
    pub retries: u64,
    /// Write conflicts met.
    pub write_conflicts: u64,
}

/// The process totals so far.
pub fn counters() -> Counters {
    Counters {
        attempts: ATTEMPTS.load(Ordering::Relaxed),
        retries: RETRIES.load(Ordering::Relaxed),
        write_conflicts: CONFLICTS.load(Ordering::Relaxed),
    }
}

/// The budget allowed no further attempt: the transaction is aborted and the caller answered.
#[derive(Debug, Clone, Copy)]
pub struct OutOfBudget;

/// Why an operation stopped retrying within its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GaveUp {
    /// Its last attempts met write conflicts (concurrent requests on the same key or data):
    /// nothing was applied, and a retry with the same key may succeed.
    Conflicts,
    /// Its last attempt failed transiently (network, elections, time limits), this many in all.
    Transient {
        /// Attempts made.
        attempts: u32,
    },
}

/// The attempts of one operation so far.
#[derive(Debug)]
pub struct Attempts {
    count: u32,
    /// At most this many attempts in all, if set.
    max: Option<u32>,
    deadline: Instant,
    last_was_conflict: bool,
    /// Whether the last attempt's body finished, so the driver went on to commit it.
    committing: bool,
}

impl Default for Attempts {
    fn default() -> Self {
        Self::new()
    }
}

impl Attempts {
    /// No attempt yet; the budget is the caller's, else [`DEFAULT_BUDGET`].
    pub fn new() -> Self {
        Self::within(None, None)
    }

    /// No attempt yet; the budget is the caller's, else `budget` (else [`DEFAULT_BUDGET`]), and at
    /// most `max` attempts are started.
    pub fn within(budget: Option<Duration>, max: Option<u32>) -> Self {
        let fallback = budget.unwrap_or(DEFAULT_BUDGET);
        let deadline = budget::current().unwrap_or_else(|| Instant::now() + fallback);
        Self { count: 0, max, deadline, last_was_conflict: false, committing: false }
    }

    /// Starts an attempt and returns its number (from 1); before a retry, waits the backoff.
    ///
    /// # Errors
    /// An [`OutOfBudget`] payload when the budget cannot hold the backoff and one more attempt.
    pub async fn begin(&mut self) -> Result<u32> {
        let (attempt, pause) = self.start()?;
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
        Ok(attempt)
    }

    /// Starts an attempt without waiting: its number (from 1) and the backoff to wait before
    /// it, for callers that must not hold the attempts across the wait.
    ///
    /// # Errors
    /// As [`Attempts::begin`].
    pub fn start(&mut self) -> Result<(u32, Duration)> {
        let mut pause = Duration::ZERO;
        if self.max.is_some_and(|max| self.count >= max) {
            return Err(Error::custom(OutOfBudget));
        }
        if self.count > 0 {
            pause = backoff(self.count);
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left < pause + MIN_ATTEMPT {
                return Err(Error::custom(OutOfBudget));
            }
            RETRIES.fetch_add(1, Ordering::Relaxed);
        }
        self.count += 1;
        self.committing = false;
        ATTEMPTS.fetch_add(1, Ordering::Relaxed);
        Ok((self.count, pause))
    }

    /// Notes that an attempt's body finished: what fails from now on is the commit, whose
    /// failure may leave the transaction applied.
    pub fn body_done(&mut self) {
        self.committing = true;
    }

    /// Whether the last attempt failed in its commit rather than in its body.
    pub fn committing(&self) -> bool {
        self.committing
    }

    /// Whether the caller's time budget is spent.
    pub fn budget_spent(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Notes the failure of an attempt's body. A failure only because the budget ran out (a
    /// time-out) says nothing new about the cause: the earlier conflict, if any, stands.
    pub fn observe(&mut self, error: &Error) {
        if self.budget_spent() && !is_write_conflict(error) {
            return;
        }
        self.last_was_conflict = is_write_conflict(error);
        if self.last_was_conflict {
            count_conflict();
        }
    }

    /// Notes data that changed between the read and the write: a conflict too.
    pub fn contended(&mut self) {
        self.last_was_conflict = true;
        count_conflict();
    }

    /// Why the operation stops once the budget is spent: after conflicts, concurrent requests on
    /// the same key or data kept it from committing (nothing was applied; the client should retry
    /// with the same key); after other transient failures the deployment is unavailable.
    pub fn give_up(&self) -> GaveUp {
        if self.last_was_conflict { GaveUp::Conflicts } else { GaveUp::Transient { attempts: self.count } }
    }
}

fn count_conflict() {
    CONFLICTS.fetch_add(1, Ordering::Relaxed);
    counter!(WRITE_CONFLICTS, "profile" => crate::profiles::OperationClass::Critical.name()).increment(1);
}

/// The pause before retry number `retry` (from 1): uniformly random up to a bound that doubles
/// with each retry, from 4 ms to 200 ms.
pub fn backoff(retry: u32) -> Duration {
    let bound = FIRST_BACKOFF.saturating_mul(1 << retry.saturating_sub(1).min(16)).min(MAX_BACKOFF);
    let micros = u64::try_from(bound.as_micros()).unwrap_or(u64::MAX);
    Duration::from_micros(rand::rng().random_range(0..=micros))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_grows_with_retries_and_stays_under_its_cap() {
        for retry in 1..40 {
            let bound = FIRST_BACKOFF.saturating_mul(1 << (retry - 1).min(16)).min(MAX_BACKOFF);
            assert!(backoff(retry) <= bound, "retry {retry}");
        }
        assert!((0..50).any(|_| backoff(12) > FIRST_BACKOFF), "the bound never grew");
    }

    #[tokio::test]
    async fn a_retry_that_the_budget_cannot_hold_is_not_started() {
        let past = Instant::now().checked_sub(Duration::from_millis(1)).expect("the clock is past 1 ms");
        let mut attempts = budget::scope(past, async { Attempts::new() }).await;

        let first = attempts.begin().await.expect("the first attempt needs no budget");
        let second = attempts.begin().await;

        assert_eq!(first, 1);
        assert!(second.expect_err("no budget left").get_custom::<OutOfBudget>().is_some());
    }
}
