//! `AuditLog`: append-only events, listed newest first, filtered by subject and action.

use std::collections::BTreeMap;

use domain::audit::{AuditAction, AuditEvent, AuditQuery, AuditSubject};
use domain::pagination::IdCursor;
use domain::{AuditEventId, Timestamp};

use super::fixtures::{assert_error, audit_of, limit, unique};
use crate::support::TestStore;
use crate::support::fixture::store_test;

fn subject() -> AuditSubject {
    AuditSubject::of("contract", unique())
}

fn action() -> AuditAction {
    AuditAction::parse(&format!("contract.{}", unique())).expect("a valid action")
}

fn event(subject: &AuditSubject, action: &AuditAction) -> AuditEvent {
    AuditEvent {
        id: AuditEventId::new(),
        at: Timestamp::now(),
        actor: "contract-suite".to_owned(),
        action: action.clone(),
        subject: subject.clone(),
        request_id: format!("req-{}", unique()),
        details: BTreeMap::from([("step".to_owned(), unique())]),
    }
}

/// Appends events in order (their ids are time-ordered) and returns them newest first.
async fn append_all(store: &TestStore, events: Vec<AuditEvent>) -> Vec<AuditEvent> {
    for event in &events {
        store.repos.audit.append(event.clone()).await.expect("append an audit event");
    }
    events.into_iter().rev().collect()
}

#[store_test]
async fn appended_events_are_listed_newest_first(store: &TestStore) {
    let (subject, action) = (subject(), action());
    let newest_first = append_all(store, (0..3).map(|_| event(&subject, &action)).collect()).await;

    let listed = audit_of(store, subject).await;

    assert_eq!(listed, newest_first);
}

#[store_test]
async fn the_audit_log_filters_by_subject_and_by_action(store: &TestStore) {
    let (first, second) = (subject(), subject());
    let (created, changed) = (action(), action());
    let events = append_all(
        store,
        vec![event(&first, &created), event(&first, &changed), event(&second, &created), event(&second, &changed)],
    )
    .await;
    let listed = |subject: Option<&AuditSubject>, action: Option<&AuditAction>| {
        let query = AuditQuery { subject: subject.cloned(), action: action.cloned(), limit: limit(10), after: None };
        async move { store.repos.audit.list(&query).await.expect("list audit events").items }
    };
    let expected = |keep: &dyn Fn(&AuditEvent) -> bool| events.iter().filter(|e| keep(e)).cloned().collect::<Vec<_>>();

    let by_subject = listed(Some(&first), None).await;
    let by_action = listed(None, Some(&created)).await;
    let by_both = listed(Some(&second), Some(&changed)).await;

    assert_eq!(by_subject, expected(&|e| e.subject == first));
    assert_eq!(by_action, expected(&|e| e.action == created));
    assert_eq!(by_both, expected(&|e| e.subject == second && e.action == changed));
    assert!(listed(Some(&subject()), None).await.is_empty(), "an unknown subject matched events");
}

#[store_test]
async fn the_audit_log_pages_with_cursors_until_the_last_page(store: &TestStore) {
    let (subject, action) = (subject(), action());
    let newest_first = append_all(store, (0..5).map(|_| event(&subject, &action)).collect()).await;
    let mut query = AuditQuery { subject: Some(subject), limit: limit(2), ..AuditQuery::default() };

    let mut pages = Vec::new();
    loop {
        let page = store.repos.audit.list(&query).await.expect("list an audit page");
        pages.push(page.items);
        match page.next_cursor {
            Some(cursor) if pages.len() < 5 => query.after = Some(IdCursor::decode(&cursor).expect("an audit cursor")),
            Some(_) => panic!("the audit listing did not end after {} pages", pages.len()),
            None => break,
        }
    }

    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), vec![2, 2, 1]);
    assert_eq!(pages.concat(), newest_first);
}

#[store_test]
async fn appending_an_event_with_an_existing_id_is_a_conflict_and_keeps_the_original(store: &TestStore) {
    let (subject, action) = (subject(), action());
    let original = event(&subject, &action);
    store.repos.audit.append(original.clone()).await.expect("append the original");
    let twin = AuditEvent { actor: "someone-else".to_owned(), ..original.clone() };

    let result = store.repos.audit.append(twin).await;

    assert_error(result, &domain::Error::exists("audit event", original.id), "second event with the same id");
    assert_eq!(audit_of(store, subject).await, vec![original]);
}
