//! The answer to a connection accepted beyond the cap: `503` with the `too-many-connections`
//! problem, `Retry-After: 1` and `Connection: close`, written without reading the request.
//!
//! Refusing costs little and is bounded too: at most [`MAX_AT_ONCE`] refusals are in progress,
//! each for at most [`BOUND`]; a connection beyond those is closed without an answer.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use crate::http::error::{ApiError, problem_json};

/// Refusals in progress at once, at most.
pub(super) const MAX_AT_ONCE: usize = 64;

/// How long one refusal may take, reading included.
const BOUND: Duration = Duration::from_secs(1);

/// The most bytes of the request read (and dropped) after the answer.
const DRAIN_BYTES: usize = 64 * 1024;

/// The whole answer, built once.
static ANSWER: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let (status, body) = problem_json(&ApiError::TooManyConnections);
    let mut answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\n\
         retry-after: 1\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    answer
});

/// Answers `stream` in a task of its own when a refusal slot is free; else closes it at once.
pub(super) fn answer(stream: TcpStream, refusals: &Arc<Semaphore>) {
    let Ok(slot) = Arc::clone(refusals).try_acquire_owned() else { return };
    tokio::spawn(async move {
        let _ = tokio::time::timeout(BOUND, write(stream)).await;
        drop(slot);
    });
}

async fn write(mut stream: TcpStream) -> std::io::Result<()> {
    stream.write_all(&ANSWER).await?;
    stream.shutdown().await?;
    // Closing a socket with unread bytes makes the kernel send a reset, which can destroy the
    // answer before the client reads it: read what the client sent (a little) before closing.
    let mut sink = [0_u8; 4096];
    let mut drained = 0;
    while drained < DRAIN_BYTES {
        match stream.read(&mut sink).await? {
            0 => break,
            read => drained += read,
        }
    }
    Ok(())
}
