//! Connection-pool (CMAP) events as metrics: how long operations wait for a connection, how many
//! connections each pool holds and how many are in use.

use metrics::{Unit, describe_gauge, describe_histogram, gauge, histogram};
use mongodb::event::cmap::CmapEvent;

/// Histogram of waits for a pooled connection, in seconds: labels `address`, `outcome`
/// (`ok` or `failed`).
pub const POOL_CHECKOUT_WAIT: &str = "mongodb_pool_checkout_wait_seconds";
/// Gauge of open connections per pool: label `address`.
pub const POOL_CONNECTIONS: &str = "mongodb_pool_connections";
/// Gauge of connections checked out per pool: label `address`.
pub const POOL_IN_USE: &str = "mongodb_pool_connections_in_use";
/// Gauge of the most connections a pool may open: label `address`.
const POOL_MAX: &str = "mongodb_pool_max_connections";

pub(super) fn describe() {
    describe_histogram!(POOL_CHECKOUT_WAIT, Unit::Seconds, "waits for a pooled MongoDB connection");
    describe_gauge!(POOL_CONNECTIONS, "open MongoDB connections per pool");
    describe_gauge!(POOL_IN_USE, "MongoDB connections checked out per pool");
    describe_gauge!(POOL_MAX, "most connections a MongoDB pool may open");
}

/// Applies one pool event to the metrics.
pub(super) fn record(event: CmapEvent) {
    match event {
        CmapEvent::PoolCreated(event) => {
            let max = event.options.and_then(|options| options.max_pool_size).unwrap_or(0);
            gauge!(POOL_MAX, "address" => event.address.to_string()).set(f64::from(max));
            gauge!(POOL_CONNECTIONS, "address" => event.address.to_string()).set(0.0);
            gauge!(POOL_IN_USE, "address" => event.address.to_string()).set(0.0);
        }
        CmapEvent::ConnectionCreated(event) => {
            gauge!(POOL_CONNECTIONS, "address" => event.address.to_string()).increment(1.0);
        }
        CmapEvent::ConnectionClosed(event) => {
            gauge!(POOL_CONNECTIONS, "address" => event.address.to_string()).decrement(1.0);
        }
        CmapEvent::ConnectionCheckedOut(event) => {
            gauge!(POOL_IN_USE, "address" => event.address.to_string()).increment(1.0);
            histogram!(POOL_CHECKOUT_WAIT, "address" => event.address.to_string(), "outcome" => "ok")
                .record(event.duration.as_secs_f64());
        }
        CmapEvent::ConnectionCheckedIn(event) => {
            gauge!(POOL_IN_USE, "address" => event.address.to_string()).decrement(1.0);
        }
        CmapEvent::ConnectionCheckoutFailed(event) => {
            histogram!(POOL_CHECKOUT_WAIT, "address" => event.address.to_string(), "outcome" => "failed")
                .record(event.duration.as_secs_f64());
        }
        _ => {}
    }
}
