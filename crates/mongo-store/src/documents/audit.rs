//! The `audit` collection: append-only events.

use std::collections::BTreeMap;

use domain::AuditEventId;
use domain::audit::{AuditAction, AuditEvent, AuditSubject};
use serde::{Deserialize, Serialize};

use super::{SCHEMA_VERSION, StoredUuid, check_version, invalid, read_time, read_uuid, stored_time, stored_uuid};

/// A stored audit event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditDoc {
    /// The event id (time-ordered: listings sort by `_id`).
    #[serde(rename = "_id")]
    pub id: StoredUuid,
    /// Document layout version.
    pub schema_version: i32,
    /// When it happened.
    pub at: bson::DateTime,
    /// Who did it.
    pub actor: String,
    /// What happened.
    pub action: String,
    /// What it happened to.
    pub subject: String,
    /// The request that caused it.
    pub request_id: String,
    /// Redacted details (ids and amounts).
    pub details: BTreeMap<String, String>,
}

impl From<&AuditEvent> for AuditDoc {
    fn from(event: &AuditEvent) -> Self {
        Self {
            id: stored_uuid(event.id.as_uuid()),
            schema_version: SCHEMA_VERSION,
            at: stored_time(event.at),
            actor: event.actor.clone(),
            action: event.action.as_str().to_owned(),
            subject: event.subject.as_str().to_owned(),
            request_id: event.request_id.clone(),
            details: event.details.clone(),
        }
    }
}

impl TryFrom<AuditDoc> for AuditEvent {
    type Error = domain::Error;

    fn try_from(doc: AuditDoc) -> Result<Self, Self::Error> {
        let id = AuditEventId::from_uuid(read_uuid(&doc.id));
        let bad = |e: domain::ValidationError| invalid("audit event", id, e);
        check_version("audit event", id, doc.schema_version)?;
        Ok(Self {
            id,
            at: read_time("audit event", id, doc.at)?,
            actor: doc.actor,
            action: AuditAction::parse(&doc.action).map_err(bad)?,
            subject: AuditSubject::parse(&doc.subject).map_err(bad)?,
            request_id: doc.request_id,
            details: doc.details,
        })
    }
}
