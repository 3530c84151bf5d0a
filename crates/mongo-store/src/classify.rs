//! Driver errors as the shop's ports report them: the kit's [`mongo_kit::classify`] decides what a
//! failure means (every server error code is named there), and this module maps its verdict onto
//! `domain::Error`, the one place that mapping is written.

use mongo_kit::classify::Failure;
use mongodb::error::Error as DriverError;

/// The shop's handles report failures as `domain::Error` ([`to_domain`]).
#[derive(Debug, Clone, Copy)]
pub struct DomainErrors;

impl mongo_kit::profiles::Report for DomainErrors {
    type Error = domain::Error;

    fn report(failure: Failure) -> domain::Error {
        to_domain(failure)
    }
}

/// `error`, with `message` as its text when it is a conflict (`sku ABC-1 exists`): for
/// `map_err` after a handle's write on a unique key.
pub fn conflict_as(message: impl FnOnce() -> String) -> impl FnOnce(domain::Error) -> domain::Error {
    move |error| match error {
        domain::Error::Conflict(_) => domain::Error::Conflict(message()),
        other => other,
    }
}

/// The domain error of a classified failure.
pub fn to_domain(failure: Failure) -> domain::Error {
    match failure {
        Failure::Conflict => domain::Error::Conflict("a record with the same unique key exists".to_owned()),
        Failure::OutcomeUnknown(summary) => domain::Error::OutcomeUnknown(summary),
        Failure::Unavailable(summary) => domain::Error::Unavailable(summary),
        Failure::Validation => {
            domain::Error::Validation(domain::ValidationError::new("document", "failed the collection's validator"))
        }
        Failure::Internal(error) => {
            domain::Error::Internal(anyhow::Error::new(error).context("mongodb operation failed"))
        }
    }
}

/// Turns a driver error into the domain error the ports report. For a failed write or commit,
/// use [`classify_write`], which also knows that a lost reply leaves the outcome unknown.
pub fn classify(error: DriverError) -> domain::Error {
    to_domain(mongo_kit::classify::classify(error))
}

/// Like [`classify`], for the error of a write (or of a transaction's commit) that may have been
/// sent: a network error or client-side time-out then leaves its outcome unknown.
pub fn classify_write(error: DriverError) -> domain::Error {
    to_domain(mongo_kit::classify::classify_write(error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_errors_are_internal() {
        assert!(matches!(classify(DriverError::custom("boom")), domain::Error::Internal(_)));
    }

    #[test]
    fn a_duplicate_key_conflict_carries_the_callers_message() {
        let error: DriverError = mongodb::error::ErrorKind::Command(
            bson::deserialize_from_document(bson::doc! { "code": 11000, "codeName": "DuplicateKey", "errmsg": "dup" })
                .expect("a command error"),
        )
        .into();
        let mapped = conflict_as(|| "sku ABC-1 exists".to_owned())(classify_write(error));
        assert!(matches!(mapped, domain::Error::Conflict(ref message) if message == "sku ABC-1 exists"), "{mapped:?}");
    }
}
