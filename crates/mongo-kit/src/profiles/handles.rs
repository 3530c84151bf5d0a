//! Collection handles that carry their class, and the declared uses the profile table is derived
//! from.
//!
//! A service declares each collection it opens once, as a [`Use`] (collection, class, who uses
//! it), and opens it as a [`Classed`] handle: the handle's concerns and read preference come from
//! the class's profile, and `Profiles::render_table` lists the same declarations in its "used by"
//! column, so that column cannot drift from the code.
//!
//! The handle runs operations, so no call site applies limits or classifies errors by hand:
//! - [`Classed::read`] and [`Classed::read_all`] send the class's time limit as `maxTimeMS`, bound
//!   the wait by a client-side deadline, both capped by the caller's budget, and classify a failure
//!   ([`crate::classify::classify`]);
//! - [`Classed::write`] (inserts, updates, deletes) bounds the wait the same way and classifies a
//!   failure as a write ([`crate::classify::classify_write`]: a lost reply leaves the outcome
//!   unknown); [`Classed::modify`] does both for find-and-modify commands;
//! - [`Classed::run`] applies the limits and keeps the driver's error, for operations inside a
//!   transaction whose runner must see the error's labels.
//!
//! A read that must see the caller's own writes runs in a causally consistent session:
//! [`Classed::causal_session`] and [`Classed::read_all_in`] (module `causal`).
//!
//! A failure comes back as the store's own error: the handle's [`Report`] maps the kit's verdict
//! ([`Failure`]) onto it, once per store (the default, [`AsFailure`], keeps the verdict).

mod causal;
mod declare;

use std::future::IntoFuture;
use std::marker::PhantomData;
use std::ops::Deref;

use futures::TryStreamExt as _;
use mongodb::action::Find;
use mongodb::bson::Document;
use mongodb::error::Result;
use mongodb::{ClientSession, Collection, Database};
use serde::de::DeserializeOwned;

use super::{OperationClass, Profile, Profiles};
use crate::classify::{Failure, classify, classify_write};
use crate::time_limit::TimeLimited;

/// How a store reports a failed operation: the kit decides what the failure means
/// ([`Failure`]); the store says which of its errors that is, in one place.
pub trait Report {
    /// The store's error.
    type Error;

    /// The store's error for `failure`.
    fn report(failure: Failure) -> Self::Error;
}

/// The default [`Report`]: failures stay the kit's verdict.
#[derive(Debug, Clone, Copy)]
pub struct AsFailure;

impl Report for AsFailure {
    type Error = Failure;

    fn report(failure: Failure) -> Failure {
        failure
    }
}

/// One declared use of a collection: which collection, with which class, by whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Use {
    /// The collection.
    pub collection: &'static str,
    /// The class its operations run with.
    pub class: OperationClass,
    /// The code that uses it, as the profile table shows it (`OrderBook::place`).
    pub by: &'static str,
}

impl Profiles {
    /// A handle on `name` in `database` whose operations inherit `class`'s write concern, read
    /// concern and read preference. Prefer [`Classed::open`], which also carries the class.
    pub fn collection<T: Send + Sync>(&self, database: &Database, name: &str, class: OperationClass) -> Collection<T> {
        database.collection_with_options(name, self.get(class).collection_options())
    }
}

/// A collection handle made with its class's profile, which it keeps: time limits, budgets and
/// error classification are applied by the handle (see the module documentation), not by each
/// call site. `R` says which error a failure is reported as.
#[derive(Debug)]
pub struct Classed<T: Send + Sync, R: Report = AsFailure> {
    collection: Collection<T>,
    profile: Profile,
    declared: Use,
    report: PhantomData<fn() -> R>,
}

impl<T: Send + Sync, R: Report> Clone for Classed<T, R> {
    fn clone(&self) -> Self {
        Self {
            collection: self.collection.clone(),
            profile: self.profile.clone(),
            declared: self.declared,
            report: PhantomData,
        }
    }
}

impl<T: Send + Sync, R: Report> Classed<T, R> {
    /// The handle `declared` describes, in `database`, with `profiles`' settings for its class.
    pub fn open(database: &Database, profiles: &Profiles, declared: Use) -> Self {
        Self {
            collection: profiles.collection(database, declared.collection, declared.class),
            profile: profiles.get(declared.class).clone(),
            declared,
            report: PhantomData,
        }
    }

    /// The profile of the handle's class.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The handle's class.
    pub fn class(&self) -> OperationClass {
        self.declared.class
    }

    /// The declaration it was opened from.
    pub fn declared(&self) -> Use {
        self.declared
    }

    /// The driver's handle.
    pub fn collection(&self) -> &Collection<T> {
        &self.collection
    }

    /// Runs `operation` under the class's client-side deadline, capped by the caller's budget
    /// (see [`crate::time_limit::within`]), and keeps the driver's error: for operations inside
    /// a transaction, whose runner reads the error's labels. Pair reads with
    /// [`TimeLimited::time_limited`] for the server-side limit.
    ///
    /// # Errors
    /// The operation's own error, or a timeout error past the deadline.
    pub async fn run<O>(&self, operation: impl IntoFuture<Output = Result<O>>) -> Result<O> {
        crate::time_limit::within(&self.profile, operation).await
    }

