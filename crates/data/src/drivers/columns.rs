//! Column types of the remote services and the builders that turn their JSON cells into
//! polars columns.
//!
//! | wire type (Kusto, Log Analytics, Defender/Graph) | polars |
//! |---|---|
//! | `bool`, `boolean`, `Boolean`, `SByte` | `Boolean` |
//! | `int`, `Int32`, `Int16`, `Byte` | `Int32` |
//! | `long`, `Int64`, `UInt32` | `Int64` |
//! | `real`, `double`, `Double`, `Single`, `decimal`, `Decimal` | `Float64` (decimal rounded) |
//! | `datetime`, `date`, `DateTime`, `DateTimeOffset` | `Datetime(ns, UTC)` |
//! | `timespan`, `time`, `TimeSpan` | `Duration(ns)` |
//! | `guid`, `uniqueid`, `Guid`, `string`, `String` | `String` |
//! | `dynamic`, `Object`, anything else | `String` holding JSON text |
//!
//! A `dynamic` cell that arrives as a JSON string (Log Analytics sends dynamic values
//! that way) keeps that string as is; an object, array or number is written as compact
//! JSON text. Datetimes outside what nanoseconds can hold (before 1677 or after 2262)
//! become null.

use std::fmt;

use polars::prelude::{
    BooleanChunkedBuilder, ChunkedBuilder, Column, DataFrame, Float64Type, Int32Type, Int64Type,
    IntoColumn, IntoSeries, PrimitiveChunkedBuilder, StringChunkedBuilder, TimeUnit, TimeZone,
};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;

/// What a column holds, from the type name a service declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Bool,
    Int,
    Long,
    Real,
    DateTime,
    TimeSpan,
    Str,
    Dynamic,
}

impl Kind {
    /// The kind for a declared type name (Kusto, Log Analytics, or the .NET names
    /// Defender and Graph use), case-insensitive. Unknown names are kept as JSON text.
    pub(crate) fn from_type_name(name: &str) -> Kind {
        match name.to_ascii_lowercase().as_str() {
            "bool" | "boolean" | "sbyte" => Kind::Bool,
            "int" | "int32" | "int16" | "byte" | "system.int32" => Kind::Int,
            "long" | "int64" | "uint32" | "system.int64" => Kind::Long,
            "real" | "double" | "single" | "decimal" | "float" | "system.double" => Kind::Real,
            "datetime" | "date" | "datetimeoffset" | "system.datetime" => Kind::DateTime,
            "timespan" | "time" | "system.timespan" => Kind::TimeSpan,
            "string" | "guid" | "uniqueid" | "system.string" | "system.guid" => Kind::Str,
            _ => Kind::Dynamic,
        }
    }

    /// The Kusto/Log Analytics type name this kind is sent as.
    pub(crate) fn kusto_name(self) -> &'static str {
        match self {
            Kind::Bool => "bool",
            Kind::Int => "int",
            Kind::Long => "long",
            Kind::Real => "real",
            Kind::DateTime => "datetime",
            Kind::TimeSpan => "timespan",
            Kind::Str => "string",
            Kind::Dynamic => "dynamic",
        }
    }
}

/// Arrow builders: values plus a validity bitmap, so a column costs what the finished
/// one does while it is filled.
enum Data {
    Bool(BooleanChunkedBuilder),
    Int(PrimitiveChunkedBuilder<Int32Type>),
    Long(PrimitiveChunkedBuilder<Int64Type>),
    Real(PrimitiveChunkedBuilder<Float64Type>),
    /// Nanoseconds since the epoch (datetime) or nanoseconds (timespan).
    Nanos(PrimitiveChunkedBuilder<Int64Type>),
    Str(StringChunkedBuilder),
}

/// A builder's `push(Option<T>)`.
trait Push<T> {
    fn push(&mut self, v: Option<T>);
}

impl Push<bool> for BooleanChunkedBuilder {
    fn push(&mut self, v: Option<bool>) {
        self.append_option(v);
    }
}

