//! Audit events on the wire.

use std::collections::BTreeMap;

use domain::ValidationError;
use domain::audit::{AuditAction, AuditEvent, AuditQuery, AuditSubject};
use domain::pagination::Page;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{id_cursor, limit, time};

/// Filters and position of an audit listing.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub(crate) struct AuditParams {
    /// Only events about this subject (`wallet:<id>`).
    pub subject: Option<String>,
    /// Only events with this action (`transfer.completed`).
    pub action: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[cfg_attr(feature = "openapi", param(value_type = Option<u32>, minimum = 1, maximum = 200))]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl AuditParams {
    /// The validated query.
    ///
    /// # Errors
    /// The first [`ValidationError`] found, naming its parameter.
    pub(crate) fn try_into_domain(self) -> Result<AuditQuery, ValidationError> {
        Ok(AuditQuery {
            subject: self.subject.as_deref().map(AuditSubject::parse).transpose()?,
            action: self.action.as_deref().map(AuditAction::parse).transpose()?,
            limit: limit(self.limit.as_deref())?,
            after: id_cursor(self.cursor.as_deref())?,
        })
    }
}

/// An audit event.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct AuditEventView {
    /// Identifier.
    pub id: Uuid,
    /// When it happened (RFC 3339).
    pub at: String,
    /// Who did it.
    pub actor: String,
    /// What happened.
    pub action: String,
    /// What it happened to.
    pub subject: String,
    /// The request that caused it.
    pub request_id: String,
    /// Redacted details: ids and amounts, never personal data.
    pub details: BTreeMap<String, String>,
}

/// One page of audit events, newest first.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct AuditPage {
    /// The events.
    pub items: Vec<AuditEventView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl From<Page<AuditEvent>> for AuditPage {
    fn from(page: Page<AuditEvent>) -> Self {
        let items = page
            .items
            .into_iter()
            .map(|event| AuditEventView {
                id: event.id.as_uuid(),
                at: time(event.at),
                actor: event.actor,
                action: event.action.as_str().to_owned(),
                subject: event.subject.as_str().to_owned(),
                request_id: event.request_id,
                details: event.details,
            })
            .collect();
        Self { items, next_cursor: page.next_cursor }
    }
}
