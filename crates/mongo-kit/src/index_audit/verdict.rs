//! The verdict on one shape (what the server did against what the shape declares), and on a
//! whole audit: passed, failed, or not judged where the server gave no plan or had no data.

use std::fmt;

use serde::Serialize;

use super::explain::Explained;
use super::{AuditReport, Outcome};
use crate::index_plan::same_keys;
use crate::indexes::QueryShape;

/// One way a shape's plan breaks its declaration.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "finding", rename_all = "snake_case")]
pub enum Finding {
    /// The plan reads the whole collection.
    CollectionScan,
    /// The plan reads other indexes than the declared one (or none).
    OtherIndex {
        /// The indexes read.
        used: Vec<String>,
        /// The declared index.
        declared: String,
    },
    /// The plan sorts in memory.
    InMemorySort,
    /// More examined per document than the budget allows: documents per document returned for
    /// a find, keys or documents per document matched for an aggregation.
    OverBudget {
        /// Examined per document returned (or matched).
        ratio: f64,
        /// The shape's budget.
        budget: f64,
        /// What the ratio counts, in words.
        basis: &'static str,
    },
}

/// Everything wrong with `explained` as a plan for `shape`; empty when the plan is as declared.
pub fn judge(shape: &QueryShape, explained: &Explained) -> Vec<Finding> {
    let mut findings = Vec::new();
    let declared = shape.index;
    let is_declared = |index: &super::explain::UsedIndex| {
        index.name == declared.name || index.keys.as_ref().is_some_and(|keys| same_keys(keys, &declared.key_document()))
    };
    if explained.collection_scan() {
        findings.push(Finding::CollectionScan);
    } else if explained.indexes.is_empty() || !explained.indexes.iter().all(is_declared) {
        findings.push(Finding::OtherIndex {
            used: explained.indexes.iter().map(|index| index.name.clone()).collect(),
            declared: declared.name.to_owned(),
        });
    }
    if explained.in_memory_sort() {
        findings.push(Finding::InMemorySort);
    }
    let ratio = explained.ratio();
    if ratio > shape.budget {
        findings.push(Finding::OverBudget { ratio, budget: shape.budget, basis: explained.ratio_basis() });
    }
    findings
}

