//! The keyed create: one transaction (critical profile: majority writes, snapshot reads, primary)
//! that claims the key in the idempotency collection, with the created document as the stored
//! response, and inserts the document. On servers with client-level `bulkWrite` both inserts go
//! as one ordered command, so a fresh create costs two round trips (the `bulkWrite` and the
//! commit); older servers get one insert each (three).
//!
//! The claim goes first: a retry of a completed create fails on the claim's duplicate key before
//! its document (whose unique sku, say, the first create already took) is tried, and the record
//! is then read outside the aborted transaction ([`super::resolve`]): a replay, a key reused, or
//! an expired record removed so the next round can claim the key. A duplicate key on the
//! document itself is the entity's own conflict. A failed commit may have been applied
//! ([`classify_write`]): the caller answers that the outcome is unknown, and the client's retry
//! with the same key finds the claim if it was.

use std::sync::atomic::{AtomicBool, Ordering};

use domain::idempotency::{Claim, Created, Record, Scope};
use domain::{Error, Timestamp};
use futures::FutureExt as _;
use mongodb::error::Result as DriverResult;
use mongodb::options::WriteModel;
use mongodb::{ClientSession, Collection};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{ROUNDS, Resolution, resolve};
use crate::classify::{classify, classify_write, failed_write_index, is_duplicate_key};
use crate::documents::{IdempotencyDoc, IdempotencyId};
use crate::probe::TransactionSupport;
use crate::profiles::OperationClass::Critical;
use crate::store::{MongoStore, TRANSACTIONS_UNSUPPORTED};
use crate::time_limit::within;
use crate::transfer::attempts::{Attempts, OutOfBudget};

/// A document to create under a claimed key, and the response stored with the claim (the
/// document itself, or more: a session's response also holds its token).
pub(crate) struct KeyedInsert<'a, D: Send + Sync, R> {
    /// The route's scope.
    pub(crate) scope: Scope,
    /// The key and the request's fingerprint.
    pub(crate) claim: &'a Claim,
    /// The collection the document goes to.
    pub(crate) target: &'a Collection<D>,
    /// The document.
    pub(crate) document: D,
    /// The response replays answer.
    pub(crate) response: R,
}

/// Creates `insert.document` once per key; see the keyed create methods of the ports.
///
/// # Errors
/// [`Error::KeyReused`], [`Error::KeyInFlight`] (also when concurrent claims of the key kept
/// conflicting until the budget ran out), [`Error::Conflict`] from `conflict` when the document
/// met a unique index, [`Error::OutcomeUnknown`] when the commit may have been applied,
/// [`Error::Unsupported`] without transactions, else the classified driver error.
pub(crate) async fn run<D, R>(
    store: &MongoStore,
    insert: KeyedInsert<'_, D, R>,
    conflict: impl Fn() -> String,
) -> Result<Created<R>, Error>
where
    D: Serialize + Send + Sync,
    R: Serialize + DeserializeOwned + Clone + Send + Sync + Unpin,
{
    if let TransactionSupport::Unsupported { reason } = &store.startup_report().transactions {
        return Err(Error::Unsupported(format!("{TRANSACTIONS_UNSUPPORTED} (start-up trial: {reason})")));
    }
    let id = IdempotencyId::new(insert.scope.as_str(), insert.claim.key.as_str());
    let records = store.collections().idempotency.clone_with_type::<IdempotencyDoc<R>>();
    let lifetime = store.transfer_settings().key_lifetime;
    let mut attempts = Attempts::new();
    for _ in 0..ROUNDS {
        let now = Timestamp::now();
        let claimed = Record::completed(insert.claim.fingerprint.clone(), insert.response.clone(), now, lifetime);
        let record = IdempotencyDoc::completed(id.clone(), claimed, now);
        let writes = Writes {
            store,
            records: &records,
            target: insert.target,
            document: &insert.document,
            record: &record,
            document_failed: AtomicBool::new(false),
        };
        let Err(error) = transaction(store, &writes, &mut attempts).await? else {
            return Ok(Created::fresh(insert.response));
        };
        if error.get_custom::<OutOfBudget>().is_some() {
            return Err(attempts.give_up_error());
        }
        if !is_duplicate_key(&error) {
            return Err(if attempts.committing() { classify_write(error) } else { classify(error) });
        }
        // The claim is the first write: a duplicate key anywhere after it is the document's.
        if writes.document_failed.load(Ordering::Relaxed) || failed_write_index(&error).is_some_and(|index| index > 0) {
            return Err(Error::Conflict(conflict()));
        }
        match resolve::<R>(store, &id, &insert.claim.fingerprint).await? {
            Resolution::Replay(document) => return Ok(Created::replay(document)),
            Resolution::Refused(key_conflict) => return Err(key_conflict.into()),
            Resolution::Free => {}
        }
    }
    Err(Error::KeyInFlight)
}

