//! Read-your-writes where a class reads from secondaries (feeds, analytics): a secondary may not
//! have applied a write this process just made, so a put followed by a get could miss it.
//!
//! The store keeps a [`CausalClock`]: the newest `operationTime` any write of this client was
//! acknowledged at, read from the driver's command events. A read of a class whose read
//! preference allows secondaries runs in a causally consistent session advanced to that time,
//! so the driver sends `readConcern.afterClusterTime` and the member that serves the read first
//! applies every write this process made (manual: "Causal Consistency and Read and Write
//! Concerns"; the driver sessions specification's `advanceOperationTime`). The wait is bounded by
//! the class's time limit like any read.
//!
//! The contract is per process (per store): writes made through another process or store are not
//! waited for. Servers that report no `operationTime` (a standalone server) leave the clock empty
//! and reads unchanged; primary reads need no session.

use std::sync::{Arc, Mutex, PoisonError};

use bson::{Document, Timestamp};
use mongodb::{Client, ClientSession};

/// Commands whose acknowledgement makes data visible that later reads must see.
const WRITES: [&str; 6] = ["insert", "update", "delete", "findAndModify", "bulkWrite", "commitTransaction"];

/// The newest acknowledged write's `operationTime` of one client. Clones share it.
#[derive(Debug, Clone, Default)]
pub struct CausalClock {
    latest: Arc<Mutex<Option<Timestamp>>>,
}

impl CausalClock {
    /// Takes the `operationTime` of a successful `command`'s `reply`, when it is a write's and
    /// newer than any seen.
    pub fn observe(&self, command: &str, reply: &Document) {
        if !WRITES.contains(&command) {
            return;
        }
        let Ok(time) = reply.get_timestamp("operationTime") else { return };
        let mut latest = self.latest.lock().unwrap_or_else(PoisonError::into_inner);
        if latest.is_none_or(|seen| (seen.time, seen.increment) < (time.time, time.increment)) {
            *latest = Some(time);
        }
    }

    /// The newest write's `operationTime`, if a server reported one.
    pub fn latest(&self) -> Option<Timestamp> {
        *self.latest.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A causally consistent session on `client` whose first read waits for every write seen.
    ///
    /// # Errors
    /// The driver's error when no session can be started.
    pub async fn session(&self, client: &Client) -> mongodb::error::Result<ClientSession> {
        let mut session = client.start_session().causal_consistency(true).await?;
        if let Some(time) = self.latest() {
            session.advance_operation_time(time);
        }
        Ok(session)
    }
}

#[cfg(test)]
mod tests {
    use bson::doc;

    use super::*;

    fn at(time: u32, increment: u32) -> Timestamp {
        Timestamp { time, increment }
    }

    #[test]
    fn the_clock_keeps_the_newest_write_time_and_ignores_reads_and_older_writes() {
        let clock = CausalClock::default();

        clock.observe("update", &doc! { "ok": 1, "operationTime": at(10, 2) });
        clock.observe("insert", &doc! { "ok": 1, "operationTime": at(10, 1) });
        clock.observe("find", &doc! { "ok": 1, "operationTime": at(99, 0) });
        clock.observe("bulkWrite", &doc! { "ok": 1 });

        assert_eq!(clock.latest(), Some(at(10, 2)));
        clock.observe("commitTransaction", &doc! { "ok": 1, "operationTime": at(11, 0) });
        assert_eq!(clock.latest(), Some(at(11, 0)));
    }

    #[test]
    fn a_clock_that_saw_no_operation_time_stays_empty() {
        let clock = CausalClock::default();

        clock.observe("insert", &doc! { "ok": 1, "n": 1 });

        assert_eq!(clock.latest(), None);
    }
}