/// What an audit concludes, all shapes together. "Not judged" is not a pass: a server that
/// returns no plan (a wire-compatible stand-in) or a collection without data says nothing about
/// the indexes, and a test or a rollout gate must not count it as proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every shape was explained, and every plan is as declared and within budget.
    Passed,
    /// At least one shape's plan breaks its declaration: the failing shapes' names.
    Failed(Vec<&'static str>),
    /// No shape failed, but some were not judged: each with the reason (no plan, no data).
    NotJudged(Vec<(&'static str, String)>),
}

impl AuditReport {
    /// The audit's [`Verdict`]: failed if any shape failed, else not judged if any shape was
    /// not explained (no plan, no data), else passed.
    pub fn verdict(&self) -> Verdict {
        let failed: Vec<&'static str> = self.failures().map(|shape| shape.shape).collect();
        if !failed.is_empty() {
            return Verdict::Failed(failed);
        }
        let unjudged: Vec<(&'static str, String)> = self
            .shapes
            .iter()
            .filter(|shape| matches!(shape.outcome, Outcome::NoPlan | Outcome::NoData))
            .map(|shape| (shape.shape, shape.note.clone().unwrap_or_else(|| shape.outcome.as_str().to_owned())))
            .collect();
        if unjudged.is_empty() { Verdict::Passed } else { Verdict::NotJudged(unjudged) }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CollectionScan => f.write_str("scans the whole collection (COLLSCAN)"),
            Self::OtherIndex { used, declared } if used.is_empty() => {
                write!(f, "reads no index; declared {declared}")
            }
            Self::OtherIndex { used, declared } => write!(f, "reads {}; declared {declared}", used.join(", ")),
            Self::InMemorySort => f.write_str("sorts in memory"),
            Self::OverBudget { ratio, budget, basis } => write!(f, "{ratio:.1} {basis}; budget {budget}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index_audit::explain::UsedIndex;
    use crate::indexes::example;

    fn by_customer() -> &'static QueryShape {
        &example::SHAPES[1]
    }

    fn plan(stages: &[&str], index: Option<&str>, docs: u64, returned: u64) -> Explained {
        Explained {
            stages: stages.iter().map(|s| (*s).to_owned()).collect(),
            indexes: index.map(|name| UsedIndex { name: name.to_owned(), keys: None }).into_iter().collect(),
            keys_examined: docs,
            docs_examined: docs,
            returned,
            matched: returned,
            aggregation: false,
            shards: Vec::new(),
            millis: 0,
        }
    }

    #[test]
    fn the_declared_index_in_order_within_budget_passes() {
        let explained = plan(&["LIMIT", "FETCH", "IXSCAN"], Some("customer_placed_id"), 21, 21);

        assert_eq!(judge(by_customer(), &explained), []);
    }

    #[test]
    fn a_renamed_index_with_the_declared_keys_still_counts_as_declared() {
        let mut explained = plan(&["FETCH", "IXSCAN"], Some("idx_orders_customer"), 21, 21);
        explained.indexes[0].keys = Some(bson::doc! { "customer": 1, "placed_at": -1, "_id": -1 });

        assert_eq!(judge(by_customer(), &explained), []);
    }

    #[test]
    fn a_lost_index_fails_with_scan_sort_and_cost() {
        let explained = plan(&["SORT", "COLLSCAN"], None, 5000, 21);

        let findings = judge(by_customer(), &explained);

        assert_eq!(findings[..2], [Finding::CollectionScan, Finding::InMemorySort]);
        assert!(matches!(findings[2], Finding::OverBudget { ratio, .. } if ratio > 200.0), "{findings:?}");
    }

    fn report(outcomes: &[Outcome]) -> AuditReport {
        let shapes = outcomes
            .iter()
            .zip(&example::SHAPES)
            .map(|(outcome, shape)| super::super::ShapeAudit {
                shape: shape.name,
                collection: shape.collection,
                declared_index: shape.index.name,
                budget: shape.budget,
                outcome: *outcome,
                note: None,
                explained: None,
                findings: Vec::new(),
                latency: None,
            })
            .collect();
        AuditReport {
            taken_at: String::new(),
            database: "t".to_owned(),
            server_version: None,
            index_count: 0,
            indexes_by_collection: std::collections::BTreeMap::new(),
            shapes,
        }
    }

    #[test]
    fn an_audit_without_plans_is_not_judged_and_a_failure_outweighs_it() {
        let names: Vec<&str> = example::SHAPES.iter().map(|shape| shape.name).collect();

        let no_plans = report(&[Outcome::NoPlan, Outcome::Pass]).verdict();
        let one_failed = report(&[Outcome::NoPlan, Outcome::Fail]).verdict();
        let all_passed = report(&[Outcome::Pass, Outcome::Pass]).verdict();

        assert_eq!(no_plans, Verdict::NotJudged(vec![(names[0], "no plan".to_owned())]));
        assert_eq!(one_failed, Verdict::Failed(vec![names[1]]));
        assert_eq!(all_passed, Verdict::Passed);
    }

    #[test]
    fn another_index_than_declared_fails_and_names_both() {
        let explained = plan(&["FETCH", "IXSCAN"], Some("status_id"), 21, 21);

        let findings = judge(by_customer(), &explained);

        assert_eq!(
            findings,
            [Finding::OtherIndex { used: vec!["status_id".to_owned()], declared: "customer_placed_id".to_owned() }]
        );
        assert_eq!(findings[0].to_string(), "reads status_id; declared customer_placed_id");
    }
}
