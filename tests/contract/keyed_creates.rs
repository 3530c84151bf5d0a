//! The keyed creates (`create_keyed` of products, wallets and sessions): once per idempotency
//! key, the entity and the claim together. A retry with the same request replays the first
//! entity and stores nothing; the same key with another request is refused as reused; a refused
//! create leaves the key unused; concurrent calls with one key create one entity.

use std::sync::Arc;

use domain::idempotency::{Claim, Created, product_fingerprint, session_fingerprint, wallet_fingerprint};
use domain::session::{IssuedSession, Session, SessionTtl};
use domain::wallet::{NewWallet, Owner, Wallet};
use domain::{Error, Money, Timestamp, UserId};
use mongo_kit_test::skip::skip;

use super::fixtures::{
    OWNER, assert_error, assert_not_found, draft, eur, fresh_category, fresh_key, in_parallel, meta,
};
use crate::support::TestStore;
use crate::support::fixture::store_test;

fn new_wallet(balance_minor: i64) -> NewWallet {
    NewWallet {
        owner: Owner::parse(OWNER).expect("a valid owner"),
        opening_balance: Money::new("opening_balance_minor", balance_minor, eur()).expect("a valid balance"),
    }
}

async fn open_keyed(store: &TestStore, command: NewWallet, claim: &Claim) -> Result<Created<Wallet>, Error> {
    let claim = Claim::new(claim.key.clone(), claim.fingerprint.clone());
    store.repos.wallets.create_keyed(command.into_wallet(Timestamp::now()), claim, &meta()).await
}

fn wallet_claim(command: &NewWallet) -> Claim {
    Claim::new(fresh_key(), wallet_fingerprint(command))
}

#[store_test]
async fn a_keyed_wallet_create_replays_its_first_wallet(store: &TestStore) {
    let claim = wallet_claim(&new_wallet(500));

    let first = open_keyed(store, new_wallet(500), &claim).await.expect("the first create");
    let retry_wallet = new_wallet(500).into_wallet(Timestamp::now());
    let retry_id = retry_wallet.id;
    let retry = store.repos.wallets.create_keyed(retry_wallet, claim.clone(), &meta()).await.expect("the retry");

    assert!(!first.replayed && retry.replayed);
    assert_eq!(retry.value, first.value, "the replay is not the first wallet");
    assert_eq!(store.repos.wallets.get(first.value.id).await.expect("the stored wallet"), first.value);
    assert_not_found(store.repos.wallets.get(retry_id).await, "the retry's own wallet");
}

#[store_test]
async fn a_wallet_key_reused_with_another_request_is_refused_and_stores_nothing(store: &TestStore) {
    let claim = wallet_claim(&new_wallet(500));
    open_keyed(store, new_wallet(500), &claim).await.expect("the first create");

    let other = new_wallet(501).into_wallet(Timestamp::now());
    let other_id = other.id;
    let caller = meta();
    let reused = store.repos.wallets.create_keyed(
        other,
        Claim::new(claim.key.clone(), wallet_fingerprint(&new_wallet(501))),
        &caller,
    );

    assert!(matches!(reused.await, Err(Error::KeyReused)), "another request with the key was not refused");
    assert_not_found(store.repos.wallets.get(other_id).await, "the refused wallet");
}

#[store_test]
async fn a_keyed_product_create_replays_its_first_product(store: &TestStore) {
    let draft = draft(&fresh_category(), 1_200);
    let claim = Claim::new(fresh_key(), product_fingerprint(&draft));
    let products = &store.repos.products;

    let first = products
        .create_keyed(draft.clone().into_product(Timestamp::now()), claim.clone(), &meta())
        .await
        .expect("first");
    // The retry's product carries the same sku: the replay answers before the sku is checked.
    let retry_product = draft.clone().into_product(Timestamp::now());
    let retry_id = retry_product.id;
    let retry = products.create_keyed(retry_product, claim.clone(), &meta()).await.expect("the retry");

    assert!(!first.replayed && retry.replayed);
    assert_eq!(retry.value, first.value);
    assert_eq!(products.get(first.value.id).await.expect("the stored product"), first.value);
    assert_not_found(products.get(retry_id).await, "the retry's own product");

    let mut other = draft.clone();
    other.price = Money::new("price_minor", 1_300, eur()).expect("a valid price");
    let caller = meta();
    let reused = products.create_keyed(
        other.clone().into_product(Timestamp::now()),
        Claim::new(claim.key, product_fingerprint(&other)),
        &caller,
    );
    assert!(matches!(reused.await, Err(Error::KeyReused)), "another body with the key was not refused");
}