/// The two inserts of one attempt.
struct Writes<'a, D: Send + Sync, R: Send + Sync> {
    store: &'a MongoStore,
    records: &'a Collection<IdempotencyDoc<R>>,
    target: &'a Collection<D>,
    document: &'a D,
    record: &'a IdempotencyDoc<R>,
    /// Set when the document's own insert failed (one insert per write): what a `bulkWrite`
    /// tells by the failed operation's index.
    document_failed: AtomicBool,
}

/// Runs one transaction through the driver's convenient API (which retries the body on
/// `TransientTransactionError` and the commit on `UnknownTransactionCommitResult`), within the
/// caller's budget. The outer error is a failure to start a session.
async fn transaction<D, R>(
    store: &MongoStore,
    writes: &Writes<'_, D, R>,
    attempts: &mut Attempts,
) -> Result<DriverResult<()>, Error>
where
    D: Serialize + Send + Sync,
    R: Serialize + Send + Sync,
{
    let mut session = store.client().start_session().await.map_err(classify)?;
    let mut options = store.profile(Critical).transaction_options();
    // The commit may not outlast the caller's budget either.
    options.max_commit_time = options.max_commit_time.map(crate::deadline::cap);
    let mut context = attempts;
    let transaction = session.start_transaction().with_options(options).and_run(&mut context, |session, attempts| {
        async move {
            let attempt = attempts.begin().await?;
            crate::telemetry::record_transaction_attempt(Critical, attempt);
            let outcome = writes.apply(session).await;
            match &outcome {
                Ok(()) => attempts.body_done(),
                Err(error) => attempts.observe(error),
            }
            outcome
        }
        .boxed()
    });
    Ok(crate::telemetry::in_class(Critical, crate::time_limit::within_budget(transaction)).await)
}

impl<D: Serialize + Send + Sync, R: Serialize + Send + Sync> Writes<'_, D, R> {
    /// The claim, then the document: one ordered `bulkWrite`, or one insert each.
    async fn apply(&self, session: &mut ClientSession) -> DriverResult<()> {
        let (profile, document) = (self.store.profile(Critical), self.document);
        if self.store.transfer_settings().client_bulk_write {
            let models: Vec<WriteModel> = vec![
                self.records.insert_one_model(self.record)?.into(),
                self.target.insert_one_model(document)?.into(),
            ];
            let bulk = self.store.client().bulk_write(models).ordered(true).session(&mut *session);
            let result = within(profile, bulk).await?;
            if result.inserted_count != 2 {
                // The server answered for fewer writes than were sent, without an error: never commit that.
                return Err(mongodb::error::Error::custom(format!(
                    "bulkWrite inserted {} of 2",
                    result.inserted_count
                )));
            }
            return Ok(());
        }
        within(profile, self.records.insert_one(self.record).session(&mut *session)).await?;
        let inserted = within(profile, self.target.insert_one(document).session(&mut *session)).await;
        self.document_failed.store(inserted.is_err(), Ordering::Relaxed);
        inserted.map(|_| ())
    }
}
