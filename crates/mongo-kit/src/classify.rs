//! The one place that reads driver errors: every server error code the kit relies on is named
//! here, and every failed operation is turned into a [`Failure`] by [`classify`].
//!
//! The rules, in order: a duplicate key is a conflict; a commit whose result is unknown
//! (`UnknownTransactionCommitResult`) or a write whose write concern failed (`writeConcernError`,
//! WriteConcernFailed / `wtimeout`) is an unknown outcome, as is, for a write ([`classify_write`]),
//! a network error or client-side time-out after it may have been sent; anything the driver or
//! server labels as transient, any other network, pool or server-selection failure, and any
//! exceeded time limit is unavailability (nothing was applied; the caller may retry); a
//! document-validation failure is a validation error; the rest is internal.

use mongodb::error::{
    BulkWriteError, Error as DriverError, ErrorKind, InsertManyError, TRANSIENT_TRANSACTION_ERROR,
    UNKNOWN_TRANSACTION_COMMIT_RESULT, WriteFailure,
};

/// Duplicate key (and its legacy variants).
const DUPLICATE_KEY: [i32; 3] = [11000, 11001, 12582];
/// Document failed validation.
const DOCUMENT_VALIDATION_FAILURE: i32 = 121;
/// WriteConcernFailed: the write concern (`wtimeout`) was not satisfied; the write was applied on
/// the primary and may or may not survive.
const WRITE_CONCERN_FAILED: i32 = 64;
/// Time limits: MaxTimeMSExpired, ExceededTimeLimit, WriteConcernFailed (wtimeout),
/// NetworkInterfaceExceededTimeLimit.
const TIME_LIMITS: [i32; 4] = [50, 262, 64, 202];
/// Replica-set state changes and shutdowns: the operation may succeed on a retry.
const STATE_CHANGES: [i32; 12] = [6, 7, 89, 91, 189, 9001, 10107, 11600, 11602, 13435, 13436, 112];
/// The deployment refuses a feature (not allowed, not found, not supported, bad option,
/// unauthorized): treated as a missing capability at start-up, never as a failure.
const CAPABILITY_REFUSALS: [i32; 8] = [2, 9, 13, 20, 40, 59, 72, 115];
/// The collection already exists (a concurrent start-up created it first).
const NAMESPACE_EXISTS: i32 = 48;
/// A requested index conflicts with one the collection has: IndexOptionsConflict (85: an
/// equivalent index under another name, or the same name with another TTL) and
/// IndexKeySpecsConflict (86: the same name with other keys, uniqueness or partial filter).
const INDEX_CONFLICTS: [i32; 2] = [85, 86];

/// The server error codes carried by `error` (top level, per write, write concern).
fn codes(error: &DriverError) -> Vec<i32> {
    let mut codes = Vec::new();
    match error.kind.as_ref() {
        ErrorKind::Command(command) => codes.push(command.code),
        ErrorKind::Write(WriteFailure::WriteError(write)) => codes.push(write.code),
        ErrorKind::Write(WriteFailure::WriteConcernError(concern)) => codes.push(concern.code),
        ErrorKind::InsertMany(InsertManyError { write_errors, write_concern_error, .. }) => {
            codes.extend(write_errors.iter().flatten().map(|w| w.code));
            codes.extend(write_concern_error.iter().map(|c| c.code));
        }
        ErrorKind::BulkWrite(BulkWriteError { write_errors, write_concern_errors, .. }) => {
            codes.extend(write_errors.values().map(|w| w.code));
            codes.extend(write_concern_errors.iter().map(|c| c.code));
        }
        _ => {}
    }
    if let Some(source) = std::error::Error::source(error).and_then(|s| s.downcast_ref::<DriverError>()) {
        codes.extend(self::codes(source));
    }
    codes
}

/// A write met a concurrent transaction's write (WriteConflict).
const WRITE_CONFLICT: i32 = 112;

/// Whether `error` is a write conflict with a concurrent transaction.
pub fn is_write_conflict(error: &DriverError) -> bool {
    codes(error).contains(&WRITE_CONFLICT)
}

