//! Validated product fields: sku, name, category and tags.

use std::fmt;

use crate::error::ValidationError;
use crate::rules::{self, TextRule};

/// Text checked against `rule`, kept trimmed.
fn bounded_text(rule: &TextRule, raw: &str) -> Result<String, ValidationError> {
    rule.check(raw)?;
    Ok(raw.trim().to_owned())
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
        rules::SKU.check(raw)?;
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
        bounded_text(&rules::PRODUCT_NAME, raw).map(Self)
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
        rules::CATEGORY.check(raw)?;
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
        bounded_text(&rules::TAG, raw).map(Self)
    }
}

/// At most this many tags per product.
pub const MAX_TAGS: usize = 32;

/// Parses a tag list: at most [`MAX_TAGS`] items as sent, duplicates removed, order kept.
///
/// # Errors
/// Returns a [`ValidationError`] on `tags` when a tag is invalid or there are too many.
pub fn parse_tags<'a>(raw: impl IntoIterator<Item = &'a str>) -> Result<Vec<Tag>, ValidationError> {
    let mut tags: Vec<Tag> = Vec::new();
    for (index, item) in raw.into_iter().enumerate() {
        if index >= MAX_TAGS {
            return Err(ValidationError::new("tags", format!("at most {MAX_TAGS} tags")));
        }
        let tag = Tag::parse(item)?;
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn sku_and_category_parse_as_documented() {
        assert!(Sku::parse("ABC-123_x.1").is_ok());
        assert!(Sku::parse("has space").is_err());
        assert!(Category::parse("home-garden").is_ok());
        assert!(Category::parse("Home").is_err());
    }

    #[test]
    fn tags_are_deduplicated_and_bounded() {
        let tags = parse_tags(["a", "b", "a"]).expect("valid tags");
        assert_eq!(tags.iter().map(Tag::as_str).collect::<Vec<_>>(), ["a", "b"]);
        let many: Vec<String> = (0..=MAX_TAGS).map(|n| format!("t{n}")).collect();
        assert!(parse_tags(many.iter().map(String::as_str)).is_err());
    }

    proptest! {
        #[test]
        fn sku_parse_accepts_exactly_the_documented_alphabet(raw in "[A-Za-z0-9._-]{1,64}") {
            prop_assert!(Sku::parse(&raw).is_ok());
        }
    }
}
