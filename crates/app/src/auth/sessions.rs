//! End users' session tokens as bearer credentials: [`SessionTokens`] answers a request whose
//! credential has the shape of a session token with the principal of the session's user, and
//! hands every other request to the service authenticator it wraps.
//!
//! The two formats cannot be confused: a session token is exactly 43 characters of URL-safe
//! base64 (32 random bytes), an API key is `shop_` followed by 43 such characters (48 in all).
//! So a credential is looked up as a session only when it has the token's exact shape, and API
//! keys keep their in-line, constant-time check. A session token is looked up by its SHA-256
//! hash, the only form a store keeps, so the lookup time says nothing about the token.

use std::sync::Arc;

use async_trait::async_trait;
use axum::http::request::Parts;
use domain::SessionRepository;
use domain::session::SessionToken;

use crate::auth::keys::bearer;
use crate::auth::{Authenticator, Principal, Refusal};

/// Session tokens first, then the wrapped authenticator; see the module documentation.
pub struct SessionTokens {
    sessions: Arc<dyn SessionRepository>,
    inner: Arc<dyn Authenticator>,
}

impl SessionTokens {
    /// Accepts the live sessions of `sessions`, and whatever `inner` accepts.
    pub fn new(sessions: Arc<dyn SessionRepository>, inner: Arc<dyn Authenticator>) -> Self {
        Self { sessions, inner }
    }
}

/// The session token `request` presents, if its bearer credential has a token's shape.
fn session_token(request: &Parts) -> Option<SessionToken> {
    bearer(request).ok().and_then(|credential| SessionToken::parse(credential).ok())
}

#[async_trait]
impl Authenticator for SessionTokens {
    async fn authenticate(&self, request: &Parts) -> Result<Principal, Refusal> {
        let Some(token) = session_token(request) else { return self.inner.authenticate(request).await };
        match self.sessions.find(&token.hash()).await {
            Ok(session) => Ok(Principal::user(session.user_id)),
            // Unknown and expired tokens read alike, as the store answers both.
            Err(domain::Error::NotFound { .. }) => Err(Refusal::Invalid),
            Err(_) => Err(Refusal::Unavailable),
        }
    }

    // Only a session needs the store; every other credential is answered as the wrapped
    // authenticator answers it, in line where it can.
    fn authenticate_now(&self, request: &Parts) -> Option<Result<Principal, Refusal>> {
        if session_token(request).is_some() { None } else { self.inner.authenticate_now(request) }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{Request, header};
    use domain::ports::MockSessionRepository;
    use domain::session::{Session, SessionTtl};
    use domain::{Timestamp, UserId};

    use super::*;
    use crate::auth::keys::{ApiKeys, generate};
    use crate::auth::{PrincipalKind, Scopes};

    fn parts(credential: &str) -> Parts {
        let request = Request::builder().header(header::AUTHORIZATION, format!("Bearer {credential}"));
        request.body(()).expect("a request").into_parts().0
    }

    #[tokio::test]
    async fn a_live_session_is_its_user_and_an_api_key_stays_a_key() {
        let user = UserId::new();
        let ttl = SessionTtl::from_seconds(60).expect("a lifetime");
        let (token, session) = Session::issue(user, ttl, Timestamp::now());
        let hash = token.hash();
        let mut sessions = MockSessionRepository::new();
        sessions.expect_find().returning(move |asked| {
            if *asked == hash { Ok(session.clone()) } else { Err(domain::Error::session_not_found()) }
        });
        let (key, entry) = generate("billing", Scopes::all()).expect("a key");
        let keys = ApiKeys::parse(&entry.to_string()).expect("parses");
        let tokens = SessionTokens::new(Arc::new(sessions), Arc::new(keys));

        let principal = tokens.authenticate(&parts(token.expose())).await.expect("the session authenticates");
        assert_eq!(principal.kind(), PrincipalKind::User(user));
        assert!(tokens.authenticate_now(&parts(token.expose())).is_none(), "a session needs the store");
        let service = tokens.authenticate_now(&parts(key.expose())).expect("keys answer in line");
        assert_eq!(service.expect("the key authenticates").name(), "billing");
        let unknown = SessionToken::generate();
        assert_eq!(tokens.authenticate(&parts(unknown.expose())).await, Err(Refusal::Invalid));
    }

    #[tokio::test]
    async fn a_store_that_does_not_answer_is_not_a_wrong_token() {
        let mut sessions = MockSessionRepository::new();
        sessions.expect_find().returning(|_| Err(domain::Error::Unavailable("down".into())));
        let tokens = SessionTokens::new(Arc::new(sessions), Arc::new(ApiKeys::default()));
        let token = SessionToken::generate();
        assert_eq!(tokens.authenticate(&parts(token.expose())).await, Err(Refusal::Unavailable));
    }
}
