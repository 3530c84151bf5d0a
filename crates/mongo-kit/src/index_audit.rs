//! The explain audit: every registered query shape explained by the server (`explain` with
//! verbosity `executionStats`) on a representative query, judged against its declaration, and
//! optionally timed, so an operator sees which query lost its index and what it costs.
//!
//! Representative values come from the data: the newest document of each collection. A shape
//! whose collection is empty is reported as such, not judged.
//!
//! # Layout
//! - `explain`: reading explain replies (find, aggregate, slot-based and sharded plans).
//! - `verdict`: findings of one shape (collection scan, other index, in-memory sort, budget).
//! - `report`: the report's text form.
//! - `scoreboard`: saved audits (latency percentiles, scan ratios, write amplification, the
//!   service's own latencies and incidents over a window) and their comparison.

pub mod explain;
mod report;
pub mod scoreboard;
pub mod verdict;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bson::{Document, doc};
use futures::TryStreamExt as _;
use mongodb::Database;
use mongodb::options::FindOptions;
use serde::Serialize;

pub use explain::{Explained, NoPlan, UsedIndex};
pub use verdict::{Finding, judge};

use crate::error::Result;
use crate::indexes::{Probe, QueryShape, Registry};
use crate::profiles::{OperationClass, Profiles};

/// How much to measure besides the plans.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuditOptions {
    /// How many times to run each representative query for latency percentiles (0: none).
    pub runs: u32,
}

/// The outcome for one shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The plan is as declared and within budget.
    Pass,
    /// The plan breaks the declaration: see the findings.
    Fail,
    /// The collection holds no document to take representative values from.
    NoData,
    /// The server answered without a usable plan (it does not really explain).
    NoPlan,
}

/// Latency of the representative query over several runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct Latency {
    /// Runs measured.
    pub runs: u32,
    /// Median, in milliseconds.
    pub p50_ms: f64,
    /// 95th percentile, in milliseconds.
    pub p95_ms: f64,
}

/// The audit of one shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShapeAudit {
    /// The shape's name.
    pub shape: &'static str,
    /// Its collection.
    pub collection: &'static str,
    /// The index it declares.
    pub declared_index: &'static str,
    /// Its budget of documents examined per document returned.
    pub budget: f64,
    /// The outcome.
    pub outcome: Outcome,
    /// Why there is no plan or no data, when so.
    pub note: Option<String>,
    /// What the server did.
    pub explained: Option<Explained>,
    /// What breaks the declaration (empty when it passes).
    pub findings: Vec<Finding>,
    /// Latency over the requested runs.
    pub latency: Option<Latency>,
}

/// The audit of every shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditReport {
    /// When it ran (RFC 3339, UTC).
    pub taken_at: String,
    /// The database audited.
    pub database: String,
    /// The server's version.
    pub server_version: Option<String>,
    /// Indexes on the server in the registry's collections.
    pub index_count: usize,
    /// Indexes per collection: the index entries each inserted document writes.
    pub indexes_by_collection: BTreeMap<String, usize>,
    /// One entry per shape, in registry order.
    pub shapes: Vec<ShapeAudit>,
}

impl AuditReport {
    /// The shapes whose plan breaks their declaration.
    pub fn failures(&self) -> impl Iterator<Item = &ShapeAudit> {
        self.shapes.iter().filter(|shape| shape.outcome == Outcome::Fail)
    }

    /// Whether the server explained every shape it had data for.
    pub fn verified(&self) -> bool {
        self.shapes.iter().all(|shape| shape.outcome != Outcome::NoPlan)
    }

    /// Whether every shape was verified and none failed.
    pub fn passed(&self) -> bool {
        self.verified() && self.failures().next().is_none()
    }
}

/// Explains (and with `options.runs`, times) every registered shape.
///
/// # Errors
/// [`crate::Error::Driver`] when the server refuses a sample read, an explain or a timed run.
pub async fn audit(
    database: &Database,
    profiles: &Profiles,
    registry: &Registry,
    server_version: Option<String>,
    options: AuditOptions,
) -> Result<AuditReport> {
    let mut shapes = Vec::with_capacity(registry.shapes().len());
    for shape in registry.shapes() {
        shapes.push(audit_shape(database, profiles, shape, options).await?);
    }
    let existing = crate::index_plan::existing(database, registry).await?;
    let mut indexes_by_collection = BTreeMap::new();
    for index in &existing {
        *indexes_by_collection.entry(index.collection.clone()).or_insert(0) += 1;
    }
    Ok(AuditReport {
        taken_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        database: database.name().to_owned(),
        server_version,
        index_count: existing.len(),
        indexes_by_collection,
        shapes,
    })
}

