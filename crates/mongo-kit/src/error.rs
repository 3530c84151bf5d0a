//! The crate's error: what can go wrong while configuring, connecting and preparing the store.
//! Errors of the ports themselves are `domain::Error`s, produced by [`crate::classify`].

/// Result with this crate's [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why the store could not be configured, connected or prepared.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is incomplete or invalid (for example no database name).
    #[error("invalid MongoDB configuration: {0}")]
    Config(String),
    /// A consistency-profile override was malformed or broke a guardrail.
    #[error("invalid profile override {entry:?}: {reason}")]
    Profile {
        /// The override as given (`critical.w=1`).
        entry: String,
        /// Why it was refused.
        reason: String,
    },
    /// The server could not be reached or refused the client. `uri` is already redacted.
    #[error("cannot connect to MongoDB at {uri}: {source}")]
    Connect {
        /// The redacted URI.
        uri: String,
        /// The driver's error.
        #[source]
        source: mongodb::error::Error,
    },
    /// Creating a collection, validator or index failed for a reason other than a missing
    /// capability (those are logged warnings).
    #[error("preparing collection {collection} failed: {source}")]
    Schema {
        /// The collection being prepared.
        collection: String,
        /// The driver's error.
        #[source]
        source: mongodb::error::Error,
    },
    /// Any other driver failure.
    #[error(transparent)]
    Driver(#[from] mongodb::error::Error),
}
