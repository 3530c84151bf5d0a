//! Telemetry from the driver's own events: command latency by command, collection and profile
//! class; connection-pool checkout wait and size; errors by class; transaction attempts; and a
//! slow-operation log that shows query shapes, never values.
//!
//! Metrics go through the `metrics` facade: without a recorder installed they cost nothing, and
//! the process (the `app` crate) chooses the exporter. [`Telemetry::instrument`] hooks a client's
//! options; [`register`] describes every series and starts the error counters at zero, so a
//! dashboard shows each class before it first happens. The profile class of a command is the class
//! of the [`crate::time_limit::within`] call around it (or of [`in_class`]); commands outside one
//! are labelled `none`.

mod handles;
mod pool;
pub(crate) mod shape;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bson::{Bson, Document};
use metrics::{Histogram, Unit, counter, describe_counter, describe_histogram, histogram};
use mongodb::event::EventHandler;
use mongodb::event::command::CommandEvent;
use mongodb::options::ClientOptions;

use crate::classify::{ErrorClass, error_class};
use crate::profiles::OperationClass;

/// Histogram of command round trips, in seconds: labels `command`, `collection`, `profile`.
pub const COMMAND_DURATION: &str = "mongodb_command_duration_seconds";
/// Counter of failures: labels `class` (transient, conflict, timeout, validation, other), `profile`.
pub const ERRORS: &str = "mongodb_errors_total";
/// Counter of transaction bodies run (first attempts and retries): label `profile`.
pub const TRANSACTION_ATTEMPTS: &str = "mongodb_transaction_attempts_total";
/// Counter of transaction bodies run again after a transient error: label `profile`.
pub const TRANSACTION_RETRIES: &str = "mongodb_transaction_retries_total";
pub use pool::{POOL_CHECKOUT_WAIT, POOL_CONNECTIONS, POOL_IN_USE};

/// Label of commands run outside any class.
const NO_CLASS: &str = "none";
/// Label of commands that name no collection (commits, pings).
const NO_COLLECTION: &str = "-";

/// Commands started by every client of this process, instrumented or not counted.
static COMMANDS_STARTED: AtomicU64 = AtomicU64::new(0);

tokio::task_local! {
    static CLASS: OperationClass;
}

/// How many commands the instrumented clients of this process have sent: read it before and
/// after an operation to count its round trips (benchmarks do).
pub fn commands_started() -> u64 {
    COMMANDS_STARTED.load(Ordering::Relaxed)
}

/// Runs `work` with its commands labelled as `class` (unless an inner scope says otherwise).
pub async fn in_class<F: Future>(class: OperationClass, work: F) -> F::Output {
    CLASS.scope(class, work).await
}

fn current_class() -> &'static str {
    CLASS.try_with(|class| class.name()).unwrap_or(NO_CLASS)
}

/// Describes every series and starts counters at zero. Call once after installing a recorder.
pub fn register() {
    describe_histogram!(COMMAND_DURATION, Unit::Seconds, "MongoDB command round trips");
    describe_counter!(ERRORS, "MongoDB failures by class");
    describe_counter!(TRANSACTION_ATTEMPTS, "transaction bodies run, first attempts included");
    describe_counter!(TRANSACTION_RETRIES, "transaction bodies run again after a transient error");
    describe_counter!(crate::exactly_once::WRITE_CONFLICTS, "write conflicts met by exactly-once operations");
    pool::describe();
    for profile in OperationClass::ALL {
        for class in ErrorClass::ALL {
            counter!(ERRORS, "class" => class.name(), "profile" => profile.name()).absolute(0);
        }
        counter!(TRANSACTION_RETRIES, "profile" => profile.name()).absolute(0);
    }
    // Exactly-once operations run in the critical class: the one series they record, shown from
    // the first scrape so a rate over it exists before the first conflict.
    counter!(crate::exactly_once::WRITE_CONFLICTS, "profile" => OperationClass::Critical.name()).absolute(0);
}

/// Records one run of a transaction body; `attempt` counts from 1.
pub fn record_transaction_attempt(class: OperationClass, attempt: u32) {
    counter!(TRANSACTION_ATTEMPTS, "profile" => class.name()).increment(1);
    if attempt > 1 {
        counter!(TRANSACTION_RETRIES, "profile" => class.name()).increment(1);
    }
}

/// Records an operation given up on by the client (no server answer to count).
pub fn record_client_timeout(class: OperationClass) {
    counter!(ERRORS, "class" => ErrorClass::Timeout.name(), "profile" => class.name()).increment(1);
}

/// What a started command needs for its outcome, kept until it ends: its latency series, its
/// profile, and the command itself while a slow-operation log may need its shape (rendered only
/// for a slow command, so a fast one costs no shape).
struct Started {
    latency: Histogram,
    profile: &'static str,
    body: Option<Document>,
}

