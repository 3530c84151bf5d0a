//! Sessions: a random token shown to the client once; stores keep only its SHA-256 hash.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use sha2::{Digest, Sha256};

use crate::audit::{AuditAction, AuditEvent};
use crate::error::ValidationError;
use crate::ids::UserId;
use crate::time::Timestamp;
use crate::transfer::RequestMeta;

/// A session token: 32 random bytes in URL-safe base64. It is a secret: it is never logged or
/// printed by `Debug`, and never stored beside its session; the only copy a store keeps is the
/// stored response of a keyed `POST /v1/sessions`, so the client's own retry gets the same token
/// back until that record expires.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    /// A fresh token from the operating system's generator.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Parses a token a client presents.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] on `token` unless it has the shape of a generated token.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match crate::rules::SESSION_TOKEN.check(raw) {
            Ok(()) => Ok(Self(raw.to_owned())),
            Err(_) => Err(ValidationError::new("token", "is not a session token")),
        }
    }

    /// The token text, to hand to the client once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The hash stores keep and look up by.
    pub fn hash(&self) -> TokenHash {
        TokenHash(hex::encode(Sha256::digest(self.0.as_bytes())))
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(<secret>)")
    }
}

/// SHA-256 of a session token, lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    /// Parses a stored hash.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] on `token_hash` unless 64 lower-case hex digits.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let ok = raw.len() == 64 && raw.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if ok { Ok(Self(raw.to_owned())) } else { Err(ValidationError::new("token_hash", "must be 64 hex digits")) }
    }

    /// The hash as hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How long a new session lives: 1 second to 30 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTtl(u32);

impl SessionTtl {
    /// Longest lifetime, in seconds.
    pub const MAX_SECONDS: u32 = 30 * 24 * 3600;

    /// Parses a lifetime in seconds.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] on `ttl_seconds` outside 1..=2592000.
    pub fn from_seconds(seconds: u64) -> Result<Self, ValidationError> {
        match u32::try_from(seconds) {
            Ok(s) if (1..=Self::MAX_SECONDS).contains(&s) => Ok(Self(s)),
            _ => Err(ValidationError::new("ttl_seconds", format!("must be between 1 and {}", Self::MAX_SECONDS))),
        }
    }

    /// The lifetime in milliseconds.
    pub fn as_millis(&self) -> i64 {
        i64::from(self.0) * 1000
    }
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Hash of the token (the lookup key).
    pub token_hash: TokenHash,
    /// Whose session.
    pub user_id: UserId,
    /// When created.
    pub created_at: Timestamp,
    /// When it stops being valid. Stores never return a session at or past this instant.
    pub expires_at: Timestamp,
}

/// A session just issued and its token: what a keyed create stores as its response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedSession {
    /// The token, shown to the client (its `Debug` is redacted).
    pub token: SessionToken,
    /// The session stored under the token's hash.
    pub session: Session,
}

impl Session {
    /// The event of starting this session for the request `meta` describes. Its subject is the
    /// token's hash (the token itself is a secret, the user personal data: neither is recorded);
    /// the details hold its expiry.
    pub fn created_event(&self, meta: &RequestMeta) -> AuditEvent {
        let details = [("expires_at_ms", self.expires_at.as_millis().to_string())];
        AuditEvent::of_change(meta, AuditAction::SESSION_CREATED, "session", self.token_hash.as_str(), details)
    }

    /// The event of ending the session whose token hashes to `token_hash`.
    pub fn ended_event(token_hash: &TokenHash, meta: &RequestMeta) -> AuditEvent {
        AuditEvent::of_change(meta, AuditAction::SESSION_ENDED, "session", token_hash.as_str(), [])
    }

    /// A session for `user_id` living `ttl` from `now`, and the token to hand out.
    pub fn issue(user_id: UserId, ttl: SessionTtl, now: Timestamp) -> (SessionToken, Self) {
        let token = SessionToken::generate();
        let session =
            Self { token_hash: token.hash(), user_id, created_at: now, expires_at: now.plus_millis(ttl.as_millis()) };
        (token, session)
    }

    /// Whether the session is still valid at `now`.
    pub fn is_live_at(&self, now: Timestamp) -> bool {
        self.expires_at > now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_token_parses_and_hashes_to_the_stored_hash() {
        let (token, session) =
            Session::issue(UserId::new(), SessionTtl::from_seconds(60).expect("valid"), Timestamp::now());
        let parsed = SessionToken::parse(token.expose()).expect("a generated token parses");
        assert_eq!(parsed.hash(), session.token_hash);
        assert_ne!(session.token_hash.as_str(), token.expose());
        assert!(!format!("{token:?}").contains(token.expose()));
    }

    #[test]
    fn ttl_bounds() {
        assert!(SessionTtl::from_seconds(0).is_err());
        assert!(SessionTtl::from_seconds(u64::from(SessionTtl::MAX_SECONDS) + 1).is_err());
    }
}
