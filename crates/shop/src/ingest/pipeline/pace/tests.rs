//! The pace's rules, on made-up latencies: start small, grow while fast, hold while merely busy,
//! shrink in proportion past half the time limit, halve the calls in flight on timeouts, and
//! react once per generation.

use super::*;

const LIMIT: Duration = Duration::from_secs(8);
/// An eighth of `LIMIT`.
const AIM: Duration = Duration::from_secs(1);
/// Half of `LIMIT`.
const RISK: Duration = Duration::from_secs(4);
const FAST: Duration = Duration::from_millis(100);

fn pace(max_batch_size: usize, max_concurrency: usize) -> Pace {
    Pace::new(max_batch_size, max_concurrency, Some(LIMIT), Arc::new(Tally::default()))
}

fn sizes(pace: &Pace) -> (usize, usize) {
    let state = pace.lock();
    (state.batch_size, state.concurrency)
}

/// Sends one call of a full batch and reports `latency` and `signal` for it.
async fn call(pace: &Pace, latency: Duration, signal: Signal) {
    let permit = pace.acquire().await;
    let lines = permit.ticket.batch_size;
    permit.finish(lines, latency, signal);
}

#[tokio::test]
async fn a_run_starts_with_an_eighth_of_the_batch_and_one_call_unless_the_store_has_no_limit() {
    assert_eq!(sizes(&pace(1000, 4)), (125, 1));
    assert_eq!(sizes(&pace(400, 4)), (100, 1), "never below a hundred lines");
    assert_eq!(sizes(&pace(10, 4)), (10, 1), "nor above the configured size");
    let unlimited = Pace::new(1000, 4, None, Arc::new(Tally::default()));
    assert_eq!(sizes(&unlimited), (1000, 4));
}

#[tokio::test]
async fn fast_calls_double_the_batch_up_to_its_size_then_add_calls_in_flight() {
    let pace = pace(1000, 3);

    let mut seen = Vec::new();
    for _ in 0..6 {
        call(&pace, FAST, Signal::Answered).await;
        seen.push(sizes(&pace));
    }

    assert_eq!(seen, [(250, 1), (500, 1), (1000, 1), (1000, 2), (1000, 3), (1000, 3)]);
}

#[tokio::test]
async fn a_call_past_half_the_limit_shrinks_the_batch_in_proportion_and_growth_is_gentler_afterwards() {
    let pace = pace(1000, 4);
    call(&pace, FAST, Signal::Answered).await;
    call(&pace, FAST, Signal::Answered).await;
    assert_eq!(sizes(&pace).0, 500);

    call(&pace, RISK * 3 / 2, Signal::Answered).await;
    assert_eq!(sizes(&pace), (333, 1), "back to what would have taken half the limit");

    call(&pace, FAST, Signal::Answered).await;
    assert_eq!(sizes(&pace).0, 416, "a quarter more, no longer doubling");
}

#[tokio::test]
async fn a_busy_server_keeps_the_pace_from_half_the_aim_to_half_the_limit() {
    let pace = pace(1000, 4);
    for _ in 0..5 {
        call(&pace, FAST, Signal::Answered).await;
    }
    assert_eq!(sizes(&pace), (1000, 3));

    for latency in [AIM / 2, AIM, AIM * 3, RISK] {
        call(&pace, latency, Signal::Answered).await;
        assert_eq!(sizes(&pace), (1000, 3), "a call of {latency:?} is slow, not at risk");
    }
}

#[tokio::test]
async fn a_timeout_halves_the_calls_in_flight_and_at_least_halves_the_batch() {
    let pace = pace(1000, 4);
    for _ in 0..5 {
        call(&pace, FAST, Signal::Answered).await;
    }
    assert_eq!(sizes(&pace), (1000, 3));

    call(&pace, LIMIT, Signal::Unknown).await;

    assert_eq!(sizes(&pace), (500, 1), "a timeout at least halves the batch");
}

#[tokio::test]
async fn calls_sent_before_a_change_cannot_change_the_pace_again() {
    let pace = Pace::new(1000, 4, Some(LIMIT), Arc::new(Tally::default()));
    {
        let mut state = pace.lock();
        (state.batch_size, state.concurrency) = (1000, 4);
    }
    let permits = [pace.acquire().await, pace.acquire().await, pace.acquire().await];

    for permit in permits {
        permit.finish(1000, LIMIT, Signal::Unknown);
    }

    assert_eq!(sizes(&pace), (500, 2), "three timeouts of one generation shrink once");
}

#[tokio::test]
async fn a_small_call_is_not_a_reason_to_grow() {
    let pace = pace(1000, 4);

    let permit = pace.acquire().await;
    permit.finish(3, FAST, Signal::Answered);

    assert_eq!(sizes(&pace), (125, 1));
}

#[tokio::test]
async fn a_call_waits_while_the_calls_in_flight_are_at_the_limit() {
    let pace = pace(1000, 4);
    let first = pace.acquire().await;

    let second = tokio::time::timeout(Duration::from_millis(20), pace.acquire()).await;
    assert!(second.is_err(), "one call in flight at first");

    drop(first);
    let second = tokio::time::timeout(Duration::from_secs(5), pace.acquire()).await;
    assert!(second.is_ok(), "room again once the first call ended");
}

#[tokio::test]
async fn the_current_sizes_are_published_for_the_progress_line() {
    let tally = Arc::new(Tally::default());
    let pace = Pace::new(1000, 4, Some(LIMIT), Arc::clone(&tally));

    call(&pace, LIMIT, Signal::Unknown).await;

    let get = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
    assert_eq!((get(&tally.batch_size), get(&tally.smallest_batch_size), get(&tally.concurrency)), (62, 62, 1));
    assert!(tally.summary().contains("batch size 62, 1 in flight"), "{}", tally.summary());
}
