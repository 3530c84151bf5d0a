//! Ingest fixtures: a port and a repository over the same store, and helpers that run the
//! pipeline on lines given as text.

use std::path::PathBuf;
use std::sync::Arc;

use domain::ProductRepository;
use domain::product::{Product, ProductQuery};
use mongo_kit::bulk::WritePath;
use mongo_store::MongoStore;
use mongo_store::ingest::MongoIngest;
use shop::ingest::args::RunArgs;
use shop::ingest::rejects::RejectSink;
use shop::ingest::report::Report;
use shop::ingest::{Target, ingest};

use crate::support::fixture::setup::UpdateCommands;
use crate::support::fixture::{Fixture, MemoryFixture, MongoSetup};

/// A store seen through the ingest port and the product repository.
pub struct Harness {
    /// Where the pipeline writes.
    pub target: Target,
    /// The same store's products.
    pub products: Arc<dyn ProductRepository>,
    /// The MongoDB store, to drop its database afterwards.
    mongo: Option<MongoStore>,
}

/// The fixture of the ingest tests: memory-store, MongoDB on the best write path the server has,
/// and MongoDB forced onto `update` commands (`#[store_test(memory, mongo, update_commands::mongo)]`).
impl Fixture for Harness {
    async fn mongo(test: &'static str) -> Option<Self> {
        mongo(test, false).await
    }

    /// Drops the test database, if any.
    async fn finish(self) {
        if let Some(store) = self.mongo
            && let Err(error) = store.drop_database().await
        {
            eprintln!("could not drop test database: {error}");
        }
    }
}

impl MemoryFixture for Harness {
    async fn memory(_test: &'static str) -> Self {
        memory()
    }
}

impl MongoSetup<UpdateCommands> for Harness {
    async fn mongo_setup(test: &'static str) -> Option<Self> {
        mongo(test, true).await
    }
}

/// A fresh in-memory store.
fn memory() -> Harness {
    let store = memory_store::MemoryStore::new();
    Harness {
        target: Target { port: Arc::new(store.clone()), description: "memory".into(), counts_commands: false },
        products: Arc::new(store),
        mongo: None,
    }
}

/// A fresh MongoDB store on its own database, on the best write path or forced onto `update`
/// commands; `None` after a printed skip.
async fn mongo(test: &str, force_update_commands: bool) -> Option<Harness> {
    let store = crate::support::mongo::connect(test).await?;
    let ingest = if force_update_commands {
        MongoIngest::with_path(store.clone(), WritePath::UpdateCommands)
    } else {
        MongoIngest::new(store.clone(), false)
    };
    let description = ingest.write_path().name().to_owned();
    Some(Harness {
        target: Target { port: Arc::new(ingest), description, counts_commands: true },
        products: Arc::new(store.clone()),
        mongo: Some(store),
    })
}

/// Settings for small test inputs: batches of `batch_size`, two in flight, quick retries.
pub fn run_args(batch_size: u32) -> RunArgs {
    RunArgs {
        batch_size,
        concurrency: 2,
        max_attempts: 3,
        retry_base_ms: 1,
        max_line_bytes: 64 * 1024,
        rejects: None,
        dry_run: false,
        force_update_commands: false,
        progress_interval_secs: 60,
    }
}

/// Runs `lines` through the pipeline into `harness` and returns the report.
pub async fn ingest_lines(harness: &Harness, lines: &[String], args: &RunArgs, rejects: &RejectSink) -> Report {
    let input = lines.join("\n").into_bytes();
    let report = ingest(input.as_slice(), None, &harness.target, args, rejects, false).await.expect("ingest runs");
    assert!(report.adds_up(), "outcomes do not add up to the lines: {report:?}");
    report
}

/// A valid product line.
pub fn line(sku: &str, price_minor: i64) -> String {
    format!(
        r#"{{"sku":"{sku}","name":"Lamp {sku}","category":"home","price_minor":{price_minor},"currency":"EUR","attributes":{{"color":"red","dims":{{"w":1,"h":2}}}},"tags":["a","b"]}}"#
    )
}

/// Every stored product (test inputs stay under one page).
pub async fn stored(harness: &Harness) -> Vec<Product> {
    let mut products = harness.products.list(&ProductQuery::default()).await.expect("list products").items;
    products.sort_by(|a, b| a.sku.cmp(&b.sku));
    products
}

/// A rejects file path of its own in the temporary directory.
pub fn rejects_path() -> PathBuf {
    std::env::temp_dir().join(format!("ingest-rejects-{}.ndjson", uuid::Uuid::new_v4().simple()))
}
