//! The pace of a run: how many lines go in one call and how many calls are in flight, adjusted
//! to how the store answers against its time limit.
//!
//! A run grows while calls take under half an aim of an eighth of the store's time limit, so that
//! a server slowing down several times over still answers inside it: it starts small and doubles
//! (as TCP's slow start does), so a slow server is never flooded with the configured batches
//! before the first answer, then adds calls in flight up to the configured sizes.
//!
//! It shrinks only for a sign that a call's size puts the call at risk, never for a server that is
//! merely busy: a call that timed out or lost its connection (an unknown outcome) or found no
//! server halves the calls in flight and at least halves the batch; a call that took more than
//! half the time limit shrinks the batch in proportion, as the next one may not make it. A call
//! slower than the aim but well inside the limit keeps the pace: on a busy server latency is
//! mostly waiting behind other work, whatever the batch's size, and smaller batches would only
//! send more commands for the same lines, each paying that wait, which makes a busy server
//! busier. After the first shrink, growth is by a quarter at a time.
//!
//! Every call carries the generation of the settings it was sent with, and only a call sent
//! with the current settings may change them: when several calls in flight time out together,
//! the settings shrink once, not once per call. A store without a time limit (in memory) runs
//! at the configured sizes from the start.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;

use crate::ingest::report::Tally;

/// The share of the time limit a call aims at: under half of it, the pace grows.
const AIM_SHARE: u32 = 8;
/// The share of the time limit past which a call is at risk of being cut: over it, the batch
/// shrinks.
const RISK_SHARE: u32 = 2;
/// The first batch size, as a share of the configured one...
const START_SHARE: usize = 8;
/// ...but never below this many lines (or the configured size, if smaller).
const START_FLOOR: usize = 100;

/// How a call ended, as far as pacing cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    /// The store answered (for some items at least).
    Answered,
    /// The store did not answer in time or the connection broke: it is overloaded.
    Unknown,
    /// No item was applied, for want of a reachable store.
    Unavailable,
}

/// The settings a call was sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ticket {
    generation: u64,
    /// Lines the call may carry.
    pub batch_size: usize,
}

#[derive(Debug)]
struct State {
    batch_size: usize,
    max_batch_size: usize,
    concurrency: usize,
    max_concurrency: usize,
    in_flight: usize,
    generation: u64,
    /// The latency a call aims at, and the one past which it is at risk: none without a limit.
    aim: Option<(Duration, Duration)>,
    slow_start: bool,
    smallest: usize,
}

impl State {
    /// The settings after a call sent with `ticket` ended with `signal` after `latency`, or
    /// `None` when they stay.
    fn next(&self, ticket: Ticket, lines: usize, latency: Duration, signal: Signal) -> Option<(usize, usize)> {
        let (aim, risk) = self.aim?;
        if ticket.generation != self.generation {
            return None;
        }
        let (batch, calls) = (self.batch_size, self.concurrency);
        // How far past the risk the call went, as a factor to shrink by (at most by 4).
        let over = (risk.as_secs_f64() / latency.as_secs_f64().max(1e-9)).clamp(0.25, 0.9);
        let next = match signal {
            Signal::Unknown | Signal::Unavailable => (scale(batch, over.min(0.5)), (calls / 2).max(1)),
            Signal::Answered if latency > risk && batch == 1 => (1, calls.saturating_sub(1).max(1)),
            Signal::Answered if latency > risk => (scale(batch, over), calls),
            // Only a call about as large as a batch says how a full batch would fare.
            Signal::Answered if latency * 2 < aim && lines * 2 >= batch => {
                if batch < self.max_batch_size {
                    let grown = if self.slow_start { batch * 2 } else { batch + (batch / 4).max(1) };
                    (grown.min(self.max_batch_size), calls)
                } else {
                    (batch, (calls + 1).min(self.max_concurrency))
                }
            }
            Signal::Answered => return None,
        };
        (next != (batch, calls)).then_some(next)
    }
}

