//! Who may call which route: API keys with scopes, the table of the scope each route needs, and
//! the hook an embedding service uses to put its own authentication in their place.
//!
//! - [`Scope`] and [`Scopes`]: what a caller may do (`read`, `write`, `transfer`, `sessions`,
//!   `admin`).
//! - [`ROUTES`] and [`required_access`]: the access each route of the API needs. The router's
//!   enforcement, the OpenAPI document's security requirements and any embedder's own layer read
//!   this one table.
//! - [`Principal`]: who a request authenticated as, a service or an end user; the audit log
//!   records its name as the actor.
//! - [`Authenticator`]: turns a request's credentials into a principal. [`keys::ApiKeys`] is the
//!   built-in one (bearer keys whose SHA-256 hashes are configured); an embedding service supplies
//!   its own (its OAuth middleware's result, say), or authenticates in its own layer in front of
//!   the router and hands the principal over with [`Upstream`].
//! - [`sessions::SessionTokens`]: end users' session tokens as bearer credentials, beside the
//!   services' credentials.
//! - [`policy::Policy`]: what each principal may do, per route and per object;
//!   [`policy::ShopPolicy`] is the default, an embedding service installs its own in the state.
//! - [`Authentication`]: what the router enforces: anonymous (every call allowed, only for a
//!   loopback bind) or checked by an authenticator, whether session tokens are accepted and
//!   whether `/metrics` is open.

pub mod keys;
pub mod policy;
mod principal;
mod routes;
pub mod sessions;

pub use principal::{Principal, PrincipalKind, USER_PREFIX, is_name};
pub(crate) use routes::find_in;
pub use routes::{Access, ROUTES, Route, find_route, required_access};

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use axum::http::request::Parts;

use crate::Error;

/// One permission a key can hold. Scopes are independent: `admin` does not imply the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Every `GET` under `/v1` except the audit log and sessions.
    Read,
    /// Changes to products, wallets and feeds.
    Write,
    /// `POST /v1/transfers`: moving money.
    Transfer,
    /// Starting, reading and ending sessions.
    Sessions,
    /// The audit log, and `/metrics` when the service is not bound to a loopback address.
    Admin,
}

impl Scope {
    /// Every scope, in the order the documentation lists them.
    pub const ALL: [Self; 5] = [Self::Read, Self::Write, Self::Transfer, Self::Sessions, Self::Admin];

    /// The scope's name in configuration, on the command line and in the OpenAPI document.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Transfer => "transfer",
            Self::Sessions => "sessions",
            Self::Admin => "admin",
        }
    }

    /// What the scope grants, for the OpenAPI document.
    pub const fn description(self) -> &'static str {
        match self {
            Self::Read => "Read products, categories, wallets, ledgers, transfers and feeds",
            Self::Write => "Create, change and delete products, open wallets, replace feeds",
            Self::Transfer => "Move money between wallets",
            Self::Sessions => "Start, read and end sessions",
            Self::Admin => "Read the audit log; read /metrics when the service is not bound to loopback",
        }
    }

    /// Parses a scope name.
    ///
    /// # Errors
    /// [`Error::UnknownScope`], naming the valid scopes, when `raw` is none of them.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|scope| scope.as_str() == raw)
            .ok_or_else(|| Error::UnknownScope { name: raw.to_owned() })
    }

    const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of scopes.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes(u8);

impl Scopes {
    /// Every scope.
    pub fn all() -> Self {
        Scope::ALL.into_iter().collect()
    }

    /// Whether `scope` is in the set.
    pub const fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    /// The scopes in the set, in [`Scope::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |scope| self.contains(*scope))
    }

    /// Parses a comma-separated list of scope names (at least one).
    ///
    /// # Errors
    /// [`Error::UnknownScope`] when it names an unknown scope; an empty list, or an empty item,
    /// names the empty scope, which is unknown.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        raw.split(',').map(|name| Scope::parse(name.trim())).collect()
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        Self(iter.into_iter().fold(0, |bits, scope| bits | scope.bit()))
    }
}

impl fmt::Display for Scopes {
    /// Comma-separated, as [`Scopes::parse`] reads them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = self.iter().map(Scope::as_str).collect();
        f.write_str(&names.join(","))
    }
}

impl fmt::Debug for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scopes({self})")
    }
}

/// Why a request has no principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// It carries no credentials.
    Missing,
    /// Its credentials are malformed or unknown (the problem never says which, nor echoes them).
    Invalid,
    /// Its credentials could not be checked: the store holding them did not answer (503).
    Unavailable,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Missing => "this route needs an API key: send Authorization: Bearer <key>",
            Self::Invalid => "the credentials are malformed or unknown",
            Self::Unavailable => "the credentials could not be checked; retry later",
        })
    }
}

