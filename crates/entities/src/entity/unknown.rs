//! [`UnknownEntity`]: an entity of a type this crate does not model.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::json::{Decoder, Encoder, Site, placeholders, placeholders_mut};
use crate::{EntityError, EntityId};

/// An entity of a type this crate does not model (`iotdevice`, `mailCluster`, ...),
/// or an object with a `$id` but no `Type` nested where no type is implied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct UnknownEntity {
    /// The `Type` text as given (empty when none was given).
    pub type_name: String,
    /// All other properties, as given (nested entities as `{"$entity": n}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, Value>,
}

impl UnknownEntity {
    pub(crate) fn decode<'a>(
        type_tag: Option<&str>,
        obj: &'a Map<String, Value>,
        cx: &mut Decoder<'a>,
        site: &Site,
    ) -> Result<Self, EntityError> {
        let mut extra = BTreeMap::new();
        cx.decode_extra(obj, &[], site, &mut extra)?;
        Ok(UnknownEntity {
            type_name: type_tag.unwrap_or_default().to_owned(),
            extra,
        })
    }

    pub(crate) fn encode(
        &self,
        cx: &mut Encoder<'_>,
        out: &mut Map<String, Value>,
    ) -> Result<(), EntityError> {
        for (key, value) in &self.extra {
            let value = cx.encode_extra(value)?;
            out.insert(key.clone(), value);
        }
        Ok(())
    }

    /// Adds `other`'s properties this one lacks.
    pub fn merge_from(&mut self, other: &Self) {
        for (key, value) in &other.extra {
            self.extra
                .entry(key.clone())
                .or_insert_with(|| value.clone());
        }
    }

    pub(crate) fn for_each_link(&self, f: &mut dyn FnMut(&str, EntityId)) {
        for (key, value) in &self.extra {
            placeholders(value, &mut |id| f(key, id));
        }
    }

    pub(crate) fn for_each_link_mut(&mut self, f: &mut dyn FnMut(&mut EntityId)) {
        for value in self.extra.values_mut() {
            placeholders_mut(value, f);
        }
    }

    pub(crate) fn title(&self) -> String {
        ["Name", "DisplayName", "Id"]
            .iter()
            .find_map(|key| self.extra.get(*key).and_then(Value::as_str))
            .unwrap_or_default()
            .to_owned()
    }
}
