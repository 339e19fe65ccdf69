//! Streaming decoders for the services' result bodies.
//!
//! One decoder reads every shape the drivers receive, straight from the response body
//! (an [`std::io::Read`]) into column builders, so a large result is never held as
//! text and JSON values at once:
//!
//! - a JSON **array of frames** — Kusto's v2 REST format: `DataSetHeader`, `DataTable`
//!   (with `TableKind` `PrimaryResult`, `QueryProperties`, `QueryCompletionInformation`),
//!   progressive `TableHeader`/`TableFragment`/`TableCompletion`, and `DataSetCompletion`
//!   with `HasErrors`, `Cancelled` and `OneApiErrors`; a row may be an object
//!   `{"OneApiErrors": [...]}` when the query failed mid-stream;
//! - an **object with `tables`** — the Log Analytics query API (`name`, `columns`
//!   `[{name, type}]`, `rows`), with an optional `error` next to the tables (a partial
//!   result);
//! - an **object with `Schema`/`Results`** (Defender advanced hunting) or
//!   `schema`/`results` (Graph `runHuntingQuery`): rows are objects keyed by column name;
//! - an object with only `error`: the service's error body.
//!
//! Columns normally come before rows; when a body has them the other way round the rows
//! are held as JSON until the columns arrive.

use std::fmt;
use std::io::Read;

use polars::prelude::DataFrame;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;

use super::columns::{INTERRUPTED_MARK, RowsSeed, TableBuilder};

/// Why a body could not be decoded.
#[derive(Debug)]
pub(crate) enum DecodeError {
    /// A kernel interrupt stopped the decoding.
    Interrupted,
    /// Not valid JSON, or not the shape expected; the message says where.
    Bad(String),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Interrupted => f.write_str("interrupted"),
            DecodeError::Bad(m) => f.write_str(m),
        }
    }
}

/// One result table.
#[derive(Debug)]
pub(crate) struct DecodedTable {
    /// `TableKind` (Kusto v2); `PrimaryResult` for the other shapes.
    pub(crate) kind: String,
    /// The rows.
    pub(crate) frame: DataFrame,
}

/// A decoded body.
#[derive(Debug, Default)]
pub(crate) struct Decoded {
    /// The tables, in response order.
    pub(crate) tables: Vec<DecodedTable>,
    /// Error objects: Kusto's `OneApiErrors` (completion frame and in-stream rows), the
    /// `error` object of Log Analytics, Defender and Graph.
    pub(crate) errors: Vec<Json>,
    /// Kusto's `DataSetCompletion.HasErrors`.
    pub(crate) has_errors: bool,
    /// Kusto's `DataSetCompletion.Cancelled`.
    pub(crate) cancelled: bool,
}

impl Decoded {
    /// The first primary result table (an empty frame when there is none).
    pub(crate) fn primary(&mut self) -> DataFrame {
        let pos = self
            .tables
            .iter()
            .position(|t| t.kind == "PrimaryResult")
            .or(if self.tables.is_empty() {
                None
            } else {
                Some(0)
            });
        match pos {
            Some(i) => std::mem::take(&mut self.tables[i].frame),
            None => DataFrame::empty(),
        }
    }

    /// The error messages, one per error object (see [`error_message`]).
    pub(crate) fn error_messages(&self) -> Vec<String> {
        self.errors.iter().map(error_message).collect()
    }
}

/// Reads a whole body as it streams in ([`super::stream`]). Interrupts are checked
/// every few thousand rows (and by the HTTP body reader while it waits).
pub(crate) fn decode(reader: impl Read) -> Result<Decoded, DecodeError> {
    super::stream::decode_stream(reader)
}

/// Reads a body held in memory (tests, the benchmark and small responses).
pub(crate) fn decode_slice(body: &[u8]) -> Result<Decoded, DecodeError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let mut out = Decoded::default();
    let res = TopSeed(&mut out)
        .deserialize(&mut de)
        .and_then(|()| de.end());
    match res {
        Ok(()) => Ok(out),
        Err(e) if e.to_string().contains(INTERRUPTED_MARK) => Err(DecodeError::Interrupted),
        Err(e) => Err(DecodeError::Bad(e.to_string())),
    }
}

