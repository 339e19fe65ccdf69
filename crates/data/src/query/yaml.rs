//! Reading one msticpy-format query file: YAML → [`QueryFile`], with validation.
//!
//! Checks what msticpy's reader checks (non-empty `sources`, `metadata`,
//! `data_environments`, `data_families`) plus what its JSON schema says and its tests
//! expect to be rejected: an integer `version`, a known parameter `type`, a parameter
//! `description` of 5–1024 characters, no empty `default:`, and (msticpy's
//! `QuerySource.validate`) a typed definition for every `{placeholder}`.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};
use serde_norway::Value;

use super::library::{FileMetadata, QueryDef, QueryFile, QueryMacro};
use super::params::{ParamDef, ParamType, ParamValue};
use super::suggest::closest;
use super::template;
use crate::DataError;

/// Parameter descriptions must be this long (msticpy's schema).
const DESCRIPTION_CHARS: std::ops::RangeInclusive<usize> = 5..=1024;

/// Where a problem is: the file, and the query and parameter when known.
struct At<'a> {
    file: &'a str,
    query: Option<&'a str>,
    param: Option<&'a str>,
}

impl<'a> At<'a> {
    fn file(file: &'a str) -> Self {
        Self {
            file,
            query: None,
            param: None,
        }
    }
    fn query(&self, query: &'a str) -> Self {
        Self {
            file: self.file,
            query: Some(query),
            param: None,
        }
    }
    fn param(&self, param: &'a str) -> Self {
        Self {
            file: self.file,
            query: self.query,
            param: Some(param),
        }
    }
    fn err(&self, message: impl Into<String>) -> DataError {
        DataError::QueryFile {
            file: self.file.to_owned(),
            query: self.query.map(str::to_owned),
            param: self.param.map(str::to_owned),
            message: message.into(),
        }
    }
}

/// Parses and validates one file. `file` names it in errors and in [`QueryDef::file`].
pub fn parse_file(file: &str, text: &str) -> Result<QueryFile, DataError> {
    let at = At::file(file);
    let doc: Value =
        serde_norway::from_str(text).map_err(|e| at.err(format!("not valid YAML: {e}")))?;
    let doc = match doc {
        Value::Null => return Err(at.err("the file is empty")),
        Value::Mapping(m) => m,
        other => {
            return Err(at.err(format!(
                "the file must be a mapping with `metadata` and `sources`, found {}",
                kind(&other)
            )));
        }
    };
    let metadata = match doc.get("metadata") {
        Some(Value::Mapping(m)) if !m.is_empty() => to_json_map(&at, "metadata", m)?,
        Some(Value::Mapping(_)) | Some(Value::Null) | None => {
            return Err(at.err(
                "no `metadata` section; a query file needs `metadata` with version, \
                 description, data_environments and data_families",
            ));
        }
        Some(other) => {
            return Err(at.err(format!(
                "`metadata` must be a mapping, found {}",
                kind(other)
            )));
        }
    };
    let sources = match doc.get("sources") {
        Some(Value::Mapping(m)) if !m.is_empty() => m,
        Some(Value::Mapping(_)) | Some(Value::Null) | None => {
            return Err(at.err(
                "no `sources` section (or it is empty); a query file defines its queries \
                 under `sources: {name: {description, args: {query}}}`",
            ));
        }
        Some(other) => {
            return Err(at.err(format!(
                "`sources` must be a mapping, found {}",
                kind(other)
            )));
        }
    };
    let file_meta = file_metadata(&at, &metadata)?;

    let (default_metadata, default_params) = match doc.get("defaults") {
        None | Some(Value::Null) => (Map::new(), Vec::new()),
        Some(Value::Mapping(d)) => {
            let meta = optional_map(&at, d.get("metadata"), "defaults.metadata")?;
            let params = parameters(&at, d.get("parameters"), "defaults.parameters")?;
            (meta, params)
        }
        Some(other) => {
            return Err(at.err(format!(
                "`defaults` must be a mapping, found {}",
                kind(other)
            )));
        }
    };

    let mut queries = Vec::new();
    for (name, source) in sources {
        let Some(name) = name.as_str() else {
            return Err(at.err(format!("query names must be strings, found {}", kind(name))));
        };
        queries.push(query_def(
            &at.query(name),
            name,
            source,
            &metadata,
            &default_metadata,
            &default_params,
        )?);
    }
    Ok(QueryFile {
        path: file.to_owned(),
        metadata: file_meta,
        default_metadata,
        default_params,
        queries,
    })
}

