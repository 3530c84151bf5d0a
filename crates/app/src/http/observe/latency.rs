//! The request latency histogram (`http_request_duration_seconds` by method, route template and
//! status), with its handles kept: looking a series up by its labels allocates the label strings
//! and the key, and hashes them, on every request, where finding a kept handle compares a few
//! bytes.

use std::sync::{PoisonError, RwLock};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use metrics::{Histogram, histogram};

use crate::metrics::HTTP_DURATION;

/// The methods whose series are kept; a client may send any token as a method, and each new one
/// must not grow the cache (it still gets its series, looked up every time).
const KEPT: [Method; 9] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::HEAD,
    Method::OPTIONS,
    Method::PATCH,
    Method::TRACE,
    Method::CONNECT,
];

struct Series {
    method: Method,
    route: String,
    status: StatusCode,
    histogram: Histogram,
}

/// The series one endpoint has recorded into. The router gives each endpoint its own, so the
/// list stays as short as the statuses that endpoint answers with.
#[derive(Default)]
pub struct Latencies {
    series: RwLock<Vec<Series>>,
}

impl Latencies {
    /// Records one request's `latency`.
    pub fn record(&self, method: &Method, route: &str, status: StatusCode, latency: Duration) {
        let seconds = latency.as_secs_f64();
        let kept = |series: &[Series]| {
            series.iter().position(|s| s.status == status && s.method == *method && s.route == route)
        };
        {
            let series = self.series.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(at) = kept(&series) {
                series[at].histogram.record(seconds);
                return;
            }
        }
        let histogram = histogram!(HTTP_DURATION, "method" => method.as_str().to_owned(),
            "route" => route.to_owned(), "status" => status.as_str().to_owned());
        histogram.record(seconds);
        if KEPT.contains(method) {
            let mut series = self.series.write().unwrap_or_else(PoisonError::into_inner);
            if kept(&series).is_none() {
                series.push(Series { method: method.clone(), route: route.to_owned(), status, histogram });
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.series.read().unwrap_or_else(PoisonError::into_inner).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_is_kept_once_per_method_route_and_status() {
        let latencies = Latencies::default();

        for _ in 0..3 {
            latencies.record(&Method::GET, "/v1/products/{id}", StatusCode::OK, Duration::from_millis(1));
            latencies.record(&Method::GET, "/v1/products/{id}", StatusCode::NOT_FOUND, Duration::from_millis(1));
            latencies.record(&Method::PUT, "/v1/products/{id}", StatusCode::OK, Duration::from_millis(1));
        }

        assert_eq!(latencies.len(), 3);
    }

    #[test]
    fn methods_of_the_client_own_invention_are_not_kept() {
        let latencies = Latencies::default();
        let invented = Method::from_bytes(b"FROBNICATE").expect("a method token");

        latencies.record(&invented, "unmatched", StatusCode::METHOD_NOT_ALLOWED, Duration::from_millis(1));

        assert_eq!(latencies.len(), 0);
    }
}
