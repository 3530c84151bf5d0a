//! The tracing subscriber: events filtered by `RUST_LOG` (default `info`), written as pretty lines
//! or JSON objects.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::cli::LogFormat;

fn filter() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"))
}

/// Installs the global subscriber writing to standard output.
///
/// # Errors
/// Fails when a global subscriber is already installed.
pub fn init(format: LogFormat) -> anyhow::Result<()> {
    let registry = tracing_subscriber::registry().with(filter());
    match format {
        LogFormat::Pretty => registry.with(tracing_subscriber::fmt::layer()).try_init()?,
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false),
            )
            .try_init()?,
    }
    Ok(())
}

/// Installs a subscriber whose output the test harness captures; for test suites that show logs
/// on request. Does nothing when one is already installed, so every test may call it.
pub fn init_for_tests() {
    let _already_installed = tracing_subscriber::registry()
        .with(filter())
        .with(tracing_subscriber::fmt::layer().with_test_writer())
        .try_init();
}
