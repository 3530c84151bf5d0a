//! Exactly-once transfers: one transaction (critical profile: snapshot reads, majority writes,
//! primary) run by the driver's convenient transaction API, which retries the whole body on
//! `TransientTransactionError` and the commit on `UnknownTransactionCommitResult`.
//!
//! Everything the transaction writes is decided before it starts (`plan`): ids, times, and the
//! stored response, which travels with the claim of the key, since the key and the effects commit
//! together. The body then costs three round trips on servers with client-level `bulkWrite`:
//!
//! 1. one read returning both wallets and any record of the key (`aggregate` on wallets with a
//!    `$lookup` of the record: MongoDB allows `$lookup` in a transaction, not `$unionWith`); a
//!    live record ends the transaction (abort) and is answered from: replay, key reuse, in flight;
//! 2. one ordered `bulkWrite`: the claim, the conditional debit and credit, both ledger entries,
//!    the transfer and the audit event, checked through its per-operation results;
//! 3. the commit.
//!
//! Older servers get the same writes as one command each (at most eight round trips). A claim that
//! meets a record the read did not see fails with a duplicate key; the error is returned, never
//! swallowed (the server has aborted the transaction already), and the record is read outside it.
//! The decision on the wallets read is the domain's (`TransferCommand::decide`, the same order of
//! checks as every store); its refusals (unknown wallet, currency mismatch, insufficient funds,
//! an overflowing credit) travel out as the domain's [`Refusal`], the payload of
//! `mongodb::error::Error::custom`, which aborts the transaction. Retries wait a jittered, growing
//! backoff and stop at the caller's time budget (the kit's [`mongo_kit::exactly_once::attempts`]).
//!
//! Transfers do not go through the kit's exactly-once runner (which claims the key first, then
//! writes): they read the wallets and the key's record in one round trip before writing, so a
//! replay costs two round trips and a fresh transfer three, and the refusals (funds, currency)
//! are decided on that read.

mod body;
mod claim;
mod plan;
mod read;
mod trial;
mod write_bulk;
mod write_commands;

use domain::idempotency::KeyLifetime;
use domain::transfer::{IdempotencyKey, Refusal, RequestMeta, TransferCommand, TransferOutcome};
use domain::{Error, TransferError};
use futures::FutureExt as _;

pub use mongo_kit::exactly_once::attempts::{self, Counters, WRITE_CONFLICTS, counters};
pub(crate) use plan::Plan;
pub(crate) use trial::run as trial;

use crate::classify::{classify, classify_write, is_duplicate_key};
use crate::config::MongoConfig;
use crate::documents::IdempotencyId;
use crate::profiles::OperationClass;
use crate::store::{MongoStore, TRANSACTIONS_UNSUPPORTED};

/// The idempotency scope of transfers.
pub const SCOPE: &str = "transfer";

/// The first wire version with client-level `bulkWrite` (MongoDB 8.0).
pub const CLIENT_BULK_WRITE_WIRE_VERSION: i32 = 25;

/// How transfers run on this store, fixed at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// How long idempotency records live.
    pub key_lifetime: KeyLifetime,
    /// Whether the writes go as one client-level `bulkWrite` (else one command each).
    pub client_bulk_write: bool,
}

impl Settings {
    /// The settings of `config` on a server speaking `max_wire_version`: one `bulkWrite` when
    /// the configuration allows it and the server speaks wire version 25 or newer.
    pub fn new(config: &MongoConfig, max_wire_version: Option<i32>) -> Self {
        let wire = max_wire_version.unwrap_or(0);
        Self {
            key_lifetime: config.key_lifetime,
            client_bulk_write: config.client_bulk_write && wire >= CLIENT_BULK_WRITE_WIRE_VERSION,
        }
    }
}

use crate::keyed::ROUNDS;

/// Applies `command` once per `key`; see `WalletRepository::transfer`.
pub(crate) async fn run(
    store: &MongoStore,
    command: TransferCommand,
    key: IdempotencyKey,
    meta: RequestMeta,
) -> Result<TransferOutcome, TransferError> {
    if let crate::probe::TransactionSupport::Unsupported { reason } = &store.startup_report().transactions {
        let message = format!("{TRANSACTIONS_UNSUPPORTED} (start-up trial: {reason})");
        return Err(TransferError::Store(Error::Unsupported(message)));
    }
    let record_id = IdempotencyId::new(SCOPE, key.as_str());
    let fingerprint = command.fingerprint();
    let mut attempts = attempts::Attempts::new();
    for _ in 0..ROUNDS {
        let plan = plan::plan(store, &command, &record_id, &fingerprint, &meta)?;
        let error = match transaction(store, plan, &mut attempts).await? {
            Ok(transfer) => return Ok(TransferOutcome { transfer, replayed: false }),
            Err(error) => error,
        };
        if let Some(refusal) = error.get_custom::<Refusal>() {
            return Err((*refusal).into());
        }
        if let Some(body::Taken(record)) = error.get_custom::<body::Taken>() {
            match claim::judge(record.clone(), &fingerprint)? {
                Some(outcome) => return outcome,
                None => continue,
            }
        }
        if error.get_custom::<attempts::OutOfBudget>().is_some() {
            return Err(crate::keyed::gave_up_transfer(attempts.give_up()));
        }
        if error.get_custom::<body::Contended>().is_some() {
            attempts.contended();
            continue;
        }
        // Every other insert of the body carries a fresh id, so a duplicate key is the claim,
        // taken by a request that committed after this transaction's snapshot.
        if !is_duplicate_key(&error) {
            // The budget ran out inside a body (nothing applied): answered as a spent budget, so
            // conflicts that outlast it still mean "in flight", whichever command timed out.
            if !attempts.committing() && attempts.budget_spent() {
                return Err(crate::keyed::gave_up_transfer(attempts.give_up()));
            }
            // Only the commit's failure may leave the transfer applied; a failure in the body
            // aborted the transaction.
            let classified = if attempts.committing() { classify_write(error) } else { classify(error) };
            return Err(TransferError::Store(classified));
        }
        if let Some(outcome) = claim::resolve(store, &record_id, &fingerprint).await? {
            return outcome;
        }
    }
    Err(TransferError::KeyInFlight)
}

/// Runs one transaction of `plan` through the convenient API. The outer error is a failure to
/// start; the inner result is the transaction's.
async fn transaction(
    store: &MongoStore,
    plan: Plan,
    attempts: &mut attempts::Attempts,
) -> Result<mongodb::error::Result<domain::transfer::Transfer>, TransferError> {
    let mut session = store.client().start_session().await.map_err(|e| TransferError::Store(classify(e)))?;
    let mut options = store.profile(OperationClass::Critical).transaction_options();
    // The commit may not outlast the caller's budget either.
    options.max_commit_time = options.max_commit_time.map(crate::deadline::cap);
    let mut context = (plan, attempts);
    let transaction = session.start_transaction().with_options(options).and_run(&mut context, |session, context| {
        let (plan, attempts) = &mut **context;
        async move {
            // Each call of the callback is an attempt; after the first, a backoff comes first.
            let attempt = attempts.begin().await?;
            crate::telemetry::record_transaction_attempt(OperationClass::Critical, attempt);
            let outcome = body::apply(session, plan).await;
            match &outcome {
                Ok(_) => attempts.body_done(),
                Err(error) => attempts.observe(error),
            }
            outcome
        }
        .boxed()
    });
    Ok(crate::telemetry::in_class(OperationClass::Critical, crate::time_limit::within_budget(transaction)).await)
}
