//! The ledger check: verify finds an injected drift, repair fixes it exactly once, and wallets
//! opened before openings were recorded are checked against their first ledger entry.

use domain::transfer::{IdempotencyKey, RequestMeta, TransferCommand};
use domain::wallet::{NewWallet, Owner, Wallet};
use domain::{Currency, Money, Repositories, Timestamp};
use mongo_kit_test::skip::skip;
use mongo_store::MongoStore;
use mongo_store::documents::stored_uuid;
use mongo_store::ledger_check::{CheckOptions, LedgerReport, OpeningSource, check};
use mongodb::bson::{Document, doc};

use super::fixtures::raw;
use crate::support::fixture::store_test;

fn eur() -> Currency {
    Currency::parse("EUR").expect("EUR is a currency")
}

async fn open(repos: &Repositories, balance_minor: i64) -> Wallet {
    let wallet = NewWallet {
        owner: Owner::parse("Ledger Tester").expect("a valid owner"),
        opening_balance: Money::new("opening_balance", balance_minor, eur()).expect("a valid balance"),
    };
    repos
        .wallets
        .create(wallet.into_wallet(Timestamp::now()), &crate::contract::fixtures::meta())
        .await
        .expect("open a wallet")
}

async fn transfer(repos: &Repositories, from: &Wallet, to: &Wallet, amount_minor: i64) {
    let command = TransferCommand::new(from.id, to.id, amount_minor, eur()).expect("a valid transfer");
    let key = IdempotencyKey::parse(&format!("ledger-{}", uuid::Uuid::new_v4().simple())).expect("a valid key");
    let meta = RequestMeta::of_principal("ledger-test", "req-ledger");
    repos.wallets.transfer(command, key, meta).await.expect("transfer");
}

/// Three wallets with a few transfers between them, or `None` (after a printed skip) where the
/// server runs no transactions.
async fn wallets_with_history(store: &MongoStore, test: &str) -> Option<[Wallet; 3]> {
    if !store.startup_report().transactions.is_supported() {
        skip(test, "the server runs no transactions, so no transfer writes a ledger");
        return None;
    }
    let repos = store.repositories();
    let (a, b, c) = (open(&repos, 1_000).await, open(&repos, 500).await, open(&repos, 0).await);
    transfer(&repos, &a, &b, 300).await;
    transfer(&repos, &b, &c, 450).await;
    transfer(&repos, &c, &a, 50).await;
    Some([a, b, c])
}

async fn run(store: &MongoStore, repair: bool) -> LedgerReport {
    let options = CheckOptions { batch_size: 2, repair, actor: "ledger-test".to_owned() };
    check(store.database(), store.profiles(), &options).await.expect("check the ledger")
}

async fn inject(store: &MongoStore, wallet: &Wallet, change: Document) {
    let wallets = store.database().collection::<Document>("wallets");
    wallets.update_one(doc! { "_id": stored_uuid(wallet.id.as_uuid()) }, change).await.expect("inject a change");
}

#[store_test(mongo)]
async fn verify_finds_an_injected_drift_and_repair_fixes_it_exactly_once(store: &MongoStore) {
    // Arrange: wallet b's balance moves by 7 without a ledger entry.
    let test = "migrate::ledger::verify_finds_an_injected_drift_and_repair_fixes_it_exactly_once::mongo";
    let Some([a, b, c]) = wallets_with_history(store, test).await else { return };
    let clean = run(store, false).await;
    inject(store, &b, doc! { "$inc": { "balance_minor": 7_i64 } }).await;

    // Act
    let verified = run(store, false).await;
    let repaired = run(store, true).await;
    let again = run(store, true).await;

    // Assert
    assert_eq!((clean.wallets, clean.drifts.len()), (3, 0), "no drift before the injection");
    assert_eq!(verified.drifts.len(), 1, "{verified}");
    let drift = &verified.drifts[0];
    assert_eq!((drift.wallet_id, drift.drift_minor(), drift.expected_balance_minor()), (b.id, 7, 350));
    assert_eq!((drift.opening_balance_minor, drift.opening_source, drift.entries), (500, OpeningSource::Recorded, 2));
    assert_eq!((repaired.drifts.len(), repaired.repaired), (1, 1));
    assert_eq!((again.drifts.len(), again.repaired), (0, 0), "a second repair finds nothing");
    let repos = store.repositories();
    assert_eq!(repos.wallets.get(b.id).await.expect("read wallet b").balance_minor, 350);
    assert_eq!(repos.wallets.get(a.id).await.expect("read wallet a").balance_minor, 750);
    assert_eq!(repos.wallets.get(c.id).await.expect("read wallet c").balance_minor, 400);
    let events = raw(store, "audit", doc! { "action": mongo_store::ledger_check::AUDIT_ACTION }).await;
    assert_eq!(events.len(), 1, "one audit event per correction");
    assert_eq!(events[0].get_str("subject").ok(), Some(format!("wallet:{}", b.id).as_str()));
    let details = events[0].get_document("details").expect("details");
    assert_eq!(details.get_str("drift_minor").ok(), Some("7"));
    assert_eq!(details.get_str("corrected_balance_minor").ok(), Some("350"));
}

#[store_test(mongo)]
async fn a_wallet_without_a_recorded_opening_is_checked_against_its_first_entry(store: &MongoStore) {
    // Arrange: wallet a predates recorded openings, and lost 20 outside its ledger.
    let test = "migrate::ledger::a_wallet_without_a_recorded_opening_is_checked_against_its_first_entry::mongo";
    let Some([a, _, _]) = wallets_with_history(store, test).await else { return };
    inject(store, &a, doc! { "$unset": { "opening_balance_minor": "" }, "$inc": { "balance_minor": -20_i64 } }).await;

    // Act
    let verified = run(store, false).await;

    // Assert
    assert_eq!(verified.drifts.len(), 1, "{verified}");
    let drift = &verified.drifts[0];
    assert_eq!(
        (drift.wallet_id, drift.opening_source, drift.opening_balance_minor),
        (a.id, OpeningSource::FirstEntry, 1_000)
    );
    assert_eq!(drift.drift_minor(), -20);
}
