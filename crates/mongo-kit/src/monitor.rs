//! The deployment-health monitor: a background task any service on the kit can start with its
//! client and an interval ([`Monitor::start`]). Each pass asks the deployment four questions and
//! records the answers as gauges through the `metrics` facade:
//!
//! - who the primary is, and whether it changed (`hello`, no privilege needed);
//! - how far each member is behind the primary (`replSetGetStatus`, privilege action
//!   `replSetGetStatus` on the cluster);
//! - how many hours of writes the oplog holds (its first and last entry in `local.oplog.rs`, the
//!   way `db.getReplicationInfo()` computes it; privilege action `find` on `local.oplog.rs`);
//! - which index builds are running, in which phase and how far along (`$currentOp` with
//!   `allUsers: true` on `admin`, filtered as the manual's "Active Indexing Operations" example;
//!   privilege action `inprog` on the cluster).
//!
//! A question the server cannot answer (a standalone has no replica set and no oplog, a user
//! without the privilege is refused, a server that does not implement the command) is *unknown*:
//! `mongodb_monitor_known{check}` drops to 0, `mongodb_monitor_unknown_total{check, reason}`
//! counts it, and the check's gauges are set to NaN, so no alert compares a stale figure. The
//! task never stops on such an answer: the next pass asks again.
//!
//! # Layout
//! - `reading`: what a check saw ([`Reading`]) and why it could not see ([`Unknown`]).
//! - `replication`: `replSetGetStatus` replies: lag per member, the term.
//! - `oplog`: the oplog window from its first and last entries.
//! - `index_builds`: `$currentOp` replies: builds in progress, their phase and progress.
//! - `primary`: `hello` replies: the set, the primary.
//! - `series`: the series' names, their descriptions, and a pass's recording.

pub mod index_builds;
pub mod oplog;
pub mod primary;
mod reading;
pub mod replication;
pub mod series;

use std::time::Duration;

use bson::doc;
use mongodb::Client;
use tokio::task::JoinHandle;

pub use reading::{Reading, Unknown};

/// What one pass of the monitor saw.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The set and its primary (`hello`).
    pub primary: Reading<primary::Primary>,
    /// Each member's lag and the term (`replSetGetStatus`).
    pub replication: Reading<replication::Replication>,
    /// Time between the oplog's first and last entries.
    pub oplog: Reading<Duration>,
    /// Index builds in progress (`$currentOp`).
    pub index_builds: Reading<Vec<index_builds::IndexBuild>>,
}

/// Asks the deployment every question once, each within `limit`. Never fails: a question the
/// server cannot answer is an [`Unknown`] reading.
pub async fn sample(client: &Client, limit: Duration) -> Sample {
    let admin = client.database("admin");
    let primary = reading::ask(limit, admin.run_command(doc! { "hello": 1 }), primary::parse).await;
    // A standalone has neither replica-set state nor an oplog: do not ask, say why.
    let in_a_set = matches!(&primary, Reading::Known(seen) if seen.set_name.is_some());
    let (replication, oplog) = if in_a_set {
        let replication =
            reading::ask(limit, admin.run_command(doc! { "replSetGetStatus": 1 }), replication::parse).await;
        (replication, oplog::read(client, limit).await)
    } else {
        let why = match &primary {
            Reading::Unknown(why) => *why,
            Reading::Known(_) => Unknown::NotReplicaSet,
        };
        (Reading::Unknown(why), Reading::Unknown(why))
    };
    let index_builds = index_builds::read(client, limit).await;
    Sample { primary, replication, oplog, index_builds }
}

/// A running monitor: the task stops when this value is dropped (or [`Monitor::stop`]).
#[derive(Debug)]
pub struct Monitor {
    task: JoinHandle<()>,
}

impl Monitor {
    /// Starts sampling `client`'s deployment every `interval` (the first pass at once) and
    /// recording each pass ([`series::Recorder`]). Each question gets at most the interval (and
    /// at most ten seconds) to answer, so a slow server never stacks passes up.
    ///
    /// # Panics
    /// Outside a Tokio runtime, as `tokio::spawn` does.
    pub fn start(client: Client, interval: Duration) -> Self {
        let interval = interval.max(Duration::from_secs(1));
        let limit = interval.min(Duration::from_secs(10));
        let task = tokio::spawn(async move {
            let mut recorder = series::Recorder::default();
            let mut every = tokio::time::interval(interval);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                let sample = sample(&client, limit).await;
                recorder.record(&sample);
            }
        });
        Self { task }
    }

    /// Stops the task.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.task.abort();
    }
}
