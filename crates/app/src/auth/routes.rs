//! The table of the access each route of the API needs ([`ROUTES`]), and the look-ups the
//! router, the OpenAPI document and an embedder's own layer share.

use crate::auth::Scope;

/// What a route needs from its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone may call it (health, readiness, the OpenAPI document).
    Open,
    /// A principal holding this scope.
    Scope(Scope),
    /// `/metrics`: open when the service is bound to a loopback address (only local scrapers
    /// reach it), else the `admin` scope.
    AdminUnlessLoopback,
}

/// One route of the API and the access it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The operation's name (its OpenAPI `operationId`).
    pub name: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template, as the router and the OpenAPI document spell it.
    pub path: &'static str,
    /// What the caller needs.
    pub access: Access,
}

const fn route(name: &'static str, method: &'static str, path: &'static str, access: Access) -> Route {
    Route { name, method, path, access }
}

const READ: Access = Access::Scope(Scope::Read);
const WRITE: Access = Access::Scope(Scope::Write);
const SESSIONS: Access = Access::Scope(Scope::Sessions);

/// Every route of the API with the access it needs. A test checks that it lists exactly the
/// routes of the OpenAPI document.
pub const ROUTES: &[Route] = &[
    route("createProduct", "POST", "/v1/products", WRITE),
    route("listProducts", "GET", "/v1/products", READ),
    route("getProduct", "GET", "/v1/products/{id}", READ),
    route("updateProduct", "PUT", "/v1/products/{id}", WRITE),
    route("deleteProduct", "DELETE", "/v1/products/{id}", WRITE),
    route("getCategoryStats", "GET", "/v1/categories/{category}/stats", READ),
    route("createWallet", "POST", "/v1/wallets", WRITE),
    route("getWallet", "GET", "/v1/wallets/{id}", READ),
    route("getLedger", "GET", "/v1/wallets/{id}/ledger", READ),
    route("createTransfer", "POST", "/v1/transfers", Access::Scope(Scope::Transfer)),
    route("getTransfer", "GET", "/v1/transfers/{id}", READ),
    route("listAudit", "GET", "/v1/audit", Access::Scope(Scope::Admin)),
    route("createSession", "POST", "/v1/sessions", SESSIONS),
    route("getSession", "GET", "/v1/sessions/{token}", SESSIONS),
    route("deleteSession", "DELETE", "/v1/sessions/{token}", SESSIONS),
    route("putFeed", "PUT", "/v1/feeds/{user_id}", WRITE),
    route("getFeed", "GET", "/v1/feeds/{user_id}", READ),
    route("healthz", "GET", "/healthz", Access::Open),
    route("readyz", "GET", "/readyz", Access::Open),
    route("openapi", "GET", "/openapi.json", Access::Open),
    route("metrics", "GET", "/metrics", Access::AdminUnlessLoopback),
];

/// The access `method` on the route template `path` needs; `None` for a method and path no route
/// serves (the router answers those with 404 or 405). `HEAD` needs what `GET` needs.
///
/// A router nested under a prefix (`Router::nest("/shop", app::router(state))`) sees templates
/// such as `/shop/v1/products`: the route is the one whose template ends the path at a segment
/// boundary (the longest such, so `/v1/wallets/{id}/ledger` is never read as `/v1/wallets/{id}`).
pub fn required_access(method: &str, path: &str) -> Option<Access> {
    find_route(method, path).map(|route| route.access)
}

/// The route of [`ROUTES`] that serves `method` on the path template `path`, found as
/// [`required_access`] finds it.
pub fn find_route(method: &str, path: &str) -> Option<&'static Route> {
    find_in(ROUTES, method, path)
}

/// The route of `table` that serves `method` on the path template `path`, found as
/// [`find_route`] finds it in [`ROUTES`].
pub(crate) fn find_in<'t>(table: &'t [Route], method: &str, path: &str) -> Option<&'t Route> {
    let method = if method == "HEAD" { "GET" } else { method };
    table
        .iter()
        .filter(|route| route.method == method)
        .filter(|route| {
            path.strip_suffix(route.path).is_some_and(|prefix| prefix.is_empty() || prefix.starts_with('/'))
        })
        .max_by_key(|route| route.path.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_v1_route_needs_a_scope_and_only_operations_are_open() {
        for route in ROUTES {
            let open = matches!(route.access, Access::Open | Access::AdminUnlessLoopback);
            assert_eq!(open, !route.path.starts_with("/v1/"), "{} {}", route.method, route.path);
        }
        assert_eq!(required_access("HEAD", "/v1/products"), Some(READ));
        assert_eq!(required_access("PATCH", "/v1/products"), None);
        assert_eq!(required_access("POST", "/shop/v1/transfers"), Some(Access::Scope(Scope::Transfer)));
        assert_eq!(required_access("GET", "/shop/v1/audit"), Some(Access::Scope(Scope::Admin)));
        assert_eq!(required_access("GET", "/x/v1/wallets/{id}/ledger"), Some(READ));
        assert_eq!(required_access("GET", "/shopv1/audit"), None);
    }
}
