//! The `sessions` and `feeds` collections: per-user data.

use domain::UserId;
use domain::feed::Feed;
use domain::session::{IssuedSession, Session, SessionToken, TokenHash};
use serde::{Deserialize, Serialize};

use super::{SCHEMA_VERSION, StoredUuid, check_version, invalid, read_time, read_uuid, stored_time, stored_uuid};

/// A stored session, keyed by the token's hash (the token itself is never stored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionDoc {
    /// SHA-256 of the token, hex.
    #[serde(rename = "_id")]
    pub token_hash: String,
    /// Document layout version.
    pub schema_version: i32,
    /// Whose session.
    pub user_id: StoredUuid,
    /// When created.
    pub created_at: bson::DateTime,
    /// When it stops being valid; the TTL index removes it some time after.
    pub expires_at: bson::DateTime,
}

impl From<&Session> for SessionDoc {
    fn from(session: &Session) -> Self {
        Self {
            token_hash: session.token_hash.as_str().to_owned(),
            schema_version: SCHEMA_VERSION,
            user_id: stored_uuid(session.user_id.as_uuid()),
            created_at: stored_time(session.created_at),
            expires_at: stored_time(session.expires_at),
        }
    }
}

impl TryFrom<SessionDoc> for Session {
    type Error = domain::Error;

    fn try_from(doc: SessionDoc) -> Result<Self, Self::Error> {
        // Never name the hash in errors: it identifies a live credential.
        let token_hash = TokenHash::parse(&doc.token_hash).map_err(|e| invalid("session", "<hash>", e))?;
        check_version("session", "<hash>", doc.schema_version)?;
        Ok(Self {
            token_hash,
            user_id: UserId::from_uuid(read_uuid(&doc.user_id)),
            created_at: read_time("session", "<hash>", doc.created_at)?,
            expires_at: read_time("session", "<hash>", doc.expires_at)?,
        })
    }
}

/// The stored response of a keyed session create: the session and its token, so that the
/// client's own retry gets the same token back. It lives only in the idempotency record (which
/// expires), never beside the session; `Debug` hides the token.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedSessionDoc {
    /// The token shown to the client.
    pub token: String,
    /// The session as stored in `sessions`.
    pub session: SessionDoc,
}

impl std::fmt::Debug for IssuedSessionDoc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedSessionDoc").field("token", &"<secret>").finish_non_exhaustive()
    }
}

impl From<&IssuedSession> for IssuedSessionDoc {
    fn from(issued: &IssuedSession) -> Self {
        Self { token: issued.token.expose().to_owned(), session: SessionDoc::from(&issued.session) }
    }
}

impl TryFrom<IssuedSessionDoc> for IssuedSession {
    type Error = domain::Error;

    fn try_from(doc: IssuedSessionDoc) -> Result<Self, Self::Error> {
        let token = SessionToken::parse(&doc.token).map_err(|e| invalid("session", "<token>", e))?;
        let session = Session::try_from(doc.session)?;
        if token.hash() != session.token_hash {
            return Err(domain::Error::Internal(anyhow::anyhow!("a stored session response does not match its token")));
        }
        Ok(Self { token, session })
    }
}

/// A stored feed, keyed by user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedDoc {
    /// Whose feed.
    #[serde(rename = "_id")]
    pub user_id: StoredUuid,
    /// Document layout version.
    pub schema_version: i32,
    /// Recommended products, in order.
    pub product_ids: Vec<StoredUuid>,
    /// When generated.
    pub generated_at: bson::DateTime,
}

impl From<&Feed> for FeedDoc {
    fn from(feed: &Feed) -> Self {
        Self {
            user_id: stored_uuid(feed.user_id.as_uuid()),
            schema_version: SCHEMA_VERSION,
            product_ids: feed.product_ids.iter().map(|id| stored_uuid(id.as_uuid())).collect(),
            generated_at: stored_time(feed.generated_at),
        }
    }
}

impl TryFrom<FeedDoc> for Feed {
    type Error = domain::Error;

    fn try_from(doc: FeedDoc) -> Result<Self, Self::Error> {
        let user_id = UserId::from_uuid(read_uuid(&doc.user_id));
        check_version("feed", user_id, doc.schema_version)?;
        let products = doc.product_ids.iter().map(|id| domain::ProductId::from_uuid(read_uuid(id))).collect();
        let generated_at = read_time("feed", user_id, doc.generated_at)?;
        Feed::new(user_id, products, generated_at).map_err(|e| invalid("feed", user_id, e))
    }
}