impl<T: polars::prelude::PolarsNumericType> Push<T::Native> for PrimitiveChunkedBuilder<T> {
    fn push(&mut self, v: Option<T::Native>) {
        self.append_option(v);
    }
}

/// One column being filled cell by cell.
pub(crate) struct ColumnBuilder {
    name: String,
    declared: String,
    kind: Kind,
    data: Data,
    len: usize,
}

impl fmt::Debug for ColumnBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ColumnBuilder")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("len", &self.len)
            .finish()
    }
}

/// A cell that does not fit its column's declared type.
#[derive(Debug)]
pub(crate) struct BadCell(pub String);

impl ColumnBuilder {
    pub(crate) fn new(name: &str, declared: &str) -> ColumnBuilder {
        Self::with_kind(name, declared, Kind::from_type_name(declared))
    }

    pub(crate) fn with_kind(name: &str, declared: &str, kind: Kind) -> ColumnBuilder {
        let n = name.into();
        let data = match kind {
            Kind::Bool => Data::Bool(BooleanChunkedBuilder::new(n, 0)),
            Kind::Int => Data::Int(PrimitiveChunkedBuilder::new(n, 0)),
            Kind::Long => Data::Long(PrimitiveChunkedBuilder::new(n, 0)),
            Kind::Real => Data::Real(PrimitiveChunkedBuilder::new(n, 0)),
            Kind::DateTime | Kind::TimeSpan => Data::Nanos(PrimitiveChunkedBuilder::new(n, 0)),
            Kind::Str | Kind::Dynamic => Data::Str(StringChunkedBuilder::new(n, 0)),
        };
        ColumnBuilder {
            name: name.to_owned(),
            declared: declared.to_owned(),
            kind,
            data,
            len: 0,
        }
    }

    fn bad(&self, what: impl fmt::Display) -> BadCell {
        BadCell(format!(
            "column `{}` ({}), row {}: cannot read {what} as {}",
            self.name,
            self.declared,
            self.len + 1,
            self.declared
        ))
    }

    pub(crate) fn push_null(&mut self) {
        match &mut self.data {
            Data::Bool(v) => v.push(None),
            Data::Int(v) => v.push(None),
            Data::Long(v) => v.push(None),
            Data::Real(v) => v.push(None),
            Data::Nanos(v) => v.push(None),
            Data::Str(b) => b.append_null(),
        }
        self.len += 1;
    }

    pub(crate) fn push_bool(&mut self, x: bool) -> Result<(), BadCell> {
        match &mut self.data {
            Data::Bool(v) => v.push(Some(x)),
            Data::Int(v) => v.push(Some(i32::from(x))),
            Data::Long(v) => v.push(Some(i64::from(x))),
            Data::Str(b) => b.append_value(if x { "true" } else { "false" }),
            _ => return Err(self.bad(x)),
        }
        self.len += 1;
        Ok(())
    }

    pub(crate) fn push_i64(&mut self, x: i64) -> Result<(), BadCell> {
        match &mut self.data {
            Data::Bool(v) if x == 0 || x == 1 => v.push(Some(x == 1)),
            Data::Int(v) => match i32::try_from(x) {
                Ok(i) => v.push(Some(i)),
                Err(_) => return Err(self.bad(x)),
            },
            Data::Long(v) => v.push(Some(x)),
            Data::Real(v) => v.push(Some(x as f64)),
            // Timespans as plain numbers are ticks (100 ns), as .NET serialises them.
            Data::Nanos(v) if self.kind == Kind::TimeSpan => v.push(x.checked_mul(100)),
            Data::Str(b) => b.append_value(x.to_string()),
            _ => return Err(self.bad(x)),
        }
        self.len += 1;
        Ok(())
    }

