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
//! backoff, within the caller's time budget ([`budget`]); a failed commit may have been
//! applied, which the runner reports as [`Stop::Failed`] of a write so the caller can answer
//! "outcome unknown" and the client's retry with the same key finds the claim if it was.
//!
//! ```no_run
//! # async fn demo(client: mongodb::Client, database: mongodb::Database) -> mongodb::error::Result<()> {
//! use bson::{Document, doc};
//! use futures::FutureExt as _;
//! use mongo_kit::profiles::Profiles;
//! use mongo_kit::exactly_once::{KeyId, Operation, Runner, Writes, standard_judge};
//!
//! /// Records a payment: one insert after the claim.
//! struct Pay {
//!     payments: mongodb::Collection<Document>,
//!     payment: Document,
//! }
//!
//! impl Operation for Pay {
//!     type Refusal = std::convert::Infallible;
//!
//!     fn writes(&self) -> mongodb::error::Result<Writes> {
//!         Ok(Writes::models(vec![self.payments.insert_one_model(&self.payment)?.into()]))
//!     }
//!
//!     fn write_one_by_one<'s>(
//!         &'s self,
//!         session: &'s mut mongodb::ClientSession,
//!     ) -> futures::future::BoxFuture<'s, mongodb::error::Result<bool>> {
//!         async move { self.payments.insert_one(&self.payment).session(session).await.map(|_| true) }.boxed()
//!     }
//! }
//!
//! let profiles = Profiles::default();
//! let records = database.collection("idempotency_keys");
//! let runner = Runner::new(&client, records, &profiles);
//! let pay = Pay { payments: database.collection("payments"), payment: doc! { "amount_minor": 1250_i64 } };
//! // The key belongs to the caller that sent it (here the API key named "checkout").
//! let key = KeyId::new("payment", "checkout", "7f0c2a5e-client-key");
//! let done = runner.run(&key, "sha256-of-the-request", doc! { "status": "paid" }, pay, standard_judge).await;
//! # let _ = done;
//! # Ok(())
//! # }
//! ```
//!
//! # Layout
//! - `attempts`: the backoff, the budget and the conflict counters of one operation.

pub mod attempts;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bson::{DateTime, doc};
use futures::FutureExt as _;
use futures::future::BoxFuture;
use mongodb::error::Result as DriverResult;
use mongodb::options::WriteModel;
use mongodb::{Client, ClientSession, Collection};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use attempts::{Attempts, Counters, GaveUp, OutOfBudget, WRITE_CONFLICTS, counters};

/// How many times an operation starts a new transaction after its key was found held by an
/// expired record (or its data changed under it).
pub const ROUNDS: usize = crate::transaction::ROUNDS;

use crate::classify::{Failure, classify, classify_write, failed_write_index, is_duplicate_key};
use crate::profiles::{OperationClass, Profile, Profiles};
use crate::time_limit::{TimeLimited as _, within};
use crate::transaction::{Abort, Failed, Transaction};

/// The layout version of [`KeyRecord`]: 2 since keys belong to their caller (version 1 records
/// have no principal in their `_id`).
pub const RECORD_SCHEMA_VERSION: i32 = 2;

/// The `_id` of a key's record: the operation's scope, the caller that sent the key, and the key.
/// A key belongs to its caller: another caller sending the same key string gets a record of its
/// own, never the first caller's response. Field order matters for equality on an embedded
/// `_id`: always build it through [`KeyId::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyId {
    /// The operation the key belongs to (`payment`).
    pub scope: String,
    /// The authenticated caller (an API key's name, a user; empty for an anonymous caller).
    /// `None` only in records written before keys were bound to callers ([`KeyId::legacy`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// The client's key.
    pub key: String,
}

impl KeyId {
    /// The id of `key` sent by `principal` in `scope`.
    pub fn new(scope: &str, principal: &str, key: &str) -> Self {
        Self { scope: scope.to_owned(), principal: Some(principal.to_owned()), key: key.to_owned() }
    }

