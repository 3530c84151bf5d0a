//! The decision table, row by row, and the fingerprints of the create commands.

use super::*;
use crate::Money;
use crate::money::Currency;
use crate::product::{Category, ProductName, Sku};
use crate::wallet::Owner;

fn record(fingerprint: &str, response: Option<u8>, expires_in_millis: i64) -> Record<u8> {
    Record { fingerprint: fingerprint.to_owned(), response, expires_at: now().plus_millis(expires_in_millis) }
}

fn now() -> Timestamp {
    Timestamp::from_millis(1_700_000_000_000).expect("a valid instant")
}

#[test]
fn the_decision_table_holds_row_by_row() {
    assert_eq!(decide::<u8>(None, "a", now()), Decision::Apply);
    assert_eq!(decide(Some(record("a", Some(7), 0)), "a", now()), Decision::ClearThenApply);
    assert_eq!(decide(Some(record("b", None, -1)), "a", now()), Decision::ClearThenApply);
    assert_eq!(decide(Some(record("a", Some(7), 1)), "a", now()), Decision::Replay(7));
    assert_eq!(decide(Some(record("b", Some(7), 1)), "a", now()), Decision::Refuse(KeyConflict::Reused));
    assert_eq!(decide(Some(record("a", None, 1)), "a", now()), Decision::Refuse(KeyConflict::InFlight));
    assert_eq!(decide(Some(record("b", None, 1)), "a", now()), Decision::Refuse(KeyConflict::Reused));
}

#[test]
fn a_completed_record_expires_after_its_lifetime_and_then_frees_the_key() {
    let lifetime = KeyLifetime::from_seconds(60).expect("a valid lifetime");
    let record = Record::completed("a".to_owned(), 7_u8, now(), lifetime);

    assert_eq!(record.expires_at, now().plus_millis(60_000));
    assert_eq!(decide(Some(record.clone()), "a", now().plus_millis(59_999)), Decision::Replay(7));
    assert_eq!(decide(Some(record), "a", now().plus_millis(60_000)), Decision::ClearThenApply);
}

#[test]
fn key_lifetimes_are_bounded_and_default_to_a_day() {
    assert_eq!(KeyLifetime::default().as_duration(), std::time::Duration::from_secs(86_400));
    assert!(KeyLifetime::from_seconds(0).is_err());
    assert!(KeyLifetime::from_seconds(1).is_ok());
    assert!(KeyLifetime::from_seconds(365 * 86_400).is_ok());
    assert_eq!(KeyLifetime::from_seconds(365 * 86_400 + 1).map_err(|e| e.field), Err("idempotency_ttl".to_owned()));
}

#[test]
fn scopes_have_distinct_names() {
    let names = [Scope::Transfer, Scope::WalletCreate, Scope::ProductCreate, Scope::SessionCreate].map(Scope::as_str);
    let unique: std::collections::HashSet<_> = names.iter().collect();
    assert_eq!(unique.len(), names.len());
    assert_eq!(Scope::Transfer.as_str(), "transfer", "stored transfer records keep their scope");
}

fn wallet(owner: &str, minor: i64) -> NewWallet {
    let eur = Currency::parse("EUR").expect("valid currency");
    NewWallet {
        owner: Owner::parse(owner).expect("valid owner"),
        opening_balance: Money::new("opening_balance_minor", minor, eur).expect("valid money"),
    }
}

#[test]
fn wallet_fingerprints_depend_on_every_field() {
    let base = wallet_fingerprint(&wallet("alice", 100));
    assert_eq!(base, wallet_fingerprint(&wallet("alice", 100)));
    assert_ne!(base, wallet_fingerprint(&wallet("alice", 101)));
    assert_ne!(base, wallet_fingerprint(&wallet("alicf", 100)));
}

fn draft(sku: &str, attributes: &[(&str, AttributeValue)]) -> ProductDraft {
    let eur = Currency::parse("EUR").expect("valid currency");
    let map: std::collections::BTreeMap<_, _> = attributes.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
    ProductDraft {
        sku: Sku::parse(sku).expect("valid sku"),
        name: ProductName::parse("Mug").expect("valid name"),
        category: Category::parse("kitchen").expect("valid category"),
        price: Money::new("price_minor", 1200, eur).expect("valid money"),
        attributes: Attributes::parse(map).expect("valid attributes"),
        tags: Vec::new(),
    }
}

#[test]
fn product_fingerprints_see_attributes_and_their_types() {
    let base = product_fingerprint(&draft("MUG-1", &[("size", AttributeValue::Int(1))]));
    assert_eq!(base, product_fingerprint(&draft("MUG-1", &[("size", AttributeValue::Int(1))])));
    assert_ne!(base, product_fingerprint(&draft("MUG-2", &[("size", AttributeValue::Int(1))])));
    assert_ne!(base, product_fingerprint(&draft("MUG-1", &[("size", AttributeValue::Float(1.0))])));
    assert_ne!(base, product_fingerprint(&draft("MUG-1", &[("size", AttributeValue::Text("1".into()))])));
    assert_ne!(base, product_fingerprint(&draft("MUG-1", &[])));
}

#[test]
fn session_fingerprints_depend_on_user_and_lifetime() {
    let user = UserId::new();
    let ttl = |s| SessionTtl::from_seconds(s).expect("valid ttl");
    let base = session_fingerprint(user, ttl(60));
    assert_eq!(base, session_fingerprint(user, ttl(60)));
    assert_ne!(base, session_fingerprint(user, ttl(61)));
    assert_ne!(base, session_fingerprint(UserId::new(), ttl(60)));
}
