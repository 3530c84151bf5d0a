//! Authorization: what an authenticated principal may do, decided once per request (may it call
//! this route?) and once per object the request touches (is this wallet, feed or session one it
//! may act on?). [`Policy`] is the one place that decides; [`ShopPolicy`] is the shop's rule, and
//! an embedding service installs its own with [`crate::AppState::with_policy`].
//!
//! An object the principal may not act on is answered exactly as one that does not exist (404,
//! the same problem), so a user learns nothing about other users' ids.
//!
//! A policy of your own, here the shop's rule with transfers closed to end users:
//!
//! ```
//! use app::auth::policy::{Act, Decision, Object, Policy, ShopPolicy};
//! use app::auth::{Principal, PrincipalKind, Route, Scope};
//!
//! struct NoUserTransfers;
//!
//! impl Policy for NoUserTransfers {
//!     fn decide(&self, principal: &Principal, route: &Route, scope: Scope) -> Decision {
//!         match principal.kind() {
//!             PrincipalKind::User(_) if route.name == "createTransfer" => Decision::Refuse(None),
//!             _ => ShopPolicy.decide(principal, route, scope),
//!         }
//!     }
//!
//!     fn may(&self, principal: &Principal, act: Act, object: Object<'_>) -> bool {
//!         ShopPolicy.may(principal, act, object)
//!     }
//! }
//!
//! let repos = domain::Repositories::from_store(memory_store::MemoryStore::new());
//! let authentication = app::auth::Authentication::anonymous();
//! let state = app::AppState::new(repos, app::HttpSettings::default(), authentication)
//!     .with_policy(NoUserTransfers);
//! let _router = app::router(state);
//! ```

use domain::UserId;
use domain::session::Session;
use domain::wallet::Wallet;

use crate::auth::{Principal, PrincipalKind, Route, Scope};

/// The answer for a route, before anything is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The principal may call the route on any object: no object is checked.
    Allow,
    /// The principal may call the route on the objects [`Policy::may`] admits; every other
    /// object is answered 404, as if it did not exist.
    PerObject,
    /// Refused, 403: naming the scope the principal lacks, or none (the route is not for this
    /// kind of principal).
    Refuse(Option<Scope>),
}

/// What a request does to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Reads it (a wallet and its ledger, a feed, a session, a transfer through its wallets).
    Read,
    /// Replaces it (a feed).
    Write,
    /// Debits it: the source wallet of a transfer.
    Debit,
    /// Ends it (a session).
    End,
}

/// An object a request acts on, as the handler has read it.
#[derive(Debug, Clone, Copy)]
pub enum Object<'a> {
    /// A wallet.
    Wallet(&'a Wallet),
    /// The feed of this user.
    Feed(UserId),
    /// A live session.
    Session(&'a Session),
}

/// Decides what principals may do. The router calls [`Policy::decide`] for every authenticated
/// request to a route that needs a principal, and the handlers call [`Policy::may`] for each
/// object when the decision was [`Decision::PerObject`]. Anonymous calls (a service started
/// without keys) are never judged.
pub trait Policy: Send + Sync + 'static {
    /// Whether `principal` may call `route`, which needs `scope` from a service.
    fn decide(&self, principal: &Principal, route: &Route, scope: Scope) -> Decision;

    /// Whether `principal` may `act` on `object`; `false` is answered 404.
    fn may(&self, principal: &Principal, act: Act, object: Object<'_>) -> bool;
}

/// Routes an end user may call on their own objects only.
const USER_OWNED: &[&str] =
    &["getWallet", "getLedger", "createTransfer", "getTransfer", "getFeed", "putFeed", "getSession", "deleteSession"];

/// Routes an end user may call on anything: the public catalogue, which holds no one's data and
/// which a feed's product ids point into.
const USER_OPEN: &[&str] = &["listProducts", "getProduct", "getCategoryStats"];

/// The shop's rule (docs/authentication.md has it as a table):
///
/// - a service (an API key) may call every route its scopes allow, on any object;
/// - an end user (a session) may read their wallets and their ledgers, transfer from their
///   wallets (to any wallet), read a transfer one of whose wallets is theirs, read and replace
///   their feed, read and end their sessions, and read the catalogue; every other route is 403.
///
/// A wallet is a user's when its `owner` is exactly the user's id (the lower-case hyphenated
/// UUID, as `POST /v1/sessions` takes it): a service opens a user's wallet with that owner. A
/// user cannot open wallets, start sessions or change products.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShopPolicy;

impl Policy for ShopPolicy {
    fn decide(&self, principal: &Principal, route: &Route, scope: Scope) -> Decision {
        match principal.kind() {
            PrincipalKind::Service if principal.scopes().contains(scope) => Decision::Allow,
            PrincipalKind::Service => Decision::Refuse(Some(scope)),
            PrincipalKind::User(_) if USER_OWNED.contains(&route.name) => Decision::PerObject,
            PrincipalKind::User(_) if USER_OPEN.contains(&route.name) => Decision::Allow,
            PrincipalKind::User(_) => Decision::Refuse(None),
        }
    }

    fn may(&self, principal: &Principal, _act: Act, object: Object<'_>) -> bool {
        let PrincipalKind::User(user) = principal.kind() else { return true };
        match object {
            Object::Wallet(wallet) => owns(user, wallet),
            Object::Feed(owner) => owner == user,
            Object::Session(session) => session.user_id == user,
        }
    }
}

/// Whether `wallet` belongs to `user`: its owner is the user's id, in its canonical text form.
pub fn owns(user: UserId, wallet: &Wallet) -> bool {
    wallet.owner.as_str() == user.to_string()
}

#[cfg(test)]
mod tests;
