//! The keyed create on the kit's exactly-once runner ([`mongo_kit::exactly_once`]): one
//! transaction (critical profile: majority writes, snapshot reads, primary) that claims the key in
//! the idempotency collection (the key of this caller), with the created document as the stored
//! response, and inserts the document and its audit event. On servers with client-level `bulkWrite` both inserts go as one ordered command, so a
//! fresh create costs two round trips (the `bulkWrite` and the commit); older servers get one
//! insert each (three).
//!
//! The claim goes first: a retry of a completed create fails on the claim's duplicate key before
//! its document (whose unique sku, say, the first create already took) is tried, and the record
//! is then read outside the aborted transaction and judged by the domain's decision table
//! ([`super::kit_judge`]): a replay, a key reused, or an expired record removed so the next round
//! can claim the key. A duplicate key on the document itself is the entity's own conflict. A
//! failed commit may have been applied ([`mongo_kit::classify::classify_write`]): the caller
//! answers that the outcome is unknown, and the client's retry with the same key finds the claim
//! if it was.

use domain::Error;
use domain::audit::AuditEvent;
use domain::idempotency::{Claim, Created, Scope};
use domain::transfer::RequestMeta;
use futures::FutureExt as _;
use futures::future::BoxFuture;
use mongo_kit::exactly_once::{Done, Operation, Refusal, Runner, Stop, Writes};
use mongodb::ClientSession;
use mongodb::error::Result as DriverResult;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::classify::{DomainErrors, to_domain};
use crate::documents::{AuditDoc, IdempotencyId};
use crate::store::{MongoStore, TRANSACTIONS_UNSUPPORTED};
use mongo_kit::probe::TransactionSupport;
use mongo_kit::profiles::Classed;
use mongo_kit::profiles::OperationClass::Critical;
use mongo_kit::time_limit::within;

/// A document to create under a claimed key, with its audit event, and the response stored with
/// the claim (the document itself, or more: a session's response also holds its token).
pub(crate) struct KeyedInsert<'a, D: Send + Sync, R> {
    /// The route's scope.
    pub(crate) scope: Scope,
    /// The key and the request's fingerprint.
    pub(crate) claim: &'a Claim,
    /// The request: its caller owns the key, and its event names it.
    pub(crate) meta: &'a RequestMeta,
    /// The collection the document goes to.
    pub(crate) target: &'a Classed<D, DomainErrors>,
    /// The document.
    pub(crate) document: D,
    /// The creation's audit event, written in the same transaction.
    pub(crate) event: AuditEvent,
    /// The response replays answer.
    pub(crate) response: R,
}

/// Creates `insert.document` once per key through the kit's exactly-once runner, with the
/// domain's decision table judging a taken key; see the keyed create methods of the ports.
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
    D: Serialize + Send + Sync + 'static,
    R: Serialize + DeserializeOwned + Clone + Send + Sync + Unpin + 'static,
{
    if let TransactionSupport::Unsupported { reason } = &store.startup_report().transactions {
        return Err(Error::Unsupported(format!("{TRANSACTIONS_UNSUPPORTED} (start-up trial: {reason})")));
    }
    let id = IdempotencyId::new(insert.scope.as_str(), &insert.meta.principal, insert.claim.key.as_str());
    let settings = store.transfer_settings();
    let runner = Runner::new(
        store.client(),
        store.collections().idempotency.clone_with_type::<crate::documents::IdempotencyDoc<R>>(),
        store.profiles(),
    )
    .key_lifetime(settings.key_lifetime.as_duration())
    .client_bulk_write(settings.client_bulk_write)
    .legacy_records(settings.legacy_records);
    let event = AuditDoc::from(&insert.event);
    let operation = InsertOne { store: store.clone(), target: insert.target.clone(), document: insert.document, event };
    let done = runner.run(&id, &insert.claim.fingerprint, insert.response, operation, super::kit_judge).await;
    match done {
        Ok(Done::Fresh(response)) => Ok(Created::fresh(response)),
        Ok(Done::Replay(response)) => Ok(Created::replay(response)),
        Err(Stop::Declined(never)) => match never {},
        Err(Stop::Refused(Refusal::Reused)) => Err(Error::KeyReused),
        Err(Stop::Refused(Refusal::InFlight)) => Err(Error::KeyInFlight),
        Err(Stop::Conflict) => Err(Error::Conflict(conflict())),
        Err(Stop::GaveUp(why)) => Err(super::gave_up(why)),
        Err(Stop::Judge(error)) => Err(error),
        Err(Stop::Failed(failure)) => Err(to_domain(failure)),
    }
}

/// The created document's insert and its audit event's, after the claim (owned: the runner's
/// body may run several times and captures no references).
struct InsertOne<D: Send + Sync> {
    store: MongoStore,
    target: Classed<D, DomainErrors>,
    document: D,
    event: AuditDoc,
}

impl<D: Serialize + Send + Sync> Operation for InsertOne<D> {
    type Refusal = std::convert::Infallible;

    fn writes(&self) -> DriverResult<Writes> {
        let audit = &self.store.collections().audit;
        let models =
            vec![self.target.insert_one_model(&self.document)?.into(), audit.insert_one_model(&self.event)?.into()];
        Ok(Writes::models(models))
    }

    fn write_one_by_one<'s>(&'s self, session: &'s mut ClientSession) -> BoxFuture<'s, DriverResult<bool>> {
        async move {
            // The insert belongs to the critical transaction, so the critical class's limits apply,
            // not those of the target's handle; the runner reads the driver's error's labels.
            let critical = self.store.profile(Critical);
            within(critical, self.target.insert_one(&self.document).session(&mut *session)).await?;
            let audit = &self.store.collections().audit;
            within(critical, audit.insert_one(&self.event).session(session)).await.map(|_| true)
        }
        .boxed()
    }
}
