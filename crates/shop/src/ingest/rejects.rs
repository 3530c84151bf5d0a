//! The rejects file: one JSON object per line that was rejected by validation or failed in the
//! store, with its line number and the reason, so the input can be fixed and fed again.
//!
//! The file is created with the first such line: a run that rejects nothing leaves none, and a
//! file left by an earlier run is removed when the run starts, so that the file always describes
//! the last run.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

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
    writer: Mutex<Option<BufWriter<tokio::fs::File>>>,
    created: AtomicBool,
}

impl RejectSink {
    /// A sink that creates the file at `path` with the first line it records, after removing a
    /// regular file an earlier run left there (anything else, such as a device, is left alone).
    ///
    /// # Errors
    /// An earlier file cannot be removed.
    pub async fn create(path: &Path) -> anyhow::Result<Self> {
        let earlier = tokio::fs::symlink_metadata(path).await.is_ok_and(|metadata| metadata.is_file());
        if earlier {
            tokio::fs::remove_file(path)
                .await
                .with_context(|| format!("removing the rejects file of an earlier run, {}", path.display()))?;
        }
        Ok(Self { path: Some(path.to_owned()), writer: Mutex::new(None), created: AtomicBool::new(false) })
    }

    /// A sink that keeps nothing (benchmarks, tests).
    pub fn discard() -> Self {
        Self { path: None, writer: Mutex::new(None), created: AtomicBool::new(false) }
    }

    /// The file written, if any line was.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref().filter(|_| self.created.load(Ordering::Acquire))
    }

    /// Writes one entry, creating the file first if this is the first.
    ///
    /// # Errors
    /// Creating or writing the file failed.
    pub async fn record(&self, line: u64, outcome: Outcome, reason: &str) -> anyhow::Result<()> {
        let Some(path) = &self.path else { return Ok(()) };
        let mut json = serde_json::to_vec(&Entry { line, outcome, reason })?;
        json.push(b'\n');
        let mut writer = self.writer.lock().await;
        if writer.is_none() {
            let file = tokio::fs::File::create(path)
                .await
                .with_context(|| format!("creating the rejects file {}", path.display()))?;
            *writer = Some(BufWriter::new(file));
            self.created.store(true, Ordering::Release);
        }
        let Some(writer) = writer.as_mut() else { return Ok(()) };
        writer.write_all(&json).await.with_context(|| format!("writing the rejects file {}", path.display()))
    }

    /// Flushes the file, if there is one.
    ///
    /// # Errors
    /// Flushing failed.
    pub async fn finish(&self) -> anyhow::Result<()> {
        if let Some(writer) = self.writer.lock().await.as_mut() {
            writer.flush().await.context("writing the rejects file")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let directory = std::env::temp_dir().join(format!("shop-rejects-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&directory).expect("create a scratch directory");
        directory.join("input.ndjson.rejects.ndjson")
    }

    #[tokio::test]
    async fn a_run_that_rejects_nothing_leaves_no_file_and_removes_an_earlier_one() {
        let path = scratch("nothing");
        std::fs::write(&path, "{\"line\":1}\n").expect("an earlier run's file");

        let sink = RejectSink::create(&path).await.expect("the sink");
        sink.finish().await.expect("finish");

        assert!(!path.exists(), "{} is left", path.display());
        assert_eq!(sink.path(), None);
    }

    #[tokio::test]
    async fn the_file_is_created_with_the_first_rejected_line() {
        let path = scratch("one");

        let sink = RejectSink::create(&path).await.expect("the sink");
        sink.record(3, Outcome::Rejected, "empty line").await.expect("record");
        sink.finish().await.expect("finish");

        let written = std::fs::read_to_string(&path).expect("the file exists");
        assert_eq!(written, "{\"line\":3,\"outcome\":\"rejected\",\"reason\":\"empty line\"}\n");
        assert_eq!(sink.path(), Some(path.as_path()));
        std::fs::remove_file(&path).expect("clean up");
    }
}
