//! The one transaction runner: every operation of the kit and of its users that must commit all
//! of its writes or none (exactly-once operations, transfers, migration batches) runs its body
//! through [`Transaction::run`].
//!
//! It owns what each of them once wrote again: a session, the class's concerns, the driver's
//! convenient API (`and_run2`, which reruns the body on `TransientTransactionError` and the commit
//! on `UnknownTransactionCommitResult`), a jittered backoff before each rerun, the caller's time
//! budget ([`budget`]) bounding the whole run and capping the commit's `maxTimeMS`,
//! attempt counting, the body's own reasons to stop ([`Abort::Stop`], typed, never a string in a
//! driver error), and reruns when the body found its data changed ([`Abort::Retry`]).
//!
//! **No transaction outlives its caller.** The driver aborts a transaction when a session is
//! dropped in the `InProgress` state, but not when the first command of the transaction (the one
//! carrying `startTransaction`) or the commit is still in flight: the client has not yet marked
//! the transaction as started, or already marks it as committed, while the server holds it open
//! (with its locks) until `transactionLifetimeLimitSeconds`, 60 s by default. The same happens
//! when the first command's connection fails after the server received it and the driver
//! retries under a new transaction number. So the runner kills the session on the server
//! (`killSessions`, which aborts its open transaction and kills its operations: manual,
//! "killSessions"; the server's `jstests/core/txns/kill_sessions_kills_transaction.js`) whenever
//! a transaction may be left open: the run is dropped (the caller's budget ran out, or the caller
//! was cancelled) while a body or commit was in flight, or an attempt failed on the network. A
//! user may kill their own sessions without any privilege. A budget that ends during the commit
//! is reported with `committing: true`: the transaction may have been applied.
//!
//! ```no_run
//! # async fn demo(client: mongodb::Client, database: mongodb::Database) {
//! use bson::{Document, doc};
//! use mongo_kit::profiles::Profiles;
//! use mongo_kit::transaction::{Abort, Failed, Transaction};
//!
//! /// Why a seat reservation is refused.
//! #[derive(Debug)]
//! struct SoldOut;
//!
//! let profiles = Profiles::default();
//! let shows = database.collection::<Document>("shows");
//! let reserved = Transaction::new(&client, profiles.get(mongo_kit::profiles::OperationClass::Critical))
//!     .run(async |session| {
//!         let taken = shows
//!             .update_one(doc! { "_id": "show-1", "free": { "$gte": 2 } }, doc! { "$inc": { "free": -2 } })
//!             .session(session)
//!             .await?;
//!         if taken.matched_count == 0 {
//!             return Err(Abort::Stop(SoldOut));
//!         }
//!         Ok(())
//!     })
//!     .await;
//! match reserved {
//!     Ok(()) => println!("reserved"),
//!     Err(Failed::Stopped(SoldOut)) => println!("sold out"),
//!     Err(other) => println!("failed: {other:?}"),
//! }
//! # }
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bson::{Document, doc};
use mongodb::error::{Error, Result as DriverResult};
use mongodb::{Client, ClientSession};

use crate::classify::{Failure, classify, classify_write, is_network};
use crate::exactly_once::attempts::{Attempts, GaveUp, OutOfBudget};
use crate::profiles::Profile;

/// How many times a run starts a new transaction after its body asked for a rerun
/// ([`Abort::Retry`]); transient errors are rerun by the driver within the same run.
pub const ROUNDS: usize = 8;

/// How long the runner waits for `killSessions` when it ends a transaction left open by a failed
/// attempt before rerunning (a dropped run does not wait: the kill is spawned).
const KILL_LIMIT: Duration = Duration::from_secs(1);

/// Why a body ends its attempt without committing.
#[derive(Debug)]
pub enum Abort<S> {
    /// Stop the run: the transaction is aborted and the caller gets this reason back, typed.
    Stop(S),
    /// The body found its data changed under it (a conditional write matched nothing where the
    /// snapshot said it would): the transaction is aborted and run again after a backoff.
    Retry,
    /// A driver error, returned to the driver as it is (never swallowed: the server may have
    /// aborted the transaction already), which reruns transient ones.
    Driver(Error),
}

impl<S> From<Error> for Abort<S> {
    fn from(error: Error) -> Self {
        Self::Driver(error)
    }
}

/// Why a run ended without a commit.
#[derive(Debug)]
pub enum Failed<S> {
    /// The body stopped with this reason; nothing was applied.
    Stopped(S),
    /// The budget or the attempts allowed no further rerun; nothing was applied.
    GaveUp(GaveUp),
    /// The driver's error. `committing`: it happened in the commit, so the transaction may have
    /// been applied.
    Error {
        /// The error.
        error: Error,
        /// Whether the body had finished and the commit was under way.
        committing: bool,
    },
}

