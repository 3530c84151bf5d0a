//! Exactly-once operations: a client's idempotency key claimed in the same transaction as the
//! operation's writes, so the key and the effects commit together or not at all.
//!
//! The runner ([`Runner::run`]) claims the key optimistically: inside a transaction of the
//! critical class it inserts the key's record ([`KeyRecord`], holding the request's fingerprint
//! and the response to replay) and then the operation's own writes, as one ordered client
//! `bulkWrite` where the server has it (two round trips: the `bulkWrite` and the commit), else one
//! command each. A key already taken shows as a duplicate key on the claim, which aborts the
//! transaction; the record is then read outside it and judged by the caller's rule
//! ([`Judge`], [`standard_judge`] by default): the same request completed (a replay of its stored
//! response), the key reused by another request, a request still in flight, or an expired record,
//! removed so the next round claims the key again.
//!
//! Transient failures are retried by the driver's convenient transaction API, with a jittered
//! backoff, within the caller's time budget ([`crate::deadline`]); a failed commit may have been
//! applied, which the runner reports as [`Stop::Failed`] of a write so the caller can answer
//! "outcome unknown" and the client's retry with the same key finds the claim if it was.
//!
//! ```no_run
//! # async fn demo(client: mongodb::Client, database: mongodb::Database) -> mongodb::error::Result<()> {
//! use bson::{Document, doc};
//! use futures::FutureExt as _;
//! use mongo_kit::Profiles;
//! use mongo_kit::exactly_once::{KeyId, Operation, Runner, Writes, standard_judge};
//!
//! /// Records a payment: one insert after the claim.
//! struct Pay {
//!     payments: mongodb::Collection<Document>,
//!     payment: Document,
//! }
//!
//! impl Operation for Pay {
//!     fn writes(&self) -> mongodb::error::Result<Writes> {
//!         Ok(Writes::models(vec![self.payments.insert_one_model(&self.payment)?.into()]))
//!     }
//!
//!     fn write_one_by_one<'s>(
//!         &'s self,
//!         session: &'s mut mongodb::ClientSession,
//!     ) -> futures::future::BoxFuture<'s, mongodb::error::Result<()>> {
//!         async move { self.payments.insert_one(&self.payment).session(session).await.map(drop) }.boxed()
//!     }
//! }
//!
//! let profiles = Profiles::default();
//! let records = database.collection("idempotency_keys");
//! let runner = Runner::new(&client, records, &profiles);
//! let pay = Pay { payments: database.collection("payments"), payment: doc! { "amount_minor": 1250_i64 } };
//! let key = KeyId::new("payment", "7f0c2a5e-client-key");
//! let done = runner.run(&key, "sha256-of-the-request", doc! { "status": "paid" }, &pay, standard_judge).await;
//! # let _ = done;
//! # Ok(())
//! # }
//! ```
//!
//! # Layout
//! - `attempts`: the backoff, the budget and the conflict counters of one operation.

pub mod attempts;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bson::{DateTime, doc};
use futures::FutureExt as _;
use futures::future::BoxFuture;
use mongodb::error::{Error, Result as DriverResult};
use mongodb::options::WriteModel;
use mongodb::{Client, ClientSession, Collection};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use attempts::{Attempts, Counters, GaveUp, OutOfBudget, WRITE_CONFLICTS, counters};

use crate::classify::{Failure, classify, classify_write, failed_write_index, is_duplicate_key};
use crate::profiles::{OperationClass, Profile, Profiles};
use crate::time_limit::{TimeLimited as _, within};

/// The layout version of [`KeyRecord`].
pub const RECORD_SCHEMA_VERSION: i32 = 1;

/// How many times an operation starts a new transaction after its key was found held by an
/// expired record (or the caller saw contended data).
pub const ROUNDS: usize = 8;

/// The `_id` of a key's record: the operation's scope and the client's key. Field order matters
/// for equality on an embedded `_id`: always build it through [`KeyId::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyId {
    /// The operation the key belongs to (`payment`).
    pub scope: String,
    /// The client's key.
    pub key: String,
}

impl KeyId {
    /// The id of `key` in `scope`.
    pub fn new(scope: &str, key: &str) -> Self {
        Self { scope: scope.to_owned(), key: key.to_owned() }
    }

    /// The id as a BSON document, for filters.
    pub fn to_document(&self) -> bson::Document {
        doc! { "scope": &self.scope, "key": &self.key }
    }
}

/// A stored key: one document per (scope, key), claimed inside the transaction whose response it
/// stores. Give its collection a TTL index on `expires_at` (expire after 0 s).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyRecord<R> {
    /// Scope and key.
    #[serde(rename = "_id")]
    pub id: KeyId,
    /// Document layout version.
    pub schema_version: i32,
    /// The fingerprint (a digest) of the request that claimed the key.
    pub fingerprint: String,
    /// The stored response, set in the same transaction as the effects; absent while in flight.
    #[serde(default = "no_response", skip_serializing_if = "Option::is_none")]
    pub response: Option<R>,
    /// When claimed.
    pub created_at: DateTime,
    /// When the TTL monitor may remove it.
    pub expires_at: DateTime,
}

