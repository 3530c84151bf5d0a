//! The process's metrics recorder (Prometheus), installed once by the binary, and what reads it:
//! `/metrics` (the handle is passed to the router) and [`latency_summary`] at the end of long jobs.
//!
//! Every `_seconds` metric is a real Prometheus histogram with [`BUCKETS`], so p50, p95 and p99
//! follow with `histogram_quantile`. The series come from the HTTP middleware (`http_*`, see
//! `app::metrics`) and from the MongoDB driver's events (`mongodb_*`, see
//! `mongo_kit::telemetry`), the HTTP layer's business symptoms (`shop_*`, see
//! `app::metrics::business`), the deployment-health monitor (`mongo_kit::monitor`) and the one-shot
//! jobs ([`jobs`], written to a textfile). The HTTP library and the stores only record; installing
//! the recorder and its upkeep task is the binary's choice, here.

pub mod jobs;
pub(crate) mod measured;
pub(crate) mod summary;

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub use summary::latency_summary;

/// Upper bounds of the latency buckets, in seconds: fine below 10 ms where MongoDB round trips
/// sit, coarse up to the 30 s of a bulk batch.
pub const BUCKETS: [f64; 17] =
    [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// How often histogram samples are folded into buckets between scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use, with every series described. Where another
/// recorder was installed first, this one records nothing and the other exporter has the series.
/// Inside a Tokio runtime it also starts the upkeep task that folds histogram samples.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        // Feed ages run to days, not the milliseconds of round trips: buckets of their own (an exact
        // name outranks a suffix in the exporter's matching).
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), &BUCKETS)
            .and_then(|builder| {
                builder.set_buckets_for_metric(
                    Matcher::Full(app::metrics::business::FEED_AGE.to_owned()),
                    &app::metrics::business::FEED_AGE_BUCKETS,
                )
            })
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(measured::Teed(recorder)).is_err() {
            tracing::warn!("a metrics recorder was installed already: /metrics shows no series");
        }
        register();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let upkeep = handle.clone();
            runtime.spawn(async move {
                let mut every = tokio::time::interval(UPKEEP_EVERY);
                loop {
                    every.tick().await;
                    upkeep.run_upkeep();
                }
            });
        }
        handle
    })
}

/// Describes every series the shop records: the HTTP layer's, the MongoDB driver's, the
/// monitor's and the jobs'.
fn register() {
    app::metrics::describe();
    mongo_kit::telemetry::register();
    mongo_kit::monitor::series::describe();
    jobs::describe();
}

/// Keeps every MongoDB command duration from now on, for the measured quantiles of
/// [`latency_summary`]; [`summarized`] calls it. Off otherwise, so a service pays nothing for it.
pub fn keep_command_latencies() {
    install();
    measured::start();
}

/// The current metrics in the Prometheus text format.
pub fn render() -> String {
    install().render()
}

/// Runs a long job with the recorder installed, then writes its MongoDB latency table
/// ([`latency_summary`]) to stderr, where it cannot mix with a machine-readable result on stdout.
/// A job that sent no MongoDB command (the in-memory store, a generator) writes nothing.
pub async fn summarized<T>(job: impl Future<Output = T>) -> T {
    let before = mongo_kit::telemetry::commands_started();
    install();
    keep_command_latencies();
    let outcome = job.await;
    if mongo_kit::telemetry::commands_started() > before {
        eprint!("{}", latency_summary());
    }
    outcome
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::{Mutex, PoisonError};

    use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};

    /// The metrics table of the documentation.
    const OBSERVABILITY: &str = include_str!("../../../docs/observability.md");

    /// A recorder that only notes which series are described, and as what.
    #[derive(Default)]
    struct Described(Mutex<BTreeSet<(String, String)>>);

    impl Described {
        fn note(&self, key: &KeyName, kind: &str) {
            self.0.lock().unwrap_or_else(PoisonError::into_inner).insert((key.as_str().to_owned(), kind.to_owned()));
        }
    }

    impl Recorder for Described {
        fn describe_counter(&self, key: KeyName, _: Option<Unit>, _: SharedString) {
            self.note(&key, "counter");
        }

        fn describe_gauge(&self, key: KeyName, _: Option<Unit>, _: SharedString) {
            self.note(&key, "gauge");
        }

        fn describe_histogram(&self, key: KeyName, _: Option<Unit>, _: SharedString) {
            self.note(&key, "histogram");
        }

        fn register_counter(&self, _: &Key, _: &Metadata<'_>) -> Counter {
            Counter::noop()
        }

        fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
            Gauge::noop()
        }

        fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::noop()
        }
    }

    #[test]
    fn the_metrics_table_names_every_described_series_with_its_type_and_no_other() {
        let described = Described::default();
        metrics::with_local_recorder(&described, super::register);
        let described = described.0.into_inner().unwrap_or_else(PoisonError::into_inner);

        let section = OBSERVABILITY.split_once("\n## Metrics\n").map(|(_, after)| after).expect("a Metrics section");
        let documented: BTreeSet<(String, String)> = section
            .lines()
            .take_while(|line| !line.starts_with("## "))
            .filter(|line| line.starts_with("| `"))
            .map(|row| {
                let cells: Vec<&str> = row.split('|').map(str::trim).collect();
                (cells[1].trim_matches('`').to_owned(), cells[2].to_owned())
            })
            .collect();
        assert_eq!(documented, described, "docs/observability.md's metrics table against the series described");
    }
}
