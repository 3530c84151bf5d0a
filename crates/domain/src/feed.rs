//! Per-user recommended product feeds.

use crate::error::ValidationError;
use crate::ids::{ProductId, UserId};
use crate::time::Timestamp;

/// A user's feed: recommended product ids, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// Whose feed.
    pub user_id: UserId,
    /// Recommended products, in order, without duplicates.
    pub product_ids: Vec<ProductId>,
    /// When generated.
    pub generated_at: Timestamp,
}

impl Feed {
    /// Most products in one feed.
    pub const MAX_ITEMS: usize = 500;

    /// A feed for `user_id` generated at `now`.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] on `product_ids` when there are more than
    /// [`Feed::MAX_ITEMS`] or duplicates.
    pub fn new(user_id: UserId, product_ids: Vec<ProductId>, now: Timestamp) -> Result<Self, ValidationError> {
        if product_ids.len() > Self::MAX_ITEMS {
            return Err(ValidationError::new("product_ids", format!("at most {} items", Self::MAX_ITEMS)));
        }
        let mut seen = std::collections::HashSet::with_capacity(product_ids.len());
        if !product_ids.iter().all(|id| seen.insert(*id)) {
            return Err(ValidationError::new("product_ids", "must not repeat an id"));
        }
        Ok(Self { user_id, product_ids, generated_at: now })
    }
}
