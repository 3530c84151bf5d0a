//! Measured latency quantiles for the end of long jobs: a recorder in front of the Prometheus one
//! that, while a job is summarized ([`start`]), also keeps every MongoDB command duration in an
//! HDR histogram per series. The exporter's buckets serve dashboards; a job's own table prints
//! what was measured (3 significant digits), not an estimate from bucket bounds.
//!
//! A command series' handle may be made before a job starts keeping (the telemetry keeps its
//! handles), so the handle asks at each record whether durations are kept; outside a summarized
//! job (`shop serve`) that is one relaxed load, and every other series goes straight to the
//! exporter.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use hdrhistogram::Histogram as Hdr;
use metrics::{Counter, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use mongo_kit::telemetry::COMMAND_DURATION;

/// Whether command durations are being kept.
static KEEPING: AtomicBool = AtomicBool::new(false);

/// The kept durations, in microseconds, by series (`command collection profile`).
pub(crate) type Series = BTreeMap<String, Hdr<u64>>;

fn kept() -> &'static Mutex<Series> {
    static KEPT: std::sync::OnceLock<Mutex<Series>> = std::sync::OnceLock::new();
    KEPT.get_or_init(Mutex::default)
}

/// The kept series; their holders never panic while holding them.
pub(crate) fn series() -> MutexGuard<'static, Series> {
    kept().lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts keeping command durations (for the rest of the process: jobs run once).
pub(crate) fn start() {
    KEEPING.store(true, Ordering::Relaxed);
}

/// The exporter's recorder, with command durations also kept while a job is summarized.
pub(crate) struct Teed<R>(pub(crate) R);

/// One command series' handle: the exporter's, and the kept histogram.
struct Both {
    exported: Histogram,
    series: String,
}

impl HistogramFn for Both {
    fn record(&self, seconds: f64) {
        self.exported.record(seconds);
        if !KEEPING.load(Ordering::Relaxed) {
            return;
        }
        // Whole microseconds, at least one: HDR histograms count integers from their lowest bound.
        let micros = (seconds * 1e6).round().clamp(1.0, 3.6e9) as u64;
        let mut series = series();
        if !series.contains_key(&self.series) {
            let Ok(fresh) = Hdr::new_with_bounds(1, 3_600_000_000, 3) else { return };
            series.insert(self.series.clone(), fresh);
        }
        if let Some(histogram) = series.get_mut(&self.series) {
            histogram.saturating_record(micros);
        }
    }
}

impl<R: Recorder> Recorder for Teed<R> {
    fn describe_counter(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.0.describe_counter(key, unit, description);
    }

    fn describe_gauge(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.0.describe_gauge(key, unit, description);
    }

    fn describe_histogram(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.0.describe_histogram(key, unit, description);
    }

    fn register_counter(&self, key: &Key, metadata: &Metadata<'_>) -> Counter {
        self.0.register_counter(key, metadata)
    }

    fn register_gauge(&self, key: &Key, metadata: &Metadata<'_>) -> Gauge {
        self.0.register_gauge(key, metadata)
    }

    fn register_histogram(&self, key: &Key, metadata: &Metadata<'_>) -> Histogram {
        let exported = self.0.register_histogram(key, metadata);
        if key.name() != COMMAND_DURATION {
            return exported;
        }
        let series = key.labels().map(|label| label.value()).collect::<Vec<_>>().join(" ");
        Histogram::from_arc(Arc::new(Both { exported, series }))
    }
}