/// The default of a missing response, without asking `R` for a default of its own.
fn no_response<R>() -> Option<R> {
    None
}

impl<R> KeyRecord<R> {
    /// A fresh claim of `id` at `now` by a request with `fingerprint`, replaying `response`,
    /// kept for `lifetime`.
    pub fn claim(id: KeyId, fingerprint: &str, response: R, now: DateTime, lifetime: Duration) -> Self {
        let millis = i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX);
        Self {
            id,
            schema_version: RECORD_SCHEMA_VERSION,
            fingerprint: fingerprint.to_owned(),
            response: Some(response),
            created_at: now,
            expires_at: DateTime::from_millis(now.timestamp_millis().saturating_add(millis)),
        }
    }

    /// The filter selecting this record.
    pub fn id_filter(&self) -> bson::Document {
        doc! { "_id": self.id.to_document() }
    }
}

/// Why a taken key refuses a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Another request (another fingerprint) holds the key.
    Reused,
    /// The request that holds the key has not completed.
    InFlight,
}

/// What a taken key means for a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict<R> {
    /// The same request completed: its stored response.
    Replay(R),
    /// The key is held by another request, or by one in flight.
    Refused(Refusal),
    /// The record has expired: it is removed and the request applied.
    Free,
}

/// The caller's rule for a taken key: the record, the request's fingerprint, the current time.
/// A service whose domain owns this rule passes its own; [`standard_judge`] is the usual table.
pub type Judge<R, E> = fn(KeyRecord<R>, &str, DateTime) -> Result<Verdict<R>, E>;

/// The usual table: an expired record frees the key; another fingerprint is a reused key; a stored
/// response is replayed; no response yet is a request in flight.
///
/// # Errors
/// Never; the signature is [`Judge`]'s.
pub fn standard_judge<R>(record: KeyRecord<R>, fingerprint: &str, now: DateTime) -> Result<Verdict<R>, Refusal> {
    Ok(if record.expires_at <= now {
        Verdict::Free
    } else if record.fingerprint != fingerprint {
        Verdict::Refused(Refusal::Reused)
    } else if let Some(response) = record.response {
        Verdict::Replay(response)
    } else {
        Verdict::Refused(Refusal::InFlight)
    })
}

/// The writes an operation makes after the claim, for the client `bulkWrite` path.
#[derive(Debug)]
pub struct Writes {
    models: Vec<WriteModel>,
    /// How many documents the models must insert, match or upsert in all; fewer, without an
    /// error, is never committed.
    expected: Option<i64>,
}

impl Writes {
    /// These write models, sent after the claim in one ordered `bulkWrite`. Each model is
    /// expected to insert, match or upsert one document.
    pub fn models(models: Vec<WriteModel>) -> Self {
        let expected = i64::try_from(models.len()).ok();
        Self { models, expected }
    }

    /// These write models, where `expected` documents in all must be inserted, matched or
    /// upserted (`None`: any number).
    pub fn models_expecting(models: Vec<WriteModel>, expected: Option<i64>) -> Self {
        Self { models, expected }
    }
}

/// An operation run exactly once per key: its writes after the claim, both ways.
pub trait Operation: Send + Sync {
    /// The writes as models of one ordered client `bulkWrite` (servers with wire version 25 and
    /// up), sent after the claim.
    ///
    /// # Errors
    /// A model that cannot be built (a document that does not serialize).
    fn writes(&self) -> DriverResult<Writes>;

    /// The same writes one command each, in `session` (older servers).
    fn write_one_by_one<'s>(&'s self, session: &'s mut ClientSession) -> BoxFuture<'s, DriverResult<()>>;
}

/// What a run did.
#[derive(Debug, Clone, PartialEq)]
pub enum Done<R> {
    /// Applied now: the response stored with the claim.
    Fresh(R),
    /// Applied by an earlier request with the same key and fingerprint: its stored response.
    Replay(R),
}

/// Why a run stopped without an answer to replay.
#[derive(Debug)]
pub enum Stop<E> {
    /// The key is taken by another request, or by one in flight.
    Refused(Refusal),
    /// The operation's own writes met a unique index (the claim went through).
    Conflict,
    /// The budget ran out.
    GaveUp(GaveUp),
    /// The caller's judge failed.
    Judge(E),
    /// The classified failure. A failed commit is classified as a write
    /// ([`crate::classify::classify_write`]): the transaction may have been applied.
    Failed(Failure),
}

