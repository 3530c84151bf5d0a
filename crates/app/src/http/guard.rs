//! [`Guard`]: the handlers' side of the authorization policy. When the policy admitted the
//! request's principal to some objects only ([`ObjectChecks`]), each object the handler touches is
//! put to [`Policy::may`], and a refused one is answered exactly as a missing one (404, the same
//! problem), so ids are never confirmed. Otherwise nothing is checked and nothing extra is read.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use domain::{Error, TransferError, WalletId};

use crate::auth::Principal;
use crate::auth::policy::{Act, Object, Policy};
use crate::http::auth::ObjectChecks;
use crate::http::error::ApiError;
use crate::state::AppState;

/// See the module documentation.
pub(crate) struct Guard {
    checks: Option<(Principal, Arc<dyn Policy>)>,
}

impl FromRequestParts<AppState> for Guard {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let principal = parts.extensions.get::<ObjectChecks>().and_then(|_| parts.extensions.get::<Principal>());
        Ok(Self { checks: principal.map(|principal| (principal.clone(), Arc::clone(&state.policy))) })
    }
}

impl Guard {
    /// Whether objects are checked for this request: only then does a handler read an object it
    /// would not read otherwise.
    pub(crate) fn checks(&self) -> bool {
        self.checks.is_some()
    }

    /// Whether the request may `act` on `object`.
    pub(crate) fn may(&self, act: Act, object: Object<'_>) -> bool {
        self.checks.as_ref().is_none_or(|(principal, policy)| policy.may(principal, act, object))
    }

    /// `Ok` when the request may `act` on `object`, else `hidden`: the answer of a missing one.
    pub(crate) fn check(&self, act: Act, object: Object<'_>, hidden: impl FnOnce() -> Error) -> Result<(), ApiError> {
        if self.may(act, object) { Ok(()) } else { Err(hidden().into()) }
    }

    /// When objects are checked, reads wallet `id` and checks it: a wallet the request may not
    /// `act` on is answered as a missing one. One extra read, only for such requests.
    pub(crate) async fn wallet(&self, state: &AppState, act: Act, id: WalletId) -> Result<(), ApiError> {
        if !self.checks() {
            return Ok(());
        }
        let wallet = state.repos.wallets.get(id).await?;
        self.check(act, Object::Wallet(&wallet), || Error::not_found("wallet", id))
    }

    /// When objects are checked, reads the source wallet `from` of a transfer and checks that the
    /// request may debit it: one that may not is answered as a transfer from a missing wallet.
    pub(crate) async fn transfer_source(&self, state: &AppState, from: WalletId) -> Result<(), ApiError> {
        if !self.checks() {
            return Ok(());
        }
        let unknown = || ApiError::Transfer(TransferError::UnknownWallet(from));
        match state.repos.wallets.get(from).await {
            Ok(wallet) if self.may(Act::Debit, Object::Wallet(&wallet)) => Ok(()),
            Ok(_) | Err(Error::NotFound { .. }) => Err(unknown()),
            Err(error) => Err(error.into()),
        }
    }
}