    pub(crate) fn push_u64(&mut self, x: u64) -> Result<(), BadCell> {
        match i64::try_from(x) {
            Ok(i) => self.push_i64(i),
            Err(_) => match &mut self.data {
                Data::Real(v) => {
                    v.push(Some(x as f64));
                    self.len += 1;
                    Ok(())
                }
                Data::Str(b) => {
                    b.append_value(x.to_string());
                    self.len += 1;
                    Ok(())
                }
                _ => Err(self.bad(x)),
            },
        }
    }

    pub(crate) fn push_f64(&mut self, x: f64) -> Result<(), BadCell> {
        match &mut self.data {
            Data::Real(v) => v.push(Some(x)),
            Data::Int(v) if x.fract() == 0.0 && x.abs() <= f64::from(i32::MAX) => {
                v.push(Some(x as i32))
            }
            Data::Long(v) if x.fract() == 0.0 && x.abs() < 9.0e15 => v.push(Some(x as i64)),
            Data::Str(b) => b.append_value(json_number(x)),
            _ => return Err(self.bad(x)),
        }
        self.len += 1;
        Ok(())
    }

    pub(crate) fn push_str(&mut self, s: &str) -> Result<(), BadCell> {
        match &mut self.data {
            Data::Str(b) => b.append_value(s),
            Data::Bool(v) => match s {
                "true" | "True" | "TRUE" | "1" => v.push(Some(true)),
                "false" | "False" | "FALSE" | "0" => v.push(Some(false)),
                "" => v.push(None),
                _ => return Err(self.bad(format_args!("{s:?}"))),
            },
            Data::Int(v) => match s.trim() {
                "" => v.push(None),
                t => match t.parse() {
                    Ok(i) => v.push(Some(i)),
                    Err(_) => return Err(self.bad(format_args!("{s:?}"))),
                },
            },
            Data::Long(v) => match s.trim() {
                "" => v.push(None),
                t => match t.parse() {
                    Ok(i) => v.push(Some(i)),
                    Err(_) => return Err(self.bad(format_args!("{s:?}"))),
                },
            },
            Data::Real(v) => match parse_real(s) {
                Some(x) => v.push(x),
                None => return Err(self.bad(format_args!("{s:?}"))),
            },
            Data::Nanos(v) => {
                let parsed = if self.kind == Kind::DateTime {
                    parse_datetime_ns(s)
                } else {
                    parse_timespan_ns(s)
                };
                match parsed {
                    Some(x) => v.push(x),
                    None => return Err(self.bad(format_args!("{s:?}"))),
                }
            }
        }
        self.len += 1;
        Ok(())
    }

    /// An object or array cell: JSON text in string columns, an error elsewhere.
    pub(crate) fn push_json(&mut self, value: &Json) -> Result<(), BadCell> {
        match value {
            Json::Null => {
                self.push_null();
                Ok(())
            }
            Json::Bool(b) => self.push_bool(*b),
            Json::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => self.push_i64(i),
                (None, Some(u), _) => self.push_u64(u),
                (None, None, Some(f)) => self.push_f64(f),
                _ => Err(self.bad(n)),
            },
            Json::String(s) => self.push_str(s),
            Json::Array(_) | Json::Object(_) => match &mut self.data {
                Data::Str(b) => {
                    b.append_value(value.to_string());
                    self.len += 1;
                    Ok(())
                }
                _ => Err(self.bad("an object or array")),
            },
        }
    }

    /// The finished column.
    pub(crate) fn finish(self) -> Column {
        let series = match self.data {
            Data::Bool(b) => b.finish().into_series(),
            Data::Int(b) => b.finish().into_series(),
            Data::Long(b) => b.finish().into_series(),
            Data::Real(b) => b.finish().into_series(),
            Data::Nanos(b) => {
                let ca = b.finish();
                if self.kind == Kind::DateTime {
                    ca.into_datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC))
                        .into_series()
                } else {
                    ca.into_duration(TimeUnit::Nanoseconds).into_series()
                }
            }
            Data::Str(b) => b.finish().into_series(),
        };
        series.into_column()
    }
}

