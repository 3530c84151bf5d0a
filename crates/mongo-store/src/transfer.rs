//! Exactly-once transfers: one transaction (critical profile: snapshot reads, majority writes,
//! primary) run by the driver's convenient transaction API, which retries the whole body on
//! `TransientTransactionError` and the commit on `UnknownTransactionCommitResult`.
//!
//! The body claims the idempotency key first, by inserting its record; the key and the effects
//! commit together. A duplicate key fails the transaction (the error is returned, never
//! swallowed: the server has aborted it already), and only then, outside the transaction, is the
//! stored record read to replay, refuse a reused key, or report one in flight. Refusals found
//! inside the body (unknown wallet, currency mismatch, insufficient funds) travel out as a typed
//! [`Refusal`] payload of `mongodb::error::Error::custom`, which aborts the transaction.

mod body;
mod claim;

use domain::audit::{AuditAction, AuditEvent, AuditSubject};
use domain::transfer::{IdempotencyKey, RequestMeta, Transfer, TransferCommand, TransferOutcome};
use domain::{AuditEventId, Currency, Error, Timestamp, TransferError, WalletId};
use futures::FutureExt as _;

use crate::classify::{classify, is_duplicate_key};
use crate::collections::Collections;
use crate::documents::{IdempotencyDoc, IdempotencyId, SCHEMA_VERSION, stored_time};
use crate::profiles::{OperationClass, Profile};
use crate::store::{MongoStore, TRANSACTIONS_UNSUPPORTED};

/// The idempotency scope of transfers.
pub const SCOPE: &str = "transfer";

/// How long a transfer's idempotency record is kept: a client may retry for a day.
pub const KEY_LIFETIME_MILLIS: i64 = 24 * 60 * 60 * 1000;

/// A decision the body reached from the data: the transaction is aborted and the caller gets
/// the matching [`TransferError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A wallet does not exist.
    UnknownWallet(WalletId),
    /// A wallet holds another currency.
    CurrencyMismatch {
        /// The wallet.
        wallet: WalletId,
        /// Its currency.
        wallet_currency: Currency,
    },
    /// The source balance is below the amount.
    InsufficientFunds(WalletId),
}

impl Refusal {
    fn into_error(self, transfer_currency: Currency) -> TransferError {
        match self {
            Self::UnknownWallet(wallet) => TransferError::UnknownWallet(wallet),
            Self::CurrencyMismatch { wallet, wallet_currency } => {
                TransferError::CurrencyMismatch { wallet, wallet_currency, transfer_currency }
            }
            Self::InsufficientFunds(wallet) => TransferError::InsufficientFunds { wallet },
        }
    }
}

/// Everything the body writes, decided before the transaction starts so that every retry of the
/// body writes the same transfer.
pub(crate) struct Plan {
    collections: Collections,
    profile: Profile,
    command: TransferCommand,
    record: IdempotencyDoc,
    transfer: Transfer,
    audit: AuditEvent,
}

/// Applies `command` once per `key`; see `WalletRepository::transfer`.
pub(crate) async fn run(
    store: &MongoStore,
    command: TransferCommand,
    key: IdempotencyKey,
    meta: RequestMeta,
) -> Result<TransferOutcome, TransferError> {
    if !store.startup_report().transactions.is_supported() {
        return Err(TransferError::Store(Error::Unsupported(TRANSACTIONS_UNSUPPORTED.to_owned())));
    }
    let currency = command.amount().currency();
    let record_id = IdempotencyId::new(SCOPE, key.as_str());
    let fingerprint = command.fingerprint();
    // A claim can meet a record that expired but was not removed yet; after clearing it the
    // transfer is tried once more.
    for _ in 0..2 {
        let plan = plan(store, &command, &record_id, &fingerprint, &meta)?;
        let mut session = store.client().start_session().await.map_err(|e| TransferError::Store(classify(e)))?;
        let mut options = store.profile(OperationClass::Critical).transaction_options();
        // The commit may not outlast the caller's budget either.
        options.max_commit_time = options.max_commit_time.map(crate::deadline::cap);
        // The runner retries the body on transient errors: each call of the callback is an attempt.
        let mut attempts = 0_u32;
        let transaction = session.start_transaction().with_options(options).and_run(plan, |session, plan| {
            attempts += 1;
            crate::telemetry::record_transaction_attempt(OperationClass::Critical, attempts);
            body::apply(session, plan).boxed()
        });
        let outcome =
            crate::telemetry::in_class(OperationClass::Critical, crate::time_limit::within_budget(transaction)).await;
        let error = match outcome {
            Ok(transfer) => return Ok(TransferOutcome { transfer, replayed: false }),
            Err(error) => error,
        };
        if let Some(refusal) = error.get_custom::<Refusal>() {
            return Err(refusal.clone().into_error(currency));
        }
        // Every other insert of the body carries a fresh id, so a duplicate key is the claim.
        if !is_duplicate_key(&error) {
            return Err(TransferError::Store(classify(error)));
        }
        match claim::resolve(store, &record_id, &fingerprint).await? {
            claim::Resolution::Settled(outcome) => return outcome,
            claim::Resolution::Expired => continue,
        }
    }
    Err(TransferError::KeyInFlight)
}

fn plan(
    store: &MongoStore,
    command: &TransferCommand,
    record_id: &IdempotencyId,
    fingerprint: &str,
    meta: &RequestMeta,
) -> Result<Plan, TransferError> {
    let now = Timestamp::now();
    let transfer = command.into_transfer(now);
    let record = IdempotencyDoc {
        id: record_id.clone(),
        schema_version: SCHEMA_VERSION,
        fingerprint: fingerprint.to_owned(),
        response: None,
        created_at: stored_time(now),
        expires_at: stored_time(now.plus_millis(KEY_LIFETIME_MILLIS)),
    };
    let audit = audit_event(&transfer, meta, now)?;
    Ok(Plan {
        collections: store.collections().clone(),
        profile: store.profile(OperationClass::Critical).clone(),
        command: command.clone(),
        record,
        transfer,
        audit,
    })
}

/// The `transfer.completed` event: ids and amounts only, no owners.
fn audit_event(transfer: &Transfer, meta: &RequestMeta, now: Timestamp) -> Result<AuditEvent, TransferError> {
    let action = AuditAction::parse("transfer.completed").map_err(|e| TransferError::Store(e.into()))?;
    let details = [
        ("transfer_id", transfer.id.to_string()),
        ("from", transfer.from.to_string()),
        ("to", transfer.to.to_string()),
        ("amount_minor", transfer.amount_minor.to_string()),
        ("currency", transfer.currency.to_string()),
    ];
    Ok(AuditEvent {
        id: AuditEventId::new(),
        at: now,
        actor: if meta.actor.is_empty() { "anonymous".to_owned() } else { meta.actor.clone() },
        action,
        subject: AuditSubject::of("transfer", transfer.id),
        request_id: meta.request_id.clone(),
        details: details.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    })
}
