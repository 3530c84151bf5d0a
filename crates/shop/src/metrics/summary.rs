//! A latency table for the end of long CLI jobs (`shop ingest`, `shop migrate`): count, p50, p95
//! and p99 of each MongoDB command series, as measured ([`super::measured`]).
//!
//! Where only the exporter's text is at hand (the service view of `shop indexes`), quantiles are
//! estimated from its buckets the way Prometheus' `histogram_quantile` does (linear within a
//! bucket): a small parser of `name_bucket{labels,le="x"} n` lines, the only shape it needs.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One series' cumulative buckets: upper bound → count at or below it.
pub(crate) type Buckets = Vec<(f64, f64)>;

/// The latency table of every MongoDB command recorded by this process since its job started
/// keeping them, one line per command, collection and profile class, with measured quantiles;
/// or a line saying nothing was recorded.
pub fn latency_summary() -> String {
    render_summary(&super::measured::series())
}

fn render_summary(series: &super::measured::Series) -> String {
    if series.is_empty() {
        return "no MongoDB commands recorded\n".to_owned();
    }
    let mut out = format!("{:<48} {:>8} {:>9} {:>9} {:>9}\n", "MongoDB latency (ms)", "count", "p50", "p95", "p99");
    for (labels, histogram) in series {
        let [p50, p95, p99] = [0.5, 0.95, 0.99].map(|q| histogram.value_at_quantile(q) as f64 / 1000.0);
        let _ = writeln!(out, "{labels:<48} {:>8} {p50:>9.2} {p95:>9.2} {p99:>9.2}", histogram.len());
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

    fn measured(values_micros: &[u64]) -> hdrhistogram::Histogram<u64> {
        let mut histogram = hdrhistogram::Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid bounds");
        for &value in values_micros {
            histogram.record(value).expect("a value within bounds");
        }
        histogram
    }

    #[test]
    fn the_summary_prints_the_measured_quantiles_one_line_per_series() {
        // 98 commands of 1 ms, one of 40 ms and one of 2 s.
        let mut values = vec![1_000; 98];
        values.extend([40_000, 2_000_000]);
        let series = super::super::measured::Series::from([("find products standard".to_owned(), measured(&values))]);

        let summary = render_summary(&series);

        let lines: Vec<&str> = summary.lines().collect();
        assert_eq!(lines.len(), 2, "{summary}");
        let fields: Vec<&str> = lines[1].split_whitespace().collect();
        assert_eq!(fields[..4], ["find", "products", "standard", "100"], "{summary}");
        let quantiles: Vec<f64> = fields[4..].iter().map(|field| field.parse().expect("a number")).collect();
        // Measured to three significant digits (HDR reports the top of a value's bucket).
        let near = |value: f64, measured: f64| (measured..=measured * 1.001).contains(&value);
        assert!(near(quantiles[0], 1.0) && near(quantiles[1], 1.0), "p50 and p95 as measured: {summary}");
        assert!(near(quantiles[2], 40.0), "p99 as measured, not a bucket's bound: {summary}");
    }

    #[test]
    fn an_empty_recorder_says_so() {
        assert_eq!(render_summary(&super::super::measured::Series::new()), "no MongoDB commands recorded\n");
    }
}
