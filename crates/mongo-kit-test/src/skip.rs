//! Printed skips. A test that cannot run here says so: on stderr, and as a line in the file named
//! by [`SKIP_LOG_VAR`] (a CI job sums those lines up), so no skip is silent.
//!
//! A skip is for a capability the reachable server lacks (no transactions on a standalone, no
//! real `explain` figures). Having no server at all is decided by the server choice
//! ([`crate::server`]), which turns it into a failure where [`crate::server::REQUIRE_SERVER_VAR`]
//! is set.
//!
//! ```
//! use mongo_kit_test::skip::skip;
//!
//! // SKIPPED orders::a_concurrent_placement::mongo: the server runs one transaction at a time
//! skip("orders::a_concurrent_placement::mongo", "the server runs one transaction at a time");
//! ```

use std::io::Write as _;

/// The environment variable naming a file each skip is appended to as a line
/// (`SKIPPED <test>: <reason>`).
pub const SKIP_LOG_VAR: &str = "MONGO_KIT_TEST_SKIP_LOG";

/// Records that `test` was skipped because of `reason`.
pub fn skip(test: &str, reason: &str) {
    let line = format!("SKIPPED {test}: {reason}");
    eprintln!("{line}");
    if let Ok(path) = std::env::var(SKIP_LOG_VAR) {
        let file = std::fs::OpenOptions::new().create(true).append(true).open(&path);
        if let Ok(mut file) = file {
            // One short write per line keeps concurrent appends from interleaving.
            let _ = file.write_all(format!("{line}\n").as_bytes());
        }
    }
}
