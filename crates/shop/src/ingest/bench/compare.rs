//! The comparison of `shop bench ingest` on MongoDB: the pipeline against what a team would
//! run instead, the seeds' recipe (`scripts/ingest-recipe.py`: PyMongo's unordered `bulk_write`
//! of `$set` upserts by sku, 1,000 a batch, one batch at a time), on the same server in one run,
//! each with a first run into an empty collection and a re-run of the same input, side by side
//! with their ratios, so the gain is measured rather than argued.
//!
//! Each side writes into a scratch database of its own, named after the configured one
//! (`<db>_bench_batched`, `<db>_bench_recipe`): dropped before its first run, so that run starts
//! empty, and dropped again at the end. The configured database is never touched.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use mongo_kit::bulk::WritePath;
use mongo_store::MongoStore;
use mongo_store::ingest::MongoIngest;

use super::super::args::{BenchIngestArgs, RunArgs};
use super::super::report::{Report, Tally};
use super::super::{Target, write_path};
use super::{figures, ingest_file, per_thousand_lines};

/// The seeds' recipe, kept in `scripts/` where a team can run it on its own.
const RECIPE: &str = include_str!("../../../../../scripts/ingest-recipe.py");

/// One way of ingesting, measured twice.
struct Side {
    /// What it is, for the table.
    name: String,
    first: Report,
    rerun: Report,
}

/// Runs both sides on the input at `file` and prints the comparison.
///
/// # Errors
/// The store cannot be reached, a scratch database cannot be dropped, the recipe fails, or a
/// line failed.
pub(super) async fn run(args: &BenchIngestArgs, file: &Path) -> anyhow::Result<()> {
    let base = database_name(args).await?;
    let batched = side(args, &format!("{base}_bench_batched"), write_path(&args.run), &args.run, file).await?;
    let recipe = recipe_side(args, &format!("{base}_bench_recipe"), file).await?;
    print!("{}", table(&batched, &recipe));
    let failed: u64 = [&batched, &recipe].iter().map(|s| s.first.failed + s.rerun.failed).sum();
    if failed > 0 {
        bail!("{failed} lines failed");
    }
    Ok(())
}

/// The recipe's first run and re-run of `file` into the scratch database `database`.
async fn recipe_side(args: &BenchIngestArgs, database: &str, file: &Path) -> anyhow::Result<Side> {
    let uri = args.mongo.uri.as_deref().context("MONGODB_URI is not set")?;
    let client = mongodb::Client::with_uri_str(uri).await.context("connecting to MongoDB")?;
    let scratch = client.database(database);
    scratch.drop().await.with_context(|| format!("dropping the scratch database {database}"))?;
    let script = std::env::temp_dir().join(format!("shop-ingest-recipe-{}.py", uuid::Uuid::new_v4().simple()));
    std::fs::write(&script, RECIPE).with_context(|| format!("writing {}", script.display()))?;
    let name = "PyMongo bulk_write of $set upserts".to_owned();
    let first = recipe_run(args, uri, database, &script, file).await;
    let rerun = match &first {
        Ok(_) => recipe_run(args, uri, database, &script, file).await,
        Err(_) => Ok(Report::from_tally(&Tally::default())),
    };
    let _ = std::fs::remove_file(&script);
    if let Err(error) = scratch.drop().await {
        eprintln!("could not drop the scratch database {database}: {error}");
    }
    let (first, rerun) = (first?, rerun?);
    println!("{name}, first run: {}", figures(&first));
    println!("{name}, re-run: {}", figures(&rerun));
    Ok(Side { name, first, rerun })
}

