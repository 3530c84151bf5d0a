//! The business symptoms the HTTP layer sees (`shop_*`): what happened to each transfer and keyed
//! create, how old the feeds served are, and the audit events each successful change wrote.
//!
//! They are recorded from the handler's result, after the port answered, so they count what the
//! client was told; the stores' exactly-once code records nothing of them. Labels are bounded:
//! outcomes, reasons, resources and audit actions are closed sets, never ids.

use std::future::Future;

use domain::idempotency::Created;
use domain::transfer::TransferOutcome;
use domain::{Error, Timestamp, TransferError};
use metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};

/// Counter of transfers by `outcome` (`applied`, `replayed`, `refused`, `in_flight`,
/// `outcome_unknown`, `unavailable`, `failed`) and `reason` (why refused; `-` otherwise).
pub const TRANSFERS: &str = "shop_transfers_total";
/// Gauge of transfers the store is working on (asked, not yet answered).
pub const TRANSFERS_IN_PROGRESS: &str = "shop_transfers_in_progress";
/// Counter of keyed creates by `resource` (`wallet`, `product`, `session`) and `outcome`
/// (`created`, `replayed`, `key_reused`, `in_flight`, `outcome_unknown`, `unavailable`, `failed`).
pub const KEYED_CREATES: &str = "shop_keyed_creates_total";
/// Histogram of the age of each feed served, in seconds (since it was generated).
pub const FEED_AGE: &str = "shop_feed_age_seconds";
/// Counter of audit events written for successful changes: label `action`.
pub const AUDIT_EVENTS: &str = "shop_audit_events_total";

/// Buckets of [`FEED_AGE`], in seconds: a minute to two days, where a feed's staleness matters.
pub const FEED_AGE_BUCKETS: [f64; 10] =
    [60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 21_600.0, 43_200.0, 86_400.0, 172_800.0];

/// Why a transfer was refused: the `reason` label.
pub const REFUSALS: [&str; 6] =
    ["insufficient_funds", "currency_mismatch", "same_wallet", "invalid_amount", "unknown_wallet", "key_reused"];
/// Outcomes of a transfer other than `refused`.
const TRANSFER_OUTCOMES: [&str; 6] = ["applied", "replayed", "in_flight", "outcome_unknown", "unavailable", "failed"];
/// Outcomes of a keyed create.
const CREATE_OUTCOMES: [&str; 7] =
    ["created", "replayed", "key_reused", "in_flight", "outcome_unknown", "unavailable", "failed"];
/// Resources created with an `Idempotency-Key`.
const RESOURCES: [&str; 3] = ["wallet", "product", "session"];
/// Audit actions of the HTTP API's changes.
const AUDIT_ACTIONS: [&str; 7] = domain::audit::AuditAction::ALL;
/// The `reason` of an outcome that is not a refusal.
const NO_REASON: &str = "-";

/// Describes the series and starts every counter at zero, so each outcome shows from the first
/// scrape (a rate over a series that does not exist yet is no rate at all).
pub fn describe() {
    describe_counter!(TRANSFERS, "transfers by outcome, and by reason when refused");
    describe_gauge!(TRANSFERS_IN_PROGRESS, "transfers asked of the store and not yet answered");
    describe_counter!(KEYED_CREATES, "creates with an Idempotency-Key by resource and outcome");
    describe_histogram!(FEED_AGE, Unit::Seconds, "age of the feeds served, since they were generated");
    describe_counter!(AUDIT_EVENTS, "audit events written for successful changes, by action");
    for outcome in TRANSFER_OUTCOMES {
        counter!(TRANSFERS, "outcome" => outcome, "reason" => NO_REASON).absolute(0);
    }
    for reason in REFUSALS {
        counter!(TRANSFERS, "outcome" => "refused", "reason" => reason).absolute(0);
    }
    gauge!(TRANSFERS_IN_PROGRESS).set(0.0);
    for resource in RESOURCES {
        for outcome in CREATE_OUTCOMES {
            counter!(KEYED_CREATES, "resource" => resource, "outcome" => outcome).absolute(0);
        }
    }
    for action in AUDIT_ACTIONS {
        counter!(AUDIT_EVENTS, "action" => action).absolute(0);
    }
}

/// The `outcome` label of a store failure shared by transfers and keyed creates.
fn failure(error: &Error) -> &'static str {
    match error {
        Error::OutcomeUnknown(_) => "outcome_unknown",
        Error::Unavailable(_) => "unavailable",
        Error::KeyReused => "key_reused",
        Error::KeyInFlight => "in_flight",
        _ => "failed",
    }
}

