//! The comparison of `shop bench ingest` on MongoDB: the pipeline and the naive loop (the same
//! upsert statements through the same driver, one update per line, one at a time) on the same
//! server in one run, each with a first run into an empty collection and a re-run of the same
//! input, side by side with their ratios, so the gain is measured rather than argued.
//!
//! Each side writes into a scratch database of its own, named after the configured one
//! (`<db>_bench_batched`, `<db>_bench_naive`): dropped before its first run, so that run starts
//! empty, and dropped again at the end. The configured database is never touched.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use mongo_store::MongoStore;
use mongo_store::ingest::{MongoIngest, WritePath};

use super::super::args::{BenchIngestArgs, RunArgs};
use super::super::report::Report;
use super::super::{Target, generate, write_path};
use super::{figures, ingest_file, naive_run, per_thousand_lines, tempfile_path};

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
/// The store cannot be reached, a scratch database cannot be dropped, or a line failed.
pub(super) async fn run(args: &BenchIngestArgs, file: &Path) -> anyhow::Result<()> {
    let base = database_name(args).await?;
    let lines = args.generate.lines;
    let naive_lines = args.naive_lines.unwrap_or(lines).min(lines);
    let batched = side(args, &format!("{base}_bench_batched"), write_path(&args.run), &args.run, file).await?;
    // The same seed and options write the same lines, so a shorter input is a prefix of `file`.
    let naive_file = (naive_lines < lines).then(|| tempfile_path("naive", naive_lines));
    if let Some(path) = &naive_file {
        let prefix = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        let generate_args = super::super::args::GenerateArgs { lines: naive_lines, ..args.generate.clone() };
        generate::write(&generate_args, prefix).context("generating the naive loop's input")?;
    }
    let naive_input = naive_file.clone().unwrap_or_else(|| PathBuf::from(file));
    let naive =
        side(args, &format!("{base}_bench_naive"), Some(WritePath::OneByOne), &naive_run(&args.run), &naive_input)
            .await;
    if let Some(path) = naive_file {
        let _ = std::fs::remove_file(path);
    }
    let naive = naive?;
    print!("{}", table(&batched, &naive));
    let failed: u64 = [&batched, &naive].iter().map(|s| s.first.failed + s.rerun.failed).sum();
    if failed > 0 {
        anyhow::bail!("{failed} lines failed");
    }
    Ok(())
}

/// The configured database's name, which the scratch databases are named after.
async fn database_name(args: &BenchIngestArgs) -> anyhow::Result<String> {
    if let Some(db) = &args.mongo.db {
        return Ok(db.clone());
    }
    let uri = args.mongo.uri.as_deref().context("MONGODB_URI is not set")?;
    let options = mongo_store::mongodb::options::ClientOptions::parse(uri).await.context("reading MONGODB_URI")?;
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
fn table(batched: &Side, naive: &Side) -> String {
    let commands = |report: &Report| per_thousand_lines(report).unwrap_or(0.0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\ncomparison on one server: {} ({} lines) against the naive loop, {} ({} lines)",
        batched.name, batched.first.lines, naive.name, naive.first.lines
    );
    let _ = writeln!(out, "{:<34}{:>14}{:>14}{:>12}", "", "batched", "naive", "ratio");
    for (run, ours, theirs) in [("first run", &batched.first, &naive.first), ("re-run", &batched.rerun, &naive.rerun)] {
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
    use crate::ingest::report::Tally;

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
        let naive = Side {
            name: "one update per document".into(),
            first: report(2_000, 4, 2_000),
            rerun: report(2_000, 4, 2_000),
        };

        let text = table(&batched, &naive);

        assert!(text.contains("first run: lines/s"), "{text}");
        assert!(text.contains("10000") && text.contains("500") && text.contains("20.0×"), "{text}");
        assert!(text.contains("re-run: commands per 1,000 lines") && text.contains("1000.0×"), "{text}");
    }
}
