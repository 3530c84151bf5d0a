//! Start-up on a database whose team already made one of the indexes its own way: the same keys
//! under another name, the TTL index with another `expireAfterSeconds`, the sku index without
//! uniqueness. MongoDB refuses the declared index (IndexOptionsConflict or
//! IndexKeySpecsConflict); the store starts anyway, reports what differs, creates every other
//! index, and the plan lists the commands that reconcile the one left as the team made it.
//! `apply` changes it only with `--drop-extra`.

use mongo_kit::index_plan::{self, ApplyReport, IndexPlan, PlanItem, create_command, shell};
use mongo_kit::indexes::IndexSpec;
use mongo_kit::schema::IndexConflict;
use mongo_kit_test::server::{database_name, uri_or_skip};
use mongo_kit_test::skip::skip;
use mongo_store::index_plan::{apply, plan};
use mongo_store::indexes::INDEXES;
use mongo_store::{MongoConfig, MongoStore};
use mongodb::bson::{Document, doc};

use super::plan::misreported_keys;
use crate::support::fixture::{TestName, store_test};

fn declared(collection: &str, name: &str) -> &'static IndexSpec {
    INDEXES.iter().find(|spec| spec.collection == collection && spec.name == name).expect("a declared index")
}

/// A store started on a fresh database where `index` was created on `collection` first, or
/// `None` after a named skip.
async fn started_over(test: &str, collection: &str, index: Document) -> Option<MongoStore> {
    let uri = uri_or_skip(test).await?;
    let name = database_name();
    let client = mongodb::Client::with_uri_str(&uri).await.expect("a client for the team's own index");
    let own = doc! { "createIndexes": collection, "indexes": [index] };
    client.database(&name).run_command(own).await.expect("create the team's own index");
    client.shutdown().await;
    let config = MongoConfig::new(uri).with_database(name);
    let store = MongoStore::connect(config).await.expect("start-up survives the team's own index");
    if let Some(reason) = misreported_keys(&store).await {
        store.drop_database().await.expect("drop the test database");
        skip(test, &reason);
        return None;
    }
    Some(store)
}

/// The one conflict start-up reported, checked to be among the logged warnings.
fn the_conflict(store: &MongoStore) -> IndexConflict {
    let schema = &store.startup_report().schema;
    assert_eq!(schema.index_conflicts.len(), 1, "{schema:?}");
    let conflict = schema.index_conflicts[0].clone();
    assert!(schema.warnings.contains(&conflict.sentence()), "{schema:?}");
    conflict
}

/// The plan's only item that is not in step (so every other declared index was created).
fn the_difference(plan: &IndexPlan) -> PlanItem {
    let off: Vec<&PlanItem> = plan.items.iter().filter(|item| !matches!(item, PlanItem::InStep { .. })).collect();
    assert_eq!(off.len(), 1, "{plan}");
    assert_eq!(plan.items.len(), INDEXES.len(), "{plan}");
    off[0].clone()
}

/// What the plan and both kinds of `apply` did, and the plan at the end.
struct Reconciled {
    before: IndexPlan,
    kept: ApplyReport,
    untouched: IndexPlan,
    applied: ApplyReport,
    after: IndexPlan,
}

async fn reconcile(store: &MongoStore) -> Reconciled {
    let before = plan(store).await.expect("plan");
    let kept = apply(store, false).await.expect("apply without --drop-extra");
    let untouched = plan(store).await.expect("plan after apply");
    let applied = apply(store, true).await.expect("apply with --drop-extra");
    let after = plan(store).await.expect("plan after apply --drop-extra");
    Reconciled { before, kept, untouched, applied, after }
}

/// Checks what both plans and `apply` without `--drop-extra` show for a difference closed by
/// `expected`.
fn assert_left_alone(done: &Reconciled, expected: &[Document]) {
    let item = the_difference(&done.before);
    assert_eq!(item.commands(), expected, "{}", done.before);
    for command in expected {
        assert!(done.before.to_string().contains(&shell(command)), "{}", done.before);
    }
    let kept = &done.kept;
    assert!(kept.created.is_empty() && kept.dropped.is_empty() && kept.modified.is_empty(), "{kept}");
    assert_eq!(kept.left.len(), 1, "{kept}");
    assert_eq!(the_difference(&done.untouched), item, "{}", done.untouched);
}

