//! `hello` replies: the replica set the server belongs to and the primary it knows.
//!
//! `hello` needs no privilege (manual, "hello": "the command does not require authentication").
//! A standalone answers without `setName`; a `mongos` answers `msg: "isdbgrid"`, also without
//! one: for both, replication and the oplog are unknown (`not_replica_set`).

use bson::Document;

/// The server's view of its set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Primary {
    /// The replica set's name; `None` on a standalone or `mongos`.
    pub set_name: Option<String>,
    /// The primary's `host:port`, when the server knows one.
    pub primary: Option<String>,
}

/// Reads a `hello` reply; `None` when it is not one (neither `isWritablePrimary` nor the legacy
/// `ismaster`).
pub fn parse(reply: &Document) -> Option<Primary> {
    if !reply.contains_key("isWritablePrimary") && !reply.contains_key("ismaster") {
        return None;
    }
    let text = |key: &str| reply.get_str(key).ok().map(str::to_owned);
    Some(Primary { set_name: text("setName"), primary: text("primary") })
}

#[cfg(test)]
mod tests {
    use bson::doc;

    use super::*;

    #[test]
    fn a_replica_set_member_names_its_set_and_primary() {
        // As a secondary of a three-member set answers (manual, "hello", replica set fields).
        let reply = doc! {
            "topologyVersion": { "processId": bson::oid::ObjectId::new(), "counter": 6_i64 },
            "hosts": ["m1.example.net:27017", "m2.example.net:27017", "m3.example.net:27017"],
            "setName": "rs0", "setVersion": 3, "isWritablePrimary": false, "secondary": true,
            "primary": "m1.example.net:27017", "me": "m2.example.net:27017",
            "electionId": bson::oid::ObjectId::new(), "maxWireVersion": 25, "ok": 1.0,
        };

        let seen = parse(&reply).expect("a hello reply");

        assert_eq!(seen.set_name.as_deref(), Some("rs0"));
        assert_eq!(seen.primary.as_deref(), Some("m1.example.net:27017"));
    }

    #[test]
    fn a_standalone_names_no_set() {
        let reply = doc! { "isWritablePrimary": true, "maxWireVersion": 25, "ok": 1.0 };

        assert_eq!(parse(&reply), Some(Primary { set_name: None, primary: None }));
    }

    #[test]
    fn a_reply_that_is_not_hello_is_unexpected() {
        assert_eq!(parse(&doc! { "ok": 1.0, "result": [] }), None);
    }
}
