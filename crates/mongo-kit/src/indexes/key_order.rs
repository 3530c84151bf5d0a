//! Whether an index serves a shape in equality → sort → range order, so the server answers the
//! shape from the index in order, without an in-memory sort.

use super::QueryShape;

/// Why `shape`'s index does not serve it in order (equality → sort → range), or `None` when it
/// does. A unique index may stop after the equality fields: one document matches at most. Keys
/// after the shape's fields are allowed (they cover other shapes or the projection).
pub fn key_order_problem(shape: &QueryShape) -> Option<String> {
    let keys = shape.index.keys;
    let (eq, sort) = (shape.equality.len(), shape.sort.len());
    let flipped = match (shape.sort.first(), keys.get(eq)) {
        (Some(wanted), Some(key)) => wanted.1 != key.1,
        _ => false,
    };
    for (position, (field, direction)) in keys.iter().enumerate() {
        let fits = if position < eq {
            shape.equality.contains(field)
        } else if let Some((wanted, wanted_direction)) = shape.sort.get(position - eq) {
            wanted == field && (*wanted_direction == *direction) != flipped
        } else {
            // Past equality and sort: range fields, then (once every range field has its key)
            // anything, such as fields that let the index cover the query.
            let placed = |range: &&str| keys[..position].iter().any(|(key, _)| key == range);
            shape.range.contains(field) || shape.range.iter().all(placed)
        };
        if !fits {
            return Some(format!("key {field} at position {position} does not follow equality → sort → range"));
        }
    }
    let needed = if shape.index.unique { eq.min(keys.len()) } else { eq + sort };
    (keys.len() < needed).then(|| format!("the index has {} keys; the shape needs {needed}", keys.len()))
}