/// A readable message from a service's error object: Kusto's `{"error": {"code",
/// "message", "@message"}}`, Log Analytics' `{"code", "message", "details": [{...,
/// "innererror": {...}}]}`, Graph's and Defender's `{"error": {"code", "message"}}`.
/// The most specific messages are joined, with the code first.
pub(crate) fn error_message(e: &Json) -> String {
    fn walk(e: &Json, out: &mut Vec<String>) {
        match e {
            Json::Object(m) => {
                if let Some(inner) = m.get("error") {
                    walk(inner, out);
                    return;
                }
                let code = m.get("code").and_then(Json::as_str).unwrap_or_default();
                let msg = m
                    .get("@message")
                    .or_else(|| m.get("message"))
                    .and_then(Json::as_str)
                    .unwrap_or_default();
                let text = match (code.is_empty(), msg.is_empty()) {
                    (false, false) => format!("{code}: {msg}"),
                    (true, false) => msg.to_owned(),
                    (false, true) => code.to_owned(),
                    (true, true) => String::new(),
                };
                if !text.is_empty() && !out.contains(&text) {
                    out.push(text);
                }
                for key in ["details", "innererror", "OneApiErrors"] {
                    if let Some(d) = m.get(key) {
                        walk(d, out);
                    }
                }
            }
            Json::Array(items) => items.iter().for_each(|i| walk(i, out)),
            Json::String(s) if !s.is_empty() => out.push(s.clone()),
            _ => {}
        }
    }
    let mut parts = Vec::new();
    walk(e, &mut parts);
    if parts.is_empty() {
        e.to_string()
    } else {
        parts.join(" — ")
    }
}

/// A column as the services declare it: Kusto `{ColumnName, ColumnType}`, Log
/// Analytics and Graph `{name, type}`, Defender `{Name, Type}`.
#[derive(Deserialize)]
pub(crate) struct WireColumn {
    #[serde(rename = "name", alias = "ColumnName", alias = "Name")]
    name: String,
    #[serde(
        rename = "type",
        alias = "ColumnType",
        alias = "Type",
        default = "dynamic_type"
    )]
    kind: String,
}

fn dynamic_type() -> String {
    "dynamic".into()
}

fn builder_for(columns: &[WireColumn]) -> TableBuilder {
    TableBuilder::new(columns.iter().map(|c| (c.name.as_str(), c.kind.as_str())))
}

fn apply_rows(builder: &mut TableBuilder, rows: Json) -> Result<(), DecodeError> {
    match rows {
        Json::Array(items) => {
            for row in &items {
                builder.push_row_value(row).map_err(DecodeError::Bad)?;
            }
            Ok(())
        }
        Json::Null => Ok(()),
        _ => Err(DecodeError::Bad("rows must be an array".into())),
    }
}

/// Progressive tables (`TableHeader` … `TableCompletion`) still being filled: id,
/// kind, rows.
pub(crate) type Open = Vec<(i64, String, TableBuilder)>;

impl Decoded {
    /// Adds a finished table (and the error rows it held).
    pub(crate) fn finish_table(
        &mut self,
        kind: String,
        mut builder: TableBuilder,
    ) -> Result<(), DecodeError> {
        self.errors.append(&mut builder.row_errors);
        let frame = builder.finish().map_err(DecodeError::Bad)?;
        self.tables.push(DecodedTable { kind, frame });
        Ok(())
    }

    /// Adds `OneApiErrors` (an array of error objects, or one).
    pub(crate) fn push_errors(&mut self, e: Json) {
        match e {
            Json::Array(items) => self.errors.extend(items),
            Json::Null => {}
            other => self.errors.push(other),
        }
    }
}

/// A frame (or Log Analytics table) being read.
pub(crate) struct FrameState {
    pub(crate) frame_type: Option<String>,
    pub(crate) kind: Option<String>,
    pub(crate) table_id: Option<i64>,
    builder: Option<TableBuilder>,
    pub(crate) held_rows: Option<Json>,
}

impl FrameState {
    /// A Kusto frame (`None`), or a Log Analytics table of kind `default_kind`.
    pub(crate) fn new(default_kind: Option<&str>) -> FrameState {
        FrameState {
            frame_type: default_kind.map(|_| "DataTable".to_owned()),
            kind: default_kind.map(str::to_owned),
            table_id: None,
            builder: None,
            held_rows: None,
        }
    }

