//! Ledger sums per wallet: one aggregation per batch of wallets, and the confirmation of a
//! suspected drift on the primary.

use std::collections::HashMap;

use bson::{Bson, Document, doc};
use domain::WalletId;
use mongodb::Database;

use super::{Drift, OpeningSource};
use crate::documents::{WalletDoc, read_uuid, stored_uuid};
use mongo_kit::classify::Failure;
use mongo_kit::profiles::{Classed, OperationClass, Profiles};

/// How often a confirmation re-reads a wallet that keeps changing before giving up on it for
/// this run (it is busy, so a transfer is committing: not drift evidence either way).
const CONFIRM_ATTEMPTS: usize = 3;

/// One wallet's ledger, summed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Sum {
    total: i64,
    entries: u64,
    /// The first entry's balance after minus its delta: the balance before any transfer.
    before_first: Option<i64>,
}

/// The aggregation that sums the ledgers of the wallets `ids`: per wallet, the total of its
/// deltas, the number of entries, and its first entry. The index audit explains this same
/// pipeline.
pub(crate) fn pipeline(ids: Vec<Bson>) -> Vec<Document> {
    // Ledger ids are time-ordered, so the `$first` of each group after sorting by `_id` is the
    // wallet's first entry.
    vec![
        doc! { "$match": { "wallet_id": { "$in": ids } } },
        doc! { "$sort": { "_id": 1 } },
        doc! { "$group": {
            "_id": "$wallet_id",
            "total": { "$sum": "$delta_minor" },
            "entries": { "$sum": 1 },
            "first_delta": { "$first": "$delta_minor" },
            "first_after": { "$first": "$balance_after_minor" },
        } },
    ]
}

/// The ledger sums of `wallets`, keyed by wallet id; wallets without entries are absent.
pub(super) async fn ledger_sums(
    database: &Database,
    profiles: &Profiles,
    class: OperationClass,
    wallets: &[WalletDoc],
) -> Result<HashMap<uuid::Uuid, Sum>, Failure> {
    let used = if class == OperationClass::Analytics { super::SUMS } else { super::CONFIRM_SUMS };
    let ledger = Classed::<Document>::open(database, profiles, used);
    let ids: Vec<Bson> = wallets.iter().map(|w| Bson::from(w.id)).collect();
    let groups = ledger.aggregate_all(pipeline(ids), None).await?;
    let mut sums = HashMap::new();
    for group in groups {
        let Some(Bson::Binary(id)) = group.get("_id") else { continue };
        let Ok(id) = id.to_uuid() else { continue };
        let before_first = match (integer(group.get("first_after")), integer(group.get("first_delta"))) {
            (Some(after), Some(delta)) => Some(after.saturating_sub(delta)),
            _ => None,
        };
        let entries = integer(group.get("entries")).and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
        sums.insert(read_uuid(&id), Sum { total: integer(group.get("total")).unwrap_or(0), entries, before_first });
    }
    Ok(sums)
}

/// The wallet against its ledger.
pub(super) fn compare(wallet: &WalletDoc, sum: Option<&Sum>) -> Drift {
    let (opening, source) = match (wallet.opening_balance_minor, sum.and_then(|s| s.before_first)) {
        (Some(opening), _) => (opening, OpeningSource::Recorded),
        (None, Some(before_first)) => (before_first, OpeningSource::FirstEntry),
        (None, None) => (wallet.balance_minor, OpeningSource::Unknown),
    };
    Drift {
        wallet_id: WalletId::from_uuid(read_uuid(&wallet.id)),
        stored_balance_minor: wallet.balance_minor,
        version: wallet.version,
        opening_balance_minor: opening,
        opening_source: source,
        ledger_sum_minor: sum.map_or(0, |s| s.total),
        entries: sum.map_or(0, |s| s.entries),
    }
}

/// The drift of `wallet_id` as the primary sees it, if any: wallet, ledger sum, wallet again,
/// until the wallet's version held still across the sum.
pub(super) async fn confirm(
    database: &Database,
    profiles: &Profiles,
    wallet_id: WalletId,
) -> Result<Option<Drift>, Failure> {
    let wallets = Classed::<WalletDoc>::open(database, profiles, super::CONFIRM);
    let read = || wallets.read(wallets.find_one(doc! { "_id": stored_uuid(wallet_id.as_uuid()) }));
    for _ in 0..CONFIRM_ATTEMPTS {
        let Some(wallet) = read().await? else { return Ok(None) };
        let sums = ledger_sums(database, profiles, OperationClass::Critical, std::slice::from_ref(&wallet)).await?;
        let Some(again) = read().await? else { return Ok(None) };
        if again.version == wallet.version {
            let drift = compare(&wallet, sums.get(&wallet_id.as_uuid()));
            return Ok((drift.drift_minor() != 0).then_some(drift));
        }
    }
    tracing::info!(%wallet_id, "wallet kept changing during the ledger check; left for the next run");
    Ok(None)
}

/// An integer the server computed: Int32 or Int64 depending on its size.
fn integer(value: Option<&Bson>) -> Option<i64> {
    match value? {
        Bson::Int32(n) => Some(i64::from(*n)),
        Bson::Int64(n) => Some(*n),
        _ => None,
    }
}