/// The latency series of one command, by collection, then profile.
type ByCollection = HashMap<String, Vec<(&'static str, Histogram)>>;

/// The event handlers of one client.
#[derive(Clone)]
pub struct Telemetry {
    slow_threshold: Option<Duration>,
    started: Arc<Mutex<HashMap<i32, Started>>>,
    latencies: Arc<handles::Cache<String, ByCollection>>,
    clock: crate::causal::CausalClock,
}

impl Telemetry {
    /// Handlers that log commands slower than `slow_threshold` (`None`: no slow-operation log)
    /// and move `clock` to every write's `operationTime`.
    pub fn new(slow_threshold: Option<Duration>, clock: crate::causal::CausalClock) -> Self {
        Self { slow_threshold, started: Arc::default(), latencies: Arc::default(), clock }
    }

    /// Hooks the command and pool handlers into `options`.
    pub fn instrument(self, options: &mut ClientOptions) {
        let pool = pool::Pool::default();
        options.cmap_event_handler = Some(EventHandler::callback(move |event| pool.record(event)));
        options.command_event_handler = Some(EventHandler::callback(move |event| self.on_command(event)));
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, HashMap<i32, Started>> {
        // A panic elsewhere leaves the map usable: entries are independent.
        self.started.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The latency series of `command` on `collection` in `profile`, looked up in the registry
    /// once and kept.
    fn latency(&self, command: &str, collection: &str, profile: &'static str) -> Histogram {
        let mut cache = self.latencies.current();
        let series = cache.entries();
        let kept = series.get(command).and_then(|by_collection| by_collection.get(collection)).and_then(|by_profile| {
            by_profile.iter().find(|(name, _)| *name == profile).map(|(_, latency)| latency.clone())
        });
        if let Some(latency) = kept {
            return latency;
        }
        let latency = histogram!(
            COMMAND_DURATION,
            "command" => command.to_owned(),
            "collection" => collection.to_owned(),
            "profile" => profile
        );
        let by_profile = series.entry(command.to_owned()).or_default().entry(collection.to_owned()).or_default();
        by_profile.push((profile, latency.clone()));
        latency
    }

    fn on_command(&self, event: CommandEvent) {
        match event {
            CommandEvent::Started(event) => {
                COMMANDS_STARTED.fetch_add(1, Ordering::Relaxed);
                let profile = current_class();
                let latency =
                    self.latency(&event.command_name, collection(&event.command, &event.command_name), profile);
                let started = Started { latency, profile, body: self.slow_threshold.map(|_| event.command) };
                self.pending().insert(event.request_id, started);
            }
            CommandEvent::Succeeded(event) => {
                self.clock.observe(&event.command_name, &event.reply);
                let started = self.pending().remove(&event.request_id);
                self.finish(started, &event.command_name, event.duration, None);
            }
            CommandEvent::Failed(event) => {
                let started = self.pending().remove(&event.request_id);
                self.finish(started, &event.command_name, event.duration, Some(error_class(&event.failure)));
            }
            _ => {}
        }
    }

    fn finish(&self, started: Option<Started>, command: &str, duration: Duration, failure: Option<ErrorClass>) {
        let Started { latency, profile, body } = started.unwrap_or_else(|| Started {
            latency: self.latency(command, NO_COLLECTION, NO_CLASS),
            profile: NO_CLASS,
            body: None,
        });
        if let Some(class) = failure {
            counter!(ERRORS, "class" => class.name(), "profile" => profile).increment(1);
        }
        if let (Some(threshold), Some(body)) = (self.slow_threshold, &body)
            && duration >= threshold
        {
            let shape = shape::command_shape(body);
            tracing::warn!(
                target: "mongo_store::slow_operation",
                command = %command,
                collection = %collection(body, command),
                profile,
                duration_ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
                failed = failure.is_some(),
                %shape,
                "slow MongoDB operation"
            );
        }
        latency.record(duration.as_secs_f64());
    }
}

/// The collection a command works on: the value of its first field for collection commands, the
/// `collection` field of `getMore`, else `-`.
fn collection<'a>(command: &'a Document, name: &str) -> &'a str {
    let value = if name == "getMore" { command.get("collection") } else { command.get(name) };
    match value {
        Some(Bson::String(collection)) => collection,
        _ => NO_COLLECTION,
    }
}

#[cfg(test)]
mod tests {
    use bson::doc;

    use super::*;

    #[test]
    fn the_collection_comes_from_the_command_or_from_get_more() {
        assert_eq!(collection(&doc! { "find": "orders", "filter": {} }, "find"), "orders");
        assert_eq!(collection(&doc! { "getMore": 42_i64, "collection": "audit" }, "getMore"), "audit");
        assert_eq!(collection(&doc! { "commitTransaction": 1 }, "commitTransaction"), "-");
    }

    #[tokio::test]
    async fn the_class_of_a_command_is_the_innermost_scope() {
        let outside = current_class();
        let inside = in_class(OperationClass::Critical, async { current_class() }).await;
        let nested =
            in_class(OperationClass::Critical, in_class(OperationClass::Feed, async { current_class() })).await;

        assert_eq!((outside, inside, nested), ("none", "critical", "feed"));
    }
}
