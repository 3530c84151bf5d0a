//! The orders port and its in-memory implementation.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use mongo_kit::exactly_once::{KeyId, KeyRecord, Refusal, Verdict, standard_judge};

use crate::model::{Order, OrderError, PlaceOrder, Placed};

/// The idempotency scope of order placement.
pub const PLACE_SCOPE: &str = "order.place";

/// How long a client may replay a placement with its key.
pub const KEY_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// The most a customer's orders may add up to, in minor units: a placement beyond it is refused
/// with [`OrderError::CreditLimit`], decided on the orders read in the placement's transaction.
pub const CREDIT_LIMIT_MINOR: i64 = 1_000_000;

/// The caller an anonymous request's idempotency keys belong to (what
/// `app::http::headers::Meta` gives as the principal when no credentials are checked).
pub const ANONYMOUS_CALLER: &str = "";

/// Where orders live.
#[async_trait]
pub trait OrderBook: Send + Sync {
    /// Places `request` once per `key` of `caller` (the authenticated principal, or
    /// [`ANONYMOUS_CALLER`]): a retry with the same key and request answers the first order
    /// (`replayed`), even when the customer's credit is used up by then (by that order). Another
    /// caller's key with the same text is a key of its own.
    ///
    /// # Errors
    /// [`OrderError::Invalid`], [`OrderError::DuplicateReference`], [`OrderError::KeyReused`],
    /// [`OrderError::KeyInFlight`], [`OrderError::CreditLimit`] (the key stays free),
    /// [`OrderError::OutcomeUnknown`], [`OrderError::Unavailable`].
    async fn place(&self, request: PlaceOrder, caller: &str, key: &str) -> Result<Placed, OrderError>;

    /// The order with `id`.
    ///
    /// # Errors
    /// [`OrderError::NotFound`], or the store's failure.
    async fn get(&self, id: uuid::Uuid) -> Result<Order, OrderError>;

    /// A customer's orders, newest first, at most `limit`.
    ///
    /// # Errors
    /// The store's failure.
    async fn for_customer(&self, customer: &str, limit: u32) -> Result<Vec<Order>, OrderError>;
}

/// Milliseconds since the Unix epoch now.
pub fn now_ms() -> i64 {
    bson::DateTime::now().timestamp_millis()
}

/// Orders in process memory, for tests and demos: the same rules as the MongoDB book (the kit's
/// decision table for keys, unique references).
#[derive(Debug, Default)]
pub struct MemoryBook {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    orders: Vec<Order>,
    /// By caller and key.
    keys: HashMap<(String, String), KeyRecord<Order>>,
}

#[async_trait]
impl OrderBook for MemoryBook {
    async fn place(&self, request: PlaceOrder, caller: &str, key: &str) -> Result<Placed, OrderError> {
        request.validate()?;
        let fingerprint = request.fingerprint();
        let mut state = self.state.lock().map_err(|_| OrderError::Internal("a poisoned lock".to_owned()))?;
        let now = bson::DateTime::now();
        let id = (caller.to_owned(), key.to_owned());
        if let Some(record) = state.keys.get(&id).cloned() {
            match standard_judge(record, &fingerprint, now).map_err(|_| OrderError::KeyInFlight)? {
                Verdict::Replay(order) => return Ok(Placed { order, replayed: true }),
                Verdict::Refused(Refusal::Reused) => return Err(OrderError::KeyReused),
                Verdict::Refused(Refusal::InFlight) => return Err(OrderError::KeyInFlight),
                Verdict::Free => {}
            }
        }
        if state.orders.iter().any(|order| order.reference == request.reference) {
            return Err(OrderError::DuplicateReference(request.reference));
        }
        let placed: i64 =
            state.orders.iter().filter(|order| order.customer == request.customer).map(|o| o.amount_minor).sum();
        if placed.saturating_add(request.amount_minor) > CREDIT_LIMIT_MINOR {
            return Err(OrderError::CreditLimit { customer: request.customer, limit_minor: CREDIT_LIMIT_MINOR });
        }
        let order = Order::new(request, now.timestamp_millis());
        let record =
            KeyRecord::claim(KeyId::new(PLACE_SCOPE, caller, key), &fingerprint, order.clone(), now, KEY_LIFETIME);
        state.keys.insert(id, record);
        state.orders.push(order.clone());
        Ok(Placed { order, replayed: false })
    }

    async fn get(&self, id: uuid::Uuid) -> Result<Order, OrderError> {
        let state = self.state.lock().map_err(|_| OrderError::Internal("a poisoned lock".to_owned()))?;
        state.orders.iter().find(|order| order.id == id).cloned().ok_or(OrderError::NotFound(id))
    }

    async fn for_customer(&self, customer: &str, limit: u32) -> Result<Vec<Order>, OrderError> {
        let state = self.state.lock().map_err(|_| OrderError::Internal("a poisoned lock".to_owned()))?;
        let mut found: Vec<Order> = state.orders.iter().filter(|order| order.customer == customer).cloned().collect();
        found.sort_by_key(|order| std::cmp::Reverse((order.placed_at_ms, order.id)));
        found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(found)
    }
}
