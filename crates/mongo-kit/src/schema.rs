//! Start-up preparation of a service's collections: the collections, their `$jsonSchema`
//! validators and the registry's indexes, all idempotent. The caller declares its collections
//! ([`CollectionSpec`]) and passes its [`Registry`].
//!
//! A deployment may refuse part of this without being broken: a least-privilege user may not run
//! `collMod`, a MongoDB-compatible server may not know an option, a team may already have one of
//! the indexes under its own name or with another TTL. Such refusals become warnings in the
//! report (the store still works, with the domain's validation only, or with the deployment's own
//! index); any other failure stops start-up.
//!
//! # Layout
//! - `validator_drift`: whether a collection's validator on the server is the declared one.
//! - `index_conflicts`: the registry's indexes, and what to report when the server has its own.

mod index_conflicts;
mod validator_drift;

use bson::{Document, doc};
use mongodb::Database;
use mongodb::options::{ValidationAction, ValidationLevel};

pub use index_conflicts::IndexConflict;
use validator_drift::Drift;

use crate::classify::{is_capability_refusal, is_namespace_exists};
use crate::error::{Error, Result};
use crate::indexes::Registry;
use crate::profiles::Profiles;

/// One collection start-up prepares, with its validator, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionSpec {
    /// The collection.
    pub name: &'static str,
    /// Its `$jsonSchema` validator (`{"$jsonSchema": {...}}`), enforced strictly with errors.
    pub validator: Option<Document>,
}

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
    /// Collections whose validator on the server is not the declared one and could not be
    /// updated (the server refused `collMod`): it enforces an old validator, or none.
    pub stale_validators: Vec<String>,
}

/// Creates missing collections with their validators, updates the validators of existing ones
/// that differ from the declaration (read from `listCollections`; one in step is left alone, so
/// no `collMod` is sent), and creates the registry's indexes. Safe to run at every start and
/// concurrently.
///
/// A validator that differs and cannot be updated (a user without the `collMod` action) is named
/// in [`SchemaReport::stale_validators`] and in a warning: the server goes on enforcing the old
/// one, which start-up must not leave unsaid.
///
/// An index that conflicts with one the deployment has (same keys under another name, same
/// name with another TTL, keys or uniqueness) is left as the deployment has it and reported in
/// [`SchemaReport::index_conflicts`], with the commands that would reconcile it.
///
/// # Errors
/// [`Error::Driver`] when the collections (or the indexes of a collection with a conflict)
/// cannot be listed; [`Error::Schema`] when a collection or index cannot be created for a reason
/// other than a missing capability or a conflicting index.
pub async fn ensure(
    database: &Database,
    profiles: &Profiles,
    collections: &[CollectionSpec],
    registry: &Registry,
) -> Result<SchemaReport> {
    let names: Vec<&str> = collections.iter().map(|spec| spec.name).collect();
    let existing = validator_drift::listed_options(database, &names).await?;
    let mut report = SchemaReport::default();
    for CollectionSpec { name, validator } in collections.iter().cloned() {
        let options = existing.get(name);
        let exists = options.is_some() || !create(database, name, validator.as_ref(), &mut report).await?;
        let Some(validator) = validator.filter(|_| exists) else { continue };
        // A collection another process created a moment ago is not listed: treat it as drift.
        let drift = options.map_or(Drift::Missing, |options| validator_drift::drift(&validator, options));
        if drift != Drift::InStep {
            update_validator(database, name, validator, drift, &mut report).await?;
        }
    }
    index_conflicts::ensure(database, profiles, registry, &mut report).await?;
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
    drift: Drift,
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
                "STALE VALIDATOR on collection {name}: the server holds {} and refused to update it ({}), \
                 so it enforces that instead of the declared $jsonSchema; give the application's user \
                 the collMod action on this database and restart",
                drift.describe(),
                short(&error)
            ));
            report.stale_validators.push(name.to_owned());
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
