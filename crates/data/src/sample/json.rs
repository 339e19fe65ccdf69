//! JSON text for the columns that hold JSON (Entities, DeviceDetail, ...).
//!
//! Keys are sorted before insertion so the text is the same whether or not another
//! crate in the build enables serde_json's `preserve_order` feature.

use serde_json::{Map, Value};

/// A JSON object from key-value pairs, keys in sorted order.
pub(crate) fn object(mut pairs: Vec<(&str, Value)>) -> Value {
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let mut map = Map::new();
    for (key, value) in pairs {
        map.insert(key.to_string(), value);
    }
    Value::Object(map)
}

/// A string value.
pub(crate) fn s(text: impl Into<String>) -> Value {
    Value::String(text.into())
}

/// A `{"$ref": id}` reference to an entity defined earlier.
pub(crate) fn reference(id: usize) -> Value {
    object(vec![("$ref", s(id.to_string()))])
}
