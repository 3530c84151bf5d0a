//! The service's own figures for the scoreboard: a running service's `/metrics` read twice, a
//! window apart, and subtracted, so the figures are the traffic of that window and not of the
//! process's whole life. Latency percentiles come from `mongodb_command_duration_seconds` (the read
//! commands, `find`, `aggregate` and `getMore`, on each shape's collection, every class), estimated
//! as `histogram_quantile` does; incidents are the window's `mongodb_errors_total` by class, less
//! `conflict` (a taken key is a business answer, not an incident).

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Context as _;
use http_body_util::{BodyExt as _, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use mongo_kit::index_audit::AuditReport;
use mongo_kit::index_audit::scoreboard::{Scoreboard, ServiceLatency, ServiceWindow};
use mongo_kit::telemetry::{COMMAND_DURATION, ERRORS};

use crate::metrics::summary::{Buckets, buckets, quantile};

/// The read commands whose latency a query shape's callers feel.
const READS: [&str; 3] = ["find", "aggregate", "getMore"];

/// How long one read of the metrics may take.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Reads the metrics at `url`, an `http://` URL: the service serves plain HTTP, so hyper's own
/// client suffices and the binary carries no general-purpose HTTP client (TLS, redirects) for it.
///
/// # Errors
/// The URL is not `http://`, or the service cannot be reached in time or answers other than 200.
pub(crate) async fn read(url: &str) -> anyhow::Result<String> {
    let uri: hyper::Uri = url.parse().with_context(|| format!("--metrics-url {url:?} is not a URL"))?;
    anyhow::ensure!(
        uri.scheme_str() == Some("http"),
        "--metrics-url must be an http:// URL (the service serves plain HTTP), not {url:?}"
    );
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let exchange = async {
        let response = client.get(uri).await?;
        let status = response.status();
        anyhow::ensure!(status == hyper::StatusCode::OK, "the service answered {status}");
        let body = response.into_body().collect().await?.to_bytes();
        Ok(String::from_utf8(body.to_vec())?)
    };
    tokio::time::timeout(READ_TIMEOUT, exchange)
        .await
        .map_err(|_| anyhow::anyhow!("no answer within {} s", READ_TIMEOUT.as_secs()))
        .and_then(std::convert::identity)
        .with_context(|| format!("reading the service's metrics at {url}"))
}

/// `after` less `before`, bucket by bucket (a series new in the window counts from zero).
fn delta(before: &BTreeMap<String, Buckets>, after: &BTreeMap<String, Buckets>) -> BTreeMap<String, Buckets> {
    after
        .iter()
        .map(|(series, now)| {
            let then = before.get(series);
            let counts = now
                .iter()
                .map(|&(bound, count)| {
                    let earlier = then.and_then(|then| then.iter().find(|(b, _)| *b == bound)).map_or(0.0, |(_, c)| *c);
                    (bound, (count - earlier).max(0.0))
                })
                .collect();
            (series.clone(), counts)
        })
        .collect()
}

/// The latency of the read commands on `collection` in `window` (keyed `command collection
/// profile`), or `None` when there were none.
fn latency(window: &BTreeMap<String, Buckets>, collection: &str) -> Option<ServiceLatency> {
    let mut merged: Buckets = Vec::new();
    for (series, counts) in window {
        let mut names = series.split(' ');
        let (Some(command), Some(on)) = (names.next(), names.next()) else { continue };
        if !READS.contains(&command) || on != collection {
            continue;
        }
        for &(bound, count) in counts {
            match merged.iter_mut().find(|(b, _)| *b == bound) {
                Some((_, total)) => *total += count,
                None => merged.push((bound, count)),
            }
        }
    }
    merged.sort_by(|a, b| a.0.total_cmp(&b.0));
    let commands = merged.last().map_or(0.0, |(_, count)| *count);
    if commands <= 0.0 {
        return None;
    }
    let [p50_ms, p95_ms, p99_ms] = [0.5, 0.95, 0.99].map(|q| quantile(&merged, q) * 1000.0);
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "a count of commands")]
    Some(ServiceLatency { commands: commands as u64, p50_ms, p95_ms, p99_ms })
}

