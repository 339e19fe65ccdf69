//! Data viewer for DataFrames: paging, column chooser, filter box, sorting.
//!
//! The frame's first rows (10,000 unless [`DataViewer::max_rows`] says otherwise)
//! travel as column arrays of JSON; the script pages, filters and sorts them in the
//! browser. Where scripts do not run the static HTML shows the first page as a table.
//! A cell whose final value is a DataFrame shows it through [`Render`]: small frames as
//! a plain table, larger ones in the viewer, with polars' own text as `text/plain`.
//!
//! ```
//! use nbtools::polars::prelude::*;
//! use nbtools::views::data_viewer::DataViewer;
//!
//! let df = df!("host" => ["ws1", "ws2"], "logons" => [3, 5])?;
//! let view = DataViewer::new(&df).page_size(10).columns(&["host"]).build()?;
//! assert!(view.html().contains("ws1"));
//! assert!(DataViewer::new(&df).columns(&["user"]).build().is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;

use polars::prelude::*;
use serde::Serialize;

use super::html::thousands;
use super::{frame, html, time_axis};
use crate::{MimeBundle, Render, View, ViewError};

const KIND: &str = "data-viewer";
/// View kind of the plain table small frames are shown as.
const TABLE_KIND: &str = "data-table";
const CSS: &str = include_str!("assets/data_viewer.css");
const SCRIPT: &str = include_str!("assets/data_viewer.js");

const DEFAULT_PAGE_SIZE: usize = 25;
const DEFAULT_MAX_ROWS: usize = 10_000;
/// Frames with at most this many rows show as a plain table when rendered.
pub const SMALL_FRAME_ROWS: usize = 20;
/// Text longer than this is cut in cells; the full value shows on hover.
const CELL_CHARS: usize = 80;

/// Builds the interactive data viewer of a DataFrame.
///
/// ```no_run
/// # use nbtools::views::data_viewer::DataViewer;
/// # fn f(df: &nbtools::polars::prelude::DataFrame) -> Result<(), nbtools::ViewError> {
/// let view = DataViewer::new(df)
///     .page_size(50)
///     .columns(&["TimeGenerated", "Computer", "Account"])
///     .max_rows(50_000)
///     .build()?;
/// nbtools::display(&view);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct DataViewer<'a> {
    df: &'a DataFrame,
    page_size: usize,
    columns: Option<Vec<String>>,
    max_rows: usize,
    title: Option<String>,
}

impl<'a> DataViewer<'a> {
    /// A viewer of `df`: 25 rows a page, every column shown, the first 10,000 rows.
    pub fn new(df: &'a DataFrame) -> Self {
        DataViewer {
            df,
            page_size: DEFAULT_PAGE_SIZE,
            columns: None,
            max_rows: DEFAULT_MAX_ROWS,
            title: None,
        }
    }

    /// Rows per page (at least 1).
    pub fn page_size(mut self, rows: usize) -> Self {
        self.page_size = rows;
        self
    }

    /// The columns shown at first, in this order, before the others; the column chooser
    /// can show the others.
    pub fn columns(mut self, columns: &[&str]) -> Self {
        self.columns = Some(columns.iter().map(|c| c.to_string()).collect());
        self
    }

    /// How many rows (the first ones) the view holds; the rest are left out, and the
    /// view says so. Each row adds to the notebook's size: filter large frames first.
    pub fn max_rows(mut self, rows: usize) -> Self {
        self.max_rows = rows;
        self
    }

    /// A heading above the table.
    pub fn title(mut self, title: &str) -> Self {
        self.title = Some(title.to_string());
        self
    }

