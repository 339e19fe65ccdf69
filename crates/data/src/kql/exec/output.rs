//! Writing a query result as text: CSV (a header row, then one row per line, datetimes in
//! ISO 8601) and JSON lines. Lists (from `make_set`, `split`, …) are written as JSON arrays.

use std::io::Write;

use polars::prelude::{AnyValue, DataFrame};

use crate::json_lines::cell_json as json_value;

/// One CSV cell: strings as written (quoted when needed), everything else as in JSON.
fn csv_cell(v: &AnyValue<'_>) -> String {
    let text = match json_value(v) {
        serde_json::Value::Null => return String::new(),
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// Writes `df` as CSV: a header row, then one line per row; datetimes in ISO 8601 UTC.
///
/// # Errors
/// Write errors from `out`.
pub fn write_csv(df: &DataFrame, mut out: impl Write) -> std::io::Result<()> {
    let header: Vec<String> = df
        .columns()
        .iter()
        .map(|c| csv_cell(&AnyValue::String(c.name().as_str())))
        .collect();
    writeln!(out, "{}", header.join(","))?;
    for row in 0..df.height() {
        let cells: Vec<String> = df
            .columns()
            .iter()
            .map(|c| c.get(row).map(|v| csv_cell(&v)).unwrap_or_default())
            .collect();
        writeln!(out, "{}", cells.join(","))?;
    }
    Ok(())
}

/// Writes `df` as JSON lines: one object per row, keys in column order.
///
/// # Errors
/// Write errors from `out`.
pub fn write_json_lines(df: &DataFrame, mut out: impl Write) -> std::io::Result<()> {
    // Written by hand: serde_json's map would sort the keys, and column order matters.
    let keys: Vec<String> = df
        .columns()
        .iter()
        .map(|c| serde_json::Value::String(c.name().to_string()).to_string())
        .collect();
    for row in 0..df.height() {
        let mut line = String::from("{");
        for (i, (c, key)) in df.columns().iter().zip(&keys).enumerate() {
            let v = c.get(row).map(|v| json_value(&v)).unwrap_or_default();
            if i > 0 {
                line.push(',');
            }
            line.push_str(key);
            line.push(':');
            line.push_str(&v.to_string());
        }
        line.push('}');
        writeln!(out, "{line}")?;
    }
    Ok(())
}
