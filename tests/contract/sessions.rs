//! `SessionRepository`: sessions by token hash; an expired session is invisible even while its
//! record is still stored.

use domain::session::{Session, SessionToken, SessionTtl};
use domain::{Error, Timestamp, UserId};

use super::fixtures::{assert_error, assert_not_found};
use crate::support::TestStore;
use crate::support::fixture::store_test;

/// A session issued at `issued_at` that lives for an hour.
fn session_issued_at(issued_at: Timestamp) -> Session {
    let ttl = SessionTtl::from_seconds(3600).expect("a valid ttl");
    let (_token, session) = Session::issue(UserId::new(), ttl, issued_at);
    session
}

fn live_session() -> Session {
    session_issued_at(Timestamp::now())
}

/// A session that expired a minute ago.
fn expired_session() -> Session {
    session_issued_at(Timestamp::now().plus_millis(-3_660_000))
}

#[store_test]
async fn a_created_session_is_found_by_its_token_hash(store: &TestStore) {
    let session = live_session();

    store.repos.sessions.create(session.clone(), &crate::contract::fixtures::meta()).await.expect("create a session");

    assert_eq!(store.repos.sessions.find(&session.token_hash).await.expect("find the session"), session);
}

#[store_test]
async fn creating_a_session_with_an_existing_token_hash_is_a_conflict(store: &TestStore) {
    let first = live_session();
    store.repos.sessions.create(first.clone(), &crate::contract::fixtures::meta()).await.expect("create a session");
    let twin = Session { user_id: UserId::new(), ..first.clone() };

    let result = store.repos.sessions.create(twin, &crate::contract::fixtures::meta()).await;

    assert_error(result, &Error::session_exists(), "second session with the same hash");
    assert_eq!(store.repos.sessions.find(&first.token_hash).await.expect("find the first session"), first);
}

#[store_test]
async fn an_unknown_token_hash_is_not_found_by_find_and_delete(store: &TestStore) {
    let unknown = SessionToken::generate().hash();

    let found = store.repos.sessions.find(&unknown).await;
    let deleted = store.repos.sessions.delete(&unknown, &crate::contract::fixtures::meta()).await;

    assert_error(found, &Error::session_not_found(), "find");
    assert_error(deleted, &Error::session_not_found(), "delete");
}

#[store_test]
async fn an_expired_session_is_not_found_even_though_it_is_stored(store: &TestStore) {
    let session = expired_session();
    store
        .repos
        .sessions
        .create(session.clone(), &crate::contract::fixtures::meta())
        .await
        .expect("store an expired session");

    let result = store.repos.sessions.find(&session.token_hash).await;

    assert_error(result, &Error::session_not_found(), "find of an expired session");
}

#[store_test]
async fn deleting_an_expired_session_is_not_found(store: &TestStore) {
    let session = expired_session();
    store
        .repos
        .sessions
        .create(session.clone(), &crate::contract::fixtures::meta())
        .await
        .expect("store an expired session");

    let result = store.repos.sessions.delete(&session.token_hash, &crate::contract::fixtures::meta()).await;

    assert_error(result, &Error::session_not_found(), "delete of an expired session");
}

#[store_test]
async fn a_deleted_session_is_not_found_any_more(store: &TestStore) {
    let session = live_session();
    let other = live_session();
    store.repos.sessions.create(session.clone(), &crate::contract::fixtures::meta()).await.expect("create a session");
    store
        .repos
        .sessions
        .create(other.clone(), &crate::contract::fixtures::meta())
        .await
        .expect("create another session");

    store
        .repos
        .sessions
        .delete(&session.token_hash, &crate::contract::fixtures::meta())
        .await
        .expect("delete the session");

    assert_not_found(store.repos.sessions.find(&session.token_hash).await, "find after delete");
    assert_not_found(
        store.repos.sessions.delete(&session.token_hash, &crate::contract::fixtures::meta()).await,
        "second delete",
    );
    assert_eq!(store.repos.sessions.find(&other.token_hash).await.expect("the other session lives on"), other);
}
