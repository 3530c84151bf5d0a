//! The series the HTTP layer records (`http_*`), and [`describe`], which names them.
//!
//! The router records through whatever `metrics` recorder the process installed and installs none
//! itself: the `shop` binary installs its Prometheus recorder, describes these series and the
//! MongoDB driver's, and passes the handle `/metrics` renders ([`crate::AppState::with_metrics`]).
//! A service embedding the router does the same with its own recorder.
//!
//! [`business`] holds the business symptoms (`shop_*`) the handlers record from their results.

pub mod business;

use metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram};

/// Histogram of request durations, in seconds: labels `method`, `route` (the template, never the
/// raw path), `status`.
pub const HTTP_DURATION: &str = "http_request_duration_seconds";
/// Counter of failed requests: label `class` (validation, conflict, not_found, timeout,
/// transient, internal).
pub const HTTP_ERRORS: &str = "http_errors_total";
/// The classes of [`HTTP_ERRORS`].
pub const HTTP_ERROR_CLASSES: [&str; 6] = ["validation", "conflict", "not_found", "timeout", "transient", "internal"];

/// Gauge of connections open, served by [`crate::server`] (those refused beyond its cap are not
/// counted).
pub const HTTP_CONNECTIONS_OPEN: &str = "http_connections_open";
/// Counter of connections answered 503 and closed because [`crate::server`] held as many as it
/// accepts.
pub const HTTP_CONNECTIONS_REFUSED: &str = "http_connections_refused_total";
/// Counter of connections [`crate::server`] closed for a time-out: label `reason`
/// (`header_timeout`, `idle_timeout`).
pub const HTTP_CONNECTIONS_CUT: &str = "http_connections_cut_total";
/// The reasons of [`HTTP_CONNECTIONS_CUT`].
pub const HTTP_CUT_REASONS: [&str; 2] = ["header_timeout", "idle_timeout"];

/// Describes the HTTP series and the business symptoms ([`business::describe`]) to the installed
/// recorder and starts the counters at zero, so each class shows from the first scrape.
pub fn describe() {
    describe_histogram!(HTTP_DURATION, Unit::Seconds, "HTTP request durations by route template and status");
    describe_counter!(HTTP_ERRORS, "failed HTTP requests by class");
    for class in HTTP_ERROR_CLASSES {
        counter!(HTTP_ERRORS, "class" => class).absolute(0);
    }
    describe_gauge!(HTTP_CONNECTIONS_OPEN, "HTTP connections open");
    describe_counter!(HTTP_CONNECTIONS_REFUSED, "HTTP connections refused (503) beyond the connection cap");
    describe_counter!(HTTP_CONNECTIONS_CUT, "HTTP connections closed by the header read or idle time-out");
    counter!(HTTP_CONNECTIONS_REFUSED).absolute(0);
    for reason in HTTP_CUT_REASONS {
        counter!(HTTP_CONNECTIONS_CUT, "reason" => reason).absolute(0);
    }
    business::describe();
}
