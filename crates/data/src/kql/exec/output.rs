//! Writing a query result as text: CSV (a header row, then one row per line, datetimes in
//! ISO 8601) and JSON lines. Lists (from `make_set`, `split`, …) are written as JSON arrays.

use std::io::Write;

use chrono::{DateTime, SecondsFormat};
use polars::prelude::{AnyValue, DataFrame, TimeUnit};

/// One cell as a JSON value: datetimes as ISO 8601 strings, durations as KQL timespans
/// (`d.hh:mm:ss`), lists as arrays.
fn json_value(v: &AnyValue<'_>) -> serde_json::Value {
    use serde_json::Value;
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
        AnyValue::Datetime(t, unit, _) => Value::String(iso(*t, *unit)),
        AnyValue::DatetimeOwned(t, unit, _) => Value::String(iso(*t, *unit)),
        AnyValue::Duration(d, unit) => Value::String(timespan(to_nanos(*d, *unit))),
        AnyValue::List(s) => Value::Array(s.iter().map(|v| json_value(&v)).collect()),
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

/// ISO 8601 in UTC with `Z`, fractional seconds only when present.
fn iso(t: i64, unit: TimeUnit) -> String {
    let dt = DateTime::from_timestamp_nanos(to_nanos(t, unit));
    dt.to_rfc3339_opts(SecondsFormat::AutoSi, true)
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