    /// Draws the viewer. Fails on a column the frame lacks or a page size of 0.
    pub fn build(&self) -> Result<View, ViewError> {
        if self.page_size == 0 {
            return Err(ViewError::InvalidInput(
                "page_size must be at least 1".to_string(),
            ));
        }
        let df = self.df;
        let order = column_order(df, self.columns.as_deref())?;
        let rows = df.height().min(self.max_rows);
        let head = df.slice(0, rows);
        let columns = order
            .iter()
            .map(|&(index, visible)| ColumnData::read(&head, index, visible))
            .collect::<Result<Vec<_>, _>>()?;
        let data = ViewerData {
            columns: &columns,
            rows,
            total: df.height(),
            page_size: self.page_size,
        };

        let mut inner = String::with_capacity(8192);
        inner.push_str("<style>");
        inner.push_str(CSS);
        inner.push_str("</style>");
        if let Some(title) = &self.title {
            let _ = write!(inner, "<div class=\"hv-title\">{}</div>", html::esc(title));
        }
        let _ = write!(
            inner,
            "<div class=\"hv-note dv-shape\">{}</div>",
            html::esc(&shape_line(df))
        );
        let left_out = left_out_note(df.height(), rows);
        if let Some(note) = &left_out {
            let _ = write!(
                inner,
                "<div class=\"hv-note dv-left-out\">{}</div>",
                html::esc(note)
            );
        }
        inner.push_str("<div class=\"dv-static\">");
        table_html(&mut inner, &columns, 0..rows.min(self.page_size), true);
        if rows > self.page_size {
            let _ = write!(
                inner,
                "<div class=\"hv-note\">The first {} rows. Where scripts run (JupyterLab, \
                 VS Code) the viewer pages through {} rows and can filter and sort them.</div>",
                thousands(self.page_size),
                thousands(rows)
            );
        }
        inner.push_str("</div><div class=\"dv-app\"></div>");
        inner.push_str(&html::json_data(&data));

        let mut plain = format!("{df}");
        if let Some(note) = left_out {
            plain.push('\n');
            plain.push_str(&note);
        }
        Ok(View::new(
            KIND,
            html::view_root(KIND, &inner, Some(SCRIPT)),
            plain,
        ))
    }
}

impl Render for DataFrame {
    /// Up to [`SMALL_FRAME_ROWS`] rows: a plain table. More: the [`DataViewer`]. The
    /// `text/plain` part is polars' own text of the frame (its first and last rows).
    fn mime_bundle(&self) -> MimeBundle {
        let view = if self.height() <= SMALL_FRAME_ROWS {
            static_table(self)
        } else {
            DataViewer::new(self).build()
        };
        match view {
            Ok(view) => view.mime_bundle(),
            Err(_) => MimeBundle::text(format!("{self}")),
        }
    }
}

/// The whole frame as a plain table without a script: what a cell shows for a frame
/// of at most [`SMALL_FRAME_ROWS`] rows. Every row is written, so keep it for small
/// frames; use [`DataViewer`] for large ones.
pub fn static_table(df: &DataFrame) -> Result<View, ViewError> {
    let columns = (0..df.width())
        .map(|index| ColumnData::read(df, index, true))
        .collect::<Result<Vec<_>, _>>()?;
    let mut inner = String::with_capacity(4096);
    inner.push_str("<style>");
    inner.push_str(CSS);
    inner.push_str("</style>");
    table_html(&mut inner, &columns, 0..df.height(), false);
    let _ = write!(
        inner,
        "<div class=\"hv-note dv-shape\">{}</div>",
        html::esc(&shape_line(df))
    );
    Ok(View::new(
        TABLE_KIND,
        html::view_root(TABLE_KIND, &inner, None),
        format!("{df}"),
    ))
}

/// Column positions in display order, each with whether it shows at first: the chosen
/// ones in their order, then the rest hidden. Errors name a missing column.
fn column_order(
    df: &DataFrame,
    chosen: Option<&[String]>,
) -> Result<Vec<(usize, bool)>, ViewError> {
    let Some(chosen) = chosen else {
        return Ok((0..df.width()).map(|i| (i, true)).collect());
    };
    let mut order = Vec::with_capacity(df.width());
    for name in chosen {
        frame::column(df, name)?;
        if let Some(index) = df.get_column_index(name)
            && !order.iter().any(|&(i, _)| i == index)
        {
            order.push((index, true));
        }
    }
    for index in 0..df.width() {
        if !order.iter().any(|&(i, _)| i == index) {
            order.push((index, false));
        }
    }
    Ok(order)
}

/// `12,345 rows × 30 columns`.
fn shape_line(df: &DataFrame) -> String {
    format!(
        "{} {} × {} {}",
        thousands(df.height()),
        if df.height() == 1 { "row" } else { "rows" },
        thousands(df.width()),
        if df.width() == 1 { "column" } else { "columns" }
    )
}

fn left_out_note(total: usize, kept: usize) -> Option<String> {
    (kept < total).then(|| {
        format!(
            "Showing the first {} of {} rows: {} {} left out of this view. Filter or \
             select the rows first, or raise the limit with DataViewer::new(&df).max_rows(n).",
            thousands(kept),
            thousands(total),
            thousands(total - kept),
            if total - kept == 1 {
                "row is"
            } else {
                "rows are"
            }
        )
    })
}

/// How a column's cells are formatted and aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Int,
    Float,
    Bool,
    /// UTC milliseconds, shown as ISO 8601.
    Time,
    Text,
}

