//! msticpy's configuration file (`msticpyconfig.yaml`), read as is.
//!
//! [`Settings::load`] takes the file named by the environment variable `MSTICPYCONFIG`,
//! else `./msticpyconfig.yaml`, else `~/.config/huntrs/msticpyconfig.yaml`; without any
//! of them the settings are empty (offline providers still work). Sections are read
//! through typed accessors ([`Settings::ti_providers`], [`Settings::data_provider`],
//! [`Settings::workspaces`], …) or by dotted path ([`Settings::get`]).
//!
//! A value is a literal, `{EnvironmentVar: NAME}` (read when used), `{Keyring: NAME}`
//! (not available in huntrs: a clear error) or `{KeyVault: PATH}` (unsupported: a clear
//! error). Every value can be overridden by an environment variable named after its
//! path: `HUNTRS_` + the path in capitals with every non-alphanumeric character as `_`,
//! e.g. `TIProviders.VirusTotal.Args.AuthKey` → `HUNTRS_TIPROVIDERS_VIRUSTOTAL_ARGS_AUTHKEY`
//! ([`env_override_name`]).
//!
//! Secrets come out as [`Secret`]; `Debug` of any settings type lists names, never
//! values.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_norway::{Mapping, Value};

use crate::error::SectoolsError;
use crate::secret::Secret;

/// The environment variable naming the configuration file (msticpy's).
pub const CONFIG_ENV: &str = "MSTICPYCONFIG";

/// The parsed configuration file.
#[derive(Clone, Default)]
pub struct Settings {
    path: Option<PathBuf>,
    root: Mapping,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sections: Vec<&str> = self.root.keys().filter_map(Value::as_str).collect();
        f.debug_struct("Settings")
            .field("path", &self.path)
            .field("sections", &sections)
            .finish()
    }
}

/// The name of the environment variable that overrides the value at `path`
/// (`A.B-c.D` → `HUNTRS_A_B_C_D`).
pub fn env_override_name(path: &str) -> String {
    let mut name = String::from("HUNTRS_");
    name.extend(path.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        }
    }));
    name
}

fn env_override(path: &str) -> Option<String> {
    std::env::var(env_override_name(path)).ok()
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// Expands a leading `~` (msticpy writes `DBFolder: "~/.msticpy"`).
pub fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix('~'), home_dir()) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            home.join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(path),
    }
}

impl Settings {
    /// Settings with no sections (no configuration file).
    pub fn empty() -> Settings {
        Settings::default()
    }

    /// Finds and reads the configuration file (see the module docs for the order).
    /// No file anywhere gives empty settings; a named file that is missing or bad is
    /// an error.
    pub fn load() -> Result<Settings, SectoolsError> {
        if let Some(path) = std::env::var_os(CONFIG_ENV).filter(|p| !p.is_empty()) {
            return Settings::from_path(Path::new(&path));
        }
        let mut candidates = vec![PathBuf::from("msticpyconfig.yaml")];
        if let Some(home) = home_dir() {
            candidates.push(home.join(".config/huntrs/msticpyconfig.yaml"));
        }
        match candidates.into_iter().find(|p| p.is_file()) {
            Some(path) => Settings::from_path(&path),
            None => Ok(Settings::empty()),
        }
    }

    /// Reads one file.
    pub fn from_path(path: &Path) -> Result<Settings, SectoolsError> {
        let text = std::fs::read_to_string(path).map_err(|e| SectoolsError::io(path, e))?;
        let mut settings = Settings::from_yaml(&text).map_err(|e| match e {
            SectoolsError::Settings { message, .. } => SectoolsError::Settings {
                source_name: path.display().to_string(),
                message,
            },
            other => other,
        })?;
        settings.path = Some(path.to_path_buf());
        Ok(settings)
    }

    /// Parses YAML text in msticpyconfig's format.
    pub fn from_yaml(text: &str) -> Result<Settings, SectoolsError> {
        let value: Value = serde_norway::from_str(text).map_err(|e| SectoolsError::Settings {
            source_name: "YAML text".into(),
            // The parser's message quotes no values, only positions and kinds.
            message: e.to_string(),
        })?;
        let root = match value {
            Value::Mapping(m) => m,
            Value::Null => Mapping::new(),
            _ => {
                return Err(SectoolsError::Settings {
                    source_name: "YAML text".into(),
                    message: "the top level must be a mapping of sections".into(),
                });
            }
        };
        Ok(Settings { path: None, root })
    }

