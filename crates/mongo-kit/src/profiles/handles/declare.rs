//! A handle declared in a line: `Use::critical(ORDERS).by("OrderBook::place")`, opened with
//! [`Use::open`].

use mongodb::Database;

use super::{Classed, Report, Use};
use crate::profiles::{OperationClass, Profiles};

impl Use {
    /// A use of `collection` with `class`, by code the profile table does not name yet (see
    /// [`Use::by`]).
    pub const fn new(collection: &'static str, class: OperationClass) -> Self {
        Self { collection, class, by: "" }
    }

    /// A use of `collection` with the critical class (money, the audit trail).
    pub const fn critical(collection: &'static str) -> Self {
        Self::new(collection, OperationClass::Critical)
    }

    /// A use of `collection` with the standard class (a service's own data).
    pub const fn standard(collection: &'static str) -> Self {
        Self::new(collection, OperationClass::Standard)
    }

    /// A use of `collection` with the feed class (derived data, possibly stale).
    pub const fn feed(collection: &'static str) -> Self {
        Self::new(collection, OperationClass::Feed)
    }

    /// A use of `collection` with the bulk class (ingestion).
    pub const fn bulk(collection: &'static str) -> Self {
        Self::new(collection, OperationClass::Bulk)
    }

    /// A use of `collection` with the analytics class (reports, preferably from a secondary).
    pub const fn analytics(collection: &'static str) -> Self {
        Self::new(collection, OperationClass::Analytics)
    }

    /// This use, by `code` (`OrderBook::place`), as the profile table's "used by" column names it.
    #[must_use]
    pub const fn by(self, code: &'static str) -> Self {
        Self { by: code, ..self }
    }

    /// The handle this use declares, in `database`, with `profiles`' settings for its class (as
    /// [`Classed::open`]).
    pub fn open<T: Send + Sync, R: Report>(self, database: &Database, profiles: &Profiles) -> Classed<T, R> {
        Classed::open(database, profiles, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_line_use_is_the_declaration_written_out() {
        const PLACE: Use = Use::critical("orders").by("OrderBook::place");

        assert_eq!(PLACE, Use { collection: "orders", class: OperationClass::Critical, by: "OrderBook::place" });
        assert_eq!(Use::analytics("orders").class, OperationClass::Analytics);
        assert_eq!(Use::feed("feeds"), Use::new("feeds", OperationClass::Feed));
    }
}
