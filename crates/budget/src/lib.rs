//! The caller's time budget, carried to every call a request makes without threading it through
//! ports.
//!
//! A service sets a deadline around the work of one request ([`scope`]); whatever does I/O on its
//! behalf reads what is left of it ([`remaining`], [`cap`]). `mongo-kit`'s time limits cap each
//! MongoDB operation's `maxTimeMS`, its client-side deadline and the transaction runner by it, so
//! the server stops working when the caller has given up instead of finishing a query nobody
//! waits for. Work outside a scope (start-up, CLI jobs) keeps its own limits.
//!
//! A crate of its own so that an HTTP layer can set the budget without linking a database
//! driver: the shop's router runs on the in-memory store without MongoDB code.

use std::time::Duration;

use tokio::time::Instant;

tokio::task_local! {
    static DEADLINE: Instant;
}

/// Runs `work` with `deadline` as the budget of every database call it makes (on this task; a
/// task it spawns starts without one). A nested scope can only shorten the budget.
pub async fn scope<F: Future>(deadline: Instant, work: F) -> F::Output {
    let deadline = current().map_or(deadline, |outer| outer.min(deadline));
    DEADLINE.scope(deadline, work).await
}

/// The deadline of the current scope, if any.
pub fn current() -> Option<Instant> {
    DEADLINE.try_with(|deadline| *deadline).ok()
}

/// What is left of the current budget: `None` outside a scope, zero once it has passed.
pub fn remaining() -> Option<Duration> {
    current().map(|deadline| deadline.saturating_duration_since(Instant::now()))
}

/// `limit`, shortened to what is left of the current budget. Never zero: the driver reads a zero
/// `maxTimeMS` as "no limit", so a spent budget becomes the shortest limit the server knows.
pub fn cap(limit: Duration) -> Duration {
    match remaining() {
        Some(left) => limit.min(left).max(Duration::from_millis(1)),
        None => limit,
    }
}

/// Whether the current budget has been spent.
pub fn expired() -> bool {
    remaining().is_some_and(|left| left.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn outside_a_scope_limits_are_kept() {
        assert_eq!(remaining(), None);
        assert_eq!(cap(Duration::from_secs(2)), Duration::from_secs(2));
        assert!(!expired());
    }

    #[tokio::test]
    async fn inside_a_scope_the_remaining_budget_caps_limits() {
        let deadline = Instant::now() + Duration::from_millis(300);

        let capped = scope(deadline, async { cap(Duration::from_secs(2)) }).await;

        assert!(capped <= Duration::from_millis(300), "{capped:?}");
        assert!(capped > Duration::ZERO);
    }

    #[tokio::test]
    async fn a_nested_scope_cannot_extend_the_budget() {
        let outer = Instant::now() + Duration::from_millis(100);
        let inner = outer + Duration::from_secs(60);

        let seen = scope(outer, scope(inner, async { current() })).await;

        assert_eq!(seen, Some(outer));
    }

    #[tokio::test]
    async fn a_spent_budget_caps_to_one_millisecond_and_reports_expiry() {
        let past = Instant::now().checked_sub(Duration::from_millis(5)).expect("the clock is past 5 ms");

        let (capped, spent) = scope(past, async { (cap(Duration::from_secs(1)), expired()) }).await;

        assert_eq!(capped, Duration::from_millis(1));
        assert!(spent);
    }
}
