//! `shop ingest` end to end through the pipeline: outcomes per line, rejects, reruns, racing
//! batches, dry runs, database commands, and a generated file with the default settings, against
//! memory-store and MongoDB (both write paths).
//!
//! [`ingest_test!`] runs a body against the in-memory store (`name::memory`), MongoDB on the best
//! path the server has (`name::mongo`) and MongoDB forced onto `update` commands
//! (`name::update_commands::mongo`).

mod defaults;
mod fixtures;
mod outcomes;
mod races;

/// Declares the async fn `name(&Harness)` of the enclosing module as a test run against every
/// store and write path.
macro_rules! ingest_test {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn memory() {
                let harness = $crate::ingest::fixtures::memory();
                super::$name(&harness).await;
            }

            #[tokio::test]
            async fn mongo() {
                let test = concat!(module_path!(), "::mongo");
                let Some(harness) = $crate::ingest::fixtures::mongo(test, false).await else { return };
                super::$name(&harness).await;
                harness.finish().await;
                $crate::support::conformance::assert_clean();
            }

            mod update_commands {
                #[tokio::test]
                async fn mongo() {
                    let test = concat!(module_path!(), "::mongo");
                    let Some(harness) = $crate::ingest::fixtures::mongo(test, true).await else { return };
                    super::super::$name(&harness).await;
                    harness.finish().await;
                    $crate::support::conformance::assert_clean();
                }
            }
        }
    };
}
pub(crate) use ingest_test;
