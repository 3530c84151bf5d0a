//! A log writer that never makes the event wait for standard error: formatted lines are appended
//! to a shared buffer and a thread of its own writes them out in batches.
//!
//! A queue of lines with a thread woken per line (what `tracing-appender` does) was measured
//! first and gained nearly nothing: the writer thread kept up, so every line still cost a
//! wake-up, a context switch and a write. Here the thread is woken only by the first line into
//! an empty buffer, then lets [`GATHER`] pass before taking the whole buffer, so that under load
//! it writes a few times per `GATHER` however many lines arrive.
//!
//! Nothing is dropped: a buffer over [`MAX_BUFFERED`] makes events wait for the writer, as a
//! synchronous write would, and once the writer is closed (the [`Flusher`] dropped at exit) lines
//! go straight to standard error.

use std::io::{self, Write};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// How long the writer thread gathers lines after the first one before it writes them.
pub const GATHER: Duration = Duration::from_millis(5);

/// Bytes buffered before events wait for the writer thread.
pub const MAX_BUFFERED: usize = 8 * 1024 * 1024;

/// How long [`Flusher`]'s drop waits for the last lines to be written: long enough for megabytes
/// to a collector that reads, bounded for one that is stuck.
const LAST_FLUSH: Duration = Duration::from_secs(5);

#[derive(Default)]
struct State {
    lines: Vec<u8>,
    writer_waiting: bool,
    events_waiting: usize,
    closed: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    line_arrived: Condvar,
    room: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves bytes in a vector, never a broken invariant.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The writer events are formatted into.
pub struct BatchWriter {
    shared: Arc<Shared>,
}

/// Closes the writer when dropped: the thread writes what is buffered and stops, and later lines
/// are written synchronously.
#[must_use = "dropping it closes the writer"]
pub struct Flusher {
    shared: Arc<Shared>,
    done: mpsc::Receiver<()>,
    thread: Option<JoinHandle<()>>,
}

/// A writer to standard error and the flusher that closes it.
///
/// # Errors
/// The writer thread cannot be started.
pub fn stderr() -> io::Result<(BatchWriter, Flusher)> {
    to(io::stderr())
}

/// A writer to `out` (lines that come after the close go to standard error) and the flusher
/// that closes it.
///
/// # Errors
/// The writer thread cannot be started.
pub fn to(mut out: impl Write + Send + 'static) -> io::Result<(BatchWriter, Flusher)> {
    let shared = Arc::new(Shared::default());
    let (finished, done) = mpsc::sync_channel(1);
    let thread = std::thread::Builder::new().name("log-writer".to_owned()).spawn({
        let shared = Arc::clone(&shared);
        move || {
            write_out(&shared, &mut out);
            let _ = finished.send(());
        }
    })?;
    Ok((BatchWriter { shared: Arc::clone(&shared) }, Flusher { shared, done, thread: Some(thread) }))
}

/// The writer thread: waits for a first line, gathers more for [`GATHER`], writes them all.
fn write_out(shared: &Shared, out: &mut impl Write) {
    let mut batch = Vec::new();
    let mut failed = false;
    loop {
        let mut state = shared.lock();
        while state.lines.is_empty() && !state.closed {
            state.writer_waiting = true;
            state = shared.line_arrived.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        state.writer_waiting = false;
        if !state.closed {
            drop(state);
            std::thread::sleep(GATHER);
            state = shared.lock();
        }
        std::mem::swap(&mut state.lines, &mut batch);
        let closed = state.closed;
        if state.events_waiting > 0 {
            shared.room.notify_all();
        }
        drop(state);
        // An output that fails (a closed pipe) must not stop the service: the lines are dropped,
        // and the first failure said once on standard error (which may be the failing stream).
        if let Err(error) = out.write_all(&batch).and_then(|()| out.flush())
            && !failed
        {
            failed = true;
            let _ = writeln!(io::stderr(), "log lines could not be written: {error}");
        }
        batch.clear();
        if closed {
            return;
        }
    }
}

impl Write for &BatchWriter {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        let mut state = self.shared.lock();
        while state.lines.len() >= MAX_BUFFERED && !state.closed {
            state.events_waiting += 1;
            state = self.shared.room.wait(state).unwrap_or_else(PoisonError::into_inner);
            state.events_waiting -= 1;
        }
        if state.closed {
            drop(state);
            return io::stderr().write(line);
        }
        state.lines.extend_from_slice(line);
        // Woken once per batch: a notification costs a system call, which is what this saves.
        if state.writer_waiting {
            state.writer_waiting = false;
            self.shared.line_arrived.notify_one();
        }
        Ok(line.len())
    }

    /// Lines are handed to the writer thread, which flushes after each batch.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchWriter {
    type Writer = &'a Self;

    fn make_writer(&'a self) -> Self::Writer {
        self
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.closed = true;
        self.shared.line_arrived.notify_one();
        self.shared.room.notify_all();
        drop(state);
        if self.done.recv_timeout(LAST_FLUSH).is_ok()
            && let Some(thread) = self.thread.take()
        {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests;
