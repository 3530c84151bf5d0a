//! A refused command: which command, which rule of MongoDB 8.0 it breaks, where the manual says
//! so, and the error reply MongoDB would send instead of running it.

use mongodb::bson::{Document, doc};

/// Where every error message of the check starts, so a test's output names its source.
pub const PREFIX: &str = "MongoDB rules check:";

/// One rule: a short name, the page that states it (MongoDB's manual for MongoDB's rules, the
/// team's own document for a team's) and the error the gate answers with, as the server would.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// What the rule forbids, in a few words.
    pub name: &'static str,
    /// The page (and section) that states it.
    pub manual: &'static str,
    /// The server's error code for it.
    pub code: i32,
    /// The error code's name.
    pub code_name: &'static str,
}

impl Rule {
    /// A rule answered with `OperationNotSupportedInTransaction` (263), as the server answers
    /// commands and stages refused in transactions.
    pub const fn in_transaction(name: &'static str, manual: &'static str) -> Self {
        Self { name, manual, code: 263, code_name: "OperationNotSupportedInTransaction" }
    }

    /// A rule answered with `InvalidOptions` (72), as the server answers misplaced read and
    /// write concerns.
    pub const fn invalid_options(name: &'static str, manual: &'static str) -> Self {
        Self { name, manual, code: 72, code_name: "InvalidOptions" }
    }
}

/// A command that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The command's name.
    pub command: String,
    /// The rule it breaks.
    pub rule: &'static Rule,
    /// What in the command breaks it.
    pub detail: String,
}

impl Violation {
    /// A violation of `rule` by `command`, `detail` saying what in it.
    pub fn new(command: &str, rule: &'static Rule, detail: impl Into<String>) -> Self {
        Self { command: command.to_owned(), rule, detail: detail.into() }
    }

    /// The error message: the prefix, the command, the rule, the detail and the manual page.
    pub fn message(&self) -> String {
        format!("{PREFIX} `{}` breaks \"{}\": {} (see {})", self.command, self.rule.name, self.detail, self.rule.manual)
    }

    /// The reply MongoDB would send: `ok: 0` with the rule's code and this message.
    pub fn reply(&self) -> Document {
        doc! { "ok": 0.0, "errmsg": self.message(), "code": self.rule.code, "codeName": self.rule.code_name }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static RULE: Rule = Rule::in_transaction("stage not allowed in a transaction", "https://example.invalid/page");

    #[test]
    fn the_reply_is_a_server_error_naming_command_rule_and_page() {
        let violation = Violation::new("aggregate", &RULE, "pipeline[1] is $unionWith");

        let reply = violation.reply();

        assert_eq!(reply.get_f64("ok").ok(), Some(0.0));
        assert_eq!(reply.get_i32("code").ok(), Some(263));
        assert_eq!(reply.get_str("codeName").ok(), Some("OperationNotSupportedInTransaction"));
        let message = reply.get_str("errmsg").expect("a message");
        assert!(message.starts_with("MongoDB rules check:"), "{message}");
        for part in ["`aggregate`", "stage not allowed in a transaction", "$unionWith", "https://example.invalid/page"]
        {
            assert!(message.contains(part), "{message} lacks {part}");
        }
    }
}
