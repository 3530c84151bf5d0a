//! `shop`: configuration → telemetry → store → serve, or one admin command.
//!
//! The exit status follows [`shop::output`]: 0 done, 1 a finding, 2 not done (usage, configuration,
//! connection or another failure).

use std::process::ExitCode;

use anyhow::Context as _;
use app::{AppState, server};
use shop::cli::{Cli, Command};
use shop::{output, store, telemetry};

// Ingestion and request handling allocate and free many small values (attribute maps, strings);
// glibc's allocator spent a third of `shop bench ingest`'s time consolidating free lists.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let outcome = run().await;
    if let Err(error) = &outcome
        && !output::is_closed_pipe(error)
    {
        eprintln!("Error: {error:?}");
    }
    output::exit_code(&outcome)
}

async fn run() -> anyhow::Result<()> {
    // A missing `.env` is the normal case; a broken one is a mistake worth stopping for.
    if let Err(error) = dotenvy::dotenv()
        && !error.not_found()
    {
        return Err(error).context("reading .env");
    }
    let cli = Cli::parse_args();
    // Held to the end of `run`: dropping it writes out the log lines still queued.
    let _log = telemetry::init(cli.log_format)?;
    if let Some(directory) = cli.metrics_textfile_dir {
        shop::metrics::jobs::write_to(directory);
    }
    let job = shop::metrics::jobs::of(&cli.command);
    match cli.command {
        Command::Serve(args) => {
            let authentication = args.authentication()?;
            let http = args.http_settings()?;
            let recorder = shop::metrics::install();
            let store = store::open(&args.mongo).await?;
            let interval = std::time::Duration::from_secs(args.monitor_interval_seconds);
            let monitor = store
                .mongo
                .as_ref()
                .filter(|_| !interval.is_zero())
                .map(|mongo| mongo_kit::monitor::Monitor::start(mongo.client().clone(), interval));
            let listener = tokio::net::TcpListener::bind(args.address())
                .await
                .with_context(|| format!("binding {}", args.address()))?;
            let settings = args.server_settings();
            let state = AppState::new(store.repos.clone(), http, authentication).with_metrics(|| recorder.render());
            let served = server::serve(listener, state, server::shutdown_signal(), settings).await;
            // No pass may start on a client being closed.
            drop(monitor);
            store.close(settings.drain).await;
            Ok(served?)
        }
        Command::Profiles(args) => store::print_profiles(&args),
        Command::Ingest(args) => {
            shop::metrics::jobs::run(job, shop::metrics::summarized(shop::ingest::run(args))).await
        }
        Command::Migrate(args) => {
            shop::metrics::jobs::run(job, shop::metrics::summarized(shop::admin::migrate::run(args))).await
        }
        Command::Ledger(args) => shop::metrics::jobs::run(job, shop::admin::ledger::run(args)).await,
        Command::Indexes(args) => shop::admin::indexes::run(args).await,
        #[cfg(feature = "bench")]
        Command::Bench(args) => shop::bench::run(args).await,
        Command::Keys(args) => shop::keys::run(&args),
    }
}
