//! What a command writes where, and how it ends.
//!
//! Standard output carries the command's result and nothing else: a text report, or with
//! `--json` one JSON document, so `shop indexes audit --json > audit.json` parses. Logs (the
//! tracing subscriber), progress and error messages go to standard error. The exit status says
//! how it went ([`EXIT_STATUS`]): a command that did its work and found something an operator must
//! act on returns a [`Finding`] after printing its report; any other error means the work was not
//! done.

use std::fmt;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use serde::Serialize;

/// The exit statuses, as every command's `--help` states them.
pub const EXIT_STATUS: &str = "\
Exit status:
  0  done, nothing to act on
  1  done, with a finding: ledger drift, a failed or regressed index audit, ingest lines that failed in the store
  2  not done: a usage, configuration or connection error, or another failure (the reason is on standard error)

The result goes to standard output alone (one JSON document with --json, where offered); logs and progress go to standard error.";

/// Exit status 1: the command did its work, printed its report, and the report holds something an
/// operator must act on.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Finding(pub String);

/// The exit status for a command's outcome: 0 for success, 1 for a [`Finding`] (also under added
/// context), 2 for anything else.
pub fn exit_code(outcome: &anyhow::Result<()>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.downcast_ref::<Finding>().is_some() => ExitCode::from(1),
        Err(_) => ExitCode::from(2),
    }
}

/// Whether the error is standard output closed by its reader (`shop … | head`): the reader has
/// what it wanted, so there is nothing to say (the status stays 2, the result was not written).
pub fn is_closed_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// How a command prints its result.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct Format {
    /// Print the result as one JSON document on standard output instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

impl Format {
    /// Prints `value` as JSON with `--json`, else `text`; a final newline is added when the text
    /// lacks one.
    ///
    /// # Errors
    /// Standard output cannot be written (a closed pipe), or the value cannot be serialized.
    pub fn print(self, value: &impl Serialize, text: impl fmt::Display) -> anyhow::Result<()> {
        let mut out = std::io::stdout().lock();
        if self.json {
            serde_json::to_writer_pretty(&mut out, value).context("writing the JSON result")?;
            writeln!(out).context("writing the result to standard output")?;
        } else {
            let text = text.to_string();
            out.write_all(text.as_bytes()).context("writing the result to standard output")?;
            if !text.ends_with('\n') {
                writeln!(out).context("writing the result to standard output")?;
            }
        }
        out.flush().context("writing the result to standard output")
    }

    /// Prints a value that is both its own text and its own JSON.
    ///
    /// # Errors
    /// As [`Format::print`].
    pub fn report<T: Serialize + fmt::Display>(self, report: &T) -> anyhow::Result<()> {
        self.print(report, report)
    }
}

/// Serializes a value by its `Display` text (identifiers of the domain, which has no serde).
///
/// # Errors
/// The serializer's own.
pub fn as_text<T: fmt::Display, S: serde::Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// Serializes a duration as seconds (fractional).
///
/// # Errors
/// The serializer's own.
pub fn as_seconds<S: serde::Serializer>(duration: &std::time::Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_exits_1_even_under_context_and_other_errors_exit_2() {
        let finding: anyhow::Result<()> = Err(anyhow::Error::new(Finding("drift".to_owned())).context("ledger verify"));
        assert_eq!(exit_code(&finding), ExitCode::from(1));
        assert_eq!(exit_code(&Err(anyhow::anyhow!("connecting to MongoDB"))), ExitCode::from(2));
        assert_eq!(exit_code(&Ok(())), ExitCode::SUCCESS);
    }
}
