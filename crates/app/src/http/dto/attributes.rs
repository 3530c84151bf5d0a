//! Free-form attributes between JSON and the domain's [`AttributeValue`], keeping integers and
//! floats apart.

use std::collections::BTreeMap;

use domain::ValidationError;
use domain::product::{AttributeValue, Attributes};
use serde_json::{Map, Number, Value};

/// Integers at or beyond this magnitude do not fit an `i64`. JSON parsers turn such integer
/// literals into floats silently, so floats this large are refused too: storing one would round
/// a number the client probably wrote exactly.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// Validated attributes from a JSON object.
///
/// # Errors
/// A [`ValidationError`] naming the offending path (`attributes.dims.$where`) for keys the
/// domain refuses, numbers outside the 64-bit integer range, or limits exceeded.
pub(crate) fn from_json(raw: Map<String, Value>) -> Result<Attributes, ValidationError> {
    map("attributes", raw)
}

fn map(path: &str, raw: Map<String, Value>) -> Result<Attributes, ValidationError> {
    let mut entries = BTreeMap::new();
    for (key, value) in raw {
        let converted = self::value(&format!("{path}.{key}"), value)?;
        entries.insert(key, converted);
    }
    // The domain names fields from `attributes`; a nested map is validated as its own root, so
    // its errors are re-rooted at the real path. The outer parse validates the whole tree again
    // with the true depth.
    Attributes::parse(entries).map_err(|mut error| {
        if let Some(rest) = error.field.strip_prefix("attributes") {
            error.field = format!("{path}{rest}");
        }
        error
    })
}

fn value(path: &str, raw: Value) -> Result<AttributeValue, ValidationError> {
    Ok(match raw {
        Value::Null => AttributeValue::Null,
        Value::Bool(b) => AttributeValue::Bool(b),
        Value::Number(n) => number(path, &n)?,
        Value::String(s) => AttributeValue::Text(s),
        Value::Array(items) => {
            AttributeValue::List(items.into_iter().map(|item| value(path, item)).collect::<Result<_, _>>()?)
        }
        Value::Object(inner) => AttributeValue::Map(map(path, inner)?),
    })
}

fn number(path: &str, n: &Number) -> Result<AttributeValue, ValidationError> {
    if let Some(int) = n.as_i64() {
        return Ok(AttributeValue::Int(int));
    }
    let out_of_range = || ValidationError::new(path, "numbers must lie within the 64-bit signed integer range");
    if n.is_u64() {
        return Err(out_of_range());
    }
    match n.as_f64() {
        Some(float) if float.is_finite() && float.abs() < TWO_POW_63 => Ok(AttributeValue::Float(float)),
        _ => Err(out_of_range()),
    }
}

/// The JSON object of validated attributes.
pub(crate) fn to_json(attributes: &Attributes) -> Map<String, Value> {
    attributes.entries().iter().map(|(key, value)| (key.clone(), to_value(value))).collect()
}

fn to_value(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::Null => Value::Null,
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::Int(int) => Value::from(*int),
        AttributeValue::Float(float) => Number::from_f64(*float).map_or(Value::Null, Value::Number),
        AttributeValue::Text(text) => Value::String(text.clone()),
        AttributeValue::List(items) => Value::Array(items.iter().map(to_value).collect()),
        AttributeValue::Map(inner) => Value::Object(to_json(inner)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(value: Value) -> Result<Attributes, ValidationError> {
        let Value::Object(raw) = value else { panic!("test input must be an object") };
        from_json(raw)
    }

    #[test]
    fn integers_and_floats_stay_apart_and_round_trip() {
        let input = json!({"count": 3, "ratio": 0.5, "neg": -7, "nested": {"list": [1, 2.5, "x", null, true]}});
        let attributes = parse(input.clone()).expect("valid attributes");
        assert_eq!(attributes.entries().get("count"), Some(&AttributeValue::Int(3)));
        assert_eq!(attributes.entries().get("ratio"), Some(&AttributeValue::Float(0.5)));
        assert_eq!(Value::Object(to_json(&attributes)), input);
    }

    #[test]
    fn numbers_beyond_the_integer_range_are_refused() {
        for big in [json!(9_223_372_036_854_775_808_u64), json!(1e19), json!(-1e300)] {
            let error = parse(json!({"big": big})).expect_err("out of range");
            assert_eq!(error.field, "attributes.big");
        }
    }

    #[test]
    fn operator_keys_are_refused_with_their_real_path() {
        let error = parse(json!({"dims": {"$where": 1}})).expect_err("operator key");
        assert_eq!(error.field, "attributes.dims.$where");
        let error = parse(json!({"a.b": 1})).expect_err("dotted key");
        assert_eq!(error.field, "attributes.a.b");
    }
}
