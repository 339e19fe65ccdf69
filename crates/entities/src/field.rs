//! How one typed property is read from and written to Sentinel JSON.
//!
//! Every typed field of every entity struct goes through [`Field`], so the rules for
//! nulls, empty strings, wrong JSON types and links live in one place:
//! - a `null` (or `""` for a required text field) is kept verbatim in `extra` and the
//!   typed field stays unset, so writing back reproduces it;
//! - any other JSON type than the field's is an error naming the property;
//! - links (`Option<EntityId>`, `Option<Vec<EntityId>>`) accept an inline entity or a
//!   `{"$ref": ...}` and become indices into the [`EntitySet`](crate::EntitySet).

use std::net::IpAddr;

use serde_json::{Number, Value};

use crate::EntityError;
use crate::entity::EntityKind;
use crate::error::json_type;
use crate::json::{Decoder, Encoder, Implied, Site, placeholders, placeholders_mut};
use crate::set::EntityId;

/// What decoding one property produced.
pub(crate) enum Decoded<T> {
    /// A typed value.
    Typed(T),
    /// Keep the raw JSON in `extra`; the typed field takes its absent value.
    Raw,
    /// A typed value, and keep the raw JSON too because it is spelled differently from
    /// what the typed value writes (e.g. an upper-case IPv6 address).
    TypedKeepRaw(T),
}

/// One typed property: decoding, encoding, merging and the links it holds.
pub(crate) trait Field: Sized + Clone {
    /// The value when the property is absent; `None` when the property is required.
    fn absent() -> Option<Self>;

    /// Reads the property `key` of the entity at `site`.
    fn decode<'a>(
        value: &'a Value,
        cx: &mut Decoder<'a>,
        site: &Site,
        key: &str,
        implied: Option<EntityKind>,
    ) -> Result<Decoded<Self>, EntityError>;

    /// The JSON to write, or `None` to write nothing.
    fn encode(&self, cx: &mut Encoder<'_>) -> Result<Option<Value>, EntityError>;

    /// Whether `raw` (kept in `extra`) is an alternative spelling of this value.
    fn same_as_raw(&self, _raw: &Value) -> bool {
        false
    }

    /// Whether the field holds a value (merge fills unset fields only).
    fn is_set(&self) -> bool;

    /// Fills this field from `other` when unset.
    fn merge_from(&mut self, other: &Self) {
        if !self.is_set() {
            *self = other.clone();
        }
    }

    /// Calls `f` for each entity this field links to.
    fn links(&self, _f: &mut dyn FnMut(EntityId)) {}

    /// Calls `f` on each link so it can be renumbered.
    fn links_mut(&mut self, _f: &mut dyn FnMut(&mut EntityId)) {}
}

impl Field for String {
    fn absent() -> Option<Self> {
        Some(String::new())
    }

    fn decode<'a>(
        value: &'a Value,
        _cx: &mut Decoder<'a>,
        site: &Site,
        key: &str,
        _implied: Option<EntityKind>,
    ) -> Result<Decoded<Self>, EntityError> {
        match value {
            // An empty name is how the struct says "absent"; the given "" stays in extra.
            Value::String(text) if text.is_empty() => Ok(Decoded::Raw),
            Value::String(text) => Ok(Decoded::Typed(text.clone())),
            Value::Null => Ok(Decoded::Raw),
            other => Err(site.wrong_type(key, "a string", other)),
        }
    }

    fn encode(&self, _cx: &mut Encoder<'_>) -> Result<Option<Value>, EntityError> {
        Ok((!self.is_empty()).then(|| Value::String(self.clone())))
    }

    fn is_set(&self) -> bool {
        !self.is_empty()
    }
}

impl Field for Option<String> {
    fn absent() -> Option<Self> {
        Some(None)
    }

    fn decode<'a>(
        value: &'a Value,
        _cx: &mut Decoder<'a>,
        site: &Site,
        key: &str,
        _implied: Option<EntityKind>,
    ) -> Result<Decoded<Self>, EntityError> {
        match value {
            Value::String(text) => Ok(Decoded::Typed(Some(text.clone()))),
            Value::Null => Ok(Decoded::Raw),
            other => Err(site.wrong_type(key, "a string", other)),
        }
    }

    fn encode(&self, _cx: &mut Encoder<'_>) -> Result<Option<Value>, EntityError> {
        Ok(self.clone().map(Value::String))
    }

    fn is_set(&self) -> bool {
        self.as_deref().is_some_and(|s| !s.is_empty())
    }
}

impl Field for Option<bool> {
    fn absent() -> Option<Self> {
        Some(None)
    }

