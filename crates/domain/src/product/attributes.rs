//! Free-form product attributes, with keys that can never be read as query operators.

use std::collections::BTreeMap;

use crate::error::ValidationError;

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
    crate::rules::ATTRIBUTE_KEY.check(key).map_err(|mut error| {
        error.field = format!("{path}.{key}");
        if error.reason.starts_with("must be") {
            error.reason = format!("keys {}", error.reason);
        }
        error
    })
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

    proptest! {
        #[test]
        fn attribute_keys_with_dollar_prefix_are_always_rejected(rest in "\\PC{0,20}") {
            let key = format!("${rest}");
            prop_assert!(Attributes::parse(attrs(&[(key.as_str(), AttributeValue::Null)])).is_err());
        }
    }
}
