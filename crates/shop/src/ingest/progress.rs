//! Progress while a run goes on: an indicatif bar on a terminal (by input bytes when the size is
//! known), plain lines on stderr every few seconds otherwise (logs, CI).

use std::io::IsTerminal as _;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::report::Tally;

/// A running progress display; [`Progress::finish`] stops it.
pub(crate) struct Progress {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Progress {
    /// Starts showing `tally`: a bar on a terminal, else a line every `interval`. `total_bytes` is
    /// the input's size when known.
    pub(crate) fn start(tally: Arc<Tally>, total_bytes: Option<u64>, interval: Duration) -> Self {
        let (stop, mut stopped) = watch::channel(false);
        let terminal = std::io::stderr().is_terminal();
        let task = tokio::spawn(async move {
            let bar = terminal.then(|| bar(total_bytes));
            let period = if terminal { Duration::from_millis(200) } else { interval.max(Duration::from_millis(100)) };
            let mut ticks = tokio::time::interval(period);
            ticks.tick().await;
            loop {
                tokio::select! {
                    _ = ticks.tick() => {}
                    _ = stopped.changed() => break,
                }
                crate::metrics::jobs::progress("ingest", tally.bytes.load(Ordering::Relaxed), total_bytes);
                match &bar {
                    Some(bar) => {
                        bar.set_position(tally.bytes.load(Ordering::Relaxed));
                        bar.set_message(tally.summary());
                    }
                    None => eprintln!("ingest progress: {}", tally.summary()),
                }
            }
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
        });
        Self { stop, task }
    }

    /// Stops the display and waits for it to clear.
    pub(crate) async fn finish(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

fn bar(total_bytes: Option<u64>) -> ProgressBar {
    match total_bytes {
        Some(total) => {
            let bar = ProgressBar::new(total);
            if let Ok(style) = ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {elapsed} {msg}") {
                bar.set_style(style);
            }
            bar
        }
        None => ProgressBar::new_spinner(),
    }
}
