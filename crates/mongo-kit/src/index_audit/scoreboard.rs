//! The scoreboard: an audit kept as a file and two of them compared, to show what a rollout did
//! to each query.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{AuditReport, Latency, Outcome};

/// A saved audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scoreboard {
    /// When the audit ran (RFC 3339, UTC).
    pub taken_at: String,
    /// The database audited.
    pub database: String,
    /// Indexes on the server in the registry's collections.
    pub index_count: usize,
    /// One row per shape.
    pub shapes: Vec<Score>,
}

/// One shape's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// The shape's name.
    pub shape: String,
    /// The outcome.
    pub outcome: Outcome,
    /// The indexes the plan read (`COLLSCAN`, `-`).
    pub index_used: String,
    /// Documents examined per document returned.
    pub scan_ratio: Option<f64>,
    /// Latency of the representative query.
    pub latency: Option<Latency>,
}

impl From<&AuditReport> for Scoreboard {
    fn from(report: &AuditReport) -> Self {
        Self {
            taken_at: report.taken_at.clone(),
            database: report.database.clone(),
            index_count: report.index_count,
            shapes: report
                .shapes
                .iter()
                .map(|shape| Score {
                    shape: shape.shape.to_owned(),
                    outcome: shape.outcome,
                    index_used: shape.index_used(),
                    scan_ratio: shape.explained.as_ref().map(super::Explained::ratio),
                    latency: shape.latency,
                })
                .collect(),
        }
    }
}

/// Two scoreboards side by side: before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison<'a> {
    /// The earlier audit.
    pub before: &'a Scoreboard,
    /// The later audit.
    pub after: &'a Scoreboard,
}

impl Comparison<'_> {
    /// Shapes that passed before and do not now (or are new and fail).
    pub fn regressions(&self) -> Vec<&str> {
        self.after
            .shapes
            .iter()
            .filter(|now| now.outcome == Outcome::Fail)
            .filter(|now| {
                self.before
                    .shapes
                    .iter()
                    .find(|then| then.shape == now.shape)
                    .is_none_or(|then| then.outcome != Outcome::Fail)
            })
            .map(|now| now.shape.as_str())
            .collect()
    }
}

fn index(score: Option<&Score>) -> &str {
    score.map_or("-", |s| s.index_used.as_str())
}

fn ratio(score: Option<&Score>) -> String {
    score.and_then(|s| s.scan_ratio).map_or_else(|| "-".to_owned(), |r| format!("{r:.1}"))
}

fn millis(score: Option<&Score>, pick: fn(&Latency) -> f64) -> String {
    score.and_then(|s| s.latency.as_ref()).map_or_else(|| "-".to_owned(), |l| format!("{:.2}", pick(l)))
}

impl fmt::Display for Comparison<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (before, after) = (self.before, self.after);
        writeln!(f, "before: {} ({} indexes)", before.taken_at, before.index_count)?;
        writeln!(f, "after:  {} ({} indexes)", after.taken_at, after.index_count)?;
        writeln!(
            f,
            "{:<30} {:>17} {:>17} {:>15} {:<8} {:<8} index used",
            "shape", "p50 ms", "p95 ms", "ratio", "before", "after"
        )?;
        let names: BTreeSet<&str> = before.shapes.iter().chain(&after.shapes).map(|s| s.shape.as_str()).collect();
        for name in names {
            let then = before.shapes.iter().find(|s| s.shape == name);
            let now = after.shapes.iter().find(|s| s.shape == name);
            let outcome = |score: Option<&Score>| score.map_or("-", |s| s.outcome.as_str());
            let moved = if index(then) == index(now) {
                index(now).to_owned()
            } else {
                format!("{} -> {}", index(then), index(now))
            };
            writeln!(
                f,
                "{name:<30} {:>17} {:>17} {:>15} {:<8} {:<8} {moved}",
                format!("{} -> {}", millis(then, |l| l.p50_ms), millis(now, |l| l.p50_ms)),
                format!("{} -> {}", millis(then, |l| l.p95_ms), millis(now, |l| l.p95_ms)),
                format!("{} -> {}", ratio(then), ratio(now)),
                outcome(then),
                outcome(now),
            )?;
        }
        match self.regressions().as_slice() {
            [] => write!(f, "no shape regressed"),
            regressed => write!(f, "regressed: {}", regressed.join(", ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(outcome: Outcome, index_used: &str, ratio: f64) -> Scoreboard {
        Scoreboard {
            taken_at: "2025-01-01T00:00:00.000Z".to_owned(),
            database: "orders_service".to_owned(),
            index_count: 12,
            shapes: vec![Score {
                shape: "orders.by_customer".to_owned(),
                outcome,
                index_used: index_used.to_owned(),
                scan_ratio: Some(ratio),
                latency: Some(Latency { runs: 5, p50_ms: 0.4, p95_ms: 0.9 }),
            }],
        }
    }

    #[test]
    fn a_shape_that_lost_its_index_is_a_regression_in_the_comparison() {
        let before = board(Outcome::Pass, "category_price_id", 1.0);
        let after = board(Outcome::Fail, "COLLSCAN", 238.1);

        let comparison = Comparison { before: &before, after: &after };

        assert_eq!(comparison.regressions(), ["orders.by_customer"]);
        let text = comparison.to_string();
        assert!(text.contains("category_price_id -> COLLSCAN") && text.contains("1.0 -> 238.1"), "{text}");
    }

    #[test]
    fn a_scoreboard_survives_a_serde_round_trip() {
        let board = board(Outcome::Pass, "category_price_id", 1.0);

        let stored = bson::serialize_to_document(&board).expect("serialize");
        let back: Scoreboard = bson::deserialize_from_document(stored).expect("deserialize");

        assert_eq!(back, board);
    }
}