/// Audits one shape.
///
/// # Errors
/// As [`audit`].
pub async fn audit_shape(
    database: &Database,
    profiles: &Profiles,
    shape: &QueryShape,
    options: AuditOptions,
) -> Result<ShapeAudit> {
    let mut audit = ShapeAudit {
        shape: shape.name,
        collection: shape.collection,
        declared_index: shape.index.name,
        budget: shape.budget,
        outcome: Outcome::NoData,
        note: None,
        explained: None,
        findings: Vec::new(),
        latency: None,
    };
    let collection = profiles.collection::<Document>(database, shape.collection, OperationClass::Standard);
    let sample = collection.find_one(doc! {}).sort(doc! { "_id": -1 }).await?;
    let Some(probe) = sample.as_ref().and_then(|sample| shape.probe(sample)) else {
        audit.note = Some(format!("no document in {} to take representative values from", shape.collection));
        return Ok(audit);
    };
    let reply = database.run_command(explain_command(shape.collection, &probe)).await?;
    match explain::parse(&reply) {
        Ok(explained) => {
            audit.findings = judge(shape, &explained);
            audit.outcome = if audit.findings.is_empty() { Outcome::Pass } else { Outcome::Fail };
            audit.explained = Some(explained);
        }
        Err(NoPlan(reason)) => {
            audit.outcome = Outcome::NoPlan;
            audit.note = Some(format!("the server returned no query plan ({reason})"));
        }
    }
    if options.runs > 0 {
        audit.latency = Some(time(&collection, &probe, options.runs).await?);
    }
    Ok(audit)
}

/// The `explain` command for `probe` on `collection`.
pub fn explain_command(collection: &str, probe: &Probe) -> Document {
    let explained = match probe {
        Probe::Find { filter, sort, limit } => {
            let mut find = doc! { "find": collection, "filter": filter.clone() };
            if let Some(sort) = sort {
                find.insert("sort", sort.clone());
            }
            if let Some(limit) = limit {
                find.insert("limit", *limit);
            }
            find
        }
        Probe::Aggregate { pipeline } => doc! { "aggregate": collection, "pipeline": pipeline.clone(), "cursor": {} },
    };
    doc! { "explain": explained, "verbosity": "executionStats" }
}

async fn time(collection: &mongodb::Collection<Document>, probe: &Probe, runs: u32) -> Result<Latency> {
    let mut samples = Vec::with_capacity(usize::try_from(runs).unwrap_or(0));
    for _ in 0..runs {
        let started = Instant::now();
        let _: Vec<Document> = match probe {
            Probe::Find { filter, sort, limit } => {
                let options = FindOptions::builder().sort(sort.clone()).limit(*limit).build();
                collection.find(filter.clone()).with_options(options).await?.try_collect().await?
            }
            Probe::Aggregate { pipeline } => collection.aggregate(pipeline.clone()).await?.try_collect().await?,
        };
        samples.push(started.elapsed());
    }
    Ok(Latency { runs, p50_ms: percentile(&mut samples, 50), p95_ms: percentile(&mut samples, 95) })
}

/// The nearest-rank percentile of `samples`, in milliseconds (0 for no samples).
pub fn percentile(samples: &mut [Duration], percent: usize) -> f64 {
    samples.sort_unstable();
    let rank = (samples.len() * percent).div_ceil(100).max(1);
    samples.get(rank - 1).map_or(0.0, |sample| sample.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let mut samples: Vec<Duration> = (1..=20).rev().map(Duration::from_millis).collect();

        assert!((percentile(&mut samples, 50) - 10.0).abs() < 1e-9);
        assert!((percentile(&mut samples, 95) - 19.0).abs() < 1e-9);
        assert!(percentile(&mut [], 95).abs() < f64::EPSILON);
    }

    #[test]
    fn a_find_probe_becomes_an_explain_with_execution_stats() {
        let probe = Probe::Find { filter: doc! { "reference": "A-1" }, sort: Some(doc! { "_id": 1 }), limit: Some(1) };

        let command = explain_command("orders", &probe);

        let expected =
            doc! { "find": "orders", "filter": { "reference": "A-1" }, "sort": { "_id": 1 }, "limit": 1_i64 };
        assert_eq!(command, doc! { "explain": expected, "verbosity": "executionStats" });
    }

    #[test]
    fn every_example_shape_builds_its_representative_query_from_a_full_sample() {
        let sample = doc! { "_id": bson::Uuid::new(), "customer": "c-1", "status": "open" };

        for shape in &crate::indexes::example::SHAPES {
            assert!(shape.probe(&sample).is_some(), "{}", shape.name);
        }
        let empty = doc! { "_id": 1 };
        assert!(crate::indexes::example::SHAPES[1].probe(&empty).is_none());
    }
}
