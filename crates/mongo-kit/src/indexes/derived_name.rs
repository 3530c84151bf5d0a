//! The name an index gets from its keys, as MongoDB names an index created without one:
//! each key as `field_direction`, joined by `_` (`{customer: 1, placed_at: -1}` is
//! `customer_1_placed_at_-1`). The [`index!`](crate::index) macro derives it at compile time, so a
//! declaration stays a `const` and the name stays a `&'static str`.
//!
//! Using the server's own convention means an index a team created by hand without a name (in
//! `mongosh`, say) already has the name its declaration derives, so the plan finds it in step.

/// The byte length of the name derived from `keys`.
pub const fn len(keys: &[(&str, i32)]) -> usize {
    let mut total = 0;
    let mut position = 0;
    while position < keys.len() {
        let (field, direction) = keys[position];
        // `field` `_` `direction`, and a `_` before every key but the first.
        total += field.len() + 1 + digits(direction) + if position > 0 { 1 } else { 0 };
        position += 1;
    }
    total
}

/// The name derived from `keys`, as bytes; `N` is [`len`] of the same keys.
///
/// # Panics
/// When `N` is not [`len`]`(keys)` (at compile time, where the macro calls it).
pub const fn bytes<const N: usize>(keys: &[(&str, i32)]) -> [u8; N] {
    assert!(N == len(keys), "the buffer is not the derived name's length");
    let mut name = [0; N];
    let mut at = 0;
    let mut position = 0;
    while position < keys.len() {
        let (field, direction) = keys[position];
        if position > 0 {
            name[at] = b'_';
            at += 1;
        }
        let field = field.as_bytes();
        let mut byte = 0;
        while byte < field.len() {
            name[at] = field[byte];
            at += 1;
            byte += 1;
        }
        name[at] = b'_';
        at += 1;
        if direction < 0 {
            name[at] = b'-';
            at += 1;
        }
        let magnitude = direction.unsigned_abs();
        let mut digit = digits(direction) - if direction < 0 { 1 } else { 0 };
        while digit > 0 {
            digit -= 1;
            // The digit `digit` places from the right; `as u8` keeps 0..=9.
            name[at] = b'0' + (magnitude / 10_u32.pow(digit as u32) % 10) as u8;
            at += 1;
        }
        position += 1;
    }
    name
}

/// `bytes` as a string.
///
/// # Panics
/// Never for [`bytes`]' output, which joins UTF-8 field names with ASCII.
pub const fn as_str(bytes: &'static [u8]) -> &'static str {
    match core::str::from_utf8(bytes) {
        Ok(name) => name,
        Err(_) => panic!("a derived index name is UTF-8"),
    }
}

/// How many characters `direction` takes, its sign included.
const fn digits(direction: i32) -> usize {
    let mut magnitude = direction.unsigned_abs();
    let mut count = if direction < 0 { 2 } else { 1 };
    while magnitude >= 10 {
        magnitude /= 10;
        count += 1;
    }
    count
}

/// An index of `collection` on keys written as a key document, named as MongoDB names an index
/// created without a name ([`derived_name`](crate::indexes::derived_name)):
///
/// ```
/// use std::time::Duration;
///
/// use mongo_kit::indexes::IndexSpec;
///
/// const BY_CUSTOMER: IndexSpec = mongo_kit::index!("orders", { "customer": 1, "placed_at": -1, "_id": -1 });
/// const REFERENCE: IndexSpec = mongo_kit::index!("orders", { "reference": 1 }).unique().because("one order per reference");
/// const EXPIRY: IndexSpec = mongo_kit::index!("order_keys", { "expires_at": 1 }).ttl(Duration::ZERO).because("keys expire");
///
/// assert_eq!(BY_CUSTOMER.name, "customer_1_placed_at_-1__id_-1");
/// assert_eq!((REFERENCE.name, REFERENCE.unique), ("reference_1", true));
/// assert_eq!(EXPIRY.expire_after, Some(Duration::ZERO));
/// ```
///
/// The result is an [`IndexSpec`](crate::indexes::IndexSpec) in a `const` expression: chain
/// `.unique()`, `.ttl(..)`, `.partial(..)`, `.because(..)`, or `.named(..)` for an index that
/// already exists on servers under another name.
#[macro_export]
macro_rules! index {
    ($collection:expr, { $($field:literal : $direction:literal),+ $(,)? }) => {{
        const KEYS: &[(&str, i32)] = &[$(($field, $direction)),+];
        const NAME: [u8; $crate::indexes::derived_name::len(KEYS)] = $crate::indexes::derived_name::bytes(KEYS);
        $crate::indexes::IndexSpec::new($collection, $crate::indexes::derived_name::as_str(&NAME), KEYS)
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[(&str, i32)] = &[("customer", 1), ("placed_at", -1), ("_id", -1), ("n", 10), ("m", -12)];

    #[test]
    fn the_compile_time_name_is_the_servers_default_name() {
        const NAME: [u8; len(KEYS)] = bytes(KEYS);

        assert_eq!(as_str(&NAME), "customer_1_placed_at_-1__id_-1_n_10_m_-12");
    }

    #[test]
    fn the_macro_names_the_index_by_its_keys() {
        let spec = crate::index!("orders", { "customer": 1, "placed_at": -1 });

        assert_eq!((spec.collection, spec.name), ("orders", "customer_1_placed_at_-1"));
        assert_eq!(spec.keys, [("customer", 1), ("placed_at", -1)]);
        assert!(!spec.unique && spec.expire_after.is_none() && spec.serves.is_empty());
    }
}
