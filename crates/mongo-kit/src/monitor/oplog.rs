//! The oplog window: the time between the oplog's first and last entries, which bounds how long a
//! member may stay away and still catch up without a full resync.
//!
//! Computed as `db.getReplicationInfo()` does (manual, "db.getReplicationInfo()": `timeDiff`, the
//! difference between the first and last operation in the oplog, from `tFirst` and `tLast`): the
//! first and last entries of `local.oplog.rs` in natural order, their `ts` timestamps. Reading
//! them needs the `find` privilege action on `local.oplog.rs`, which `clusterMonitor` does not
//! grant (it grants `find` on `local.system.replset` only): the least-privilege role in `docker/`
//! names it. The figure is the window of the member the client reads from: the primary, the
//! usual sync source.

use std::time::Duration;

use bson::{Document, doc};
use mongodb::Client;
use mongodb::options::FindOneOptions;

use super::reading::{Reading, Unknown};

/// The window between the `ts` of the `first` and `last` oplog entries; `None` when either has
/// no timestamp.
pub fn window(first: &Document, last: &Document) -> Option<Duration> {
    let first = first.get_timestamp("ts").ok()?;
    let last = last.get_timestamp("ts").ok()?;
    Some(Duration::from_secs(u64::from(last.time.saturating_sub(first.time))))
}

/// Reads the first and last entries within `limit` and measures the window between them.
pub(super) async fn read(client: &Client, limit: Duration) -> Reading<Duration> {
    let oplog = client.database("local").collection::<Document>("oplog.rs");
    let end = |direction: i32| {
        let options = FindOneOptions::builder()
            .sort(doc! { "$natural": direction })
            .projection(doc! { "ts": 1, "_id": 0 })
            .build();
        oplog.find_one(doc! {}).with_options(options)
    };
    let both = async { Ok::<_, mongodb::error::Error>((end(1).await?, end(-1).await?)) };
    match tokio::time::timeout(limit, both).await {
        Err(_) => Reading::Unknown(Unknown::Unreachable),
        Ok(Err(error)) => Reading::Unknown(Unknown::of(&error)),
        Ok(Ok((Some(first), Some(last)))) => {
            window(&first, &last).map_or(Reading::Unknown(Unknown::UnexpectedReply), Reading::Known)
        }
        Ok(Ok(_)) => Reading::Unknown(Unknown::EmptyOplog),
    }
}

#[cfg(test)]
mod tests {
    use bson::Timestamp;

    use super::*;

    #[test]
    fn the_window_runs_from_the_first_entry_to_the_last() {
        // Oplog entries as `local.oplog.rs` holds them, reduced to the projection the monitor asks for.
        let first = doc! { "ts": Timestamp { time: 1_765_000_000, increment: 3 } };
        let last = doc! { "ts": Timestamp { time: 1_765_000_000 + 30 * 3600, increment: 1 } };

        assert_eq!(window(&first, &last), Some(Duration::from_secs(30 * 3600)));
    }

    #[test]
    fn an_entry_without_a_timestamp_gives_no_window() {
        let first = doc! { "ts": Timestamp { time: 1_765_000_000, increment: 3 } };

        assert_eq!(window(&first, &doc! { "op": "n" }), None);
    }
}
