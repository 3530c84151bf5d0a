//! Start-up preparation: collections, `$jsonSchema` validators and indexes, all idempotent.
//!
//! A deployment may refuse part of this without being broken: a least-privilege user may not run
//! `collMod`, a MongoDB-compatible server may not know an option, a team may already have one of
//! the indexes under its own name or with another TTL. Such refusals become warnings in the
//! report (the store still works, with the domain's validation only, or with the deployment's own
//! index); any other failure stops start-up.
//!
//! # Layout
//! - `validators`: the `$jsonSchema` validator of each collection.
//! - `index_conflicts`: the registry's indexes, and what to report when the server has its own.

mod index_conflicts;
mod validators;

use std::collections::HashSet;

use bson::{Document, doc};
use mongodb::Database;
use mongodb::options::{ValidationAction, ValidationLevel};

pub use index_conflicts::IndexConflict;
pub use validators::validator;

use crate::classify::{is_capability_refusal, is_namespace_exists};
use crate::collections::names;
use crate::error::{Error, Result};
use crate::profiles::Profiles;

/// What preparing the schema found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaReport {
    /// Collections created by this run.
    pub created: Vec<String>,
    /// Indexes requested (existing identical ones are left as they are).
    pub indexes: usize,
    /// Parts the deployment refused (validators it would not take, indexes that conflict with
    /// its own), one sentence each.
    pub warnings: Vec<String>,
    /// Declared indexes the server refused because of an index it already has.
    pub index_conflicts: Vec<IndexConflict>,
}

/// Creates missing collections with their validators, updates validators of existing ones, and
/// creates the registry's indexes. Safe to run at every start and concurrently.
///
/// An index that conflicts with one the deployment has (same keys under another name, same
/// name with another TTL, keys or uniqueness) is left as the deployment has it and reported in
/// [`SchemaReport::index_conflicts`], with the commands that would reconcile it.
///
/// # Errors
/// [`Error::Driver`] when the collections (or the indexes of a collection with a conflict)
/// cannot be listed; [`Error::Schema`] when a collection or index cannot be created for a reason
/// other than a missing capability or a conflicting index.
pub async fn ensure(database: &Database, profiles: &Profiles) -> Result<SchemaReport> {
    let existing: HashSet<String> = database.list_collection_names().await?.into_iter().collect();
    let mut report = SchemaReport::default();
    for name in names::ALL {
        let validator = validator(name);
        let exists = existing.contains(name) || !create(database, name, validator.as_ref(), &mut report).await?;
        if let (true, Some(validator)) = (exists, validator) {
            update_validator(database, name, validator, &mut report).await?;
        }
    }
    index_conflicts::ensure(database, profiles, &mut report).await?;
    Ok(report)
}

/// Creates `name`; `false` when another process created it first.
async fn create(
    database: &Database,
    name: &str,
    validator: Option<&Document>,
    report: &mut SchemaReport,
) -> Result<bool> {
    let attempt = match validator {
        Some(validator) => {
            database
                .create_collection(name)
                .validator(validator.clone())
                .validation_level(ValidationLevel::Strict)
                .validation_action(ValidationAction::Error)
                .await
        }
        None => database.create_collection(name).await,
    };
    match attempt {
        Ok(()) => {}
        Err(error) if is_namespace_exists(&error) => return Ok(false),
        Err(error) if validator.is_some() && is_capability_refusal(&error) => {
            report.warnings.push(format!(
                "the server refused a validator on new collection {name} ({}); created it without one",
                short(&error)
            ));
            match database.create_collection(name).await {
                Ok(()) => {}
                Err(error) if is_namespace_exists(&error) => return Ok(false),
                Err(source) => return Err(schema_error(name, source)),
            }
        }
        Err(source) => return Err(schema_error(name, source)),
    }
    report.created.push(name.to_owned());
    Ok(true)
}

async fn update_validator(
    database: &Database,
    name: &str,
    validator: Document,
    report: &mut SchemaReport,
) -> Result<()> {
    let command = doc! {
        "collMod": name,
        "validator": validator,
        "validationLevel": "strict",
        "validationAction": "error",
    };
    match database.run_command(command).await {
        Ok(_) => Ok(()),
        Err(error) if is_capability_refusal(&error) => {
            report.warnings.push(format!(
                "the server refused collMod on {name} ({}); its validator was not updated",
                short(&error)
            ));
            Ok(())
        }
        Err(source) => Err(schema_error(name, source)),
    }
}

fn schema_error(collection: &str, source: mongodb::error::Error) -> Error {
    Error::Schema { collection: collection.to_owned(), source }
}

/// The first line of an error, for warnings (the full text quotes the whole server response).
fn short(error: &mongodb::error::Error) -> String {
    match error.kind.as_ref() {
        mongodb::error::ErrorKind::Command(command) => format!("{}: {}", command.code_name, command.message),
        other => other.to_string(),
    }
}
