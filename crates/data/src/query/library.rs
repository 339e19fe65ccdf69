//! The query library: files, queries addressed as `family.name`, environment filters.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

use super::params::{ParamDef, ParamValue};
use super::render::Dialect;
use super::suggest::closest;
use super::template::Segment;
use super::yaml;
use crate::DataError;

/// A file's `metadata` section.
#[derive(Debug, Clone, PartialEq)]
pub struct FileMetadata {
    /// `version` (an integer when present).
    pub version: Option<i64>,
    /// `description`.
    pub description: String,
    /// Providers the queries run on (`MSSentinel`, `MDE`, `Splunk`, `LocalData`, …).
    pub data_environments: Vec<String>,
    /// Families the queries are filed under (`WindowsSecurity`, `SecurityAlert`, …).
    pub data_families: Vec<String>,
    /// Free-form tags.
    pub tags: Vec<String>,
}

/// One query file as read: its metadata, defaults and queries (`sources`).
#[derive(Debug, Clone, PartialEq)]
pub struct QueryFile {
    /// The path it was read from (or the name given to [`QueryLibrary::from_yaml_str`]).
    pub path: String,
    /// The `metadata` section.
    pub metadata: FileMetadata,
    /// `defaults.metadata`.
    pub default_metadata: Map<String, Json>,
    /// `defaults.parameters`.
    pub default_params: Vec<ParamDef>,
    /// The queries of `sources`, in file order, with metadata and parameters merged.
    pub queries: Vec<QueryDef>,
}

/// A `query_macros` entry: `$<name>$` in the query text is replaced by `value` at load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryMacro {
    /// What it is for.
    pub description: String,
    /// The text it stands for.
    pub value: String,
}

/// One query, ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryDef {
    /// Its name under `sources`.
    pub name: String,
    /// `description`.
    pub description: String,
    /// The file it came from.
    pub file: String,
    /// The merged metadata's `data_environments`.
    pub data_environments: Vec<String>,
    /// The merged metadata's `data_families`: the query is reachable as
    /// `family.name` for each.
    pub data_families: Vec<String>,
    /// The merged metadata's `tags`.
    pub tags: Vec<String>,
    /// All metadata, merged file < `defaults.metadata` < the query's own.
    pub metadata: Map<String, Json>,
    /// Parameters: `defaults.parameters` overlaid by the query's own, in that order.
    pub params: Vec<ParamDef>,
    /// The query template (`args.query`) with `$<macro>$` expanded.
    pub query: String,
    /// `args.uri`, if any.
    pub uri: Option<String>,
    /// `query_macros`.
    pub macros: BTreeMap<String, QueryMacro>,
    /// The parsed template, or why it cannot be rendered.
    pub(crate) segments: Result<Vec<Segment>, String>,
}

impl QueryDef {
    /// The definition of a parameter, by name or alias.
    pub fn param(&self, name: &str) -> Option<&ParamDef> {
        self.params.iter().find(|p| p.name == name).or_else(|| {
            self.params
                .iter()
                .find(|p| p.aliases.iter().any(|a| a == name))
        })
    }

    /// True when `name` is one of the query's parameters or aliases. Use it to pick a
    /// query's values out of a larger map (an alert's `query_params()`), since
    /// [`render`](Self::render) rejects names the query does not define.
    pub fn accepts(&self, name: &str) -> bool {
        self.param(name).is_some()
    }

    /// The parameters without a default, which a caller must give.
    pub fn required_params(&self) -> impl Iterator<Item = &ParamDef> {
        self.params.iter().filter(|p| p.is_required())
    }

    /// The names this query is reachable under: `family.name` for each data family.
    pub fn full_names(&self) -> Vec<String> {
        self.data_families
            .iter()
            .map(|f| format!("{f}.{}", self.name))
            .collect()
    }

    /// True when the query is for `environment` (compared as msticpy's aliases do:
    /// `LogAnalytics`, `AzureSentinel` and `MSSentinel` are one; `MDATP`, `M365D` and
    /// `MDE` are one; `AzureDataExplorer` and `Kusto` are one; case-insensitive).
    pub fn runs_on(&self, environment: &str) -> bool {
        let want = canonical_environment(environment);
        self.data_environments
            .iter()
            .any(|e| canonical_environment(e) == want)
    }

    /// Renders the query with `params` for `dialect` (see the module doc); datetimes
    /// given as day offsets count from now.
    pub fn render<K, V>(
        &self,
        params: impl IntoIterator<Item = (K, V)>,
        dialect: Dialect,
    ) -> Result<String, DataError>
    where
        K: AsRef<str>,
        V: Into<ParamValue>,
    {
        self.render_at(params, dialect, chrono::Utc::now())
    }

    /// [`render`](Self::render) with an explicit "now" for day offsets, so the result
    /// is reproducible.
    pub fn render_at<K, V>(
        &self,
        params: impl IntoIterator<Item = (K, V)>,
        dialect: Dialect,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<String, DataError>
    where
        K: AsRef<str>,
        V: Into<ParamValue>,
    {
        let values = params
            .into_iter()
            .map(|(k, v)| (k.as_ref().to_owned(), v.into()))
            .collect::<Vec<_>>();
        super::render::render(self, &values, dialect, now)
    }
}

/// msticpy's environment aliases, folded to one name each.
pub fn canonical_environment(env: &str) -> String {
    let lower = env.to_ascii_lowercase();
    let base = lower
        .trim_end_matches("_new")
        .trim_end_matches("_legacy")
        .to_owned();
    match base.as_str() {
        "loganalytics" | "azuresentinel" | "mssentinel" => "mssentinel".to_owned(),
        "mdatp" | "mde" | "m365d" => "mde".to_owned(),
        "azuredataexplorer" | "kusto" => "kusto".to_owned(),
        "msgraph" | "securitygraph" => "msgraph".to_owned(),
        _ => base,
    }
}

/// Many query files; queries addressed as `family.name`.
///
/// When two loaded queries have the same `family.name`, the later one wins for
/// [`get`](Self::get) (as in msticpy); filter by environment first with
/// [`for_environment`](Self::for_environment) when a library spans providers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryLibrary {
    files: Vec<QueryFile>,
}