    pub(crate) fn set_columns(&mut self, cols: &[WireColumn]) -> Result<(), DecodeError> {
        let mut b = builder_for(cols);
        if let Some(rows) = self.held_rows.take() {
            apply_rows(&mut b, rows)?;
        }
        self.builder = Some(b);
        Ok(())
    }

    /// Where this frame's rows go: its own table, or (a fragment) an open one.
    pub(crate) fn rows_target<'a>(
        &'a mut self,
        open: &'a mut Open,
    ) -> Option<&'a mut TableBuilder> {
        if self.frame_type.as_deref() == Some("TableFragment") {
            let id = self.table_id?;
            open.iter_mut().find(|t| t.0 == id).map(|t| &mut t.2)
        } else {
            self.builder.as_mut()
        }
    }

    pub(crate) fn finish(self, out: &mut Decoded, open: &mut Open) -> Result<(), DecodeError> {
        let kind = self.kind.unwrap_or_default();
        let without_columns = || DecodeError::Bad("a table without columns".into());
        match self.frame_type.as_deref() {
            Some("DataTable") => {
                let mut b = self.builder.ok_or_else(without_columns)?;
                if let Some(rows) = self.held_rows {
                    apply_rows(&mut b, rows)?;
                }
                out.finish_table(kind, b)?;
            }
            Some("TableHeader") => {
                let b = self.builder.ok_or_else(without_columns)?;
                open.push((self.table_id.unwrap_or(-1), kind, b));
            }
            Some("TableFragment") => {
                if let Some(rows) = self.held_rows {
                    let target = open
                        .iter_mut()
                        .find(|t| Some(t.0) == self.table_id)
                        .ok_or_else(|| DecodeError::Bad("a fragment of an unknown table".into()))?;
                    apply_rows(&mut target.2, rows)?;
                }
            }
            Some("TableCompletion") => {
                if let Some(i) = open.iter().position(|t| Some(t.0) == self.table_id) {
                    let (_, kind, b) = open.remove(i);
                    out.finish_table(kind, b)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// A top-level object being read (Defender/Graph `Schema` + `Results`).
#[derive(Default)]
pub(crate) struct ObjectState {
    pub(crate) builder: Option<TableBuilder>,
    pub(crate) held_rows: Option<Json>,
}

impl ObjectState {
    pub(crate) fn set_columns(&mut self, cols: &[WireColumn]) -> Result<(), DecodeError> {
        let mut b = builder_for(cols);
        if let Some(rows) = self.held_rows.take() {
            apply_rows(&mut b, rows)?;
        }
        self.builder = Some(b);
        Ok(())
    }

    pub(crate) fn finish(self, out: &mut Decoded) -> Result<(), DecodeError> {
        let mut builder = self.builder;
        if let Some(rows) = self.held_rows {
            // Results without a schema: every column becomes text (or JSON text).
            let mut b = TableBuilder::new([]);
            b.grow = true;
            apply_rows(&mut b, rows)?;
            builder = Some(b);
        }
        match builder {
            Some(b) => out.finish_table("PrimaryResult".into(), b),
            None => Ok(()),
        }
    }
}

fn de_err<E: de::Error>(e: DecodeError) -> E {
    E::custom(e)
}

struct TopSeed<'a>(&'a mut Decoded);

impl<'de> DeserializeSeed<'de> for TopSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Kusto frame array or a JSON object with tables or results")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut open = Open::new();
        while seq
            .next_element_seed(FrameSeed {
                out: self.0,
                open: &mut open,
                default_kind: None,
            })?
            .is_some()
        {}
        // A progressive table without its completion frame: keep what arrived.
        for (_, kind, b) in open.drain(..) {
            self.0.finish_table(kind, b).map_err(de_err)?;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let out = self.0;
        let mut state = ObjectState::default();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "tables" | "Tables" => map.next_value_seed(TablesSeed(out))?,
                "Schema" | "schema" => {
                    let cols: Vec<WireColumn> = map.next_value()?;
                    state.set_columns(&cols).map_err(de_err)?;
                }
                "Results" | "results" => match state.builder.as_mut() {
                    Some(b) => map.next_value_seed(RowsSeed(b))?,
                    None => state.held_rows = Some(map.next_value()?),
                },
                "error" | "Error" => {
                    let e: Json = map.next_value()?;
                    if !e.is_null() {
                        out.errors.push(e);
                    }
                }
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        state.finish(out).map_err(de_err)
    }
}

struct TablesSeed<'a>(&'a mut Decoded);

impl<'de> DeserializeSeed<'de> for TablesSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for TablesSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of tables")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut open = Open::new();
        let mut first = true;
        loop {
            let default_kind = Some(if first {
                "PrimaryResult"
            } else {
                "SecondaryResult"
            });
            let seed = FrameSeed {
                out: self.0,
                open: &mut open,
                default_kind,
            };
            if seq.next_element_seed(seed)?.is_none() {
                return Ok(());
            }
            first = false;
        }
    }
}

