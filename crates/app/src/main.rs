//! `shop`: configuration → telemetry → store → serve.

use anyhow::Context as _;
use app::cli::{Cli, Command};
use app::{AppState, server, store, telemetry};
use clap::Parser as _;

// Ingestion and request handling allocate and free many small values (attribute maps, strings);
// glibc's allocator spent a third of `shop bench ingest`'s time consolidating free lists.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // A missing `.env` is the normal case; a broken one is a mistake worth stopping for.
    if let Err(error) = dotenvy::dotenv()
        && !error.not_found()
    {
        return Err(error).context("reading .env");
    }
    let cli = Cli::parse();
    // Held to the end of `main`: dropping it writes out the log lines still queued.
    let _log = telemetry::init(cli.log_format)?;
    match cli.command {
        Command::Serve(args) => {
            let authentication = args.authentication()?;
            app::metrics::install();
            let store = store::open(&args.mongo).await?;
            let listener = tokio::net::TcpListener::bind(args.address())
                .await
                .with_context(|| format!("binding {}", args.address()))?;
            let drain = std::time::Duration::from_millis(args.shutdown_drain_ms);
            let state = AppState::new(store.repos.clone(), args.http_settings(), authentication);
            let served = server::serve(listener, state, server::shutdown_signal(), drain).await;
            store.close(drain).await;
            served
        }
        Command::Profiles(mongo) => store::print_profiles(&mongo),
        Command::Ingest(args) => app::ingest::run(args).await,
        Command::Migrate(args) => app::admin::migrate::run(args).await,
        Command::Ledger(args) => app::admin::ledger::run(args).await,
        Command::Indexes(args) => app::admin::indexes::run(args).await,
        Command::Bench(args) => app::bench::run(args).await,
        Command::Keys(args) => app::auth::command::run(&args),
    }
}
