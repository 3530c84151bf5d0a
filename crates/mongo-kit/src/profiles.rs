//! Consistency profiles: one write concern, read concern, read preference and time limit per class
//! of operation, applied when collection handles and transactions are created.
//!
//! This module is the only place that builds concerns: repositories receive collection handles
//! made by [`Profile::collection_options`] and transaction options from
//! [`Profile::transaction_options`], so no call site holds a concern literal. The defaults follow
//! the design table; [`Profiles::with_overrides`] changes them from configuration, and the
//! critical class refuses anything weaker than majority writes on the primary.

mod handles;
mod overrides;
mod render;

pub use handles::{AsFailure, Classed, Report, Use};
pub use render::ProfileRow;

use std::fmt;
use std::time::Duration;

use mongodb::options::{
    Acknowledgment, CollectionOptions, ReadConcern, ReadPreference, ReadPreferenceOptions, SelectionCriteria,
    TransactionOptions, WriteConcern,
};

/// A class of operation: what it needs from the database decides its concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OperationClass {
    /// Money and the audit trail: majority, journaled, primary, snapshot in transactions.
    Critical,
    /// Ordinary reads and writes of the service's own data.
    Standard,
    /// Derived, regenerable data (feeds): fast and possibly stale.
    Feed,
    /// Batch ingestion: throughput first.
    Bulk,
    /// Reports and statistics: committed data, preferably from a secondary.
    Analytics,
}

impl OperationClass {
    /// Every class, in table order.
    pub const ALL: [Self; 5] = [Self::Critical, Self::Standard, Self::Feed, Self::Bulk, Self::Analytics];

    /// The lower-case name used in overrides, metrics labels and the table.
    pub fn name(self) -> &'static str {
        match self {
            Self::Critical => "critical",
            Self::Standard => "standard",
            Self::Feed => "feed",
            Self::Bulk => "bulk",
            Self::Analytics => "analytics",
        }
    }

    /// The class with this name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|class| class.name() == raw)
    }
}

impl fmt::Display for OperationClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How many members must acknowledge a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteAck {
    /// A majority of voting members.
    Majority,
    /// This many members (at least 1: unacknowledged writes are never used).
    Nodes(u32),
}

/// A read concern level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadLevel {
    /// The member's most recent data.
    Local,
    /// Data acknowledged by a majority.
    Majority,
    /// One majority-committed point in time (transactions).
    Snapshot,
    /// Majority data reflecting every write acknowledged before the read.
    Linearizable,
    /// Like local, without waiting on sharding metadata.
    Available,
}

/// Which member serves reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMode {
    /// Only the primary.
    Primary,
    /// The primary, else a secondary.
    PrimaryPreferred,
    /// Only secondaries.
    Secondary,
    /// A secondary, else the primary.
    SecondaryPreferred,
    /// The member with the lowest latency.
    Nearest,
}

/// The effective settings of one class.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    class: OperationClass,
    write: Option<WriteAck>,
    journal: Option<bool>,
    read_concern: ReadLevel,
    transaction_read_concern: Option<ReadLevel>,
    read_mode: ReadMode,
    max_staleness: Option<Duration>,
    time_limit: Duration,
}

impl Profile {
    /// The design table's defaults for `class`.
    pub fn default_for(class: OperationClass) -> Self {
        let base = Self {
            class,
            write: Some(WriteAck::Majority),
            journal: None,
            read_concern: ReadLevel::Local,
            transaction_read_concern: None,
            read_mode: ReadMode::Primary,
            max_staleness: None,
            time_limit: Duration::from_secs(1),
        };
        match class {
            OperationClass::Critical => Self {
                journal: Some(true),
                read_concern: ReadLevel::Majority,
                transaction_read_concern: Some(ReadLevel::Snapshot),
                time_limit: Duration::from_secs(2),
                ..base
            },
            OperationClass::Standard => base,
            OperationClass::Feed => Self {
                write: Some(WriteAck::Nodes(1)),
                read_mode: ReadMode::SecondaryPreferred,
                max_staleness: Some(Duration::from_secs(90)),
                time_limit: Duration::from_millis(300),
                ..base
            },
            OperationClass::Bulk => {
                Self { write: Some(WriteAck::Nodes(1)), time_limit: Duration::from_secs(30), ..base }
            }
            OperationClass::Analytics => Self {
                write: None,
                read_concern: ReadLevel::Majority,
                read_mode: ReadMode::SecondaryPreferred,
                time_limit: Duration::from_secs(10),
                ..base
            },
        }
    }

