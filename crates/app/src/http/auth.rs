//! The layer that enforces [`crate::auth::ROUTES`] and the state's
//! [`crate::auth::policy::Policy`]: a route that needs a principal is served only to one the
//! policy admits; the principal rides on the request's extensions to the handlers, which record
//! its name as the actor of their audit events, and so does a marker when the policy
//! admits the principal to some objects only.
//!
//! Without credentials, or with unknown ones: 401 with `WWW-Authenticate: Bearer` and a problem
//! body; with a principal the policy refuses: 403 (naming the scope a service lacks). Open routes
//! never look at credentials.
//!
//! A service's own routes get the same with their own table ([`AuthLayer::with_routes`]): each
//! route names the scope it needs, and a handler finds who asks in [`Meta`](crate::http::headers::Meta)
//! (the principal's name, which the exactly-once runner keys idempotency records by) or, for its
//! kind and scopes, in `Option<axum::Extension<Principal>>` (none for anonymous calls). A route
//! missing from the table needs no principal.
//!
//! ```
//! use std::sync::Arc;
//!
//! use app::auth::keys::{ApiKeys, generate};
//! use app::auth::policy::ShopPolicy;
//! use app::auth::{Access, Authentication, Route, Scope, Scopes};
//! use app::http::auth::AuthLayer;
//! use axum::body::Body;
//! use axum::http::{Request, StatusCode};
//! use axum::{Router, routing::get};
//! use tower::ServiceExt as _;
//!
//! const STOCK_ROUTES: &[Route] =
//!     &[Route { name: "getStock", method: "GET", path: "/stock/{sku}", access: Access::Scope(Scope::Read) }];
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let (key, entry) = generate("warehouse", Scopes::parse("read")?)?;
//! let keys = Authentication::checked(ApiKeys::parse(&entry.to_string())?);
//! let stock: Router = Router::new()
//!     .route("/stock/{sku}", get(|| async { "12" }))
//!     .layer(AuthLayer::new(keys, Arc::new(ShopPolicy)).with_routes(STOCK_ROUTES));
//!
//! let anonymous = Request::get("/stock/MUG-1").body(Body::empty())?;
//! assert_eq!(stock.clone().oneshot(anonymous).await?.status(), StatusCode::UNAUTHORIZED);
//! let signed = Request::get("/stock/MUG-1").header("authorization", format!("Bearer {}", key.expose())).body(Body::empty())?;
//! assert_eq!(stock.oneshot(signed).await?.status(), StatusCode::OK);
//! # Ok(())
//! # }
//! ```

use std::convert::Infallible;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::http::request::Parts;
use axum::response::{IntoResponse as _, Response};
use futures::future::{BoxFuture, Either, Ready, ready};
use tower::{Layer, Service};

use crate::auth::policy::{Decision, Policy};
use crate::auth::{Authentication, Principal, ROUTES, Refusal, Route, Scope, find_in};
use crate::http::error::ApiError;

/// Marks a request whose principal the policy admitted to some objects only
/// ([`Decision::PerObject`]): the handler checks each object it touches.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ObjectChecks;

/// Applies [`Authenticate`]: see the module documentation.
#[derive(Clone)]
pub struct AuthLayer {
    authentication: Authentication,
    policy: Arc<dyn Policy>,
    routes: &'static [Route],
}

impl AuthLayer {
    /// Enforces `authentication` and `policy` on the shop's routes ([`ROUTES`]).
    pub fn new(authentication: Authentication, policy: Arc<dyn Policy>) -> Self {
        Self { authentication, policy, routes: ROUTES }
    }

    /// This layer enforcing the access of `routes` (a service's own table, its paths as the
    /// router sees them, a nesting prefix included or not) in place of the shop's.
    #[must_use]
    pub fn with_routes(mut self, routes: &'static [Route]) -> Self {
        self.routes = routes;
        self
    }
}

impl std::fmt::Debug for AuthLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthLayer").field("authentication", &self.authentication).finish_non_exhaustive()
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = Authenticate<S>;

    // The router applies its layers to each endpoint: each service sees one route template, so
    // the access it needs is looked up in the table once and kept.
    fn layer(&self, inner: S) -> Self::Service {
        Authenticate {
            inner,
            authentication: self.authentication.clone(),
            policy: Arc::clone(&self.policy),
            routes: self.routes,
            kept: Arc::default(),
        }
    }
}

