//! The ordered list of migrations. Order is by collection, then by version: a collection's
//! migrations must form a chain (1 → 2, 2 → 3, …) so that `up` can apply them one after the other.

use bson::Document;

use super::{MigrationError, RunError};

/// A migration step: one document at the old version in, the same document at the next version
/// out. The runner stamps `schema_version` and refuses a changed `_id`, so the function only
/// reshapes fields.
pub type MigrateFn = fn(Document) -> Result<Document, MigrationError>;

/// One named migration of one collection from `from_version` to `from_version + 1`.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// A stable name, recorded in the changelog and the audit trail (`orders_amount_minor_units`).
    pub name: &'static str,
    /// The collection it migrates.
    pub collection: &'static str,
    /// The version it reads.
    pub from_version: i32,
    /// The function.
    pub apply: MigrateFn,
    /// The audit subject kind of its documents (`order` gives `order:<id>`).
    pub subject_kind: &'static str,
    /// A field the application bumps on every write (optimistic concurrency), if any: the write
    /// is then conditional on it too, so a document changed between read and write is left for
    /// the next run rather than overwritten.
    pub concurrency_field: Option<&'static str>,
}

impl Migration {
    /// A migration of `collection` from `from_version`; its audit subjects are named after the
    /// collection, and it has no concurrency field.
    pub fn new(name: &'static str, collection: &'static str, from_version: i32, apply: MigrateFn) -> Self {
        Self { name, collection, from_version, apply, subject_kind: collection, concurrency_field: None }
    }

    /// This migration with audit subjects `kind:<id>`.
    #[must_use]
    pub fn subject_kind(mut self, kind: &'static str) -> Self {
        self.subject_kind = kind;
        self
    }

    /// This migration with writes conditional on `field` too.
    #[must_use]
    pub fn concurrency_field(mut self, field: &'static str) -> Self {
        self.concurrency_field = Some(field);
        self
    }

    /// The version it writes.
    pub fn to_version(&self) -> i32 {
        self.from_version + 1
    }
}

/// Migrations in the order `up` applies them.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    migrations: Vec<Migration>,
}

impl Registry {
    /// A registry of `migrations`, checked: names unique, and each collection's migrations
    /// consecutive versions in ascending order.
    ///
    /// # Errors
    /// [`RunError::Registry`] naming the first broken rule.
    pub fn new(migrations: Vec<Migration>) -> Result<Self, RunError> {
        for (index, migration) in migrations.iter().enumerate() {
            let earlier = &migrations[..index];
            if earlier.iter().any(|m| m.name == migration.name) {
                return Err(RunError::Registry(format!("migration name {} is used twice", migration.name)));
            }
            if migration.from_version < 1 {
                return Err(RunError::Registry(format!("migration {} starts below version 1", migration.name)));
            }
            let previous = earlier.iter().rev().find(|m| m.collection == migration.collection);
            if let Some(previous) = previous
                && previous.to_version() != migration.from_version
            {
                return Err(RunError::Registry(format!(
                    "migration {} reads version {} of {} but the one before it ({}) writes version {}",
                    migration.name,
                    migration.from_version,
                    migration.collection,
                    previous.name,
                    previous.to_version()
                )));
            }
        }
        Ok(Self { migrations })
    }

    /// Every migration, in order.
    pub fn migrations(&self) -> &[Migration] {
        &self.migrations
    }

    /// The migration called `name`.
    pub fn find(&self, name: &str) -> Option<&Migration> {
        self.migrations.iter().find(|m| m.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(document: Document) -> Result<Document, MigrationError> {
        Ok(document)
    }

    #[test]
    fn a_chain_of_versions_per_collection_is_accepted() {
        let registry = Registry::new(vec![
            Migration::new("a1", "a", 1, identity),
            Migration::new("b1", "b", 3, identity),
            Migration::new("a2", "a", 2, identity),
        ]);
        assert_eq!(registry.map(|r| r.migrations().len()).ok(), Some(3));
    }

    #[test]
    fn gaps_and_duplicate_names_are_refused() {
        let gap = Registry::new(vec![Migration::new("a1", "a", 1, identity), Migration::new("a3", "a", 3, identity)]);
        assert!(matches!(gap, Err(RunError::Registry(message)) if message.contains("a3")));
        let twice = Registry::new(vec![Migration::new("a1", "a", 1, identity), Migration::new("a1", "b", 1, identity)]);
        assert!(matches!(twice, Err(RunError::Registry(message)) if message.contains("twice")));
    }
}