/// Whether `error` is a duplicate-key error.
pub fn is_duplicate_key(error: &DriverError) -> bool {
    codes(error).iter().any(|c| DUPLICATE_KEY.contains(c))
}

/// The position of the first failed operation of a client `bulkWrite`, when `error` is one.
pub fn failed_write_index(error: &DriverError) -> Option<usize> {
    match error.kind.as_ref() {
        ErrorKind::BulkWrite(BulkWriteError { write_errors, .. }) => write_errors.keys().min().copied(),
        _ => None,
    }
}

/// Whether the deployment refused a feature (an option, a command, a privilege) rather than
/// failed: start-up logs these as missing capabilities.
pub fn is_capability_refusal(error: &DriverError) -> bool {
    codes(error).iter().any(|c| CAPABILITY_REFUSALS.contains(c))
}

/// Unauthorized: the user lacks a privilege the command needs.
const UNAUTHORIZED: i32 = 13;
/// NoReplicationEnabled: replica-set state was asked of a server that is not a member of one.
const NO_REPLICATION_ENABLED: i32 = 76;

/// Whether the server refused `error`'s command for want of a privilege (a user without the
/// role the command needs).
pub fn is_unauthorized(error: &DriverError) -> bool {
    codes(error).contains(&UNAUTHORIZED)
}

/// Whether the server answered that it is not a replica-set member (a standalone `mongod`).
pub fn is_not_replica_set(error: &DriverError) -> bool {
    codes(error).contains(&NO_REPLICATION_ENABLED)
}

/// Whether `error` says the collection exists already.
pub fn is_namespace_exists(error: &DriverError) -> bool {
    codes(error).contains(&NAMESPACE_EXISTS)
}

/// Whether a requested index conflicts with an existing one (85 or 86): the deployment's own
/// index stays as it is, and start-up reports the difference instead of failing.
pub fn is_index_conflict(error: &DriverError) -> bool {
    codes(error).iter().any(|c| INDEX_CONFLICTS.contains(c))
}

/// Whether `error` happened on the connection (an I/O failure or a client-side time-out): the
/// server may have received the command and acted on it.
pub fn is_network(error: &DriverError) -> bool {
    matches!(error.kind.as_ref(), ErrorKind::Io(_) | ErrorKind::ConnectionPoolCleared { .. })
}

/// Whether the operation may succeed if retried: transient labels, network, pool, server
/// selection, time limits and replica-set state changes.
pub fn is_transient(error: &DriverError) -> bool {
    if error.contains_label(TRANSIENT_TRANSACTION_ERROR) || error.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT) {
        return true;
    }
    let kind_is_transient = matches!(
        error.kind.as_ref(),
        ErrorKind::Io(_) | ErrorKind::ConnectionPoolCleared { .. } | ErrorKind::ServerSelection { .. }
    );
    kind_is_transient || codes(error).iter().any(|c| TIME_LIMITS.contains(c) || STATE_CHANGES.contains(c))
}

/// Whether the reply carried a write-concern error (the write itself was applied on the primary).
fn has_write_concern_error(error: &DriverError) -> bool {
    let here = match error.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteConcernError(_)) => true,
        ErrorKind::InsertMany(InsertManyError { write_concern_error, .. }) => write_concern_error.is_some(),
        ErrorKind::BulkWrite(BulkWriteError { write_concern_errors, .. }) => !write_concern_errors.is_empty(),
        _ => false,
    };
    here || std::error::Error::source(error)
        .and_then(|s| s.downcast_ref::<DriverError>())
        .is_some_and(has_write_concern_error)
}

/// Whether a write's (or a commit's) outcome is unknown whatever the operation: the commit's
/// result is unknown, or the write concern failed after the write was applied.
fn is_unknown_outcome(error: &DriverError) -> bool {
    error.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT)
        || has_write_concern_error(error)
        || codes(error).contains(&WRITE_CONCERN_FAILED)
}

