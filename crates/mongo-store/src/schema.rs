//! Start-up preparation of the shop's collections: the kit's [`mongo_kit::schema::ensure`] with
//! every shop collection and its `$jsonSchema` validator, and the shop's index registry.
//!
//! # Layout
//! - `validators`: the `$jsonSchema` validator of each collection.

mod validators;

use mongodb::Database;

use mongo_kit::schema::{CollectionSpec, SchemaReport};
pub use validators::validator;

use crate::collections::names;
use mongo_kit::Result;
use mongo_kit::profiles::Profiles;

/// Every collection start-up prepares, each with its validator.
pub fn collections() -> Vec<CollectionSpec> {
    names::ALL.into_iter().map(|name| CollectionSpec { name, validator: validator(name) }).collect()
}

/// Creates missing collections with their validators, updates drifted validators, and creates
/// the shop's indexes (see [`mongo_kit::schema::ensure`]).
///
/// # Errors
/// As [`mongo_kit::schema::ensure`].
pub async fn ensure(database: &Database, profiles: &Profiles) -> Result<SchemaReport> {
    mongo_kit::schema::ensure(database, profiles, &collections(), crate::indexes::registry()).await
}
