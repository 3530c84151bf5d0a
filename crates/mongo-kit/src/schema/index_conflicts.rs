//! Start-up's indexes on a deployment that already has its own. Each collection's declared
//! indexes go in one `createIndexes`; MongoDB refuses the whole command when one of them
//! conflicts with an index the collection has (an equivalent index under another name, or the
//! same name with another TTL: IndexOptionsConflict; the same name with other keys or
//! uniqueness: IndexKeySpecsConflict). Then the indexes are created one at a time, so every other
//! one still is, and each refused one is reported with what differs on the server and the
//! commands that would reconcile it. Those commands are never run here: the deployment's index
//! stays as it is until an operator runs them or the index plan is applied with its extra indexes dropped.

use bson::Document;
use mongodb::Database;

use super::{SchemaReport, schema_error, short};
use crate::classify::is_index_conflict;
use crate::error::Result;
use crate::index_plan::{self, PlanItem, diff};
use crate::indexes::{IndexSpec, Registry};
use crate::profiles::{OperationClass, Profiles};

/// A declared index the server refused because of an index the deployment already has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexConflict {
    /// The collection.
    pub collection: String,
    /// The declared index's name.
    pub index: String,
    /// The server's refusal (`IndexOptionsConflict: Index already exists with a different name: sku_1`).
    pub refusal: String,
    /// How the server's index differs from the declaration, one clause each (empty when the
    /// listing shows no difference).
    pub differences: Vec<String>,
    /// The commands that would reconcile it, as mongosh takes them.
    pub reconcile: Vec<String>,
}

impl IndexConflict {
    /// One sentence for the start-up log.
    pub fn sentence(&self) -> String {
        let differs = if self.differences.is_empty() {
            "its listing shows no difference".to_owned()
        } else {
            self.differences.join("; ")
        };
        let commands = if self.reconcile.is_empty() { "none".to_owned() } else { self.reconcile.join(" then ") };
        format!(
            "the server refused index {}.{} ({}), so the deployment's own index stays: {differs}; \
             to reconcile run {commands}, or apply the index plan with its extra indexes dropped",
            self.collection, self.index, self.refusal
        )
    }
}

/// Creates the registry's indexes; conflicts with existing indexes go into `report`.
///
/// # Errors
/// [`crate::Error::Schema`] when an index cannot be created for another reason;
/// [`crate::Error::Driver`] when the indexes of a collection with a conflict cannot be listed.
pub(super) async fn ensure(
    database: &Database,
    profiles: &Profiles,
    registry: &Registry,
    report: &mut SchemaReport,
) -> Result<()> {
    // Derived from the query-shape registry, which also covers collections that other building
    // blocks create on first use (the migration changelog and leases).
    for (name, specs) in registry.declared() {
        report.indexes += specs.len();
        let collection = profiles.collection::<Document>(database, name, OperationClass::Standard);
        match collection.create_indexes(specs.iter().map(IndexSpec::model)).await {
            Ok(_) => continue,
            Err(error) if is_index_conflict(&error) => {}
            Err(source) => return Err(schema_error(name, source)),
        }
        let mut refused = Vec::new();
        for spec in &specs {
            match collection.create_index(spec.model()).await {
                Ok(_) => {}
                Err(error) if is_index_conflict(&error) => refused.push((*spec, short(&error))),
                Err(source) => return Err(schema_error(name, source)),
            }
        }
        let listed = index_plan::listed(database, name).await?;
        for (spec, refusal) in refused {
            let conflict = describe(&spec, refusal, &listed);
            report.warnings.push(conflict.sentence());
            report.index_conflicts.push(conflict);
        }
    }
    Ok(())
}

/// What the listing says about a refused `spec`.
fn describe(spec: &IndexSpec, refusal: String, listed: &[index_plan::ExistingIndex]) -> IndexConflict {
    // `diff` puts the declared index's item first, then the collection's other indexes.
    let plan = diff(std::slice::from_ref(spec), listed);
    let item = plan.into_iter().next();
    let differences = match &item {
        Some(PlanItem::Different { differences, .. }) => differences.iter().map(ToString::to_string).collect(),
        Some(PlanItem::Missing { .. }) => vec!["the server lists no such index".to_owned()],
        _ => Vec::new(),
    };
    let reconcile = item.map(|item| item.commands()).unwrap_or_default();
    IndexConflict {
        collection: spec.collection.to_owned(),
        index: spec.name.to_owned(),
        refusal,
        differences,
        reconcile: reconcile.iter().map(index_plan::shell).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index_plan::ExistingIndex;
    use crate::indexes::example;

    fn reference_unique() -> IndexSpec {
        example::REFERENCE_UNIQUE
    }

    #[test]
    fn a_refused_index_is_described_by_what_the_server_lists_and_how_to_reconcile_it() {
        let spec = reference_unique();
        let listed = [ExistingIndex {
            collection: "orders".to_owned(),
            name: "reference_unique".to_owned(),
            keys: spec.key_document(),
            unique: false,
            expire_after_secs: None,
            partial_filter: None,
        }];

        let conflict =
            describe(&spec, "IndexKeySpecsConflict: An existing index has the same name".to_owned(), &listed);

        assert_eq!(conflict.differences, ["declared unique, not unique on the server"]);
        assert_eq!(conflict.reconcile.len(), 2, "{conflict:?}");
        assert!(conflict.reconcile[0].contains(r#""dropIndexes": "orders""#), "{conflict:?}");
        assert!(conflict.reconcile[1].contains(r#""unique": true"#), "{conflict:?}");
        let sentence = conflict.sentence();
        assert!(
            sentence.contains("orders.reference_unique") && sentence.contains("IndexKeySpecsConflict"),
            "{sentence}"
        );
    }

    #[test]
    fn a_refusal_for_an_index_the_server_does_not_list_asks_for_its_creation() {
        let conflict = describe(&reference_unique(), "IndexOptionsConflict: injected".to_owned(), &[]);

        assert_eq!(conflict.differences, ["the server lists no such index"]);
        assert!(matches!(&conflict.reconcile[..], [create] if create.contains("createIndexes")), "{conflict:?}");
    }
}