fn json_number(x: f64) -> String {
    serde_json::Number::from_f64(x)
        .map(|n| n.to_string())
        .unwrap_or_else(|| x.to_string())
}

/// A real number as text: decimal notation, or Kusto's `NaN`, `Infinity`, `-Infinity`.
fn parse_real(s: &str) -> Option<Option<f64>> {
    match s.trim() {
        "" => Some(None),
        "NaN" => Some(Some(f64::NAN)),
        "Infinity" | "+Infinity" => Some(Some(f64::INFINITY)),
        "-Infinity" => Some(Some(f64::NEG_INFINITY)),
        t => t.parse().ok().map(Some),
    }
}

/// Days from 1970-01-01 to the civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    b.iter().try_fold(0i64, |n, d| {
        n.checked_mul(10)?.checked_add(i64::from(d - b'0'))
    })
}

/// A datetime as text → nanoseconds since the epoch, UTC. `Some(None)` for an empty
/// string or a time nanoseconds cannot hold; `None` when it is not a datetime.
///
/// The fast path reads `YYYY-MM-DD[T ]hh:mm:ss[.fffffff][Z|±hh:mm]` (what Kusto, Log
/// Analytics, Defender and Splunk send); anything else goes through chrono.
pub(crate) fn parse_datetime_ns(s: &str) -> Option<Option<i64>> {
    let s = s.trim();
    if s.is_empty() {
        return Some(None);
    }
    if let Some(ns) = fast_datetime(s.as_bytes()) {
        return Some(ns);
    }
    let parsed = chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").map(|t| t.and_utc())
        })
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
        })
        .ok()?;
    Some(parsed.timestamp_nanos_opt())
}

fn fast_datetime(b: &[u8]) -> Option<Option<i64>> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    let (h, mi, sec) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &b[19..];
    let mut frac_ns = 0i64;
    if let Some(r) = rest.strip_prefix(b".") {
        let n = r.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        for (i, c) in r[..n].iter().enumerate() {
            if i < 9 {
                frac_ns += i64::from(c - b'0') * 10i64.pow(8 - i as u32);
            }
        }
        rest = &r[n..];
    }
    let offset_s = match rest {
        b"" | b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), hh1, hh2, b':', mm1, mm2] => {
            let v = digits(&[*hh1, *hh2])? * 3600 + digits(&[*mm1, *mm2])? * 60;
            if *sign == b'+' { v } else { -v }
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_s;
    Some(
        secs.checked_mul(1_000_000_000)
            .and_then(|n| n.checked_add(frac_ns)),
    )
}

/// A timespan as text (`[-][d.]hh:mm:ss[.fffffff]`, Kusto's and .NET's format) →
/// nanoseconds. `Some(None)` for an empty string; `None` when it is not a timespan.
pub(crate) fn parse_timespan_ns(s: &str) -> Option<Option<i64>> {
    let s = s.trim();
    if s.is_empty() {
        return Some(None);
    }
    let (neg, body) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let mut parts = body.split(':');
    let (first, mm, rest) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let (days, hh) = match first.split_once('.') {
        Some((d, h)) => (digits(d.as_bytes())?, digits(h.as_bytes())?),
        None => (0, digits(first.as_bytes())?),
    };
    let (ss, frac) = match rest.split_once('.') {
        Some((s, f)) => (digits(s.as_bytes())?, Some(f)),
        None => (digits(rest.as_bytes())?, None),
    };
    let mut frac_ns = 0i64;
    if let Some(f) = frac {
        digits(f.as_bytes())?;
        for (i, c) in f.bytes().take(9).enumerate() {
            frac_ns += i64::from(c - b'0') * 10i64.pow(8 - i as u32);
        }
    }
    let mm = digits(mm.as_bytes())?;
    let total = days
        .checked_mul(24)?
        .checked_add(hh)?
        .checked_mul(60)?
        .checked_add(mm)?
        .checked_mul(60)?
        .checked_add(ss)?;
    let ns = total.checked_mul(1_000_000_000)?.checked_add(frac_ns)?;
    Some(Some(if neg { -ns } else { ns }))
}

