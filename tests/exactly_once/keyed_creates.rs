//! Keyed creates through the fault proxy: a commit whose reply is lost after the server applied
//! it, answered by the client's retry with the same key (the first product, one document, one
//! audit event); an audit write that fails fails its change; and the round trips of a keyed
//! product create, fresh and replayed, on both write paths.

use std::time::Duration;

use domain::idempotency::{Claim, product_fingerprint};
use domain::product::{Category, Product, ProductDraft, ProductName, Sku, parse_tags};
use domain::{Error, Timestamp};
use mongo_kit_test::proxy::{Fault, Rule};

use super::{Proxied, WritePath, commands_of, eur, fresh_key, proxied};
use crate::support::fixture::{TestName, store_test};

fn draft() -> ProductDraft {
    let unique = uuid::Uuid::new_v4().simple().to_string();
    ProductDraft {
        sku: Sku::parse(&format!("KEYED-{unique}")).expect("a valid sku"),
        name: ProductName::parse("Keyed mug").expect("a valid name"),
        category: Category::parse(&format!("keyed-{unique}")).expect("a valid category"),
        price: domain::Money::new("price_minor", 1_200, eur()).expect("a valid price"),
        attributes: domain::product::Attributes::default(),
        tags: parse_tags(["keyed"]).expect("valid tags"),
    }
}

async fn create(
    proxied: &Proxied,
    draft: &ProductDraft,
    claim: &Claim,
) -> Result<domain::idempotency::Created<Product>, Error> {
    proxied
        .repos
        .products
        .create_keyed(draft.clone().into_product(Timestamp::now()), claim.clone(), &crate::contract::fixtures::meta())
        .await
}

/// How many audit events name product `id`, by action.
async fn events_of(proxied: &Proxied, id: domain::ProductId) -> Vec<String> {
    let query = domain::audit::AuditQuery {
        subject: Some(domain::audit::AuditSubject::of("product", id)),
        limit: domain::PageLimit::new(domain::PageLimit::MAX).expect("a valid limit"),
        ..domain::audit::AuditQuery::default()
    };
    let page = proxied.repos.audit.list(&query).await.expect("list audit events");
    page.items.iter().map(|event| event.action.as_str().to_owned()).collect()
}

/// How many product documents carry `draft`'s sku.
async fn stored_with_sku(proxied: &Proxied, draft: &ProductDraft) -> u64 {
    let products = proxied.store.database().collection::<mongodb::bson::Document>("products");
    products.count_documents(mongodb::bson::doc! { "sku": draft.sku.as_str() }).await.expect("count products")
}

#[store_test(mongo)]
async fn a_lost_commit_reply_of_a_keyed_create_is_answered_by_the_retry_with_the_same_key(test: &TestName) {
    let Some(proxied) = proxied(test, WritePath::Bulk).await else { return };
    // Every commit reply is lost: the create commits, but the caller's budget runs out first.
    proxied.proxy.add(Rule::every("commitTransaction", Fault::CutAfterForward));
    let draft = draft();
    let claim = Claim::new(fresh_key(), product_fingerprint(&draft));
    let first_product = draft.clone().into_product(Timestamp::now());
    let budget = tokio::time::Instant::now() + Duration::from_millis(1_500);

    let first = budget::scope(
        budget,
        proxied.repos.products.create_keyed(first_product.clone(), claim.clone(), &crate::contract::fixtures::meta()),
    )
    .await;
    proxied.proxy.clear();
    let retry = create(&proxied, &draft, &claim).await;

    assert!(matches!(first, Err(Error::OutcomeUnknown(_))), "the first call cannot know: {first:?}");
    let retry = retry.expect("the client's retry gets the product");
    assert!(retry.replayed, "the retry applied the create again");
    assert_eq!(retry.value.id, first_product.id, "the retry did not answer the first create's product");
    assert_eq!(stored_with_sku(&proxied, &draft).await, 1, "product documents with the sku");
    assert_eq!(events_of(&proxied, first_product.id).await, ["product.created"], "one event for the one product");
    proxied.finish().await;
}

