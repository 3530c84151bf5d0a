//! Idempotency keys beyond transfers: the scopes a key is claimed in, the fingerprints of the
//! create commands, and the one decision table every store applies to a key's record.
//!
//! A key is claimed together with the stored response of the request that claimed it, in the
//! same atomic step as its effects, so a record is either absent or complete. The table below is
//! shared so that both stores answer a retried request alike:
//!
//! | record of the key                     | same fingerprint | another fingerprint |
//! |---------------------------------------|------------------|---------------------|
//! | none                                  | apply            | apply               |
//! | expired (`expires_at <= now`)         | clear, apply     | clear, apply        |
//! | live, with its response               | replay           | key reused          |
//! | live, without a response (in flight)  | key in flight    | key reused          |

use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::error::{Error, ValidationError};
use crate::product::{AttributeValue, Attributes, ProductDraft};
use crate::session::SessionTtl;
use crate::time::Timestamp;
use crate::transfer::IdempotencyKey;
use crate::wallet::NewWallet;
use crate::{TransferError, UserId};

/// The operation a key belongs to: the same key may be used once per scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `POST /v1/transfers`.
    Transfer,
    /// `POST /v1/wallets`.
    WalletCreate,
    /// `POST /v1/products`.
    ProductCreate,
    /// `POST /v1/sessions`.
    SessionCreate,
}

impl Scope {
    /// The stored name of the scope.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Transfer => "transfer",
            Self::WalletCreate => "wallet.create",
            Self::ProductCreate => "product.create",
            Self::SessionCreate => "session.create",
        }
    }
}

/// A stored record of a key, as every store keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record<R> {
    /// The fingerprint of the request that claimed the key.
    pub fingerprint: String,
    /// The stored response; `None` while the claiming request has not finished.
    pub response: Option<R>,
    /// After this instant the key is free again.
    pub expires_at: Timestamp,
}

impl<R> Record<R> {
    /// The record a request with `fingerprint` claims its key with at `now`, holding its
    /// `response`: free again once `lifetime` has passed.
    pub fn completed(fingerprint: String, response: R, now: Timestamp, lifetime: KeyLifetime) -> Self {
        Self { fingerprint, response: Some(response), expires_at: lifetime.expiry(now) }
    }
}

/// How long a claimed key (and with it the client's right to a replay) is kept. A request sent
/// again after that is applied as new. Every store takes its lifetime from one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyLifetime(Duration);

impl KeyLifetime {
    /// A day: longer than any client's retry window.
    pub const DEFAULT: Self = Self(Duration::from_secs(24 * 60 * 60));

    /// The shortest lifetime accepted: one second.
    pub const MIN: Duration = Duration::from_secs(1);

    /// The longest lifetime accepted: 365 days.
    pub const MAX: Duration = Duration::from_secs(365 * 24 * 60 * 60);

    /// A lifetime of `duration`.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] on `idempotency_ttl` outside [`KeyLifetime::MIN`] to
    /// [`KeyLifetime::MAX`].
    pub fn new(duration: Duration) -> Result<Self, ValidationError> {
        if (Self::MIN..=Self::MAX).contains(&duration) {
            Ok(Self(duration))
        } else {
            Err(ValidationError::new("idempotency_ttl", "must be 1 second to 365 days"))
        }
    }

    /// A lifetime of `seconds`.
    ///
    /// # Errors
    /// As [`KeyLifetime::new`].
    pub fn from_seconds(seconds: u64) -> Result<Self, ValidationError> {
        Self::new(Duration::from_secs(seconds))
    }

    /// The lifetime as a duration.
    pub fn as_duration(self) -> Duration {
        self.0
    }

    /// When a key claimed at `now` is free again.
    pub fn expiry(self, now: Timestamp) -> Timestamp {
        // At most 365 days of milliseconds: far inside i64.
        now.plus_millis(i64::try_from(self.0.as_millis()).unwrap_or(i64::MAX))
    }
}

impl Default for KeyLifetime {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Why a request with a taken key is not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyConflict {
    /// The key was first used with another request.
    #[error("idempotency key was used with another request")]
    Reused,
    /// The request that claimed the key has not finished.
    #[error("a request with this idempotency key is in flight")]
    InFlight,
}

impl From<KeyConflict> for Error {
    fn from(conflict: KeyConflict) -> Self {
        match conflict {
            KeyConflict::Reused => Self::KeyReused,
            KeyConflict::InFlight => Self::KeyInFlight,
        }
    }
}

impl From<KeyConflict> for TransferError {
    fn from(conflict: KeyConflict) -> Self {
        match conflict {
            KeyConflict::Reused => Self::KeyReused,
            KeyConflict::InFlight => Self::KeyInFlight,
        }
    }
}

/// What a store does with a request, given the record of its key.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision<R> {
    /// The key is free: apply the request and claim the key with its response.
    Apply,
    /// An expired record still holds the key: remove it (only if still expired), then apply.
    ClearThenApply,
    /// The same request completed before: answer its stored response, change nothing.
    Replay(R),
    /// The key is taken by another request, or by one still in flight.
    Refuse(KeyConflict),
}

