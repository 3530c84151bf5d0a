//! The pipeline against a mocked port: retries of only the transiently failed lines, the retry
//! limit, timeouts that shrink the batches and never fail a line while attempts remain, and
//! outcomes that add up.

use std::sync::Mutex;

use domain::ingest::{MockProductIngest, UpsertOutcome};

use super::*;
use crate::ingest::report::Report;

fn line(sku: &str) -> String {
    format!(r#"{{"sku":"{sku}","name":"n","category":"c","price_minor":1,"currency":"EUR"}}"#)
}

fn settings(max_attempts: u32) -> Settings {
    Settings {
        batch_size: 10,
        concurrency: 2,
        max_attempts,
        retry_base: Duration::from_millis(1),
        max_line_bytes: 4096,
        dry_run: false,
    }
}

/// A port mock for a store with an 8 s time limit per call.
fn port() -> MockProductIngest {
    let mut port = MockProductIngest::new();
    port.expect_batch_time_limit().return_const(Some(Duration::from_secs(8)));
    port
}

async fn run_lines(lines: &[String], port: MockProductIngest, settings: &Settings) -> (Report, u64) {
    let input = lines.join("\n").into_bytes();
    let tally = Arc::new(Tally::default());
    let measures = run(input.as_slice(), Arc::new(port), settings, Arc::clone(&tally), &RejectSink::discard())
        .await
        .expect("pipeline runs");
    (Report::from_tally(&tally), measures.batch_calls)
}

#[tokio::test]
async fn only_the_transiently_failed_lines_are_sent_again() {
    // Arrange: the first call fails item "b" transiently; every later call succeeds.
    let calls: Arc<Mutex<Vec<Vec<String>>>> = Arc::default();
    let seen = Arc::clone(&calls);
    let mut port = port();
    port.expect_upsert_batch().returning(move |drafts| {
        let skus: Vec<String> = drafts.iter().map(|d| d.sku.to_string()).collect();
        let first = { seen.lock().expect("lock").is_empty() };
        seen.lock().expect("lock").push(skus.clone());
        Ok(skus
            .iter()
            .map(|sku| {
                if first && sku == "b" {
                    Err(ItemFailure::Transient("connection reset".into()))
                } else {
                    Ok(UpsertOutcome::Inserted)
                }
            })
            .collect())
    });

    // Act
    let (report, batch_calls) = run_lines(&[line("a"), line("b"), line("c")], port, &settings(3)).await;

    // Assert
    let calls = calls.lock().expect("lock").clone();
    assert_eq!(calls, vec![vec!["a", "b", "c"], vec!["b"]]);
    assert_eq!((report.inserted, report.failed, report.retried, batch_calls), (3, 0, 1, 2));
}

#[tokio::test]
async fn lines_still_failing_at_the_retry_limit_are_failed_and_counted() {
    let mut port = port();
    port.expect_upsert_batch()
        .times(2)
        .returning(|drafts| Ok(drafts.iter().map(|_| Err(ItemFailure::Transient("timeout".into()))).collect()));

    let (report, _) = run_lines(&[line("a"), line("b")], port, &settings(2)).await;

    assert_eq!((report.failed, report.lines), (2, 2));
    assert!(report.adds_up());
}

#[tokio::test]
async fn permanent_failures_are_never_retried() {
    let mut port = port();
    port.expect_upsert_batch()
        .times(1)
        .returning(|drafts| Ok(drafts.iter().map(|_| Err(ItemFailure::Permanent("validator".into()))).collect()));

    let (report, _) = run_lines(&[line("a")], port, &settings(5)).await;

    assert_eq!(report.failed, 1);
}

#[tokio::test]
async fn a_whole_batch_outage_is_retried_as_transient() {
    let calls = Arc::new(Mutex::new(0_u32));
    let counted = Arc::clone(&calls);
    let mut port = port();
    port.expect_upsert_batch().returning(move |drafts| {
        let mut calls = counted.lock().expect("lock");
        *calls += 1;
        if *calls == 1 {
            Err(domain::Error::Unavailable("no server".into()))
        } else {
            Ok(drafts.iter().map(|_| Ok(UpsertOutcome::Updated)).collect())
        }
    });

    let (report, _) = run_lines(&[line("a"), line("b")], port, &settings(3)).await;

    assert_eq!((report.updated, report.failed), (2, 0));
}

#[tokio::test]
async fn invalid_lines_are_rejected_and_never_reach_the_port() {
    let mut port = port();
    port.expect_upsert_batch().times(1).returning(|drafts| {
        assert_eq!(drafts.len(), 1, "only the valid line is sent");
        Ok(vec![Ok(UpsertOutcome::Inserted)])
    });
    let lines = [line("a"), "{not json".to_owned(), String::new(), line("bad sku!")];

    let (report, _) = run_lines(&lines, port, &settings(3)).await;

    assert_eq!((report.inserted, report.rejected, report.lines), (1, 3, 4));
    assert!(report.adds_up());
}

#[tokio::test]
async fn a_dry_run_validates_without_calling_the_port() {
    let port = port();
    let dry = Settings { dry_run: true, ..settings(3) };

    let (report, batch_calls) = run_lines(&[line("a"), "{".to_owned()], port, &dry).await;

    assert_eq!((report.validated, report.rejected, batch_calls), (1, 1, 0));
}

#[tokio::test]
async fn a_timed_out_call_is_sent_again_in_smaller_pieces_and_no_line_fails() {
    // Arrange: the first call times out (its outcome unknown); every later call succeeds.
    let calls: Arc<Mutex<Vec<usize>>> = Arc::default();
    let seen = Arc::clone(&calls);
    let mut port = port();
    port.expect_upsert_batch().returning(move |drafts| {
        let first = { seen.lock().expect("lock").is_empty() };
        seen.lock().expect("lock").push(drafts.len());
        Ok(drafts
            .iter()
            .map(|_| if first { Err(ItemFailure::Unknown("timed out".into())) } else { Ok(UpsertOutcome::Inserted) })
            .collect())
    });
    let lines: Vec<String> = (0..40).map(|i| line(&format!("T-{i}"))).collect();

    // Act
    let (report, _) = run_lines(&lines, port, &Settings { batch_size: 40, ..settings(3) }).await;

    // Assert
    assert_eq!(*calls.lock().expect("lock"), [40, 20, 20]);
    assert_eq!((report.inserted, report.failed, report.unknown, report.retried), (40, 0, 40, 40));
    assert_eq!((report.smallest_batch_size, report.concurrency), (20, 1));
    assert!(report.batch_size > 20, "fast calls after the timeout grow the batch back");
}

#[tokio::test]
async fn a_store_without_a_time_limit_runs_at_the_configured_sizes() {
    let calls: Arc<Mutex<Vec<usize>>> = Arc::default();
    let seen = Arc::clone(&calls);
    let mut port = MockProductIngest::new();
    port.expect_batch_time_limit().return_const(None);
    port.expect_upsert_batch().returning(move |drafts| {
        seen.lock().expect("lock").push(drafts.len());
        Ok(drafts.iter().map(|_| Ok(UpsertOutcome::Inserted)).collect())
    });
    let lines: Vec<String> = (0..250).map(|i| line(&format!("M-{i}"))).collect();

    let (report, _) = run_lines(&lines, port, &Settings { batch_size: 100, ..settings(3) }).await;

    assert_eq!(*calls.lock().expect("lock"), [100, 100, 50]);
    assert_eq!((report.inserted, report.batch_size, report.concurrency), (250, 100, 2));
}

#[test]
fn backoff_grows_and_stays_within_its_jitter_band() {
    let base = Duration::from_millis(100);
    for attempt in 1..=4 {
        let full = base * (1 << (attempt - 1));
        let delay = backoff(base, attempt);
        assert!(delay >= full / 2 && delay <= full, "attempt {attempt}: {delay:?}");
    }
    assert!(backoff(base, 40) <= Duration::from_secs(30));
}

#[test]
fn a_rejected_line_says_which_field_is_wrong_and_how() {
    let product = |price: &str| {
        format!(r#"{{"sku":"a","name":"n","category":"c","price_minor":{price},"currency":"EUR"}}"#).into_bytes()
    };

    let wrong_type = validate(&product("\"12\"")).expect_err("a price as text is refused");
    let too_large = validate(&product("1000000000000001")).expect_err("a price above the largest is refused");
    let malformed = validate(b"{\"sku\":").expect_err("a cut line is refused");

    assert!(wrong_type.starts_with("price_minor: invalid type: string"), "{wrong_type}");
    assert_eq!(too_large, "price_minor: must be at most 1000000000000000");
    assert!(malformed.starts_with("invalid product JSON: "), "{malformed}");
}
