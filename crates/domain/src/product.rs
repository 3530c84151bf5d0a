//! Products: validated fields, the entity, the create/update commands, list queries and category
//! statistics.

use std::collections::BTreeMap;
use std::fmt;

use crate::error::ValidationError;
use crate::ids::ProductId;
use crate::money::Money;
use crate::pagination::{PageLimit, ProductCursor};
use crate::time::Timestamp;

fn bounded_text(field: &str, raw: &str, max_chars: usize) -> Result<String, ValidationError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    if trimmed.chars().count() > max_chars {
        return Err(ValidationError::new(field, format!("must be at most {max_chars} characters")));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(ValidationError::new(field, "must not contain control characters"));
    }
    Ok(trimmed.to_owned())
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// The value as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_type!(
    /// A stock-keeping unit: 1–64 characters of ASCII letters, digits, `-`, `_` and `.`, unique
    /// among products.
    Sku
);

impl Sku {
    /// Parses a sku.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] on `sku` when empty, longer than 64 characters, or holding
    /// other characters.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        if raw.is_empty() || raw.len() > 64 {
            return Err(ValidationError::new("sku", "must be 1 to 64 characters"));
        }
        if !raw.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) {
            return Err(ValidationError::new("sku", "may hold only ASCII letters, digits, '-', '_' and '.'"));
        }
        Ok(Self(raw.to_owned()))
    }
}

text_type!(
    /// A product's display name: 1–200 characters, trimmed, no control characters.
    ProductName
);

impl ProductName {
    /// Parses a product name.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] on `name` when empty, too long or holding control characters.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        bounded_text("name", raw, 200).map(Self)
    }
}

text_type!(
    /// A category: 1–64 characters of lower-case ASCII letters, digits, `-` and `_`.
    Category
);

impl Category {
    /// Parses a category.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] on `category` for anything but 1–64 lower-case letters,
    /// digits, `-` and `_`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        if raw.is_empty() || raw.len() > 64 {
            return Err(ValidationError::new("category", "must be 1 to 64 characters"));
        }
        if !raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_')) {
            return Err(ValidationError::new(
                "category",
                "may hold only lower-case ASCII letters, digits, '-' and '_'",
            ));
        }
        Ok(Self(raw.to_owned()))
    }
}

text_type!(
    /// A tag: 1–32 characters, trimmed, no control characters.
    Tag
);

impl Tag {
    /// Parses a tag.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] on `tags` when empty, too long or holding control characters.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        bounded_text("tags", raw, 32).map(Self)
    }
}

/// At most this many tags per product.
pub const MAX_TAGS: usize = 32;

/// Parses a tag list: at most [`MAX_TAGS`], duplicates removed, order kept.
///
/// # Errors
/// Returns a [`ValidationError`] on `tags` when a tag is invalid or there are too many.
pub fn parse_tags<'a>(raw: impl IntoIterator<Item = &'a str>) -> Result<Vec<Tag>, ValidationError> {
    let mut tags: Vec<Tag> = Vec::new();
    for item in raw {
        let tag = Tag::parse(item)?;
        if !tags.contains(&tag) {
            tags.push(tag);
        }
        if tags.len() > MAX_TAGS {
            return Err(ValidationError::new("tags", format!("at most {MAX_TAGS} tags")));
        }
    }
    Ok(tags)
}

/// A free-form attribute value: the JSON data model with integers kept apart from floats.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    /// No value.
    Null,
    /// A boolean.
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A finite float.
    Float(f64),
    /// Text.
    Text(String),
    /// A list of values.
    List(Vec<AttributeValue>),
    /// A nested map, with the same key rules as the top level.
    Map(Attributes),
}

/// Free-form product attributes. Keys are validated so that stored documents can never be read as
/// query operators or dotted paths: no leading `$`, no `.`, no NUL, 1–64 characters.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Attributes(BTreeMap<String, AttributeValue>);

impl Attributes {
    /// Deepest nesting accepted (a map inside a map … counts each level).
    pub const MAX_DEPTH: usize = 4;
    /// Most entries accepted, counted over all levels.
    pub const MAX_ENTRIES: usize = 200;
    /// Longest text value accepted, in characters.
    pub const MAX_TEXT_CHARS: usize = 4096;

