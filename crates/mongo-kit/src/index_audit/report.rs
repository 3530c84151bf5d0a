//! The audit as an operator reads it: one line per shape, then one sentence per failing shape
//! naming the index it lost and what it costs.

use std::fmt;

use super::{AuditReport, Outcome, ShapeAudit};

impl Outcome {
    /// The outcome as shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "FAIL",
            Self::NoData => "no data",
            Self::NoPlan => "no plan",
        }
    }
}

impl ShapeAudit {
    /// The indexes the plan read, joined (`-` when none or not explained).
    pub fn index_used(&self) -> String {
        match &self.explained {
            Some(explained) if !explained.indexes.is_empty() => {
                explained.indexes.iter().map(|index| index.name.as_str()).collect::<Vec<_>>().join("+")
            }
            Some(explained) if explained.collection_scan() => "COLLSCAN".to_owned(),
            _ => "-".to_owned(),
        }
    }

    /// One sentence for a failing shape: the index it lost and what it costs.
    pub fn failure_sentence(&self) -> String {
        let findings: Vec<String> = self.findings.iter().map(ToString::to_string).collect();
        let cost = self.explained.as_ref().map_or_else(String::new, |e| {
            let outcome = if e.aggregation {
                format!("{} matched, {} returned", e.matched, e.returned)
            } else {
                format!("{} returned", e.returned)
            };
            format!(
                " ({} keys and {} documents examined for {outcome}, {} ms)",
                e.keys_examined, e.docs_examined, e.millis
            )
        });
        format!(
            "{} on {} does not use its index {}: {}{cost}",
            self.shape,
            self.collection,
            self.declared_index,
            findings.join("; ")
        )
    }
}

impl fmt::Display for AuditReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "index audit of {} at {} (server {}, {} indexes)",
            self.database,
            self.taken_at,
            self.server_version.as_deref().unwrap_or("unknown"),
            self.index_count
        )?;
        writeln!(
            f,
            "{:<30} {:<8} {:<26} {:<28} {:>6} {:>6} {:>6} {:>6} {:>7} {:>8} {:>8}",
            "shape", "outcome", "index used", "stages", "keys", "docs", "match", "ret", "ratio", "p50 ms", "p95 ms"
        )?;
        for shape in &self.shapes {
            let (stages, keys, docs, matched, returned, ratio) = shape.explained.as_ref().map_or_else(
                || ("-".to_owned(), String::new(), String::new(), String::new(), String::new(), String::new()),
                |e| {
                    let ratio = format!("{:.1}", e.ratio());
                    (
                        e.stages.join(">"),
                        e.keys_examined.to_string(),
                        e.docs_examined.to_string(),
                        e.matched.to_string(),
                        e.returned.to_string(),
                        ratio,
                    )
                },
            );
            let (p50, p95) = shape.latency.map_or_else(
                || (String::new(), String::new()),
                |l| (format!("{:.2}", l.p50_ms), format!("{:.2}", l.p95_ms)),
            );
            writeln!(
                f,
                "{:<30} {:<8} {:<26} {:<28} {keys:>6} {docs:>6} {matched:>6} {returned:>6} {ratio:>7} {p50:>8} {p95:>8}",
                shape.shape,
                shape.outcome.as_str(),
                shape.index_used(),
                stages,
            )?;
        }
        for shape in self.failures() {
            writeln!(f, "FAIL {}", shape.failure_sentence())?;
        }
        for shape in self.shapes.iter().filter(|shape| shape.outcome != Outcome::Fail) {
            if let Some(note) = &shape.note {
                writeln!(f, "{} {}: {note}", shape.outcome.as_str(), shape.shape)?;
            }
        }
        let count = |outcome: Outcome| self.shapes.iter().filter(|shape| shape.outcome == outcome).count();
        write!(
            f,
            "{} shapes: {} pass, {} fail, {} without data, {} without a plan",
            self.shapes.len(),
            count(Outcome::Pass),
            count(Outcome::Fail),
            count(Outcome::NoData),
            count(Outcome::NoPlan)
        )
    }
}
