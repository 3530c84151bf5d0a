//! An idempotency key belongs to the caller that sent it (`RequestMeta::principal`): another
//! caller sending the same key string makes a request of its own, is never answered with the
//! first caller's stored response, and cannot take the key away from it.

use domain::idempotency::{Claim, session_fingerprint, wallet_fingerprint};
use domain::session::{IssuedSession, Session, SessionTtl};
use domain::transfer::RequestMeta;
use domain::wallet::{NewWallet, Owner};
use domain::{Money, Timestamp, UserId};

use super::fixtures::{OWNER, balance, eur, euros, fresh_key, open_wallet, unique};
use crate::support::TestStore;
use crate::support::fixture::store_test;

/// A request of the caller `principal`.
fn caller(principal: &str) -> RequestMeta {
    RequestMeta::of_principal(principal, format!("req-{}", unique()))
}

fn session_of(user: UserId) -> IssuedSession {
    let ttl = SessionTtl::from_seconds(600).expect("a valid ttl");
    let (token, session) = Session::issue(user, ttl, Timestamp::now());
    IssuedSession { token, session }
}

#[store_test]
async fn another_caller_with_the_same_session_key_gets_its_own_token_never_the_first(store: &TestStore) {
    let (alice, mallory) = (caller(&format!("alice-{}", unique())), caller(&format!("mallory-{}", unique())));
    let user = UserId::new();
    let ttl = SessionTtl::from_seconds(600).expect("a valid ttl");
    let claim = Claim::new(fresh_key(), session_fingerprint(user, ttl));
    let sessions = &store.repos.sessions;

    let first = sessions.create_keyed(session_of(user), claim.clone(), &alice).await.expect("alice's session");
    let other = sessions.create_keyed(session_of(user), claim.clone(), &mallory).await.expect("mallory's own session");
    let retry = sessions.create_keyed(session_of(user), claim, &alice).await.expect("alice's retry");

    assert!(!first.replayed && !other.replayed, "the second caller's request was answered as a replay");
    assert_ne!(other.value.token.expose(), first.value.token.expose(), "another caller got the first caller's token");
    assert!(retry.replayed, "the first caller's retry replays");
    assert_eq!(retry.value.token.expose(), first.value.token.expose());
}

#[store_test]
async fn a_key_taken_by_another_caller_first_does_not_refuse_the_owner(store: &TestStore) {
    let command = NewWallet {
        owner: Owner::parse(OWNER).expect("a valid owner"),
        opening_balance: Money::new("opening_balance_minor", 300, eur()).expect("a valid balance"),
    };
    let other = NewWallet {
        opening_balance: Money::new("opening_balance_minor", 999, eur()).expect("a valid balance"),
        ..command.clone()
    };
    let key = fresh_key();
    let (owner, squatter) = (caller(&format!("owner-{}", unique())), caller(&format!("squatter-{}", unique())));
    let wallets = &store.repos.wallets;

    let squatted = wallets
        .create_keyed(
            other.clone().into_wallet(Timestamp::now()),
            Claim::new(key.clone(), wallet_fingerprint(&other)),
            &squatter,
        )
        .await
        .expect("the squatter's request is its own");
    let owned = wallets
        .create_keyed(
            command.clone().into_wallet(Timestamp::now()),
            Claim::new(key, wallet_fingerprint(&command)),
            &owner,
        )
        .await;

    let owned = owned.expect("the owner's request is applied, not refused as a reused key");
    assert!(!squatted.replayed && !owned.replayed);
    assert_eq!(owned.value.balance_minor, 300);
    assert_ne!(owned.value.id, squatted.value.id);
}

#[store_test]
async fn a_transfer_key_of_another_caller_is_a_transfer_of_its_own(store: &TestStore) {
    let from = open_wallet(store, 1_000, eur()).await.id;
    let to = open_wallet(store, 0, eur()).await.id;
    let key = fresh_key();
    let (first_caller, second_caller) = (caller(&format!("a-{}", unique())), caller(&format!("b-{}", unique())));
    let wallets = &store.repos.wallets;

    let first = wallets.transfer(euros(from, to, 100), key.clone(), first_caller.clone()).await.expect("the first");
    let second = wallets.transfer(euros(from, to, 100), key.clone(), second_caller).await.expect("the second caller's");
    let retry = wallets.transfer(euros(from, to, 100), key, first_caller).await.expect("the first caller's retry");

    assert!(!second.replayed, "another caller's transfer was answered with the first caller's");
    assert_ne!(second.transfer.id, first.transfer.id);
    assert!(retry.replayed && retry.transfer.id == first.transfer.id, "the first caller's retry replays");
    assert_eq!(balance(store, from).await, 800, "two callers' transfers applied, once each");
}
