//! The orders book on MongoDB, built only from the kit's building blocks: declared handles with
//! their classes, a query-shape registry with the indexes derived from it, collections with
//! validators, one migration with its audit sink, and placement through the exactly-once runner.

use std::time::Duration;

use async_trait::async_trait;
use bson::{Document, doc};
use futures::future::BoxFuture;
use futures::{FutureExt as _, TryStreamExt as _};
use mongo_kit::causal::CausalClock;
use mongo_kit::classify::Failure;
use mongo_kit::config::ClientConfig;
use mongo_kit::exactly_once::{self, Done, KeyId, KeyRecord, Operation, Refusal, Stop, Writes, standard_judge};
use mongo_kit::index;
use mongo_kit::indexes::{IndexSpec, QueryShape, Registry};
use mongo_kit::migrate::{AuditSink, Migrated, Migration, MigrationError};
use mongo_kit::probe;
use mongo_kit::profiles::{Classed, Profiles, Report, Use};
use mongo_kit::schema::{CollectionSpec, SchemaReport};
use mongodb::{Client, ClientSession, Database};
use serde::{Deserialize, Serialize};

use crate::book::{CREDIT_LIMIT_MINOR, KEY_LIFETIME, OrderBook, PLACE_SCOPE};
use crate::model::{Order, OrderError, PlaceOrder, Placed};

/// Orders.
pub const ORDERS: &str = "orders";
/// The keys of order placements.
pub const ORDER_KEYS: &str = "order_keys";
/// One event per placed or migrated order.
pub const ORDER_EVENTS: &str = "order_events";

/// Placement: orders, keys and events, critical class.
const PLACE: Use = Use::critical(ORDERS).by("OrderBook::place");
const PLACE_KEYS: Use = Use::critical(ORDER_KEYS).by("OrderBook::place");
const PLACE_EVENTS: Use = Use::critical(ORDER_EVENTS).by("OrderBook::place");
/// Reads: standard class.
const READ: Use = Use::standard(ORDERS).by("OrderBook::get, for_customer");

/// Every handle the book opens, for the profile table.
pub const USES: [Use; 4] = [PLACE, PLACE_KEYS, PLACE_EVENTS, READ];

/// Unique references: a retry without its key cannot place the order twice.
pub const REFERENCE_UNIQUE: IndexSpec =
    index!(ORDERS, { "reference": 1 }).unique().because("uniqueness of an order's reference");
/// A customer's orders, newest first.
const CUSTOMER_NEWEST: IndexSpec = index!(ORDERS, { "customer": 1, "placed_at": -1, "_id": -1 });
/// Keys expire at their date.
const KEYS_TTL: IndexSpec =
    index!(ORDER_KEYS, { "expires_at": 1 }).ttl(Duration::ZERO).because("TTL removal of order keys");

/// The book's query shapes; their representative queries are derived (equality, sort, limit).
pub const SHAPES: [QueryShape; 3] = [
    QueryShape::by_id("orders.by_id", &IndexSpec::id(ORDERS)).used_by("OrderBook::get"),
    QueryShape::new("orders.by_customer", &CUSTOMER_NEWEST)
        .equality(&["customer"])
        .sort(&[("placed_at", -1), ("_id", -1)])
        .limit(50)
        .used_by("OrderBook::for_customer"),
    QueryShape::new("orders.customer_total", &CUSTOMER_NEWEST)
        .equality(&["customer"])
        .used_by("OrderBook::place (the credit limit)"),
];

/// The book's registry: its shapes, the unique reference and the keys' TTL.
///
/// # Panics
/// Never: the declarations above are a valid registry (a unit test builds it).
pub fn registry() -> Registry {
    Registry::new(&SHAPES, &[REFERENCE_UNIQUE, KEYS_TTL]).expect("the orders registry is valid")
}

/// The book's collections: orders with a validator, keys and events without.
pub fn collections() -> Vec<CollectionSpec> {
    let orders = doc! { "$jsonSchema": {
        "bsonType": "object",
        "required": ["_id", "schema_version", "reference", "customer", "amount_minor", "currency", "placed_at"],
        "properties": {
            "_id": { "bsonType": "binData" },
            "schema_version": { "bsonType": "int", "minimum": 2 },
            "amount_minor": { "bsonType": "long", "minimum": 1_i64 },
            "currency": { "bsonType": "string", "pattern": "^[A-Z]{3}$" },
            "placed_at": { "bsonType": "date" },
        },
    } };
    vec![
        CollectionSpec { name: ORDERS, validator: Some(orders) },
        CollectionSpec { name: ORDER_KEYS, validator: None },
        CollectionSpec { name: ORDER_EVENTS, validator: None },
    ]
}

