//! The macro that turns a field table into an entity struct with its JSON mapping.
//!
//! Each entity type is declared as `field: Type = "SentinelProperty" [=> ImpliedKind]`.
//! The macro writes the struct (typed fields plus `extra`), and the decode, encode,
//! merge and link-walking code, all driven by [`Field`](crate::field::Field), so the
//! twenty-odd types cannot drift apart in how they treat nulls, links or unknown keys.

/// Declares an entity struct; see the module docs.
macro_rules! entity_struct {
    (@implied) => { None };
    (@implied $kind:ident) => { Some($crate::entity::EntityKind::$kind) };
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                $field:ident : $fty:ty = $key:literal $(=> $implied:ident)?,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub struct $name {
            $(
                $(#[$fmeta])*
                #[doc = concat!("\n\nSentinel property `", $key, "`.")]
                pub $field: $fty,
            )*
            /// Properties without a typed field (and nulls given for typed ones), kept
            /// verbatim so that writing back loses nothing. An entity nested in them is
            /// `{"$entity": n}`, `n` being its [`EntityId`](crate::EntityId) index.
            #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
            pub extra: std::collections::BTreeMap<String, serde_json::Value>,
        }

        impl $name {
            /// Sentinel property names that have a typed field, in traversal order.
            pub const PROPERTIES: &'static [&'static str] = &[$($key),*];

            pub(crate) fn decode<'a>(
                obj: &'a serde_json::Map<String, serde_json::Value>,
                cx: &mut $crate::json::Decoder<'a>,
                site: &$crate::json::Site,
            ) -> Result<Self, $crate::EntityError> {
                use $crate::field::{Decoded, Field};
                let mut extra = std::collections::BTreeMap::new();
                $(
                    let $field: $fty = match obj.get($key) {
                        Some(value) => match <$fty as Field>::decode(
                            value,
                            cx,
                            site,
                            $key,
                            entity_struct!(@implied $($implied)?),
                        )? {
                            Decoded::Typed(typed) => typed,
                            Decoded::Raw => {
                                extra.insert($key.to_owned(), value.clone());
                                <$fty as Field>::absent().ok_or_else(|| site.missing($key))?
                            }
                            Decoded::TypedKeepRaw(typed) => {
                                extra.insert($key.to_owned(), value.clone());
                                typed
                            }
                        },
                        None => <$fty as Field>::absent().ok_or_else(|| site.missing($key))?,
                    };
                )*
                cx.decode_extra(obj, Self::PROPERTIES, site, &mut extra)?;
                Ok(Self { $($field,)* extra })
            }

            pub(crate) fn encode(
                &self,
                cx: &mut $crate::json::Encoder<'_>,
                out: &mut serde_json::Map<String, serde_json::Value>,
            ) -> Result<(), $crate::EntityError> {
                use $crate::field::Field;
                $(
                    if let Some(value) = Field::encode(&self.$field, cx)? {
                        let value = match self.extra.get($key) {
                            Some(raw) if Field::same_as_raw(&self.$field, raw) => raw.clone(),
                            _ => value,
                        };
                        out.insert($key.to_owned(), value);
                    }
                )*
                for (key, value) in &self.extra {
                    if !out.contains_key(key) {
                        let value = cx.encode_extra(value)?;
                        out.insert(key.clone(), value);
                    }
                }
                Ok(())
            }

            /// Fills fields this entity lacks from `other`, and adds `other`'s extra
            /// properties this one does not have. Values already set are kept.
            pub fn merge_from(&mut self, other: &Self) {
                use $crate::field::Field;
                $( Field::merge_from(&mut self.$field, &other.$field); )*
                for (key, value) in &other.extra {
                    self.extra.entry(key.clone()).or_insert_with(|| value.clone());
                }
            }

            pub(crate) fn for_each_link(&self, f: &mut dyn FnMut(&str, $crate::EntityId)) {
                use $crate::field::Field;
                $( Field::links(&self.$field, &mut |id| f($key, id)); )*
                for (key, value) in &self.extra {
                    $crate::json::placeholders(value, &mut |id| f(key, id));
                }
            }

            pub(crate) fn for_each_link_mut(&mut self, f: &mut dyn FnMut(&mut $crate::EntityId)) {
                use $crate::field::Field;
                $( Field::links_mut(&mut self.$field, f); )*
                for value in self.extra.values_mut() {
                    $crate::json::placeholders_mut(value, f);
                }
            }
        }
    };
}
