//! Outcomes per line: inserts, updates, unchanged reruns, rejects with line numbers, dry runs,
//! and the number of database commands a batch costs: a read and an insert on a first run, the
//! read alone on a re-run.

use shop::ingest::rejects::RejectSink;

use super::fixtures::{Harness, ingest_lines, line, rejects_path, run_args, stored};
use crate::support::fixture::store_test;

#[store_test(memory, mongo, update_commands::mongo)]
async fn every_line_gets_an_outcome_and_rejects_name_their_lines(harness: &Harness) {
    // Arrange
    let lines = vec![line("A-1", 100), "{\"sku\": ".to_owned(), line("A-2", 200), line("bad sku", 1), line("A-3", 300)];
    let path = rejects_path();
    let rejects = RejectSink::create(&path).await.expect("rejects file");

    // Act
    let report = ingest_lines(harness, &lines, &run_args(2), &rejects).await;

    // Assert
    assert_eq!((report.lines, report.inserted, report.rejected, report.failed), (5, 3, 2, 0));
    let written = std::fs::read_to_string(&path).expect("read rejects");
    let _ = std::fs::remove_file(&path);
    let entries: Vec<serde_json::Value> =
        written.lines().map(|l| serde_json::from_str(l).expect("rejects are NDJSON")).collect();
    let mut numbers: Vec<u64> = entries.iter().filter_map(|e| e["line"].as_u64()).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, [2, 4]);
    assert!(entries.iter().all(|e| e["outcome"] == "rejected" && e["reason"].as_str().is_some_and(|r| !r.is_empty())));
    let products = stored(harness).await;
    assert_eq!(products.len(), 3);
    assert!(products.iter().all(|p| p.version == 1 && p.created_at == p.updated_at));
}

#[store_test(memory, mongo, update_commands::mongo)]
async fn rerunning_the_same_file_reports_every_line_unchanged_and_writes_nothing(harness: &Harness) {
    let lines: Vec<String> = (0..25).map(|i| line(&format!("R-{i}"), 100 + i)).collect();
    ingest_lines(harness, &lines, &run_args(10), &RejectSink::discard()).await;
    let before = stored(harness).await;

    let report = ingest_lines(harness, &lines, &run_args(10), &RejectSink::discard()).await;

    assert_eq!((report.unchanged, report.inserted, report.updated, report.failed), (25, 0, 0, 0));
    assert_eq!(stored(harness).await, before, "a rerun must not modify any product");
    match report.commands {
        // The read finds every line as stored: nothing to write, no second round trip.
        Some(commands) => assert_eq!(commands, report.batch_calls, "one command per batch call"),
        None => assert!(!harness.target.counts_commands),
    }
}

#[store_test(memory, mongo, update_commands::mongo)]
async fn a_changed_line_updates_its_product_and_bumps_the_version(harness: &Harness) {
    ingest_lines(harness, &[line("U-1", 100), line("U-2", 100)], &run_args(10), &RejectSink::discard()).await;
    let before = stored(harness).await;

    // One batch holding both a changed and an unchanged line.
    let report =
        ingest_lines(harness, &[line("U-1", 150), line("U-2", 100)], &run_args(10), &RejectSink::discard()).await;

    assert_eq!((report.updated, report.unchanged, report.failed), (1, 1, 0));
    let after = stored(harness).await;
    assert_eq!((after[0].id, after[0].version, after[0].price.minor()), (before[0].id, 2, 150));
    assert_eq!(after[0].created_at, before[0].created_at);
    assert_eq!(after[1], before[1]);
}

#[store_test(memory, mongo, update_commands::mongo)]
async fn a_dry_run_validates_every_line_and_writes_nothing(harness: &Harness) {
    let args = shop::ingest::args::RunArgs { dry_run: true, ..run_args(10) };

    let report = ingest_lines(harness, &[line("D-1", 1), "nope".to_owned()], &args, &RejectSink::discard()).await;

    assert_eq!((report.validated, report.rejected, report.batch_calls), (1, 1, 0));
    assert!(stored(harness).await.is_empty());
}

#[store_test(memory, mongo, update_commands::mongo)]
async fn a_first_run_costs_a_read_and_an_insert_per_batch(harness: &Harness) {
    let lines: Vec<String> = (0..25).map(|i| line(&format!("C-{i}"), 100 + i)).collect();

    let report = ingest_lines(harness, &lines, &run_args(10), &RejectSink::discard()).await;

    assert_eq!((report.batch_calls, report.inserted), (3, 25));
    match report.commands {
        Some(commands) => assert_eq!(commands, 6, "a read and an insert per batch of fresh products"),
        None => assert!(!harness.target.counts_commands),
    }
}
