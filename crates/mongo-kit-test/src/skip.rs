//! Printed skips. A test that cannot run here says so: on stderr, and as a line in the file named
//! by `SHOP_TEST_SKIP_LOG` (CI sums those lines up), so no skip is silent.

use std::io::Write as _;

/// Records that `test` was skipped because of `reason`.
pub fn skip(test: &str, reason: &str) {
    let line = format!("SKIPPED {test}: {reason}");
    eprintln!("{line}");
    if let Ok(path) = std::env::var("SHOP_TEST_SKIP_LOG") {
        let file = std::fs::OpenOptions::new().create(true).append(true).open(&path);
        if let Ok(mut file) = file {
            // One short write per line keeps concurrent appends from interleaving.
            let _ = file.write_all(format!("{line}\n").as_bytes());
        }
    }
}