/// One run of the recipe, read back as a report from the JSON line it prints.
async fn recipe_run(
    args: &BenchIngestArgs,
    uri: &str,
    database: &str,
    script: &Path,
    file: &Path,
) -> anyhow::Result<Report> {
    let output = tokio::process::Command::new(&args.python)
        .arg(script)
        .arg(file)
        .args(["--uri", uri, "--db", database])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .with_context(|| format!("running the recipe with {}", args.python))?;
    if !output.status.success() {
        bail!("the recipe failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let figures: serde_json::Value =
        serde_json::from_str(text.trim()).with_context(|| format!("reading the recipe's figures: {text}"))?;
    let count = |name: &str| figures[name].as_u64().unwrap_or(0);
    let seconds = figures["seconds"].as_f64().context("the recipe's seconds")?;
    Ok(Report {
        lines: count("lines"),
        inserted: count("inserted"),
        updated: count("updated"),
        unchanged: count("unchanged"),
        rejected: count("rejected"),
        elapsed: Duration::from_secs_f64(seconds.max(0.0)),
        commands: Some(count("commands")),
        // One `bulk_write` per batch of 1,000, one at a time.
        batch_calls: count("commands"),
        batch_size: 1_000,
        smallest_batch_size: 1_000,
        concurrency: 1,
        ..Report::from_tally(&Tally::default())
    })
}

/// The configured database's name, which the scratch databases are named after.
async fn database_name(args: &BenchIngestArgs) -> anyhow::Result<String> {
    if let Some(db) = &args.mongo.db {
        return Ok(db.clone());
    }
    let uri = args.mongo.uri.as_deref().context("MONGODB_URI is not set")?;
    let options = mongo_kit::mongodb::options::ClientOptions::parse(uri).await.context("reading MONGODB_URI")?;
    options.default_database.context("MONGODB_URI names no database: put one in its path or set MONGODB_DB")
}

/// A first run and a re-run of `file` into the scratch database `database` on `path`.
async fn side(
    args: &BenchIngestArgs,
    database: &str,
    path: Option<WritePath>,
    run: &RunArgs,
    file: &Path,
) -> anyhow::Result<Side> {
    let mongo = crate::cli::MongoArgs { db: Some(database.to_owned()), ..args.mongo.clone() };
    let config = crate::store::mongo_config(&mongo)?;
    // Connecting creates the collections and indexes, so the stale database is dropped through a
    // first connection and the measured one starts from scratch.
    let stale = MongoStore::connect(config.clone()).await.context("connecting to MongoDB")?;
    stale.drop_database().await.with_context(|| format!("dropping the scratch database {database}"))?;
    let store = MongoStore::connect(config).await.context("connecting to MongoDB")?;
    let ingest = match path {
        Some(path) => MongoIngest::with_path(store.clone(), path),
        None => MongoIngest::new(store.clone(), false),
    };
    let name = ingest.write_path().name().to_owned();
    let target = Target { port: Arc::new(ingest), description: format!("MongoDB, {name}"), counts_commands: true };
    let first = ingest_file(file, &target, run).await?;
    println!("{name}, first run: {}", figures(&first));
    let rerun = ingest_file(file, &target, run).await?;
    println!("{name}, re-run: {}", figures(&rerun));
    if let Err(error) = store.drop_database().await {
        eprintln!("could not drop the scratch database {database}: {error}");
    }
    Ok(Side { name, first, rerun })
}

/// The side-by-side table: lines/s and commands per 1,000 lines of each run, and the ratios.
fn table(batched: &Side, recipe: &Side) -> String {
    let commands = |report: &Report| per_thousand_lines(report).unwrap_or(0.0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\ncomparison on one server: {} ({} lines) against the seeds' recipe, {} ({} lines)",
        batched.name, batched.first.lines, recipe.name, recipe.first.lines
    );
    let _ = writeln!(out, "{:<34}{:>14}{:>14}{:>12}", "", "batched", "recipe", "ratio");
    for (run, ours, theirs) in [("first run", &batched.first, &recipe.first), ("re-run", &batched.rerun, &recipe.rerun)]
    {
        let (fast, slow) = (ours.lines_per_second(), theirs.lines_per_second());
        let _ =
            writeln!(out, "{:<34}{fast:>14.0}{slow:>14.0}{:>11.1}×", format!("{run}: lines/s"), fast / slow.max(1e-9));
        let (few, many) = (commands(ours), commands(theirs));
        let _ = writeln!(
            out,
            "{:<34}{few:>14.2}{many:>14.2}{:>11.1}×",
            format!("{run}: commands per 1,000 lines"),
            many / few.max(1e-9)
        );
    }
    let _ = writeln!(out, "(ratios: how many times faster, and how many times fewer commands, the pipeline is)");
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn report(lines: u64, seconds: u64, commands: u64) -> Report {
        Report {
            lines,
            elapsed: Duration::from_secs(seconds),
            commands: Some(commands),
            ..Report::from_tally(&Tally::default())
        }
    }

    #[test]
    fn the_table_gives_each_run_and_the_ratios() {
        let batched = Side { name: "bulkWrite".into(), first: report(20_000, 2, 20), rerun: report(20_000, 1, 20) };
        let recipe =
            Side { name: "PyMongo bulk_write".into(), first: report(2_000, 4, 2_000), rerun: report(2_000, 4, 2_000) };

        let text = table(&batched, &recipe);

        assert!(text.contains("first run: lines/s"), "{text}");
        assert!(text.contains("10000") && text.contains("500") && text.contains("20.0×"), "{text}");
        assert!(text.contains("re-run: commands per 1,000 lines") && text.contains("1000.0×"), "{text}");
    }
}