/// Columns being filled row by row; rows are JSON arrays (by position) or objects
/// (by column name).
pub(crate) struct TableBuilder {
    pub(crate) columns: Vec<ColumnBuilder>,
    /// When set, an object row's key that names no column adds a string column.
    pub(crate) grow: bool,
    rows: usize,
    /// A row-level error object (Kusto's in-stream `OneApiErrors`).
    pub(crate) row_errors: Vec<Json>,
}

impl fmt::Debug for TableBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TableBuilder")
            .field("columns", &self.columns)
            .field("rows", &self.rows)
            .finish()
    }
}

impl TableBuilder {
    /// Columns from (name, declared type) pairs.
    pub(crate) fn new<'a>(columns: impl IntoIterator<Item = (&'a str, &'a str)>) -> TableBuilder {
        TableBuilder {
            columns: columns
                .into_iter()
                .map(|(n, t)| ColumnBuilder::new(n, t))
                .collect(),
            grow: false,
            rows: 0,
            row_errors: Vec::new(),
        }
    }

    /// The finished table.
    pub(crate) fn finish(self) -> Result<DataFrame, String> {
        let columns: Vec<Column> = self.columns.into_iter().map(|c| c.finish()).collect();
        DataFrame::new_infer_height(columns).map_err(|e| e.to_string())
    }

    fn column_index(&mut self, name: &str) -> Option<usize> {
        if let Some(i) = self.columns.iter().position(|c| c.name == name) {
            return Some(i);
        }
        if !self.grow {
            return None;
        }
        let mut c = ColumnBuilder::new(name, "string");
        for _ in 0..self.rows {
            c.push_null();
        }
        self.columns.push(c);
        Some(self.columns.len() - 1)
    }

    /// Pads columns a row did not fill.
    fn end_row(&mut self) {
        self.rows += 1;
        for c in &mut self.columns {
            while c.len < self.rows {
                c.push_null();
            }
        }
    }

    /// Adds one row given as JSON text (an array or an object).
    pub(crate) fn push_row_slice(&mut self, row: &[u8]) -> Result<(), String> {
        let mut de = serde_json::Deserializer::from_slice(row);
        RowSeed(self)
            .deserialize(&mut de)
            .and_then(|()| de.end())
            .map_err(|e| e.to_string())
    }

    /// Adds one row given as a JSON value (for responses read into memory first).
    pub(crate) fn push_row_value(&mut self, row: &Json) -> Result<(), String> {
        RowSeed(self).deserialize(row).map_err(|e| e.to_string())
    }
}

/// Deserialises a JSON array of rows into a [`TableBuilder`] without building JSON
/// values for the cells.
pub(crate) struct RowsSeed<'a>(pub(crate) &'a mut TableBuilder);

impl<'de> DeserializeSeed<'de> for RowsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of rows")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(RowSeed(self.0))?.is_some() {
            if self.0.rows.is_multiple_of(4096) && sectools::runtime::interrupt_requested() {
                return Err(de::Error::custom(INTERRUPTED_MARK));
            }
        }
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// The text an interrupt while decoding is reported as inside serde, turned back into
/// [`crate::DataError::Interrupted`] by the driver.
pub(crate) const INTERRUPTED_MARK: &str = "\u{1}interrupted";