/// Authenticates requests. Implement it to put another scheme in place of API keys; the router
/// still enforces [`ROUTES`] on the principal it returns.
#[async_trait]
pub trait Authenticator: Send + Sync + 'static {
    /// The principal `request` authenticates as.
    ///
    /// # Errors
    /// [`Refusal::Missing`] without credentials, [`Refusal::Invalid`] with wrong ones: both are
    /// answered 401 with `WWW-Authenticate: Bearer`.
    async fn authenticate(&self, request: &Parts) -> Result<Principal, Refusal>;

    /// The same answer as [`Self::authenticate`], when it can be given without waiting for
    /// anything (no I/O): the router then authenticates in line, without a boxed future or a
    /// clone of the rest of the stack. `None`, the default, sends every request through
    /// [`Self::authenticate`].
    fn authenticate_now(&self, _request: &Parts) -> Option<Result<Principal, Refusal>> {
        None
    }
}

/// For an embedding service that authenticates in its own middleware in front of the router: that
/// middleware inserts a [`Principal`] into the request's extensions, and this authenticator takes
/// it; a request without one is refused.
#[derive(Debug, Clone, Copy, Default)]
pub struct Upstream;

#[async_trait]
impl Authenticator for Upstream {
    async fn authenticate(&self, request: &Parts) -> Result<Principal, Refusal> {
        request.extensions.get::<Principal>().cloned().ok_or(Refusal::Missing)
    }

    fn authenticate_now(&self, request: &Parts) -> Option<Result<Principal, Refusal>> {
        Some(request.extensions.get::<Principal>().cloned().ok_or(Refusal::Missing))
    }
}

/// How the router authenticates and what it leaves open.
#[derive(Clone)]
pub struct Authentication {
    checker: Option<Arc<dyn Authenticator>>,
    metrics_open: bool,
    session_tokens: bool,
}

impl Authentication {
    /// No authentication: every call is allowed and audited under the caller's `x-actor` (or
    /// the default actor). Only for a service nobody else can reach: the embedding binary
    /// decides where it allows this (the shop's binary, only on a loopback address).
    pub fn anonymous() -> Self {
        Self { checker: None, metrics_open: true, session_tokens: false }
    }

    /// Every route but the open ones needs a principal from `authenticator` holding the route's
    /// scope; `/metrics` needs `admin` until [`Self::with_open_metrics`] opens it.
    pub fn checked(authenticator: impl Authenticator) -> Self {
        Self { checker: Some(Arc::new(authenticator)), metrics_open: false, session_tokens: false }
    }

    /// Also accepts end users' session tokens (`POST /v1/sessions`) as bearer credentials,
    /// looked up in the state's session port before the authenticator sees the request
    /// ([`sessions::SessionTokens`]), or not. Without an authenticator (anonymous calls) there
    /// is nothing to check and this changes nothing.
    #[must_use]
    pub fn with_session_tokens(mut self, accept: bool) -> Self {
        self.session_tokens = accept;
        self
    }

    /// Whether session tokens are accepted as credentials.
    pub const fn session_tokens(&self) -> bool {
        self.session_tokens
    }

    /// This authentication as the router of `sessions` enforces it: with
    /// [`Self::with_session_tokens`], the authenticator wrapped in [`sessions::SessionTokens`].
    pub fn for_sessions(&self, sessions: &Arc<dyn domain::SessionRepository>) -> Self {
        let checker = match &self.checker {
            Some(inner) if self.session_tokens => {
                Some(Arc::new(sessions::SessionTokens::new(Arc::clone(sessions), Arc::clone(inner)))
                    as Arc<dyn Authenticator>)
            }
            other => other.clone(),
        };
        Self { checker, ..self.clone() }
    }

    /// Opens `/metrics` to anyone (for a service bound to a loopback address) or not.
    #[must_use]
    pub fn with_open_metrics(mut self, open: bool) -> Self {
        self.metrics_open = open;
        self
    }

    /// The authenticator, unless calls are anonymous.
    pub fn authenticator(&self) -> Option<&Arc<dyn Authenticator>> {
        self.checker.as_ref()
    }

    /// Whether `/metrics` is open.
    pub const fn metrics_open(&self) -> bool {
        self.metrics_open
    }

    /// The scope a request with `access` needs from its principal, or `None` when it needs none.
    pub fn needed(&self, access: Access) -> Option<Scope> {
        self.checker.as_ref()?;
        match access {
            Access::Open => None,
            Access::Scope(scope) => Some(scope),
            Access::AdminUnlessLoopback => (!self.metrics_open).then_some(Scope::Admin),
        }
    }
}

impl fmt::Debug for Authentication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authentication")
            .field("checked", &self.checker.is_some())
            .field("metrics_open", &self.metrics_open)
            .field("session_tokens", &self.session_tokens)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_and_print_as_configured() {
        let scopes = Scopes::parse("transfer, read").expect("valid scopes");
        assert!(scopes.contains(Scope::Read) && scopes.contains(Scope::Transfer));
        assert!(!scopes.contains(Scope::Admin));
        assert_eq!(scopes.to_string(), "read,transfer");
        assert!(matches!(Scopes::parse(""), Err(Error::UnknownScope { name }) if name.is_empty()));
        assert!(Scopes::parse("read,root").expect_err("unknown").to_string().contains("root"));
        assert!(Scope::parse("root").expect_err("unknown").to_string().contains("read, write, transfer"));
    }
}