impl<S> Failed<S> {
    /// The driver error's classification, if this is one: a failure in the commit is classified
    /// as a write ([`classify_write`]: it may have been applied), one in the body as a read.
    pub fn failure(self) -> Result<Failure, Self> {
        match self {
            Self::Error { error, committing: true } => Ok(classify_write(error)),
            Self::Error { error, committing: false } => Ok(classify(error)),
            other => Err(other),
        }
    }
}

/// Marks the driver error that carries a body's stop out of `and_run2`; the reason itself stays
/// with the runner, typed.
#[derive(Debug, Clone, Copy)]
struct Stopped;

/// Marks the driver error that carries a body's rerun request out of `and_run2`.
#[derive(Debug, Clone, Copy)]
struct Rerun;

/// A transaction of one class, ready to run bodies.
#[derive(Debug, Clone)]
pub struct Transaction<'a> {
    client: &'a Client,
    profile: &'a Profile,
    commit_limit: Option<Duration>,
    budget: Option<Duration>,
    max_attempts: Option<u32>,
}

impl<'a> Transaction<'a> {
    /// A transaction with `profile`'s concerns, time limit for the commit, and the caller's budget
    /// (else [`crate::exactly_once::attempts::DEFAULT_BUDGET`]).
    pub fn new(client: &'a Client, profile: &'a Profile) -> Self {
        Self { client, profile, commit_limit: None, budget: None, max_attempts: None }
    }

    /// The commit's `maxTimeMS` before the caller's budget caps it (default: the profile's).
    #[must_use]
    pub fn commit_limit(mut self, limit: Duration) -> Self {
        self.commit_limit = Some(limit);
        self
    }

    /// The budget of a run outside any caller's budget (batch jobs, say).
    #[must_use]
    pub fn budget(mut self, budget: Duration) -> Self {
        self.budget = Some(budget);
        self
    }

    /// At most this many attempts of the body in all, within the budget.
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }

    /// Runs `body` in a transaction until it commits, stops, or the budget allows no rerun.
    ///
    /// `body` may run several times. It must capture owned values (clones, `Arc`s), not
    /// references: the driver's `and_run2` otherwise meets a compiler limitation (rust-lang/rust
    /// issue 96865: "implementation of `Send` is not general enough") as soon as the run is
    /// awaited where a `Send` future is needed, as in a web handler.
    ///
    /// # Errors
    /// See [`Failed`].
    pub async fn run<T, S, F>(&self, body: F) -> Result<T, Failed<S>>
    where
        T: Send,
        S: Send,
        F: AsyncFnMut(&mut ClientSession) -> Result<T, Abort<S>> + Send,
    {
        let attempts = Arc::new(Mutex::new(Attempts::within(self.budget, self.max_attempts)));
        let body = Arc::new(tokio::sync::Mutex::new(body));
        for _ in 0..ROUNDS {
            match self.round(Arc::clone(&body), Arc::clone(&attempts)).await {
                Round::Done(result) => return result,
                Round::Rerun => lock(&attempts).contended(),
            }
        }
        let gave_up = lock(&attempts).give_up();
        Err(Failed::GaveUp(gave_up))
    }

    async fn round<T, S, F>(&self, body: Arc<tokio::sync::Mutex<F>>, attempts: Arc<Mutex<Attempts>>) -> Round<T, S>
    where
        T: Send,
        S: Send,
        F: AsyncFnMut(&mut ClientSession) -> Result<T, Abort<S>> + Send,
    {
        let mut session = match self.client.start_session().await {
            Ok(session) => session,
            Err(error) => return Round::Done(Err(Failed::Error { error, committing: false })),
        };
        let mut options = self.profile.transaction_options();
        let limit = self.commit_limit.or(options.max_commit_time).unwrap_or(self.profile.time_limit());
        // The commit may not outlast the caller's budget either.
        options.max_commit_time = Some(budget::cap(limit));
        let class = self.profile.class();
        let guard = Arc::new(OpenGuard::new(self.client, session.id()));
        let stop: Arc<Mutex<Option<S>>> = Arc::new(Mutex::new(None));
        let rerun = Arc::new(AtomicBool::new(false));
        // Everything the callback touches is owned by it (see `run`).
        let (in_guard, in_attempts, in_stop, in_rerun) =
            (Arc::clone(&guard), Arc::clone(&attempts), Arc::clone(&stop), Arc::clone(&rerun));
        let client = self.client.clone();
        let run = session.start_transaction().with_options(options).and_run2(async move |session| {
            if in_guard.suspect.swap(false, Ordering::Relaxed) {
                // The last attempt failed on the network: the server may still hold it open.
                kill_within(&client, &in_guard.lsid, KILL_LIMIT).await;
            }
            let started = lock(&in_attempts).start();
            let (attempt, pause) = started?;
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
            crate::telemetry::record_transaction_attempt(class, attempt);
            in_guard.open.store(true, Ordering::Relaxed);
            let outcome = body.lock().await(session).await;
            match outcome {
                Ok(value) => {
                    lock(&in_attempts).body_done();
                    Ok(value)
                }
                Err(Abort::Stop(reason)) => {
                    *lock(&in_stop) = Some(reason);
                    Err(Error::custom(Stopped))
                }
                Err(Abort::Retry) => {
                    in_rerun.store(true, Ordering::Relaxed);
                    Err(Error::custom(Rerun))
                }
                Err(Abort::Driver(error)) => {
                    lock(&in_attempts).observe(&error);
                    if is_network(&error) {
                        in_guard.suspect.store(true, Ordering::Relaxed);
                    }
                    Err(error)
                }
            }
        });
        let outcome = crate::telemetry::in_class(class, within_deadline(run)).await;
        let committing = lock(&attempts).committing();
        // The driver committed or aborted (or the run was given up on: then the guard kills it).
        if !matches!(&outcome, Err(error) if is_deadline(error)) {
            if guard.suspect.swap(false, Ordering::Relaxed) || (outcome.is_err() && committing) {
                // A first command or a commit that failed on the network may have left it open.
                kill_within(self.client, &guard.lsid, KILL_LIMIT).await;
            }
            guard.open.store(false, Ordering::Relaxed);
        }
        drop(guard);
        let error = match outcome {
            Ok(value) => return Round::Done(Ok(value)),
            Err(error) => error,
        };
        if error.get_custom::<Stopped>().is_some()
            && let Some(reason) = lock(&stop).take()
        {
            return Round::Done(Err(Failed::Stopped(reason)));
        }
        if error.get_custom::<Rerun>().is_some() && rerun.load(Ordering::Relaxed) {
            return Round::Rerun;
        }
        let attempts = lock(&attempts);
        if error.get_custom::<OutOfBudget>().is_some() {
            return Round::Done(Err(Failed::GaveUp(attempts.give_up())));
        }
        // The budget ran out inside a body: nothing was applied, so it is a spent budget (after
        // conflicts: data still contended), whichever command noticed it first.
        if !committing && attempts.budget_spent() {
            return Round::Done(Err(Failed::GaveUp(attempts.give_up())));
        }
        Round::Done(Err(Failed::Error { error, committing }))
    }
}

