//! The append-only audit log on the critical profile: inserts only, listed newest first by the
//! time-ordered `_id`, filtered through the registry's subject and action indexes.

use async_trait::async_trait;
use bson::doc;
use domain::audit::{AuditEvent, AuditQuery};
use domain::pagination::IdCursor;
use domain::ports::AuditLog;
use domain::{Page, Result};

use super::wallets::{before_cursor, overfetch};
use crate::classify::conflict_as;
use crate::documents::AuditDoc;
use crate::store::MongoStore;

#[async_trait]
impl AuditLog for MongoStore {
    async fn append(&self, event: AuditEvent) -> Result<()> {
        let audit = &self.collections().audit;
        audit
            .write(audit.insert_one(AuditDoc::from(&event)))
            .await
            .map_err(conflict_as(|| domain::Error::exists("audit event", event.id).to_string()))?;
        Ok(())
    }

    async fn list(&self, query: &AuditQuery) -> Result<Page<AuditEvent>> {
        let audit = &self.collections().audit;
        let mut filter = doc! {};
        if let Some(subject) = &query.subject {
            filter.insert("subject", subject.as_str());
        }
        if let Some(action) = &query.action {
            filter.insert("action", action.as_str());
        }
        before_cursor(&mut filter, query.after);
        let find = audit.find(filter).sort(doc! { "_id": -1 }).limit(overfetch(query.limit));
        let docs: Vec<AuditDoc> = audit.read_all(find).await?;
        let events = docs.into_iter().map(AuditEvent::try_from).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(events, query.limit, |e| IdCursor(e.id.as_uuid()).encode()))
    }
}
