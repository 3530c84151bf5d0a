//! The scoreboard: an audit kept as a file and two of them compared, to show what a rollout did
//! to each query: its plan and scan ratio (from explain), the index entries each write adds (write
//! amplification), and, when the service's own metrics were read over a window, the latency the
//! service saw for the shape's collection and the incidents (errors by class) in that window.
//!
//! A shape the server gave no plan for (or whose collection is empty) is *not judged*: it neither
//! passes nor regresses, and the table says so.

mod display;

use std::collections::BTreeMap;

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
    /// What the service recorded over a window, when its metrics were read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceWindow>,
}

/// The service's own figures over a window: two reads of its metrics, subtracted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceWindow {
    /// Where the metrics were read (a `/metrics` URL).
    pub source: String,
    /// Seconds between the two reads.
    pub seconds: f64,
    /// Failures in the window by class (the service's error counters), the incident count.
    pub incidents: BTreeMap<String, u64>,
}

impl ServiceWindow {
    /// Every incident in the window.
    pub fn total(&self) -> u64 {
        self.incidents.values().sum()
    }
}

/// Latency percentiles the service recorded for the read commands on a shape's collection.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ServiceLatency {
    /// Commands in the window.
    pub commands: u64,
    /// Median, in milliseconds.
    pub p50_ms: f64,
    /// 95th percentile, in milliseconds.
    pub p95_ms: f64,
    /// 99th percentile, in milliseconds.
    pub p99_ms: f64,
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
    /// Indexes on the shape's collection: the index entries each inserted document writes (the
    /// `_id` index included), which every index added for a shape costs every write.
    #[serde(default)]
    pub write_amplification: Option<usize>,
    /// What the service recorded for the shape's collection over the window, if read.
    #[serde(default)]
    pub service: Option<ServiceLatency>,
}

impl Score {
    /// Whether the shape was judged: the server gave a plan for it.
    pub fn judged(&self) -> bool {
        matches!(self.outcome, Outcome::Pass | Outcome::Fail)
    }
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
                    write_amplification: report.indexes_by_collection.get(shape.collection).copied(),
                    service: None,
                })
                .collect(),
            service: None,
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

    /// Shapes of the later audit the server gave no plan for: neither passed nor regressed.
    pub fn not_judged(&self) -> Vec<&str> {
        self.after.shapes.iter().filter(|now| !now.judged()).map(|now| now.shape.as_str()).collect()
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
                write_amplification: Some(3),
                service: Some(ServiceLatency { commands: 40, p50_ms: 0.7, p95_ms: 2.0, p99_ms: 4.5 }),
            }],
            service: Some(ServiceWindow {
                source: "http://127.0.0.1:8080/metrics".to_owned(),
                seconds: 60.0,
                incidents: BTreeMap::from([("timeout".to_owned(), 2)]),
            }),
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
    fn the_table_shows_service_latency_write_amplification_and_incidents() {
        let before = board(Outcome::Pass, "category_price_id", 1.0);
        let mut after = board(Outcome::Pass, "category_price_id", 1.0);
        after.shapes[0].write_amplification = Some(4);
        after.shapes[0].service = None;
        after.service = None;

        let text = Comparison { before: &before, after: &after }.to_string();

        assert!(text.contains("4.50 -> -") && text.contains("3 -> 4"), "{text}");
        assert!(text.contains("incidents: 2 (timeout 2) -> not measured"), "{text}");
    }

    #[test]
    fn a_shape_without_a_plan_is_not_judged_rather_than_passed() {
        let before = board(Outcome::Pass, "category_price_id", 1.0);
        let after = board(Outcome::NoPlan, "-", 1.0);

        let comparison = Comparison { before: &before, after: &after };

        assert!(comparison.regressions().is_empty());
        assert_eq!(comparison.not_judged(), ["orders.by_customer"]);
        let text = comparison.to_string();
        assert!(text.contains("not judged: orders.by_customer") && !text.contains("no shape regressed"), "{text}");
    }

    #[test]
    fn a_scoreboard_saved_before_these_figures_still_reads() {
        let old = bson::doc! {
            "taken_at": "2025-01-01T00:00:00Z", "database": "shop", "index_count": 1,
            "shapes": [{ "shape": "a", "outcome": "pass", "index_used": "x", "scan_ratio": 1.0, "latency": null }],
        };

        let board: Scoreboard = bson::deserialize_from_document(old).expect("an older scoreboard reads");

        assert_eq!((board.service, board.shapes[0].write_amplification), (None, None));
    }

    #[test]
    fn a_scoreboard_survives_a_serde_round_trip() {
        let board = board(Outcome::Pass, "category_price_id", 1.0);

        let stored = bson::serialize_to_document(&board).expect("serialize");
        let back: Scoreboard = bson::deserialize_from_document(stored).expect("deserialize");

        assert_eq!(back, board);
    }
}
