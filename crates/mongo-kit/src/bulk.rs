//! The bulk upsert pipeline's write half: a batch of upserts keyed by a unique field, sent in one
//! round trip where the server allows it, with an answer for every item.
//!
//! Each [`Upsert`] is an equality filter on its key and an update pipeline that writes only when
//! the document differs (so matched-without-modification means unchanged). The batch travels as
//! one unordered client `bulkWrite` with verbose results (wire version 25 and up), as `update`
//! commands carrying many statements (any server; split below the size limits and never holding a
//! key twice), or one `update` per item (the naive loop, for comparison). Every item is answered:
//! inserted, updated or unchanged, a duplicate key (a racing insert of the same key: send it
//! again and it matches), or a failure that says whether the item may have been applied.
//!
//! The `update` reply gives matched and modified only as totals; when a command mixes updated and
//! unchanged items, they are told apart by reading back which keys carry the batch's [`Marker`]
//! (a field the update pipeline writes, such as `updated_at` = the batch's time).
//!
//! A caller may read first instead ([`BulkUpsert::read`]): then only what differs is written,
//! new documents as plain inserts ([`BulkUpsert::insert`]) and changed ones as upserts, and an
//! unchanged document costs no write at all.
//!
//! # Layout
//! - `bulk_write`: the client `bulkWrite` path.
//! - `update_command`: the `update` command path.
//! - `one_by_one`: one `update` per item.
//! - `read_first`: the read of a batch's keys and the inserts of the missing ones.

mod bulk_write;
mod one_by_one;
mod read_first;
mod update_command;

use bson::{Bson, Document};
use mongodb::error::ErrorKind;
use mongodb::{Client, Collection, Database};

use crate::classify::{ErrorClass, error_class, is_duplicate_key, is_transient};
use crate::profiles::Classed;

/// One upsert: `filter` (an equality on the key field) and the pipeline `update`.
#[derive(Debug, Clone, PartialEq)]
pub struct Upsert {
    /// The key's value (the filter's unique field), as text: a command never holds it twice.
    pub key: String,
    /// Which document: `{<key field>: <key>}`.
    pub filter: Document,
    /// The update pipeline, sent with `upsert: true`.
    pub update: Vec<Document>,
}

/// What an applied upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No document had the key: one was inserted.
    Inserted,
    /// The document differed and was rewritten.
    Updated,
    /// The document was already as the upsert would write it.
    Unchanged,
}

/// Why an item failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemError {
    /// It may have been applied (a time limit, a broken connection): read it back or send it again.
    Unknown(String),
    /// Not applied; a retry may succeed.
    Transient(String),
    /// Not applied; a retry will fail the same way.
    Permanent(String),
}

impl std::fmt::Display for ItemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unknown(text) | Self::Transient(text) | Self::Permanent(text) => f.write_str(text),
        }
    }
}

/// What the server said about one item.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Applied.
    Applied(Outcome),
    /// A unique index refused it: a racing insert of the same key, which a second send matches.
    DuplicateKey,
    /// It failed.
    Failed(ItemError),
}

impl Answer {
    /// The answer for an item that failed with `error`.
    fn from_error(error: mongodb::error::Error) -> Self {
        if is_duplicate_key(&error) { Self::DuplicateKey } else { Self::Failed(item_error(error)) }
    }

    /// The answer for an item the server counted: an upsert inserted, a modification updated, a
    /// match without modification left the document as it was.
    fn from_counts(matched: u64, modified: u64, upserted: bool) -> Self {
        match (upserted, modified, matched) {
            (true, _, _) => Self::Applied(Outcome::Inserted),
            (false, 1.., _) => Self::Applied(Outcome::Updated),
            (false, 0, 1..) => Self::Applied(Outcome::Unchanged),
            (false, 0, 0) => {
                Self::Failed(ItemError::Transient("the server neither matched nor inserted the document".to_owned()))
            }
        }
    }
}

/// The item error for `error`: unknown when the item may have been applied (a time limit, a
/// broken connection), transient when a retry may succeed, else permanent.
pub fn item_error(error: mongodb::error::Error) -> ItemError {
    let unknown = error_class(&error) == ErrorClass::Timeout || matches!(error.kind.as_ref(), ErrorKind::Io(_));
    let transient = is_transient(&error);
    let text = crate::classify::classify(error).to_string();
    match (unknown, transient) {
        (true, _) => ItemError::Unknown(text),
        (false, true) => ItemError::Transient(text),
        (false, false) => ItemError::Permanent(text),
    }
}

/// A field the update pipeline writes with the batch's own value, which tells an updated
/// document from an unchanged one when the server only reports totals.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// The field (`updated_at`).
    pub field: &'static str,
    /// The value every updated document of the batch carries.
    pub value: Bson,
}

/// How a batch travels to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WritePath {
    /// One client-level `bulkWrite` per batch (wire version 25 and up).
    ClientBulkWrite,
    /// `update` commands carrying many statements (any server).
    UpdateCommands,
    /// One `update` command per item: the naive loop, for comparison only.
    OneByOne,
}

impl WritePath {
    /// The lower-case name shown in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::ClientBulkWrite => "bulkWrite",
            Self::UpdateCommands => "update commands",
            Self::OneByOne => "one update per document",
        }
    }
}

/// Upserts into one collection, keyed by one unique field.
#[derive(Debug, Clone)]
pub struct BulkUpsert {
    client: Client,
    database: Database,
    target: Classed<Document>,
    key_field: &'static str,
}

impl BulkUpsert {
    /// Upserts into `target` (its class gives the write concern and the time limit per batch),
    /// keyed by `key_field`.
    pub fn new(client: Client, database: Database, target: Classed<Document>, key_field: &'static str) -> Self {
        Self { client, database, target, key_field }
    }

    /// The collection written to.
    pub fn collection(&self) -> &Collection<Document> {
        self.target.collection()
    }

    /// Sends `upserts` on `path` and answers for each, in order. `marker` is what the update
    /// pipeline writes into every document it changes (used by [`WritePath::UpdateCommands`]).
    pub async fn send(&self, path: WritePath, upserts: Vec<Upsert>, marker: &Marker) -> Vec<Answer> {
        match path {
            WritePath::ClientBulkWrite => bulk_write::send(self, upserts).await,
            WritePath::UpdateCommands => update_command::send(self, upserts, marker).await,
            WritePath::OneByOne => one_by_one::send(self, upserts).await,
        }
    }

    /// The stored documents whose key field holds one of `keys` (distinct), read from the primary within
    /// the class's time limit, in no particular order.
    ///
    /// # Errors
    /// The driver's error for the read (nothing was written).
    pub async fn read(&self, keys: &[&str]) -> mongodb::error::Result<Vec<Document>> {
        read_first::read(self, keys).await
    }

    /// Inserts `documents` (whole documents, each with its key field) in one unordered `insert`
    /// and answers for each, in order: [`Outcome::Inserted`], [`Answer::DuplicateKey`] when the
    /// key was stored meanwhile (send it as an [`Upsert`] then), or the failure.
    pub async fn insert(&self, documents: Vec<Document>) -> Vec<Answer> {
        read_first::insert(self, documents).await
    }
}