    /// The file the settings came from.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The value at a dotted path (`"Azure.cloud"`), without overrides or resolution.
    pub fn get(&self, path: &str) -> Option<&Value> {
        let mut parts = path.split('.');
        let mut current = self.root.get(parts.next()?)?;
        for part in parts {
            current = current.as_mapping()?.get(part)?;
        }
        Some(current)
    }

    /// A plain (non-secret) string at a dotted path, after the environment override;
    /// `{EnvironmentVar: NAME}` is resolved.
    pub fn string(&self, path: &str) -> Result<Option<String>, SectoolsError> {
        resolve(path, self.get(path)).map(|v| v.map(|s| s.expose().to_string()))
    }

    /// A secret at a dotted path (see the module docs for the forms).
    pub fn secret(&self, path: &str) -> Result<Option<Secret>, SectoolsError> {
        resolve(path, self.get(path))
    }

    /// Names of the entries of a section (`"TIProviders"`), in file order.
    pub fn section_names(&self, section: &str) -> Vec<String> {
        self.get(section)
            .and_then(Value::as_mapping)
            .map(|m| m.keys().filter_map(key_string).collect())
            .unwrap_or_default()
    }

    /// One provider entry: `section` is `TIProviders`, `OtherProviders`,
    /// `DataProviders` or `ContextProviders`.
    pub fn provider(&self, section: &str, name: &str) -> Option<ProviderSettings> {
        let entry = self.get(section)?.as_mapping()?.get(name)?;
        Some(ProviderSettings::new(section, name, entry))
    }

    /// Every entry of `TIProviders`, in file order.
    pub fn ti_providers(&self) -> Vec<ProviderSettings> {
        self.providers("TIProviders")
    }

    /// One entry of `OtherProviders` (`GeoIPLite`, `IPStack`).
    pub fn other_provider(&self, name: &str) -> Option<ProviderSettings> {
        self.provider("OtherProviders", name)
    }

    /// One entry of `DataProviders` (`Kusto-MSTIC1`, `MicrosoftDefender`, …).
    pub fn data_provider(&self, name: &str) -> Option<ProviderSettings> {
        self.provider("DataProviders", name)
    }

    /// Every entry of `DataProviders`.
    pub fn data_providers(&self) -> Vec<ProviderSettings> {
        self.providers("DataProviders")
    }

    /// Kusto clusters: `DataProviders.Kusto-*` entries and top-level `Kusto-*` sections
    /// (older files), with the `Kusto-` prefix kept in the name.
    pub fn kusto_clusters(&self) -> Vec<ProviderSettings> {
        let mut out: Vec<ProviderSettings> = self
            .data_providers()
            .into_iter()
            .filter(|p| p.name.starts_with("Kusto-"))
            .collect();
        for (key, value) in &self.root {
            if let Some(name) = key.as_str().filter(|k| k.starts_with("Kusto-")) {
                out.push(ProviderSettings::new("", name, value));
            }
        }
        out
    }

    fn providers(&self, section: &str) -> Vec<ProviderSettings> {
        let Some(map) = self.get(section).and_then(Value::as_mapping) else {
            return Vec::new();
        };
        map.iter()
            .filter_map(|(k, v)| Some(ProviderSettings::new(section, &key_string(k)?, v)))
            .collect()
    }

    /// `AzureSentinel.Workspaces`, in file order.
    pub fn workspaces(&self) -> Vec<Workspace> {
        let Some(map) = self
            .get("AzureSentinel.Workspaces")
            .and_then(Value::as_mapping)
        else {
            return Vec::new();
        };
        map.iter()
            .filter_map(|(k, v)| {
                let name = key_string(k)?;
                let base = format!("AzureSentinel.Workspaces.{name}");
                let field = |key: &str| {
                    env_override(&format!("{base}.{key}"))
                        .or_else(|| v.get(key).and_then(scalar_string))
                };
                Some(Workspace {
                    workspace_id: field("WorkspaceId").unwrap_or_default(),
                    tenant_id: field("TenantId").unwrap_or_default(),
                    subscription_id: field("SubscriptionId"),
                    resource_group: field("ResourceGroup"),
                    workspace_name: field("WorkspaceName"),
                    name,
                })
            })
            .collect()
    }

