//! Reading typed values out of a table row given as column name → JSON value.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::EntityError;
use crate::time::parse_time;

/// A table row: column name → value, as the data layer hands it over.
pub type Row = BTreeMap<String, Value>;

/// The column as text, as given; absent, null, blank and `-` (Windows' "none") are `None`.
pub(crate) fn text(row: &Row, column: &str) -> Option<String> {
    let text = match row.get(column)? {
        Value::Null => return None,
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let trimmed = text.trim();
    (!trimmed.is_empty() && trimmed != "-").then_some(text)
}

/// The first of `columns` that has text.
pub(crate) fn first_text(row: &Row, columns: &[&str]) -> Option<String> {
    columns.iter().find_map(|column| text(row, column))
}

/// The column as a UTC time; text that is not a timestamp is an error naming the column.
pub(crate) fn time(row: &Row, column: &str) -> Result<Option<DateTime<Utc>>, EntityError> {
    match row.get(column) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
        Some(Value::String(text)) => {
            parse_time(text)
                .map(Some)
                .ok_or_else(|| EntityError::BadColumn {
                    column: column.to_owned(),
                    problem: format!("`{text}` is not an ISO 8601 timestamp"),
                })
        }
        Some(other) => Err(EntityError::BadColumn {
            column: column.to_owned(),
            problem: format!(
                "expected an ISO 8601 timestamp string, found {}",
                crate::error::json_type(other)
            ),
        }),
    }
}

/// The column as a JSON document: a string holding JSON is decoded, an array or
/// object is taken as is; absent, null or blank is `None`.
pub(crate) fn json(row: &Row, column: &str) -> Result<Option<Value>, EntityError> {
    match row.get(column) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
        Some(Value::String(text)) => {
            serde_json::from_str(text)
                .map(Some)
                .map_err(|error| EntityError::BadColumn {
                    column: column.to_owned(),
                    problem: format!("not valid JSON: {error}"),
                })
        }
        Some(value @ (Value::Array(_) | Value::Object(_))) => Ok(Some(value.clone())),
        Some(other) => Err(EntityError::BadColumn {
            column: column.to_owned(),
            problem: format!(
                "expected JSON text, an array or an object, found {}",
                crate::error::json_type(other)
            ),
        }),
    }
}
