//! Changes stored with their audit event: each runs in one transaction of the critical class (the
//! audit log is critical data) on the kit's transaction runner, so no change is committed without
//! its event and a failing event write fails the change. Where the server has client-level
//! `bulkWrite`, an insert and its event travel as one ordered `bulkWrite`, then the commit: two
//! round trips, as a keyed create costs.

use domain::Error;
use domain::audit::AuditEvent;
use mongo_kit::transaction::{Abort, Failed, Transaction};
use mongodb::ClientSession;
use mongodb::error::Result as DriverResult;
use serde::Serialize;

use crate::classify::{DomainErrors, classify, classify_write};
use crate::documents::AuditDoc;
use crate::store::MongoStore;
use mongo_kit::classify::is_duplicate_key;
use mongo_kit::profiles::Classed;
use mongo_kit::profiles::OperationClass::Critical;

/// Runs `body` in one transaction; a duplicate key in it is the change's conflict, described by
/// `conflict`.
///
/// # Errors
/// The body's own error, [`Error::Conflict`], [`Error::OutcomeUnknown`] when the commit may
/// have been applied, else the classified failure.
pub(crate) async fn run<T: Send>(
    store: &MongoStore,
    conflict: impl FnOnce() -> String,
    body: impl AsyncFnMut(&mut ClientSession) -> Result<T, Abort<Error>> + Send,
) -> Result<T, Error> {
    let transaction = Transaction::new(store.client(), store.profile(Critical));
    match transaction.run(body).await {
        Ok(value) => Ok(value),
        Err(Failed::Stopped(error)) => Err(error),
        Err(Failed::GaveUp(why)) => Err(crate::keyed::gave_up(why)),
        Err(Failed::Error { error, committing: true }) => Err(classify_write(error)),
        Err(Failed::Error { error, committing: false }) if is_duplicate_key(&error) => Err(Error::Conflict(conflict())),
        Err(Failed::Error { error, committing: false }) => Err(classify(error)),
    }
}

/// Inserts `document` into `target` and appends `event`, in `session`'s transaction: one ordered
/// `bulkWrite` where the server has it, else one insert each.
pub(crate) async fn insert<D: Serialize + Send + Sync>(
    store: &MongoStore,
    session: &mut ClientSession,
    target: &Classed<D, DomainErrors>,
    document: &D,
    event: &AuditEvent,
) -> DriverResult<()> {
    let audit = &store.collections().audit;
    let event = AuditDoc::from(event);
    if store.transfer_settings().client_bulk_write {
        let models: Vec<mongodb::options::WriteModel> =
            vec![target.insert_one_model(document)?.into(), audit.insert_one_model(&event)?.into()];
        target.run(store.client().bulk_write(models).ordered(true).session(session)).await?;
        return Ok(());
    }
    target.run(target.insert_one(document).session(&mut *session)).await?;
    audit.run(audit.insert_one(&event).session(session)).await.map(drop)
}

/// Appends `event` in `session`'s transaction, after the change it records.
pub(crate) async fn append(store: &MongoStore, session: &mut ClientSession, event: &AuditEvent) -> DriverResult<()> {
    let audit = &store.collections().audit;
    audit.run(audit.insert_one(AuditDoc::from(event)).session(session)).await.map(drop)
}

/// A domain error met inside a body (a stored document that does not decode): it stops the run.
pub(crate) fn stop(error: Error) -> Abort<Error> {
    Abort::Stop(error)
}
