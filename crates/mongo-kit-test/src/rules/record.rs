//! Where violations go besides the error reply: stderr, a process-wide list that the test's
//! teardown asserts empty ([`assert_clean`]), and a line in the file named by
//! [`RULES_LOG_VAR`] (a CI job prints it and fails on any line). The reply alone is not enough:
//! code that swallows the error, or a probe that falls back, would let the test pass.

use std::io::Write as _;
use std::sync::{Mutex, PoisonError};

use super::violation::Violation;

/// The environment variable naming a file each violation is appended to as a line
/// (`RULES <test>: <message>`), for a CI job to print and fail on.
pub const RULES_LOG_VAR: &str = "MONGO_KIT_TEST_RULES_LOG";

/// The violations of this process not yet asserted on.
static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Records `violation`: stderr, the process-wide list and the log file.
pub(crate) fn record(violation: &Violation) {
    let line = format!("RULES {}: {}", test_name(), violation.message());
    eprintln!("{line}");
    if let Ok(path) = std::env::var(RULES_LOG_VAR) {
        let file = std::fs::OpenOptions::new().create(true).append(true).open(&path);
        if let Ok(mut file) = file {
            // One write per line keeps lines of concurrent test processes whole.
            let _ = file.write_all(format!("{line}\n").as_bytes());
        }
    }
    SEEN.lock().unwrap_or_else(PoisonError::into_inner).push(violation.message());
}

/// Fails the calling test if any command sent so far (through any gate of this process) broke
/// a rule, naming each; clears the list so one violation fails one teardown. Call it at the end
/// of every test that used the server ([`TestDatabase::finish`](crate::database::TestDatabase::finish)
/// does). Under nextest each test is a process of its own, so the list is the test's; under
/// `cargo test`, tests running at the same time share it.
///
/// # Panics
/// When there were violations.
pub fn assert_clean() {
    let seen = std::mem::take(&mut *SEEN.lock().unwrap_or_else(PoisonError::into_inner));
    assert!(
        seen.is_empty(),
        "{} command(s) sent by this test break MongoDB 8.0's rules (the test server may have accepted them):\n  {}",
        seen.len(),
        seen.join("\n  ")
    );
}

/// The test this process runs. Nextest runs each test in a process of its own and names it as
/// the argument after `--exact`; otherwise the first argument that is not an option (a filter).
pub fn test_name() -> String {
    name_from(std::env::args().skip(1))
}

fn name_from(args: impl Iterator<Item = String>) -> String {
    let args: Vec<String> = args.collect();
    let exact = args.iter().position(|arg| arg == "--exact").and_then(|at| args.get(at + 1));
    exact
        .or_else(|| args.iter().find(|arg| !arg.starts_with('-')))
        .cloned()
        .unwrap_or_else(|| "(test not named: run under nextest)".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> impl Iterator<Item = String> {
        list.iter().map(|arg| (*arg).to_owned()).collect::<Vec<_>>().into_iter()
    }

    #[test]
    fn the_test_name_is_the_argument_after_exact_or_the_filter() {
        assert_eq!(
            name_from(args(&["--exact", "contract::wallets::x::mongo", "--nocapture"])),
            "contract::wallets::x::mongo"
        );
        assert_eq!(name_from(args(&["--nocapture", "transfers"])), "transfers");
        assert!(name_from(args(&[])).contains("nextest"));
    }
}
