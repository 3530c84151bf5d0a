//! Identifiers. Every id is a UUID; new ones are version 7, so they sort by creation time.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::error::ValidationError;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered (v7) identifier.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an existing UUID (for example one read back from a store).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The UUID inside.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }

            /// Parses the hyphenated text form.
            ///
            /// # Errors
            /// Returns a [`ValidationError`] naming the field when `raw` is not a UUID.
            pub fn parse(raw: &str) -> Result<Self, ValidationError> {
                Uuid::parse_str(raw)
                    .map(Self)
                    .map_err(|_| ValidationError::new($field, "must be a UUID"))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }
    };
}

uuid_id!(
    /// Identifies a product.
    ProductId,
    "product_id"
);
uuid_id!(
    /// Identifies a wallet.
    WalletId,
    "wallet_id"
);
uuid_id!(
    /// Identifies a transfer.
    TransferId,
    "transfer_id"
);
uuid_id!(
    /// Identifies one side of a transfer in a wallet's ledger.
    LedgerEntryId,
    "ledger_entry_id"
);
uuid_id!(
    /// Identifies an audit event.
    AuditEventId,
    "audit_event_id"
);
uuid_id!(
    /// Identifies a user (owner of sessions and feeds).
    UserId,
    "user_id"
);
