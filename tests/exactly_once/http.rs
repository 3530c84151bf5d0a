//! The concurrency scenarios end to end: many clients post the same transfer with one key, or
//! random transfers among a few hot wallets. Every answer is 201 (applied or replayed), 409 (in
//! flight) or 422 (insufficient funds), never a 5xx; the books balance afterwards. Parallel
//! versions run where the store runs concurrent transactions (a named skip elsewhere); serial
//! versions always run.

use std::sync::Arc;

use mongo_kit_test::skip::skip;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::TestStore;
use crate::support::app::{TestApp, spawn_app};
use crate::support::fixture::{Fixture, MemoryFixture, store_test};

const SENDERS: usize = 12;
const HOT_WALLETS: usize = 3;
const OPENING: i64 = 1_000;
const CLIENTS: usize = 4;
const TRANSFERS_PER_CLIENT: usize = 15;

fn transfer(from: &str, to: &str, amount: i64) -> Value {
    json!({"from": from, "to": to, "amount_minor": amount, "currency": "EUR"})
}

/// Posts `body` with `key`; returns the status and, for a 201, the transfer's id.
async fn post(app: &TestApp, body: &Value, key: &str) -> (StatusCode, Option<String>) {
    let response = app.transfer(body, Some(key)).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body["id"].as_str().map(str::to_owned))
}

