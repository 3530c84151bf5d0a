//! The layer that enforces [`crate::auth::ROUTES`]: a route that needs a scope is served only to a
//! principal holding it; the principal rides on the request's extensions to the handlers, which
//! record its name as the actor of their audit events.
//!
//! Without credentials, or with unknown ones: 401 with `WWW-Authenticate: Bearer` and a problem
//! body; with a principal lacking the scope: 403 naming the scope. Open routes never look at
//! credentials.

use std::convert::Infallible;
use std::task::{Context, Poll};

use axum::extract::{MatchedPath, Request};
use axum::response::{IntoResponse as _, Response};
use futures::future::BoxFuture;
use tower::{Layer, Service};

use crate::auth::{Authentication, required_access};
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

    fn layer(&self, inner: S) -> Self::Service {
        Authenticate { inner, authentication: self.authentication.clone() }
    }
}

/// See the module documentation.
#[derive(Debug, Clone)]
pub struct Authenticate<S> {
    inner: S,
    authentication: Authentication,
}

impl<S> Service<Request> for Authenticate<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let route = request.extensions().get::<MatchedPath>().map(|path| path.as_str().to_owned());
        let access = route.and_then(|path| required_access(request.method().as_str(), &path));
        let needed = access.and_then(|access| self.authentication.needed(access));
        let (Some(scope), Some(authenticator)) = (needed, self.authentication.authenticator().cloned()) else {
            return Box::pin(self.inner.call(request));
        };
        // The clone that was made ready serves this request; a fresh one waits for the next.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let principal = match authenticator.authenticate(&parts).await {
                Ok(principal) => principal,
                Err(refusal) => return Ok(ApiError::Unauthenticated(refusal).into_response()),
            };
            if !principal.scopes().contains(scope) {
                return Ok(ApiError::Forbidden(scope).into_response());
            }
            parts.extensions.insert(principal);
            inner.call(Request::from_parts(parts, body)).await
        })
    }
}