/// Runs exactly-once operations with one idempotency collection.
#[derive(Debug, Clone)]
pub struct Runner<'a, R: Send + Sync> {
    client: &'a Client,
    records: Collection<KeyRecord<R>>,
    profile: Profile,
    lifetime: Duration,
    client_bulk_write: bool,
}

impl<'a, R> Runner<'a, R>
where
    R: Serialize + DeserializeOwned + Clone + Send + Sync + Unpin,
{
    /// A runner with the critical class of `profiles`, keys kept for a day, and the client
    /// `bulkWrite` path.
    pub fn new(client: &'a Client, records: Collection<KeyRecord<R>>, profiles: &Profiles) -> Self {
        Self {
            client,
            records,
            profile: profiles.get(OperationClass::Critical).clone(),
            lifetime: Duration::from_secs(24 * 60 * 60),
            client_bulk_write: true,
        }
    }

    /// How long a key's record (and so a client's right to replay) is kept.
    #[must_use]
    pub fn key_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Whether the writes travel as one client `bulkWrite` (wire version 25 and up) or one
    /// command each.
    #[must_use]
    pub fn client_bulk_write(mut self, enabled: bool) -> Self {
        self.client_bulk_write = enabled;
        self
    }

    /// Runs `operation` once for `key`: claims it for a request with `fingerprint`, storing
    /// `response`, in the same transaction as the operation's writes. A taken key is judged by
    /// `judge`.
    ///
    /// # Errors
    /// See [`Stop`].
    pub async fn run<E>(
        &self,
        key: &KeyId,
        fingerprint: &str,
        response: R,
        operation: &dyn Operation,
        judge: Judge<R, E>,
    ) -> Result<Done<R>, Stop<E>> {
        let mut attempts = Attempts::new();
        for _ in 0..ROUNDS {
            let record = KeyRecord::claim(key.clone(), fingerprint, response.clone(), DateTime::now(), self.lifetime);
            let writes_failed = AtomicBool::new(false);
            let body = Body { runner: self, record: &record, operation, writes_failed: &writes_failed };
            let Err(error) = self.transaction(&body, &mut attempts).await else {
                return Ok(Done::Fresh(response));
            };
            if error.get_custom::<OutOfBudget>().is_some() {
                return Err(Stop::GaveUp(attempts.give_up()));
            }
            if !is_duplicate_key(&error) {
                return Err(Stop::Failed(if attempts.committing() { classify_write(error) } else { classify(error) }));
            }
            // The claim is the first write: a duplicate key anywhere after it is the operation's.
            if writes_failed.load(Ordering::Relaxed) || failed_write_index(&error).is_some_and(|index| index > 0) {
                return Err(Stop::Conflict);
            }
            match self.resolve(key, fingerprint, judge).await? {
                Verdict::Replay(stored) => return Ok(Done::Replay(stored)),
                Verdict::Refused(refusal) => return Err(Stop::Refused(refusal)),
                Verdict::Free => {}
            }
        }
        Err(Stop::Refused(Refusal::InFlight))
    }

    /// One transaction through the driver's convenient API, within the caller's budget.
    async fn transaction(&self, body: &Body<'_, R>, attempts: &mut Attempts) -> DriverResult<()> {
        let mut session = self.client.start_session().await?;
        let mut options = self.profile.transaction_options();
        // The commit may not outlast the caller's budget either.
        options.max_commit_time = options.max_commit_time.map(crate::deadline::cap);
        let class = self.profile.class();
        let mut context = attempts;
        let transaction =
            session.start_transaction().with_options(options).and_run(&mut context, |session, attempts| {
                async move {
                    let attempt = attempts.begin().await?;
                    crate::telemetry::record_transaction_attempt(class, attempt);
                    let outcome = body.apply(session).await;
                    match &outcome {
                        Ok(()) => attempts.body_done(),
                        Err(error) => attempts.observe(error),
                    }
                    outcome
                }
                .boxed()
            });
        crate::telemetry::in_class(class, crate::time_limit::within_budget(transaction)).await
    }

    async fn resolve<E>(&self, key: &KeyId, fingerprint: &str, judge: Judge<R, E>) -> Result<Verdict<R>, Stop<E>> {
        match resolve(&self.records, &self.profile, key, fingerprint, judge).await {
            Ok(Ok(verdict)) => Ok(verdict),
            Ok(Err(error)) => Err(Stop::Judge(error)),
            Err(failure) => Err(Stop::Failed(failure)),
        }
    }
}