/// One column as embedded: values typed by kind, nulls as `null`.
#[derive(Debug, Serialize)]
struct ColumnData<'a> {
    name: String,
    dtype: String,
    kind: Kind,
    visible: bool,
    values: Values<'a>,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Values<'a> {
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    Text(Vec<Option<Cow<'a, str>>>),
    /// Text with few distinct values (host names, event types): each stored once.
    Dict {
        dict: Vec<Option<String>>,
        index: Vec<u32>,
    },
}

impl<'a> Values<'a> {
    /// Text values, as a dictionary when at most half of them are distinct: log
    /// tables repeat most of their text, and this keeps the page small.
    fn text(values: Vec<Option<Cow<'a, str>>>) -> Values<'a> {
        let limit = values.len() / 2;
        let mut ids: HashMap<&str, u32> = HashMap::new();
        let mut dict: Vec<Option<&str>> = Vec::new();
        let mut null_id = None;
        let mut index = Vec::with_capacity(values.len());
        for value in &values {
            let id = match value.as_deref() {
                None => *null_id.get_or_insert_with(|| {
                    dict.push(None);
                    dict.len() as u32 - 1
                }),
                Some(text) => *ids.entry(text).or_insert_with(|| {
                    dict.push(Some(text));
                    dict.len() as u32 - 1
                }),
            };
            index.push(id);
            if dict.len() > limit {
                break;
            }
        }
        if dict.len() > limit || values.is_empty() {
            return Values::Text(values);
        }
        let dict = dict.into_iter().map(|v| v.map(str::to_string)).collect();
        Values::Dict { dict, index }
    }
}

/// Integers past this lose precision as JavaScript numbers; such columns go as text.
const MAX_SAFE_INT: i64 = (1 << 53) - 1;

impl<'a> ColumnData<'a> {
    fn read(df: &'a DataFrame, index: usize, visible: bool) -> Result<Self, ViewError> {
        let col = df
            .select_at_idx(index)
            .ok_or_else(|| ViewError::InvalidInput(format!("no column at position {index}")))?;
        let name = col.name().to_string();
        let dtype = col.dtype();
        let texts = || -> Result<Values<'a>, ViewError> {
            Ok(Values::text(
                frame::texts(df, &name)?
                    .into_iter()
                    .map(|v| v.map(Cow::Owned))
                    .collect(),
            ))
        };
        let (kind, values) = match dtype {
            DataType::String => (
                Kind::Text,
                Values::text(col.str()?.iter().map(|v| v.map(Cow::Borrowed)).collect()),
            ),
            DataType::Boolean => (Kind::Bool, Values::Bool(col.bool()?.iter().collect())),
            DataType::Float32 | DataType::Float64 => (
                Kind::Float,
                Values::Float(col.cast(&DataType::Float64)?.f64()?.iter().collect()),
            ),
            DataType::UInt64 => (Kind::Int, texts()?),
            d if d.is_integer() => {
                let ints: Vec<Option<i64>> = col.cast(&DataType::Int64)?.i64()?.iter().collect();
                if ints.iter().flatten().all(|v| v.abs() <= MAX_SAFE_INT) {
                    (Kind::Int, Values::Int(ints))
                } else {
                    (Kind::Int, texts()?)
                }
            }
            DataType::Datetime(_, _) => (Kind::Time, Values::Int(frame::time_ms(df, &name)?)),
            _ => (Kind::Text, texts()?),
        };
        Ok(ColumnData {
            name,
            dtype: dtype.to_string(),
            kind,
            visible,
            values,
        })
    }

    /// Cell `row` as display text; `None` for null.
    fn text(&self, row: usize) -> Option<Cow<'_, str>> {
        match &self.values {
            Values::Int(values) => values.get(row).copied().flatten().map(|v| match self.kind {
                Kind::Time => Cow::Owned(time_axis::full(v)),
                _ => Cow::Owned(v.to_string()),
            }),
            Values::Float(values) => values
                .get(row)
                .copied()
                .flatten()
                .map(|v| Cow::Owned(float_text(v))),
            Values::Bool(values) => values
                .get(row)
                .copied()
                .flatten()
                .map(|v| Cow::Borrowed(if v { "true" } else { "false" })),
            Values::Text(values) => values
                .get(row)
                .and_then(|v| v.as_deref())
                .map(Cow::Borrowed),
            Values::Dict { dict, index } => index
                .get(row)
                .and_then(|&i| dict.get(i as usize))
                .and_then(|v| v.as_deref())
                .map(Cow::Borrowed),
        }
    }
}

