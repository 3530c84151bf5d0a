//! Index builds in progress, from `$currentOp` on `admin` with the manual's filter for active
//! indexing operations (manual, "$currentOp", and "db.currentOp()", Examples, "Active Indexing
//! Operations"): `createIndexes` commands, and the build threads whose `msg` starts with
//! `Index Build`. Seeing other users' and the server's own operations needs `allUsers: true`,
//! which needs the `inprog` privilege action on the cluster (manual, "$currentOp", Access
//! Control); without it the server refuses and the figure is unknown.
//!
//! The build thread's `msg` names the phase (`Index Build: scanning collection`, `…: inserting
//! keys from external sorter into index`, `…: draining writes received during build`) and its
//! `progress` holds `done` and `total`. A `createIndexes` command waits for its build, so one
//! build shows as two operations: builds are counted once per namespace, by their build thread
//! where the server lists one.

use std::collections::BTreeMap;
use std::time::Duration;

use bson::{Document, doc};
use futures::TryStreamExt as _;
use mongodb::Client;

use super::reading::{Reading, Unknown, number};

/// Where a build is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    /// Reading the collection and generating keys.
    Scanning,
    /// Inserting the sorted keys into the index.
    Inserting,
    /// Applying the writes that arrived during the build.
    Draining,
    /// Anything else: setting up, committing, or a command whose build thread is not listed.
    Other,
}

impl Phase {
    /// Every phase, so each gauge shows from the first pass.
    pub const ALL: [Self; 4] = [Self::Scanning, Self::Inserting, Self::Draining, Self::Other];

    /// The label value.
    pub fn name(self) -> &'static str {
        match self {
            Self::Scanning => "scanning",
            Self::Inserting => "inserting",
            Self::Draining => "draining",
            Self::Other => "other",
        }
    }

    fn of(message: &str) -> Self {
        let message = message.to_ascii_lowercase();
        if message.contains("scanning collection") {
            Self::Scanning
        } else if message.contains("inserting keys") {
            Self::Inserting
        } else if message.contains("draining writes") {
            Self::Draining
        } else {
            Self::Other
        }
    }
}

/// One build in progress.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexBuild {
    /// `database.collection`.
    pub namespace: String,
    /// Where it is.
    pub phase: Phase,
    /// `done / total` of the phase, when the server reports progress.
    pub progress: Option<f64>,
}

/// The `$currentOp` pipeline.
pub fn pipeline() -> Vec<Document> {
    vec![
        doc! { "$currentOp": { "allUsers": true, "idleConnections": false } },
        doc! { "$match": { "$or": [
            { "op": "command", "command.createIndexes": { "$exists": true } },
            { "op": "none", "msg": { "$regex": "^Index Build" } },
        ] } },
    ]
}

/// The builds that `operations` (the pipeline's output) show, one per namespace.
pub fn parse(operations: &[Document]) -> Vec<IndexBuild> {
    let mut builds: BTreeMap<String, IndexBuild> = BTreeMap::new();
    for operation in operations {
        let Ok(namespace) = operation.get_str("ns") else { continue };
        let message = operation.get_str("msg").ok().filter(|msg| msg.starts_with("Index Build"));
        let progress = operation.get_document("progress").ok().and_then(|progress| {
            let (done, total) = (number(progress, "done")?, number(progress, "total")?);
            (total > 0.0).then(|| (done / total).clamp(0.0, 1.0))
        });
        let build =
            IndexBuild { namespace: namespace.to_owned(), phase: message.map_or(Phase::Other, Phase::of), progress };
        // The build thread's entry, when listed, tells more than the waiting command's.
        match builds.get(namespace) {
            Some(known) if message.is_none() || known.phase != Phase::Other => {}
            _ => {
                builds.insert(namespace.to_owned(), build);
            }
        }
    }
    builds.into_values().collect()
}

/// Lists the builds within `limit`.
pub(super) async fn read(client: &Client, limit: Duration) -> Reading<Vec<IndexBuild>> {
    let admin = client.database("admin");
    let listed = async { admin.aggregate(pipeline()).await?.try_collect::<Vec<Document>>().await };
    match tokio::time::timeout(limit, listed).await {
        Err(_) => Reading::Unknown(Unknown::Unreachable),
        Ok(Err(error)) => Reading::Unknown(Unknown::of(&error)),
        Ok(Ok(operations)) => Reading::Known(parse(&operations)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A primary building an index on `shop.products`: the waiting `createIndexes` command and
    /// the build thread in its scanning phase, as `$currentOp` lists them.
    fn recorded() -> Vec<Document> {
        vec![
            doc! {
                "type": "op", "active": true, "op": "command", "ns": "shop.products",
                "command": { "createIndexes": "products", "indexes": [{ "key": { "category": 1 }, "name": "category_1" }] },
                "desc": "conn42",
            },
            doc! {
                "type": "op", "active": true, "op": "none", "ns": "shop.products",
                "desc": "IndexBuildsCoordinatorMongod-3",
                "msg": "Index Build: scanning collection Index Build: scanning collection: 2500/10000 25%",
                "progress": { "done": 2500_i64, "total": 10_000_i64 },
            },
            doc! {
                "type": "op", "active": true, "op": "none", "ns": "shop.ledger",
                "desc": "IndexBuildsCoordinatorMongod-4",
                "msg": "Index Build: draining writes received during build",
            },
        ]
    }

    #[test]
    fn a_build_counts_once_with_its_thread_phase_and_progress() {
        let builds = parse(&recorded());

        assert_eq!(
            builds,
            [
                IndexBuild { namespace: "shop.ledger".to_owned(), phase: Phase::Draining, progress: None },
                IndexBuild { namespace: "shop.products".to_owned(), phase: Phase::Scanning, progress: Some(0.25) },
            ]
        );
    }

    #[test]
    fn a_command_without_its_build_thread_is_a_build_in_another_phase() {
        let builds = parse(&recorded()[..1]);

        assert_eq!(builds, [IndexBuild { namespace: "shop.products".to_owned(), phase: Phase::Other, progress: None }]);
    }

    #[test]
    fn the_phase_comes_from_the_build_message() {
        assert_eq!(Phase::of("Index Build: inserting keys from external sorter into index"), Phase::Inserting);
        assert_eq!(Phase::of("Index Build: draining writes received during build"), Phase::Draining);
        assert_eq!(Phase::of("Index Build: waiting for commit"), Phase::Other);
    }
}
