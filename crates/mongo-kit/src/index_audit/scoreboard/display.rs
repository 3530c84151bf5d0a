//! The before/after table of a [`Comparison`].

use std::collections::BTreeSet;
use std::fmt;

use super::{Comparison, Score, ServiceWindow};
use crate::index_audit::{Latency, Outcome};

fn index(score: Option<&Score>) -> &str {
    score.map_or("-", |s| s.index_used.as_str())
}

fn ratio(score: Option<&Score>) -> String {
    score.and_then(|s| s.scan_ratio).map_or_else(|| "-".to_owned(), |r| format!("{r:.1}"))
}

fn millis(score: Option<&Score>, pick: fn(&Latency) -> f64) -> String {
    score.and_then(|s| s.latency.as_ref()).map_or_else(|| "-".to_owned(), |l| format!("{:.2}", pick(l)))
}

fn service_p99(score: Option<&Score>) -> String {
    score.and_then(|s| s.service).map_or_else(|| "-".to_owned(), |l| format!("{:.2}", l.p99_ms))
}

fn amplification(score: Option<&Score>) -> String {
    score.and_then(|s| s.write_amplification).map_or_else(|| "-".to_owned(), |n| n.to_string())
}

fn outcome(score: Option<&Score>) -> &'static str {
    match score.map(|s| s.outcome) {
        None => "-",
        Some(Outcome::NoPlan | Outcome::NoData) => "not judged",
        Some(judged) => judged.as_str(),
    }
}

fn incidents(window: Option<&ServiceWindow>) -> String {
    match window {
        None => "not measured".to_owned(),
        Some(window) => {
            let classes: Vec<String> = window
                .incidents
                .iter()
                .filter(|(_, count)| **count > 0)
                .map(|(class, count)| format!("{class} {count}"))
                .collect();
            if classes.is_empty() {
                format!("0 in {:.0} s", window.seconds)
            } else {
                format!("{} ({})", window.total(), classes.join(", "))
            }
        }
    }
}

impl fmt::Display for Comparison<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (before, after) = (self.before, self.after);
        writeln!(f, "before: {} ({} indexes)", before.taken_at, before.index_count)?;
        writeln!(f, "after:  {} ({} indexes)", after.taken_at, after.index_count)?;
        writeln!(
            f,
            "{:<30} {:>17} {:>17} {:>17} {:>15} {:>9} {:<10} {:<10} index used",
            "shape", "p50 ms", "p95 ms", "service p99 ms", "ratio", "writes", "before", "after"
        )?;
        let names: BTreeSet<&str> = before.shapes.iter().chain(&after.shapes).map(|s| s.shape.as_str()).collect();
        for name in names {
            let then = before.shapes.iter().find(|s| s.shape == name);
            let now = after.shapes.iter().find(|s| s.shape == name);
            let moved = if index(then) == index(now) {
                index(now).to_owned()
            } else {
                format!("{} -> {}", index(then), index(now))
            };
            writeln!(
                f,
                "{name:<30} {:>17} {:>17} {:>17} {:>15} {:>9} {:<10} {:<10} {moved}",
                format!("{} -> {}", millis(then, |l| l.p50_ms), millis(now, |l| l.p50_ms)),
                format!("{} -> {}", millis(then, |l| l.p95_ms), millis(now, |l| l.p95_ms)),
                format!("{} -> {}", service_p99(then), service_p99(now)),
                format!("{} -> {}", ratio(then), ratio(now)),
                format!("{} -> {}", amplification(then), amplification(now)),
                outcome(then),
                outcome(now),
            )?;
        }
        writeln!(f, "incidents: {} -> {}", incidents(before.service.as_ref()), incidents(after.service.as_ref()))?;
        let not_judged = self.not_judged();
        if !not_judged.is_empty() {
            writeln!(f, "not judged: {} (the server gave no plan, or no data)", not_judged.join(", "))?;
        }
        match (self.regressions().as_slice(), not_judged.is_empty()) {
            ([], true) => write!(f, "no shape regressed"),
            ([], false) => write!(f, "no judged shape regressed"),
            (regressed, _) => write!(f, "regressed: {}", regressed.join(", ")),
        }
    }
}
