//! A handle's read that must see the caller's own writes, on the kit alone as a team would write
//! it: the write and the read run in one causally consistent session
//! ([`Classed::causal_session`]), so [`Classed::read_all_in`] sends `readConcern.afterClusterTime`
//! of the write's `operationTime` and the member serving the read (the feed class prefers a
//! secondary) applies the write first. The same `find` through `read_all`, outside the session,
//! asks for no such wait.
//!
//! A server that reports no `operationTime` (the CI server; a standalone `mongod`) gives the
//! session nothing to wait for, so the proxy adds one to the write's reply as a replica set member
//! sends it. The stamp is an early one every member has passed, so no server waits on it.

use mongo_kit::causal::CausalClock;
use mongo_kit::profiles::{Classed, Profiles, Use};
use mongo_kit_test::database::TestDatabase;
use mongo_kit_test::proxy::{self, Fault, FaultProxy, Rule};
use mongo_kit_test::skip::skip;
use mongodb::Client;
use mongodb::bson::{self, Document, doc};

use crate::support::fixture::{TestName, store_test};

/// An early cluster time (2001), passed by any replica set member running today.
const EARLY: bson::Timestamp = bson::Timestamp { time: 1_000_000_000, increment: 1 };

const THINGS: Use = Use::feed("things").by("the causal read test");

fn after_cluster_time(command: &Document) -> Option<bson::Timestamp> {
    command.get_document("readConcern").ok()?.get_timestamp("afterClusterTime").ok()
}

/// Whether the server stamps a write's reply with its `operationTime`.
async fn reports_operation_time(db: &TestDatabase) -> bool {
    let insert = doc! { "insert": "operation_time_probe", "documents": [{ "_id": 1 }] };
    let reply = db.database().run_command(insert).await.expect("a probe insert");
    reply.contains_key("operationTime")
}

#[store_test(mongo)]
async fn a_handles_read_in_the_writes_causal_session_waits_for_the_write_and_sees_it(test: &TestName) {
    let Some(db) = TestDatabase::create(test).await else { return };
    let Some(upstream) = proxy::upstream(db.uri()) else {
        skip(test, "the MongoDB URI names several hosts or an SRV record; the fault proxy stands in for one host");
        return;
    };
    let proxy = FaultProxy::start(&upstream).await;
    if !reports_operation_time(&db).await {
        proxy.add(Rule::nth("insert", 1, Fault::Amend(doc! { "operationTime": EARLY })));
    }
    proxy.watch("find");
    let uri = proxy::through(db.uri(), proxy.address).expect("the URI through the proxy");
    let client = Client::with_uri_str(&uri).await.expect("a client through the proxy");
    let things: Classed<Document> = THINGS.open(&client.database(db.name()), &Profiles::default());
    let mut session = things.causal_session(&CausalClock::default()).await.expect("a causally consistent session");

    things.write(things.insert_one(doc! { "_id": 1, "n": 1 }).session(&mut session)).await.expect("the write");
    let mine = things.read_all_in(things.find(doc! { "_id": 1 }), &mut session).await.expect("the read in the session");
    let _outside = things.read_all(things.find(doc! { "_id": 1 })).await.expect("the read outside the session");

    let written_at = session.operation_time().expect("the write's reply carried an operationTime");
    let finds = proxy.bodies("find");
    let [in_session, outside] = finds.as_slice() else { panic!("two finds were sent: {finds:?}") };
    assert_eq!(after_cluster_time(in_session), Some(written_at), "the read waits for the write: {in_session}");
    assert_eq!(mine, [doc! { "_id": 1, "n": 1 }], "the read sees the write");
    assert_eq!(after_cluster_time(outside), None, "outside the session nothing is waited for: {outside}");
    proxy.clear();
    db.finish().await;
}