/// The failures by class of `exposition`'s error counter, every class but `conflict`.
fn errors(exposition: &str) -> BTreeMap<String, f64> {
    let prefix = format!("{ERRORS}{{");
    let mut classes = BTreeMap::new();
    for line in exposition.lines() {
        let Some((labels, value)) = line.strip_prefix(&prefix).and_then(|rest| rest.rsplit_once("} ")) else {
            continue;
        };
        let Some(class) = labels.split(',').find_map(|pair| pair.strip_prefix("class=\"")) else { continue };
        let class = class.trim_end_matches('"');
        if class != "conflict" {
            *classes.entry(class.to_owned()).or_insert(0.0) += value.trim().parse::<f64>().unwrap_or(0.0);
        }
    }
    classes
}

/// Adds the window between the reads `before` and `after` of `source` to `board`, the audit of
/// `report`.
pub(crate) fn add(board: &mut Scoreboard, report: &AuditReport, source: &str, seconds: f64, before: &str, after: &str) {
    let window = delta(&buckets(before, COMMAND_DURATION), &buckets(after, COMMAND_DURATION));
    for (score, shape) in board.shapes.iter_mut().zip(&report.shapes) {
        score.service = latency(&window, shape.collection);
    }
    let earlier = errors(before);
    let incidents = errors(after)
        .into_iter()
        .map(|(class, count)| {
            let new = (count - earlier.get(&class).copied().unwrap_or(0.0)).max(0.0);
            #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "a count of errors")]
            (class, new as u64)
        })
        .collect();
    board.service = Some(ServiceWindow { source: source.to_owned(), seconds, incidents });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exposition(fast: u32, slow: u32, timeouts: u32) -> String {
        let series = |command: &str, collection: &str| {
            let labels = format!("command=\"{command}\",collection=\"{collection}\",profile=\"standard\"");
            format!(
                "mongodb_command_duration_seconds_bucket{{{labels},le=\"0.001\"}} {fast}\n\
                 mongodb_command_duration_seconds_bucket{{{labels},le=\"0.1\"}} {}\n\
                 mongodb_command_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}\n",
                fast + slow,
                fast + slow
            )
        };
        format!(
            "{}{}mongodb_errors_total{{class=\"timeout\",profile=\"feed\"}} {timeouts}\n\
             mongodb_errors_total{{class=\"conflict\",profile=\"standard\"}} 7\n",
            series("find", "products"),
            series("insert", "products")
        )
    }

    #[test]
    fn the_window_holds_only_the_reads_and_errors_between_the_two_readings() {
        let before = exposition(100, 0, 1);
        let after = exposition(150, 50, 4);
        let window = delta(&buckets(&before, COMMAND_DURATION), &buckets(&after, COMMAND_DURATION));

        let latency = latency(&window, "products").expect("reads in the window");

        assert_eq!(latency.commands, 100, "50 fast and 50 slow finds; inserts are not reads");
        assert!(latency.p50_ms <= 1.0 && latency.p99_ms > 90.0, "{latency:?}");
        assert_eq!(super::latency(&window, "wallets"), None);
        assert_eq!(errors(&after).get("timeout"), Some(&4.0));
        assert!(!errors(&after).contains_key("conflict"), "a conflict is no incident");
    }

    #[tokio::test]
    async fn the_metrics_of_a_plain_http_service_are_read_and_other_urls_refused() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let address = listener.local_addr().expect("its address");
        let routes = axum::Router::new().route("/metrics", axum::routing::get(|| async { "requests_total 3\n" }));
        let server = tokio::spawn(async move { axum::serve(listener, routes).await });

        let text = read(&format!("http://{address}/metrics")).await.expect("the metrics are read");
        assert_eq!(text, "requests_total 3\n");
        let missing = format!("{:#}", read(&format!("http://{address}/nothing")).await.expect_err("404"));
        assert!(missing.contains("404"), "{missing}");
        let tls = read(&format!("https://{address}/metrics")).await.expect_err("not plain HTTP").to_string();
        assert!(tls.contains("http://"), "{tls}");
        server.abort();
    }
}
