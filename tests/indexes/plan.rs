//! `plan` and `apply` on a live server.

use futures::TryStreamExt as _;
use mongo_kit::index_plan::{PlanItem, same_keys};
use mongo_kit::indexes::IndexSpec;
use mongo_kit_test::skip::skip;
use mongo_store::MongoStore;
use mongo_store::index_plan::{apply, existing, plan};
use mongo_store::indexes::INDEXES;
use mongodb::bson::{Document, doc};

use crate::support::fixture::{TestName, store_test};
use crate::support::mongo;

const DROPPED: &str = "category_price_id";

fn declared(name: &str) -> &'static IndexSpec {
    INDEXES.iter().find(|spec| spec.name == name).expect("a declared index")
}

/// Drops the server's index with `spec`'s keys, whatever the server named it.
pub async fn drop_declared(store: &MongoStore, spec: &IndexSpec) {
    let listed = existing(store.database()).await.expect("list indexes");
    let on_server = listed
        .iter()
        .find(|index| index.collection == spec.collection && same_keys(&index.keys, &spec.key_document()))
        .expect("the declared index exists after start-up");
    let collection = store.database().collection::<Document>(spec.collection);
    collection.drop_index(&on_server.name).await.expect("drop the index");
}

/// A store whose server lists a compound index with `_id` under the keys it was created with,
/// or `None` after a named skip.
pub async fn listing_store(test: &str) -> Option<MongoStore> {
    let store = mongo::connect_any(test).await?;
    if let Some(reason) = misreported_keys(&store).await {
        store.drop_database().await.expect("drop the test database");
        skip(test, &reason);
        return None;
    }
    Some(store)
}

/// Why the server's index listing cannot be compared with the registry (a compound index with
/// `_id`, created on a scratch collection, listed under other keys), or `None` when it can.
pub async fn misreported_keys(store: &MongoStore) -> Option<String> {
    let scratch = store.database().collection::<Document>("index_listing_probe");
    let probe = mongodb::IndexModel::builder().keys(doc! { "probe": 1, "_id": 1 }).build();
    scratch.create_index(probe).await.expect("create a probe index");
    let listed: Vec<Document> = scratch
        .list_indexes()
        .await
        .expect("list the probe's indexes")
        .map_ok(|model| model.keys)
        .try_collect()
        .await
        .expect("read the probe's indexes");
    scratch.drop().await.expect("drop the probe collection");
    let listed_as_created = listed.iter().any(|keys| same_keys(keys, &doc! { "probe": 1, "_id": 1 }));
    (!listed_as_created)
        .then(|| format!("the server lists a compound index created on {{probe: 1, _id: 1}} as {listed:?}"))
}

#[store_test(mongo)]
async fn a_fresh_store_plan_shows_nothing_missing(test: &TestName) {
    let Some(store) = listing_store(test).await else { return };

    let plan = plan(&store).await.expect("plan");
    store.drop_database().await.expect("drop the test database");

    assert!(plan.is_in_step(), "{plan}");
    assert_eq!(plan.items.len(), INDEXES.len());
}

#[store_test(mongo)]
async fn every_index_on_the_server_after_start_up_is_one_the_registry_declares(test: &TestName) {
    let Some(store) = listing_store(test).await else { return };

    let listed = existing(store.database()).await.expect("list indexes");
    store.drop_database().await.expect("drop the test database");

    for index in listed.iter().filter(|index| !index.is_builtin()) {
        let declared = INDEXES
            .iter()
            .any(|spec| spec.collection == index.collection && same_keys(&spec.key_document(), &index.keys));
        assert!(declared, "{}.{} {} is not in the registry", index.collection, index.name, index.keys);
    }
    assert_eq!(listed.iter().filter(|index| !index.is_builtin()).count(), INDEXES.len());
}

#[store_test(mongo)]
async fn a_dropped_index_is_reported_missing_and_apply_restores_it(test: &TestName) {
    let Some(store) = listing_store(test).await else { return };
    let spec = declared(DROPPED);
    drop_declared(&store, spec).await;

    let before = plan(&store).await.expect("plan after the drop");
    let applied = apply(&store, false).await.expect("apply");
    let after = plan(&store).await.expect("plan after apply");
    store.drop_database().await.expect("drop the test database");

    assert_eq!(before.missing().map(|spec| spec.name).collect::<Vec<_>>(), [DROPPED], "{before}");
    assert_eq!(applied.created, [format!("products.{DROPPED}")]);
    assert!(after.is_in_step(), "{after}");
}

#[store_test(mongo)]
async fn an_extra_index_is_reported_and_dropped_only_with_drop_extra(test: &TestName) {
    let Some(store) = listing_store(test).await else { return };
    let products = store.database().collection::<Document>("products");
    let extra = mongodb::IndexModel::builder().keys(doc! { "name": 1 }).build();
    products.create_index(extra).await.expect("create an undeclared index");

    let reported = plan(&store).await.expect("plan");
    let kept = apply(&store, false).await.expect("apply without drop-extra");
    let still = plan(&store).await.expect("plan after apply");
    let dropped = apply(&store, true).await.expect("apply with drop-extra");
    let after = plan(&store).await.expect("plan after drop-extra");
    store.drop_database().await.expect("drop the test database");

    let extra_keys = |plan: &mongo_kit::index_plan::IndexPlan| -> Vec<Document> {
        plan.extra().map(|index| index.keys.clone()).collect()
    };
    assert_eq!(extra_keys(&reported), [doc! { "name": 1 }], "{reported}");
    assert!(kept.dropped.is_empty() && kept.left.len() == 1, "{kept}");
    assert_eq!(extra_keys(&still).len(), 1, "{still}");
    assert_eq!(dropped.dropped.len(), 1, "{dropped}");
    assert!(after.is_in_step() && !after.items.iter().any(|item| matches!(item, PlanItem::Extra { .. })), "{after}");
}
