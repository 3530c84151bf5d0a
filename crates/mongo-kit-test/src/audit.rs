//! The explain audit in a test: a failing shape fails the test; an audit the server could not
//! judge (no plan, no data) is a named skip, never a pass.
//!
//! ```no_run
//! use mongo_kit::index_audit::{AuditOptions, audit};
//! use mongo_kit::indexes::Registry;
//! use mongo_kit::profiles::Profiles;
//!
//! # async fn example(database: mongodb::Database, registry: Registry) {
//! let test = "orders::every_shape_uses_its_index";
//! let report = audit(&database, &Profiles::default(), &registry, None, AuditOptions::default())
//!     .await
//!     .expect("the audit runs");
//! if mongo_kit_test::audit::assert_judged(test, &report) {
//!     // every shape was explained and passed
//! }
//! # }
//! ```

use mongo_kit::index_audit::AuditReport;
use mongo_kit::index_audit::verdict::Verdict;

use crate::skip::skip;

/// Whether every shape of `report` was judged and passed: `true`; `false` after printing a
/// named skip listing the shapes the server did not judge and why.
///
/// # Panics
/// When a shape's plan breaks its declaration, with the report.
pub fn assert_judged(test: &str, report: &AuditReport) -> bool {
    match report.verdict() {
        Verdict::Passed => true,
        Verdict::Failed(shapes) => panic!("the explain audit failed for {}:\n{report}", shapes.join(", ")),
        Verdict::NotJudged(shapes) => {
            let reasons: Vec<String> = shapes.iter().map(|(shape, why)| format!("{shape} ({why})")).collect();
            skip(test, &format!("explain audit not judged: {}", reasons.join("; ")));
            false
        }
    }
}
