//! MongoDB 8.0's rules, one family per module; each rule cites the manual page that states it.
//!
//! - `limits`: batch and size limits of every request.
//! - `concerns`: read and write concerns in and out of transactions.
//! - `schema`: `$jsonSchema` keywords MongoDB omits, in `create` and `collMod` validators.
//! - `commands`: commands allowed in a transaction, and which may not open one.
//! - `namespaces`: databases and collections a transaction may not touch.
//! - `stages`: aggregation stages refused in a transaction, nested pipelines included.
//! - `ddl`: `create` and `createIndexes` inside a transaction, and their conditions.
//! - `cursors`: a cursor is read in the transaction it was opened in, or outside if it was.
//!
//! Every rule is a function of a [`Context`]: the request, where it runs (in or out of a
//! transaction), for `createIndexes` in a transaction what the catalog holds, and for `getMore`
//! where its cursor was opened.

pub mod commands;
pub mod concerns;
pub mod cursors;
pub mod ddl;
pub mod limits;
pub mod namespaces;
pub mod schema;
pub mod stages;

use mongodb::bson::{Bson, Document};

use super::session::{Place, Transaction};
use super::violation::{Rule, Violation};
use super::wire::Request;

/// What the catalog holds for one collection, asked of the server outside any transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CollectionFacts {
    /// Whether the collection exists (committed).
    pub exists: bool,
    /// The names of its indexes.
    pub indexes: Vec<String>,
}

/// One request as the rules see it.
pub struct Context<'a> {
    /// The request.
    pub request: &'a Request,
    /// Where it runs.
    pub place: Place<'a>,
    /// The catalog's facts on its collection, when they were asked for.
    pub catalog: Option<&'a CollectionFacts>,
    /// For a `getMore` whose cursor's opening was seen: the transaction it was opened in
    /// (`None`: outside any).
    pub cursor_opened_in: Option<Option<i64>>,
}

impl Context<'_> {
    /// The command's name.
    pub fn name(&self) -> &str {
        self.request.name()
    }

    /// The command's body.
    pub fn body(&self) -> &Document {
        &self.request.body
    }

    /// The database it runs on (`$db`).
    pub fn db(&self) -> &str {
        self.request.body.get_str("$db").unwrap_or("")
    }

    /// The collection named by the command's first field, for commands that name one.
    pub fn collection(&self) -> Option<&str> {
        self.request.body.values().next().and_then(Bson::as_str)
    }

    /// `db.collection` of the command's collection.
    pub fn namespace(&self) -> Option<String> {
        self.collection().map(|collection| format!("{}.{collection}", self.db()))
    }

    /// Whether the command runs in a transaction.
    pub fn in_transaction(&self) -> bool {
        !matches!(self.place, Place::Outside)
    }

    /// The transaction this later command belongs to, if its start was seen.
    pub fn transaction(&self) -> Option<&Transaction> {
        match self.place {
            Place::Later(transaction) => transaction,
            _ => None,
        }
    }

    /// The read concern level of the transaction the command runs in: its own on the first
    /// command, the first command's on later ones.
    pub fn transaction_read_level(&self) -> Option<&str> {
        match self.place {
            Place::First => super::session::read_level(self.body()),
            Place::Later(transaction) => transaction.and_then(|t| t.read_level.as_deref()),
            Place::Outside => None,
        }
    }

    /// A violation of `rule` by this command.
    pub fn violation(&self, rule: &'static Rule, detail: impl Into<String>) -> Violation {
        Violation::new(self.name(), rule, detail)
    }
}

/// A number of any BSON numeric type, as the server reads numeric options.
pub fn number(value: &Bson) -> Option<f64> {
    match value {
        Bson::Int32(n) => Some(f64::from(*n)),
        Bson::Int64(n) => Some(*n as f64),
        Bson::Double(n) => Some(*n),
        _ => None,
    }
}

/// The namespaces (`db.coll`) a client-level `bulkWrite` writes to, by `nsInfo` index.
pub fn bulk_namespaces(request: &Request) -> Vec<String> {
    request.documents("nsInfo").iter().filter_map(|info| info.get_str("ns").ok().map(str::to_owned)).collect()
}

/// For each operation of a client-level `bulkWrite`: its kind (`insert`, `update`, `delete`),
/// its namespace's index in `nsInfo`, and whether it is an upsert.
pub fn bulk_operations(request: &Request) -> Vec<(&'static str, usize, bool)> {
    request
        .documents("ops")
        .iter()
        .filter_map(|op| {
            let (kind, index) = ["insert", "update", "delete"]
                .into_iter()
                .find_map(|kind| op.get(kind).and_then(number).map(|index| (kind, index)))?;
            // An index into `nsInfo`: small and not negative in any request a driver sends.
            Some((kind, index as usize, op.get_bool("upsert").ok() == Some(true)))
        })
        .collect()
}