impl QueryLibrary {
    /// An empty library.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads every `*.yaml`/`*.yml` file under `dir`, recursively, in path order.
    /// The first invalid file is the error.
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<Self, DataError> {
        let mut lib = Self::new();
        lib.add_dir(dir)?;
        Ok(lib)
    }

    /// Reads one file.
    pub fn load_file(path: impl AsRef<Path>) -> Result<Self, DataError> {
        let mut lib = Self::new();
        lib.add_file(path)?;
        Ok(lib)
    }

    /// Reads YAML text; `name` stands for the file in errors.
    pub fn from_yaml_str(name: &str, text: &str) -> Result<Self, DataError> {
        let mut lib = Self::new();
        lib.add_yaml_str(name, text)?;
        Ok(lib)
    }

    /// Adds every `*.yaml`/`*.yml` file under `dir`, recursively, in path order.
    pub fn add_dir(&mut self, dir: impl AsRef<Path>) -> Result<(), DataError> {
        for path in yaml_files(dir.as_ref())? {
            self.add_file(&path)?;
        }
        Ok(())
    }

    /// Adds one file.
    pub fn add_file(&mut self, path: impl AsRef<Path>) -> Result<(), DataError> {
        let path = path.as_ref();
        let text = read_query_file(path)?;
        self.add_yaml_str(&path.display().to_string(), &text)
    }

    /// Adds YAML text; `name` stands for the file in errors.
    pub fn add_yaml_str(&mut self, name: &str, text: &str) -> Result<(), DataError> {
        self.files.push(yaml::parse_file(name, text)?);
        Ok(())
    }

    /// Adds an already parsed file.
    pub(crate) fn push_file(&mut self, file: QueryFile) {
        self.files.push(file);
    }

    /// The files, in load order.
    pub fn files(&self) -> &[QueryFile] {
        &self.files
    }

    /// Every query, in load order.
    pub fn queries(&self) -> impl Iterator<Item = &QueryDef> {
        self.files.iter().flat_map(|f| f.queries.iter())
    }

    /// The number of queries (each counted once, whatever its families).
    pub fn len(&self) -> usize {
        self.files.iter().map(|f| f.queries.len()).sum()
    }

    /// True when no query is loaded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every `family.name`, sorted, without duplicates.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.queries().flat_map(QueryDef::full_names).collect();
        names.sort();
        names.dedup();
        names
    }

    /// The query called `family.name` (the family may itself contain dots).
    pub fn get(&self, full_name: &str) -> Option<&QueryDef> {
        let (family, name) = full_name.rsplit_once('.')?;
        self.queries()
            .filter(|q| q.name == name && q.data_families.iter().any(|f| f == family))
            .last()
    }

    /// Like [`get`](Self::get), with an error that suggests a close name.
    pub fn query(&self, full_name: &str) -> Result<&QueryDef, DataError> {
        self.get(full_name).ok_or_else(|| {
            let names = self.names();
            let hint = closest(full_name, names.iter().map(String::as_str))
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_else(|| format!("; the library has {} query names", names.len()));
            DataError::QueryRender {
                query: full_name.to_owned(),
                param: None,
                message: format!("no such query{hint}"),
            }
        })
    }

    /// Renders the query `family.name`; see [`QueryDef::render`].
    pub fn render<K, V>(
        &self,
        full_name: &str,
        params: impl IntoIterator<Item = (K, V)>,
        dialect: Dialect,
    ) -> Result<String, DataError>
    where
        K: AsRef<str>,
        V: Into<ParamValue>,
    {
        self.query(full_name)?.render(params, dialect)
    }

    /// A library with only the queries that run on `environment` (see
    /// [`QueryDef::runs_on`]); files left without queries are dropped.
    pub fn for_environment(&self, environment: &str) -> Self {
        let files = self
            .files
            .iter()
            .filter_map(|f| {
                let queries: Vec<QueryDef> = f
                    .queries
                    .iter()
                    .filter(|q| q.runs_on(environment))
                    .cloned()
                    .collect();
                (!queries.is_empty()).then(|| QueryFile {
                    queries,
                    ..f.clone()
                })
            })
            .collect();
        Self { files }
    }

    /// The data families, sorted, without duplicates.
    pub fn families(&self) -> Vec<String> {
        let mut families: Vec<String> = self
            .queries()
            .flat_map(|q| q.data_families.iter().cloned())
            .collect();
        families.sort();
        families.dedup();
        families
    }
}

/// A query-library file's text; an unreadable file is a [`DataError::QueryFile`].
pub(crate) fn read_query_file(path: &Path) -> Result<String, DataError> {
    std::fs::read_to_string(path).map_err(|e| DataError::QueryFile {
        file: path.display().to_string(),
        query: None,
        param: None,
        message: format!("cannot read: {e}"),
    })
}

fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>, DataError> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| DataError::QueryFile {
            file: d.display().to_string(),
            query: None,
            param: None,
            message: format!("cannot list the directory: {e}"),
        })?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            ) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}
