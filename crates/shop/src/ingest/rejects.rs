//! The rejects file: one JSON object per line that was rejected by validation or failed in the
//! store, with its line number and the reason, so the input can be fixed and fed again.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::Serialize;
use tokio::io::{AsyncWriteExt as _, BufWriter};
use tokio::sync::Mutex;

/// Why a line is in the rejects file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Validation refused it.
    Rejected,
    /// The store did not accept it, after retries.
    Failed,
}

#[derive(Serialize)]
struct Entry<'a> {
    line: u64,
    outcome: Outcome,
    reason: &'a str,
}

/// Where rejected and failed lines are written; shared by the pipeline's stages.
#[derive(Debug)]
pub struct RejectSink {
    path: Option<PathBuf>,
    writer: Option<Mutex<BufWriter<tokio::fs::File>>>,
}

impl RejectSink {
    /// A sink that creates (or empties) the file at `path`.
    ///
    /// # Errors
    /// The file cannot be created.
    pub async fn create(path: &Path) -> anyhow::Result<Self> {
        let file = tokio::fs::File::create(path)
            .await
            .with_context(|| format!("creating the rejects file {}", path.display()))?;
        Ok(Self { path: Some(path.to_owned()), writer: Some(Mutex::new(BufWriter::new(file))) })
    }

    /// A sink that keeps nothing (benchmarks, tests).
    pub fn discard() -> Self {
        Self { path: None, writer: None }
    }

    /// The file written, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Writes one entry.
    ///
    /// # Errors
    /// Writing failed.
    pub async fn record(&self, line: u64, outcome: Outcome, reason: &str) -> anyhow::Result<()> {
        let Some(writer) = &self.writer else { return Ok(()) };
        let mut json = serde_json::to_vec(&Entry { line, outcome, reason })?;
        json.push(b'\n');
        writer.lock().await.write_all(&json).await.context("writing the rejects file")
    }

    /// Flushes the file.
    ///
    /// # Errors
    /// Flushing failed.
    pub async fn finish(&self) -> anyhow::Result<()> {
        if let Some(writer) = &self.writer {
            writer.lock().await.flush().await.context("writing the rejects file")?;
        }
        Ok(())
    }
}
