//! `replSetGetStatus` replies: how far each member is behind the primary, and the term.
//!
//! The command needs the `replSetGetStatus` privilege action on the cluster (manual,
//! "replSetGetStatus", Access Control; the built-in `clusterMonitor` role holds it). A member's
//! lag is the primary's `optimeDate` minus the member's, as `rs.printSecondaryReplicationInfo()`
//! reports it; without a primary (an election in progress) the freshest member's optime stands
//! in. Members with no optime (arbiters) or that the server cannot reach (`health: 0`) have no
//! lag: their figure is unknown.

use std::time::Duration;

use bson::{Bson, Document};

use super::reading::number;

/// One member's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// `host:port`, as the set's configuration names it.
    pub name: String,
    /// `PRIMARY`, `SECONDARY`, `ARBITER`, `RECOVERING`…
    pub state: String,
    /// Behind the primary; `None` when the member has no optime or is unreachable.
    pub lag: Option<Duration>,
}

/// The set's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replication {
    /// The election term the server is in.
    pub term: Option<i64>,
    /// Every member of the set.
    pub members: Vec<Member>,
}

impl Replication {
    /// The member in state `PRIMARY`, if any.
    pub fn primary(&self) -> Option<&str> {
        self.members.iter().find(|member| member.state == "PRIMARY").map(|member| member.name.as_str())
    }
}

fn healthy(member: &Document) -> bool {
    // The server reports itself with `health: 1` too; a member it cannot reach has 0.
    number(member, "health").is_none_or(|health| health > 0.0)
}

/// Reads a `replSetGetStatus` reply; `None` when it has no `members` array.
pub fn parse(reply: &Document) -> Option<Replication> {
    let members: Vec<&Document> = reply.get_array("members").ok()?.iter().filter_map(Bson::as_document).collect();
    let optime = |member: &Document| member.get_datetime("optimeDate").ok().filter(|_| healthy(member)).copied();
    let primary =
        members.iter().find(|member| member.get_str("stateStr").ok() == Some("PRIMARY")).and_then(|m| optime(m));
    let reference = primary.or_else(|| members.iter().filter_map(|member| optime(member)).max());
    let term = match reply.get("term") {
        Some(Bson::Int64(term)) => Some(*term),
        Some(Bson::Int32(term)) => Some(i64::from(*term)),
        _ => None,
    };
    let members = members
        .iter()
        .map(|member| Member {
            name: member.get_str("name").unwrap_or("?").to_owned(),
            state: member.get_str("stateStr").unwrap_or("UNKNOWN").to_owned(),
            lag: reference.zip(optime(member)).map(|(reference, own)| {
                Duration::from_millis(u64::try_from(reference.timestamp_millis() - own.timestamp_millis()).unwrap_or(0))
            }),
        })
        .collect();
    Some(Replication { term, members })
}

#[cfg(test)]
mod tests {
    use bson::{DateTime, doc};

    use super::*;

    fn at(seconds: i64) -> DateTime {
        DateTime::from_millis(1_765_000_000_000 + seconds * 1000)
    }

    /// A three-member set with one secondary 12 s behind and an arbiter, as `replSetGetStatus`
    /// answers (manual, "replSetGetStatus", Output).
    fn recorded() -> Document {
        doc! {
            "set": "rs0", "date": at(20), "myState": 1, "term": 7_i64,
            "members": [
                { "_id": 0, "name": "m1.example.net:27017", "health": 1.0, "state": 1, "stateStr": "PRIMARY",
                  "optime": { "ts": bson::Timestamp { time: 1, increment: 1 }, "t": 7_i64 }, "optimeDate": at(20), "self": true },
                { "_id": 1, "name": "m2.example.net:27017", "health": 1.0, "state": 2, "stateStr": "SECONDARY",
                  "optime": { "ts": bson::Timestamp { time: 1, increment: 1 }, "t": 7_i64 }, "optimeDate": at(8) },
                { "_id": 2, "name": "m3.example.net:27017", "health": 1.0, "state": 7, "stateStr": "ARBITER" },
            ],
            "ok": 1.0,
        }
    }

    #[test]
    fn a_secondary_lags_by_the_primary_optime_minus_its_own() {
        let status = parse(&recorded()).expect("a status reply");

        assert_eq!(status.term, Some(7));
        assert_eq!(status.primary(), Some("m1.example.net:27017"));
        let lags: Vec<Option<Duration>> = status.members.iter().map(|member| member.lag).collect();
        assert_eq!(lags, [Some(Duration::ZERO), Some(Duration::from_secs(12)), None]);
    }

    #[test]
    fn an_unreachable_member_has_no_lag_and_without_a_primary_the_freshest_optime_stands_in() {
        let mut reply = recorded();
        let members = reply.get_array_mut("members").expect("members");
        if let Some(Bson::Document(first)) = members.get_mut(0) {
            first.insert("stateStr", "SECONDARY");
            first.insert("health", 0.0);
        }
        members.push(Bson::Document(
            doc! { "name": "m4.example.net:27017", "stateStr": "SECONDARY", "health": 1.0, "optimeDate": at(14) },
        ));

        let status = parse(&reply).expect("a status reply");

        assert_eq!(status.primary(), None);
        let lags: Vec<Option<Duration>> = status.members.iter().map(|member| member.lag).collect();
        assert_eq!(lags, [None, Some(Duration::from_secs(6)), None, Some(Duration::ZERO)]);
    }

    #[test]
    fn a_reply_without_members_is_unexpected() {
        assert_eq!(parse(&doc! { "ok": 1.0, "result": [] }), None);
    }
}
