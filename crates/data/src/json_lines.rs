//! Tables as JSON lines: one object per row, keys are column names.
//!
//! polars can read JSON only with its `json` feature, which pulls in a second JSON
//! stack; tables here are modest, so serde_json does it.

use std::io::{BufRead, Write};

use polars::prelude::*;
use serde_json::{Map, Value};

/// Reads JSON lines into a frame. Columns appear in first-seen order; a column is
/// Boolean, Int64 or Float64 when every value is one, otherwise text (objects and
/// arrays as their JSON). With `all_strings` every column is text. Blank lines are
/// skipped; anything else that is not an object is an error naming the line.
pub(crate) fn read(reader: impl BufRead, all_strings: bool) -> Result<DataFrame, String> {
    let mut names: Vec<String> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = Default::default();
    let mut cells: Vec<Vec<(usize, Value)>> = Vec::new();
    let mut rows = 0usize;
    for (n, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| format!("line {}: {e}", n + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let object: Map<String, Value> = match serde_json::from_str(&line) {
            Ok(Value::Object(object)) => object,
            Ok(_) => return Err(format!("line {}: not a JSON object", n + 1)),
            Err(e) => return Err(format!("line {}: {e}", n + 1)),
        };
        for (key, value) in object {
            let col = *index.entry(key.clone()).or_insert_with(|| {
                names.push(key);
                cells.push(Vec::new());
                names.len() - 1
            });
            if !value.is_null() {
                cells[col].push((rows, value));
            }
        }
        rows += 1;
    }
    let columns = names
        .iter()
        .zip(cells)
        .map(|(name, cells)| column(name, cells, rows, all_strings))
        .collect();
    DataFrame::new(rows, columns).map_err(|e| e.to_string())
}

fn column(name: &str, cells: Vec<(usize, Value)>, rows: usize, all_strings: bool) -> Column {
    let spread = |cells: &[(usize, Value)], f: &dyn Fn(&Value) -> Option<AnyValue<'static>>| {
        let mut out = vec![AnyValue::Null; rows];
        for (row, value) in cells {
            if let Some(v) = f(value) {
                out[*row] = v;
            }
        }
        out
    };
    let all = |f: fn(&Value) -> bool| !all_strings && cells.iter().all(|(_, v)| f(v));
    let values = if all(Value::is_boolean) {
        spread(&cells, &|v| v.as_bool().map(AnyValue::Boolean))
    } else if all(|v| v.is_i64()) {
        spread(&cells, &|v| v.as_i64().map(AnyValue::Int64))
    } else if all(Value::is_number) {
        spread(&cells, &|v| v.as_f64().map(AnyValue::Float64))
    } else {
        let mut text: Vec<Option<String>> = vec![None; rows];
        for (row, value) in cells {
            text[row] = Some(match value {
                Value::String(s) => s,
                other => other.to_string(),
            });
        }
        return Column::new(name.into(), text);
    };
    Series::from_any_values(name.into(), &values, false)
        .map(Column::from)
        .unwrap_or_else(|_| Column::full_null(name.into(), rows, &DataType::String))
}

/// Writes one JSON object per row; nulls are left out, times are ISO 8601 text.
pub(crate) fn write(df: &DataFrame, mut out: impl Write) -> Result<(), String> {
    let names: Vec<&str> = df.get_column_names().iter().map(|c| c.as_str()).collect();
    let columns = df.columns();
    for row in 0..df.height() {
        let mut object = Map::new();
        for (name, col) in names.iter().zip(columns) {
            let value = col.get(row).map_err(|e| e.to_string())?;
            if let Some(value) = json_value(&value) {
                object.insert((*name).to_string(), value);
            }
        }
        serde_json::to_writer(&mut out, &object).map_err(|e| e.to_string())?;
        out.write_all(b"\n").map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())
}

/// A cell as JSON, nulls left out (see [`cell_json`]).
pub(crate) fn json_value(value: &AnyValue<'_>) -> Option<Value> {
    match cell_json(value) {
        Value::Null => None,
        other => Some(other),
    }
}

/// A cell as JSON: numbers and booleans as themselves, datetimes as ISO 8601 UTC text,
/// dates as `YYYY-MM-DD`, durations as KQL timespans (`d.hh:mm:ss`), lists as arrays,
/// binary as hex; anything else as its display text. One definition for table files,
/// table rows and query results.
pub fn cell_json(v: &AnyValue<'_>) -> Value {
    match v {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(*b),
        AnyValue::String(s) => Value::String((*s).to_string()),
        AnyValue::StringOwned(s) => Value::String(s.to_string()),
        AnyValue::Int8(i) => Value::from(*i),
        AnyValue::Int16(i) => Value::from(*i),
        AnyValue::Int32(i) => Value::from(*i),
        AnyValue::Int64(i) => Value::from(*i),
        AnyValue::UInt8(i) => Value::from(*i),
        AnyValue::UInt16(i) => Value::from(*i),
        AnyValue::UInt32(i) => Value::from(*i),
        AnyValue::UInt64(i) => Value::from(*i),
        AnyValue::Float32(f) => {
            serde_json::Number::from_f64(f64::from(*f)).map_or(Value::Null, Value::Number)
        }
        AnyValue::Float64(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        // Stored as UTC instants (or naive times, read as UTC).
        AnyValue::Datetime(t, unit, _) | AnyValue::DatetimeOwned(t, unit, _) => Value::String(
            entities::format_time(chrono::DateTime::from_timestamp_nanos(to_nanos(*t, *unit))),
        ),
        AnyValue::Date(days) => Value::String(
            chrono::DateTime::from_timestamp(i64::from(*days) * 86_400, 0)
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        ),
        AnyValue::Duration(d, unit) => Value::String(timespan(to_nanos(*d, *unit))),
        AnyValue::List(s) => Value::Array(s.iter().map(|v| cell_json(&v)).collect()),
        AnyValue::Binary(b) => Value::String(b.iter().map(|x| format!("{x:02x}")).collect()),
        AnyValue::BinaryOwned(b) => Value::String(b.iter().map(|x| format!("{x:02x}")).collect()),
        other => Value::String(other.to_string()),
    }
}

fn to_nanos(t: i64, unit: TimeUnit) -> i64 {
    match unit {
        TimeUnit::Nanoseconds => t,
        TimeUnit::Microseconds => t.saturating_mul(1_000),
        TimeUnit::Milliseconds => t.saturating_mul(1_000_000),
    }
}

/// A KQL timespan: `[-][d.]hh:mm:ss[.fffffff]`.
fn timespan(ns: i64) -> String {
    let sign = if ns < 0 { "-" } else { "" };
    let ns = ns.unsigned_abs();
    let ticks = (ns / 100) % 10_000_000;
    let secs = ns / 1_000_000_000;
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let mut out = String::from(sign);
    if d > 0 {
        out.push_str(&format!("{d}."));
    }
    out.push_str(&format!("{h:02}:{m:02}:{s:02}"));
    if ticks > 0 {
        out.push_str(&format!(".{ticks:07}"));
    }
    out
}