struct RowSeed<'a>(&'a mut TableBuilder);

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a row (an array of cells or an object)")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let table = self.0;
        let mut i = 0;
        loop {
            let Some(col) = table.columns.get_mut(i) else {
                // More cells than columns: the response contradicts its own header.
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::custom(format!(
                        "row {} has more cells than the {} columns declared",
                        table.rows + 1,
                        table.columns.len()
                    )));
                }
                break;
            };
            if seq.next_element_seed(CellSeed(col))?.is_none() {
                break;
            }
            i += 1;
        }
        table.end_row();
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let table = self.0;
        let mut error_row: Option<serde_json::Map<String, Json>> = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if let Some(e) = error_row.as_mut() {
                e.insert(key.into_owned(), map.next_value()?);
                continue;
            }
            match table.column_index(&key) {
                Some(i) if table.columns[i].len == table.rows => {
                    map.next_value_seed(CellSeed(&mut table.columns[i]))?
                }
                Some(_) => {
                    map.next_value::<de::IgnoredAny>()?;
                }
                None if key == "OneApiErrors" || key == "error" => {
                    let mut m = serde_json::Map::new();
                    m.insert(key.into_owned(), map.next_value()?);
                    error_row = Some(m);
                }
                None => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        if let Some(e) = error_row {
            table.row_errors.push(Json::Object(e));
            // Keep the columns aligned if cells came before the error.
            if table.columns.iter().any(|c| c.len > table.rows) {
                table.end_row();
            }
            return Ok(());
        }
        table.end_row();
        Ok(())
    }
}

struct CellSeed<'a>(&'a mut ColumnBuilder);

impl<'de> DeserializeSeed<'de> for CellSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

fn cell<E: de::Error>(r: Result<(), BadCell>) -> Result<(), E> {
    r.map_err(|e| E::custom(e.0))
}

impl<'de> Visitor<'de> for CellSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a cell value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        cell(self.0.push_bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        cell(self.0.push_i64(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        cell(self.0.push_u64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        cell(self.0.push_f64(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        cell(self.0.push_str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.push_null();
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.0.push_null();
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let v: Json = de::Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        cell(self.0.push_json(&v))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let v: Json = de::Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))?;
        cell(self.0.push_json(&v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_parse_with_ticks_offsets_and_fallbacks() {
        assert_eq!(
            parse_datetime_ns("1970-01-01T00:00:01.0000001Z"),
            Some(Some(1_000_000_100))
        );
        assert_eq!(
            parse_datetime_ns("1970-01-01T01:00:00+01:00"),
            Some(Some(0))
        );
        assert_eq!(
            parse_datetime_ns("1969-12-31 23:59:59"),
            Some(Some(-1_000_000_000))
        );
        assert_eq!(parse_datetime_ns("0001-01-01T00:00:00Z"), Some(None));
        assert_eq!(parse_datetime_ns(""), Some(None));
        assert_eq!(parse_datetime_ns("yesterday"), None);
        let t = chrono::DateTime::parse_from_rfc3339("2023-04-11T16:19:50.7862004Z")
            .map(|t| t.timestamp_nanos_opt());
        assert_eq!(parse_datetime_ns("2023-04-11T16:19:50.7862004Z"), t.ok());
    }

    #[test]
    fn timespans_parse_days_and_fractions() {
        assert_eq!(parse_timespan_ns("00:00:01"), Some(Some(1_000_000_000)));
        assert_eq!(
            parse_timespan_ns("1.02:03:04.5"),
            Some(Some(
                (((24 + 2) * 60 + 3) * 60 + 4) * 1_000_000_000 + 500_000_000
            ))
        );
        assert_eq!(parse_timespan_ns("-00:01:00"), Some(Some(-60_000_000_000)));
        assert_eq!(parse_timespan_ns("1h"), None);
        // Too large for nanoseconds: not a panic, not a value.
        assert_eq!(parse_timespan_ns("99999999999999999999.00:00:00"), None);
        assert_eq!(parse_timespan_ns("999999999.00:00:00"), None);
    }

    #[test]
    fn a_cell_of_the_wrong_type_names_column_and_row() {
        let mut c = ColumnBuilder::new("EventID", "int");
        assert!(c.push_i64(4624).is_ok());
        let err = c.push_str("four").err().map(|e| e.0).unwrap_or_default();
        assert!(err.contains("column `EventID` (int), row 2"), "{err}");
    }
}
