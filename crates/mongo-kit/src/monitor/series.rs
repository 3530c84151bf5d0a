//! The monitor's series, their descriptions, and the recording of a pass.
//!
//! Unknown has one form everywhere: `mongodb_monitor_known{check}` is 0, the check's gauges read
//! NaN (a comparison with NaN is false, so no alert fires on a figure nobody measured), and
//! `mongodb_monitor_unknown_total{check, reason}` counts the pass. Gauges labelled by member or
//! namespace keep every label seen (the exporter cannot remove a series): a member or build that
//! is gone reads NaN. Before any was seen, one series labelled `-` stands for them, so every
//! series is exported from the first pass.

use std::collections::BTreeSet;

use metrics::{counter, describe_counter, describe_gauge, gauge};

use super::index_builds::Phase;
use super::{Reading, Sample, Unknown};

/// Gauge, 1 when the last pass answered the check, 0 when unknown: label `check`.
pub const KNOWN: &str = "mongodb_monitor_known";
/// Counter of passes a check could not answer: labels `check`, `reason`.
pub const UNKNOWN: &str = "mongodb_monitor_unknown_total";
/// Gauge of each member's lag behind the primary, in seconds: label `member`.
pub const REPLICATION_LAG: &str = "mongodb_replication_lag_seconds";
/// Gauge of the replica set's election term.
pub const TERM: &str = "mongodb_replica_set_term";
/// Gauge, 1 for the member that is primary, 0 for the others seen: label `member`.
pub const PRIMARY: &str = "mongodb_primary";
/// Counter of primary changes seen between passes.
pub const PRIMARY_CHANGES: &str = "mongodb_primary_changes_total";
/// Gauge of the oplog window, in seconds.
pub const OPLOG_WINDOW: &str = "mongodb_oplog_window_seconds";
/// Gauge of index builds in progress: label `phase`.
pub const INDEX_BUILDS: &str = "mongodb_index_builds_in_progress";
/// Gauge of a build's progress in its phase, 0 to 1: label `namespace`.
pub const INDEX_BUILD_PROGRESS: &str = "mongodb_index_build_progress_ratio";

/// The checks, as the `check` label names them.
pub const CHECKS: [&str; 4] = ["primary", "replication", "oplog", "index_builds"];

/// The label standing for members or namespaces before any was seen.
const NONE_SEEN: &str = "-";

/// Describes the monitor's series and starts its counters at zero. Call once after installing a
/// recorder (with the kit's other series: `telemetry::register`).
pub fn describe() {
    describe_gauge!(KNOWN, "1 when the monitor's last pass answered the check, 0 when its figures are unknown");
    describe_counter!(UNKNOWN, "monitor passes that could not answer a check, by reason");
    describe_gauge!(REPLICATION_LAG, metrics::Unit::Seconds, "replica-set member lag behind the primary");
    describe_gauge!(TERM, "replica-set election term");
    describe_gauge!(PRIMARY, "1 for the primary, 0 for the other members seen");
    describe_counter!(PRIMARY_CHANGES, "primary changes seen by the monitor");
    describe_gauge!(OPLOG_WINDOW, metrics::Unit::Seconds, "time between the first and last oplog entries");
    describe_gauge!(INDEX_BUILDS, "index builds in progress by phase");
    describe_gauge!(INDEX_BUILD_PROGRESS, "progress of an index build in its phase, 0 to 1");
    for check in CHECKS {
        for reason in Unknown::ALL {
            counter!(UNKNOWN, "check" => check, "reason" => reason.name()).absolute(0);
        }
    }
    counter!(PRIMARY_CHANGES).absolute(0);
}

/// What the recording remembers between passes: labels seen, the last primary.
#[derive(Debug, Default)]
pub struct Recorder {
    members: BTreeSet<String>,
    namespaces: BTreeSet<String>,
    primary: Option<String>,
}

fn known(check: &'static str, reading: Result<(), Unknown>) {
    let value = match reading {
        Ok(()) => 1.0,
        Err(why) => {
            counter!(UNKNOWN, "check" => check, "reason" => why.name()).increment(1);
            0.0
        }
    };
    gauge!(KNOWN, "check" => check).set(value);
}