    /// A workspace by name; `None` gives `Default` (msticpy's rule), else the first.
    pub fn workspace(&self, name: Option<&str>) -> Option<Workspace> {
        let all = self.workspaces();
        match name {
            Some(n) => all.into_iter().find(|w| w.name.eq_ignore_ascii_case(n)),
            None => {
                let default = all.iter().position(|w| w.name == "Default").unwrap_or(0);
                all.into_iter().nth(default)
            }
        }
    }

    /// The `Azure` section (`cloud` defaults to `global`).
    pub fn azure(&self) -> AzureSettings {
        let cloud = self
            .string("Azure.cloud")
            .ok()
            .flatten()
            .unwrap_or_else(|| "global".to_string());
        let auth_methods = match env_override("Azure.auth_methods") {
            Some(list) => list
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            None => string_list(self.get("Azure.auth_methods")),
        };
        AzureSettings {
            cloud,
            auth_methods,
        }
    }

    /// The `QueryDefinitions` section: folders of query YAML files.
    pub fn query_definitions(&self) -> QueryDefinitions {
        QueryDefinitions {
            default: string_list(self.get("QueryDefinitions.Default")),
            custom: string_list(self.get("QueryDefinitions.Custom")),
        }
    }

    /// `msticpy.http_timeout` (seconds), if set.
    pub fn http_timeout(&self) -> Option<f64> {
        self.string("msticpy.http_timeout")
            .ok()
            .flatten()
            .and_then(|s| s.parse().ok())
    }
}

/// An entry of a providers section: `{Args: {...}, Primary: bool, Provider: name}`.
#[derive(Clone)]
pub struct ProviderSettings {
    /// `TIProviders.VirusTotal`: the prefix of this entry's paths.
    path: String,
    name: String,
    provider: Option<String>,
    primary: bool,
    args: Mapping,
}

impl fmt::Debug for ProviderSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Argument names only: values may be keys.
        f.debug_struct("ProviderSettings")
            .field("name", &self.name)
            .field("provider", &self.provider)
            .field("primary", &self.primary)
            .field("args", &self.arg_names())
            .finish()
    }
}

impl ProviderSettings {
    fn new(section: &str, name: &str, entry: &Value) -> ProviderSettings {
        let path = if section.is_empty() {
            name.to_string()
        } else {
            format!("{section}.{name}")
        };
        let provider = env_override(&format!("{path}.Provider"))
            .or_else(|| entry.get("Provider").and_then(scalar_string));
        let primary = env_override(&format!("{path}.Primary"))
            .map(|v| truthy(&v))
            .or_else(|| entry.get("Primary").and_then(Value::as_bool))
            .unwrap_or(false);
        let args = entry
            .get("Args")
            .and_then(Value::as_mapping)
            .cloned()
            .unwrap_or_default();
        ProviderSettings {
            path,
            name: name.to_string(),
            provider,
            primary,
            args,
        }
    }

    /// Settings for a provider that is not in any file (arguments set in code).
    pub fn detached(name: &str) -> ProviderSettings {
        ProviderSettings {
            path: name.to_string(),
            name: name.to_string(),
            provider: None,
            primary: true,
            args: Mapping::new(),
        }
    }

    /// Sets a literal argument (for code that configures a provider without a file).
    pub fn with_arg(mut self, key: &str, value: &str) -> ProviderSettings {
        self.args
            .insert(Value::String(key.into()), Value::String(value.into()));
        self
    }

    /// The entry's name (`VirusTotal`, `Kusto-MSTIC1`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The `Provider:` value (the implementation to use), or the entry name.
    pub fn provider(&self) -> &str {
        self.provider.as_deref().unwrap_or(&self.name)
    }

    /// `Primary:` (false when absent).
    pub fn primary(&self) -> bool {
        self.primary
    }

    /// The names under `Args`.
    pub fn arg_names(&self) -> Vec<String> {
        self.args.keys().filter_map(key_string).collect()
    }

    /// A non-secret argument (`Cluster`, `DBFolder`, `BaseUrl`) as a string, after the
    /// environment override (`HUNTRS_<SECTION>_<NAME>_ARGS_<KEY>`).
    pub fn arg(&self, key: &str) -> Result<Option<String>, SectoolsError> {
        self.secret(key).map(|v| v.map(|s| s.expose().to_string()))
    }

    /// A boolean argument (`IntegratedAuth: True`).
    pub fn arg_bool(&self, key: &str) -> Result<Option<bool>, SectoolsError> {
        Ok(self.arg(key)?.map(|v| truthy(&v)))
    }