/// Whether the failure happened where a sent write may have been applied: a network error or a
/// client-side time-out, unless the operation was refused before it was sent.
fn may_have_been_sent(error: &DriverError) -> bool {
    match error.kind.as_ref() {
        ErrorKind::Io(io) => !io.get_ref().is_some_and(|inner| inner.is::<crate::time_limit::NotSent>()),
        _ => false,
    }
}

/// The kind of a failure, as metrics count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// May succeed if retried: labels, network, pool, server selection, state changes.
    Transient,
    /// A unique key already holds the value.
    Conflict,
    /// A time limit ran out, on the server (`maxTimeMS`, `wtimeout`) or on the client.
    Timeout,
    /// The document failed the collection's validator.
    Validation,
    /// Anything else.
    Other,
}

impl ErrorClass {
    /// Every class, for metrics that must show each series from the start.
    pub const ALL: [Self; 5] = [Self::Transient, Self::Conflict, Self::Timeout, Self::Validation, Self::Other];

    /// The lower-case name used as a metrics label.
    pub fn name(self) -> &'static str {
        match self {
            Self::Transient => "transient",
            Self::Conflict => "conflict",
            Self::Timeout => "timeout",
            Self::Validation => "validation",
            Self::Other => "other",
        }
    }
}

/// The class of `error`: the same rules as [`classify`], with time limits told apart from other
/// transient failures.
pub fn error_class(error: &DriverError) -> ErrorClass {
    let codes = codes(error);
    if codes.iter().any(|c| DUPLICATE_KEY.contains(c)) {
        return ErrorClass::Conflict;
    }
    let client_timeout = matches!(error.kind.as_ref(), ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::TimedOut);
    if client_timeout || codes.iter().any(|c| TIME_LIMITS.contains(c)) {
        return ErrorClass::Timeout;
    }
    if is_transient(error) {
        return ErrorClass::Transient;
    }
    if codes.contains(&DOCUMENT_VALIDATION_FAILURE) {
        return ErrorClass::Validation;
    }
    ErrorClass::Other
}

/// What a failed operation means for its caller: the outcome of [`classify`]. A store maps it
/// onto its own error type in one place.
#[derive(Debug)]
pub enum Failure {
    /// A unique key already holds the value.
    Conflict,
    /// The write (or the transaction's commit) may or may not have been applied.
    OutcomeUnknown(String),
    /// Nothing was applied and a retry may succeed (transient labels, network, pool, server
    /// selection, time limits, replica-set state changes).
    Unavailable(String),
    /// The document failed the collection's validator.
    Validation,
    /// Anything else: the driver's error, to be reported as an internal failure.
    Internal(DriverError),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Conflict => f.write_str("a record with the same unique key exists"),
            Self::OutcomeUnknown(summary) => write!(f, "the outcome is unknown: {summary}"),
            Self::Unavailable(summary) => write!(f, "unavailable: {summary}"),
            Self::Validation => f.write_str("the document failed the collection's validator"),
            Self::Internal(error) => write!(f, "mongodb operation failed: {error}"),
        }
    }
}

impl std::error::Error for Failure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Internal(error) => Some(error),
            _ => None,
        }
    }
}

/// Classifies a driver error. For a failed write or commit, use [`classify_write`], which also
/// knows that a lost reply leaves the outcome unknown.
pub fn classify(error: DriverError) -> Failure {
    let codes = codes(&error);
    if codes.iter().any(|c| DUPLICATE_KEY.contains(c)) {
        return Failure::Conflict;
    }
    if is_unknown_outcome(&error) {
        return Failure::OutcomeUnknown(outcome_summary(&error));
    }
    if is_transient(&error) {
        return Failure::Unavailable(summary(&error));
    }
    if codes.contains(&DOCUMENT_VALIDATION_FAILURE) {
        return Failure::Validation;
    }
    Failure::Internal(error)
}

/// Like [`classify`], for the error of a write (or of a transaction's commit) that may have been
/// sent: a network error or client-side time-out then leaves its outcome unknown, since the
/// server may have applied it before the reply was lost.
pub fn classify_write(error: DriverError) -> Failure {
    if !is_duplicate_key(&error) && may_have_been_sent(&error) {
        return Failure::OutcomeUnknown(outcome_summary(&error));
    }
    classify(error)
}

