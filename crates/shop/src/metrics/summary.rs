//! A latency table for the end of long CLI jobs (`shop ingest`, `shop migrate`): count, p50, p95
//! and p99 of each MongoDB command series, estimated from the histogram buckets the way
//! Prometheus' `histogram_quantile` does (linear within a bucket).
//!
//! The exporter only hands out its text format, so the buckets are read back from it: a small
//! parser of `name_bucket{labels,le="x"} n` lines, the only shape it needs.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use mongo_store::telemetry::COMMAND_DURATION;

/// One series' cumulative buckets: upper bound → count at or below it.
pub(crate) type Buckets = Vec<(f64, f64)>;

/// The latency table of every MongoDB command recorded by this process so far, one line per
/// command, collection and profile class; or a line saying nothing was recorded.
pub fn latency_summary() -> String {
    render_summary(&super::render(), COMMAND_DURATION)
}

fn render_summary(exposition: &str, metric: &str) -> String {
    let series = buckets(exposition, metric);
    if series.is_empty() {
        return "no MongoDB commands recorded\n".to_owned();
    }
    let mut out = format!("{:<48} {:>8} {:>9} {:>9} {:>9}\n", "MongoDB latency (ms)", "count", "p50", "p95", "p99");
    for (labels, buckets) in series {
        let count = buckets.last().map_or(0.0, |(_, count)| *count);
        let [p50, p95, p99] = [0.5, 0.95, 0.99].map(|q| quantile(&buckets, q) * 1000.0);
        let _ = writeln!(out, "{labels:<48} {count:>8} {p50:>9.2} {p95:>9.2} {p99:>9.2}");
    }
    out
}

/// The buckets of every series of `metric`, keyed by its labels (without `le`), as
/// `command collection profile` text.
pub(crate) fn buckets(exposition: &str, metric: &str) -> BTreeMap<String, Buckets> {
    let prefix = format!("{metric}_bucket{{");
    let mut series: BTreeMap<String, Buckets> = BTreeMap::new();
    for line in exposition.lines() {
        let Some(rest) = line.strip_prefix(&prefix) else { continue };
        let Some((labels, value)) = rest.rsplit_once("} ") else { continue };
        let Ok(count) = value.trim().parse::<f64>() else { continue };
        let mut le = None;
        let mut names = Vec::new();
        for pair in labels.split("\",") {
            let Some((key, raw)) = pair.split_once("=\"") else { continue };
            let raw = raw.trim_end_matches('"');
            if key == "le" {
                le = Some(if raw == "+Inf" { f64::INFINITY } else { raw.parse().unwrap_or(f64::INFINITY) });
            } else {
                names.push(raw.to_owned());
            }
        }
        if let Some(le) = le {
            series.entry(names.join(" ")).or_default().push((le, count));
        }
    }
    for buckets in series.values_mut() {
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    series
}

/// The `q` quantile of cumulative `buckets`, interpolated linearly inside the bucket that holds
/// it; the highest finite bound when it falls in `+Inf`.
pub(crate) fn quantile(buckets: &[(f64, f64)], q: f64) -> f64 {
    let total = buckets.last().map_or(0.0, |(_, count)| *count);
    if total <= 0.0 {
        return 0.0;
    }
    let rank = q * total;
    let mut lower = (0.0, 0.0);
    for &(bound, count) in buckets {
        if count >= rank {
            if bound.is_infinite() {
                return lower.0;
            }
            let width = count - lower.1;
            let within = if width > 0.0 { (rank - lower.1) / width } else { 1.0 };
            return lower.0 + (bound - lower.0) * within;
        }
        lower = (bound, count);
    }
    lower.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPOSITION: &str = "\
# TYPE mongodb_command_duration_seconds histogram
mongodb_command_duration_seconds_bucket{command=\"find\",collection=\"products\",profile=\"standard\",le=\"0.001\"} 50
mongodb_command_duration_seconds_bucket{command=\"find\",collection=\"products\",profile=\"standard\",le=\"0.01\"} 90
mongodb_command_duration_seconds_bucket{command=\"find\",collection=\"products\",profile=\"standard\",le=\"0.1\"} 100
mongodb_command_duration_seconds_bucket{command=\"find\",collection=\"products\",profile=\"standard\",le=\"+Inf\"} 100
mongodb_command_duration_seconds_sum{command=\"find\",collection=\"products\",profile=\"standard\"} 0.4
mongodb_command_duration_seconds_count{command=\"find\",collection=\"products\",profile=\"standard\"} 100
";

    #[test]
    fn quantiles_interpolate_inside_the_bucket_that_holds_them() {
        let series = buckets(EXPOSITION, "mongodb_command_duration_seconds");
        let find = series.get("find products standard").expect("the find series");

        assert!((quantile(find, 0.5) - 0.001).abs() < 1e-9);
        assert!((quantile(find, 0.7) - 0.0055).abs() < 1e-9);
        assert!((quantile(find, 0.95) - 0.055).abs() < 1e-9);
    }

    #[test]
    fn the_summary_has_one_line_per_series() {
        let summary = render_summary(EXPOSITION, "mongodb_command_duration_seconds");

        let lines: Vec<&str> = summary.lines().collect();
        assert_eq!(lines.len(), 2, "{summary}");
        assert!(lines[1].starts_with("find products standard") && lines[1].contains("100"), "{summary}");
    }

    #[test]
    fn an_empty_recorder_says_so() {
        assert_eq!(render_summary("", "mongodb_command_duration_seconds"), "no MongoDB commands recorded\n");
    }
}
