//! [`Principal`]: who a request authenticated as, a service (an API key, or an embedder's own
//! credential) or an end user (a session token).

use std::fmt;
use std::sync::Arc;

use domain::UserId;

use crate::Error;
use crate::auth::Scopes;

/// What kind of caller a principal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    /// A service: an API key's holder, allowed what its scopes allow.
    Service,
    /// An end user, authenticated by one of their sessions: allowed what the
    /// [`crate::auth::policy::Policy`] grants users, on their own objects.
    User(UserId),
}

/// Who a request authenticated as. Cloning it (once per authenticated request) shares the name.
#[derive(Clone, PartialEq, Eq)]
pub struct Principal {
    name: Arc<str>,
    scopes: Scopes,
    kind: PrincipalKind,
}

/// What a user principal's name starts with. Service names cannot hold `:`, so no API key can
/// be named like a user: the audit log and the idempotency keys of the two never mix.
pub const USER_PREFIX: &str = "user:";

impl Principal {
    /// A service principal named `name` holding `scopes`.
    ///
    /// # Errors
    /// [`Error::PrincipalName`] when `name` is not 1–64 ASCII letters, digits, `-`, `_`, `.` or
    /// `@` (it is written to the audit log and to configuration lines).
    pub fn new(name: &str, scopes: Scopes) -> Result<Self, Error> {
        if is_name(name) {
            Ok(Self { name: Arc::from(name), scopes, kind: PrincipalKind::Service })
        } else {
            Err(Error::PrincipalName { name: name.to_owned() })
        }
    }

    /// The end user `user_id`, named `user:<id>` (the actor of their audited changes). A user
    /// holds no scope: the policy decides what users may do.
    pub fn user(user_id: UserId) -> Self {
        Self {
            name: Arc::from(format!("{USER_PREFIX}{user_id}")),
            scopes: Scopes::default(),
            kind: PrincipalKind::User(user_id),
        }
    }

    /// The name recorded as the actor of every audited change the principal makes, and the
    /// owner of its idempotency keys.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the principal may do, when it is a service.
    pub const fn scopes(&self) -> Scopes {
        self.scopes
    }

    /// A service or an end user.
    pub const fn kind(&self) -> PrincipalKind {
        self.kind
    }
}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Principal").field("name", &self.name).field("scopes", &self.scopes).finish()
    }
}

/// Whether `raw` can name a service principal.
pub fn is_name(raw: &str) -> bool {
    (1..=64).contains(&raw.len())
        && raw.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'@'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_is_named_by_their_id_and_no_service_can_take_that_name() {
        let user = UserId::new();
        let principal = Principal::user(user);
        assert_eq!(principal.name(), format!("user:{user}"));
        assert_eq!(principal.kind(), PrincipalKind::User(user));
        assert_eq!(principal.scopes(), Scopes::default());
        assert!(Principal::new(principal.name(), Scopes::all()).is_err());
        assert_eq!(Principal::new("billing", Scopes::all()).expect("a name").kind(), PrincipalKind::Service);
    }
}
