//! Connection-pool (CMAP) events as metrics: how long operations wait for a connection, how many
//! connections each pool holds and how many are in use.

use metrics::{Gauge, Histogram, Unit, describe_gauge, describe_histogram, gauge, histogram};
use mongodb::event::cmap::CmapEvent;
use mongodb::options::ServerAddress;

use super::handles::Cache;

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

/// The series of one pool.
struct Series {
    max: Gauge,
    connections: Gauge,
    in_use: Gauge,
    waited: Histogram,
    waited_in_vain: Histogram,
}

impl Series {
    fn of(address: &ServerAddress) -> Self {
        let address = address.to_string();
        Self {
            max: gauge!(POOL_MAX, "address" => address.clone()),
            connections: gauge!(POOL_CONNECTIONS, "address" => address.clone()),
            in_use: gauge!(POOL_IN_USE, "address" => address.clone()),
            waited: histogram!(POOL_CHECKOUT_WAIT, "address" => address.clone(), "outcome" => "ok"),
            waited_in_vain: histogram!(POOL_CHECKOUT_WAIT, "address" => address, "outcome" => "failed"),
        }
    }
}

/// The pool-event handler of one client: each pool's series looked up once and kept.
#[derive(Default)]
pub(super) struct Pool {
    series: Cache<ServerAddress, Series>,
}

impl Pool {
    /// Applies one pool event to the metrics.
    pub(super) fn record(&self, event: CmapEvent) {
        match event {
            CmapEvent::PoolCreated(event) => {
                let max = event.options.and_then(|options| options.max_pool_size).unwrap_or(0);
                self.on(&event.address, |series| {
                    series.max.set(f64::from(max));
                    series.connections.set(0.0);
                    series.in_use.set(0.0);
                });
            }
            CmapEvent::ConnectionCreated(event) => self.on(&event.address, |series| series.connections.increment(1.0)),
            CmapEvent::ConnectionClosed(event) => self.on(&event.address, |series| series.connections.decrement(1.0)),
            CmapEvent::ConnectionCheckedOut(event) => self.on(&event.address, |series| {
                series.in_use.increment(1.0);
                series.waited.record(event.duration.as_secs_f64());
            }),
            CmapEvent::ConnectionCheckedIn(event) => self.on(&event.address, |series| series.in_use.decrement(1.0)),
            CmapEvent::ConnectionCheckoutFailed(event) => {
                self.on(&event.address, |series| series.waited_in_vain.record(event.duration.as_secs_f64()));
            }
            _ => {}
        }
    }

    /// Runs `record` on the series of the pool at `address`, made on its first event: the address
    /// is copied into the cache (and formatted into labels) only then, not on every event.
    fn on(&self, address: &ServerAddress, record: impl FnOnce(&Series)) {
        let mut cache = self.series.current();
        let entries = cache.entries();
        if let Some(series) = entries.get(address) {
            record(series);
            return;
        }
        let series = Series::of(address);
        record(&series);
        entries.insert(address.clone(), series);
    }
}
