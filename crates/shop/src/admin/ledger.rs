//! `shop ledger verify` and `shop ledger repair`: every wallet's balance against its opening
//! balance plus its ledger entries.

use mongo_store::ledger_check::{CheckOptions, check};

use super::args::{LedgerArgs, LedgerCommand};
use crate::output::Finding;

/// Runs `shop ledger`. `verify` ends with a [`Finding`] (exit status 1) when it finds drift, so a
/// scheduled check alerts; `repair` when a drift had to be left.
///
/// # Errors
/// No MongoDB configured or reachable or a database failure; a [`Finding`] for drift found by
/// `verify`, or drift `repair` could not correct, after the report.
pub async fn run(args: LedgerArgs) -> anyhow::Result<()> {
    let store = super::connect("ledger", &args.mongo).await?;
    let repair = args.command == LedgerCommand::Repair;
    let options = CheckOptions { batch_size: args.batch, repair, actor: format!("ledger:{}", super::operator()) };
    let report = check(store.database(), store.profiles(), &options).await?;
    // A repair reports what it could not correct; a check, all it found.
    crate::metrics::jobs::ledger_drift(if repair { report.left.len() } else { report.drifts.len() });
    args.output.report(&report)?;
    match (repair, report.drifts.len(), report.left.len()) {
        (_, 0, _) => Ok(()),
        (false, drifts, _) => {
            Err(Finding(format!("{drifts} wallet(s) drift from their ledger; `shop ledger repair` corrects them"))
                .into())
        }
        (true, _, 0) => Ok(()),
        (true, _, left) => Err(Finding(format!("{left} drift(s) were left uncorrected; see the report")).into()),
    }
}
