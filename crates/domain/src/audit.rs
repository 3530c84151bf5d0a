//! The append-only audit log.

use std::collections::BTreeMap;

use crate::error::ValidationError;
use crate::ids::AuditEventId;
use crate::pagination::{IdCursor, PageLimit};
use crate::time::Timestamp;
use crate::transfer::RequestMeta;

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
    /// A product was created.
    pub const PRODUCT_CREATED: &'static str = "product.created";
    /// A product's fields were replaced.
    pub const PRODUCT_UPDATED: &'static str = "product.updated";
    /// A product was deleted.
    pub const PRODUCT_DELETED: &'static str = "product.deleted";
    /// A wallet was opened.
    pub const WALLET_CREATED: &'static str = "wallet.created";
    /// A session was started.
    pub const SESSION_CREATED: &'static str = "session.created";
    /// A session was ended.
    pub const SESSION_ENDED: &'static str = "session.ended";

    /// Every action the stores write, each once: the events of the changes they audit.
    pub const ALL: [&'static str; 7] = [
        Self::TRANSFER_COMPLETED,
        Self::PRODUCT_CREATED,
        Self::PRODUCT_UPDATED,
        Self::PRODUCT_DELETED,
        Self::WALLET_CREATED,
        Self::SESSION_CREATED,
        Self::SESSION_ENDED,
    ];

    /// One of the stores' own actions ([`AuditAction::ALL`]), known valid.
    fn known(action: &'static str) -> Self {
        Self(action.to_owned())
    }

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

impl AuditEvent {
    /// The event of a change made now by the request `meta` describes: its actor
    /// ([`RequestMeta::recorded_actor`]) and request id, `action` (one of [`AuditAction::ALL`]),
    /// the `kind:id` subject and `details` (ids and amounts only: never personal data).
    pub fn of_change(
        meta: &RequestMeta,
        action: &'static str,
        kind: &str,
        id: impl std::fmt::Display,
        details: impl IntoIterator<Item = (&'static str, String)>,
    ) -> Self {
        Self {
            id: AuditEventId::new(),
            at: Timestamp::now(),
            actor: meta.recorded_actor().to_owned(),
            action: AuditAction::known(action),
            subject: AuditSubject::of(kind, id),
            request_id: meta.request_id.clone(),
            details: details.into_iter().map(|(name, value)| (name.to_owned(), value)).collect(),
        }
    }
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
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action), Ok(AuditAction::known(action)), "{action}");
        }
    }

    #[test]
    fn an_event_of_a_change_names_its_caller_or_anonymous() {
        let meta = RequestMeta::of_principal("", "r-1");

        let event = AuditEvent::of_change(
            &meta,
            AuditAction::WALLET_CREATED,
            "wallet",
            "w-1",
            [("currency", "EUR".to_owned())],
        );

        assert_eq!(event.actor, crate::transfer::ANONYMOUS);
        assert_eq!(event.subject.as_str(), "wallet:w-1");
        assert_eq!(event.request_id, "r-1");
        assert_eq!(event.details.get("currency").map(String::as_str), Some("EUR"));
    }

    #[test]
    fn a_malformed_action_is_a_validation_error_on_action() {
        let error = AuditAction::parse("a b").expect_err("a space is not allowed");

        assert_eq!(error.field, "action");
    }
}
