//! Test support lives in the `suite` integration binary. This library only compiles the
//! testing guide's example of a team's own tests (`docs/testing.md`) as a doc test.

// `cargo test --doc -p shop-tests` compiles the guide's examples.
#[cfg(doctest)]
#[doc = include_str!("../docs/testing.md")]
struct TestingDoctests;
