//! Exactly-once transfers: one transaction (critical profile: snapshot reads, majority writes,
//! primary) run by the driver's convenient transaction API, which retries the whole body on
//! `TransientTransactionError` and the commit on `UnknownTransactionCommitResult`.
//!
//! Everything the transaction writes is decided before it starts (`plan`): ids, times, and the
//! stored response, which travels with the claim of the key, since the key and the effects commit
//! together. The body then costs three round trips on servers with client-level `bulkWrite`:
//!
//! 1. one read returning both wallets and any record of the key (the key of this caller: a key
//!    belongs to the principal that sent it) (`aggregate` on wallets with a
//!    `$lookup` of the record: MongoDB allows `$lookup` in a transaction, not `$unionWith`); a
//!    live record ends the transaction (abort) and is answered from: replay, key reuse, in flight;
//! 2. one ordered `bulkWrite`: the claim, the conditional debit and credit, both ledger entries,
//!    the transfer and the audit event, checked through its per-operation results;
//! 3. the commit.
//!
//! Older servers get the same writes as one command per collection (`write_commands`: seven
//! round trips; six when the wallets' state is remembered, as this store opened or moved them,
//! and the read is skipped, see `known`). A claim that
//! meets a record the read did not see fails with a duplicate key; the error is returned, never
//! swallowed (the server has aborted the transaction already), and the record is read outside it.
//! The decision on the wallets read is the domain's (`TransferCommand::decide`, the same order of
//! checks as every store); its refusals (unknown wallet, currency mismatch, insufficient funds,
//! an overflowing credit) travel out as the domain's `Refusal`, typed, through the kit's
//! transaction runner ([`mongo_kit::transaction`]), which aborts the transaction, waits a
//! jittered, growing backoff before reruns, stops at the caller's time budget, and ends a
//! transaction its caller gave up on at once.
//!
//! Transfers run on the kit's transaction runner but not on its exactly-once runner (which claims
//! the key first, then writes): they read the wallets and the key's record in one round trip
//! before writing, so a replay costs two round trips and a fresh transfer three, and the
//! refusals (funds, currency) are decided on that read.

mod body;
mod claim;
mod known;
mod plan;
mod read;
mod trial;
mod write_bulk;
mod write_commands;

use domain::idempotency::KeyLifetime;
use domain::transfer::{IdempotencyKey, RequestMeta, TransferCommand, TransferOutcome};
use domain::{Error, TransferError};
use mongo_kit::transaction::{Failed, Transaction};

use body::Halt;
pub(crate) use known::Known;
pub(crate) use plan::Plan;
pub(crate) use trial::run as trial;

use crate::classify::{classify, classify_write};
use crate::config::MongoConfig;
use crate::documents::IdempotencyId;
use crate::store::{MongoStore, TRANSACTIONS_UNSUPPORTED};
use mongo_kit::classify::is_duplicate_key;
use mongo_kit::profiles::OperationClass;

/// The idempotency scope of transfers.
pub const SCOPE: &str = "transfer";

/// How transfers run on this store, fixed at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// How long idempotency records live.
    pub key_lifetime: KeyLifetime,
    /// Whether the writes go as one client-level `bulkWrite` (else one command each).
    pub client_bulk_write: bool,
    /// Whether start-up found idempotency records written before keys were bound to their
    /// caller: a key's legacy record is then read with its record, and honoured until it expires.
    pub legacy_records: bool,
}

impl Settings {
    /// The settings of `config` on a server speaking `max_wire_version`: one `bulkWrite` when
    /// the configuration allows it and the server speaks wire version 25 or newer.
    pub fn new(config: &MongoConfig, max_wire_version: Option<i32>) -> Self {
        let wire = max_wire_version.unwrap_or(0);
        Self {
            key_lifetime: config.key_lifetime,
            client_bulk_write: config.client_bulk_write && wire >= mongo_kit::probe::CLIENT_BULK_WRITE_WIRE_VERSION,
            legacy_records: false,
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
    if let mongo_kit::probe::TransactionSupport::Unsupported { reason } = &store.startup_report().transactions {
        let message = format!("{TRANSACTIONS_UNSUPPORTED} (start-up trial: {reason})");
        return Err(TransferError::Store(Error::Unsupported(message)));
    }
    let record_id = IdempotencyId::new(SCOPE, &meta.principal, key.as_str());
    let fingerprint = command.fingerprint();
    let transaction = Transaction::new(store.client(), store.profile(OperationClass::Critical));
    for round in 0..ROUNDS {
        // A key found taken by an expired record is cleared by the read: no guess after it.
        let plan = plan::plan(store, &command, &record_id, &fingerprint, &meta, round == 0)?;
        // The body owns its plan (see `mongo_kit::transaction::Transaction::run`).
        let error = match transaction.run(async move |session| body::apply(session, &plan).await).await {
            Ok(transfer) => return Ok(TransferOutcome { transfer, replayed: false }),
            Err(Failed::Stopped(Halt::Refused(refusal))) => return Err(refusal.into()),
            Err(Failed::Stopped(Halt::Taken(record))) => match claim::judge(*record, &fingerprint)? {
                Some(outcome) => return outcome,
                None => continue,
            },
            Err(Failed::GaveUp(why)) => return Err(crate::keyed::gave_up_transfer(why)),
            // Only the commit's failure may leave the transfer applied; a failure in the body
            // aborted the transaction.
            Err(Failed::Error { error, committing: true }) => return Err(TransferError::Store(classify_write(error))),
            Err(Failed::Error { error, committing: false }) => error,
        };
        // Every other insert of the body carries a fresh id, so a duplicate key is the claim,
        // taken by a request that committed after this transaction's snapshot.
        if !is_duplicate_key(&error) {
            return Err(TransferError::Store(classify(error)));
        }
        if let Some(outcome) = claim::resolve(store, &record_id, &fingerprint).await? {
            return outcome;
        }
    }
    Err(TransferError::KeyInFlight)
}
