//! The offline provider: indicators from CSV or JSON lists and from a Sentinel
//! `ThreatIntelligenceIndicator` table, held in memory.
//!
//! A list has a column `Ioc` (or `Indicator`, `Value`), and optionally `IocType`,
//! `Severity` (`high`/`warning`/`information`), `Details`, `Reference`. A
//! `ThreatIntelligenceIndicator` table is recognised by its columns (`NetworkIP`,
//! `DomainName`, `Url`, `FileHashValue`, …); its `ConfidenceScore` gives the severity
//! (≥ 80 high, ≥ 50 warning, else information; inactive indicators are information).

use std::path::Path;

use polars::prelude::*;
use rustc_hash::FxHashMap;
use serde_json::{Value, json};

use crate::enrich::ti::{LookupContext, Observable, Severity, TiAnswer, TiProvider};
use crate::error::SectoolsError;
use crate::ioc::IocType;

/// One indicator.
#[derive(Debug, Clone)]
struct Entry {
    severity: Severity,
    details: Value,
    reference: String,
}

/// Indicators in memory, looked up by value (case-insensitively).
#[derive(Debug, Clone)]
pub struct LocalProvider {
    name: String,
    entries: FxHashMap<String, Vec<Entry>>,
}

const TI_VALUE_COLUMNS: [&str; 7] = [
    "NetworkIP",
    "NetworkSourceIP",
    "NetworkDestinationIP",
    "DomainName",
    "Url",
    "FileHashValue",
    "EmailSenderAddress",
];

fn severity_from(text: &str) -> Severity {
    match text.trim().to_ascii_lowercase().as_str() {
        "high" | "3" => Severity::High,
        "warning" | "medium" | "2" => Severity::Warning,
        "information" | "info" | "low" | "1" => Severity::Information,
        _ => Severity::Unknown,
    }
}

fn strings(df: &DataFrame, name: &str) -> Option<StringChunked> {
    let col = df.column(name).ok()?;
    let cast = col.cast(&DataType::String).ok()?;
    cast.str().ok().cloned()
}

fn cell(column: &Option<StringChunked>, i: usize) -> Option<&str> {
    column.as_ref().and_then(|c| c.get(i))
}

impl LocalProvider {
    /// An empty provider named `name`.
    pub fn new(name: &str) -> LocalProvider {
        LocalProvider {
            name: name.to_string(),
            entries: FxHashMap::default(),
        }
    }

    /// Number of distinct indicator values.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no indicators.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds one indicator.
    pub fn add(&mut self, value: &str, severity: Severity, details: Value, reference: &str) {
        let key = crate::refang::refang(value.trim()).to_ascii_lowercase();
        if key.is_empty() {
            return;
        }
        self.entries.entry(key).or_default().push(Entry {
            severity,
            details,
            reference: reference.to_string(),
        });
    }

    /// Adds the rows of a frame: a `ThreatIntelligenceIndicator` table or a list
    /// (see the module docs). `source` names the frame in references.
    pub fn add_frame(&mut self, df: &DataFrame, source: &str) -> Result<(), SectoolsError> {
        if TI_VALUE_COLUMNS.iter().any(|c| df.column(c).is_ok()) {
            return self.add_ti_table(df, source);
        }
        let value_col = ["Ioc", "Indicator", "Value", "ioc", "indicator", "value"]
            .into_iter()
            .find(|c| df.column(c).is_ok())
            .ok_or_else(|| SectoolsError::MissingColumn {
                column: "Ioc (or Indicator, Value, or ThreatIntelligenceIndicator columns)".into(),
                available: crate::enrich::column_names(df),
            })?;
        let values = strings(df, value_col).ok_or_else(|| SectoolsError::ColumnType {
            column: value_col.into(),
            actual: "not text".into(),
            expected: "strings".into(),
        })?;
        let severity = strings(df, "Severity");
        let details = strings(df, "Details");
        let reference = strings(df, "Reference");
        let ioc_type = strings(df, "IocType");
        for i in 0..df.height() {
            let Some(v) = values.get(i) else { continue };
            let get = |c| cell(c, i);
            let sev = get(&severity).map_or(Severity::Warning, severity_from);
            let mut d = json!({"source": source});
            if let Some(text) = get(&details) {
                d["details"] = json!(text);
            }
            if let Some(t) = get(&ioc_type) {
                d["ioc_type"] = json!(t);
            }
            self.add(v, sev, d, get(&reference).unwrap_or(source));
        }
        Ok(())
    }