    /// A secret argument (`AuthKey`, `ClientSecret`), resolved from its literal,
    /// environment variable or override; an empty value counts as absent.
    pub fn secret(&self, key: &str) -> Result<Option<Secret>, SectoolsError> {
        let path = format!("{}.Args.{key}", self.path);
        resolve(&path, self.args.get(key)).map(|v| v.filter(|s| !s.is_empty()))
    }

    /// A secret argument that must be there: the error names the setting and how to
    /// provide it.
    pub fn require_secret(&self, key: &str) -> Result<Secret, SectoolsError> {
        let path = format!("{}.Args.{key}", self.path);
        self.secret(key)?
            .ok_or_else(|| SectoolsError::SecretUnavailable {
                reason: format!(
                    "not set; add it to msticpyconfig.yaml or set {}",
                    env_override_name(&path)
                ),
                setting: path,
            })
    }
}

/// One `AzureSentinel.Workspaces` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// The entry's name (`Default`).
    pub name: String,
    /// `WorkspaceId` (a GUID).
    pub workspace_id: String,
    /// `TenantId` (a GUID).
    pub tenant_id: String,
    /// `SubscriptionId`, if given.
    pub subscription_id: Option<String>,
    /// `ResourceGroup`, if given.
    pub resource_group: Option<String>,
    /// `WorkspaceName`, if given.
    pub workspace_name: Option<String>,
}

/// The `Azure` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureSettings {
    /// `global`, `usgov`, `cn`, …
    pub cloud: String,
    /// `auth_methods` in order (`env`, `cli`, `msi`, `interactive`, …).
    pub auth_methods: Vec<String>,
}

/// The `QueryDefinitions` section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryDefinitions {
    /// `Default` folders.
    pub default: Vec<String>,
    /// `Custom` folders.
    pub custom: Vec<String>,
}

fn truthy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "true" | "yes" | "1" | "on"
    )
}

fn key_string(k: &Value) -> Option<String> {
    scalar_string(k)
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(if *b { "True".into() } else { "False".into() }),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn string_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Sequence(items)) => items.iter().filter_map(scalar_string).collect(),
        Some(other) => scalar_string(other).into_iter().collect(),
        None => Vec::new(),
    }
}

/// Resolves a value at `path`: override, literal, `EnvironmentVar`, `Keyring`, `KeyVault`.
fn resolve(path: &str, value: Option<&Value>) -> Result<Option<Secret>, SectoolsError> {
    if let Some(v) = env_override(path) {
        return Ok(Some(Secret::new(v)));
    }
    let Some(value) = value else {
        return Ok(None);
    };
    if let Some(s) = scalar_string(value) {
        return Ok(Some(Secret::new(s)));
    }
    let Some(map) = value.as_mapping() else {
        return match value {
            Value::Null => Ok(None),
            _ => Err(SectoolsError::Settings {
                source_name: path.to_string(),
                message:
                    "expected a string, {EnvironmentVar: NAME}, {Keyring: NAME} or {KeyVault: PATH}"
                        .into(),
            }),
        };
    };
    let unavailable = |reason: String| SectoolsError::SecretUnavailable {
        setting: path.to_string(),
        reason,
    };
    if let Some(var) = map.get("EnvironmentVar") {
        let name = scalar_string(var).unwrap_or_default();
        return match std::env::var(&name) {
            Ok(v) => Ok(Some(Secret::new(v))),
            Err(_) => Err(unavailable(format!(
                "environment variable {name} is not set (the setting says EnvironmentVar: {name})"
            ))),
        };
    }
    if map.contains_key("Keyring") {
        return Err(unavailable(format!(
            "Keyring secrets are not available in huntrs (no OS keyring access is built in); \
             use {{EnvironmentVar: NAME}} or set {}",
            env_override_name(path)
        )));
    }
    if map.contains_key("KeyVault") {
        return Err(unavailable(format!(
            "Azure Key Vault secrets are not supported by huntrs; use {{EnvironmentVar: NAME}} \
             or set {}",
            env_override_name(path)
        )));
    }
    Err(SectoolsError::Settings {
        source_name: path.to_string(),
        message:
            "a mapping value must be {EnvironmentVar: NAME}, {Keyring: NAME} or {KeyVault: PATH}"
                .into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_names() {
        assert_eq!(
            env_override_name("DataProviders.Kusto-MSTIC1.Args.Cluster"),
            "HUNTRS_DATAPROVIDERS_KUSTO_MSTIC1_ARGS_CLUSTER"
        );
    }
}