fn query_def(
    at: &At<'_>,
    name: &str,
    source: &Value,
    file_meta: &Map<String, Json>,
    default_meta: &Map<String, Json>,
    default_params: &[ParamDef],
) -> Result<QueryDef, DataError> {
    let Value::Mapping(source) = source else {
        return Err(at.err(format!(
            "a query must be a mapping with `description` and `args.query`, found {}",
            kind(source)
        )));
    };
    let description = match source.get("description") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(at.err(format!(
                "`description` must be a string, found {}",
                kind(other)
            )));
        }
    };
    // Metadata merges file < defaults < query, key by key (msticpy's collapse_dicts).
    let mut metadata = file_meta.clone();
    metadata.extend(default_meta.clone());
    metadata.extend(optional_map(at, source.get("metadata"), "metadata")?);

    let Some(Value::Mapping(args)) = source.get("args") else {
        return Err(at.err("no `args` mapping; the query text goes in `args: {query: ...}`"));
    };
    let query = match args.get("query") {
        Some(Value::String(q)) => q.clone(),
        Some(Value::Null) | None => {
            return Err(at.err("no `args.query`: the query text is missing"));
        }
        Some(other) => {
            return Err(at.err(format!(
                "`args.query` must be a string, found {}",
                kind(other)
            )));
        }
    };
    let uri = match args.get("uri") {
        None | Some(Value::Null) => None,
        Some(v) => Some(scalar_text(v).ok_or_else(|| at.err("`args.uri` must be a string"))?),
    };

    let mut macros = BTreeMap::new();
    match source.get("query_macros") {
        None | Some(Value::Null) => {}
        Some(Value::Mapping(m)) => {
            for (k, v) in m {
                let k = scalar_text(k).unwrap_or_default();
                let (description, value) = match v {
                    Value::Mapping(mm) => (
                        mm.get("description")
                            .and_then(scalar_text)
                            .unwrap_or_default(),
                        mm.get("value").and_then(scalar_text),
                    ),
                    _ => (String::new(), None),
                };
                let Some(value) = value else {
                    return Err(at.err(format!(
                        "query macro `{k}` needs `value` (text that replaces `$<{k}>$`)"
                    )));
                };
                macros.insert(k, QueryMacro { description, value });
            }
        }
        Some(other) => {
            return Err(at.err(format!(
                "`query_macros` must be a mapping, found {}",
                kind(other)
            )));
        }
    }
    let macro_values = macros
        .iter()
        .map(|(k, m)| (k.clone(), m.value.clone()))
        .collect();
    let query = template::expand_macros(&query, &macro_values);

    // Parameters merge defaults < query: a query's own definition replaces the default's.
    let mut params: Vec<ParamDef> = default_params.to_vec();
    for p in parameters(at, source.get("parameters"), "parameters")? {
        match params.iter_mut().find(|d| d.name == p.name) {
            Some(d) => *d = p,
            None => params.push(p),
        }
    }

    // A template that is not str.format text still loads (msticpy leaves such JSON
    // bodies to the driver); it cannot be rendered, and its placeholders are checked
    // loosely.
    let segments = template::parse(&query);
    let placeholders: Vec<&str> = match &segments {
        Ok(segs) => segs
            .iter()
            .filter_map(|s| match s {
                template::Segment::Param(p) => Some(p.as_str()),
                template::Segment::Text(_) => None,
            })
            .collect(),
        Err(_) => template::loose_placeholders(&query),
    };
    for p in placeholders {
        if !params.iter().any(|d| d.name == p) {
            let hint = closest(p, params.iter().map(|d| d.name.as_str()))
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            return Err(at.param(p).err(format!(
                "the query uses `{{{p}}}` but defines no such parameter{hint}; add it under \
                 `parameters` with a `type`"
            )));
        }
    }
    let segments =
        segments.map_err(|e| format!("the query text is not a template huntrs can render: {e}"));

    let data_environments =
        string_list(at, metadata.get("data_environments"), "data_environments")?;
    let data_families = string_list(at, metadata.get("data_families"), "data_families")?;
    if data_families.is_empty() {
        return Err(at.err("no `data_families`: the query could not be addressed"));
    }
    let tags = string_list(at, metadata.get("tags"), "tags").unwrap_or_default();
    Ok(QueryDef {
        name: name.to_owned(),
        description,
        file: at.file.to_owned(),
        data_environments,
        data_families,
        tags,
        metadata,
        params,
        query,
        uri,
        macros,
        segments,
    })
}

