//! The registry's checks on the example registry.

use super::*;

#[test]
fn the_example_registry_is_valid_and_derives_each_index_once() {
    let registry = example::registry();
    let names: Vec<_> = registry.indexes().iter().map(|spec| (spec.collection, spec.name)).collect();
    assert_eq!(
        names,
        [
            ("holds", "expires_ttl"),
            ("orders", "customer_placed_id"),
            ("orders", "status_id"),
            ("orders", "reference_unique"),
        ]
    );
    assert_eq!(registry.collections(), ["holds", "orders"]);
}

#[test]
fn a_sort_before_the_equality_field_is_refused() {
    const SWAPPED: IndexSpec =
        IndexSpec { keys: &[("placed_at", -1), ("customer", 1)], name: "swapped", ..IndexSpec::id("orders") };
    let shape = QueryShape { index: &SWAPPED, ..*example::registry().shape("orders.by_customer").expect("shape") };

    let refused = Registry::new(&[shape], &[]).expect_err("the key order is wrong");

    assert!(refused.problems[0].contains("does not follow equality"), "{refused}");
}

#[test]
fn duplicate_names_misnamed_shapes_and_two_definitions_of_an_index_are_refused() {
    let registry = example::registry();
    let shape = *registry.shape("orders.by_customer").expect("shape");
    const OTHER: IndexSpec = IndexSpec { keys: &[("customer", 1), ("_id", 1)], ..example::CUSTOMER_PLACED_ID };
    let misnamed = QueryShape { name: "by_customer_again", ..shape };
    let redefined = QueryShape { name: "orders.by_customer_2", index: &OTHER, sort: &[], range: &[], ..shape };

    let refused = Registry::new(&[shape, shape, misnamed, redefined], &[]).expect_err("invalid");

    let text = refused.to_string();
    assert!(text.contains("declared twice"), "{text}");
    assert!(text.contains("does not start with its collection"), "{text}");
    assert!(text.contains("two definitions"), "{text}");
}

#[test]
fn a_constraint_must_be_unique_or_ttl() {
    const PLAIN: IndexSpec = IndexSpec { name: "plain", unique: false, ..example::REFERENCE_UNIQUE };

    assert!(Registry::new(&[], &[PLAIN]).is_err());
    assert!(Registry::new(&[], &[example::REFERENCE_UNIQUE]).is_ok());
}

#[test]
fn an_index_exists_for_the_shapes_relying_on_it_or_for_its_reason() {
    let registry = example::registry();

    assert_eq!(registry.purpose(&example::CUSTOMER_PLACED_ID), "orders.by_customer");
    assert_eq!(registry.purpose(&example::REFERENCE_UNIQUE), "uniqueness of an order's reference");
}
