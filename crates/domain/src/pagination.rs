//! Keyset pagination: page limits, pages, and the opaque cursors clients pass back.
//!
//! A cursor names the last item of a page by its sort key, so the next page is a range query on an
//! index (never a skip). Cursors are a fixed number of hex digits; their contents are not part of
//! the API, their pattern is.

use uuid::Uuid;

use crate::error::ValidationError;
use crate::ids::ProductId;

/// How many items a page may hold: 1 to [`PageLimit::MAX`], [`PageLimit::DEFAULT`] if unset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(u32);

impl PageLimit {
    /// Largest page.
    pub const MAX: u32 = 200;
    /// Page size when the client names none.
    pub const DEFAULT: u32 = 50;

    /// Parses a limit.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] on `limit` outside 1..=200.
    pub fn new(limit: u32) -> Result<Self, ValidationError> {
        if (1..=Self::MAX).contains(&limit) {
            Ok(Self(limit))
        } else {
            Err(ValidationError::new("limit", format!("must be between 1 and {}", Self::MAX)))
        }
    }

    /// The limit as a count.
    pub fn get(&self) -> usize {
        self.0 as usize
    }
}

impl Default for PageLimit {
    fn default() -> Self {
        Self(Self::DEFAULT)
    }
}

/// One page of a listing and the cursor of the next page, if there may be one.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items, in the listing's order.
    pub items: Vec<T>,
    /// Pass this back to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` items fetched in order: the extra item, if present,
    /// only proves that a next page exists and is dropped; the cursor names the last kept item.
    pub fn from_overfetch(mut items: Vec<T>, limit: PageLimit, cursor_of: impl Fn(&T) -> String) -> Self {
        let more = items.len() > limit.get();
        items.truncate(limit.get());
        let next_cursor = if more { items.last().map(cursor_of) } else { None };
        Self { items, next_cursor }
    }
}

// A cursor is a fixed number of lower-case hex digits, and every such text names a position: a
// client (or a test generator) holding the documented pattern can never send an unreadable one.

fn bad_cursor() -> ValidationError {
    ValidationError::new("cursor", "is not a cursor this service issued")
}

fn hex_pattern(len: usize) -> String {
    format!("^[0-9a-f]{{{len}}}$")
}

fn hex_digits(raw: &str, len: usize) -> Result<&str, ValidationError> {
    let ok = raw.len() == len && raw.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ok { Ok(raw) } else { Err(bad_cursor()) }
}

/// Position in a product listing: the price and id of the last product returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductCursor {
    /// Price of the last product returned, in minor units.
    pub price_minor: i64,
    /// Id of the last product returned.
    pub id: ProductId,
}

impl ProductCursor {
    /// Length of the text form: the price's 64 bits and the id's 128, in hex.
    pub const LEN: usize = 48;

    /// The text form as a regular expression.
    pub fn pattern() -> String {
        hex_pattern(Self::LEN)
    }

    /// The opaque text form.
    pub fn encode(&self) -> String {
        // The price's two's-complement bits: every 16 hex digits are some price.
        format!("{:016x}{}", self.price_minor.cast_unsigned(), self.id.as_uuid().simple())
    }

    /// Parses the opaque text form.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] on `cursor` for anything but [`ProductCursor::LEN`]
    /// lower-case hex digits.
    pub fn decode(raw: &str) -> Result<Self, ValidationError> {
        let digits = hex_digits(raw, Self::LEN)?;
        let (price, id) = digits.split_at(16);
        let price = u64::from_str_radix(price, 16).map_err(|_| bad_cursor())?;
        let id = u128::from_str_radix(id, 16).map_err(|_| bad_cursor())?;
        Ok(Self { price_minor: price.cast_signed(), id: ProductId::from_uuid(Uuid::from_u128(id)) })
    }
}

/// Position in a listing ordered by id, newest first (ledgers, audit events): the id of the last
/// item returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdCursor(pub Uuid);

impl IdCursor {
    /// Length of the text form: the id's 128 bits in hex.
    pub const LEN: usize = 32;

    /// The text form as a regular expression.
    pub fn pattern() -> String {
        hex_pattern(Self::LEN)
    }

    /// The opaque text form.
    pub fn encode(&self) -> String {
        self.0.simple().to_string()
    }

    /// Parses the opaque text form.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] on `cursor` for anything but [`IdCursor::LEN`] lower-case
    /// hex digits.
    pub fn decode(raw: &str) -> Result<Self, ValidationError> {
        let digits = hex_digits(raw, Self::LEN)?;
        u128::from_str_radix(digits, 16).map(|id| Self(Uuid::from_u128(id))).map_err(|_| bad_cursor())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn limit_accepts_one_to_two_hundred() {
        assert!(PageLimit::new(0).is_err());
        assert!(PageLimit::new(201).is_err());
        assert_eq!(PageLimit::new(200).map(|l| l.get()), Ok(200));
    }

    #[test]
    fn overfetch_keeps_limit_items_and_points_at_the_last_one() {
        let limit = PageLimit::new(2).expect("valid limit");
        let page = Page::from_overfetch(vec![1, 2, 3], limit, |n| n.to_string());
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next_cursor.as_deref(), Some("2"));
        let last = Page::from_overfetch(vec![1, 2], limit, |n| n.to_string());
        assert_eq!(last.next_cursor, None);
    }

    proptest! {
        #[test]
        fn product_cursor_round_trips(price in any::<i64>(), id in any::<u128>()) {
            let cursor = ProductCursor { price_minor: price, id: ProductId::from_uuid(Uuid::from_u128(id)) };
            prop_assert_eq!(ProductCursor::decode(&cursor.encode()), Ok(cursor));
        }

        #[test]
        fn cursor_decoding_never_panics(raw in "\\PC{0,40}") {
            let _ = ProductCursor::decode(&raw);
            let _ = IdCursor::decode(&raw);
        }
    }
}