    /// The class this profile belongs to.
    pub fn class(&self) -> OperationClass {
        self.class
    }

    /// The time limit of one operation (one batch for the bulk class).
    pub fn time_limit(&self) -> Duration {
        self.time_limit
    }

    /// The write concern, or `None` for a class that never writes.
    pub fn write_concern(&self) -> Option<WriteConcern> {
        let w = match self.write? {
            WriteAck::Majority => Acknowledgment::Majority,
            WriteAck::Nodes(n) => Acknowledgment::Nodes(n),
        };
        // The replication wait shares the operation's time limit.
        Some(WriteConcern::builder().w(w).journal(self.journal).w_timeout(self.time_limit).build())
    }

    /// The read concern outside transactions.
    pub fn read_concern(&self) -> ReadConcern {
        level(self.read_concern)
    }

    /// Whether the read preference lets a secondary serve reads (any mode but `primary`).
    pub fn may_read_from_secondaries(&self) -> bool {
        self.read_mode != ReadMode::Primary
    }

    /// The read preference.
    pub fn selection_criteria(&self) -> SelectionCriteria {
        let options = self.max_staleness.map(|s| ReadPreferenceOptions::builder().max_staleness(s).build());
        SelectionCriteria::ReadPreference(match self.read_mode {
            ReadMode::Primary => ReadPreference::Primary,
            ReadMode::PrimaryPreferred => ReadPreference::PrimaryPreferred { options },
            ReadMode::Secondary => ReadPreference::Secondary { options },
            ReadMode::SecondaryPreferred => ReadPreference::SecondaryPreferred { options },
            ReadMode::Nearest => ReadPreference::Nearest { options },
        })
    }

    /// Options for `Database::collection_with_options`: every operation on the handle inherits
    /// this profile's concerns.
    pub fn collection_options(&self) -> CollectionOptions {
        CollectionOptions::builder()
            .write_concern(self.write_concern())
            .read_concern(Some(self.read_concern()))
            .selection_criteria(Some(self.selection_criteria()))
            .build()
    }

    /// Options for a transaction of this class: the transaction read concern (snapshot for the
    /// critical class), the write concern, the read preference, and the time limit on the commit.
    pub fn transaction_options(&self) -> TransactionOptions {
        TransactionOptions::builder()
            .read_concern(Some(level(self.transaction_read_concern.unwrap_or(self.read_concern))))
            .write_concern(self.write_concern())
            .selection_criteria(Some(self.selection_criteria()))
            .max_commit_time(Some(self.time_limit))
            .build()
    }
}

fn level(level: ReadLevel) -> ReadConcern {
    match level {
        ReadLevel::Local => ReadConcern::local(),
        ReadLevel::Majority => ReadConcern::majority(),
        ReadLevel::Snapshot => ReadConcern::snapshot(),
        ReadLevel::Linearizable => ReadConcern::linearizable(),
        ReadLevel::Available => ReadConcern::available(),
    }
}

/// The profile of every class.
#[derive(Debug, Clone, PartialEq)]
pub struct Profiles {
    profiles: [Profile; 5],
}

impl Default for Profiles {
    fn default() -> Self {
        Self { profiles: OperationClass::ALL.map(Profile::default_for) }
    }
}

impl Profiles {
    /// The profile of `class`.
    pub fn get(&self, class: OperationClass) -> &Profile {
        &self.profiles[class as usize]
    }

    fn get_mut(&mut self, class: OperationClass) -> &mut Profile {
        &mut self.profiles[class as usize]
    }
}