/// One Kusto frame, or one Log Analytics table (`default_kind` set: no `FrameType`).
struct FrameSeed<'a> {
    out: &'a mut Decoded,
    open: &'a mut Open,
    default_kind: Option<&'static str>,
}

impl<'de> DeserializeSeed<'de> for FrameSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FrameSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a frame object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut f = FrameState::new(self.default_kind);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "FrameType" => f.frame_type = Some(map.next_value()?),
                "TableKind" => f.kind = Some(map.next_value()?),
                "TableId" => f.table_id = Some(map.next_value()?),
                "Columns" | "columns" => {
                    let cols: Vec<WireColumn> = map.next_value()?;
                    f.set_columns(&cols).map_err(de_err)?;
                }
                "Rows" | "rows" => match f.rows_target(self.open) {
                    Some(b) => map.next_value_seed(RowsSeed(b))?,
                    None => f.held_rows = Some(map.next_value()?),
                },
                "HasErrors" => self.out.has_errors |= map.next_value::<bool>()?,
                "Cancelled" => self.out.cancelled |= map.next_value::<bool>()?,
                "OneApiErrors" => self.out.push_errors(map.next_value()?),
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        f.finish(self.out, self.open).map_err(de_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out a few bytes at a time, so every token of a body
    /// crosses a buffer refill somewhere.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            self.1 = self.1 % 7 + 1;
            let n = self.1.min(self.0.len()).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn summary(d: Result<Decoded, DecodeError>) -> String {
        match d {
            Ok(d) => {
                let tables: Vec<String> = d
                    .tables
                    .iter()
                    .map(|t| format!("{} {:?}", t.kind, t.frame))
                    .collect();
                format!(
                    "{tables:?} {:?} {} {}",
                    d.error_messages(),
                    d.has_errors,
                    d.cancelled
                )
            }
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn truncated_or_altered_bodies_are_errors_not_panics() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/remote/kusto_v2_types.json");
        let body = std::fs::read(path).unwrap_or_default();
        assert!(!body.is_empty());
        for cut in (0..body.len()).step_by(7) {
            let part = &body[..cut];
            assert!(decode_slice(part).is_err(), "prefix of {cut} bytes");
            assert!(decode(Trickle(part, 0)).is_err(), "prefix of {cut} bytes");
        }
        // Every byte replaced by a quote, a bracket or a digit, in turn: whatever the
        // result, no panic.
        for i in (0..body.len()).step_by(3) {
            for b in [b'"', b']', b'9', b'{'] {
                let mut altered = body.clone();
                altered[i] = b;
                let _ = decode_slice(&altered);
                let _ = decode(Trickle(&altered, 0));
            }
        }
    }

    #[test]
    fn the_streaming_and_in_memory_decoders_agree_on_every_fixture() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/remote");
        let mut bodies: Vec<Vec<u8>> = std::fs::read_dir(&dir)
            .map(|r| {
                r.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "json"))
                    .filter_map(|p| std::fs::read(p).ok())
                    .collect()
            })
            .unwrap_or_default();
        assert!(bodies.len() >= 8, "fixtures in {}", dir.display());
        bodies.push(
            br#"[{"FrameType":"DataSetHeader","IsProgressive":true},
            {"FrameType":"TableHeader","TableId":3,"TableKind":"PrimaryResult","TableName":"P",
             "Columns":[{"ColumnName":"a","ColumnType":"long"},{"ColumnName":"s","ColumnType":"string"}]},
            {"FrameType":"TableFragment","TableId":3,"Rows":[[1,"x, \"]}"],[2,null]]},
            {"FrameType":"TableProgress","TableId":3,"TableProgress":50.0},
            {"FrameType":"TableFragment","Rows":[[3,"\u00e9t\u00e9"]],"TableId":3},
            {"FrameType":"TableCompletion","TableId":3,"RowCount":3},
            {"FrameType":"DataSetCompletion","HasErrors":false,"Cancelled":false}]"#
                .to_vec(),
        );
        bodies.push(br#"{"results":[{"a":1}],"schema":[{"name":"a","type":"Int32"}]}"#.to_vec());
        bodies.push(br#"{"error":{"code":"Forbidden","message":"no"}}"#.to_vec());
        bodies.push(br#"{"tables":[{"name":"PrimaryResult","columns":[{"name":"n","type":"int"}],"rows":[["seven"]]}]}"#.to_vec());
        bodies.push(br#"[{"FrameType":"DataTable","Columns":[{"ColumnName":"n","ColumnType":"int"}],"Rows":[[1,2]]}]"#.to_vec());
        bodies.push(b"[{\"FrameType\":\"DataTable\",\"Rows\":[[1]]".to_vec());
        for body in &bodies {
            let slice = summary(decode_slice(body));
            let stream = summary(decode(Trickle(body, 0)));
            let text = String::from_utf8_lossy(&body[..body.len().min(80)]).into_owned();
            assert_eq!(
                slice.starts_with("error"),
                stream.starts_with("error"),
                "{text}: {slice} / {stream}"
            );
            if !slice.starts_with("error") {
                assert_eq!(slice, stream, "{text}");
            }
        }
        let progressive = &bodies[bodies.len() - 6];
        let mut d = decode(Trickle(progressive, 0)).map_err(|e| e.to_string());
        let frame = d.as_mut().map(|d| d.primary()).unwrap_or_default();
        assert_eq!(frame.height(), 3);
        let s = frame
            .column("s")
            .map(|c| format!("{c:?}"))
            .unwrap_or_default();
        assert!(s.contains(r#""x, "]}""#) && s.contains("été"), "{s}");
    }

    #[test]
    fn a_log_analytics_body_with_a_partial_error_keeps_rows_and_error() {
        let body = br#"{"tables":[{"name":"PrimaryResult","columns":[{"name":"n","type":"long"},{"name":"t","type":"datetime"}],
            "rows":[[1,"2024-01-01T00:00:00Z"],[2,null]]}],
            "error":{"code":"PartialError","message":"There were some errors when processing your query.",
            "details":[{"code":"EngineError","message":"Something went wrong","innererror":{"code":"LimitsExceeded","message":"Query exceeded 64 MB"}}]}}"#;
        let mut d = decode_slice(body).map_err(|e| e.to_string());
        let d = d.as_mut().map_err(|e| e.clone());
        let Ok(d) = d else {
            panic!("decode failed: {d:?}");
        };
        let frame = d.primary();
        assert_eq!(frame.height(), 2);
        let msg = d.error_messages().join("\n");
        assert!(
            msg.contains("PartialError") && msg.contains("Query exceeded 64 MB"),
            "{msg}"
        );
    }

    #[test]
    fn kusto_rows_before_columns_and_in_stream_errors() {
        let body = br#"[{"FrameType":"DataSetHeader","IsProgressive":false,"Version":"v2.0"},
            {"FrameType":"DataTable","TableId":1,"Rows":[[true],{"OneApiErrors":[{"error":{"code":"LimitsExceeded","@message":"too much"}}]}],
             "TableKind":"PrimaryResult","TableName":"PrimaryResult","Columns":[{"ColumnName":"b","ColumnType":"bool"}]},
            {"FrameType":"DataSetCompletion","HasErrors":true,"Cancelled":false}]"#;
        let d = decode_slice(body).map_err(|e| e.to_string());
        let Ok(mut d) = d else {
            panic!("{d:?}");
        };
        assert!(d.has_errors);
        assert_eq!(d.primary().height(), 1);
        assert_eq!(
            d.error_messages(),
            vec!["LimitsExceeded: too much".to_owned()]
        );
    }
}
