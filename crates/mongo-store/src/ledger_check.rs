//! The ledger check: recomputes each wallet's balance from its ledger entries and reports any
//! drift; on request (and only then) corrects it, with an audit event per correction.
//!
//! A wallet's balance must equal its opening balance plus the sum of its ledger deltas. The
//! opening balance is not a ledger entry: wallets record it at creation
//! (`opening_balance_minor`); for wallets opened before that, it is derived from the first ledger
//! entry (balance after it minus its delta), and a wallet with neither cannot drift detectably.
//!
//! The scan reads wallets in `_id` order in batches, each batch joined with one aggregation over
//! the ledger, on the analytics profile (committed data, possibly from a secondary). Each drift
//! it suspects is confirmed on the primary (critical profile) before it is reported: the wallet
//! is read, its ledger summed, and the wallet read again, until its version holds still, so a
//! transfer committing during the scan is never reported as drift. A repair then sets the
//! balance with an update conditional on the balance and version it read: a concurrent transfer
//! is never overwritten (the wallet is left for the next run), and a second repair finds nothing.
//!
//! # Layout
//! - `sums`: the aggregation and the confirmation on the primary.
//! - `repair`: the conditional correction and its audit event.

mod repair;
pub(crate) mod sums;

pub use repair::AUDIT_ACTION;

use std::fmt;

use bson::doc;
use domain::WalletId;
use mongodb::Database;

use crate::collections::names;
use crate::documents::{WalletDoc, read_uuid};
use mongo_kit::classify::Failure;
use mongo_kit::profiles::{Classed, OperationClass, Profiles, Use};

/// The check's scan of every wallet: analytics class.
pub const SCAN: Use = Use::analytics(names::WALLETS).by("ledger check");
/// The check's ledger sums: analytics class.
pub const SUMS: Use = Use::analytics(names::LEDGER).by("ledger check");
/// A drift confirmed on the primary before it is reported or repaired: critical class.
pub const CONFIRM: Use = Use::critical(names::WALLETS).by("ledger check/repair");
/// The ledger sums of a confirmation: critical class.
pub const CONFIRM_SUMS: Use = Use::critical(names::LEDGER).by("ledger check/repair");
/// The audit event of a repair: critical class.
pub const REPAIR_AUDIT: Use = Use::critical(names::AUDIT).by("ledger repair");
/// Every handle the check opens.
pub const USES: [Use; 5] = [SCAN, SUMS, CONFIRM, CONFIRM_SUMS, REPAIR_AUDIT];

/// Where a wallet's opening balance came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OpeningSource {
    /// Recorded on the wallet at creation.
    Recorded,
    /// Derived from the first ledger entry (a wallet opened before openings were recorded).
    FirstEntry,
    /// Neither: the balance is taken as the opening balance, so no drift can be seen.
    Unknown,
}

/// A wallet whose balance differs from what its ledger says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Drift {
    /// The wallet.
    #[serde(serialize_with = "id_text")]
    pub wallet_id: WalletId,
    /// The balance stored on the wallet.
    pub stored_balance_minor: i64,
    /// The wallet's version when read.
    pub version: i64,
    /// The opening balance used.
    pub opening_balance_minor: i64,
    /// Where it came from.
    pub opening_source: OpeningSource,
    /// The sum of the wallet's ledger deltas.
    pub ledger_sum_minor: i64,
    /// How many ledger entries were summed.
    pub entries: u64,
}

impl Drift {
    /// The balance the ledger says: opening plus the sum of deltas.
    pub fn expected_balance_minor(&self) -> i64 {
        self.opening_balance_minor.saturating_add(self.ledger_sum_minor)
    }

    /// Stored minus expected.
    pub fn drift_minor(&self) -> i64 {
        self.stored_balance_minor.saturating_sub(self.expected_balance_minor())
    }
}

/// A wallet id as text (the domain's ids carry no serde).
fn id_text<S: serde::Serializer>(id: &WalletId, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(id)
}

/// What the check found (and, with repair, did).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LedgerReport {
    /// Wallets checked.
    pub wallets: u64,
    /// Wallets whose opening balance is unknown (no record, no entries).
    pub unknown_openings: u64,
    /// Confirmed drifts.
    pub drifts: Vec<Drift>,
    /// Drifts corrected (repair only).
    pub repaired: u64,
    /// Drifts left because the wallet changed under the repair, or because the ledger would make
    /// the balance negative (repair only): run again, or look at the wallet.
    pub left: Vec<String>,
}

impl fmt::Display for LedgerReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} wallets checked, {} with drift", self.wallets, self.drifts.len())?;
        for drift in &self.drifts {
            writeln!(
                f,
                "  wallet {}: stored {}, opening {} ({:?}) + ledger {} over {} entries = {}, drift {:+}",
                drift.wallet_id,
                drift.stored_balance_minor,
                drift.opening_balance_minor,
                drift.opening_source,
                drift.ledger_sum_minor,
                drift.entries,
                drift.expected_balance_minor(),
                drift.drift_minor()
            )?;
        }
        if self.unknown_openings > 0 {
            writeln!(f, "{} wallets have no recorded opening balance and no entries", self.unknown_openings)?;
        }
        if self.repaired > 0 || !self.left.is_empty() {
            writeln!(f, "{} repaired, {} left", self.repaired, self.left.len())?;
        }
        for left in &self.left {
            writeln!(f, "  left {left}")?;
        }
        Ok(())
    }
}

/// How to run the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOptions {
    /// Wallets per batch (at least 1).
    pub batch_size: u32,
    /// Correct confirmed drifts (with an audit event each) instead of only reporting them.
    pub repair: bool,
    /// Who runs it, recorded as the audit actor.
    pub actor: String,
}

/// Checks every wallet; repairs confirmed drifts when `options.repair` is set.
///
/// # Errors
/// The classified failure when the database fails (a partial repair stays correct: each
/// correction stands alone, and the next run continues with what is left).
pub async fn check(database: &Database, profiles: &Profiles, options: &CheckOptions) -> Result<LedgerReport, Failure> {
    let wallets = Classed::<WalletDoc>::open(database, profiles, SCAN);
    let run_id = uuid::Uuid::now_v7().to_string();
    let mut report = LedgerReport::default();
    let mut after = None;
    loop {
        let filter = after.map_or_else(|| doc! {}, |id| doc! { "_id": { "$gt": id } });
        let find = wallets.find(filter).sort(doc! { "_id": 1 }).limit(i64::from(options.batch_size.max(1)));
        let batch: Vec<WalletDoc> = wallets.read_all(find).await?;
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        report.wallets += batch.len() as u64;
        let sums = sums::ledger_sums(database, profiles, OperationClass::Analytics, &batch).await?;
        for wallet in &batch {
            let suspect = sums::compare(wallet, sums.get(&read_uuid(&wallet.id)));
            if suspect.opening_source == OpeningSource::Unknown {
                report.unknown_openings += 1;
            }
            if suspect.drift_minor() == 0 {
                continue;
            }
            let Some(drift) = sums::confirm(database, profiles, suspect.wallet_id).await? else { continue };
            if options.repair {
                match repair::correct(database, profiles, &drift, &options.actor, &run_id).await? {
                    Ok(()) => report.repaired += 1,
                    Err(reason) => report.left.push(format!("wallet {}: {reason}", drift.wallet_id)),
                }
            }
            report.drifts.push(drift);
        }
    }
    Ok(report)
}
