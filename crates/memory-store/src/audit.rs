//! [`AuditLog`] in memory. The trail lives in the bank because a transfer appends its event in
//! the same critical section that moves the money.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

use async_trait::async_trait;
use domain::audit::{AuditEvent, AuditQuery, AuditSubject};
use domain::pagination::{IdCursor, Page};
use domain::{AuditEventId, AuditLog, Error, Result};

use crate::MemoryStore;
use crate::locks::{read, write};
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

    /// One page, newest first, after the cursor.
    pub(crate) fn list(&self, query: &AuditQuery) -> Page<AuditEvent> {
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
        let items = ids
            .filter_map(|id| self.events.get(id))
            .filter(|event| query.matches(event))
            .take(query.limit.get() + 1)
            .cloned()
            .collect();
        Page::from_overfetch(items, query.limit, |event: &AuditEvent| IdCursor(event.id.as_uuid()).encode())
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
        let bank = read(&self.inner.bank, TABLE)?;
        Ok(bank.audit.list(query))
    }
}