/// `mutex`, whose holder never panics while holding it (plain counters and an option).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What one round of a run came to.
enum Round<T, S> {
    Done(Result<T, Failed<S>>),
    Rerun,
}

/// Kills the session on the server if the last reference to it is dropped while its transaction
/// may be open there (the runner holds one reference, the callback another: both go when the run
/// is dropped).
struct OpenGuard {
    client: Client,
    lsid: Document,
    /// Set while a body or the commit may be in flight.
    open: AtomicBool,
    /// Set when an attempt failed on the network, so its transaction may be open on the server.
    suspect: AtomicBool,
}

impl OpenGuard {
    fn new(client: &Client, lsid: &Document) -> Self {
        Self {
            client: client.clone(),
            lsid: lsid.clone(),
            open: AtomicBool::new(false),
            suspect: AtomicBool::new(false),
        }
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        if !self.open.load(Ordering::Relaxed) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let (client, lsid) = (self.client.clone(), self.lsid.clone());
        tracing::debug!("ending a transaction abandoned by its caller");
        runtime.spawn(async move { kill_within(&client, &lsid, KILL_LIMIT).await });
    }
}

/// Kills the session `lsid` on the server (aborting its open transaction), waiting at most
/// `limit`. A failure is logged and otherwise ignored: the server's transaction lifetime limit
/// remains the backstop.
async fn kill_within(client: &Client, lsid: &Document, limit: Duration) {
    let admin = client.database("admin");
    let kill = admin.run_command(doc! { "killSessions": [lsid.clone()] });
    match tokio::time::timeout(limit, kill).await {
        Ok(Ok(_)) => {}
        Ok(Err(error)) => tracing::warn!(%error, "could not end an abandoned transaction"),
        Err(_) => tracing::warn!("ending an abandoned transaction timed out"),
    }
}

fn is_deadline(error: &Error) -> bool {
    crate::time_limit::is_past_deadline(error)
}

/// Runs `run` until the caller's deadline, exactly (no grace: the caller answers at its deadline,
/// and the guard ends what was left open).
async fn within_deadline<T>(run: impl Future<Output = DriverResult<T>>) -> DriverResult<T> {
    match budget::remaining() {
        None => run.await,
        Some(left) => match tokio::time::timeout(left, run).await {
            Ok(result) => result,
            Err(_) => Err(crate::time_limit::past_deadline()),
        },
    }
}
