//! The append-only audit log.

use std::collections::BTreeMap;

use crate::error::ValidationError;
use crate::ids::AuditEventId;
use crate::pagination::{IdCursor, PageLimit};
use crate::time::Timestamp;

fn token(rule: &crate::rules::TextRule, raw: &str) -> Result<String, ValidationError> {
    rule.check(raw)?;
    Ok(raw.to_owned())
}

/// What happened, as a dotted verb (`transfer.completed`, `product.created`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuditAction(String);

impl AuditAction {
    /// Parses an action.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] on `action` unless 1–64 ASCII letters, digits, `-_.:`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        token(&crate::rules::AUDIT_ACTION, raw).map(Self)
    }

    /// `transfer.completed`: the action of an applied transfer's event.
    pub fn transfer_completed() -> Self {
        Self(Self::TRANSFER_COMPLETED.to_owned())
    }

    /// The text of [`AuditAction::transfer_completed`].
    pub const TRANSFER_COMPLETED: &'static str = "transfer.completed";

    /// The action as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What it happened to, as `kind:id` (`wallet:0190…`, `transfer:0190…`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuditSubject(String);

impl AuditSubject {
    /// Parses a subject.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] on `subject` unless 1–128 ASCII letters, digits, `-_.:`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        token(&crate::rules::AUDIT_SUBJECT, raw).map(Self)
    }

    /// The subject of an entity: `kind:id`.
    pub fn of(kind: &str, id: impl std::fmt::Display) -> Self {
        Self(format!("{kind}:{id}"))
    }

    /// The subject as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One audit event. Details hold no personal data: writers put ids and amounts there, never
/// owners, tokens or free-form attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// Identifier (time-ordered).
    pub id: AuditEventId,
    /// When it happened.
    pub at: Timestamp,
    /// Who did it.
    pub actor: String,
    /// What happened.
    pub action: AuditAction,
    /// What it happened to.
    pub subject: AuditSubject,
    /// The request that caused it.
    pub request_id: String,
    /// Redacted details.
    pub details: BTreeMap<String, String>,
}

/// An audit listing: newest first, optionally filtered.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AuditQuery {
    /// Only this subject.
    pub subject: Option<AuditSubject>,
    /// Only this action.
    pub action: Option<AuditAction>,
    /// Page size.
    pub limit: PageLimit,
    /// Where the previous page stopped.
    pub after: Option<IdCursor>,
}

impl AuditQuery {
    /// Whether `event` passes this query's filters (not the cursor).
    pub fn matches(&self, event: &AuditEvent) -> bool {
        self.subject.as_ref().is_none_or(|s| *s == event.subject)
            && self.action.as_ref().is_none_or(|a| *a == event.action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_actions_stores_write_parse_as_actions() {
        assert_eq!(AuditAction::parse(AuditAction::TRANSFER_COMPLETED), Ok(AuditAction::transfer_completed()));
    }

    #[test]
    fn a_malformed_action_is_a_validation_error_on_action() {
        let error = AuditAction::parse("a b").expect_err("a space is not allowed");

        assert_eq!(error.field, "action");
    }
}