/// The decision table (see the module documentation) for a request with `fingerprint` at `now`.
pub fn decide<R>(record: Option<Record<R>>, fingerprint: &str, now: Timestamp) -> Decision<R> {
    match record {
        None => Decision::Apply,
        Some(record) if record.expires_at <= now => Decision::ClearThenApply,
        Some(record) if record.fingerprint != fingerprint => Decision::Refuse(KeyConflict::Reused),
        Some(Record { response: Some(response), .. }) => Decision::Replay(response),
        Some(Record { response: None, .. }) => Decision::Refuse(KeyConflict::InFlight),
    }
}

/// A request's claim on a key: the key and the fingerprint of the request, which a later request
/// with the same key must match to be answered with the stored response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The client's key.
    pub key: IdempotencyKey,
    /// The request's fingerprint (one of the `*_fingerprint` functions).
    pub fingerprint: String,
}

impl Claim {
    /// The claim of `key` by a request with `fingerprint`.
    pub fn new(key: IdempotencyKey, fingerprint: String) -> Self {
        Self { key, fingerprint }
    }
}

/// What a keyed create returns: the entity, and whether an earlier call with the same key and
/// request created it (a replay).
#[derive(Debug, Clone, PartialEq)]
pub struct Created<T> {
    /// The entity, exactly as first stored.
    pub value: T,
    /// `true` when this call created nothing and answered the stored response.
    pub replayed: bool,
}

impl<T> Created<T> {
    /// A fresh creation.
    pub fn fresh(value: T) -> Self {
        Self { value, replayed: false }
    }

    /// A replay of an earlier creation.
    pub fn replay(value: T) -> Self {
        Self { value, replayed: true }
    }
}

/// SHA-256 (hex) of a canonical encoding: each field length-prefixed, so no two field lists
/// encode alike, behind a tag naming the command and its encoding version.
fn digest(tag: &str, fields: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(tag.as_bytes());
    for field in fields {
        hasher.update(format!("|{}:", field.len()).as_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// The fingerprint of opening a wallet: owner, currency and opening balance.
pub fn wallet_fingerprint(command: &NewWallet) -> String {
    let money = command.opening_balance;
    digest("wallet.create/v1", &[command.owner.as_str(), money.currency().as_str(), &money.minor().to_string()])
}

/// The fingerprint of creating a product: every client-set field, attributes in key order.
pub fn product_fingerprint(draft: &ProductDraft) -> String {
    // Every field named: a field added to drafts fails to compile here until it is fingerprinted.
    let ProductDraft { sku, name, category, price, attributes, tags } = draft;
    let tags: Vec<&str> = tags.iter().map(|t| t.as_str()).collect();
    let mut encoded = String::new();
    encode_attributes(attributes, &mut encoded);
    digest(
        "product.create/v1",
        &[
            sku.as_str(),
            name.as_str(),
            category.as_str(),
            price.currency().as_str(),
            &price.minor().to_string(),
            &tags.join("\u{0}"),
            &encoded,
        ],
    )
}

/// The fingerprint of starting a session: the user and the lifetime asked for.
pub fn session_fingerprint(user_id: UserId, ttl: SessionTtl) -> String {
    digest("session.create/v1", &[&user_id.to_string(), &ttl.as_millis().to_string()])
}

/// A canonical, self-delimiting text of attributes (maps are ordered by key already).
fn encode_attributes(attributes: &Attributes, out: &mut String) {
    out.push('{');
    for (key, value) in attributes.entries() {
        out.push_str(&format!("{}:{key}=", key.len()));
        encode_value(value, out);
    }
    out.push('}');
}

fn encode_value(value: &AttributeValue, out: &mut String) {
    match value {
        AttributeValue::Null => out.push('n'),
        AttributeValue::Bool(b) => out.push_str(if *b { "t" } else { "f" }),
        AttributeValue::Int(i) => out.push_str(&format!("i{i};")),
        // The bits, so that every distinct float (and -0.0) has its own text.
        AttributeValue::Float(x) => out.push_str(&format!("d{:016x};", x.to_bits())),
        AttributeValue::Text(text) => out.push_str(&format!("s{}:{text}", text.len())),
        AttributeValue::List(items) => {
            out.push('[');
            items.iter().for_each(|item| encode_value(item, out));
            out.push(']');
        }
        AttributeValue::Map(map) => encode_attributes(map, out),
    }
}

#[cfg(test)]
mod tests;