#[store_test(mongo)]
async fn a_commit_reply_lost_once_is_retried_by_the_driver_and_creates_once(test: &TestName) {
    let Some(proxied) = proxied(test, WritePath::Commands).await else { return };
    proxied.proxy.add(Rule::nth("commitTransaction", 1, Fault::CutAfterForward));
    let draft = draft();
    let claim = Claim::new(fresh_key(), product_fingerprint(&draft));

    let first = create(&proxied, &draft, &claim).await.expect("the retried commit reports the create");
    assert_eq!(proxied.proxy.seen("commitTransaction"), 2, "the commit was sent again");
    let replay = create(&proxied, &draft, &claim).await.expect("a replay");

    assert!(!first.replayed && replay.replayed);
    assert_eq!(replay.value, first.value);
    assert_eq!(stored_with_sku(&proxied, &draft).await, 1, "product documents with the sku");
    assert_eq!(events_of(&proxied, first.value.id).await, ["product.created"], "one event for the one product");
    proxied.finish().await;
}

#[store_test(mongo)]
async fn a_create_whose_audit_event_cannot_be_written_is_not_stored(test: &TestName) {
    let Some(proxied) = proxied(test, WritePath::Commands).await else { return };
    // One command per write: the product's insert, then its event's, fails (not transiently).
    proxied.proxy.add(Rule::nth("insert", 2, Fault::error(2, "BadValue", &[])));
    let product = draft().into_product(Timestamp::now());

    let refused = proxied.repos.products.create(product.clone(), &crate::contract::fixtures::meta()).await;

    assert!(refused.is_err(), "a create whose event failed was reported stored");
    proxied.proxy.clear();
    let found = proxied.repos.products.get(product.id).await;
    assert!(matches!(found, Err(Error::NotFound { .. })), "the product was stored without its event: {found:?}");
    assert!(events_of(&proxied, product.id).await.is_empty());
    proxied.finish().await;
}

#[store_test(mongo)]
async fn an_unkeyed_create_whose_commit_reply_is_lost_stores_one_event_with_it(test: &TestName) {
    let Some(proxied) = proxied(test, WritePath::Commands).await else { return };
    proxied.proxy.add(Rule::nth("commitTransaction", 1, Fault::CutAfterForward));
    let product = draft().into_product(Timestamp::now());

    let created = proxied.repos.products.create(product.clone(), &crate::contract::fixtures::meta()).await;

    created.expect("the driver's retried commit reports the create");
    assert_eq!(proxied.proxy.seen("commitTransaction"), 2, "the commit was sent again");
    assert_eq!(events_of(&proxied, product.id).await, ["product.created"], "one event for the one product");
    proxied.finish().await;
}

/// Commands one fresh keyed product create and one replay of it send: `(fresh, replay)`.
async fn measure(proxied: &Proxied) -> (u64, u64) {
    // A first create warms the pool, so the measured ones pay no connection set-up.
    let warm = draft();
    create(proxied, &warm, &Claim::new(fresh_key(), product_fingerprint(&warm))).await.expect("a first create");
    let draft = draft();
    let claim = Claim::new(fresh_key(), product_fingerprint(&draft));

    proxied.proxy.reset_counts();
    let ((fresh, fresh_commands), (replay, replay_commands)) =
        commands_of(create(proxied, &draft, &claim), create(proxied, &draft, &claim)).await;

    assert!(!fresh.expect("the create applies").replayed);
    assert!(replay.expect("the replay answers").replayed);
    (fresh_commands, replay_commands)
}

#[store_test(mongo)]
async fn a_keyed_product_create_costs_two_round_trips_with_client_bulk_write(test: &TestName) {
    let Some(proxied) = proxied(test, WritePath::Bulk).await else { return };
    let Some(proxied) = proxied.with_client_bulk_write(test).await else { return };

    let (fresh, replay) = measure(&proxied).await;

    eprintln!("{test}: fresh keyed product create {fresh} commands, replay {replay}");
    assert!(fresh <= 2, "a fresh keyed create sent {fresh} commands (bulkWrite of claim, product and event; commit)");
    assert!(replay <= 3, "a replay sent {replay} commands (refused bulkWrite, abort, read)");
    proxied.finish().await;
}

#[store_test(mongo)]
async fn a_keyed_product_create_costs_four_round_trips_with_one_command_per_write(test: &TestName) {
    let Some(proxied) = proxied(test, WritePath::Commands).await else { return };

    let (fresh, replay) = measure(&proxied).await;

    eprintln!("{test}: fresh keyed product create {fresh} commands, replay {replay}");
    assert!(fresh <= 4, "a fresh keyed create sent {fresh} commands (claim, product, audit event, commit)");
    assert!(replay <= 3, "a replay sent {replay} commands (refused insert, abort, read)");
    assert_eq!(proxied.proxy.seen("bulkWrite"), 0, "the single-command path sent a bulkWrite");
    proxied.finish().await;
}
