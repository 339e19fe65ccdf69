//! [`RegistryKey`] and [`RegistryValue`].

use crate::entity::non_empty;
use crate::{EntityId, EntitySet};

entity_struct! {
    /// A Windows registry key: the `registry-key` entity.
    #[derive(Default)]
    pub struct RegistryKey {
        /// Hive (`HKEY_LOCAL_MACHINE`).
        hive: Option<String> = "Hive",
        /// Key path below the hive.
        key: Option<String> = "Key",
    }
}

entity_struct! {
    /// A Windows registry value: the `registry-value` entity.
    #[derive(Default)]
    pub struct RegistryValue {
        /// The key holding the value.
        key: Option<EntityId> = "Key" => RegistryKey,
        /// Value name.
        name: Option<String> = "Name",
        /// Value data as text.
        value: Option<String> = "Value",
        /// Value type (`String`, `DWord`, ...).
        value_type: Option<String> = "ValueType",
    }
}

impl RegistryKey {
    /// `hive\key`.
    pub fn path(&self) -> String {
        match (non_empty(&self.hive), non_empty(&self.key)) {
            (Some(hive), Some(key)) => format!("{hive}\\{key}"),
            (Some(hive), None) => hive.to_owned(),
            (None, Some(key)) => key.to_owned(),
            (None, None) => String::new(),
        }
    }

    pub(crate) fn title(&self, _set: &EntitySet) -> String {
        self.path()
    }
}

impl RegistryValue {
    pub(crate) fn title(&self, set: &EntitySet) -> String {
        let key = set
            .link_as::<RegistryKey>(self.key)
            .map(RegistryKey::path)
            .unwrap_or_default();
        let name = non_empty(&self.name).unwrap_or("(Default)");
        if key.is_empty() {
            name.to_owned()
        } else {
            format!("{key}\\{name}")
        }
    }
}
