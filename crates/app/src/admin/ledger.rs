//! `shop ledger verify` and `shop ledger repair`: every wallet's balance against its opening
//! balance plus its ledger entries.

use mongo_store::ledger_check::{CheckOptions, check};

use super::args::{LedgerArgs, LedgerCommand};

/// Runs `shop ledger`. `verify` fails (non-zero exit) when it finds drift, so a scheduled check
/// alerts; `repair` fails when a drift had to be left.
///
/// # Errors
/// No MongoDB configured or reachable, a database failure, drift found by `verify`, or drift
/// `repair` could not correct.
pub async fn run(args: LedgerArgs) -> anyhow::Result<()> {
    let store = super::connect("ledger", &args.mongo).await?;
    let repair = args.command == LedgerCommand::Repair;
    let options = CheckOptions { batch_size: args.batch, repair, actor: format!("ledger:{}", super::operator()) };
    let report = check(store.database(), store.profiles(), &options).await?;
    print!("{report}");
    match (repair, report.drifts.len(), report.left.len()) {
        (_, 0, _) => Ok(()),
        (false, drifts, _) => {
            anyhow::bail!("{drifts} wallet(s) drift from their ledger; `shop ledger repair` corrects them")
        }
        (true, _, 0) => Ok(()),
        (true, _, left) => anyhow::bail!("{left} drift(s) were left uncorrected; see above"),
    }
}