    fn add_ti_table(&mut self, df: &DataFrame, source: &str) -> Result<(), SectoolsError> {
        let description = strings(df, "Description");
        let threat = strings(df, "ThreatType");
        let tags = strings(df, "Tags");
        let id = strings(df, "IndicatorId");
        let confidence = df
            .column("ConfidenceScore")
            .ok()
            .and_then(|c| c.cast(&DataType::Float64).ok())
            .and_then(|c| c.f64().ok().cloned());
        // Read as text: CSV files hold `true`/`false`, and polars does not cast text to
        // booleans.
        let active = strings(df, "Active");
        let columns: Vec<StringChunked> = TI_VALUE_COLUMNS
            .iter()
            .filter_map(|c| strings(df, c))
            .collect();
        for i in 0..df.height() {
            let get = |c| cell(c, i);
            let score = confidence.as_ref().and_then(|c| c.get(i));
            let is_active = get(&active).is_none_or(|v| {
                !matches!(v.trim().to_ascii_lowercase().as_str(), "false" | "0" | "no")
            });
            let severity = match score {
                _ if !is_active => Severity::Information,
                Some(s) if s >= 80.0 => Severity::High,
                Some(s) if s >= 50.0 => Severity::Warning,
                Some(_) => Severity::Information,
                None => Severity::Warning,
            };
            let details = json!({
                "source": source,
                "threat_type": get(&threat),
                "description": get(&description),
                "confidence": score,
                "active": is_active,
                "tags": get(&tags),
            });
            let reference = match get(&id) {
                Some(id) => format!("{source}#IndicatorId={id}"),
                None => source.to_string(),
            };
            for col in &columns {
                if let Some(v) = col.get(i).filter(|v| !v.trim().is_empty()) {
                    self.add(v, severity, details.clone(), &reference);
                }
            }
        }
        Ok(())
    }

    /// Reads a CSV or JSON file (by extension; JSON is an array of objects or
    /// newline-delimited objects) and adds its indicators.
    pub fn add_file(&mut self, path: &Path) -> Result<(), SectoolsError> {
        let source = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if ext == "json" || ext == "jsonl" || ext == "ndjson" {
            let text = std::fs::read_to_string(path).map_err(|e| SectoolsError::io(path, e))?;
            let rows: Vec<Value> = match serde_json::from_str::<Value>(&text) {
                Ok(Value::Array(rows)) => rows,
                Ok(other) => vec![other],
                Err(_) => text
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(serde_json::from_str)
                    .collect::<Result<_, _>>()
                    .map_err(|e| SectoolsError::InvalidInput(format!("{source}: not JSON: {e}")))?,
            };
            return self.add_json_rows(&rows, &source);
        }
        let df = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .try_into_reader_with_file_path(Some(path.to_path_buf()))
            .and_then(|r| r.finish())
            .map_err(|e| SectoolsError::InvalidInput(format!("{source}: not a CSV table: {e}")))?;
        self.add_frame(&df, &source)
    }

    fn add_json_rows(&mut self, rows: &[Value], source: &str) -> Result<(), SectoolsError> {
        let text = |row: &Value, keys: &[&str]| {
            keys.iter().find_map(|k| match row.get(*k) {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            })
        };
        for row in rows {
            // A JSON export of ThreatIntelligenceIndicator: go through a frame.
            if TI_VALUE_COLUMNS.iter().any(|c| row.get(*c).is_some()) {
                let mut values = Vec::new();
                for c in TI_VALUE_COLUMNS {
                    values.push(Column::new(c.into(), [text(row, &[c])]));
                }
                for c in ["Description", "ThreatType", "Tags", "IndicatorId"] {
                    values.push(Column::new(c.into(), [text(row, &[c])]));
                }
                let score = row.get("ConfidenceScore").and_then(Value::as_f64);
                values.push(Column::new("ConfidenceScore".into(), [score]));
                let active = row
                    .get("Active")
                    .and_then(Value::as_bool)
                    .map(|b| b.to_string());
                values.push(Column::new("Active".into(), [active]));
                let df = DataFrame::new(1, values)?;
                self.add_ti_table(&df, source)?;
                continue;
            }
            let Some(value) = text(
                row,
                &["Ioc", "Indicator", "Value", "ioc", "indicator", "value"],
            ) else {
                continue;
            };
            let sev = text(row, &["Severity", "severity"])
                .map_or(Severity::Warning, |s| severity_from(&s));
            let mut d = json!({"source": source});
            if let Some(t) = row.get("Details").or_else(|| row.get("details")) {
                d["details"] = t.clone();
            }
            let reference = text(row, &["Reference", "reference"]).unwrap_or_else(|| source.into());
            self.add(&value, sev, d, &reference);
        }
        Ok(())
    }
}

impl TiProvider for LocalProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn supports(&self, _: &IocType) -> bool {
        true
    }

    fn is_local(&self) -> bool {
        true
    }

    fn lookup(&self, obs: &Observable, _: &LookupContext<'_>) -> Result<TiAnswer, SectoolsError> {
        // Values are stored lower-cased; most observables already are.
        let hit = if obs.value.bytes().any(|b| b.is_ascii_uppercase()) {
            self.entries.get(&obs.value.to_ascii_lowercase())
        } else {
            self.entries.get(&obs.value)
        };
        let Some(entries) = hit else {
            return Ok(TiAnswer::not_found(String::new()));
        };
        let Some(worst) = entries.iter().max_by_key(|e| e.severity) else {
            return Ok(TiAnswer::not_found(String::new()));
        };
        let details = if entries.len() == 1 {
            worst.details.clone()
        } else {
            Value::Array(entries.iter().map(|e| e.details.clone()).collect())
        };
        Ok(TiAnswer {
            found: true,
            severity: worst.severity,
            details,
            reference: worst.reference.clone(),
            raw: Value::Null,
        })
    }
}
