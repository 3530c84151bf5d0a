//! The lease lock: one document per migrated collection in [`LEASES`], taken with
//! one atomic `findOneAndUpdate` that matches only an expired lease or our own, upserting when
//! there is none. Two runners racing for a missing lease both upsert; the unique `_id` lets one
//! insert and fails the other with a duplicate key, which means "held".
//!
//! A heartbeat task renews the expiry every third of the time to live. A crashed runner stops
//! renewing, so its lease expires and the next runner takes it. Expiry compares client clocks:
//! keep the time to live well above the clock skew between the machines that run migrations.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bson::{DateTime, Document, doc};
use mongodb::options::ReturnDocument;
use mongodb::{Collection, Database};
use tokio::task::JoinHandle;

use super::{LEASES, RunError};
use crate::classify::is_duplicate_key;
use crate::profiles::{OperationClass, Profile, Profiles};
use crate::time_limit::{TimeLimited as _, within};

/// How long a lease lives without renewal, and how long to wait for a held one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseOptions {
    /// Time to live without a heartbeat.
    pub ttl: Duration,
    /// How long to wait for another runner's lease before giving up (zero: give up at once).
    pub wait: Duration,
    /// How often to try again while waiting.
    pub poll: Duration,
}

impl Default for LeaseOptions {
    fn default() -> Self {
        Self { ttl: Duration::from_secs(30), wait: Duration::ZERO, poll: Duration::from_millis(500) }
    }
}

/// A held lease; renewed in the background until released or dropped.
#[derive(Debug)]
pub struct Lease {
    collection: Collection<Document>,
    profile: Profile,
    scope: String,
    holder: String,
    lost: Arc<AtomicBool>,
    heartbeat: JoinHandle<()>,
}

impl Lease {
    /// Takes the lease on `scope` for `owner`, waiting up to `options.wait` for another holder's
    /// lease to be released or to expire.
    ///
    /// # Errors
    /// [`RunError::LeaseHeld`] when another runner still holds it after the wait;
    /// [`RunError::Driver`] when the database fails.
    pub async fn acquire(
        database: &Database,
        profiles: &Profiles,
        scope: &str,
        owner: &str,
        options: LeaseOptions,
    ) -> Result<Self, RunError> {
        let profile = profiles.get(OperationClass::Critical).clone();
        let collection = profiles.collection::<Document>(database, LEASES, OperationClass::Critical);
        let holder = uuid::Uuid::now_v7().to_string();
        let started = Instant::now();
        loop {
            let now = DateTime::now();
            let filter = doc! { "_id": scope, "$or": [{ "expires_at": { "$lte": now } }, { "holder": &holder }] };
            let update = doc! { "$set": {
                "holder": &holder, "owner": owner, "acquired_at": now, "expires_at": expiry(now, options.ttl),
            } };
            let take = collection
                .find_one_and_update(filter, update)
                .upsert(true)
                .return_document(ReturnDocument::After)
                .time_limited(&profile);
            match within(&profile, take).await {
                Ok(_) => break,
                Err(error) if is_duplicate_key(&error) => {
                    if started.elapsed() + options.poll > options.wait {
                        return Err(held(&collection, &profile, scope).await);
                    }
                    tokio::time::sleep(options.poll).await;
                }
                Err(error) => return Err(error.into()),
            }
        }
        let lost = Arc::new(AtomicBool::new(false));
        let heartbeat = tokio::spawn(heartbeat(
            collection.clone(),
            profile.clone(),
            scope.to_owned(),
            holder.clone(),
            options.ttl,
            lost.clone(),
        ));
        Ok(Self { collection, profile, scope: scope.to_owned(), holder, lost, heartbeat })
    }

    /// The collection this lease guards.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// This runner's lease token.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Whether the heartbeat found the lease taken by someone else, or could not renew it within
    /// its time to live: the runner must stop writing.
    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// Stops the heartbeat and deletes the lease (if still ours), so the next runner need not
    /// wait for it to expire.
    ///
    /// # Errors
    /// [`RunError::Driver`] when the delete fails (the lease then expires on its own).
    pub async fn release(self) -> Result<(), RunError> {
        self.heartbeat.abort();
        let delete = self.collection.delete_one(doc! { "_id": &self.scope, "holder": &self.holder });
        within(&self.profile, delete).await?;
        Ok(())
    }

    /// Stops the heartbeat and leaves the lease to expire, as a crashed process would.
    pub fn abandon(self) {
        self.heartbeat.abort();
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        // A lease dropped without release (a panic, a cancelled future) must stop renewing.
        self.heartbeat.abort();
    }
}

fn expiry(now: DateTime, ttl: Duration) -> DateTime {
    let ttl = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
    DateTime::from_millis(now.timestamp_millis().saturating_add(ttl))
}

async fn held(collection: &Collection<Document>, profile: &Profile, scope: &str) -> RunError {
    let current = within(profile, collection.find_one(doc! { "_id": scope }).time_limited(profile)).await;
    let current = match current {
        Ok(Some(current)) => current,
        Ok(None) => Document::new(),
        Err(error) => return error.into(),
    };
    let text = |field: &str| current.get_str(field).unwrap_or("an unknown runner").to_owned();
    RunError::LeaseHeld {
        scope: scope.to_owned(),
        owner: text("owner"),
        holder: text("holder"),
        expires_at: current.get_datetime("expires_at").map_or_else(|_| "unknown".to_owned(), ToString::to_string),
    }
}

async fn heartbeat(
    collection: Collection<Document>,
    profile: Profile,
    scope: String,
    holder: String,
    ttl: Duration,
    lost: Arc<AtomicBool>,
) {
    let mut renewed = Instant::now();
    loop {
        tokio::time::sleep(ttl / 3).await;
        let now = DateTime::now();
        let renew = collection
            .find_one_and_update(
                doc! { "_id": &scope, "holder": &holder },
                doc! { "$set": { "expires_at": expiry(now, ttl), "renewed_at": now } },
            )
            .time_limited(&profile);
        match within(&profile, renew).await {
            Ok(Some(_)) => renewed = Instant::now(),
            Ok(None) => {
                tracing::warn!(%scope, %holder, "migration lease was taken by another runner");
                lost.store(true, Ordering::SeqCst);
                return;
            }
            Err(error) => {
                tracing::warn!(%scope, error = %error, "migration lease heartbeat failed; retrying");
                if renewed.elapsed() >= ttl {
                    lost.store(true, Ordering::SeqCst);
                    return;
                }
            }
        }
    }
}
