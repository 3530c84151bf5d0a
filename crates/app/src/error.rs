//! [`Error`]: what the library's own fallible functions return (configuration of keys, scopes and
//! principals; serving a listener). Failures of a request are answered as problems by the router
//! and never reach the caller as this type.

use crate::auth::Scope;

/// The failures of the library's fallible functions. Every message names the value that is wrong
/// (never a key's hash) and says what would be valid.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A scope name that is none of [`Scope::ALL`].
    #[error("unknown scope {name:?}: expected one of {}", scope_names())]
    UnknownScope {
        /// The name given.
        name: String,
    },
    /// A name that cannot name a service principal ([`crate::auth::is_name`]).
    #[error("invalid principal name {name:?}: use 1 to 64 ASCII letters, digits, '-', '_', '.' or '@'")]
    PrincipalName {
        /// The name given.
        name: String,
    },
    /// A key entry that is not `<name>:<scopes>:sha256:<64 hex digits>`.
    #[error("expected <name>:<scopes>:sha256:<64 hex digits>")]
    EntryShape,
    /// A key entry whose scopes do not parse.
    #[error("key {name:?}: {cause}")]
    KeyScopes {
        /// The key's name.
        name: String,
        /// Why the scopes do not parse (part of this message, so not a separate source).
        cause: Box<Self>,
    },
    /// A key entry hashed with another algorithm than SHA-256.
    #[error("key {name:?}: the hash must be sha256, not {algorithm:?}")]
    KeyAlgorithm {
        /// The key's name.
        name: String,
        /// The algorithm the entry names.
        algorithm: String,
    },
    /// A key entry whose hash is not 64 hex digits (the hash itself is never quoted).
    #[error("key {name:?}: the hash must be 64 hex digits")]
    KeyDigest {
        /// The key's name.
        name: String,
    },
    /// One entry of a list of keys does not parse.
    #[error("API key entry {position}: {cause}")]
    Entry {
        /// The entry's position in the list, from 1.
        position: usize,
        /// Why it does not parse (part of this message, so not a separate source).
        cause: Box<Self>,
    },
    /// Two entries of a list of keys have one name: the audit log could not tell them apart.
    #[error("API key entry {position}: another key is named {name:?}")]
    DuplicateName {
        /// The second entry's position, from 1.
        position: usize,
        /// The name both carry.
        name: String,
    },
    /// One key configured twice.
    #[error("API key entry {position}: the same key is configured twice")]
    DuplicateKey {
        /// The second entry's position, from 1.
        position: usize,
    },
    /// The operating system's random generator failed while making a key.
    #[error("reading the operating system's random generator")]
    Random(#[source] rand::rand_core::OsError),
    /// The listener's address could not be read before serving.
    #[error("reading the listening address")]
    ListenerAddress(#[source] std::io::Error),
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn scope_names() -> String {
    let names: Vec<_> = Scope::ALL.iter().map(|scope| scope.as_str()).collect();
    names.join(", ")
}