/// Every label in `seen` (or the stand-in when none was) set to NaN, but those `now` sets.
fn unknown_labels(name: &'static str, label: &'static str, seen: &BTreeSet<String>, now: &BTreeSet<String>) {
    if seen.is_empty() {
        gauge!(name, label => NONE_SEEN).set(f64::NAN);
    }
    for gone in seen.difference(now) {
        gauge!(name, label => gone.clone()).set(f64::NAN);
    }
}

impl Recorder {
    /// Records one pass.
    pub fn record(&mut self, sample: &Sample) {
        self.record_primary(sample);
        self.record_replication(&sample.replication);
        match &sample.oplog {
            Reading::Known(window) => {
                gauge!(OPLOG_WINDOW).set(window.as_secs_f64());
                known("oplog", Ok(()));
            }
            Reading::Unknown(why) => {
                gauge!(OPLOG_WINDOW).set(f64::NAN);
                known("oplog", Err(*why));
            }
        }
        self.record_index_builds(&sample.index_builds);
    }

    fn record_primary(&mut self, sample: &Sample) {
        let primary = match &sample.primary {
            Reading::Known(seen) if seen.set_name.is_none() => Err(Unknown::NotReplicaSet),
            Reading::Known(seen) => Ok(seen.primary.clone()),
            Reading::Unknown(why) => Err(*why),
        };
        let now: BTreeSet<String> = match &primary {
            Ok(Some(member)) => BTreeSet::from([member.clone()]),
            _ => BTreeSet::new(),
        };
        if let Ok(Some(member)) = &primary {
            if self.primary.as_ref().is_some_and(|before| before != member) {
                counter!(PRIMARY_CHANGES).increment(1);
            }
            self.primary = Some(member.clone());
            gauge!(PRIMARY, "member" => member.clone()).set(1.0);
            for other in self.members.iter().filter(|other| *other != member) {
                gauge!(PRIMARY, "member" => other.clone()).set(0.0);
            }
            self.members.insert(member.clone());
        } else {
            unknown_labels(PRIMARY, "member", &self.members, &now);
        }
        known("primary", primary.map(|_| ()));
    }

    fn record_replication(&mut self, reading: &Reading<super::replication::Replication>) {
        match reading {
            Reading::Known(status) => {
                let now: BTreeSet<String> = status.members.iter().map(|member| member.name.clone()).collect();
                for member in &status.members {
                    let lag = member.lag.map_or(f64::NAN, |lag| lag.as_secs_f64());
                    gauge!(REPLICATION_LAG, "member" => member.name.clone()).set(lag);
                }
                unknown_labels(REPLICATION_LAG, "member", &self.members, &now);
                #[expect(clippy::cast_precision_loss, reason = "terms stay far below 2^53")]
                gauge!(TERM).set(status.term.map_or(f64::NAN, |term| term as f64));
                self.members.extend(now);
                known("replication", Ok(()));
            }
            Reading::Unknown(why) => {
                unknown_labels(REPLICATION_LAG, "member", &self.members, &BTreeSet::new());
                gauge!(TERM).set(f64::NAN);
                known("replication", Err(*why));
            }
        }
    }

    fn record_index_builds(&mut self, reading: &Reading<Vec<super::index_builds::IndexBuild>>) {
        match reading {
            Reading::Known(builds) => {
                for phase in Phase::ALL {
                    let count = builds.iter().filter(|build| build.phase == phase).count();
                    #[expect(clippy::cast_precision_loss, reason = "a handful of builds")]
                    gauge!(INDEX_BUILDS, "phase" => phase.name()).set(count as f64);
                }
                let now: BTreeSet<String> = builds.iter().map(|build| build.namespace.clone()).collect();
                for build in builds {
                    let progress = build.progress.unwrap_or(f64::NAN);
                    gauge!(INDEX_BUILD_PROGRESS, "namespace" => build.namespace.clone()).set(progress);
                }
                unknown_labels(INDEX_BUILD_PROGRESS, "namespace", &self.namespaces, &now);
                self.namespaces.extend(now);
                known("index_builds", Ok(()));
            }
            Reading::Unknown(why) => {
                for phase in Phase::ALL {
                    gauge!(INDEX_BUILDS, "phase" => phase.name()).set(f64::NAN);
                }
                unknown_labels(INDEX_BUILD_PROGRESS, "namespace", &self.namespaces, &BTreeSet::new());
                known("index_builds", Err(*why));
            }
        }
    }
}