/// The layout version orders are written with.
pub const SCHEMA_VERSION: i32 = 2;

/// An order as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderDoc {
    #[serde(rename = "_id")]
    id: bson::Uuid,
    schema_version: i32,
    reference: String,
    customer: String,
    amount_minor: i64,
    currency: String,
    placed_at: bson::DateTime,
}

impl From<&Order> for OrderDoc {
    fn from(order: &Order) -> Self {
        Self {
            id: bson::Uuid::from(order.id),
            schema_version: SCHEMA_VERSION,
            reference: order.reference.clone(),
            customer: order.customer.clone(),
            amount_minor: order.amount_minor,
            currency: order.currency.clone(),
            placed_at: bson::DateTime::from_millis(order.placed_at_ms),
        }
    }
}

impl From<OrderDoc> for Order {
    fn from(doc: OrderDoc) -> Self {
        Self {
            id: doc.id.into(),
            reference: doc.reference,
            customer: doc.customer,
            amount_minor: doc.amount_minor,
            currency: doc.currency,
            placed_at_ms: doc.placed_at.timestamp_millis(),
        }
    }
}

/// Version 1 → 2: a floating-point `amount` in major units becomes Int64 `amount_minor` in
/// cents; amounts that would need rounding are refused.
///
/// # Errors
/// A [`MigrationError`] when `amount` is missing, not a number, or not a whole number of cents.
pub fn amount_to_minor_units(mut document: Document) -> Result<Document, MigrationError> {
    let major = match document.remove("amount") {
        Some(bson::Bson::Double(major)) => major,
        Some(bson::Bson::Int32(major)) => f64::from(major),
        Some(other) => return Err(MigrationError::new(format!("amount is a BSON {:?}", other.element_type()))),
        None => return Err(MigrationError::new("amount is missing")),
    };
    let cents = (major * 100.0).round();
    if (cents - major * 100.0).abs() > 1e-6 || !(1.0..9.0e15).contains(&cents) {
        return Err(MigrationError::new(format!("amount {major} is not a whole positive number of cents")));
    }
    // In range and whole, checked above.
    #[allow(clippy::cast_possible_truncation)]
    document.insert("amount_minor", cents as i64);
    Ok(document)
}

/// The book's migrations.
///
/// # Errors
/// Never for this list (a unit test builds it).
pub fn migrations() -> Result<mongo_kit::migrate::Registry, mongo_kit::migrate::RunError> {
    mongo_kit::migrate::Registry::new(vec![
        Migration::new("orders_amount_minor_units", ORDERS, 1, amount_to_minor_units).subject_kind("order"),
    ])
}

/// The book's own audit trail as the migration runner's sink.
#[derive(Debug, Clone, Copy)]
pub struct OrderEvents;

impl AuditSink for OrderEvents {
    fn collection(&self) -> &str {
        ORDER_EVENTS
    }

    fn event(&self, migrated: &Migrated<'_>) -> Document {
        let mut details = Document::new();
        for (key, value) in migrated.details() {
            details.insert(key, value);
        }
        doc! {
            "_id": bson::Uuid::new(),
            "at": bson::DateTime::now(),
            "kind": "order.migrated",
            "subject": migrated.subject(),
            "by": migrated.owner,
            "details": details,
        }
    }
}

/// The book on a MongoDB database.
#[derive(Debug, Clone)]
pub struct MongoBook {
    client: Client,
    database: Database,
    profiles: Profiles,
    place: Classed<OrderDoc>,
    keys: Classed<KeyRecord<OrderDoc>>,
    events: Classed<Document>,
    read: Classed<OrderDoc, OrderErrors>,
    client_bulk_write: bool,
    schema: SchemaReport,
}

