//! The layer that enforces [`crate::auth::ROUTES`]: a route that needs a scope is served only to a
//! principal holding it; the principal rides on the request's extensions to the handlers, which
//! record its name as the actor of their audit events.
//!
//! Without credentials, or with unknown ones: 401 with `WWW-Authenticate: Bearer` and a problem
//! body; with a principal lacking the scope: 403 naming the scope. Open routes never look at
//! credentials.

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

use crate::auth::{Access, Authentication, Principal, Refusal, Scope, required_access};
use crate::http::error::ApiError;

/// Applies [`Authenticate`].
#[derive(Debug, Clone)]
pub struct AuthLayer {
    authentication: Authentication,
}

impl AuthLayer {
    /// Enforces `authentication` on every route.
    pub fn new(authentication: Authentication) -> Self {
        Self { authentication }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = Authenticate<S>;

    // The router applies its layers to each endpoint: each service sees one route template, so
    // the access it needs is looked up in the table once and kept.
    fn layer(&self, inner: S) -> Self::Service {
        Authenticate { inner, authentication: self.authentication.clone(), kept: Arc::default() }
    }
}

/// The access the first request of an endpoint needed, by its method and route template.
#[derive(Debug)]
struct Kept {
    method: Method,
    route: Arc<str>,
    access: Option<Access>,
}

/// See the module documentation.
#[derive(Debug, Clone)]
pub struct Authenticate<S> {
    inner: S,
    authentication: Authentication,
    kept: Arc<OnceLock<Kept>>,
}

impl<S> Authenticate<S> {
    /// The access `method` on `route` needs: the kept answer when it is the endpoint's usual
    /// method and template, else a look-up in the table.
    fn access(&self, method: &Method, route: &str) -> Option<Access> {
        let kept = self.kept.get_or_init(|| Kept {
            method: method.clone(),
            route: Arc::from(route),
            access: required_access(method.as_str(), route),
        });
        if kept.method == *method && *kept.route == *route {
            kept.access
        } else {
            required_access(method.as_str(), route)
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
        let access =
            request.extensions().get::<MatchedPath>().and_then(|path| self.access(request.method(), path.as_str()));
        let Some(scope) = access.and_then(|access| self.authentication.needed(access)) else {
            return Either::Left(Either::Right(self.inner.call(request)));
        };
        let (parts, body) = request.into_parts();
        match authenticator.authenticate_now(&parts) {
            Some(outcome) => match admit(outcome, scope, parts, body) {
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
                    match admit(outcome, scope, parts, body) {
                        Ok(request) => inner.call(request).await,
                        Err(refusal) => Ok(refusal.into_response()),
                    }
                }))
            }
        }
    }
}

/// The request, with its principal in its extensions, when authentication gave one holding
/// `scope`; else the refusal to answer (401 without a principal, 403 without the scope).
fn admit(outcome: Result<Principal, Refusal>, scope: Scope, mut parts: Parts, body: Body) -> Result<Request, ApiError> {
    let principal = outcome.map_err(ApiError::Unauthenticated)?;
    if !principal.scopes().contains(scope) {
        return Err(ApiError::Forbidden(scope));
    }
    parts.extensions.insert(principal);
    Ok(Request::from_parts(parts, body))
}