/// Reads and judges the record of `key` after a claim met a duplicate key (majority read on the
/// primary through `profile`, so a committed claim is seen). An expired record is removed first,
/// only if it is still expired, since the TTL monitor (about once a minute) may not have yet. For
/// operations that claim keys their own way (a read before the claim, say) as [`Runner`] does.
///
/// # Errors
/// The outer error is the classified failure of the read or the removal; the inner one the
/// judge's.
pub async fn resolve<R, E>(
    records: &Collection<KeyRecord<R>>,
    profile: &Profile,
    key: &KeyId,
    fingerprint: &str,
    judge: Judge<R, E>,
) -> Result<Result<Verdict<R>, E>, Failure>
where
    R: DeserializeOwned + Send + Sync + Unpin,
{
    let find = records.find_one(doc! { "_id": key.to_document() }).time_limited(profile);
    let Some(record) = within(profile, find).await.map_err(classify)? else {
        // Removed between the failed claim and this read: the key is free again.
        return Ok(Ok(Verdict::Free));
    };
    let now = DateTime::now();
    let verdict = match judge(record, fingerprint, now) {
        Ok(verdict) => verdict,
        Err(error) => return Ok(Err(error)),
    };
    if matches!(verdict, Verdict::Free) {
        let clear = records.delete_one(doc! { "_id": key.to_document(), "expires_at": { "$lte": now } });
        within(profile, clear).await.map_err(classify)?;
    }
    Ok(Ok(verdict))
}

/// One attempt's writes: the claim, then the operation's.
struct Body<'b, R: Send + Sync> {
    runner: &'b Runner<'b, R>,
    record: &'b KeyRecord<R>,
    operation: &'b dyn Operation,
    /// Set when the operation's own writes failed (one command per write): what a `bulkWrite`
    /// tells by the failed operation's index.
    writes_failed: &'b AtomicBool,
}

impl<R: Serialize + Send + Sync> Body<'_, R> {
    async fn apply(&self, session: &mut ClientSession) -> DriverResult<()> {
        let runner = self.runner;
        let profile = &runner.profile;
        if runner.client_bulk_write {
            let Writes { models, expected } = self.operation.writes()?;
            let mut all: Vec<WriteModel> = Vec::with_capacity(models.len() + 1);
            all.push(runner.records.insert_one_model(self.record)?.into());
            all.extend(models);
            let bulk = runner.client.bulk_write(all).ordered(true).session(&mut *session);
            let result = within(profile, bulk).await?;
            let done = result.inserted_count + result.matched_count + result.upserted_count;
            if let Some(expected) = expected
                && done < expected + 1
            {
                // The server answered for fewer writes than were sent, without an error: never commit that.
                return Err(Error::custom(format!("bulkWrite applied {done} of {} writes", expected + 1)));
            }
            return Ok(());
        }
        within(profile, runner.records.insert_one(self.record).session(&mut *session)).await?;
        let written = self.operation.write_one_by_one(session).await;
        self.writes_failed.store(written.is_err(), Ordering::Relaxed);
        written
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(fingerprint: &str, response: Option<&str>, expires_in_ms: i64) -> KeyRecord<String> {
        let now = DateTime::now();
        KeyRecord {
            id: KeyId::new("payment", "k-1"),
            schema_version: RECORD_SCHEMA_VERSION,
            fingerprint: fingerprint.to_owned(),
            response: response.map(str::to_owned),
            created_at: now,
            expires_at: DateTime::from_millis(now.timestamp_millis() + expires_in_ms),
        }
    }

    #[test]
    fn the_standard_table_replays_refuses_and_frees() {
        let now = DateTime::now();
        assert_eq!(standard_judge(record("a", Some("ok"), 60_000), "a", now), Ok(Verdict::Replay("ok".to_owned())));
        assert_eq!(standard_judge(record("a", Some("ok"), 60_000), "b", now), Ok(Verdict::Refused(Refusal::Reused)));
        assert_eq!(standard_judge(record("a", None, 60_000), "a", now), Ok(Verdict::Refused(Refusal::InFlight)));
        assert_eq!(standard_judge(record("a", Some("ok"), -1), "b", now), Ok(Verdict::Free));
    }

    #[test]
    fn a_claim_expires_after_its_lifetime_and_its_id_keeps_scope_before_key() {
        let now = DateTime::from_millis(1_000);
        let claim = KeyRecord::claim(KeyId::new("payment", "k"), "f", 7, now, Duration::from_secs(2));

        assert_eq!(claim.expires_at, DateTime::from_millis(3_000));
        assert_eq!(claim.response, Some(7));
        let keys: Vec<_> = claim.id_filter().get_document("_id").expect("an _id").keys().cloned().collect();
        assert_eq!(keys, ["scope", "key"]);
    }

    #[test]
    fn a_stored_record_without_response_reads_back_as_in_flight() {
        let mut stored = bson::serialize_to_document(&record("a", None, 1)).expect("serializes");
        assert!(!stored.contains_key("response"));
        stored.insert("fingerprint", "a");
        let back: KeyRecord<String> = bson::deserialize_from_document(stored).expect("deserializes");
        assert_eq!(back.response, None);
    }
}
