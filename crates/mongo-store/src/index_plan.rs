//! `shop indexes plan` and `apply`: the kit's [`mongo_kit::index_plan`] on the shop's registry.

use mongo_kit::index_plan::*;
use mongodb::Database;

use crate::store::MongoStore;
use mongo_kit::Result;

/// The indexes the server has in the collections the shop's registry knows.
///
/// # Errors
/// [`mongo_kit::Error::Driver`] when the server cannot list collections or indexes.
pub async fn existing(database: &Database) -> Result<Vec<ExistingIndex>> {
    mongo_kit::index_plan::existing(database, crate::indexes::registry()).await
}

/// Compares the shop's registry with the store's server. Changes nothing.
///
/// # Errors
/// As [`mongo_kit::index_plan::plan`].
pub async fn plan(store: &MongoStore) -> Result<IndexPlan> {
    mongo_kit::index_plan::plan(store.database(), crate::indexes::registry()).await
}

/// Creates the shop's missing indexes; with `drop_extra`, also drops and reconciles (see
/// [`mongo_kit::index_plan::apply`]).
///
/// # Errors
/// As [`mongo_kit::index_plan::apply`].
pub async fn apply(store: &MongoStore, drop_extra: bool) -> Result<ApplyReport> {
    mongo_kit::index_plan::apply(store.database(), crate::indexes::registry(), drop_extra).await
}
