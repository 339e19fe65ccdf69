//! Table rows as the entity layer reads them: SecurityAlert and SecurityEvent rows
//! become typed alerts and events with their entities and query parameters.

use entities::{Row, SecurityAlert, SecurityEvent};
use polars::prelude::*;

use crate::DataError;
use crate::json_lines::json_value;

/// Row `index` of a frame as column name → JSON value (nulls left out; times as
/// ISO 8601 UTC text).
pub fn row_map(df: &DataFrame, index: usize) -> Result<Row, DataError> {
    if index >= df.height() {
        return Err(DataError::Row(format!(
            "row {index} is past the end of a frame of {} rows",
            df.height()
        )));
    }
    let mut row = Row::new();
    for column in df.columns() {
        let value = column
            .get(index)
            .map_err(|e| DataError::Row(format!("column {}: {e}", column.name())))?;
        if let Some(value) = json_value(&value) {
            row.insert(column.name().to_string(), value);
        }
    }
    Ok(row)
}

/// Every row of a SecurityAlert table as a [`SecurityAlert`]; an error names the row.
pub fn security_alerts(df: &DataFrame) -> Result<Vec<SecurityAlert>, DataError> {
    (0..df.height())
        .map(|i| {
            SecurityAlert::from_row(&row_map(df, i)?)
                .map_err(|e| DataError::Row(format!("SecurityAlert row {i}: {e}")))
        })
        .collect()
}

/// Every row of a SecurityEvent table as a [`SecurityEvent`]; an error names the row.
pub fn security_events(df: &DataFrame) -> Result<Vec<SecurityEvent>, DataError> {
    (0..df.height())
        .map(|i| {
            SecurityEvent::from_row(&row_map(df, i)?)
                .map_err(|e| DataError::Row(format!("SecurityEvent row {i}: {e}")))
        })
        .collect()
}