    fn decode<'a>(
        value: &'a Value,
        _cx: &mut Decoder<'a>,
        site: &Site,
        key: &str,
        _implied: Option<EntityKind>,
    ) -> Result<Decoded<Self>, EntityError> {
        match value {
            Value::Bool(flag) => Ok(Decoded::Typed(Some(*flag))),
            Value::Null => Ok(Decoded::Raw),
            other => Err(site.wrong_type(key, "true or false", other)),
        }
    }

    fn encode(&self, _cx: &mut Encoder<'_>) -> Result<Option<Value>, EntityError> {
        Ok(self.map(Value::Bool))
    }

    fn is_set(&self) -> bool {
        self.is_some()
    }
}

impl Field for Option<u16> {
    fn absent() -> Option<Self> {
        Some(None)
    }

    fn decode<'a>(
        value: &'a Value,
        _cx: &mut Decoder<'a>,
        site: &Site,
        key: &str,
        _implied: Option<EntityKind>,
    ) -> Result<Decoded<Self>, EntityError> {
        match value {
            Value::Number(n) => n
                .as_u64()
                .and_then(|n| u16::try_from(n).ok())
                .map(|port| Decoded::Typed(Some(port)))
                .ok_or_else(|| site.wrong_type(key, "a port number 0-65535", value)),
            Value::Null => Ok(Decoded::Raw),
            other => Err(site.wrong_type(key, "a port number 0-65535", other)),
        }
    }

    fn encode(&self, _cx: &mut Encoder<'_>) -> Result<Option<Value>, EntityError> {
        Ok(self.map(Value::from))
    }

    fn is_set(&self) -> bool {
        self.is_some()
    }
}

/// Numbers are kept as JSON numbers so `47` and `47.0` both write back as given.
impl Field for Option<Number> {
    fn absent() -> Option<Self> {
        Some(None)
    }

    fn decode<'a>(
        value: &'a Value,
        _cx: &mut Decoder<'a>,
        site: &Site,
        key: &str,
        _implied: Option<EntityKind>,
    ) -> Result<Decoded<Self>, EntityError> {
        match value {
            Value::Number(n) => Ok(Decoded::Typed(Some(n.clone()))),
            Value::Null => Ok(Decoded::Raw),
            other => Err(site.wrong_type(key, "a number", other)),
        }
    }

    fn encode(&self, _cx: &mut Encoder<'_>) -> Result<Option<Value>, EntityError> {
        Ok(self.clone().map(Value::Number))
    }

    fn is_set(&self) -> bool {
        self.is_some()
    }
}

/// Properties whose JSON type varies between sources (a string here, a number or an
/// array there): kept as JSON, with nested entities turned into links.
impl Field for Option<Value> {
    fn absent() -> Option<Self> {
        Some(None)
    }

    fn decode<'a>(
        value: &'a Value,
        cx: &mut Decoder<'a>,
        site: &Site,
        key: &str,
        _implied: Option<EntityKind>,
    ) -> Result<Decoded<Self>, EntityError> {
        match value {
            Value::Null => Ok(Decoded::Raw),
            other => Ok(Decoded::Typed(Some(
                cx.extra_value(other, &site.child(key))?,
            ))),
        }
    }

    fn encode(&self, cx: &mut Encoder<'_>) -> Result<Option<Value>, EntityError> {
        self.as_ref()
            .map(|value| cx.encode_extra(value))
            .transpose()
    }

    fn is_set(&self) -> bool {
        self.is_some()
    }

    fn links(&self, f: &mut dyn FnMut(EntityId)) {
        if let Some(value) = self {
            placeholders(value, f);
        }
    }

    fn links_mut(&mut self, f: &mut dyn FnMut(&mut EntityId)) {
        if let Some(value) = self {
            placeholders_mut(value, f);
        }
    }
}

impl Field for Option<Vec<String>> {
    fn absent() -> Option<Self> {
        Some(None)
    }

    fn decode<'a>(
        value: &'a Value,
        _cx: &mut Decoder<'a>,
        site: &Site,
        key: &str,
        _implied: Option<EntityKind>,
    ) -> Result<Decoded<Self>, EntityError> {
        match value {
            Value::Null => Ok(Decoded::Raw),
            Value::Array(items) => items
                .iter()
                .map(|item| item.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .map(|texts| Decoded::Typed(Some(texts)))
                .ok_or_else(|| site.wrong_type(key, "an array of strings", value)),
            other => Err(site.wrong_type(key, "an array of strings", other)),
        }
    }

    fn encode(&self, _cx: &mut Encoder<'_>) -> Result<Option<Value>, EntityError> {
        Ok(self
            .as_ref()
            .map(|texts| Value::Array(texts.iter().cloned().map(Value::String).collect())))
    }

    fn is_set(&self) -> bool {
        self.as_ref().is_some_and(|texts| !texts.is_empty())
    }

    fn merge_from(&mut self, other: &Self) {
        merge_lists(self, other);
    }
}

/// An IP address is required on `ip` entities; it writes back in its original spelling.
impl Field for IpAddr {
    fn absent() -> Option<Self> {
        None
    }

