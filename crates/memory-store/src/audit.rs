//! [`AuditLog`] in memory. Each consistency domain keeps the events of its own changes under its
//! own lock (the bank those of transfers and wallets, the products table and the sessions table
//! theirs), so a change and its event are stored together and no operation takes two locks; a
//! listing merges the trails.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

use async_trait::async_trait;
use domain::audit::{AuditEvent, AuditQuery, AuditSubject};
use domain::pagination::{IdCursor, Page};
use domain::{AuditEventId, AuditLog, Error, Result};

use crate::MemoryStore;
use crate::locks::{lock, read, write};
use crate::wallets::bank::TABLE;

/// Append-only events ordered by id (ids are time-ordered), with an index by subject because
/// that is how callers look events up (the history of one transfer, one wallet).
#[derive(Debug, Default)]
pub(crate) struct AuditTrail {
    events: BTreeMap<AuditEventId, AuditEvent>,
    by_subject: HashMap<AuditSubject, BTreeSet<AuditEventId>>,
}

impl AuditTrail {
    /// Whether an event with this id exists.
    pub(crate) fn contains(&self, id: AuditEventId) -> bool {
        self.events.contains_key(&id)
    }

    /// Appends an event whose id the caller has checked to be new.
    pub(crate) fn append(&mut self, event: AuditEvent) {
        self.by_subject.entry(event.subject.clone()).or_default().insert(event.id);
        self.events.insert(event.id, event);
    }

    /// The newest matches after the cursor, newest first, one more than the page holds.
    pub(crate) fn page(&self, query: &AuditQuery) -> Vec<AuditEvent> {
        // Bounded on one side only, so no cursor value can make the range invalid.
        let older =
            (Bound::Unbounded, query.after.map_or(Bound::Unbounded, |c| Bound::Excluded(AuditEventId::from_uuid(c.0))));
        let ids: Box<dyn Iterator<Item = &AuditEventId>> = match &query.subject {
            Some(subject) => match self.by_subject.get(subject) {
                Some(ids) => Box::new(ids.range(older).rev()),
                None => Box::new(std::iter::empty()),
            },
            None => Box::new(self.events.range(older).rev().map(|(id, _)| id)),
        };
        ids.filter_map(|id| self.events.get(id))
            .filter(|event| query.matches(event))
            .take(query.limit.get() + 1)
            .cloned()
            .collect()
    }
}

#[async_trait]
impl AuditLog for MemoryStore {
    async fn append(&self, event: AuditEvent) -> Result<()> {
        let mut bank = write(&self.inner.bank, TABLE)?;
        if bank.audit.contains(event.id) {
            return Err(Error::exists("audit event", event.id));
        }
        bank.audit.append(event);
        Ok(())
    }

    async fn list(&self, query: &AuditQuery) -> Result<Page<AuditEvent>> {
        // Each trail's page holds its newest matches after the cursor, one more than asked: the
        // merged page is the newest of those, and its last id is a valid cursor for every trail.
        let mut events = read(&self.inner.bank, TABLE)?.audit.page(query);
        events.extend(read(&self.inner.products, crate::products::TABLE)?.audit.page(query));
        events.extend(lock(&self.inner.sessions, crate::sessions::TABLE)?.audit.page(query));
        events.sort_by_key(|event| std::cmp::Reverse(event.id));
        events.truncate(query.limit.get() + 1);
        Ok(Page::from_overfetch(events, query.limit, |event: &AuditEvent| IdCursor(event.id.as_uuid()).encode()))
    }
}
