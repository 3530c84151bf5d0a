//! What the proxy does to a chosen command: the `failCommand` fail point's faults, decided on the
//! client side of the wire. The named errors carry the codes and labels a MongoDB 8.0 server
//! sends (codes: <https://github.com/mongodb/mongo/blob/master/src/mongo/base/error_codes.yml>;
//! labels: the transactions and retryable-writes specifications of the drivers).

use std::time::Duration;

use mongodb::bson::{Document, doc};

/// A fault.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Forward the command, then drop its reply and cut the client's connection: the command
    /// ran, but the client cannot know (a lost reply).
    CutAfterForward,
    /// Answer with this document instead of forwarding (the server never sees the command).
    Reply(Document),
    /// Forward the command after this pause.
    Delay(Duration),
    /// Forward the command at once, and hold its reply back for this pause (the server acted;
    /// the client waits).
    DelayReply(Duration),
    /// Forward the command, then set these fields in the server's reply: the command ran, and
    /// the client is told something more (a `writeConcernError`, say).
    Amend(Document),
}

impl Fault {
    /// An error reply: `ok: 0` with `code`, `code_name`, a message and `labels`.
    pub fn error(code: i32, code_name: &str, labels: &[&str]) -> Self {
        Self::Reply(doc! {
            "ok": 0,
            "errmsg": format!("{code_name} injected by the test proxy"),
            "code": code,
            "codeName": code_name,
            "errorLabels": labels.iter().map(|label| (*label).to_owned()).collect::<Vec<_>>(),
        })
    }

    /// A write conflict inside a transaction, labelled `TransientTransactionError`: the
    /// driver's transaction API runs the whole transaction again.
    pub fn write_conflict() -> Self {
        Self::error(112, "WriteConflict", &["TransientTransactionError"])
    }

    /// The member is no longer primary (an election), labelled `RetryableWriteError` as a 4.4+
    /// server labels it on a write: the driver retries a retryable write once, on the new
    /// primary.
    pub fn not_writable_primary() -> Self {
        Self::error(10107, "NotWritablePrimary", &["RetryableWriteError"])
    }

    /// A commit whose outcome the server cannot tell (it timed out waiting for the write
    /// concern), labelled `UnknownTransactionCommitResult`: the driver retries the commit.
    /// For a commit whose reply is lost on the way, use [`Fault::CutAfterForward`].
    pub fn unknown_commit_result() -> Self {
        Self::error(50, "MaxTimeMSExpired", &["UnknownTransactionCommitResult"])
    }

    /// The command ran, but the write concern was not satisfied in time: the server's reply
    /// gains a `writeConcernError` (`WriteConcernFailed`, 64, with `wtimeout`), so the write may
    /// or may not survive; the caller cannot tell.
    pub fn write_concern_error() -> Self {
        Self::Amend(doc! {
            "writeConcernError": {
                "code": 64,
                "codeName": "WriteConcernFailed",
                "errmsg": "waiting for replication timed out (injected by the test proxy)",
                "errInfo": { "wtimeout": true },
            },
        })
    }
}

/// Which occurrences of the command a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occurrence {
    /// Only the nth (from 1), counted from when the rule was added.
    Nth(usize),
    /// Every one.
    Every,
}

/// A fault for some occurrences of one command.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The command name (`bulkWrite`, `commitTransaction`, `update`, ...).
    pub command: String,
    /// Which occurrences.
    pub occurrence: Occurrence,
    /// What to do.
    pub fault: Fault,
    /// Occurrences seen since the rule was added.
    seen: usize,
}

impl Rule {
    /// `fault` on the `nth` (from 1) `command` from now on.
    pub fn nth(command: &str, nth: usize, fault: Fault) -> Self {
        Self { command: command.to_owned(), occurrence: Occurrence::Nth(nth), fault, seen: 0 }
    }

    /// `fault` on every `command` from now on.
    pub fn every(command: &str, fault: Fault) -> Self {
        Self { command: command.to_owned(), occurrence: Occurrence::Every, fault, seen: 0 }
    }

    /// Counts one `command` and returns the fault if this occurrence is chosen.
    pub fn hit(&mut self, command: &str) -> Option<Fault> {
        if command != self.command {
            return None;
        }
        self.seen += 1;
        match self.occurrence {
            Occurrence::Every => Some(self.fault.clone()),
            Occurrence::Nth(n) if n == self.seen => Some(self.fault.clone()),
            Occurrence::Nth(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_nth_rule_fires_once_on_its_occurrence_of_its_command_only() {
        let mut rule = Rule::nth("commitTransaction", 2, Fault::CutAfterForward);

        let fired: Vec<bool> = ["commitTransaction", "find", "commitTransaction", "commitTransaction"]
            .into_iter()
            .map(|command| rule.hit(command).is_some())
            .collect();

        assert_eq!(fired, [false, false, true, false]);
    }

    #[test]
    fn an_every_rule_fires_on_each_occurrence() {
        let mut rule = Rule::every("bulkWrite", Fault::write_conflict());

        assert!(rule.hit("bulkWrite").is_some() && rule.hit("bulkWrite").is_some());
        assert!(rule.hit("update").is_none());
    }
}