/// The route the first request of an endpoint called, by its method and route template.
#[derive(Debug)]
struct Kept {
    method: Method,
    template: Arc<str>,
    route: Option<&'static Route>,
}

/// See the module documentation.
#[derive(Clone)]
pub struct Authenticate<S> {
    inner: S,
    authentication: Authentication,
    policy: Arc<dyn Policy>,
    routes: &'static [Route],
    kept: Arc<OnceLock<Kept>>,
}

impl<S: std::fmt::Debug> std::fmt::Debug for Authenticate<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticate").field("inner", &self.inner).finish_non_exhaustive()
    }
}

impl<S> Authenticate<S> {
    /// The route `method` on `template` calls: the kept answer when it is the endpoint's usual
    /// method and template, else a look-up in the table.
    fn route(&self, method: &Method, template: &str) -> Option<&'static Route> {
        let kept = self.kept.get_or_init(|| Kept {
            method: method.clone(),
            template: Arc::from(template),
            route: find_in(self.routes, method.as_str(), template),
        });
        if kept.method == *method && *kept.template == *template {
            kept.route
        } else {
            find_in(self.routes, method.as_str(), template)
        }
    }
}

/// An answer given in line (a refusal), the rest of the stack's own future, or an
/// authentication that waits.
type AuthFuture<F> =
    Either<Either<Ready<Result<Response, Infallible>>, F>, BoxFuture<'static, Result<Response, Infallible>>>;

impl<S> Service<Request> for Authenticate<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = AuthFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // Cheapest first: anonymous calls look nothing up.
        let Some(authenticator) = self.authentication.authenticator() else {
            return Either::Left(Either::Right(self.inner.call(request)));
        };
        let route =
            request.extensions().get::<MatchedPath>().and_then(|path| self.route(request.method(), path.as_str()));
        let Some((route, scope)) = route.and_then(|route| Some((route, self.authentication.needed(route.access)?)))
        else {
            return Either::Left(Either::Right(self.inner.call(request)));
        };
        let (parts, body) = request.into_parts();
        let judge = Judge { policy: Arc::clone(&self.policy), route, scope };
        match authenticator.authenticate_now(&parts) {
            Some(outcome) => match judge.admit(outcome, parts, body) {
                Ok(request) => Either::Left(Either::Right(self.inner.call(request))),
                Err(refusal) => Either::Left(Either::Left(ready(Ok(refusal.into_response())))),
            },
            None => {
                let authenticator = Arc::clone(authenticator);
                // The clone that was made ready serves this request; a fresh one waits for the next.
                let clone = self.inner.clone();
                let mut inner = std::mem::replace(&mut self.inner, clone);
                Either::Right(Box::pin(async move {
                    let outcome = authenticator.authenticate(&parts).await;
                    match judge.admit(outcome, parts, body) {
                        Ok(request) => inner.call(request).await,
                        Err(refusal) => Ok(refusal.into_response()),
                    }
                }))
            }
        }
    }
}

/// The policy's question for one request: may its principal call `route`, which needs `scope`
/// from a service?
struct Judge {
    policy: Arc<dyn Policy>,
    route: &'static Route,
    scope: Scope,
}

impl Judge {
    /// The request, with its principal (and [`ObjectChecks`] when the policy asks for them) in
    /// its extensions, when authentication gave a principal the policy admits; else the refusal
    /// to answer (401 without a principal, 503 when it could not be checked, 403 when refused).
    fn admit(&self, outcome: Result<Principal, Refusal>, mut parts: Parts, body: Body) -> Result<Request, ApiError> {
        let principal = outcome.map_err(ApiError::Unauthenticated)?;
        match self.policy.decide(&principal, self.route, self.scope) {
            Decision::Allow => {}
            Decision::PerObject => {
                parts.extensions.insert(ObjectChecks);
            }
            Decision::Refuse(Some(scope)) => return Err(ApiError::Forbidden(scope)),
            Decision::Refuse(None) => return Err(ApiError::NotForPrincipal),
        }
        parts.extensions.insert(principal);
        Ok(Request::from_parts(parts, body))
    }
}