    /// Validates a map of attributes.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] whose field is the offending path (`attributes.color`) when a
    /// key is empty, too long, starts with `$` or holds `.` or NUL; when a float is not finite;
    /// when text is too long; when nesting or size exceed the limits.
    pub fn parse(raw: BTreeMap<String, AttributeValue>) -> Result<Self, ValidationError> {
        let mut entries = 0;
        check_map("attributes", &raw, 1, &mut entries)?;
        Ok(Self(raw))
    }

    /// The validated entries.
    pub fn entries(&self) -> &BTreeMap<String, AttributeValue> {
        &self.0
    }

    /// Whether there are no attributes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn check_key(path: &str, key: &str) -> Result<(), ValidationError> {
    let field = format!("{path}.{key}");
    if key.is_empty() || key.chars().count() > 64 {
        return Err(ValidationError::new(field, "keys must be 1 to 64 characters"));
    }
    if key.starts_with('$') {
        return Err(ValidationError::new(field, "keys must not start with '$'"));
    }
    if key.contains('.') || key.contains('\0') {
        return Err(ValidationError::new(field, "keys must not contain '.' or NUL"));
    }
    Ok(())
}

fn check_map(
    path: &str,
    map: &BTreeMap<String, AttributeValue>,
    depth: usize,
    entries: &mut usize,
) -> Result<(), ValidationError> {
    if depth > Attributes::MAX_DEPTH {
        return Err(ValidationError::new(path, format!("nested deeper than {} levels", Attributes::MAX_DEPTH)));
    }
    for (key, value) in map {
        check_key(path, key)?;
        check_value(&format!("{path}.{key}"), value, depth, entries)?;
    }
    Ok(())
}

fn check_value(path: &str, value: &AttributeValue, depth: usize, entries: &mut usize) -> Result<(), ValidationError> {
    *entries += 1;
    if *entries > Attributes::MAX_ENTRIES {
        return Err(ValidationError::new("attributes", format!("more than {} entries", Attributes::MAX_ENTRIES)));
    }
    match value {
        AttributeValue::Float(f) if !f.is_finite() => Err(ValidationError::new(path, "numbers must be finite")),
        AttributeValue::Text(t) if t.chars().count() > Attributes::MAX_TEXT_CHARS => {
            Err(ValidationError::new(path, format!("text must be at most {} characters", Attributes::MAX_TEXT_CHARS)))
        }
        AttributeValue::List(items) => {
            if depth + 1 > Attributes::MAX_DEPTH {
                return Err(ValidationError::new(path, format!("nested deeper than {} levels", Attributes::MAX_DEPTH)));
            }
            items.iter().try_for_each(|item| check_value(path, item, depth + 1, entries))
        }
        AttributeValue::Map(inner) => check_map(path, &inner.0, depth + 1, entries),
        _ => Ok(()),
    }
}

/// A stored product.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    /// Identifier (UUID v7).
    pub id: ProductId,
    /// Unique stock-keeping unit.
    pub sku: Sku,
    /// Display name.
    pub name: ProductName,
    /// Category, used for listing and statistics.
    pub category: Category,
    /// Price.
    pub price: Money,
    /// Free-form attributes.
    pub attributes: Attributes,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Optimistic-concurrency version: 1 when created, +1 per update.
    pub version: u64,
    /// When created.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
}

/// The fields a client sets on a product: the body of a create and of a full update.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductDraft {
    /// Unique stock-keeping unit.
    pub sku: Sku,
    /// Display name.
    pub name: ProductName,
    /// Category.
    pub category: Category,
    /// Price.
    pub price: Money,
    /// Free-form attributes.
    pub attributes: Attributes,
    /// Tags.
    pub tags: Vec<Tag>,
}

impl ProductDraft {
    /// A new product from this draft: fresh id, version 1, both timestamps `now`.
    pub fn into_product(self, now: Timestamp) -> Product {
        Product {
            id: ProductId::new(),
            sku: self.sku,
            name: self.name,
            category: self.category,
            price: self.price,
            attributes: self.attributes,
            tags: self.tags,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    /// `product` with this draft's fields, its version bumped and `updated_at` set to `now`.
    pub fn apply_to(self, product: &Product, now: Timestamp) -> Product {
        Product {
            id: product.id,
            sku: self.sku,
            name: self.name,
            category: self.category,
            price: self.price,
            attributes: self.attributes,
            tags: self.tags,
            version: product.version + 1,
            created_at: product.created_at,
            updated_at: now,
        }
    }
}

/// Sort order of a product listing. Ties are broken by id in the same direction, so the order is
/// total and keyset pagination never skips or repeats an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PriceSort {
    /// Cheapest first.
    #[default]
    Ascending,
    /// Most expensive first.
    Descending,
}

impl PriceSort {
    /// Parses `price` or `-price`.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] on `sort` for anything else.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw {
            "price" => Ok(Self::Ascending),
            "-price" => Ok(Self::Descending),
            _ => Err(ValidationError::new("sort", "must be 'price' or '-price'")),
        }
    }
}

