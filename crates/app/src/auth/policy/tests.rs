use domain::session::{Session, SessionTtl};
use domain::wallet::{NewWallet, Owner};
use domain::{Currency, Money, Timestamp, UserId};

use super::*;
use crate::auth::{Access, ROUTES, Scopes, find_route};

fn route(name: &str) -> &'static Route {
    ROUTES.iter().find(|route| route.name == name).expect("a route of the table")
}

fn scope_of(route: &Route) -> Scope {
    match route.access {
        Access::Scope(scope) => scope,
        Access::Open | Access::AdminUnlessLoopback => Scope::Admin,
    }
}

fn wallet_of(owner: &str) -> Wallet {
    let money = Money::new("opening_balance_minor", 100, Currency::parse("EUR").expect("a currency")).expect("money");
    NewWallet { owner: Owner::parse(owner).expect("an owner"), opening_balance: money }.into_wallet(Timestamp::now())
}

#[test]
fn every_route_the_policy_names_exists() {
    for name in USER_OWNED.iter().chain(USER_OPEN) {
        assert!(ROUTES.iter().any(|route| route.name == *name), "{name} is not a route");
    }
}

#[test]
fn a_service_gets_what_its_scopes_allow_on_every_object() {
    let service = Principal::new("billing", [Scope::Read].into_iter().collect()).expect("a principal");
    let read = route("getWallet");
    assert_eq!(ShopPolicy.decide(&service, read, scope_of(read)), Decision::Allow);
    let transfer = route("createTransfer");
    assert_eq!(ShopPolicy.decide(&service, transfer, Scope::Transfer), Decision::Refuse(Some(Scope::Transfer)));
    assert!(ShopPolicy.may(&service, Act::Debit, Object::Wallet(&wallet_of("Ada Lovelace"))));
}

#[test]
fn a_user_calls_only_their_routes_and_never_the_service_routes() {
    let user = Principal::user(UserId::new());
    for route in ROUTES.iter().filter(|route| route.access != Access::Open) {
        let decision = ShopPolicy.decide(&user, route, scope_of(route));
        let expected = match route.name {
            "listProducts" | "getProduct" | "getCategoryStats" => Decision::Allow,
            "getWallet" | "getLedger" | "createTransfer" | "getTransfer" | "getFeed" | "putFeed" | "getSession"
            | "deleteSession" => Decision::PerObject,
            _ => Decision::Refuse(None),
        };
        assert_eq!(decision, expected, "{} {}", route.method, route.path);
    }
    let admin = find_route("GET", "/v1/audit").expect("the audit route");
    assert_eq!(ShopPolicy.decide(&user, admin, Scope::Admin), Decision::Refuse(None));
    // A user holds no scope, so a route refused to users cannot be reached through one.
    assert_eq!(user.scopes(), Scopes::default());
}

#[test]
fn a_user_acts_only_on_their_own_wallets_feed_and_sessions() {
    let (ada, bob) = (UserId::new(), UserId::new());
    let principal = Principal::user(ada);
    let mine = wallet_of(&ada.to_string());
    let theirs = wallet_of(&bob.to_string());
    for act in [Act::Read, Act::Debit] {
        assert!(ShopPolicy.may(&principal, act, Object::Wallet(&mine)));
        assert!(!ShopPolicy.may(&principal, act, Object::Wallet(&theirs)));
    }
    // The owner must be the id itself: a name, or the id in another spelling, is not the user.
    assert!(!ShopPolicy.may(&principal, Act::Read, Object::Wallet(&wallet_of("Ada Lovelace"))));
    let upper = wallet_of(&ada.to_string().to_uppercase());
    assert!(!ShopPolicy.may(&principal, Act::Read, Object::Wallet(&upper)));

    assert!(ShopPolicy.may(&principal, Act::Write, Object::Feed(ada)));
    assert!(!ShopPolicy.may(&principal, Act::Read, Object::Feed(bob)));

    let ttl = SessionTtl::from_seconds(60).expect("a lifetime");
    let (_, own) = Session::issue(ada, ttl, Timestamp::now());
    let (_, other) = Session::issue(bob, ttl, Timestamp::now());
    assert!(ShopPolicy.may(&principal, Act::End, Object::Session(&own)));
    assert!(!ShopPolicy.may(&principal, Act::End, Object::Session(&other)));
}
