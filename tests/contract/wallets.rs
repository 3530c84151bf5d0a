//! `WalletRepository` outside transfers: creating and reading wallets, and ledger listings.

use domain::idempotency::{Claim, wallet_fingerprint};
use domain::pagination::IdCursor;
use domain::wallet::{LedgerQuery, NewWallet, Owner};
use domain::{Error, Money, Timestamp, TransferId, ValidationError, WalletId};

use super::fixtures::{
    OWNER, assert_error, assert_not_found, eur, euros, fresh_key, limit, meta, open_wallet, whole_ledger,
};
use crate::support::TestStore;
use crate::support::fixture::store_test;

#[store_test]
async fn a_created_wallet_reads_back_as_given(store: &TestStore) {
    let wallet = NewWallet {
        owner: Owner::parse(OWNER).expect("a valid owner"),
        opening_balance: Money::new("opening_balance", 12_345, eur()).expect("a valid balance"),
    }
    .into_wallet(Timestamp::now());

    let created = store
        .repos
        .wallets
        .create(wallet.clone(), &crate::contract::fixtures::meta())
        .await
        .expect("create the wallet");

    assert_eq!(created, wallet);
    assert_eq!(store.repos.wallets.get(wallet.id).await.expect("read the wallet"), wallet);
}

#[store_test]
async fn creating_a_wallet_with_an_existing_id_is_a_conflict(store: &TestStore) {
    let wallet = open_wallet(store, 500, eur()).await;
    let twin = domain::wallet::Wallet { balance_minor: 1_000_000, ..wallet.clone() };

    let result = store.repos.wallets.create(twin, &crate::contract::fixtures::meta()).await;

    assert_error(result, &Error::exists("wallet", wallet.id), "second wallet with the same id");
    assert_eq!(store.repos.wallets.get(wallet.id).await.expect("read the wallet"), wallet);
}

#[store_test]
async fn a_wallet_with_a_negative_balance_is_refused_as_invalid_and_not_stored(store: &TestStore) {
    let opened = NewWallet {
        owner: Owner::parse(OWNER).expect("a valid owner"),
        opening_balance: Money::new("opening_balance", 0, eur()).expect("a valid balance"),
    };
    let negative = || domain::wallet::Wallet { balance_minor: -1, ..opened.clone().into_wallet(Timestamp::now()) };
    let expected = Error::Validation(ValidationError::new("balance_minor", "must not be negative"));
    let (plain, keyed) = (negative(), negative());
    let claim = Claim::new(fresh_key(), wallet_fingerprint(&opened));

    let created = store.repos.wallets.create(plain.clone(), &crate::contract::fixtures::meta()).await;
    let created_keyed =
        store.repos.wallets.create_keyed(keyed.clone(), claim, &crate::contract::fixtures::meta()).await;

    assert_error(created, &expected, "create");
    assert_error(created_keyed, &expected, "keyed create");
    assert_not_found(store.repos.wallets.get(plain.id).await, "the refused wallet");
    assert_not_found(store.repos.wallets.get(keyed.id).await, "the refused keyed wallet");
}

#[store_test]
async fn an_unknown_wallet_is_not_found(store: &TestStore) {
    let unknown = WalletId::new();

    let result = store.repos.wallets.get(unknown).await;

    assert_not_found(result, "get of an unknown wallet");
}

#[store_test]
async fn the_ledger_of_an_unknown_wallet_is_not_found(store: &TestStore) {
    let query = LedgerQuery { wallet_id: WalletId::new(), limit: limit(10), after: None };

    let result = store.repos.wallets.ledger(&query).await;

    assert_not_found(result, "ledger of an unknown wallet");
}

#[store_test]
async fn a_new_wallet_has_an_empty_ledger(store: &TestStore) {
    let wallet = open_wallet(store, 500, eur()).await;
    let query = LedgerQuery { wallet_id: wallet.id, limit: limit(10), after: None };

    let page = store.repos.wallets.ledger(&query).await.expect("read the ledger");

    assert!(page.items.is_empty());
    assert_eq!(page.next_cursor, None);
}

#[store_test]
async fn the_ledger_lists_newest_first_in_pages(store: &TestStore) {
    let (source, sink) = (open_wallet(store, 1_000, eur()).await, open_wallet(store, 0, eur()).await);
    let mut transfers: Vec<TransferId> = Vec::new();
    for amount in 1..=5 {
        let outcome = store
            .repos
            .wallets
            .transfer(euros(source.id, sink.id, amount), fresh_key(), meta())
            .await
            .expect("transfer");
        transfers.push(outcome.transfer.id);
    }
    let mut query = LedgerQuery { wallet_id: source.id, limit: limit(2), after: None };

    let mut pages = Vec::new();
    loop {
        let page = store.repos.wallets.ledger(&query).await.expect("read a ledger page");
        pages.push(page.items);
        match page.next_cursor {
            Some(cursor) if pages.len() < 5 => query.after = Some(IdCursor::decode(&cursor).expect("a ledger cursor")),
            Some(_) => panic!("the ledger did not end after {} pages", pages.len()),
            None => break,
        }
    }

    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), vec![2, 2, 1]);
    let entries: Vec<_> = pages.into_iter().flatten().collect();
    transfers.reverse();
    assert_eq!(entries.iter().map(|e| e.transfer_id).collect::<Vec<_>>(), transfers);
    assert_eq!(entries.iter().map(|e| e.delta_minor).collect::<Vec<_>>(), vec![-5, -4, -3, -2, -1]);
    assert_eq!(entries.iter().map(|e| e.balance_after_minor).collect::<Vec<_>>(), vec![985, 990, 994, 997, 999]);
    assert_eq!(whole_ledger(store, sink.id).await.len(), 5, "the credited wallet's ledger");
}