/// A product listing query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProductQuery {
    /// Only this category.
    pub category: Option<Category>,
    /// Only prices at or above this many minor units.
    pub min_price_minor: Option<i64>,
    /// Only prices at or below this many minor units.
    pub max_price_minor: Option<i64>,
    /// Order.
    pub sort: PriceSort,
    /// Page size.
    pub limit: PageLimit,
    /// Where the previous page stopped.
    pub after: Option<ProductCursor>,
}

impl ProductQuery {
    /// Whether `product` passes this query's filters (not the cursor).
    pub fn matches(&self, product: &Product) -> bool {
        let price = product.price.minor();
        self.category.as_ref().is_none_or(|c| *c == product.category)
            && self.min_price_minor.is_none_or(|min| price >= min)
            && self.max_price_minor.is_none_or(|max| price <= max)
    }

    /// Whether `product` comes after the cursor in this query's order.
    pub fn is_after_cursor(&self, product: &Product) -> bool {
        let Some(cursor) = &self.after else { return true };
        let key = (product.price.minor(), product.id);
        let at = (cursor.price_minor, cursor.id);
        match self.sort {
            PriceSort::Ascending => key > at,
            PriceSort::Descending => key < at,
        }
    }
}

/// Price statistics of one category, in minor units. With no products, count is 0 and the rest
/// are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CategoryStats {
    /// Number of products.
    pub count: u64,
    /// Lowest price.
    pub min_price_minor: Option<i64>,
    /// Highest price.
    pub max_price_minor: Option<i64>,
    /// Mean price (not rounded).
    pub avg_price_minor: Option<f64>,
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn attrs(pairs: &[(&str, AttributeValue)]) -> BTreeMap<String, AttributeValue> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
    }

    #[test]
    fn attributes_reject_operator_and_dotted_keys_at_any_depth() {
        for key in ["$set", "a.b", "", "nul\0"] {
            let err = Attributes::parse(attrs(&[(key, AttributeValue::Bool(true))]));
            assert!(err.is_err(), "top-level key {key:?} was accepted");
            let nested = AttributeValue::Map(Attributes(attrs(&[(key, AttributeValue::Null)])));
            assert!(Attributes::parse(attrs(&[("outer", nested)])).is_err(), "nested key {key:?} was accepted");
        }
    }

    #[test]
    fn attributes_reject_non_finite_numbers_and_deep_nesting() {
        assert!(Attributes::parse(attrs(&[("x", AttributeValue::Float(f64::NAN))])).is_err());
        let mut value = AttributeValue::Int(1);
        for _ in 0..Attributes::MAX_DEPTH {
            value = AttributeValue::List(vec![value]);
        }
        assert!(Attributes::parse(attrs(&[("deep", value)])).is_err());
    }

    #[test]
    fn attributes_accept_ordinary_maps() {
        let nested = AttributeValue::Map(Attributes(attrs(&[("inner", AttributeValue::Int(2))])));
        let parsed = Attributes::parse(attrs(&[("color", AttributeValue::Text("red".into())), ("dims", nested)]));
        assert!(parsed.is_ok());
    }

    #[test]
    fn sku_category_and_sort_parse_as_documented() {
        assert!(Sku::parse("ABC-123_x.1").is_ok());
        assert!(Sku::parse("has space").is_err());
        assert!(Category::parse("home-garden").is_ok());
        assert!(Category::parse("Home").is_err());
        assert_eq!(PriceSort::parse("-price"), Ok(PriceSort::Descending));
        assert!(PriceSort::parse("name").is_err());
    }

    proptest! {
        #[test]
        fn sku_parse_accepts_exactly_the_documented_alphabet(raw in "[A-Za-z0-9._-]{1,64}") {
            prop_assert!(Sku::parse(&raw).is_ok());
        }

        #[test]
        fn attribute_keys_with_dollar_prefix_are_always_rejected(rest in "\\PC{0,20}") {
            let key = format!("${rest}");
            prop_assert!(Attributes::parse(attrs(&[(key.as_str(), AttributeValue::Null)])).is_err());
        }
    }
}