#[derive(Serialize)]
struct ViewerData<'a> {
    columns: &'a [ColumnData<'a>],
    /// Rows embedded.
    rows: usize,
    /// Rows in the frame.
    total: usize,
    page_size: usize,
}

/// Six decimals at most, trailing zeros dropped; exponent form when tiny or huge. The
/// script formats the same way.
fn float_text(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".to_string()
        } else if v > 0.0 {
            "inf".to_string()
        } else {
            "-inf".to_string()
        };
    }
    let abs = v.abs();
    if abs == 0.0 || (1e-4..1e15).contains(&abs) {
        // Trailing zeros go, but one decimal stays so floats read as floats (`1.0`).
        let text = format!("{v:.6}");
        let text = text.trim_end_matches('0');
        if text.ends_with('.') {
            format!("{text}0")
        } else {
            text.to_string()
        }
    } else {
        // JavaScript's toExponential writes a `+` on positive exponents.
        let text = format!("{v:.4e}");
        match text.split_once('e') {
            Some((mantissa, exp)) if !exp.starts_with('-') => format!("{mantissa}e+{exp}"),
            _ => text,
        }
    }
}

/// A table of `rows` of the visible columns: dtypes under the names, numbers
/// right-aligned, nulls marked, long text cut with the whole in `title`.
fn table_html(
    out: &mut String,
    columns: &[ColumnData<'_>],
    rows: std::ops::Range<usize>,
    row_numbers: bool,
) {
    let shown: Vec<&ColumnData<'_>> = columns.iter().filter(|c| c.visible).collect();
    out.push_str("<table class=\"dv-table\"><thead><tr>");
    if row_numbers {
        out.push_str("<th class=\"dv-num dv-rownum\">#</th>");
    }
    for column in &shown {
        let _ = write!(
            out,
            "<th{}>{}<span class=\"dv-dtype\">{}</span></th>",
            align(column.kind),
            html::esc(&column.name),
            html::esc(&column.dtype)
        );
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        if row_numbers {
            let _ = write!(out, "<td class=\"dv-num dv-rownum\">{row}</td>");
        }
        for column in &shown {
            match column.text(row) {
                None => out.push_str("<td class=\"dv-null\">null</td>"),
                Some(text) => {
                    let count = text.chars().count();
                    if count > CELL_CHARS {
                        let short: String = text.chars().take(CELL_CHARS - 1).collect();
                        let _ = write!(
                            out,
                            "<td{} title=\"{}\">{}…</td>",
                            align(column.kind),
                            html::esc(&text),
                            html::esc(&short)
                        );
                    } else {
                        let _ = write!(out, "<td{}>{}</td>", align(column.kind), html::esc(&text));
                    }
                }
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

fn align(kind: Kind) -> &'static str {
    match kind {
        Kind::Int | Kind::Float => " class=\"dv-num\"",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(rows: usize) -> DataFrame {
        let base = 1_793_000_000_000i64; // 2026-10-26
        df! {
            "TimeGenerated" => (0..rows).map(|i| base + i as i64 * 61_000).collect::<Vec<_>>(),
            "Computer" => (0..rows).map(|i| format!("WS-{:03}", i % 7)).collect::<Vec<_>>(),
            "EventID" => (0..rows).map(|i| if i % 3 == 0 { 4624 } else { 4688 }).collect::<Vec<i32>>(),
            "Score" => (0..rows).map(|i| if i % 4 == 0 { None } else { Some(i as f64 / 3.0) }).collect::<Vec<_>>(),
            "Elevated" => (0..rows).map(|i| i % 2 == 0).collect::<Vec<_>>(),
            "CommandLine" => (0..rows).map(|i| format!("cmd.exe /c <echo> {}", "x".repeat((i % 8) * 30))).collect::<Vec<_>>(),
        }
        .unwrap()
        .lazy()
        .with_column(col("TimeGenerated").cast(DataType::Datetime(
            TimeUnit::Milliseconds,
            Some(polars::prelude::TimeZone::UTC),
        )))
        .collect()
        .unwrap()
    }

    fn view_part(html: &str) -> &str {
        // The shared CSS and scripts have their own owners; snapshot this view's part.
        let start = html.find("</style>").unwrap() + "</style>".len();
        let start = start + html[start..].find("</style>").unwrap() + "</style>".len();
        let end = html.find("<script>").unwrap_or(html.len());
        &html[start..end]
    }

    #[test]
    fn viewer_snapshot() {
        let df = frame(6);
        let view = DataViewer::new(&df)
            .page_size(4)
            .columns(&[
                "Computer",
                "TimeGenerated",
                "Score",
                "CommandLine",
                "Elevated",
            ])
            .max_rows(5)
            .title("Logons <test>")
            .build()
            .unwrap();
        insta::assert_snapshot!("data_viewer_static", view_part(view.html()));
        // polars' own text, then the note; not a snapshot, as polars' layout is its own.
        assert_eq!(
            view.plain(),
            format!("{df}\n{}", left_out_note(6, 5).unwrap())
        );
    }

    #[test]
    fn small_frames_render_as_a_plain_table() {
        let df = frame(3);
        let bundle = df.mime_bundle();
        let html = bundle.get("text/html").unwrap();
        assert!(html.contains("data-huntrs-view=\"data-table\""));
        assert!(!html.contains("<script>"));
        insta::assert_snapshot!("data_viewer_small_table", view_part(html));
        assert_eq!(bundle.get("text/plain").unwrap(), format!("{df}"));
    }

    #[test]
    fn large_frames_use_the_viewer_and_cap_rows() {
        let df = frame(30);
        let bundle = df.mime_bundle();
        assert!(
            bundle
                .get("text/html")
                .unwrap()
                .contains("data-huntrs-view=\"data-viewer\"")
        );
        let view = DataViewer::new(&df).max_rows(12).build().unwrap();
        assert!(
            view.html()
                .contains("Showing the first 12 of 30 rows: 18 rows are left out")
        );
        assert!(view.plain().contains("18 rows are left out"));
        let data = embedded(view.html());
        assert_eq!(data["rows"], 12);
        assert_eq!(data["total"], 30);
        assert_eq!(data["columns"][0]["values"].as_array().unwrap().len(), 12);
        assert_eq!(data["columns"][0]["kind"], "time");
        assert_eq!(data["columns"][3]["values"][0], serde_json::Value::Null);
    }

    fn embedded(html: &str) -> serde_json::Value {
        let marker = "class=\"huntrs-data\">";
        let start = html.find(marker).unwrap() + marker.len();
        let end = start + html[start..].find("</script>").unwrap();
        assert!(!html[start..end].contains('<'));
        serde_json::from_str(&html[start..end]).unwrap()
    }

    #[test]
    fn errors_name_the_missing_column() {
        let df = frame(3);
        let error = DataViewer::new(&df)
            .columns(&["Computer", "Host"])
            .build()
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "no column 'Host' in the data; its columns are: TimeGenerated, Computer, EventID, Score, Elevated, CommandLine"
        );
        assert!(DataViewer::new(&df).page_size(0).build().is_err());
    }

    #[test]
    fn big_integers_travel_as_text() {
        let df = df!("id" => [1u64 << 60, 2], "n" => [i64::MAX, 1]).unwrap();
        let view = DataViewer::new(&df).build().unwrap();
        let data = embedded(view.html());
        assert_eq!(data["columns"][0]["values"][0], "1152921504606846976");
        assert_eq!(data["columns"][1]["values"][0], "9223372036854775807");
        assert_eq!(data["columns"][1]["kind"], "int");
    }

    #[test]
    fn repeated_text_is_stored_once() {
        let df = df!("host" => ["a", "b", "a", "a"], "id" => ["1", "2", "3", "4"]).unwrap();
        let data = embedded(DataViewer::new(&df).build().unwrap().html());
        assert_eq!(
            data["columns"][0]["values"]["dict"],
            serde_json::json!(["a", "b"])
        );
        assert_eq!(
            data["columns"][0]["values"]["index"],
            serde_json::json!([0, 1, 0, 0])
        );
        assert_eq!(
            data["columns"][1]["values"],
            serde_json::json!(["1", "2", "3", "4"])
        );
    }

    #[test]
    fn empty_frames_render() {
        let df = DataFrame::empty();
        let bundle = df.mime_bundle();
        assert!(
            bundle
                .get("text/html")
                .unwrap()
                .contains("0 rows × 0 columns")
        );
    }

    /// `cargo test -p nbtools --lib views::data_viewer -- --ignored --nocapture`: draw
    /// time and size for a 100,000-row frame.

    #[test]
    fn formats() {
        assert_eq!(float_text(1.0 / 3.0), "0.333333");
        assert_eq!(float_text(2.0), "2.0");
        assert_eq!(float_text(-1.5), "-1.5");
        assert_eq!(float_text(0.0), "0.0");
        assert_eq!(float_text(1.234_56e-7), "1.2346e-7");
        assert_eq!(float_text(2.5e20), "2.5000e+20");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(12_345_678), "12,345,678");
    }
}
