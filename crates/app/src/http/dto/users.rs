//! Sessions and feeds on the wire.

use domain::feed::Feed;
use domain::session::{Session, SessionTtl};
use domain::{ProductId, Timestamp, UserId, ValidationError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::time;

/// Starts a session.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct SessionInput {
    /// Whose session.
    pub user_id: Uuid,
    /// Lifetime in seconds, 1 to 2592000 (30 days).
    #[serde(deserialize_with = "super::whole_unsigned")]
    pub ttl_seconds: u64,
}

impl SessionInput {
    /// The validated user and lifetime.
    ///
    /// # Errors
    /// A lifetime out of range.
    pub(crate) fn try_into_domain(self) -> Result<(UserId, SessionTtl), ValidationError> {
        Ok((UserId::from_uuid(self.user_id), SessionTtl::from_seconds(self.ttl_seconds)?))
    }
}

/// A new session: the token is shown here and never again.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct SessionCreated {
    /// The secret token; present it in `/v1/sessions/{token}`.
    pub token: String,
    /// When it stops being valid (RFC 3339).
    pub expires_at: String,
}

/// A live session.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct SessionView {
    /// Whose session.
    pub user_id: Uuid,
    /// When created (RFC 3339).
    pub created_at: String,
    /// When it stops being valid (RFC 3339).
    pub expires_at: String,
}

impl From<&Session> for SessionView {
    fn from(session: &Session) -> Self {
        Self {
            user_id: session.user_id.as_uuid(),
            created_at: time(session.created_at),
            expires_at: time(session.expires_at),
        }
    }
}

/// Replaces a user's feed.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct FeedInput {
    /// Recommended products in order, at most 500, no repeats.
    pub product_ids: Vec<Uuid>,
}

impl FeedInput {
    /// The validated feed of `user_id`, generated `now`.
    ///
    /// # Errors
    /// Too many or repeated ids.
    pub(crate) fn try_into_domain(self, user_id: UserId, now: Timestamp) -> Result<Feed, ValidationError> {
        Feed::new(user_id, self.product_ids.into_iter().map(ProductId::from_uuid).collect(), now)
    }
}

/// A user's feed.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct FeedView {
    /// Whose feed.
    pub user_id: Uuid,
    /// Recommended products, in order.
    pub product_ids: Vec<Uuid>,
    /// When generated (RFC 3339).
    pub generated_at: String,
}

impl From<&Feed> for FeedView {
    fn from(feed: &Feed) -> Self {
        Self {
            user_id: feed.user_id.as_uuid(),
            product_ids: feed.product_ids.iter().map(ProductId::as_uuid).collect(),
            generated_at: time(feed.generated_at),
        }
    }
}