impl MongoBook {
    /// Connects with `config`, prepares the collections, validators and indexes, and learns
    /// whether the server has client `bulkWrite` (wire version 25).
    ///
    /// # Errors
    /// The kit's configuration, connection or schema error.
    pub async fn connect(config: &ClientConfig) -> mongo_kit::Result<Self> {
        let (options, name) = config.client_options(&CausalClock::default()).await?;
        let client = Client::with_options(options)?;
        let database = client.database(&name);
        let server = probe::server_info(&database).await?;
        let profiles = config.profiles.clone();
        let schema = mongo_kit::schema::ensure(&database, &profiles, &collections(), &registry()).await?;
        Ok(Self {
            place: PLACE.open(&database, &profiles),
            keys: PLACE_KEYS.open(&database, &profiles),
            events: PLACE_EVENTS.open(&database, &profiles),
            read: READ.open(&database, &profiles),
            client_bulk_write: server.max_wire_version.unwrap_or(0) >= 25,
            client,
            database,
            profiles,
            schema,
        })
    }

    /// The database.
    pub fn database(&self) -> &Database {
        &self.database
    }

    /// The profiles in use.
    pub fn profiles(&self) -> &Profiles {
        &self.profiles
    }

    /// What preparing the schema found.
    pub fn schema(&self) -> &SchemaReport {
        &self.schema
    }

    /// A migration runner over the book's migrations, recording into its events.
    pub fn migration_runner<'a>(
        &'a self,
        registry: &'a mongo_kit::migrate::Registry,
        options: mongo_kit::migrate::RunOptions,
    ) -> mongo_kit::migrate::Runner<'a> {
        mongo_kit::migrate::Runner::on(&self.database, &self.profiles, registry, options, OrderEvents)
            .client_bulk_write(self.client_bulk_write)
    }
}

/// Placement: the credit check in the transaction's snapshot, then (after the claim) the order
/// and its event. Owned, since the runner may run it several times.
struct PlaceOne {
    place: Classed<OrderDoc>,
    events: Classed<Document>,
    order: OrderDoc,
    event: Document,
}

impl Operation for PlaceOne {
    type Refusal = OrderError;

    /// The customer's orders so far, read in the snapshot: above the credit limit the order is
    /// refused, typed, and its key left free (the runner answers a replay instead when an
    /// earlier request with the key placed it: that order may be why the limit is reached).
    fn decide<'s>(
        &'s self,
        session: &'s mut ClientSession,
    ) -> BoxFuture<'s, mongodb::error::Result<Result<(), OrderError>>> {
        async move {
            let customer = &self.order.customer;
            let amounts = self.place.clone_with_type::<OrderAmount>();
            let find = amounts.find(doc! { "customer": customer }).projection(doc! { "amount_minor": 1, "_id": 0 });
            let placed: Vec<OrderAmount> = self
                .place
                .run(async {
                    let mut cursor = find.session(&mut *session).await?;
                    cursor.stream(&mut *session).try_collect().await
                })
                .await?;
            let total =
                placed.iter().fold(self.order.amount_minor, |sum, order| sum.saturating_add(order.amount_minor));
            if total > CREDIT_LIMIT_MINOR {
                return Ok(Err(OrderError::CreditLimit {
                    customer: customer.clone(),
                    limit_minor: CREDIT_LIMIT_MINOR,
                }));
            }
            Ok(Ok(()))
        }
        .boxed()
    }

    fn writes(&self) -> mongodb::error::Result<Writes> {
        Ok(Writes::models(vec![
            self.place.insert_one_model(&self.order)?.into(),
            self.events.insert_one_model(&self.event)?.into(),
        ]))
    }

    fn write_one_by_one<'s>(&'s self, session: &'s mut ClientSession) -> BoxFuture<'s, mongodb::error::Result<bool>> {
        async move {
            self.place.run(self.place.insert_one(&self.order).session(&mut *session)).await?;
            self.events.run(self.events.insert_one(&self.event).session(&mut *session)).await?;
            Ok(true)
        }
        .boxed()
    }
}

/// What the credit check reads of an order.
#[derive(Debug, Deserialize)]
struct OrderAmount {
    amount_minor: i64,
}

fn failed(failure: Failure) -> OrderError {
    match failure {
        Failure::Conflict => OrderError::Internal("an unexpected duplicate key".to_owned()),
        Failure::OutcomeUnknown(why) => OrderError::OutcomeUnknown(why),
        Failure::Unavailable(why) => OrderError::Unavailable(why),
        Failure::Validation => OrderError::Invalid("the order failed the collection's validator".to_owned()),
        Failure::Internal(error) => OrderError::Internal(error.to_string()),
    }
}

