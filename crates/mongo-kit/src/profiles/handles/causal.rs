//! Reads in a session: a read that must see the caller's own writes runs in the causally
//! consistent session those writes ran in, or in one advanced to a [`CausalClock`]'s newest
//! write. The driver then sends `readConcern.afterClusterTime`, so the member serving the read (a
//! secondary too) first applies those writes (manual: "Causal Consistency and Read and Write
//! Concerns"). Without a session, a read of a class that reads from secondaries may miss them.
//!
//! `find_one`, `count_documents` and `aggregate` take a session through the driver's
//! `.session(..)` and run through [`Classed::read`] or [`Classed::aggregate_all`]; a `find`'s
//! cursor must be iterated with its session, which [`Classed::read_all_in`] does.

use futures::TryStreamExt as _;
use mongodb::ClientSession;
use mongodb::action::Find;
use serde::de::DeserializeOwned;

use super::{Classed, Report};
use crate::causal::CausalClock;
use crate::classify::classify;
use crate::time_limit::TimeLimited as _;

impl<T: Send + Sync, R: Report> Classed<T, R> {
    /// A causally consistent session on the handle's client whose first read waits for every
    /// write `clock` has seen ([`CausalClock::session`]). Run the writes to read back in it too.
    ///
    /// # Errors
    /// The classified failure (no session could be started), as the store's error.
    pub async fn causal_session(&self, clock: &CausalClock) -> Result<ClientSession, R::Error> {
        clock.session(self.collection.client()).await.map_err(|error| R::report(classify(error)))
    }

    /// Runs a `find` like [`Classed::read_all`] in `session` and collects every document of its
    /// cursor: in a causally consistent session, the read sees the session's writes (and those
    /// it was advanced to), whichever member serves it.
    ///
    /// # Errors
    /// The classified failure, as the store's error.
    pub async fn read_all_in(&self, find: Find<'_, T>, session: &mut ClientSession) -> Result<Vec<T>, R::Error>
    where
        T: DeserializeOwned,
    {
        let find = find.time_limited(&self.profile);
        let documents = self.run(async {
            let mut cursor = find.session(&mut *session).await?;
            cursor.stream(session).try_collect().await
        });
        documents.await.map_err(|error| R::report(classify(error)))
    }
}
