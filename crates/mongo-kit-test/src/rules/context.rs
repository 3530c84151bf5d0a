//! One request as a rule sees it ([`Context`]): the request, where it runs, and what the
//! server's catalog holds when a rule needs that.

use mongodb::bson::{Bson, Document};

use super::session::{Place, Transaction};
use super::violation::{Rule, Violation};
use crate::wire::Request;

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
