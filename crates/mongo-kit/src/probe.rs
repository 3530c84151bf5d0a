//! Start-up probes: what the server is (from `hello` and `buildInfo`), and whether it keeps and
//! matches UUID ids. Whether it runs a service's transactions is best found by trying that very
//! transaction and aborting it, rather than guessed from the topology; [`TransactionSupport`]
//! carries the verdict.

use std::fmt;

use bson::{Document, doc};
use mongodb::Database;

/// How the deployment is organised, as `hello` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Topology {
    /// One server on its own.
    Standalone,
    /// A replica set member.
    ReplicaSet {
        /// The set's name.
        name: String,
    },
    /// A `mongos` router of a sharded cluster.
    Sharded,
}

impl fmt::Display for Topology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Standalone => f.write_str("standalone"),
            Self::ReplicaSet { name } => write!(f, "replica set {name}"),
            Self::Sharded => f.write_str("sharded cluster"),
        }
    }
}

/// The first wire version with the client-level `bulkWrite` command (MongoDB 8.0).
pub const CLIENT_BULK_WRITE_WIRE_VERSION: i32 = 25;

/// What the server said about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    /// Its topology.
    pub topology: Topology,
    /// `buildInfo.version`, when the server answers it.
    pub version: Option<String>,
    /// The newest wire protocol version it speaks ([`CLIENT_BULK_WRITE_WIRE_VERSION`] and up have
    /// client-level `bulkWrite`).
    pub max_wire_version: Option<i32>,
}

/// Asks the server what it is.
///
/// # Errors
/// The driver's error when neither `hello` nor the legacy `isMaster` answers.
pub async fn server_info(database: &Database) -> mongodb::error::Result<ServerInfo> {
    let hello = match database.run_command(doc! { "hello": 1 }).await {
        Ok(reply) => reply,
        // Servers before 4.4.2 only know the legacy name.
        Err(_) => database.run_command(doc! { "isMaster": 1 }).await?,
    };
    let topology = if hello.get_str("msg").is_ok_and(|msg| msg == "isdbgrid") {
        Topology::Sharded
    } else if let Ok(name) = hello.get_str("setName") {
        Topology::ReplicaSet { name: name.to_owned() }
    } else {
        Topology::Standalone
    };
    let max_wire_version = hello.get_i32("maxWireVersion").ok();
    let version = match database.run_command(doc! { "buildInfo": 1 }).await {
        Ok(info) => info.get_str("version").ok().map(str::to_owned),
        Err(_) => None,
    };
    Ok(ServerInfo { topology, version, max_wire_version })
}

/// Whether transactions work, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransactionSupport {
    /// The trial transaction ran.
    Supported,
    /// The trial transaction failed; the reason names the step and the server's answer.
    Unsupported {
        /// The failure, without credentials.
        reason: String,
    },
}

impl TransactionSupport {
    /// Whether transactions work.
    pub fn is_supported(&self) -> bool {
        matches!(self, Self::Supported)
    }
}

/// Whether the server keeps a UUID (BSON binary subtype 4) as written and finds a document by it,
/// tried on a scratch document in `scratch_collection` (removed again). MongoDB does this; a
/// service whose ids are UUIDs cannot work on a server that does not.
pub async fn uuid_lookups(database: &Database, scratch_collection: &str) -> bool {
    let scratch = database.collection::<Document>(scratch_collection);
    let id = bson::Uuid::new();
    if scratch.insert_one(doc! { "_id": id, "probe": "uuid" }).await.is_err() {
        return false;
    }
    let found = scratch.find_one(doc! { "_id": id }).await;
    // The scratch document must not outlive the probe, whatever the probe found.
    let _ = scratch.delete_many(doc! { "probe": "uuid" }).await;
    let expected = bson::Bson::Binary(bson::Binary::from_uuid(id));
    matches!(found, Ok(Some(document)) if document.get("_id") == Some(&expected))
}
