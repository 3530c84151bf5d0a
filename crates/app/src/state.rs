//! What every handler shares.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

use domain::Repositories;

use crate::auth::Authentication;
use crate::auth::policy::{Policy, ShopPolicy};

/// Limits the HTTP layer enforces on every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpSettings {
    /// Largest request body accepted, in bytes; larger bodies are answered with 413.
    pub body_limit_bytes: usize,
    /// Time budget of one request; a request still running after it is answered with 503.
    pub request_timeout: Duration,
    /// How long a request body may take to arrive whole, from the request's start; a body still
    /// arriving after it is answered with 408. Shorter than `request_timeout`, or the budget
    /// answers 503 first.
    pub body_read_timeout: Duration,
    /// Longest request target (path and query) accepted, in bytes; longer ones are answered with
    /// 414. The HTTP server refuses targets above 65,534 bytes itself, with an empty body.
    pub max_uri_bytes: usize,
    /// Largest header section accepted (each header counted as name, value and 4 bytes of
    /// separators), in bytes; larger ones are answered with 431. The HTTP server refuses heads
    /// above about 400 KiB, or with more than 100 headers, itself, with an empty body.
    pub max_header_bytes: usize,
}

impl HttpSettings {
    /// Default body limit: 64 KiB, far above any legitimate body of this API.
    pub const DEFAULT_BODY_LIMIT_BYTES: usize = 64 * 1024;
    /// Default time budget of a request.
    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_millis(5000);
    /// Default body read time-out: 3 s, within the default request budget; a 64 KiB body then
    /// needs about 22 kB/s.
    pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_millis(3000);
    /// Default request target limit: 8 KiB, what common proxies allow, far above any URL of this
    /// API.
    pub const DEFAULT_MAX_URI_BYTES: usize = 8 * 1024;
    /// Default header section limit: 32 KiB.
    pub const DEFAULT_MAX_HEADER_BYTES: usize = 32 * 1024;
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            body_limit_bytes: Self::DEFAULT_BODY_LIMIT_BYTES,
            request_timeout: Self::DEFAULT_REQUEST_TIMEOUT,
            body_read_timeout: Self::DEFAULT_BODY_READ_TIMEOUT,
            max_uri_bytes: Self::DEFAULT_MAX_URI_BYTES,
            max_header_bytes: Self::DEFAULT_MAX_HEADER_BYTES,
        }
    }
}

/// The state behind the router: the ports (as shared trait objects), the HTTP settings and the
/// authentication and authorization, read and set through [`Deref`] and [`DerefMut`]
/// (`state.repos`, `state.settings`, `state.authentication`, `state.policy`).
///
/// One `Arc` around both: axum clones the state for every request (the handler's service, then
/// the `State` extractor), and one reference count shared by every worker thread costs less than
/// one per port.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What [`AppState`] holds.
#[derive(Clone)]
pub struct Shared {
    /// The ports the handlers call.
    pub repos: Repositories,
    /// Limits applied by the router's middleware.
    pub settings: HttpSettings,
    /// Who may call which route: API keys, an embedder's own authenticator, or anonymous calls.
    pub authentication: Authentication,
    /// What each principal may do, per route and per object: [`ShopPolicy`] unless the
    /// embedding service installs its own ([`AppState::with_policy`]).
    pub policy: Arc<dyn Policy>,
    /// What `/metrics` answers, when the process installed a recorder and passed its rendering
    /// ([`AppState::with_metrics`]); without it `/metrics` answers 404. The router installs
    /// nothing itself: a service embedding it keeps its own recorder and background tasks.
    pub metrics: Option<RenderMetrics>,
}

/// Renders the process's metrics in the Prometheus text format, for `/metrics`: for example
/// `move || handle.render()` over a `metrics_exporter_prometheus::PrometheusHandle`. A function
/// rather than the exporter's handle, so that the library does not depend on one exporter.
pub type RenderMetrics = Arc<dyn Fn() -> String + Send + Sync>;

impl AppState {
    /// State serving `repos` with `settings`, enforcing `authentication` and the shop's
    /// authorization ([`ShopPolicy`]), without `/metrics`.
    pub fn new(repos: Repositories, settings: HttpSettings, authentication: Authentication) -> Self {
        let policy: Arc<dyn Policy> = Arc::new(ShopPolicy);
        Self(Arc::new(Shared { repos, settings, authentication, policy, metrics: None }))
    }

    /// This state deciding what principals may do with `policy` instead of [`ShopPolicy`].
    #[must_use]
    pub fn with_policy(mut self, policy: impl Policy) -> Self {
        self.policy = Arc::new(policy);
        self
    }

    /// This state with `/metrics` answering what `render` returns, in the Prometheus text format
    /// (with `metrics-exporter-prometheus`: `move || handle.render()`). Install the recorder
    /// before the router serves: `render` only reads it, and what was recorded before it was
    /// installed is lost.
    #[must_use]
    pub fn with_metrics(mut self, render: impl Fn() -> String + Send + Sync + 'static) -> Self {
        self.metrics = Some(Arc::new(render));
        self
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl DerefMut for AppState {
    // Copy on write: a router already serving this state keeps what it was given.
    fn deref_mut(&mut self) -> &mut Shared {
        Arc::make_mut(&mut self.0)
    }
}
