//! `shop indexes plan` and `apply`: the difference between the indexes the query-shape registry
//! declares and the ones the server has, and the changes that close it.
//!
//! Only collections the registry knows are compared, so indexes of collections an embedding
//! service owns are never reported, let alone dropped. A plan changes nothing; `apply` creates
//! what is missing and drops (or rebuilds, for a changed declaration) only when asked to.
//!
//! # Layout
//! - `diff`: the comparison, free of I/O.

mod diff;

use std::collections::HashSet;
use std::fmt;

use bson::Document;
use futures::TryStreamExt as _;
use mongodb::Database;

pub use diff::{Difference, ExistingIndex, PlanItem, diff, same_keys};

use crate::error::Result;
use crate::indexes::{self, INDEXES, IndexSpec};
use crate::store::MongoStore;

/// Declared indexes against the server's.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexPlan {
    /// One item per declared index, then the extra ones.
    pub items: Vec<PlanItem>,
}

impl IndexPlan {
    /// Whether the server has every declared index as declared and nothing else.
    pub fn is_in_step(&self) -> bool {
        self.items.iter().all(|item| matches!(item, PlanItem::InStep { .. }))
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
pub async fn existing(database: &Database) -> Result<Vec<ExistingIndex>> {
    let collections: HashSet<String> = database.list_collection_names().await?.into_iter().collect();
    let mut found = Vec::new();
    for name in indexes::declared().into_keys().filter(|name| collections.contains(*name)) {
        let listed: Vec<mongodb::IndexModel> =
            database.collection::<Document>(name).list_indexes().await?.try_collect().await?;
        found.extend(listed.into_iter().map(|model| existing_index(name, model)));
    }
    Ok(found)
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

/// Compares the registry with the server. Changes nothing.
///
/// # Errors
/// As [`existing`].
pub async fn plan(store: &MongoStore) -> Result<IndexPlan> {
    let existing = existing(store.database()).await?;
    Ok(IndexPlan { items: diff(&INDEXES, &existing) })
}

/// What `apply` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyReport {
    /// `collection.name` of each index created.
    pub created: Vec<String>,
    /// `collection.name` of each index dropped (extra, or rebuilt because it differed).
    pub dropped: Vec<String>,
    /// Differences left alone, one sentence each (apply again with `drop_extra`).
    pub left: Vec<String>,
}

/// Creates the missing indexes. With `drop_extra`, also drops undeclared indexes and rebuilds
/// the ones that differ from their declaration; never drops `_id_`.
///
/// # Errors
/// [`crate::Error::Driver`] when listing, creating or dropping an index fails.
pub async fn apply(store: &MongoStore, drop_extra: bool) -> Result<ApplyReport> {
    let plan = plan(store).await?;
    let database = store.database();
    let handle = |name: &str| database.collection::<Document>(name);
    let mut report = ApplyReport::default();
    for item in &plan.items {
        match item {
            PlanItem::InStep { .. } => {}
            PlanItem::Missing { spec } => {
                handle(spec.collection).create_index(spec.model()).await?;
                report.created.push(qualified(spec.collection, spec.name));
            }
            PlanItem::Different { spec, existing, .. } if drop_extra => {
                handle(spec.collection).drop_index(&existing.name).await?;
                report.dropped.push(qualified(spec.collection, &existing.name));
                handle(spec.collection).create_index(spec.model()).await?;
                report.created.push(qualified(spec.collection, spec.name));
            }
            PlanItem::Different { spec, differences, .. } => {
                report.left.push(format!("{} differs ({})", qualified(spec.collection, spec.name), list(differences)));
            }
            PlanItem::Extra { existing } if drop_extra && !existing.is_builtin() => {
                handle(&existing.collection).drop_index(&existing.name).await?;
                report.dropped.push(qualified(&existing.collection, &existing.name));
            }
            PlanItem::Extra { existing } => {
                report.left.push(format!("{} is not declared", qualified(&existing.collection, &existing.name)));
            }
        }
    }
    Ok(report)
}

fn qualified(collection: &str, name: &str) -> String {
    format!("{collection}.{name}")
}

fn list(differences: &[Difference]) -> String {
    differences.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

fn seconds(ttl: Option<u64>) -> String {
    ttl.map_or_else(|| "none".to_owned(), |secs| format!("{secs} s"))
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Keys { server } => write!(f, "keys {server} on the server"),
            Self::Unique { declared: true } => f.write_str("declared unique, not unique on the server"),
            Self::Unique { declared: false } => f.write_str("unique on the server, not declared unique"),
            Self::Ttl { declared, server } => {
                write!(f, "TTL {} declared, {} on the server", seconds(*declared), seconds(*server))
            }
            Self::PartialFilter { declared, server } => {
                let show = |filter: &Option<Document>| filter.as_ref().map_or("none".to_owned(), ToString::to_string);
                write!(f, "partial filter {} declared, {} on the server", show(declared), show(server))
            }
        }
    }
}

impl fmt::Display for IndexPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for item in &self.items {
            match item {
                PlanItem::InStep { spec, server_name } if server_name == spec.name => {
                    writeln!(f, "  ok         {}.{} {}", spec.collection, spec.name, spec.key_document())?;
                }
                PlanItem::InStep { spec, server_name } => writeln!(
                    f,
                    "  ok         {}.{} {} (named {server_name} on the server)",
                    spec.collection,
                    spec.name,
                    spec.key_document()
                )?,
                PlanItem::Missing { spec } => {
                    writeln!(
                        f,
                        "  missing    {}.{} {}: {}",
                        spec.collection,
                        spec.name,
                        spec.key_document(),
                        spec.serves
                    )?;
                }
                PlanItem::Different { spec, differences, .. } => {
                    writeln!(f, "  different  {}.{}: {}", spec.collection, spec.name, list(differences))?;
                }
                PlanItem::Extra { existing } => {
                    writeln!(f, "  extra      {}.{} {}", existing.collection, existing.name, existing.keys)?;
                }
            }
        }
        let count = |wanted: fn(&PlanItem) -> bool| self.items.iter().filter(|item| wanted(item)).count();
        write!(
            f,
            "{} missing, {} different, {} extra",
            count(|i| matches!(i, PlanItem::Missing { .. })),
            count(|i| matches!(i, PlanItem::Different { .. })),
            count(|i| matches!(i, PlanItem::Extra { .. })),
        )
    }
}

impl fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for name in &self.created {
            writeln!(f, "  created  {name}")?;
        }
        for name in &self.dropped {
            writeln!(f, "  dropped  {name}")?;
        }
        for sentence in &self.left {
            writeln!(f, "  left     {sentence} (apply with --drop-extra to change it)")?;
        }
        write!(
            f,
            "{} created, {} dropped, {} left as they are",
            self.created.len(),
            self.dropped.len(),
            self.left.len()
        )
    }
}