#[store_test]
async fn a_keyed_product_create_refused_for_its_sku_leaves_the_key_unused(store: &TestStore) {
    let products = &store.repos.products;
    let taken = draft(&fresh_category(), 100);
    products.create(taken.clone().into_product(Timestamp::now()), &meta()).await.expect("the first product");
    let key = fresh_key();

    let caller = meta();
    let refused = products.create_keyed(
        taken.clone().into_product(Timestamp::now()),
        Claim::new(key.clone(), product_fingerprint(&taken)),
        &caller,
    );
    let refused = refused.await.map(|created| created.value);
    assert_error(refused, &Error::sku_taken(&taken.sku), "a keyed create with a taken sku");

    let fresh = draft(&fresh_category(), 100);
    let caller = meta();
    let created = products.create_keyed(
        fresh.clone().into_product(Timestamp::now()),
        Claim::new(key, product_fingerprint(&fresh)),
        &caller,
    );
    assert!(!created.await.expect("the key is still free").replayed, "the refused create took the key");
}

#[store_test]
async fn a_keyed_session_create_replays_the_same_token(store: &TestStore) {
    let (user, ttl) = (UserId::new(), SessionTtl::from_seconds(600).expect("a valid ttl"));
    let claim = Claim::new(fresh_key(), session_fingerprint(user, ttl));
    let issue = || {
        let (token, session) = Session::issue(user, ttl, Timestamp::now());
        IssuedSession { token, session }
    };
    let sessions = &store.repos.sessions;

    let first = sessions.create_keyed(issue(), claim.clone(), &meta()).await.expect("the first create");
    let retry_issued = issue();
    let retry_hash = retry_issued.session.token_hash.clone();
    let retry = sessions.create_keyed(retry_issued, claim.clone(), &meta()).await.expect("the retry");

    assert!(!first.replayed && retry.replayed);
    assert_eq!(retry.value.token, first.value.token, "the retry got another token");
    assert_eq!(sessions.find(&first.value.token.hash()).await.expect("the session is live"), first.value.session);
    assert_not_found(sessions.find(&retry_hash).await, "the retry's own session");

    let other = Claim::new(claim.key, session_fingerprint(user, SessionTtl::from_seconds(60).expect("a valid ttl")));
    assert!(matches!(sessions.create_keyed(issue(), other, &meta()).await, Err(Error::KeyReused)));
}

#[store_test]
async fn one_key_serves_each_scope_once(store: &TestStore) {
    let key = fresh_key();
    let command = new_wallet(10);
    let wallet = open_keyed(store, command.clone(), &Claim::new(key.clone(), wallet_fingerprint(&command))).await;
    let draft = draft(&fresh_category(), 10);
    let caller = meta();
    let product = store.repos.products.create_keyed(
        draft.clone().into_product(Timestamp::now()),
        Claim::new(key, product_fingerprint(&draft)),
        &caller,
    );

    assert!(!wallet.expect("a wallet").replayed);
    assert!(!product.await.expect("a product under the same key").replayed, "scopes share keys");
}

#[store_test]
async fn concurrent_keyed_creates_with_one_key_create_one_wallet(store: &TestStore) {
    if !store.concurrent_transactions {
        let test = format!("{}::concurrent_keyed_creates_with_one_key_create_one_wallet", module_path!());
        skip(&test, "the server cannot run concurrent transactions (capability probe)");
        return;
    }
    let claim = Arc::new(wallet_claim(&new_wallet(70)));
    let wallets = Arc::clone(&store.repos.wallets);
    let attempts =
        in_parallel(12, move |_| {
            let (wallets, claim) = (Arc::clone(&wallets), Arc::clone(&claim));
            async move {
                wallets.create_keyed(new_wallet(70).into_wallet(Timestamp::now()), (*claim).clone(), &meta()).await
            }
        })
        .await;

    let mut ids = Vec::new();
    let mut fresh = 0;
    for attempt in attempts {
        match attempt {
            Ok(created) => {
                fresh += usize::from(!created.replayed);
                ids.push(created.value.id);
            }
            Err(Error::KeyInFlight) => {}
            Err(other) => panic!("a caller got {other:?}"),
        }
    }
    assert!(fresh <= 1, "{fresh} callers created a wallet");
    assert!(ids.windows(2).all(|pair| pair[0] == pair[1]), "callers saw different wallets: {ids:?}");
}
