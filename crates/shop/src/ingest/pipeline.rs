//! The pipeline: read and validate lines, cut them into batches, keep several batches in flight
//! through the ingest port, retry only the transiently failed lines of a batch, and record an
//! outcome for every line.
//!
//! Batch size and calls in flight follow how the store answers (see `pace`): `batch_size` and
//! `concurrency` are the most a run uses. A batch read while the pace was larger is sent in
//! pieces of the current size. A call with an unknown outcome (a timeout, a broken connection) is
//! settled by sending its lines again: the port's upserts are idempotent, so a line the lost call
//! had written comes back unchanged, in the one round trip a retry costs anyway. Reading the skus
//! back instead would cost that round trip too, would still need the writes sent for every line
//! not found, and could race with the lost call, which the server may still be running.
//!
//! Memory is bounded by the settings, not by the input: one line being read, `concurrency`
//! batches waiting in the channel and `concurrency` in flight (each with its retry copy).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use domain::ingest::{ItemFailure, ItemResult, ProductIngest};
use domain::product::ProductDraft;
use futures::StreamExt as _;
use hdrhistogram::Histogram;
use rand::Rng as _;
use tokio::io::AsyncBufRead;
use tokio::sync::mpsc;

use self::pace::{Pace, Signal};
use super::reader::{Line, LineReader};
use super::rejects::{Outcome, RejectSink};
use super::report::Tally;
use app::http::dto::products::ProductInput;

pub(crate) mod pace;

/// How a run behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Lines per batch, at most.
    pub batch_size: usize,
    /// Batches in flight, at most.
    pub concurrency: usize,
    /// Attempts per line on transient failures, the first included.
    pub max_attempts: u32,
    /// Delay before the first retry; doubles per attempt, with jitter.
    pub retry_base: Duration,
    /// Longest line accepted.
    pub max_line_bytes: usize,
    /// Validate only.
    pub dry_run: bool,
}

/// What the pipeline measured, beyond the tally.
#[derive(Debug)]
pub struct Measures {
    /// Port calls, retries included.
    pub batch_calls: u64,
    /// Latency of port calls, in microseconds.
    pub latency: Histogram<u64>,
}

/// A validated line.
type Numbered = (u64, ProductDraft);

/// The draft a line describes, or why it is rejected: the same JSON → domain conversion as the
/// HTTP API's `POST /products`. A value that does not fit names its field (`price_minor: invalid
/// type: …`), as the HTTP API's problem does.
pub fn validate(line: &[u8]) -> Result<ProductDraft, String> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Err("empty line".to_owned());
    }
    let mut deserializer = serde_json::Deserializer::from_slice(line);
    let input: ProductInput = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let field = error.path().to_string();
        let inner = error.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data if field != "." => format!("{field}: {inner}"),
            _ => format!("invalid product JSON: {inner}"),
        }
    })?;
    deserializer.end().map_err(|error| format!("invalid product JSON: {error}"))?;
    input.try_into_domain().map_err(|e| e.to_string())
}

/// Runs `input` through `port`, counting into `tally` and writing rejected and failed lines to
/// `rejects`.
///
/// # Errors
/// Reading the input or writing the rejects file failed; line outcomes are never errors.
pub async fn run<R: AsyncBufRead + Unpin>(
    input: R,
    port: Arc<dyn ProductIngest>,
    settings: &Settings,
    tally: Arc<Tally>,
    rejects: &RejectSink,
) -> anyhow::Result<Measures> {
    let pace = Pace::new(settings.batch_size, settings.concurrency, port.batch_time_limit(), Arc::clone(&tally));
    let (batches, receiver) = mpsc::channel::<Vec<Numbered>>(settings.concurrency);
    let incoming = futures::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|batch| (batch, receiver))
    });
    let workers = incoming
        .map(|batch| apply(Arc::clone(&port), batch, settings, &pace, &tally, rejects))
        .buffer_unordered(settings.concurrency)
        .fold(Ok(Measures { batch_calls: 0, latency: new_histogram() }), |measures, done| async move {
            let (mut measures, done) = (measures?, done?);
            measures.batch_calls += done.len() as u64;
            for latency in done {
                measures.latency.saturating_record(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX));
            }
            Ok::<_, anyhow::Error>(measures)
        });
    let read = read(input, batches, settings, &pace, &tally, rejects);
    let (read, measures) = tokio::join!(read, workers);
    read?;
    measures
}

fn new_histogram() -> Histogram<u64> {
    // Microseconds from 1 to an hour, 3 significant digits: a few tens of KiB whatever the run.
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("constant histogram bounds are valid")
}

