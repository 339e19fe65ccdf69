//! [`PivotParams`]: which entity field fills which query parameter.

use std::collections::BTreeMap;

use entities::Entity;
use serde::Deserialize;

use crate::DataError;

const BUILTIN: &str = include_str!("../../../../queries/pivot_params.json");

/// Entity types a parameter may be taken from (by `Debug` name of `EntityKind`).
const ENTITY_NAMES: &[&str] = &[
    "Account",
    "Alert",
    "Dns",
    "File",
    "FileHash",
    "Host",
    "HostLogonSession",
    "IpAddress",
    "Process",
    "Url",
];

/// One place a parameter's value can come from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ParamSource {
    /// The entity type (`Host`).
    pub entity: String,
    /// The field (`fqdn`, `name`, `address`, ...).
    pub field: String,
}

#[derive(Deserialize)]
struct File {
    params: BTreeMap<String, Vec<ParamSource>>,
}

/// Parameter name → where an entity gives its value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PivotParams {
    params: BTreeMap<String, Vec<ParamSource>>,
}

impl PivotParams {
    /// The built-in map (`queries/pivot_params.json`).
    ///
    /// # Errors
    /// Only if the built-in file is invalid, which the tests rule out.
    pub fn builtin() -> Result<PivotParams, DataError> {
        Self::from_json_str("queries/pivot_params.json", BUILTIN)
    }

    /// A map from JSON text in the built-in file's format; `name` stands for the file
    /// in errors.
    ///
    /// # Errors
    /// [`DataError::QueryFile`] for bad JSON, an unknown entity type or field.
    pub fn from_json_str(name: &str, text: &str) -> Result<PivotParams, DataError> {
        let error = |param: Option<&str>, message: String| DataError::QueryFile {
            file: name.to_owned(),
            query: None,
            param: param.map(str::to_owned),
            message,
        };
        let file: File = serde_json::from_str(text).map_err(|e| error(None, e.to_string()))?;
        for (param, sources) in &file.params {
            for source in sources {
                if !ENTITY_NAMES.contains(&source.entity.as_str()) {
                    return Err(error(
                        Some(param),
                        format!(
                            "unknown entity type `{}`; pivots take values from: {}",
                            source.entity,
                            ENTITY_NAMES.join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(PivotParams {
            params: file.params,
        })
    }

    /// Adds `other`'s sources (after this map's own for the same parameter).
    pub fn extend(&mut self, other: PivotParams) {
        for (param, sources) in other.params {
            let entry = self.params.entry(param).or_default();
            for source in sources {
                if !entry.contains(&source) {
                    entry.push(source);
                }
            }
        }
    }

    /// Where `param`'s value can come from.
    pub fn sources(&self, param: &str) -> &[ParamSource] {
        self.params.get(param).map_or(&[], Vec::as_slice)
    }

    /// The parameters an entity type fills.
    pub fn params_of(&self, entity: &str) -> Vec<&str> {
        self.params
            .iter()
            .filter(|(_, sources)| sources.iter().any(|s| s.entity == entity))
            .map(|(p, _)| p.as_str())
            .collect()
    }
}

/// The text of `field` of `entity` (its Rust field name, or `fqdn` of a host, `upn`
/// of an account), if the entity has a non-empty value there.
pub fn entity_field(entity: &Entity, field: &str) -> Option<String> {
    let derived = match (entity, field) {
        (Entity::Host(host), "fqdn") => Some(host.fqdn()),
        (Entity::Account(account), "upn") => account.upn(),
        _ => None,
    };
    if let Some(value) = derived {
        return Some(value).filter(|v| !v.is_empty());
    }
    // Entities serialise as `{"Kind": {field: value, ...}}` with their Rust field names.
    let json = serde_json::to_value(entity).ok()?;
    let value = json.as_object()?.values().next()?.get(field)?;
    match value {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entities::{Account, Host, IpAddress};

    #[test]
    fn the_builtin_map_loads_and_fields_exist() {
        let map = PivotParams::builtin().unwrap();
        assert_eq!(map.sources("host_name")[0].entity, "Host");
        let host = Entity::from(Host::from_fqdn("ws-014.corp.larkmoor.com"));
        assert_eq!(
            entity_field(&host, "fqdn").as_deref(),
            Some("ws-014.corp.larkmoor.com")
        );
        let ip = Entity::from(IpAddress::new("10.10.20.76".parse().unwrap()));
        assert_eq!(entity_field(&ip, "address").as_deref(), Some("10.10.20.76"));
        let account = Entity::from(Account::parse("adm-treyes@larkmoor.com").unwrap());
        assert_eq!(
            entity_field(&account, "name").as_deref(),
            Some("adm-treyes")
        );
        assert_eq!(entity_field(&account, "no_such_field"), None);
    }

    #[test]
    fn bad_files_are_named() {
        let err = PivotParams::from_json_str(
            "mine.json",
            r#"{"params": {"x": [{"entity": "Hots", "field": "a"}]}}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("mine.json") && err.contains("Hots") && err.contains("Host"),
            "{err}"
        );
        assert!(PivotParams::from_json_str("bad.json", "{").is_err());
    }
}