    /// Runs a read (`find_one`, `aggregate`, `count_documents`, ...) with the class's time limit
    /// on the server and the client-side deadline, both capped by the caller's budget.
    ///
    /// # Errors
    /// The classified failure, as the store's error.
    pub async fn read<A, O>(&self, read: A) -> std::result::Result<O, R::Error>
    where
        A: TimeLimited + IntoFuture<Output = Result<O>>,
    {
        self.run(read.time_limited(&self.profile)).await.map_err(|error| R::report(classify(error)))
    }

    /// Runs a `find` like [`Classed::read`] and collects every document of its cursor.
    ///
    /// # Errors
    /// The classified failure, as the store's error.
    pub async fn read_all(&self, find: Find<'_, T>) -> std::result::Result<Vec<T>, R::Error>
    where
        T: DeserializeOwned,
    {
        let find = find.time_limited(&self.profile);
        self.run(async { find.await?.try_collect().await }).await.map_err(|error| R::report(classify(error)))
    }

    /// Runs an aggregation like [`Classed::read`] and collects its documents; in `session` when
    /// one is given (a causally consistent read from a secondary sees the session's writes).
    ///
    /// # Errors
    /// The classified failure, as the store's error.
    pub async fn aggregate_all(
        &self,
        pipeline: impl IntoIterator<Item = Document>,
        session: Option<&mut ClientSession>,
    ) -> std::result::Result<Vec<Document>, R::Error> {
        let aggregate = self.collection.aggregate(pipeline).time_limited(&self.profile);
        let documents = self.run(async {
            match session {
                Some(session) => {
                    let mut cursor = aggregate.session(&mut *session).await?;
                    cursor.stream(session).try_collect().await
                }
                None => aggregate.await?.try_collect().await,
            }
        });
        documents.await.map_err(|error| R::report(classify(error)))
    }

    /// Runs a write (insert, update, replace, delete, bulk write) under the client-side deadline
    /// capped by the caller's budget (the driver sends no `maxTimeMS` for writes). A lost reply or
    /// a time-out after sending is reported as an unknown outcome.
    ///
    /// # Errors
    /// The classified failure, as the store's error.
    pub async fn write<O>(&self, write: impl IntoFuture<Output = Result<O>>) -> std::result::Result<O, R::Error> {
        self.run(write).await.map_err(|error| R::report(classify_write(error)))
    }

    /// Runs a find-and-modify command: the time limit of a read, the classification of a write.
    ///
    /// # Errors
    /// The classified failure, as the store's error.
    pub async fn modify<A, O>(&self, modify: A) -> std::result::Result<O, R::Error>
    where
        A: TimeLimited + IntoFuture<Output = Result<O>>,
    {
        self.run(modify.time_limited(&self.profile)).await.map_err(|error| R::report(classify_write(error)))
    }
}

impl<T: Send + Sync, R: Report> Deref for Classed<T, R> {
    type Target = Collection<T>;

    fn deref(&self) -> &Collection<T> {
        &self.collection
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use mongodb::Client;
    use mongodb::bson::doc;
    use mongodb::options::ClientOptions;
    use tokio::time::Instant;

    use super::*;

    /// A store's error of its own, to see the handle report through it.
    #[derive(Debug, PartialEq)]
    enum StoreError {
        Unavailable,
        UnknownOutcome,
        Other,
    }

    struct StoreErrors;

    impl Report for StoreErrors {
        type Error = StoreError;

        fn report(failure: Failure) -> StoreError {
            match failure {
                Failure::Unavailable(_) => StoreError::Unavailable,
                Failure::OutcomeUnknown(_) => StoreError::UnknownOutcome,
                _ => StoreError::Other,
            }
        }
    }

    const USE: Use = Use::standard("things").by("the handle's tests");

    /// A handle on a client that never connects: nothing listens on port 9, and an operation
    /// started after the budget is spent never tries.
    async fn handle() -> Classed<Document, StoreErrors> {
        let options = ClientOptions::parse("mongodb://127.0.0.1:9").await.expect("a valid URI");
        let client = Client::with_options(options).expect("a lazy client");
        Classed::open(&client.database("kit_tests"), &Profiles::default(), USE)
    }

    fn spent() -> Instant {
        Instant::now().checked_sub(Duration::from_millis(5)).expect("the clock is past 5 ms")
    }

    #[tokio::test]
    async fn a_read_after_the_budget_fails_unsent_and_is_reported_as_the_stores_error() {
        let things = handle().await;

        let read = budget::scope(spent(), things.read(things.find_one(doc! {}))).await;

        assert_eq!(read.err(), Some(StoreError::Unavailable));
    }

    #[tokio::test]
    async fn a_write_never_sent_is_unavailable_not_an_unknown_outcome() {
        let things = handle().await;

        let write = budget::scope(spent(), things.write(things.insert_one(doc! { "n": 1 }))).await;

        assert_eq!(write.err(), Some(StoreError::Unavailable));
    }

    #[tokio::test]
    async fn the_handle_keeps_its_declaration_and_its_class_profile() {
        let things = handle().await;

        assert_eq!(things.declared(), USE);
        assert_eq!(things.class(), OperationClass::Standard);
        assert_eq!(things.profile().class(), OperationClass::Standard);
        assert_eq!(things.name(), "things");
    }
}