/// A short description for `OutcomeUnknown`, without server responses.
fn outcome_summary(error: &DriverError) -> String {
    if error.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT) {
        "the transaction's commit result is unknown".to_owned()
    } else if has_write_concern_error(error) || codes(error).contains(&WRITE_CONCERN_FAILED) {
        "the write concern was not satisfied; the write may have been applied".to_owned()
    } else {
        format!("the write's reply was lost ({}); it may have been applied", summary(error))
    }
}

/// A short description for `Unavailable`: the kind of failure without server responses, which may
/// quote documents.
fn summary(error: &DriverError) -> String {
    match error.kind.as_ref() {
        ErrorKind::ServerSelection { .. } => "no suitable MongoDB server was reachable in time".to_owned(),
        ErrorKind::Io(io) => format!("network error talking to MongoDB: {}", io.kind()),
        ErrorKind::ConnectionPoolCleared { .. } => "the connection pool was cleared".to_owned(),
        ErrorKind::Command(command) => format!("MongoDB answered {}", command.code_name),
        _ if error.contains_label(TRANSIENT_TRANSACTION_ERROR) => "transient transaction error".to_owned(),
        _ => "MongoDB did not complete the operation in time".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_errors_are_internal() {
        let error = DriverError::custom("boom");
        assert!(matches!(classify(error), Failure::Internal(_)));
    }

    #[test]
    fn error_classes_tell_timeouts_from_other_transient_failures() {
        let timed_out = std::io::Error::new(std::io::ErrorKind::TimedOut, "timed out");
        let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");

        let timeout: DriverError = ErrorKind::Io(std::sync::Arc::new(timed_out)).into();
        let transient: DriverError = ErrorKind::Io(std::sync::Arc::new(reset)).into();

        assert_eq!(error_class(&timeout), ErrorClass::Timeout);
        assert_eq!(error_class(&transient), ErrorClass::Transient);
        assert_eq!(error_class(&DriverError::custom("boom")), ErrorClass::Other);
    }

    fn io(kind: std::io::ErrorKind) -> DriverError {
        ErrorKind::Io(std::sync::Arc::new(std::io::Error::new(kind, "lost"))).into()
    }

    #[test]
    fn a_failed_write_concern_leaves_the_outcome_unknown() {
        let concern: mongodb::error::WriteConcernError = bson::deserialize_from_document(bson::doc! {
            "code": WRITE_CONCERN_FAILED, "codeName": "WriteConcernFailed", "errmsg": "waiting for replication timed out",
        })
        .expect("a write concern error");
        let error: DriverError = ErrorKind::Write(WriteFailure::WriteConcernError(concern)).into();

        assert!(matches!(classify(error), Failure::OutcomeUnknown(_)));
    }

    #[test]
    fn a_write_whose_reply_was_lost_has_an_unknown_outcome() {
        for kind in [std::io::ErrorKind::TimedOut, std::io::ErrorKind::ConnectionReset] {
            assert!(matches!(classify_write(io(kind)), Failure::OutcomeUnknown(_)), "{kind:?}");
            assert!(matches!(classify(io(kind)), Failure::Unavailable(_)), "reads: {kind:?}");
        }
    }

    #[tokio::test]
    async fn a_write_refused_before_it_was_sent_is_unavailable() {
        let past = tokio::time::Instant::now();
        let profiles = crate::profiles::Profiles::default();
        let refused = budget::scope(past, async {
            crate::time_limit::within(profiles.get(crate::profiles::OperationClass::Critical), async { Ok(()) }).await
        })
        .await
        .expect_err("the budget is spent");

        assert_eq!(error_class(&refused), ErrorClass::Timeout);
        assert!(matches!(classify_write(refused), Failure::Unavailable(_)));
    }

    #[test]
    fn network_errors_are_unavailable() {
        let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "timed out");
        let error: DriverError = ErrorKind::Io(std::sync::Arc::new(io)).into();
        assert!(matches!(classify(error), Failure::Unavailable(_)));
    }
}