/// Reads, validates and batches lines; the channel's bound holds reading back while the
/// store is busy.
async fn read<R: AsyncBufRead + Unpin>(
    input: R,
    batches: mpsc::Sender<Vec<Numbered>>,
    settings: &Settings,
    pace: &Pace,
    tally: &Tally,
    rejects: &RejectSink,
) -> anyhow::Result<()> {
    let mut reader = LineReader::new(input, settings.max_line_bytes);
    let mut batch = Vec::with_capacity(pace.batch_size());
    while let Some((number, line)) = reader.next_line().await? {
        let checked = match line {
            Line::Text(bytes) => validate(bytes),
            Line::TooLong => Err(format!("line longer than {} bytes", settings.max_line_bytes)),
        };
        tally.lines.fetch_add(1, Ordering::Relaxed);
        match checked {
            Err(reason) => {
                tally.rejected.fetch_add(1, Ordering::Relaxed);
                rejects.record(number, Outcome::Rejected, &reason).await?;
            }
            Ok(_) if settings.dry_run => {
                tally.validated.fetch_add(1, Ordering::Relaxed);
            }
            Ok(draft) => batch.push((number, draft)),
        }
        tally.bytes.store(reader.consumed(), Ordering::Relaxed);
        if batch.len() >= pace.batch_size() {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(pace.batch_size()));
            if batches.send(full).await.is_err() {
                anyhow::bail!("the ingest workers stopped early");
            }
        }
    }
    if !batch.is_empty() && batches.send(batch).await.is_err() {
        anyhow::bail!("the ingest workers stopped early");
    }
    Ok(())
}

/// Sends one batch in pieces of the current batch size, then again only its transiently failed
/// lines, until none is left or the attempts run out. Returns the latency of each call.
async fn apply(
    port: Arc<dyn ProductIngest>,
    batch: Vec<Numbered>,
    settings: &Settings,
    pace: &Pace,
    tally: &Tally,
    rejects: &RejectSink,
) -> anyhow::Result<Vec<Duration>> {
    let mut latencies = Vec::new();
    let mut pending = batch;
    for attempt in 1..=settings.max_attempts {
        let last = attempt == settings.max_attempts;
        let mut retry = Vec::new();
        while !pending.is_empty() {
            let permit = pace.acquire().await;
            let rest = pending.split_off(permit.ticket.batch_size.min(pending.len()));
            let (numbers, drafts): (Vec<u64>, Vec<ProductDraft>) =
                std::mem::replace(&mut pending, rest).into_iter().unzip();
            // Only a call that may be followed by a retry needs its drafts afterwards.
            let kept = if last { Vec::new() } else { drafts.clone() };
            let started = Instant::now();
            let results = results(port.upsert_batch(drafts).await, numbers.len());
            let latency = started.elapsed();
            permit.finish(numbers.len(), latency, signal(&results));
            latencies.push(latency);
            let mut kept = kept.into_iter();
            for (number, result) in numbers.into_iter().zip(results) {
                let draft = kept.next();
                match result {
                    Ok(outcome) => tally.applied(outcome),
                    Err(failure) => {
                        if failure.is_unknown() {
                            tally.unknown.fetch_add(1, Ordering::Relaxed);
                        }
                        match draft {
                            Some(draft) if failure.is_transient() => retry.push((number, draft)),
                            _ => {
                                tally.failed.fetch_add(1, Ordering::Relaxed);
                                rejects.record(number, Outcome::Failed, &failure.to_string()).await?;
                            }
                        }
                    }
                }
            }
        }
        if retry.is_empty() {
            break;
        }
        tally.retried.fetch_add(retry.len() as u64, Ordering::Relaxed);
        tokio::time::sleep(backoff(settings.retry_base, attempt)).await;
        pending = retry;
    }
    Ok(latencies)
}

/// What a call's results say about the store's load: any unknown outcome means it could not keep
/// up; every item failing transiently means no store was reachable.
fn signal(results: &[ItemResult]) -> Signal {
    if results.iter().any(|result| result.as_ref().is_err_and(ItemFailure::is_unknown)) {
        Signal::Unknown
    } else if !results.is_empty() && results.iter().all(|result| result.as_ref().is_err_and(ItemFailure::is_transient))
    {
        Signal::Unavailable
    } else {
        Signal::Answered
    }
}

/// One result per item from the port's answer: a whole-batch failure is every item's failure.
fn results(answer: domain::Result<Vec<ItemResult>>, count: usize) -> Vec<ItemResult> {
    match answer {
        Ok(results) if results.len() == count => results,
        Ok(results) => {
            let reason = format!("the store answered {} results for {count} items", results.len());
            vec![Err(ItemFailure::Permanent(reason)); count]
        }
        Err(domain::Error::Unavailable(reason)) => vec![Err(ItemFailure::Transient(reason)); count],
        Err(error) => vec![Err(ItemFailure::Permanent(format!("{error:#}"))); count],
    }
}

/// Exponential backoff with jitter: between half and all of `base · 2^(attempt-1)`, at most 30 s,
/// so that batches failing together do not retry together.
fn backoff(base: Duration, attempt: u32) -> Duration {
    let full = base.saturating_mul(1 << attempt.saturating_sub(1).min(16)).min(Duration::from_secs(30));
    let half = full / 2;
    half + full.saturating_sub(half).mul_f64(rand::rng().random::<f64>())
}

#[cfg(test)]
mod tests;
