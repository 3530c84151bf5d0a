//! Everything a transfer writes, decided before its transaction starts, so that every attempt of
//! the body writes the same transfer, and so that the stored response can travel with the claim.

use std::sync::atomic::{AtomicBool, Ordering};

use domain::audit::AuditEvent;
use domain::idempotency::Record;
use domain::transfer::{Balances, RequestMeta, Transfer, TransferCommand};
use domain::wallet::LedgerEntry;
use domain::{LedgerEntryId, Timestamp, TransferError};
use mongodb::Client;

use super::known::Known;
use crate::collections::Collections;
use crate::documents::{IdempotencyDoc, IdempotencyId, TransferDoc, stored_time};
use crate::store::MongoStore;
use mongo_kit::profiles::{OperationClass, Profile};

/// One transfer's transaction, planned.
pub(crate) struct Plan {
    pub(super) client: Client,
    pub(super) collections: Collections,
    pub(super) profile: Profile,
    /// One `bulkWrite` for the writes (else one command each).
    pub(super) client_bulk_write: bool,
    /// Whether the key's legacy record (written before keys had callers) is read too.
    pub(super) legacy_records: bool,
    pub(super) command: TransferCommand,
    /// The claim, with the response it answers replays with.
    pub(super) record: IdempotencyDoc,
    pub(super) transfer: Transfer,
    pub(super) audit: AuditEvent,
    /// The ids of the debit and credit entries.
    pub(super) ledger_ids: [LedgerEntryId; 2],
    /// When planned: records that expired by then no longer hold the key.
    pub(super) now: bson::DateTime,
    /// The wallets this store's transfers left behind; `None` where no guess may be made.
    pub(super) known: Option<Known>,
    /// Whether the guess was offered already: it is worth one attempt.
    pub(super) guessed: AtomicBool,
}

impl Plan {
    /// The debit and credit entries, with the balances after the transfer.
    pub(super) fn ledger_entries(&self, balances: Balances) -> [LedgerEntry; 2] {
        self.transfer.ledger_entries(balances, self.ledger_ids)
    }

    /// The remembered wallets ([`Known`]) when they hold both wallets of the transfer: offered to
    /// the first attempt only and only on the path of one command per write.
    pub(super) fn guessing(&self) -> Option<&Known> {
        if self.client_bulk_write || self.guessed.swap(true, Ordering::Relaxed) {
            return None;
        }
        self.known.as_ref().filter(|known| known.holds(self.command.from(), self.command.to()))
    }
}

/// What a plan needs of the store: its client, handles, critical profile and transfer settings.
pub(super) struct Context<'a> {
    pub(super) client: &'a Client,
    pub(super) collections: &'a Collections,
    pub(super) profile: &'a Profile,
    pub(super) settings: &'a super::Settings,
    /// The remembered wallets, when the plan may guess.
    pub(super) known: Option<&'a Known>,
}

impl<'a> Context<'a> {
    /// The context of a connected `store`.
    pub(super) fn of(store: &'a MongoStore) -> Self {
        Self {
            client: store.client(),
            collections: store.collections(),
            profile: store.profile(OperationClass::Critical),
            settings: store.transfer_settings(),
            known: Some(store.known_wallets()),
        }
    }
}

/// Plans `command` under `record_id` on `store`; `guess`: whether the remembered wallets may
/// save the read (not after a first round found the key taken).
pub(super) fn plan(
    store: &MongoStore,
    command: &TransferCommand,
    record_id: &IdempotencyId,
    fingerprint: &str,
    meta: &RequestMeta,
    guess: bool,
) -> Result<Plan, TransferError> {
    let mut context = Context::of(store);
    if !guess {
        context.known = None;
    }
    build(&context, command, record_id, fingerprint, meta)
}

/// Plans `command` under `record_id` in `context`.
pub(super) fn build(
    context: &Context<'_>,
    command: &TransferCommand,
    record_id: &IdempotencyId,
    fingerprint: &str,
    meta: &RequestMeta,
) -> Result<Plan, TransferError> {
    let now = Timestamp::now();
    let settings = context.settings;
    let transfer = command.into_transfer(now);
    let record = crate::documents::idempotency_completed(
        record_id.clone(),
        Record::completed(fingerprint.to_owned(), TransferDoc::from(&transfer), now, settings.key_lifetime),
        now,
    );
    let audit = transfer.completed_event(meta);
    Ok(Plan {
        client: context.client.clone(),
        collections: context.collections.clone(),
        profile: context.profile.clone(),
        client_bulk_write: settings.client_bulk_write,
        legacy_records: settings.legacy_records,
        command: command.clone(),
        record,
        transfer,
        audit,
        ledger_ids: [LedgerEntryId::new(), LedgerEntryId::new()],
        now: stored_time(now),
        known: context.known.cloned(),
        guessed: AtomicBool::new(false),
    })
}
