//! The rules table: which checks a gate runs ([`Rules`]), each a family of rules with the
//! function that finds the first one a request breaks ([`Check`]).

use std::fmt;

use super::context::Context;
use super::violation::{Rule, Violation};

/// Where a check applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// To every request.
    Everywhere,
    /// Only to requests that run in a transaction (the judge knows each session's state).
    InTransaction,
}

/// One entry of the table: a family of rules and the function that checks a request against
/// them. A team writes its own as a `static` beside its [`Rule`]s:
///
/// ```
/// use mongo_kit_test::rules::{Check, Context, Rule, Scope, Violation};
///
/// /// Orders are only ever deleted by the retention job, never by a service's own command.
/// static NO_DELETE_OF_ORDERS: Rule = Rule {
///     name: "orders are never deleted by the service (retention deletes them)",
///     manual: "https://example.invalid/orders/retention",
///     code: 13,
///     code_name: "Unauthorized",
/// };
///
/// fn no_delete_of_orders(cx: &Context<'_>) -> Result<(), Violation> {
///     match (cx.name(), cx.collection()) {
///         ("delete", Some("orders")) => Err(cx.violation(&NO_DELETE_OF_ORDERS, "delete on orders")),
///         _ => Ok(()),
///     }
/// }
///
/// static ORDERS_RULES: Check = Check {
///     family: "orders",
///     scope: Scope::Everywhere,
///     rules: &[&NO_DELETE_OF_ORDERS],
///     check: no_delete_of_orders,
/// };
///
/// // Unit-tested like MongoDB's own rules, then put in front of a client with `RulesCheck`.
/// use mongo_kit_test::rules::Rules;
/// use mongo_kit_test::rules::testing::verdicts_of;
/// use mongodb::bson::doc;
///
/// let rules = Rules::mongodb().with(ORDERS_RULES);
/// let delete = doc! { "delete": "orders", "deletes": [{ "q": {}, "limit": 0 }], "$db": "shop" };
/// let find = doc! { "find": "orders", "filter": {}, "$db": "shop" };
///
/// assert_eq!(verdicts_of(&rules, &[delete, find], None), [Some(&NO_DELETE_OF_ORDERS), None]);
/// ```
#[derive(Clone, Copy)]
pub struct Check {
    /// The family's name (`stages`, `concerns`, or a team's own).
    pub family: &'static str,
    /// Where it applies.
    pub scope: Scope,
    /// The rules it may report, each naming its source.
    pub rules: &'static [&'static Rule],
    /// The first rule of [`Check::rules`] the request in `cx` breaks, if any.
    pub check: fn(&Context<'_>) -> Result<(), Violation>,
}

impl fmt::Debug for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Check").field("family", &self.family).field("scope", &self.scope).finish_non_exhaustive()
    }
}

/// The checks a gate runs, in order: MongoDB 8.0's ([`Rules::mongodb`], the table in
/// [`mongodb`](super::mongodb)) and any a team adds ([`Rules::with`]).
///
/// ```
/// # use mongo_kit_test::rules::{Check, Rules, Scope};
/// # static ORDERS_RULES: Check = Check { family: "orders", scope: Scope::Everywhere, rules: &[], check: |_| Ok(()) };
/// let rules = Rules::mongodb().with(ORDERS_RULES);
///
/// assert!(rules.checks().iter().any(|check| check.family == "stages"));
/// assert_eq!(rules.checks().last().map(|check| check.family), Some("orders"));
/// ```
#[derive(Debug, Clone)]
pub struct Rules {
    checks: Vec<Check>,
}

impl Rules {
    /// MongoDB 8.0's rules.
    pub fn mongodb() -> Self {
        Self { checks: super::mongodb::TABLE.to_vec() }
    }

    /// These rules and then `check`.
    #[must_use]
    pub fn with(mut self, check: Check) -> Self {
        self.checks.push(check);
        self
    }

    /// The checks, in the order they run.
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    /// Every rule of every check.
    pub fn rules(&self) -> impl Iterator<Item = &'static Rule> + '_ {
        self.checks.iter().flat_map(|check| check.rules.iter().copied())
    }

    /// The first rule the request in `cx` breaks, checks in order; transaction-only checks are
    /// left out outside transactions.
    pub(crate) fn check(&self, cx: &Context<'_>) -> Result<(), Violation> {
        let in_transaction = cx.in_transaction();
        for check in &self.checks {
            if check.scope == Scope::Everywhere || in_transaction {
                (check.check)(cx)?;
            }
        }
        Ok(())
    }
}

impl Default for Rules {
    /// MongoDB 8.0's rules.
    fn default() -> Self {
        Self::mongodb()
    }
}