/// The read handle reports failures as [`OrderError`]s, each verdict mapped in one place.
#[derive(Debug, Clone, Copy)]
pub struct OrderErrors;

impl Report for OrderErrors {
    type Error = OrderError;

    fn report(failure: Failure) -> OrderError {
        failed(failure)
    }
}

#[async_trait]
impl OrderBook for MongoBook {
    async fn place(&self, request: PlaceOrder, caller: &str, key: &str) -> Result<Placed, OrderError> {
        request.validate()?;
        let fingerprint = request.fingerprint();
        let reference = request.reference.clone();
        let order = Order::new(request, crate::book::now_ms());
        let event = doc! {
            "_id": bson::Uuid::new(),
            "at": bson::DateTime::from_millis(order.placed_at_ms),
            "kind": "order.placed",
            "subject": format!("order:{}", order.id),
        };
        // The stored response is the stored document: it reads back with the same BSON types.
        let stored = OrderDoc::from(&order);
        let operation =
            PlaceOne { place: self.place.clone(), events: self.events.clone(), order: stored.clone(), event };
        let runner = exactly_once::Runner::new(&self.client, self.keys.collection().clone(), &self.profiles)
            .key_lifetime(KEY_LIFETIME)
            .client_bulk_write(self.client_bulk_write);
        let id = KeyId::new(PLACE_SCOPE, caller, key);
        match runner.run(&id, &fingerprint, stored, operation, standard_judge).await {
            Ok(Done::Fresh(stored)) => Ok(Placed { order: stored.into(), replayed: false }),
            Ok(Done::Replay(stored)) => Ok(Placed { order: stored.into(), replayed: true }),
            Err(Stop::Refused(Refusal::Reused)) => Err(OrderError::KeyReused),
            Err(Stop::Refused(Refusal::InFlight) | Stop::Judge(_)) => Err(OrderError::KeyInFlight),
            Err(Stop::Conflict) => Err(OrderError::DuplicateReference(reference)),
            Err(Stop::GaveUp(exactly_once::GaveUp::Conflicts)) => Err(OrderError::KeyInFlight),
            Err(Stop::GaveUp(exactly_once::GaveUp::Transient { attempts })) => {
                Err(OrderError::Unavailable(format!("{attempts} attempts failed transiently")))
            }
            Err(Stop::Failed(failure)) => Err(failed(failure)),
            Err(Stop::Declined(refusal)) => Err(refusal),
        }
    }

    async fn get(&self, id: uuid::Uuid) -> Result<Order, OrderError> {
        // The handle sends the class's time limit, bounds the wait and classifies a failure.
        let found = self.read.read(self.read.find_one(doc! { "_id": bson::Uuid::from(id) })).await?;
        found.map(Order::from).ok_or(OrderError::NotFound(id))
    }

    async fn for_customer(&self, customer: &str, limit: u32) -> Result<Vec<Order>, OrderError> {
        let find = self.read.find(doc! { "customer": customer }).sort(doc! { "placed_at": -1, "_id": -1 });
        let docs = self.read.read_all(find.limit(i64::from(limit))).await?;
        Ok(docs.into_iter().map(Order::from).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_declarations_are_a_valid_registry_and_migration_chain() {
        let registry = registry();
        assert_eq!(registry.collections(), [ORDER_KEYS, ORDERS]);
        assert!(migrations().is_ok());
    }

    #[test]
    fn a_version_1_amount_becomes_cents_and_rounding_is_refused() {
        let migrated = amount_to_minor_units(doc! { "_id": 1, "amount": 12.5 }).expect("migrates");
        assert_eq!(migrated.get_i64("amount_minor").ok(), Some(1250));
        assert!(!migrated.contains_key("amount"));
        assert!(amount_to_minor_units(doc! { "amount": 12.345 }).is_err());
        assert!(amount_to_minor_units(doc! { "amount": "12" }).is_err());
        assert!(amount_to_minor_units(doc! {}).is_err());
    }

    #[test]
    fn the_profile_table_names_the_books_users() {
        let table = Profiles::default().render_table(&USES);
        let critical = table.lines().find(|line| line.starts_with("critical")).expect("a critical row");
        assert!(critical.contains("OrderBook::place (orders)") && critical.contains("(order_keys)"), "{table}");
    }
}
