//! What the proxy does to a chosen command: the `failCommand` fail point's faults, decided on the
//! client side of the wire.

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

    /// A write conflict inside a transaction, labelled `TransientTransactionError`.
    pub fn write_conflict() -> Self {
        Self::error(112, "WriteConflict", &["TransientTransactionError"])
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
