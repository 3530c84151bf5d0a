//! A generated file with the default settings: on a slow server (CI's MongoDB-compatible one
//! answers a batch of 1,000 upserts in seconds) every valid line must end stored and none failed,
//! however the pace had to adapt on the way; re-running it leaves every line unchanged at one
//! database command per call. Outcomes only: nothing here depends on how fast the server is.

use std::collections::BTreeMap;

use domain::product::Category;
use shop::ingest::args::{GenerateArgs, RunArgs};
use shop::ingest::generate;
use shop::ingest::pipeline::validate;
use shop::ingest::rejects::RejectSink;

use super::fixtures::{Harness, ingest_lines};
use crate::support::fixture::store_test;

/// 5,000 generated lines, 1% of them invalid, and how many valid lines each category has.
fn input() -> (Vec<String>, BTreeMap<String, u64>) {
    let mut bytes = Vec::new();
    generate::write(&GenerateArgs { lines: 5_000, invalid_share: 0.01, seed: 11, distinct_skus: None }, &mut bytes)
        .expect("generate the input");
    let text = String::from_utf8(bytes).expect("generated input is UTF-8");
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut per_category = BTreeMap::new();
    for line in &lines {
        if let Ok(draft) = validate(line.as_bytes()) {
            *per_category.entry(draft.category.as_str().to_owned()).or_insert(0) += 1;
        }
    }
    (lines, per_category)
}

#[store_test(memory, mongo, update_commands::mongo)]
async fn five_thousand_lines_with_the_defaults_store_every_valid_line_and_fail_none(harness: &Harness) {
    // Arrange
    let (lines, per_category) = input();
    let valid: u64 = per_category.values().sum();
    let defaults = RunArgs { progress_interval_secs: 60, ..RunArgs::defaults() };

    // Act
    let first = ingest_lines(harness, &lines, &defaults, &RejectSink::discard()).await;
    let rerun = ingest_lines(harness, &lines, &defaults, &RejectSink::discard()).await;

    // Assert: a line a timed-out call had written before it was sent again comes back unchanged.
    assert_eq!(first.failed, 0, "no line may fail while the store is reachable: {first:?}");
    assert_eq!(first.rejected, 5_000 - valid);
    assert_eq!((first.inserted + first.unchanged, first.updated), (valid, 0), "{first:?}");
    for (category, expected) in &per_category {
        let category = Category::parse(category).expect("generated categories are valid");
        let stats = harness.products.category_stats(&category).await.expect("category statistics");
        assert_eq!(stats.count, *expected, "products stored in {category}");
    }
    assert_eq!((rerun.unchanged, rerun.failed), (valid, 0), "{rerun:?}");
    if let Some(commands) = rerun.commands {
        assert!(commands <= rerun.batch_calls, "a re-run costs one command per call at most: {rerun:?}");
    }
}
