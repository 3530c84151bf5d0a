//! Index plan and apply: the difference between the indexes the query-shape registry
//! declares and the ones the server has, and the changes that close it.
//!
//! Only collections the registry knows are compared, so indexes of collections an embedding
//! service owns are never reported, let alone dropped. A plan changes nothing; `apply` creates
//! what is missing and drops (or rebuilds, for a changed declaration) only when asked to.
//!
//! # Layout
//! - `diff`: the comparison, free of I/O.
//! - `reconcile`: the commands that close each difference (`collMod`, drop and create).
//! - `report`: the plan and the apply report as an operator reads them.
//! - `shard_keys`: on a sharded cluster, the indexes that support a shard key, always kept.

mod diff;
mod reconcile;
mod report;
pub mod shard_keys;

use std::collections::HashSet;

use bson::Document;
use futures::TryStreamExt as _;
use mongodb::Database;

pub use diff::{Difference, ExistingIndex, PlanItem, diff, same_keys};
pub use reconcile::{create_command, drop_command, reconcile, shell};

use crate::error::Result;
use crate::indexes::{IndexSpec, Registry};

/// Declared indexes against the server's.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IndexPlan {
    /// One item per declared index, then the extra ones.
    pub items: Vec<PlanItem>,
}

impl IndexPlan {
    /// Whether the server has every declared index as declared and nothing else (an index that
    /// supports a shard key is the cluster's, not a difference).
    pub fn is_in_step(&self) -> bool {
        self.items.iter().all(|item| matches!(item, PlanItem::InStep { .. } | PlanItem::ShardKey { spec: None, .. }))
    }

    /// The server's indexes kept because they support a shard key.
    pub fn shard_key_indexes(&self) -> impl Iterator<Item = &ExistingIndex> {
        self.items.iter().filter_map(|item| match item {
            PlanItem::ShardKey { existing, .. } => Some(existing),
            _ => None,
        })
    }

    /// The declared indexes the server lacks.
    pub fn missing(&self) -> impl Iterator<Item = &IndexSpec> {
        self.items.iter().filter_map(|item| match item {
            PlanItem::Missing { spec } => Some(spec),
            _ => None,
        })
    }

    /// The server's indexes the registry does not declare.
    pub fn extra(&self) -> impl Iterator<Item = &ExistingIndex> {
        self.items.iter().filter_map(|item| match item {
            PlanItem::Extra { existing } => Some(existing),
            _ => None,
        })
    }
}

/// The indexes the server has in the collections the registry knows.
///
/// # Errors
/// [`crate::Error::Driver`] when the server cannot list collections or indexes.
pub async fn existing(database: &Database, registry: &Registry) -> Result<Vec<ExistingIndex>> {
    let collections: HashSet<String> = database.list_collection_names().await?.into_iter().collect();
    let mut found = Vec::new();
    for name in registry.declared().into_keys().filter(|name| collections.contains(*name)) {
        found.extend(listed(database, name).await?);
    }
    Ok(found)
}

/// The indexes of one collection as the server lists them.
///
/// # Errors
/// [`crate::Error::Driver`] when the server cannot list them (a collection that does not exist
/// has none).
pub async fn listed(database: &Database, collection: &str) -> Result<Vec<ExistingIndex>> {
    let models: Vec<mongodb::IndexModel> =
        database.collection::<Document>(collection).list_indexes().await?.try_collect().await?;
    Ok(models.into_iter().map(|model| existing_index(collection, model)).collect())
}

fn existing_index(collection: &str, model: mongodb::IndexModel) -> ExistingIndex {
    let options = model.options.unwrap_or_default();
    ExistingIndex {
        collection: collection.to_owned(),
        name: options.name.unwrap_or_default(),
        keys: model.keys,
        unique: options.unique.unwrap_or(false),
        expire_after_secs: options.expire_after.map(|after| after.as_secs()),
        partial_filter: options.partial_filter_expression,
    }
}

/// Compares the registry with the server. Changes nothing. On a sharded cluster the indexes that
/// support a collection's shard key are marked kept ([`PlanItem::ShardKey`]).
///
/// # Errors
/// As [`existing`] and [`shard_keys::read`].
pub async fn plan(database: &Database, registry: &Registry) -> Result<IndexPlan> {
    let existing = existing(database, registry).await?;
    let collections: Vec<&str> = registry.declared().into_keys().collect();
    let shard_keys = shard_keys::read(database, &collections).await?;
    Ok(IndexPlan { items: shard_keys::keep(diff(registry.indexes(), &existing), &shard_keys) })
}

/// What `apply` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ApplyReport {
    /// `collection.name` of each index created.
    pub created: Vec<String>,
    /// `collection.name` of each index dropped (extra, or rebuilt because it differed).
    pub dropped: Vec<String>,
    /// `collection.name` of each index changed in place (`collMod`: another TTL).
    pub modified: Vec<String>,
    /// Differences left alone, one sentence each with the commands that would close them.
    pub left: Vec<String>,
    /// `collection.name` of each index kept because it supports the collection's shard key.
    pub kept: Vec<String>,
}

/// Creates the missing indexes. With `drop_extra`, also drops undeclared indexes and reconciles
/// the ones that differ from their declaration (`collMod` for another TTL, otherwise a drop and
/// a create); never drops `_id_` or an index that supports a shard key. Without it, nothing the
/// deployment created is changed.
///
/// # Errors
/// [`crate::Error::Driver`] when listing, creating, changing or dropping an index fails.
pub async fn apply(database: &Database, registry: &Registry, drop_extra: bool) -> Result<ApplyReport> {
    let plan = plan(database, registry).await?;
    let mut report = ApplyReport::default();
    for item in &plan.items {
        if let PlanItem::ShardKey { existing, .. } = item {
            report.kept.push(qualified(&existing.collection, &existing.name));
        }
        let commands = item.commands();
        let theirs = matches!(item, PlanItem::Different { .. } | PlanItem::Extra { .. });
        if commands.is_empty() {
            continue;
        }
        if theirs && !drop_extra {
            report.left.push(report::left_sentence(item, &commands));
            continue;
        }
        for command in commands {
            database.run_command(command.clone()).await?;
            report.record(&command);
        }
    }
    Ok(report)
}

impl ApplyReport {
    /// Files `command` (just run) under what it did.
    fn record(&mut self, command: &Document) {
        let collection = |key: &str| command.get_str(key).unwrap_or_default().to_owned();
        if let Ok(indexes) = command.get_array("indexes") {
            let names = indexes.iter().filter_map(|index| index.as_document()?.get_str("name").ok());
            let target = collection("createIndexes");
            self.created.extend(names.map(|name| qualified(&target, name)));
        } else if let Ok(name) = command.get_str("index") {
            self.dropped.push(qualified(&collection("dropIndexes"), name));
        } else if let Ok(index) = command.get_document("index") {
            self.modified.push(qualified(&collection("collMod"), index.get_str("name").unwrap_or_default()));
        }
    }
}

fn qualified(collection: &str, name: &str) -> String {
    format!("{collection}.{name}")
}