fn scale(size: usize, factor: f64) -> usize {
    ((size as f64 * factor) as usize).max(1)
}

/// The shared pace of one run; see the module documentation.
#[derive(Debug)]
pub(crate) struct Pace {
    state: Mutex<State>,
    freed: Notify,
    tally: Arc<Tally>,
}

impl Pace {
    /// A pace up to `max_batch_size` lines per call and `max_concurrency` calls in flight, for a
    /// store with `time_limit` per call (none: the configured sizes throughout). The current
    /// sizes are published in `tally` for the progress display.
    pub(crate) fn new(
        max_batch_size: usize,
        max_concurrency: usize,
        time_limit: Option<Duration>,
        tally: Arc<Tally>,
    ) -> Self {
        let (max_batch_size, max_concurrency) = (max_batch_size.max(1), max_concurrency.max(1));
        let aim = time_limit.map(|limit| (limit / AIM_SHARE, limit / RISK_SHARE));
        let (batch_size, concurrency) = match aim {
            Some(_) => ((max_batch_size / START_SHARE).max(START_FLOOR).min(max_batch_size), 1),
            None => (max_batch_size, max_concurrency),
        };
        let state = State {
            batch_size,
            max_batch_size,
            concurrency,
            max_concurrency,
            in_flight: 0,
            generation: 0,
            aim,
            slow_start: true,
            smallest: batch_size,
        };
        let pace = Self { state: Mutex::new(state), freed: Notify::new(), tally };
        pace.publish(&pace.lock());
        pace
    }

    /// The current batch size.
    pub(crate) fn batch_size(&self) -> usize {
        self.lock().batch_size
    }

    /// Waits for room for one more call in flight; the permit holds it until dropped.
    pub(crate) async fn acquire(&self) -> Permit<'_> {
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            // Registered before looking, so a permit dropped in between still wakes this call.
            freed.as_mut().enable();
            {
                let mut state = self.lock();
                if state.in_flight < state.concurrency {
                    state.in_flight += 1;
                    let ticket = Ticket { generation: state.generation, batch_size: state.batch_size };
                    return Permit { pace: self, ticket };
                }
            }
            freed.await;
        }
    }

    /// Takes into account a call of `lines` sent with `ticket` that ended with `signal` after
    /// `latency`.
    fn observe(&self, ticket: Ticket, lines: usize, latency: Duration, signal: Signal) {
        let mut state = self.lock();
        let Some((batch_size, concurrency)) = state.next(ticket, lines, latency, signal) else { return };
        if batch_size < state.batch_size || concurrency < state.concurrency {
            state.slow_start = false;
        }
        state.batch_size = batch_size;
        state.concurrency = concurrency;
        state.smallest = state.smallest.min(batch_size);
        state.generation += 1;
        self.publish(&state);
        drop(state);
        tracing::debug!(batch_size, concurrency, latency_ms = latency.as_millis(), ?signal, "ingest pace changed");
        self.freed.notify_waiters();
    }

    fn publish(&self, state: &State) {
        self.tally.batch_size.store(state.batch_size as u64, Ordering::Relaxed);
        self.tally.smallest_batch_size.store(state.smallest as u64, Ordering::Relaxed);
        self.tally.concurrency.store(state.concurrency as u64, Ordering::Relaxed);
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a few numbers, valid whatever a panicking holder was doing.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Room for one call in flight, with the settings it goes out with.
#[derive(Debug)]
pub(crate) struct Permit<'a> {
    pace: &'a Pace,
    /// The settings of this call.
    pub ticket: Ticket,
}

impl Permit<'_> {
    /// Reports how the call went, then frees its room.
    pub(crate) fn finish(self, lines: usize, latency: Duration, signal: Signal) {
        self.pace.observe(self.ticket, lines, latency, signal);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.pace.lock().in_flight -= 1;
        self.pace.freed.notify_waiters();
    }
}

#[cfg(test)]
mod tests;