/// Sends `count` jobs at once, each on its own task.
async fn at_once<T: Send + 'static, F: Future<Output = T> + Send + 'static>(jobs: Vec<F>) -> Vec<T> {
    let barrier = Arc::new(tokio::sync::Barrier::new(jobs.len()));
    let handles: Vec<_> = jobs
        .into_iter()
        .map(|job| {
            let barrier = Arc::clone(&barrier);
            tokio::spawn(async move {
                barrier.wait().await;
                job.await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(handles.len());
    for handle in handles {
        results.push(handle.await.expect("a client task panicked"));
    }
    results
}

async fn same_key(app: Arc<TestApp>, parallel: bool) {
    let (from, to) = (app.create_wallet("EUR", OPENING).await, app.create_wallet("EUR", 0).await);
    let (body, key) = (transfer(&from, &to, 100), uuid::Uuid::new_v4().to_string());

    let answers = if parallel {
        let jobs = (0..SENDERS).map(|_| {
            let (app, body, key) = (Arc::clone(&app), body.clone(), key.clone());
            async move { post(&app, &body, &key).await }
        });
        at_once(jobs.collect()).await
    } else {
        let mut answers = Vec::new();
        for _ in 0..SENDERS {
            answers.push(post(&app, &body, &key).await);
        }
        answers
    };

    let ids: Vec<&String> = answers.iter().filter_map(|(_, id)| id.as_ref()).collect();
    for (status, _) in &answers {
        assert!(matches!(*status, StatusCode::CREATED | StatusCode::CONFLICT), "a sender got {status}");
    }
    assert!(!ids.is_empty(), "no sender got the transfer");
    assert!(ids.iter().all(|id| *id == ids[0]), "senders saw different transfers: {ids:?}");
    assert_eq!((app.balance(&from).await, app.balance(&to).await), (OPENING - 100, 100), "debited other than once");
}

async fn hot_wallets(app: Arc<TestApp>, parallel: bool) {
    let mut wallets = Vec::new();
    for _ in 0..HOT_WALLETS {
        wallets.push(app.create_wallet("EUR", OPENING).await);
    }
    let client = |seed: usize| {
        let (app, wallets) = (Arc::clone(&app), wallets.clone());
        async move {
            let mut statuses = Vec::new();
            for n in 0..TRANSFERS_PER_CLIENT {
                let from = (seed + n) % HOT_WALLETS;
                let to = (from + 1 + (seed * 7 + n) % (HOT_WALLETS - 1)) % HOT_WALLETS;
                let amount = i64::try_from(1 + (seed * 131 + n * 71) % 400).expect("a small amount");
                let body = transfer(&wallets[from], &wallets[to], amount);
                statuses.push(post(&app, &body, &uuid::Uuid::new_v4().to_string()).await.0);
            }
            statuses
        }
    };
    let statuses: Vec<StatusCode> = if parallel {
        at_once((0..CLIENTS).map(client).collect()).await.into_iter().flatten().collect()
    } else {
        let mut statuses = Vec::new();
        for seed in 0..CLIENTS {
            statuses.extend(client(seed).await);
        }
        statuses
    };

    for status in &statuses {
        let expected = [StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY, StatusCode::CONFLICT];
        assert!(expected.contains(status), "a transfer answered {status}");
    }
    assert!(statuses.contains(&StatusCode::CREATED), "no transfer was applied");
    let mut total = 0;
    for wallet in &wallets {
        let balance = app.balance(wallet).await;
        assert!(balance >= 0, "wallet {wallet} went negative");
        total += balance;
    }
    assert_eq!(total, OPENING * i64::try_from(HOT_WALLETS).expect("small"), "money was not conserved");
}

const BURST: usize = 20;
const AFTER_BURST: usize = 50;

/// A burst of concurrent transactions (the same transfer with one key, sent at once) must not
/// break the transactions that follow: every serial transfer after it applies. Not gated on the
/// concurrency probe: a server may serialize concurrent transactions, but never fail later ones.
async fn burst_then_serial(app: Arc<TestApp>, _parallel: bool) {
    let (from, to) = (app.create_wallet("EUR", OPENING).await, app.create_wallet("EUR", 0).await);
    let (body, key) = (transfer(&from, &to, 10), uuid::Uuid::new_v4().to_string());
    let jobs = (0..BURST).map(|_| {
        let (app, body, key) = (Arc::clone(&app), body.clone(), key.clone());
        async move { post(&app, &body, &key).await.0 }
    });
    let burst = at_once(jobs.collect()).await;
    let mut serial = Vec::with_capacity(AFTER_BURST);
    for _ in 0..AFTER_BURST {
        serial.push(post(&app, &transfer(&from, &to, 1), &uuid::Uuid::new_v4().to_string()).await.0);
    }

    for status in &burst {
        assert!(matches!(*status, StatusCode::CREATED | StatusCode::CONFLICT), "a burst sender got {status}");
    }
    let failed: Vec<_> = serial.iter().enumerate().filter(|(_, status)| **status != StatusCode::CREATED).collect();
    assert!(failed.is_empty(), "serial transfers after the burst failed (index, status): {failed:?}");
    let moved = 10 + i64::try_from(AFTER_BURST).expect("small");
    assert_eq!((app.balance(&from).await, app.balance(&to).await), (OPENING - moved, moved), "money moved wrongly");
}

/// The service on a fresh store, for many clients at once.
struct Clients {
    app: Arc<TestApp>,
    store: TestStore,
    test: &'static str,
}

impl Clients {
    async fn serving(store: TestStore, test: &'static str) -> Self {
        Self { app: Arc::new(spawn_app(store.repos.clone()).await), store, test }
    }

    /// Runs `scenario`, in parallel only where the store can (a named skip elsewhere).
    async fn run<F: Future<Output = ()>>(&self, parallel: bool, scenario: fn(Arc<TestApp>, bool) -> F) {
        if parallel && !self.store.concurrent_transactions {
            skip(self.test, "the server cannot run concurrent transactions (capability probe)");
        } else {
            scenario(Arc::clone(&self.app), parallel).await;
        }
    }
}

impl Fixture for Clients {
    async fn mongo(test: &'static str) -> Option<Self> {
        Some(Self::serving(TestStore::mongo(test).await?, test).await)
    }

    async fn finish(self) {
        self.store.finish().await;
    }
}

impl MemoryFixture for Clients {
    async fn memory(test: &'static str) -> Self {
        Self::serving(TestStore::memory(test).await, test).await
    }
}

#[store_test(worker_threads = 4)]
async fn the_same_transfer_posted_in_parallel_with_one_key_answers_201_or_409_never_5xx(clients: &Clients) {
    clients.run(true, same_key).await;
}

#[store_test(worker_threads = 4)]
async fn the_same_transfer_posted_serially_with_one_key_answers_201_and_debits_once(clients: &Clients) {
    clients.run(false, same_key).await;
}

#[store_test(worker_threads = 4)]
async fn random_transfers_posted_in_parallel_among_hot_wallets_never_answer_5xx(clients: &Clients) {
    clients.run(true, hot_wallets).await;
}

#[store_test(worker_threads = 4)]
async fn random_transfers_posted_serially_among_hot_wallets_keep_the_books_balanced(clients: &Clients) {
    clients.run(false, hot_wallets).await;
}

#[store_test(worker_threads = 4)]
async fn a_burst_of_parallel_transfers_leaves_the_next_fifty_serial_ones_answering_201(clients: &Clients) {
    clients.run(false, burst_then_serial).await;
}