fn transfer_labels(result: &Result<TransferOutcome, TransferError>) -> (&'static str, &'static str) {
    match result {
        Ok(outcome) if outcome.replayed => ("replayed", NO_REASON),
        Ok(_) => ("applied", NO_REASON),
        Err(TransferError::InsufficientFunds { .. }) => ("refused", "insufficient_funds"),
        Err(TransferError::CurrencyMismatch { .. }) => ("refused", "currency_mismatch"),
        Err(TransferError::SameWallet) => ("refused", "same_wallet"),
        Err(TransferError::InvalidAmount | TransferError::AmountTooLarge) => ("refused", "invalid_amount"),
        Err(TransferError::UnknownWallet(_)) => ("refused", "unknown_wallet"),
        Err(TransferError::KeyReused | TransferError::Store(Error::KeyReused)) => ("refused", "key_reused"),
        Err(TransferError::KeyInFlight) => ("in_flight", NO_REASON),
        Err(TransferError::Store(error)) => (failure(error), NO_REASON),
    }
}

/// Counts the transfer in progress until dropped; dropped unanswered (the request ran out of its
/// time budget while the store worked), the transfer's outcome is unknown to the client.
struct InProgress {
    answered: bool,
}

impl InProgress {
    fn start() -> Self {
        gauge!(TRANSFERS_IN_PROGRESS).increment(1.0);
        Self { answered: false }
    }
}

impl Drop for InProgress {
    fn drop(&mut self) {
        gauge!(TRANSFERS_IN_PROGRESS).decrement(1.0);
        if !self.answered {
            counter!(TRANSFERS, "outcome" => "outcome_unknown", "reason" => NO_REASON).increment(1);
        }
    }
}

/// Runs the store's `transfer` and counts its outcome (and its audit event, when it applied one).
pub(crate) async fn transfer(
    call: impl Future<Output = Result<TransferOutcome, TransferError>>,
) -> Result<TransferOutcome, TransferError> {
    let mut in_progress = InProgress::start();
    let result = call.await;
    in_progress.answered = true;
    let (outcome, reason) = transfer_labels(&result);
    counter!(TRANSFERS, "outcome" => outcome, "reason" => reason).increment(1);
    if outcome == "applied" {
        audited(domain::audit::AuditAction::TRANSFER_COMPLETED);
    }
    result
}

/// Runs a keyed create of `resource` and counts its outcome.
pub(crate) async fn keyed<T>(
    resource: &'static str,
    call: impl Future<Output = Result<Created<T>, Error>>,
) -> Result<Created<T>, Error> {
    let result = call.await;
    let outcome = match &result {
        Ok(created) if created.replayed => "replayed",
        Ok(_) => "created",
        Err(error) => failure(error),
    };
    counter!(KEYED_CREATES, "resource" => resource, "outcome" => outcome).increment(1);
    result
}

/// Records the age of a feed being served, generated at `generated_at`.
pub(crate) fn feed_served(generated_at: Timestamp) {
    let age_millis = Timestamp::now().as_millis().saturating_sub(generated_at.as_millis()).max(0);
    #[expect(clippy::cast_precision_loss, reason = "ages in milliseconds stay far below 2^53")]
    histogram!(FEED_AGE).record(age_millis as f64 / 1000.0);
}

/// Counts the audit event of a create that succeeded, unless it was a replay (which wrote none).
pub(crate) fn audited_unless_replayed(action: &'static str, replayed: bool) {
    if !replayed {
        audited(action);
    }
}

/// Counts the audit event of a change that succeeded and was not a replay: `action` is one of the
/// API's audit actions.
pub(crate) fn audited(action: &'static str) {
    counter!(AUDIT_EVENTS, "action" => action).increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transfer_refusal_is_labelled_by_its_reason_and_a_store_failure_by_its_outcome() {
        assert_eq!(transfer_labels(&Err(TransferError::SameWallet)), ("refused", "same_wallet"));
        assert_eq!(transfer_labels(&Err(TransferError::KeyInFlight)), ("in_flight", "-"));
        let unknown = Err(TransferError::Store(Error::OutcomeUnknown("commit".to_owned())));
        assert_eq!(transfer_labels(&unknown), ("outcome_unknown", "-"));
        let unavailable = Err(TransferError::Store(Error::Unavailable("down".to_owned())));
        assert_eq!(transfer_labels(&unavailable), ("unavailable", "-"));
    }
}
