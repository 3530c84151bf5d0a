//! The start-up trial of the transfer transaction: it sends the transfer's own commands, leaves
//! nothing behind, and a server that refuses any of them makes transfers refused at once, naming
//! the step that failed.

use domain::{Error, TransferError};
use mongo_kit::bson::{Document, doc};
use mongo_kit::probe::TransactionSupport;
use mongo_kit_test::proxy::{Fault, FaultProxy, Rule};
use mongo_kit_test::skip::skip;
use mongo_store::MongoStore;

use super::{euros, fresh_key, meta};
use crate::support::fixture::{TestName, store_test};

/// A store connected through a fresh proxy that already holds `rules`, or `None` after a skip.
async fn connect_with(test: &str, rules: Vec<Rule>) -> Option<(MongoStore, FaultProxy)> {
    crate::support::proxied::connect(test, rules, |_| {}).await
}

fn has_client_bulk_write(store: &MongoStore) -> bool {
    store.startup_report().max_wire_version.unwrap_or(0) >= mongo_kit::probe::CLIENT_BULK_WRITE_WIRE_VERSION
}

fn refusal(code: i32, name: &str) -> Fault {
    Fault::error(code, name, &[])
}

#[store_test(mongo)]
async fn the_trial_sends_the_transfers_own_commands_and_leaves_nothing_behind(test: &TestName) {
    let Some((store, proxy)) = connect_with(test, Vec::new()).await else { return };
    if let TransactionSupport::Unsupported { reason } = &store.startup_report().transactions {
        skip(test, &format!("the server runs no transfer transaction: {reason}"));
        let _ = store.drop_database().await;
        return;
    }

    let (aggregates, aborts, commits) =
        (proxy.seen("aggregate"), proxy.seen("abortTransaction"), proxy.seen("commitTransaction"));
    let (bulk_writes, updates) = (proxy.seen("bulkWrite"), proxy.seen("update"));
    let mut left = Vec::new();
    for collection in ["wallets", "idempotency_keys", "ledger", "transfers", "audit"] {
        let count = store.database().collection::<Document>(collection).count_documents(doc! {}).await;
        left.push((collection, count.expect("count a collection")));
    }

    assert_eq!(aggregates, 1, "the trial reads as a transfer does: one aggregate");
    assert_eq!(aborts, 1, "the trial ends with an abort");
    assert_eq!(commits, 0, "the trial never commits");
    if has_client_bulk_write(&store) {
        assert_eq!(bulk_writes, 1, "the trial writes as a transfer does: one bulkWrite");
    } else {
        assert!(updates >= 2, "the trial debits and credits as a transfer does");
    }
    assert!(left.iter().all(|(_, count)| *count == 0), "the trial left documents behind: {left:?}");
    store.drop_database().await.expect("drop the test database");
}

#[store_test(mongo)]
async fn a_server_refusing_the_transfers_read_makes_transfers_refused_naming_the_step(test: &TestName) {
    let refused = Rule::nth("aggregate", 1, refusal(263, "OperationNotSupportedInTransaction"));
    let Some((store, _proxy)) = connect_with(test, vec![refused]).await else { return };
    let (from, to) = (domain::WalletId::new(), domain::WalletId::new());

    let transfer = store.repositories().wallets.transfer(euros(from, to, 1), fresh_key(), meta()).await;

    let TransactionSupport::Unsupported { reason } = &store.startup_report().transactions else {
        panic!("a refused read passed the start-up trial");
    };
    assert!(reason.contains("the transfer's read"), "the reason names the step: {reason}");
    assert!(reason.contains("OperationNotSupportedInTransaction"), "the reason has the server's answer: {reason}");
    match transfer {
        Err(TransferError::Store(Error::Unsupported(message))) => {
            assert!(message.contains("start-up trial"), "the refusal says why: {message}");
        }
        other => panic!("a transfer on a server that refused the trial answered {other:?}"),
    }
    store.drop_database().await.expect("drop the test database");
}

#[store_test(mongo)]
async fn a_server_refusing_the_transfers_writes_makes_transfers_refused_naming_the_step(test: &TestName) {
    let refused = Rule::nth("bulkWrite", 1, refusal(263, "OperationNotSupportedInTransaction"));
    let Some((store, _proxy)) = connect_with(test, vec![refused]).await else { return };
    if !has_client_bulk_write(&store) {
        skip(test, "the server predates client-level bulkWrite (wire version below 25)");
        let _ = store.drop_database().await;
        return;
    }

    let TransactionSupport::Unsupported { reason } = &store.startup_report().transactions else {
        panic!("a refused bulkWrite passed the start-up trial");
    };

    assert!(reason.contains("the transfer's writes (one client bulkWrite)"), "the reason names the step: {reason}");
    store.drop_database().await.expect("drop the test database");
}
