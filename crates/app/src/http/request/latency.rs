//! The request latency histogram (`http_request_duration_seconds` by method, route template and
//! status), with its handles kept: looking a series up by its labels allocates the label strings
//! and the key, and hashes them, on every request, where finding a kept handle compares a few
//! bytes.
//!
//! The kept handles sit in slots that are filled once and never change, so that reading them
//! takes no lock: a lock, even one only read, is a write to memory every worker thread shares,
//! on every request.

use std::sync::OnceLock;
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

impl Series {
    fn is(&self, method: &Method, route: &str, status: StatusCode) -> bool {
        self.status == status && self.method == *method && self.route == route
    }
}

/// Series kept per endpoint: more than the statuses one endpoint answers with in practice. A
/// series beyond them is still recorded, looked up every time.
pub(crate) const SLOTS: usize = 16;

/// The series one endpoint has recorded into. The router gives each endpoint its own, so the
/// list stays as short as the statuses that endpoint answers with. Slots fill in order: the
/// first empty one ends the list.
#[derive(Default)]
pub(crate) struct Latencies {
    series: [OnceLock<Series>; SLOTS],
}

impl Latencies {
    /// Records one request's `latency`.
    pub(crate) fn record(&self, method: &Method, route: &str, status: StatusCode, latency: Duration) {
        let seconds = latency.as_secs_f64();
        for slot in &self.series {
            match slot.get() {
                Some(series) if series.is(method, route, status) => return series.histogram.record(seconds),
                Some(_) => {}
                None => break,
            }
        }
        let histogram = histogram!(HTTP_DURATION, "method" => method.as_str().to_owned(),
            "route" => route.to_owned(), "status" => status.as_str().to_owned());
        histogram.record(seconds);
        if KEPT.contains(method) {
            let new =
                || Series { method: method.clone(), route: route.to_owned(), status, histogram: histogram.clone() };
            // The first empty slot takes it, unless another thread filled that slot first: then
            // with the same series (done) or another one (the next slot).
            for slot in &self.series {
                if slot.get_or_init(new).is(method, route, status) {
                    return;
                }
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.series.iter().take_while(|slot| slot.get().is_some()).count()
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

    #[test]
    fn series_beyond_the_slots_are_recorded_without_being_kept() {
        let latencies = Latencies::default();

        for code in 200..200 + u16::try_from(SLOTS).expect("few slots") + 4 {
            let status = StatusCode::from_u16(code).expect("a status");
            latencies.record(&Method::GET, "/v1/products/{id}", status, Duration::from_millis(1));
            latencies.record(&Method::GET, "/v1/products/{id}", status, Duration::from_millis(1));
        }

        assert_eq!(latencies.len(), SLOTS);
    }
}