    fn decode<'a>(
        value: &'a Value,
        _cx: &mut Decoder<'a>,
        site: &Site,
        key: &str,
        _implied: Option<EntityKind>,
    ) -> Result<Decoded<Self>, EntityError> {
        let text = value
            .as_str()
            .ok_or_else(|| site.wrong_type(key, "an IP address string", value))?;
        let address: IpAddr = text
            .trim()
            .parse()
            .map_err(|_| site.wrong_type(key, "an IP address string", value))?;
        if address.to_string() == text {
            Ok(Decoded::Typed(address))
        } else {
            Ok(Decoded::TypedKeepRaw(address))
        }
    }

    fn encode(&self, _cx: &mut Encoder<'_>) -> Result<Option<Value>, EntityError> {
        Ok(Some(Value::String(self.to_string())))
    }

    fn same_as_raw(&self, raw: &Value) -> bool {
        raw.as_str()
            .and_then(|text| text.trim().parse::<IpAddr>().ok())
            .is_some_and(|address| address == *self)
    }

    fn is_set(&self) -> bool {
        true
    }

    fn merge_from(&mut self, _other: &Self) {}
}

/// A link to one entity: `{"$ref": "3"}` or an inline entity object.
impl Field for Option<EntityId> {
    fn absent() -> Option<Self> {
        Some(None)
    }

    fn decode<'a>(
        value: &'a Value,
        cx: &mut Decoder<'a>,
        site: &Site,
        key: &str,
        implied: Option<EntityKind>,
    ) -> Result<Decoded<Self>, EntityError> {
        match value {
            Value::Null => Ok(Decoded::Raw),
            Value::Object(_) => {
                let implied = implied.map_or(Implied::Any, Implied::Kind);
                Ok(Decoded::Typed(Some(cx.entity(
                    value,
                    implied,
                    &site.child(key),
                )?)))
            }
            other => Err(site.wrong_type(key, "an entity object or {\"$ref\": ...}", other)),
        }
    }

    fn encode(&self, cx: &mut Encoder<'_>) -> Result<Option<Value>, EntityError> {
        self.map(|id| cx.entity(id)).transpose()
    }

    fn is_set(&self) -> bool {
        self.is_some()
    }

    fn links(&self, f: &mut dyn FnMut(EntityId)) {
        if let Some(id) = self {
            f(*id);
        }
    }

    fn links_mut(&mut self, f: &mut dyn FnMut(&mut EntityId)) {
        if let Some(id) = self {
            f(id);
        }
    }
}

/// A list of linked entities (`FileHashes`, `IpAddresses`, `Entities`, ...).
impl Field for Option<Vec<EntityId>> {
    fn absent() -> Option<Self> {
        Some(None)
    }

    fn decode<'a>(
        value: &'a Value,
        cx: &mut Decoder<'a>,
        site: &Site,
        key: &str,
        implied: Option<EntityKind>,
    ) -> Result<Decoded<Self>, EntityError> {
        let implied = implied.map_or(Implied::Any, Implied::Kind);
        match value {
            Value::Null => Ok(Decoded::Raw),
            Value::Array(items) => {
                let mut ids = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    if !item.is_object() {
                        return Err(site.wrong_type(key, "an array of entity objects", value));
                    }
                    let path = format!("{}[{index}]", site.child(key));
                    ids.push(cx.entity(item, implied, &path)?);
                }
                Ok(Decoded::Typed(Some(ids)))
            }
            other => Err(site.wrong_type(key, "an array of entity objects", other)),
        }
    }

    fn encode(&self, cx: &mut Encoder<'_>) -> Result<Option<Value>, EntityError> {
        self.as_ref()
            .map(|ids| {
                ids.iter()
                    .map(|id| cx.entity(*id))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::Array)
            })
            .transpose()
    }

    fn is_set(&self) -> bool {
        self.as_ref().is_some_and(|ids| !ids.is_empty())
    }

    fn merge_from(&mut self, other: &Self) {
        merge_lists(self, other);
    }

    fn links(&self, f: &mut dyn FnMut(EntityId)) {
        for id in self.iter().flatten() {
            f(*id);
        }
    }

    fn links_mut(&mut self, f: &mut dyn FnMut(&mut EntityId)) {
        for id in self.iter_mut().flatten() {
            f(id);
        }
    }
}

/// Union of two lists, keeping this list's order and appending what only `other` has.
fn merge_lists<T: Clone + PartialEq>(list: &mut Option<Vec<T>>, other: &Option<Vec<T>>) {
    let Some(theirs) = other else { return };
    let ours = list.get_or_insert_with(Vec::new);
    for item in theirs {
        if !ours.contains(item) {
            ours.push(item.clone());
        }
    }
}

/// `found` text for [`EntityError::WrongType`]: the JSON type and a short excerpt.
pub(crate) fn describe(value: &Value) -> String {
    let mut text = value.to_string();
    if text.len() > 60 {
        let cut = (0..=57)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        text.truncate(cut);
        text.push_str("...");
    }
    format!("{} ({text})", json_type(value))
}
