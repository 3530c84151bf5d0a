//! The start-up trial of the transfer transaction: the transfer's own commands, in the order a
//! transfer sends them, inside a transaction with the critical class's options that is then
//! aborted, so nothing stays behind. A server that refuses any part of the shape (a standalone
//! that runs no transactions, a stage refused inside transactions, a sharded `from` collection
//! in the read's `$lookup`, a write the server cannot join to a transaction) is found at start-up,
//! and transfers are refused with the step that failed, instead of failing the first customer.
//!
//! The trial moves one unit between two wallets that exist only inside the trial's transaction:
//! the read runs first (it finds neither wallet, so the lone read of the key's record runs too),
//! the two wallets are inserted, then every write of a transfer runs against them (the removal of
//! an expired record included), checked as a transfer checks them.

use domain::transfer::{Holding, IdempotencyKey, RequestMeta, TransferCommand};
use domain::{Currency, WalletId};
use mongodb::{Client, ClientSession};

use super::body::Writes;
use super::plan::{self, Context};
use super::{SCOPE, Settings, read, write_bulk, write_commands};
use crate::collections::Collections;
use crate::documents::{IdempotencyId, SCHEMA_VERSION, WalletDoc, stored_uuid};
use mongo_kit::probe::TransactionSupport;
use mongo_kit::profiles::{OperationClass, Profiles};
use mongo_kit::time_limit::within;

/// Runs the trial and reports whether transfers can run here, and if not, which step failed.
pub(crate) async fn run(
    client: &Client,
    collections: &Collections,
    profiles: &Profiles,
    settings: &Settings,
) -> TransactionSupport {
    match attempt(client, collections, profiles, settings).await {
        Ok(()) => TransactionSupport::Supported,
        Err(reason) => TransactionSupport::Unsupported { reason },
    }
}

async fn attempt(
    client: &Client,
    collections: &Collections,
    profiles: &Profiles,
    settings: &Settings,
) -> Result<(), String> {
    let profile = profiles.get(OperationClass::Critical);
    let context = Context { client, collections, profile, settings, known: None };
    let (from, to) = (WalletId::new(), WalletId::new());
    let currency = Currency::parse("XTS").map_err(|e| e.to_string())?;
    let command = TransferCommand::new(from, to, 1, currency).map_err(|e| e.to_string())?;
    let key = IdempotencyKey::parse(&format!("startup-trial-{}", uuid::Uuid::now_v7())).map_err(|e| e.to_string())?;
    let meta = RequestMeta::of_principal("startup-trial", "");
    let record_id = IdempotencyId::new(SCOPE, &meta.principal, key.as_str());
    let plan = plan::build(&context, &command, &record_id, &command.fingerprint(), &meta).map_err(|e| e.to_string())?;

    let mut session = client.start_session().await.map_err(|e| format!("starting a session failed: {e}"))?;
    session
        .start_transaction()
        .with_options(profile.transaction_options())
        .await
        .map_err(|e| format!("starting a transaction failed: {e}"))?;
    let outcome = steps(&mut session, &plan, collections).await;
    // Abort either way: the trial must leave nothing behind.
    let aborted = session.abort_transaction().await;
    outcome?;
    aborted.map_err(|e| format!("aborting the trial transaction failed: {e}"))
}

async fn steps(session: &mut ClientSession, plan: &plan::Plan, collections: &Collections) -> Result<(), String> {
    read::snapshot(session, plan).await.map_err(|e| {
        format!("the transfer's read (aggregate on wallets with a $lookup of the key's record) failed: {e}")
    })?;
    let wallet = |id: WalletId| WalletDoc {
        id: stored_uuid(id.as_uuid()),
        schema_version: SCHEMA_VERSION,
        owner: "startup-trial".to_owned(),
        currency: plan.command.amount().currency().as_str().to_owned(),
        balance_minor: plan.command.amount().minor(),
        version: 0,
        created_at: plan.now,
        opening_balance_minor: Some(plan.command.amount().minor()),
    };
    let (from, to) = (wallet(plan.command.from()), wallet(plan.command.to()));
    let insert = collections.wallets.insert_many([&from, &to]).session(&mut *session);
    within(&plan.profile, insert).await.map_err(|e| format!("inserting the trial's wallets failed: {e}"))?;
    let holding = |wallet: &WalletDoc, id| Holding {
        id,
        currency: plan.command.amount().currency(),
        balance_minor: wallet.balance_minor,
    };
    let balances = plan
        .command
        .decide(Some(holding(&from, plan.command.from())), Some(holding(&to, plan.command.to())))
        .map_err(|refusal| format!("the trial's own transfer was refused: {refusal:?}"))?;
    let writes = Writes { from, to, clear_expired: true, balances };
    let (applied, shape) = if plan.client_bulk_write {
        (write_bulk::apply(session, plan, &writes).await, "one client bulkWrite")
    } else {
        (write_commands::apply(session, plan, &writes).await, "one command per write")
    };
    match applied {
        Ok(true) => Ok(()),
        Ok(false) => Err(format!("the transfer's writes ({shape}) did not match the trial's wallets")),
        Err(e) => Err(format!("the transfer's writes ({shape}) failed: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trial_key_is_a_valid_idempotency_key() {
        let key = IdempotencyKey::parse(&format!("startup-trial-{}", uuid::Uuid::now_v7()));

        assert!(key.is_ok(), "{key:?}");
    }
}
