//! The tracing subscriber: events filtered by `RUST_LOG` (default `info`), written as pretty lines
//! or JSON objects to standard error, so that standard output carries a command's result alone.
//!
//! The filter is a per-call-site one when `RUST_LOG` holds levels by target only ([`filter`]): the
//! same lines as an `EnvFilter` passes, without its lock on every span's entry and exit.
//!
//! Lines are formatted where the event happens and written out by a thread of their own, in
//! batches ([`writer`]): one write per request straight to a pipe took about a third of a loaded
//! server's time, in system calls and in worker threads waiting on the lock of the output stream.
//! Nothing is dropped, and the [`LogGuard`] that [`init`] returns writes out what is still
//! buffered when the process ends.

pub mod filter;
pub mod writer;

use std::io::IsTerminal as _;

use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::cli::LogFormat;

/// Keeps the log writer thread running; dropping it writes every queued line out. Hold it for
/// the life of the process, and let it drop before exit.
#[must_use = "dropping the guard stops the log writer: hold it until the process ends"]
pub struct LogGuard {
    _writer: writer::Flusher,
}

/// Installs the global subscriber writing to standard error through the writer thread. Colours
/// only on a terminal: a log collector would store the escape codes.
///
/// # Errors
/// Fails when a global subscriber is already installed, or the writer thread cannot start.
pub fn init(format: LogFormat) -> anyhow::Result<LogGuard> {
    let ansi = std::io::stderr().is_terminal();
    let (writer, flusher) = writer::stderr()?;
    let registry = tracing_subscriber::registry().with(filter::from_env());
    match format {
        LogFormat::Pretty => {
            registry.with(tracing_subscriber::fmt::layer().with_ansi(ansi).with_writer(writer)).try_init()?;
        }
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(writer),
            )
            .try_init()?,
    }
    Ok(LogGuard { _writer: flusher })
}

/// Installs a subscriber whose output the test harness captures; for test suites that show logs
/// on request. Does nothing when one is already installed, so every test may call it. Writes
/// synchronously: the harness captures only what the test's own thread writes.
pub fn init_for_tests() {
    let _already_installed = tracing_subscriber::registry()
        .with(filter::from_env())
        .with(tracing_subscriber::fmt::layer().with_test_writer())
        .try_init();
}
