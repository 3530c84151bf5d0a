//! Every audited change stores exactly one event with it, atomically (ports' `# Errors`: on any
//! error neither the change nor its event is stored): creates, updates and deletes of products,
//! wallet and session creates, session ends. A keyed replay adds none; a refused change stores
//! none.

use domain::audit::{AuditAction, AuditEvent, AuditSubject};
use domain::idempotency::{Claim, session_fingerprint, wallet_fingerprint};
use domain::session::{IssuedSession, Session, SessionTtl};
use domain::wallet::{NewWallet, Owner};
use domain::{Error, Money, Timestamp, UserId};

use super::fixtures::{OWNER, audit_of, create_product, draft, eur, fresh_category, fresh_key, meta};
use crate::support::TestStore;
use crate::support::fixture::store_test;

/// The actions of the events recorded about `kind:id`, oldest first.
async fn actions(store: &TestStore, kind: &str, id: impl std::fmt::Display) -> Vec<String> {
    let events: Vec<AuditEvent> = audit_of(store, AuditSubject::of(kind, id)).await;
    events.iter().rev().map(|event| event.action.as_str().to_owned()).collect()
}

#[store_test]
async fn a_product_created_updated_and_deleted_has_one_event_per_change(store: &TestStore) {
    let product = create_product(store, draft(&fresh_category(), 100)).await;
    let products = &store.repos.products;

    let updated = products.update(product.id, 1, draft(&fresh_category(), 200), &meta()).await.expect("update");
    let stale = products.update(product.id, 1, draft(&fresh_category(), 300), &meta()).await;
    products.delete(product.id, &meta()).await.expect("delete");
    let again = products.delete(product.id, &meta()).await;

    assert_eq!(updated.version, 2);
    assert!(matches!(stale, Err(Error::VersionMismatch { .. })) && matches!(again, Err(Error::NotFound { .. })));
    assert_eq!(
        actions(store, "product", product.id).await,
        [AuditAction::PRODUCT_CREATED, AuditAction::PRODUCT_UPDATED, AuditAction::PRODUCT_DELETED],
        "one event per stored change, none for the refused ones"
    );
}

#[store_test]
async fn a_product_create_refused_for_its_sku_stores_no_event(store: &TestStore) {
    let taken = draft(&fresh_category(), 100);
    create_product(store, taken.clone()).await;
    let twin = taken.into_product(Timestamp::now());

    let refused = store.repos.products.create(twin.clone(), &meta()).await;

    assert!(matches!(refused, Err(Error::Conflict(_))), "{refused:?}");
    assert!(actions(store, "product", twin.id).await.is_empty(), "a refused create left an event");
}

#[store_test]
async fn a_keyed_wallet_create_and_its_replay_store_one_event(store: &TestStore) {
    let command = NewWallet {
        owner: Owner::parse(OWNER).expect("a valid owner"),
        opening_balance: Money::new("opening_balance_minor", 700, eur()).expect("a valid balance"),
    };
    let claim = Claim::new(fresh_key(), wallet_fingerprint(&command));
    let wallets = &store.repos.wallets;
    let caller = meta();

    let first = wallets.create_keyed(command.clone().into_wallet(Timestamp::now()), claim.clone(), &caller).await;
    let replay = wallets.create_keyed(command.into_wallet(Timestamp::now()), claim, &caller).await;

    let (first, replay) = (first.expect("created"), replay.expect("replayed"));
    assert!(replay.replayed);
    assert_eq!(actions(store, "wallet", first.value.id).await, [AuditAction::WALLET_CREATED]);
    let events = audit_of(store, AuditSubject::of("wallet", first.value.id)).await;
    assert_eq!(events[0].actor, caller.actor);
    assert_eq!(events[0].details.get("opening_balance_minor").map(String::as_str), Some("700"));
    assert!(!events[0].details.values().any(|value| value == OWNER), "the owner is personal data");
}

#[store_test]
async fn a_session_started_and_ended_has_one_event_each_and_none_names_its_token(store: &TestStore) {
    let user = UserId::new();
    let ttl = SessionTtl::from_seconds(600).expect("a valid ttl");
    let (token, session) = Session::issue(user, ttl, Timestamp::now());
    let hash = session.token_hash.clone();
    let sessions = &store.repos.sessions;

    sessions.create(session, &meta()).await.expect("start");
    let (keyed_token, keyed) = Session::issue(user, ttl, Timestamp::now());
    let keyed_hash = keyed.token_hash.clone();
    let claim = Claim::new(fresh_key(), session_fingerprint(user, ttl));
    let issued = IssuedSession { token: keyed_token, session: keyed };
    sessions.create_keyed(issued.clone(), claim.clone(), &meta()).await.expect("a keyed start");
    sessions.create_keyed(issued, claim, &meta()).await.expect("its replay");
    sessions.delete(&hash, &meta()).await.expect("end");

    assert_eq!(
        actions(store, "session", hash.as_str()).await,
        [AuditAction::SESSION_CREATED, AuditAction::SESSION_ENDED]
    );
    assert_eq!(actions(store, "session", keyed_hash.as_str()).await, [AuditAction::SESSION_CREATED]);
    let events = audit_of(store, AuditSubject::of("session", hash.as_str())).await;
    let text = format!("{events:?}");
    assert!(!text.contains(token.expose()) && !text.contains(&user.to_string()), "an event names the token or user");
}