fn file_metadata(at: &At<'_>, m: &Map<String, Json>) -> Result<FileMetadata, DataError> {
    let version = match m.get("version") {
        None | Some(Json::Null) => None,
        Some(Json::Number(n)) if n.is_i64() => n.as_i64(),
        Some(other) => {
            return Err(at.err(format!(
                "metadata.version must be an integer (e.g. `version: 1`), found {}",
                json_kind(other)
            )));
        }
    };
    let description = match m.get("description") {
        None | Some(Json::Null) => String::new(),
        Some(Json::String(s)) => s.clone(),
        Some(other) => {
            return Err(at.err(format!(
                "metadata.description must be a string, found {}",
                json_kind(other)
            )));
        }
    };
    let data_environments = string_list(at, m.get("data_environments"), "data_environments")?;
    if data_environments.is_empty() {
        return Err(at.err(
            "metadata has no `data_environments` (e.g. `[MSSentinel]`): the file's queries \
             would belong to no provider",
        ));
    }
    let data_families = string_list(at, m.get("data_families"), "data_families")?;
    if data_families.is_empty() {
        return Err(at.err(
            "metadata has no `data_families` (e.g. `[WindowsSecurity]`): the file's queries \
             could not be addressed",
        ));
    }
    let tags = string_list(at, m.get("tags"), "tags")?;
    Ok(FileMetadata {
        version,
        description,
        data_environments,
        data_families,
        tags,
    })
}

fn parameters(at: &At<'_>, v: Option<&Value>, what: &str) -> Result<Vec<ParamDef>, DataError> {
    let m = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Mapping(m)) => m,
        Some(other) => {
            return Err(at.err(format!("`{what}` must be a mapping, found {}", kind(other))));
        }
    };
    let mut out = Vec::new();
    for (name, def) in m {
        let Some(name) = name.as_str() else {
            return Err(at.err(format!(
                "parameter names must be strings, found {}",
                kind(name)
            )));
        };
        out.push(param_def(&at.param(name), name, def)?);
    }
    Ok(out)
}

fn param_def(at: &At<'_>, name: &str, def: &Value) -> Result<ParamDef, DataError> {
    let Value::Mapping(def) = def else {
        return Err(at.err(format!(
            "a parameter must be a mapping with `description` and `type`, found {}",
            kind(def)
        )));
    };
    let param_type = match def.get("type") {
        Some(Value::String(t)) => ParamType::from_name(t).ok_or_else(|| {
            at.err(format!(
                "unknown type `{t}`; use one of str, datetime, int, float, list"
            ))
        })?,
        None | Some(Value::Null) => {
            return Err(at.err("no `type`; use one of str, datetime, int, float, list"));
        }
        Some(other) => {
            return Err(at.err(format!("`type` must be a string, found {}", kind(other))));
        }
    };
    let description = match def.get("description") {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => return Err(at.err("no `description`")),
        Some(other) => {
            return Err(at.err(format!(
                "`description` must be a string, found {}",
                kind(other)
            )));
        }
    };
    let chars = description.chars().count();
    if !DESCRIPTION_CHARS.contains(&chars) {
        return Err(at.err(format!(
            "the description has {chars} characters; it must have {} to {}",
            DESCRIPTION_CHARS.start(),
            DESCRIPTION_CHARS.end()
        )));
    }
    let default = match def.get("default") {
        None => None,
        Some(Value::Null) => {
            return Err(at.err(
                "`default:` is empty; give a value (`''` for an empty string) or remove the \
                 line to make the parameter required",
            ));
        }
        Some(v) => Some(default_value(at, v)?),
    };
    let aliases = match def.get("aliases") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Sequence(items)) => items.iter().filter_map(scalar_text).collect(),
        Some(v) => vec![scalar_text(v).ok_or_else(|| at.err("`aliases` must be a list of names"))?],
    };
    let format = match def.get("format") {
        None | Some(Value::Null) => None,
        Some(Value::String(f)) => {
            template::parse_format(f).map_err(|e| at.err(e))?;
            Some(f.clone())
        }
        Some(other) => {
            return Err(at.err(format!("`format` must be a string, found {}", kind(other))));
        }
    };
    let fragment = match def.get("fragment") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(at.err(format!(
                "`fragment` must be true or false, found {}",
                kind(other)
            )));
        }
    };
    if fragment && param_type != ParamType::Str {
        return Err(at.err("`fragment: true` is only allowed on `type: str` parameters"));
    }
    Ok(ParamDef {
        name: name.to_owned(),
        param_type,
        description,
        default,
        aliases,
        format,
        fragment,
    })
}

