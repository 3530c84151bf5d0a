//! The plan and the apply report as an operator reads them: one line per index, and under each
//! difference the commands that close it, ready to paste into mongosh.

use std::fmt;

use bson::Document;

use super::reconcile::shell;
use super::{ApplyReport, Difference, IndexPlan, PlanItem, qualified};

/// Where the commands under a plan line start, so they line up with the index names.
const INDENT: &str = "             ";

/// The differences, joined into one clause.
pub(super) fn list(differences: &[Difference]) -> String {
    differences.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// The sentence for an item `apply` leaves alone without `--drop-extra`.
pub(super) fn left_sentence(item: &PlanItem, commands: &[Document]) -> String {
    let then = commands.iter().map(shell).collect::<Vec<_>>().join(" then ");
    match item {
        PlanItem::Different { spec, differences, .. } => {
            format!("{} differs ({}): {then}", qualified(spec.collection, spec.name), list(differences))
        }
        PlanItem::Extra { existing } => {
            format!("{} is not declared: {then}", qualified(&existing.collection, &existing.name))
        }
        PlanItem::InStep { spec } | PlanItem::Missing { spec } => qualified(spec.collection, spec.name),
        PlanItem::ShardKey { existing, .. } => qualified(&existing.collection, &existing.name),
    }
}

/// A word on a change that has a gentler form than the drop and create the plan shows.
pub(super) fn caveat(differences: &[Difference]) -> Option<&'static str> {
    differences.iter().any(|d| matches!(d, Difference::Unique { declared: true })).then_some(
        "between the drop and the create nothing enforces uniqueness; MongoDB 6.0+ can convert the \
         index in place instead: collMod with prepareUnique: true, then with unique: true",
    )
}

fn seconds(ttl: Option<u64>) -> String {
    ttl.map_or_else(|| "none".to_owned(), |secs| format!("{secs} s"))
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name { server } => write!(f, "named {server} on the server"),
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
                PlanItem::InStep { spec } => {
                    writeln!(f, "  ok         {}.{} {}", spec.collection, spec.name, spec.key_document())?;
                }
                PlanItem::Missing { spec } => {
                    let (collection, name, keys) = (spec.collection, spec.name, spec.key_document());
                    // An index a shape relies on declares no reason: the shapes are its reason.
                    let reason = if spec.serves.is_empty() { String::new() } else { format!(": {}", spec.serves) };
                    writeln!(f, "  missing    {collection}.{name} {keys}{reason}")?;
                }
                PlanItem::Different { spec, differences, .. } => {
                    writeln!(f, "  different  {}.{}: {}", spec.collection, spec.name, list(differences))?;
                    for command in item.commands() {
                        writeln!(f, "{INDENT}{}", shell(&command))?;
                    }
                    if let Some(caveat) = caveat(differences) {
                        writeln!(f, "{INDENT}({caveat})")?;
                    }
                }
                PlanItem::Extra { existing } => {
                    writeln!(f, "  extra      {}.{} {}", existing.collection, existing.name, existing.keys)?;
                }
                PlanItem::ShardKey { existing, spec } => {
                    let (collection, name, keys) = (&existing.collection, &existing.name, &existing.keys);
                    let declared =
                        spec.map_or(String::new(), |spec| format!(", in place of the declared {}", spec.name));
                    writeln!(f, "  shard key  {collection}.{name} {keys}: kept, it supports the shard key{declared}")?;
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
            writeln!(f, "  created   {name}")?;
        }
        for name in &self.modified {
            writeln!(f, "  modified  {name}")?;
        }
        for name in &self.dropped {
            writeln!(f, "  dropped   {name}")?;
        }
        for name in &self.kept {
            writeln!(f, "  kept      {name} (it supports the shard key)")?;
        }
        for sentence in &self.left {
            writeln!(f, "  left      {sentence} (apply with --drop-extra to change it)")?;
        }
        write!(
            f,
            "{} created, {} modified, {} dropped, {} left as they are",
            self.created.len(),
            self.modified.len(),
            self.dropped.len(),
            self.left.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index_plan::ExistingIndex;
    use crate::indexes::example;

    #[test]
    fn a_different_ttl_is_shown_with_the_coll_mod_that_changes_it() {
        let spec = example::EXPIRES_TTL;
        let existing = ExistingIndex {
            collection: "holds".to_owned(),
            name: spec.name.to_owned(),
            keys: spec.key_document(),
            unique: false,
            expire_after_secs: Some(3600),
            partial_filter: None,
        };
        let differences = vec![Difference::Ttl { declared: Some(0), server: Some(3600) }];
        let plan = IndexPlan { items: vec![PlanItem::Different { spec, existing, differences }] };

        let shown = plan.to_string();

        assert!(shown.contains("different  holds.expires_ttl: TTL 0 s declared, 3600 s on the server"), "{shown}");
        assert!(
            shown.contains(
                r#"db.runCommand({ "collMod": "holds", "index": { "name": "expires_ttl", "expireAfterSeconds": 0 } })"#
            ),
            "{shown}"
        );
        assert!(shown.ends_with("0 missing, 1 different, 0 extra"), "{shown}");
    }
}