    /// The id this key had in records written before keys were bound to their caller
    /// (`{scope, key}`), which [`Runner::legacy_records`] still honours until they expire.
    pub fn legacy(&self) -> Self {
        Self { principal: None, ..self.clone() }
    }

    /// The id as a BSON document, for filters.
    pub fn to_document(&self) -> bson::Document {
        match &self.principal {
            Some(principal) => doc! { "scope": &self.scope, "principal": principal, "key": &self.key },
            None => doc! { "scope": &self.scope, "key": &self.key },
        }
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

/// An operation run exactly once per key: what it decides inside the transaction, and its writes
/// after the claim, both ways.
pub trait Operation: Send + Sync {
    /// The operation's own reason to refuse (sold out, say), returned typed by
    /// [`Runner::run`] as [`Stop::Declined`]; [`std::convert::Infallible`] when it never refuses.
    type Refusal: Send;

    /// Reads what the operation's decision needs in the transaction's snapshot, before any
    /// write, and decides: `Ok(Err(refusal))` aborts the transaction and leaves the key free
    /// (unless an earlier request holds it: then the key's record answers). Every driver error
    /// must be returned, never swallowed. By default there is nothing to read.
    fn decide<'s>(&'s self, session: &'s mut ClientSession) -> BoxFuture<'s, DriverResult<Result<(), Self::Refusal>>> {
        let _ = session;
        futures::future::ready(Ok(Ok(()))).boxed()
    }

    /// The writes as models of one ordered client `bulkWrite` (servers with wire version 25 and
    /// up), sent after the claim.
    ///
    /// # Errors
    /// A model that cannot be built (a document that does not serialize).
    fn writes(&self) -> DriverResult<Writes>;

    /// The same writes one command each, in `session` (older servers); `Ok(false)` when a write
    /// applied to fewer documents than expected (a conditional update matched nothing).
    fn write_one_by_one<'s>(&'s self, session: &'s mut ClientSession) -> BoxFuture<'s, DriverResult<bool>>;

    /// The refusal when the writes applied to fewer documents than expected, the key being free
    /// (a conditional update whose condition is the business rule: "only if 2 seats are left");
    /// `None` (the default) reruns the transaction, as for data that changed under it.
    fn refuse_short(&self) -> Option<Self::Refusal> {
        None
    }
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
pub enum Stop<E, D = std::convert::Infallible> {
    /// The operation refused, with the key free: nothing was written, and a request with the
    /// same key is judged afresh.
    Declined(D),
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

/// Runs exactly-once operations with one idempotency collection. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Runner<R: Send + Sync> {
    client: Client,
    records: Collection<KeyRecord<R>>,
    profile: Profile,
    lifetime: Duration,
    client_bulk_write: bool,
    legacy_records: bool,
}

/// Why a body stopped, inside the runner.
enum Halt<R, D> {
    /// The key's record, found where the operation refused: the key is judged, not the refusal.
    Taken(KeyRecord<R>),
    /// The operation refused, with the key free.
    Declined(D),
}

impl<R> Runner<R>
where
    R: Serialize + DeserializeOwned + Clone + Send + Sync + Unpin + 'static,
{
    /// A runner with the critical class of `profiles`, keys kept for a day, and the client
    /// `bulkWrite` path.
    pub fn new(client: &Client, records: Collection<KeyRecord<R>>, profiles: &Profiles) -> Self {
        Self {
            client: client.clone(),
            records,
            profile: profiles.get(OperationClass::Critical).clone(),
            lifetime: Duration::from_secs(24 * 60 * 60),
            client_bulk_write: true,
            legacy_records: false,
        }
    }

    /// Whether records written before keys were bound to their caller (`_id: {scope, key}`)
    /// may still hold keys: each run then also reads the key's legacy record in its transaction
    /// (one more round trip) and answers from it as such records always did, by fingerprint
    /// alone. Turn it on while such records live (at most one key lifetime after an upgrade).
    #[must_use]
    pub fn legacy_records(mut self, enabled: bool) -> Self {
        self.legacy_records = enabled;
        self
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
    /// `judge`. The operation may refuse ([`Operation::decide`], [`Operation::refuse_short`]):
    /// the transaction is aborted, the key stays free, and the refusal comes back as
    /// [`Stop::Declined`]; a refusal met while the key is held by an earlier request is not
    /// answered, the key's record is (a replay of a completed request, say).
    ///
    /// # Errors
    /// See [`Stop`].
    pub async fn run<E, O: Operation + 'static>(
        &self,
        key: &KeyId,
        fingerprint: &str,
        response: R,
        operation: O,
        judge: Judge<R, E>,
    ) -> Result<Done<R>, Stop<E, O::Refusal>> {
        let transaction = Transaction::new(&self.client, &self.profile);
        let operation = Arc::new(operation);
        for _ in 0..ROUNDS {
            let record = KeyRecord::claim(key.clone(), fingerprint, response.clone(), DateTime::now(), self.lifetime);
            let writes_failed = Arc::new(AtomicBool::new(false));
            // The body owns what it uses (see `Transaction::run`).
            let (runner, operation, failed) = (self.clone(), Arc::clone(&operation), Arc::clone(&writes_failed));
            let outcome =
                transaction.run(async move |session| runner.body(session, &record, &*operation, &failed).await).await;
            let writes_failed = writes_failed.load(Ordering::Relaxed);
            let error = match outcome {
                Ok(()) => return Ok(Done::Fresh(response)),
                Err(Failed::Stopped(Halt::Declined(refusal))) => return Err(Stop::Declined(refusal)),
                Err(Failed::Stopped(Halt::Taken(record))) => {
                    let id = record.id.clone();
                    match self.settle(&id, judge(record, fingerprint, DateTime::now())).await? {
                        Some(done) => return done,
                        None => continue,
                    }
                }
                Err(Failed::GaveUp(why)) => return Err(Stop::GaveUp(why)),
                Err(Failed::Error { error, committing }) => {
                    if committing || !is_duplicate_key(&error) {
                        return Err(Stop::Failed(if committing { classify_write(error) } else { classify(error) }));
                    }
                    error
                }
            };
            // The claim is the first write: a duplicate key anywhere after it is the operation's.
            if writes_failed || failed_write_index(&error).is_some_and(|index| index > 0) {
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

    /// One attempt: the operation's decision, then the claim and the operation's writes.
    async fn body<O: Operation>(
        &self,
        session: &mut ClientSession,
        record: &KeyRecord<R>,
        operation: &O,
        writes_failed: &AtomicBool,
    ) -> Result<(), Abort<Halt<R, O::Refusal>>> {
        let profile = &self.profile;
        if self.legacy_records {
            let legacy = doc! { "_id": record.id.legacy().to_document() };
            if let Some(taken) = within(profile, self.records.find_one(legacy).session(&mut *session)).await? {
                return Err(Abort::Stop(Halt::Taken(taken)));
            }
        }
        if let Err(refusal) = operation.decide(session).await? {
            // A refusal is only the answer while the key is free: a completed request with this
            // key (whose writes may be why the operation refuses now) is replayed instead.
            let find = self.records.find_one(record.id_filter()).session(&mut *session);
            return Err(Abort::Stop(match within(profile, find).await? {
                Some(taken) => Halt::Taken(taken),
                None => Halt::Declined(refusal),
            }));
        }
        let applied = if self.client_bulk_write {
            let Writes { models, expected } = operation.writes()?;
            let mut all: Vec<WriteModel> = Vec::with_capacity(models.len() + 1);
            all.push(self.records.insert_one_model(record)?.into());
            all.extend(models);
            let bulk = self.client.bulk_write(all).ordered(true).session(&mut *session);
            let result = within(profile, bulk).await?;
            let done = result.inserted_count + result.matched_count + result.upserted_count;
            // The claim, then every expected write.
            expected.is_none_or(|expected| done > expected)
        } else {
            within(profile, self.records.insert_one(record).session(&mut *session)).await?;
            let written = operation.write_one_by_one(session).await;
            writes_failed.store(written.is_err(), Ordering::Relaxed);
            written?
        };
        if applied {
            return Ok(());
        }
        // The claim went through (it comes first), so the key was free: a write that found its
        // condition false is the operation's refusal, or data that changed under the snapshot.
        match operation.refuse_short() {
            Some(refusal) => Err(Abort::Stop(Halt::Declined(refusal))),
            None => Err(Abort::Retry),
        }
    }

    /// The answer of a judged record; `None` when the key is free again (an expired record,
    /// removed if still expired) and the operation may be tried again.
    async fn settle<E, D>(
        &self,
        key: &KeyId,
        judged: Result<Verdict<R>, E>,
    ) -> Result<Option<Result<Done<R>, Stop<E, D>>>, Stop<E, D>> {
        Ok(Some(match judged {
            Ok(Verdict::Replay(stored)) => Ok(Done::Replay(stored)),
            Ok(Verdict::Refused(refusal)) => Err(Stop::Refused(refusal)),
            Err(error) => Err(Stop::Judge(error)),
            Ok(Verdict::Free) => {
                clear_expired(&self.records, &self.profile, key, DateTime::now()).await.map_err(Stop::Failed)?;
                return Ok(None);
            }
        }))
    }

    async fn resolve<E, D>(
        &self,
        key: &KeyId,
        fingerprint: &str,
        judge: Judge<R, E>,
    ) -> Result<Verdict<R>, Stop<E, D>> {
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
        clear_expired(records, profile, key, now).await?;
    }
    Ok(Ok(verdict))
}

/// Removes the record of `key` if it had expired by `now`.
async fn clear_expired<R: Send + Sync>(
    records: &Collection<KeyRecord<R>>,
    profile: &Profile,
    key: &KeyId,
    now: DateTime,
) -> Result<(), Failure> {
    let clear = records.delete_one(doc! { "_id": key.to_document(), "expires_at": { "$lte": now } });
    within(profile, clear).await.map(drop).map_err(classify)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(fingerprint: &str, response: Option<&str>, expires_in_ms: i64) -> KeyRecord<String> {
        let now = DateTime::now();
        KeyRecord {
            id: KeyId::new("payment", "caller", "k-1"),
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
        let claim = KeyRecord::claim(KeyId::new("payment", "svc", "k"), "f", 7, now, Duration::from_secs(2));

        assert_eq!(claim.expires_at, DateTime::from_millis(3_000));
        assert_eq!(claim.response, Some(7));
        let keys: Vec<_> = claim.id_filter().get_document("_id").expect("an _id").keys().cloned().collect();
        assert_eq!(keys, ["scope", "principal", "key"]);
        let legacy: Vec<_> = claim.id.legacy().to_document().keys().cloned().collect();
        assert_eq!(legacy, ["scope", "key"]);
    }

    #[test]
    fn a_record_written_before_keys_had_callers_reads_back_without_a_principal() {
        let stored = doc! {
            "_id": { "scope": "payment", "key": "k" }, "schema_version": 1, "fingerprint": "f",
            "response": "ok", "created_at": DateTime::now(), "expires_at": DateTime::now(),
        };
        let back: KeyRecord<String> = bson::deserialize_from_document(stored).expect("a version 1 record reads");
        assert_eq!(back.id, KeyId::new("payment", "", "k").legacy());
    }

    #[test]
    fn two_callers_with_the_same_key_string_have_two_records() {
        assert_ne!(KeyId::new("payment", "a", "k").to_document(), KeyId::new("payment", "b", "k").to_document());
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