#[store_test(mongo)]
async fn the_same_keys_under_another_name_leave_start_up_running_and_plan_a_rename(test: &TestName) {
    let own = doc! { "key": { "category": 1, "price_minor": 1, "_id": 1 }, "name": "category_1_price_minor_1__id_1" };
    let Some(store) = started_over(test, "products", own).await else { return };
    let conflict = the_conflict(&store);
    let done = reconcile(&store).await;
    store.drop_database().await.expect("drop the test database");

    assert_eq!((conflict.collection.as_str(), conflict.index.as_str()), ("products", "category_price_id"));
    assert!(conflict.refusal.starts_with("IndexOptionsConflict"), "{conflict:?}");
    assert_eq!(conflict.differences, ["named category_1_price_minor_1__id_1 on the server"]);
    let expected = [
        doc! { "dropIndexes": "products", "index": "category_1_price_minor_1__id_1" },
        create_command(declared("products", "category_price_id")),
    ];
    assert_eq!(conflict.reconcile, expected.iter().map(shell).collect::<Vec<_>>());
    assert_left_alone(&done, &expected);
    assert_eq!(done.applied.dropped, ["products.category_1_price_minor_1__id_1"], "{}", done.applied);
    assert_eq!(done.applied.created, ["products.category_price_id"], "{}", done.applied);
    assert!(done.after.is_in_step(), "{}", done.after);
}

#[store_test(mongo)]
async fn a_ttl_index_with_another_expiry_leaves_start_up_running_and_plans_a_coll_mod(test: &TestName) {
    let own = doc! { "key": { "expires_at": 1 }, "name": "expires_at_ttl", "expireAfterSeconds": 3600 };
    let Some(store) = started_over(test, "sessions", own).await else { return };
    let conflict = the_conflict(&store);
    let coll_mod_works = coll_mod_changes_a_ttl(&store).await;
    let done = reconcile(&store).await;
    let ttl_at_the_end = ttl_of(&store, "sessions", "expires_at_ttl").await;
    store.drop_database().await.expect("drop the test database");

    assert!(conflict.refusal.starts_with("IndexOptionsConflict"), "{conflict:?}");
    assert_eq!(conflict.differences, ["TTL 0 s declared, 3600 s on the server"]);
    let expected = [doc! { "collMod": "sessions", "index": { "name": "expires_at_ttl", "expireAfterSeconds": 0 } }];
    assert_eq!(conflict.reconcile, [shell(&expected[0])]);
    assert_left_alone(&done, &expected);
    assert_eq!(done.applied.modified, ["sessions.expires_at_ttl"], "{}", done.applied);
    assert!(done.applied.dropped.is_empty(), "collMod changes the TTL in place: {}", done.applied);
    if !coll_mod_works {
        skip(test, "the server answers collMod {index: {name, expireAfterSeconds}} with ok but keeps the old TTL");
        return;
    }
    assert_eq!(ttl_at_the_end, Some(0));
    assert!(done.after.is_in_step(), "{}", done.after);
}

#[store_test(mongo)]
async fn a_sku_index_without_uniqueness_leaves_start_up_running_and_plans_a_rebuild(test: &TestName) {
    let own = doc! { "key": { "sku": 1 }, "name": "sku_unique" };
    let Some(store) = started_over(test, "products", own).await else { return };
    let conflict = the_conflict(&store);
    let done = reconcile(&store).await;
    let unique_at_the_end = index_named(&store, "products", "sku_unique").await.map(|index| index.unique);
    store.drop_database().await.expect("drop the test database");

    assert!(conflict.refusal.starts_with("IndexKeySpecsConflict"), "{conflict:?}");
    assert_eq!(conflict.differences, ["declared unique, not unique on the server"]);
    let expected =
        [doc! { "dropIndexes": "products", "index": "sku_unique" }, create_command(declared("products", "sku_unique"))];
    assert_left_alone(&done, &expected);
    assert!(done.before.to_string().contains("prepareUnique"), "the in-place conversion is named: {}", done.before);
    assert_eq!(done.applied.dropped, ["products.sku_unique"], "{}", done.applied);
    assert_eq!(done.applied.created, ["products.sku_unique"], "{}", done.applied);
    assert_eq!(unique_at_the_end, Some(true));
    assert!(done.after.is_in_step(), "{}", done.after);
}

async fn index_named(store: &MongoStore, collection: &str, name: &str) -> Option<index_plan::ExistingIndex> {
    let listed = index_plan::listed(store.database(), collection).await.expect("list indexes");
    listed.into_iter().find(|index| index.name == name)
}

async fn ttl_of(store: &MongoStore, collection: &str, name: &str) -> Option<u64> {
    index_named(store, collection, name).await.and_then(|index| index.expire_after_secs)
}

/// Whether the server changes a TTL through `collMod` (probed on a scratch collection).
async fn coll_mod_changes_a_ttl(store: &MongoStore) -> bool {
    let database = store.database();
    let create = doc! { "createIndexes": "ttl_probe", "indexes": [{ "key": { "at": 1 }, "name": "at_ttl", "expireAfterSeconds": 60 }] };
    database.run_command(create).await.expect("create a probe TTL index");
    let change = doc! { "collMod": "ttl_probe", "index": { "name": "at_ttl", "expireAfterSeconds": 0 } };
    let changed = database.run_command(change).await.is_ok() && ttl_of(store, "ttl_probe", "at_ttl").await == Some(0);
    database.collection::<Document>("ttl_probe").drop().await.expect("drop the probe collection");
    changed
}
