//! `shop indexes apply --drop-extra` on a sharded cluster: the index that supports a shard key is
//! not the registry's, so it is kept (read from `config.collections` through mongos), while an
//! ordinary undeclared index beside it is still dropped. Runs only where the server is a `mongos`;
//! elsewhere a named skip (a replica set has no shard keys to protect).

use mongo_kit::index_plan::shard_keys;
use mongo_kit::probe::Topology;
use mongo_kit_test::skip::skip;
use mongo_store::index_plan::{apply, plan};
use mongodb::bson::{Document, doc};

use crate::support::fixture::{TestName, store_test};
use crate::support::mongo;

#[store_test(mongo)]
async fn an_index_supporting_the_shard_key_survives_drop_extra(test: &TestName) {
    let Some(store) = mongo::connect_any(test).await else { return };
    if store.startup_report().topology != Topology::Sharded {
        let keys = shard_keys::read(store.database(), &["feeds"]).await;
        store.drop_database().await.expect("drop the test database");
        assert!(keys.expect("no shard keys to read").is_empty(), "only a mongos has shard keys");
        skip(test, "the server is not a mongos: no collection has a shard key");
        return;
    }
    let database = store.database();
    let namespace = format!("{}.feeds", database.name());
    let admin = database.client().database("admin");
    admin
        .run_command(doc! { "shardCollection": &namespace, "key": { "_id": "hashed" } })
        .await
        .expect("shard feeds on a hashed _id");
    let feeds = database.collection::<Document>("feeds");
    feeds
        .create_index(mongodb::IndexModel::builder().keys(doc! { "generated_at": 1 }).build())
        .await
        .expect("an undeclared index beside it");

    let keys = shard_keys::read(database, &["feeds"]).await.expect("read the shard keys");
    let before = plan(&store).await.expect("plan");
    let applied = apply(&store, true).await.expect("apply --drop-extra");
    let left = feeds.list_index_names().await.expect("list the indexes");
    store.drop_database().await.expect("drop the test database");

    assert_eq!(keys.get("feeds"), Some(&doc! { "_id": "hashed" }), "{keys:?}");
    let kept: Vec<_> = before.shard_key_indexes().map(|index| index.name.clone()).collect();
    assert_eq!(kept, ["_id_hashed"], "{before}");
    assert_eq!(applied.kept, ["feeds._id_hashed"], "{applied}");
    assert!(applied.dropped.contains(&"feeds.generated_at_1".to_owned()), "{applied}");
    assert!(left.contains(&"_id_hashed".to_owned()) && !left.contains(&"generated_at_1".to_owned()), "{left:?}");
}
