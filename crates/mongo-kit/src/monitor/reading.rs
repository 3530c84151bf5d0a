//! What a check saw, or why it saw nothing.

use std::time::Duration;

use bson::Document;

use crate::classify;

/// A check's answer: a figure, or the reason there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading<T> {
    /// The server answered.
    Known(T),
    /// The server could not answer.
    Unknown(Unknown),
}

/// Why a check has no figure: the `reason` label of `mongodb_monitor_unknown_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unknown {
    /// The server is not a replica-set member (a standalone): no replication, no oplog.
    NotReplicaSet,
    /// The user lacks the privilege the command needs (see the module's list).
    Unauthorized,
    /// No answer within the limit, or no server reachable.
    Unreachable,
    /// The server refused the command for another reason (it may not implement it).
    Refused,
    /// The server answered, but not in the shape MongoDB documents.
    UnexpectedReply,
    /// The oplog holds no entry to measure from.
    EmptyOplog,
}

impl Unknown {
    /// Every reason, so each counter shows from the first scrape.
    pub const ALL: [Self; 6] = [
        Self::NotReplicaSet,
        Self::Unauthorized,
        Self::Unreachable,
        Self::Refused,
        Self::UnexpectedReply,
        Self::EmptyOplog,
    ];

    /// The label value.
    pub fn name(self) -> &'static str {
        match self {
            Self::NotReplicaSet => "not_replica_set",
            Self::Unauthorized => "unauthorized",
            Self::Unreachable => "unreachable",
            Self::Refused => "refused",
            Self::UnexpectedReply => "unexpected_reply",
            Self::EmptyOplog => "empty_oplog",
        }
    }

    /// The reason a driver error gives.
    pub(crate) fn of(error: &mongodb::error::Error) -> Self {
        if classify::is_unauthorized(error) {
            Self::Unauthorized
        } else if classify::is_not_replica_set(error) {
            Self::NotReplicaSet
        } else if classify::is_transient(error) {
            Self::Unreachable
        } else {
            Self::Refused
        }
    }
}

/// Runs `command` within `limit` and parses its reply.
pub(super) async fn ask<T>(
    limit: Duration,
    command: impl IntoFuture<Output = mongodb::error::Result<Document>>,
    parse: fn(&Document) -> Option<T>,
) -> Reading<T> {
    match tokio::time::timeout(limit, command.into_future()).await {
        Err(_) => Reading::Unknown(Unknown::Unreachable),
        Ok(Err(error)) => Reading::Unknown(Unknown::of(&error)),
        Ok(Ok(reply)) => parse(&reply).map_or(Reading::Unknown(Unknown::UnexpectedReply), Reading::Known),
    }
}

/// A number as BSON may carry it (int32, int64 or double).
pub(super) fn number(document: &Document, key: &str) -> Option<f64> {
    match document.get(key)? {
        bson::Bson::Int32(value) => Some(f64::from(*value)),
        #[expect(clippy::cast_precision_loss, reason = "counts and terms stay far below 2^53")]
        bson::Bson::Int64(value) => Some(*value as f64),
        bson::Bson::Double(value) => Some(*value),
        _ => None,
    }
}