fn default_value(at: &At<'_>, v: &Value) -> Result<ParamValue, DataError> {
    Ok(match v {
        Value::Bool(b) => ParamValue::Str(b.to_string()),
        Value::Number(n) => match n.as_i64() {
            Some(i) => ParamValue::Int(i),
            None => ParamValue::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => ParamValue::Str(s.clone()),
        Value::Sequence(items) => ParamValue::List(
            items
                .iter()
                .map(|i| scalar_text(i).ok_or_else(|| at.err("list defaults must hold scalars")))
                .collect::<Result<_, _>>()?,
        ),
        other => {
            return Err(at.err(format!(
                "`default` must be a scalar or a list, found {}",
                kind(other)
            )));
        }
    })
}

fn optional_map(
    at: &At<'_>,
    v: Option<&Value>,
    what: &str,
) -> Result<Map<String, Json>, DataError> {
    match v {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Mapping(m)) => to_json_map(at, what, m),
        Some(other) => Err(at.err(format!("`{what}` must be a mapping, found {}", kind(other)))),
    }
}

fn to_json_map(
    at: &At<'_>,
    what: &str,
    m: &serde_norway::Mapping,
) -> Result<Map<String, Json>, DataError> {
    match serde_json::to_value(m) {
        Ok(Json::Object(o)) => Ok(o),
        Ok(_) => Err(at.err(format!("`{what}` must be a mapping"))),
        Err(e) => Err(at.err(format!("`{what}`: {e}"))),
    }
}

/// A string or a list of strings, as a list (msticpy accepts both).
fn string_list(at: &At<'_>, v: Option<&Json>, what: &str) -> Result<Vec<String>, DataError> {
    match v {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::String(s)) => Ok(vec![s.clone()]),
        Some(Json::Array(items)) => items
            .iter()
            .map(|i| match i {
                Json::String(s) => Ok(s.clone()),
                other => Err(at.err(format!(
                    "`{what}` must list strings, found {}",
                    json_kind(other)
                ))),
            })
            .collect(),
        Some(other) => Err(at.err(format!(
            "`{what}` must be a list of strings, found {}",
            json_kind(other)
        ))),
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn kind(v: &Value) -> String {
    match v {
        Value::Null => "nothing".to_owned(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => format!("string {s:?}"),
        Value::Sequence(_) => "a list".to_owned(),
        Value::Mapping(_) => "a mapping".to_owned(),
        Value::Tagged(t) => format!("tagged value {}", t.tag),
    }
}

fn json_kind(v: &Json) -> String {
    match v {
        Json::Null => "nothing".to_owned(),
        Json::Bool(b) => format!("boolean {b}"),
        Json::Number(n) => format!("number {n}"),
        Json::String(s) => format!("string {s:?}"),
        Json::Array(_) => "a list".to_owned(),
        Json::Object(_) => "a mapping".to_owned(),
    }
}
