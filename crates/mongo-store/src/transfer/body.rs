//! The body of the transfer transaction. Every call carries `.session(..)`; every driver error is
//! returned as it is, so the convenient API can retry transient ones and abort on the rest.

use bson::doc;
use domain::transfer::Transfer;
use domain::wallet::LedgerEntry;
use domain::{Currency, LedgerEntryId, WalletId};
use futures::TryStreamExt as _;
use mongodb::ClientSession;
use mongodb::error::{Error, Result};
use mongodb::options::ReturnDocument;

use super::{Plan, Refusal};
use crate::documents::{AuditDoc, LedgerDoc, TransferDoc, WalletDoc, read_uuid, stored_uuid};
use crate::time_limit::{TimeLimited as _, within};

/// Claims the key, checks both wallets, moves the money, writes the ledger, the transfer, the
/// audit event and the stored response.
pub(super) async fn apply(session: &mut ClientSession, plan: &mut Plan) -> Result<Transfer> {
    let Plan { collections, profile, command, record, transfer, audit } = plan;
    let (from, to, amount) = (command.from(), command.to(), command.amount());

    within(profile, collections.idempotency.insert_one(&*record).session(&mut *session)).await?;

    let ids = [stored_uuid(from.as_uuid()), stored_uuid(to.as_uuid())];
    let wallets: Vec<WalletDoc> = within(profile, async {
        let mut cursor = collections
            .wallets
            .find(doc! { "_id": { "$in": ids.as_slice() } })
            .time_limited(profile)
            .session(&mut *session)
            .await?;
        cursor.stream(&mut *session).try_collect().await
    })
    .await?;
    for wallet in [from, to] {
        check_wallet(&wallets, wallet, amount.currency())?;
    }

    let debit = collections
        .wallets
        .find_one_and_update(
            doc! { "_id": stored_uuid(from.as_uuid()), "balance_minor": { "$gte": amount.minor() } },
            doc! { "$inc": { "balance_minor": -amount.minor(), "version": 1_i64 } },
        )
        .return_document(ReturnDocument::After)
        .time_limited(profile)
        .session(&mut *session);
    let debited = within(profile, debit).await?.ok_or_else(|| Error::custom(Refusal::InsufficientFunds(from)))?;

    let credit = collections
        .wallets
        .find_one_and_update(
            doc! { "_id": stored_uuid(to.as_uuid()) },
            doc! { "$inc": { "balance_minor": amount.minor(), "version": 1_i64 } },
        )
        .return_document(ReturnDocument::After)
        .time_limited(profile)
        .session(&mut *session);
    let credited = within(profile, credit).await?.ok_or_else(|| Error::custom(Refusal::UnknownWallet(to)))?;

    let entries = [
        entry(transfer, from, -amount.minor(), debited.balance_minor),
        entry(transfer, to, amount.minor(), credited.balance_minor),
    ];
    within(profile, collections.ledger.insert_many(entries.iter().map(LedgerDoc::from)).session(&mut *session)).await?;

    let stored = TransferDoc::from(&*transfer);
    within(profile, collections.transfers.insert_one(&stored).session(&mut *session)).await?;
    within(profile, collections.audit.insert_one(AuditDoc::from(&*audit)).session(&mut *session)).await?;

    let response = bson::serialize_to_document(&stored)?;
    let store_response = collections
        .idempotency
        .update_one(record.id_filter(), doc! { "$set": { "response": response } })
        .session(&mut *session);
    within(profile, store_response).await?;
    Ok(transfer.clone())
}

fn check_wallet(wallets: &[WalletDoc], id: WalletId, currency: Currency) -> Result<()> {
    let wallet = wallets
        .iter()
        .find(|w| read_uuid(&w.id) == id.as_uuid())
        .ok_or_else(|| Error::custom(Refusal::UnknownWallet(id)))?;
    match Currency::parse(&wallet.currency) {
        Ok(held) if held == currency => Ok(()),
        Ok(held) => Err(Error::custom(Refusal::CurrencyMismatch { wallet: id, wallet_currency: held })),
        Err(e) => Err(Error::custom(format!("stored wallet {id} is invalid: {e}"))),
    }
}

fn entry(transfer: &Transfer, wallet_id: WalletId, delta_minor: i64, balance_after_minor: i64) -> LedgerEntry {
    LedgerEntry {
        id: LedgerEntryId::new(),
        wallet_id,
        transfer_id: transfer.id,
        delta_minor,
        balance_after_minor,
        created_at: transfer.created_at,
    }
}
