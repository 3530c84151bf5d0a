//! Correcting one confirmed drift: a conditional update on the balance and version that were
//! read, then a `ledger.repaired` audit event with the figures before and after.

use bson::doc;
use domain::audit::{AuditAction, AuditEvent, AuditSubject};
use domain::{AuditEventId, Timestamp};
use mongodb::Database;

use super::Drift;
use crate::documents::{AuditDoc, WalletDoc, stored_uuid};
use mongo_kit::classify::Failure;
use mongo_kit::profiles::{Classed, Profiles};

/// The audit action of a correction.
pub const AUDIT_ACTION: &str = "ledger.repaired";

/// Sets the wallet's balance to what its ledger says, unless the wallet changed since `drift`
/// was read or the ledger would make it negative; the inner error says which.
pub(super) async fn correct(
    database: &Database,
    profiles: &Profiles,
    drift: &Drift,
    actor: &str,
    run_id: &str,
) -> Result<Result<(), String>, Failure> {
    let expected = drift.expected_balance_minor();
    if expected < 0 {
        return Ok(Err(format!("its ledger gives a negative balance ({expected}); not repaired, look at it")));
    }
    let wallets = Classed::<WalletDoc>::open(database, profiles, super::CONFIRM);
    let filter = doc! {
        "_id": stored_uuid(drift.wallet_id.as_uuid()),
        "balance_minor": drift.stored_balance_minor,
        "version": drift.version,
    };
    let update = doc! { "$set": { "balance_minor": expected }, "$inc": { "version": 1_i64 } };
    let updated = wallets.modify(wallets.find_one_and_update(filter, update)).await?;
    if updated.is_none() {
        return Ok(Err("it changed during the repair (a transfer?); run again".to_owned()));
    }
    let audit = Classed::<AuditDoc>::open(database, profiles, super::REPAIR_AUDIT);
    audit.write(audit.insert_one(AuditDoc::from(&event(drift, actor, run_id)))).await?;
    Ok(Ok(()))
}

fn event(drift: &Drift, actor: &str, run_id: &str) -> AuditEvent {
    let details = [
        ("stored_balance_minor", drift.stored_balance_minor.to_string()),
        ("opening_balance_minor", drift.opening_balance_minor.to_string()),
        ("opening_source", format!("{:?}", drift.opening_source)),
        ("ledger_sum_minor", drift.ledger_sum_minor.to_string()),
        ("ledger_entries", drift.entries.to_string()),
        ("corrected_balance_minor", drift.expected_balance_minor().to_string()),
        ("drift_minor", drift.drift_minor().to_string()),
        ("run_id", run_id.to_owned()),
    ];
    AuditEvent {
        id: AuditEventId::new(),
        at: Timestamp::now(),
        actor: actor.to_owned(),
        action: AuditAction::parse(AUDIT_ACTION).expect("ledger.repaired is a valid audit action"),
        subject: AuditSubject::of("wallet", drift.wallet_id),
        request_id: run_id.to_owned(),
        details: details.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    }
}
