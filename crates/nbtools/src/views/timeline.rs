//! Event timelines: events on a time axis ([`timeline`]), start→end bars per group
//! ([`timeline_duration`]) and values over time ([`timeline_values`]).
//!
//! ```no_run
//! # use nbtools::polars::prelude::*;
//! # fn demo(df: &DataFrame, alerts: &DataFrame) -> Result<(), nbtools::ViewError> {
//! use nbtools::views::timeline::{ValuesKind, timeline, timeline_duration, timeline_values};
//!
//! let view = timeline(df)
//!     .group_by("Computer")
//!     .tooltip(&["Account", "CommandLine"])
//!     .overlay(alerts, "Alerts")
//!     .build()?;
//! let spans = timeline_duration(df, "Computer").build()?;
//! let bytes = timeline_values(df, "SentBytes").group_by("Computer").kind(ValuesKind::Line).build()?;
//! # Ok(()) }
//! ```
//!
//! The static SVG is complete without JavaScript (notebook viewers that drop scripts
//! still show every series, the axis and the legend). Where scripts run, hovering a
//! mark shows the chosen columns, the mouse wheel zooms around the cursor, dragging
//! pans, and a double-click (or *Reset zoom*) returns to the whole range.
//!
//! Large inputs stay small: events of one series that fall on the same cell of a grid
//! four times finer than the drawn pixels are merged into one mark carrying their count,
//! and only the merged marks' tooltip values are embedded.
//!
//! A frame with no rows (or no row with a time) is not an error: the view says that
//! there is nothing to draw. Missing columns and columns of the wrong type are errors.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use polars::prelude::{DataFrame, IdxCa, IdxSize};
use serde_json::{Value, json};

use super::html::thousands;
use super::{frame, html, time_axis};
use crate::{View, ViewError};

const JS: &str = include_str!("assets/timeline.js");
const CSS: &str = include_str!("assets/timeline.css");

/// Time columns tried, in order, when none is named.
pub const DEFAULT_TIME_COLUMNS: &[&str] = &[
    "TimeGenerated",
    "timestamp",
    "Timestamp",
    "TimeCreatedUtc",
    "EventTime",
    "StartTime",
    "time",
];

/// Lanes an event timeline draws at most; smaller groups share a last "other" lane.
pub const MAX_LANES: usize = 20;
/// Bars a duration timeline draws at most.
pub const MAX_DURATION_LANES: usize = 40;
/// Series a values timeline draws at most (one colour each).
pub const MAX_VALUE_SERIES: usize = 10;

const WIDTH: f64 = 960.0;
const LABEL_W: f64 = 160.0;
const PLOT_W_PX: usize = 780;
const PLOT_W: f64 = PLOT_W_PX as f64;
/// Merge-grid cells per drawn pixel, finest first: marks keep their place when zoomed
/// in 4×, unless that takes more than [`MARK_BUDGET`] marks; then a coarser grid is used.
const GRIDS: [usize; 3] = [4, 2, 1];
/// Marks beyond which the page gets slow to zoom and the output big.
const MARK_BUDGET: usize = 20_000;
const TOP: f64 = 4.0;
/// Room above the first lane for reference-marker labels.
const PAD: f64 = 16.0;
const LANE_H: f64 = 26.0;
/// Characters of a lane name that fit left of the plot.
const LABEL_CHARS: usize = 21;
const AXIS_H: f64 = 24.0;
const VALUES_H: f64 = 240.0;
const BAR_W: f64 = 3.0;
const MAX_TICKS: usize = PLOT_W_PX / 110;
const REF_COLOUR: &str = "#d62728";
const OTHER: &str = "other";
const NULL_GROUP: &str = "(null)";

/// How [`timeline_values`] draws values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ValuesKind {
    /// A vertical bar from zero per value (msticpy's default `vbar`).
    #[default]
    Bar,
    /// A line through the values, with a dot per value.
    Line,
    /// A dot per value.
    Points,
}

/// Builder for an event timeline; start with [`timeline`].
#[derive(Debug, Clone)]
pub struct Timeline<'a> {
    df: &'a DataFrame,
    time_column: Option<String>,
    group_by: Option<String>,
    tooltip: Vec<String>,
    refs: Vec<(DateTime<Utc>, String)>,
    overlays: Vec<(&'a DataFrame, String)>,
    title: Option<String>,
}

/// Events of `df` on a time axis, one lane per [`group_by`](Timeline::group_by) value.
///
/// The time column defaults to the first of [`DEFAULT_TIME_COLUMNS`] the frame has.
pub fn timeline(df: &DataFrame) -> Timeline<'_> {
    Timeline {
        df,
        time_column: None,
        group_by: None,
        tooltip: Vec::new(),
        refs: Vec::new(),
        overlays: Vec::new(),
        title: None,
    }
}

impl<'a> Timeline<'a> {
    /// The column holding each event's time (datetime, date or ISO 8601 text).
    pub fn time_column(mut self, name: impl Into<String>) -> Self {
        self.time_column = Some(name.into());
        self
    }

    /// One lane (and colour) per value of this column. The [`MAX_LANES`]` - 1` biggest
    /// groups get a lane each; the rest share an "other" lane, and a note says so.
    pub fn group_by(mut self, column: impl Into<String>) -> Self {
        self.group_by = Some(column.into());
        self
    }

    /// Columns shown when hovering a mark (besides its time and series).
    pub fn tooltip(mut self, columns: &[&str]) -> Self {
        self.tooltip = columns.iter().map(|c| c.to_string()).collect();
        self
    }

    /// A labelled vertical marker at `time` (may be given several times).
    pub fn ref_time(mut self, time: DateTime<Utc>, label: impl Into<String>) -> Self {
        self.refs.push((time, label.into()));
        self
    }

    /// A second dataset drawn in its own lane named `name` above the others (may be
    /// given several times). It uses the same time column name when it has one, else
    /// the defaults; its tooltip shows those of the tooltip columns it has.
    pub fn overlay(mut self, df: &'a DataFrame, name: impl Into<String>) -> Self {
        self.overlays.push((df, name.into()));
        self
    }

    /// The heading above the chart (default "Timeline", or "Timeline by GROUP").
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Draws the view.
    pub fn build(&self) -> Result<View, ViewError> {
        build_events(self)
    }
}

/// Builder for a duration timeline; start with [`timeline_duration`].
#[derive(Debug, Clone)]
pub struct TimelineDuration<'a> {
    df: &'a DataFrame,
    group_by: String,
    time_column: Option<String>,
    end_column: Option<String>,
    refs: Vec<(DateTime<Utc>, String)>,
    title: Option<String>,
}

/// One bar per value of `group_by`, from its first event's time to its last one's, with
/// the number of events. Bars are ordered by start; at most [`MAX_DURATION_LANES`] are
/// drawn, the rest share an "other" bar.
pub fn timeline_duration<'a>(df: &'a DataFrame, group_by: &str) -> TimelineDuration<'a> {
    TimelineDuration {
        df,
        group_by: group_by.to_string(),
        time_column: None,
        end_column: None,
        refs: Vec::new(),
        title: None,
    }
}

impl TimelineDuration<'_> {
    /// The column holding each event's (start) time; defaults as for [`timeline`].
    pub fn time_column(mut self, name: impl Into<String>) -> Self {
        self.time_column = Some(name.into());
        self
    }

    /// A column holding each event's end time; without it, bars end at the last start.
    pub fn end_column(mut self, name: impl Into<String>) -> Self {
        self.end_column = Some(name.into());
        self
    }

    /// A labelled vertical marker at `time` (may be given several times).
    pub fn ref_time(mut self, time: DateTime<Utc>, label: impl Into<String>) -> Self {
        self.refs.push((time, label.into()));
        self
    }

    /// The heading above the chart.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Draws the view.
    pub fn build(&self) -> Result<View, ViewError> {
        build_duration(self)
    }
}

/// Builder for a values timeline; start with [`timeline_values`].
#[derive(Debug, Clone)]
pub struct TimelineValues<'a> {
    df: &'a DataFrame,
    value_column: String,
    time_column: Option<String>,
    group_by: Option<String>,
    kind: ValuesKind,
    tooltip: Vec<String>,
    refs: Vec<(DateTime<Utc>, String)>,
    title: Option<String>,
}

/// The numbers in `value_column` over time, one coloured series per
/// [`group_by`](TimelineValues::group_by) value. Where many values fall on one pixel the
/// largest is drawn, and its tooltip says how many it stands for.
pub fn timeline_values<'a>(df: &'a DataFrame, value_column: &str) -> TimelineValues<'a> {
    TimelineValues {
        df,
        value_column: value_column.to_string(),
        time_column: None,
        group_by: None,
        kind: ValuesKind::default(),
        tooltip: Vec::new(),
        refs: Vec::new(),
        title: None,
    }
}

impl TimelineValues<'_> {
    /// The column holding each value's time; defaults as for [`timeline`].
    pub fn time_column(mut self, name: impl Into<String>) -> Self {
        self.time_column = Some(name.into());
        self
    }

    /// One series (and colour) per value of this column; at most [`MAX_VALUE_SERIES`].
    pub fn group_by(mut self, column: impl Into<String>) -> Self {
        self.group_by = Some(column.into());
        self
    }

    /// Bars, a line or dots.
    pub fn kind(mut self, kind: ValuesKind) -> Self {
        self.kind = kind;
        self
    }

    /// Columns shown when hovering a value (besides its time, series and value).
    pub fn tooltip(mut self, columns: &[&str]) -> Self {
        self.tooltip = columns.iter().map(|c| c.to_string()).collect();
        self
    }

    /// A labelled vertical marker at `time` (may be given several times).
    pub fn ref_time(mut self, time: DateTime<Utc>, label: impl Into<String>) -> Self {
        self.refs.push((time, label.into()));
        self
    }

    /// The heading above the chart.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Draws the view.
    pub fn build(&self) -> Result<View, ViewError> {
        build_values(self)
    }
}

// ---------------------------------------------------------------------------------
// Reading the input

fn time_column_name(df: &DataFrame, chosen: Option<&str>) -> Result<String, ViewError> {
    match chosen {
        Some(name) => frame::column(df, name).map(|_| name.to_string()),
        None => frame::first_present(df, DEFAULT_TIME_COLUMNS).map(str::to_string),
    }
}

/// The tooltip columns: the chosen ones, led by the group column when some groups share
/// the "other" lane (whose name no longer says which group an event is from).
fn tip_columns(chosen: &[String], group_by: Option<&str>, folded: bool) -> Vec<String> {
    let mut cols = chosen.to_vec();
    if let Some(group) = group_by.filter(|g| folded && !chosen.iter().any(|c| c == g)) {
        cols.insert(0, group.to_string());
    }
    cols
}

/// Rows sorted into lanes: the biggest groups get their own, the rest share "other".
#[derive(Debug)]
struct Lanes {
    names: Vec<String>,
    counts: Vec<usize>,
    /// Lane of each row; `None` for rows not drawn.
    of_row: Vec<Option<usize>>,
    /// Groups folded into the "other" lane, and their events.
    folded: Option<(usize, usize)>,
}

impl Lanes {
    /// `keys`: each row's group (`None`: one lane named `single`); `drawn`: rows that
    /// can be drawn. Kept groups are in name order, "other" last.
    fn new(keys: Option<&[Option<String>]>, drawn: &[bool], cap: usize, single: &str) -> Lanes {
        let Some(keys) = keys else {
            let count = drawn.iter().filter(|d| **d).count();
            return Lanes {
                names: vec![single.to_string()],
                counts: vec![count],
                of_row: drawn.iter().map(|d| d.then_some(0)).collect(),
                folded: None,
            };
        };
        let key = |row: usize| keys[row].as_deref().unwrap_or(NULL_GROUP);
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for (row, _) in drawn.iter().enumerate().filter(|(_, d)| **d) {
            *counts.entry(key(row)).or_default() += 1;
        }
        let mut groups: Vec<(&str, usize)> = counts.into_iter().collect();
        groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let keep = if groups.len() > cap {
            cap.saturating_sub(1)
        } else {
            groups.len()
        };
        let rest = &groups[keep..];
        let mut kept = groups[..keep].to_vec();
        kept.sort_by(|a, b| a.0.cmp(b.0));
        let index: HashMap<&str, usize> = kept.iter().enumerate().map(|(i, g)| (g.0, i)).collect();
        let mut names: Vec<String> = kept.iter().map(|g| g.0.to_string()).collect();
        let mut lane_counts: Vec<usize> = kept.iter().map(|g| g.1).collect();
        let folded = (!rest.is_empty()).then(|| (rest.len(), rest.iter().map(|g| g.1).sum()));
        if let Some((groups, events)) = folded {
            names.push(format!("{OTHER} ({groups} groups)"));
            lane_counts.push(events);
        }
        let other = keep;
        let of_row = drawn
            .iter()
            .enumerate()
            .map(|(row, d)| d.then(|| index.get(key(row)).copied().unwrap_or(other)))
            .collect();
        Lanes {
            names,
            counts: lane_counts,
            of_row,
            folded,
        }
    }

    fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// Puts lane `order[i]` at position `i`.
    fn reorder(&mut self, order: &[usize]) {
        let mut new_of_old = vec![0; order.len()];
        for (new, old) in order.iter().enumerate() {
            new_of_old[*old] = new;
        }
        self.names = order.iter().map(|o| self.names[*o].clone()).collect();
        self.counts = order.iter().map(|o| self.counts[*o]).collect();
        for lane in self.of_row.iter_mut().flatten() {
            *lane = new_of_old[*lane];
        }
    }
}

/// The time range drawn, padded a little so no mark sits on the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Domain {
    t0: i64,
    t1: i64,
}

impl Domain {
    fn around(times: impl IntoIterator<Item = i64>) -> Option<Domain> {
        let mut range: Option<(i64, i64)> = None;
        for t in times {
            range = Some(range.map_or((t, t), |(lo, hi)| (lo.min(t), hi.max(t))));
        }
        let (lo, hi) = range?;
        let pad = ((hi - lo) / 40).max(1000);
        Some(Domain {
            t0: lo - pad,
            t1: hi + pad,
        })
    }

    /// `t` in plot pixels from the left edge.
    fn x(&self, t: i64) -> f64 {
        (t - self.t0) as f64 / (self.t1 - self.t0) as f64 * PLOT_W
    }

    /// The cell of `t` on a grid of `grid` cells per pixel.
    fn cell(&self, t: i64, grid: usize) -> usize {
        ((self.x(t) * grid as f64).max(0.0) as usize).min(PLOT_W_PX * grid - 1)
    }
}

/// One drawn mark: the events of one lane that fall on one cell of the merge grid.
#[derive(Debug, Clone, PartialEq)]
struct Mark {
    lane: usize,
    /// Time of the row shown (events: the earliest; values: the largest value).
    t: i64,
    /// Latest time among the merged events.
    last: i64,
    count: usize,
    /// The row whose columns the tooltip shows.
    row: usize,
    value: f64,
}

impl Mark {
    /// Takes in `other`, a mark of the same lane and cell.
    fn absorb(&mut self, other: &Mark, by_value: bool) {
        self.count += other.count;
        self.last = self.last.max(other.last);
        let better = if by_value {
            other.value > self.value || (other.value == self.value && other.t < self.t)
        } else {
            other.t < self.t || (other.t == self.t && other.row < self.row)
        };
        if better {
            self.t = other.t;
            self.row = other.row;
            self.value = other.value;
        }
    }
}

/// Merges the drawn rows into marks, per lane and cell of a grid of `grid` cells per
/// pixel, sorted by lane then time. With `values`, a mark shows the largest value of its
/// cell; otherwise its earliest event.
fn merge(
    times: &[Option<i64>],
    of_row: &[Option<usize>],
    lanes: usize,
    domain: &Domain,
    values: Option<&[Option<f64>]>,
    grid: usize,
) -> Vec<Mark> {
    let cells = PLOT_W_PX * grid;
    let mut slot = vec![u32::MAX; lanes * cells];
    let mut marks: Vec<Mark> = Vec::new();
    for (row, (time, lane)) in times.iter().zip(of_row).enumerate() {
        let (Some(t), Some(lane)) = (*time, *lane) else {
            continue;
        };
        let value = values.and_then(|v| v[row]).unwrap_or(0.0);
        let mark = Mark {
            lane,
            t,
            last: t,
            count: 1,
            row,
            value,
        };
        let cell = lane * cells + domain.cell(t, grid);
        match marks.get_mut(slot[cell] as usize) {
            Some(merged) => merged.absorb(&mark, values.is_some()),
            None => {
                slot[cell] = marks.len() as u32;
                marks.push(mark);
            }
        }
    }
    marks.sort_by_key(|m| (m.lane, m.t, m.row));
    marks
}

/// Marks of a finer grid merged again on a grid of `grid` cells per pixel. A mark's time
/// lies in its fine cell, which lies in one coarse cell, so merging marks is the same as
/// merging their rows; marks sorted by lane and time stay so.
fn coarsen(marks: Vec<Mark>, domain: &Domain, grid: usize, by_value: bool) -> Vec<Mark> {
    let mut out: Vec<Mark> = Vec::with_capacity(marks.len());
    let mut last_cell = usize::MAX;
    for mark in marks {
        let cell = domain.cell(mark.t, grid);
        match out.last_mut() {
            Some(prev) if prev.lane == mark.lane && cell == last_cell => {
                prev.absorb(&mark, by_value)
            }
            _ => out.push(mark),
        }
        last_cell = cell;
    }
    out
}

/// Merges every set of marks on the finest grid that keeps their total within
/// [`MARK_BUDGET`]; returns the grid used.
fn merge_within_budget(
    mut sets: Vec<Vec<Mark>>,
    domain: &Domain,
    by_value: bool,
) -> (Vec<Vec<Mark>>, usize) {
    let mut grid = GRIDS[0];
    for coarser in &GRIDS[1..] {
        if sets.iter().map(Vec::len).sum::<usize>() <= MARK_BUDGET {
            break;
        }
        grid = *coarser;
        sets = sets
            .into_iter()
            .map(|set| coarsen(set, domain, grid, by_value))
            .collect();
    }
    (sets, grid)
}

// ---------------------------------------------------------------------------------
// Drawing

/// The marks as the script reads them, one array per field so the JSON stays small:
/// series, time (ms after `t0`), end (ms after time: the last merged event, or a bar's
/// end), count, value, and one array per tooltip column.
#[derive(Debug)]
struct MarkData {
    t0: i64,
    s: Vec<usize>,
    t: Vec<i64>,
    e: Vec<i64>,
    n: Vec<usize>,
    v: Vec<f64>,
    tips: Vec<Vec<Option<String>>>,
}

impl MarkData {
    fn new(t0: i64, columns: usize, capacity: usize) -> MarkData {
        MarkData {
            t0,
            s: Vec::with_capacity(capacity),
            t: Vec::with_capacity(capacity),
            e: Vec::with_capacity(capacity),
            n: Vec::with_capacity(capacity),
            v: Vec::new(),
            tips: vec![Vec::with_capacity(capacity); columns],
        }
    }

    /// Adds a mark; its tooltip texts follow with [`MarkData::push_tips`].
    fn push(&mut self, series: usize, mark: &Mark, end: i64) {
        self.s.push(series);
        self.t.push(mark.t - self.t0);
        self.e.push(end - mark.t);
        self.n.push(mark.count);
    }

    /// Adds the tooltip texts of the marks just pushed, which show `rows` of `df`.
    /// Only these rows are read as text: far fewer than the frame's at 100k events.
    /// A column `df` lacks (an overlay's) is left empty.
    fn push_tips(
        &mut self,
        df: &DataFrame,
        cols: &[String],
        rows: &[usize],
    ) -> Result<(), ViewError> {
        let idx = IdxCa::from_vec("rows".into(), rows.iter().map(|r| *r as IdxSize).collect());
        for (out, col) in self.tips.iter_mut().zip(cols) {
            if df.column(col).is_err() {
                out.extend(std::iter::repeat_n(None, rows.len()));
                continue;
            }
            let picked = df.select([col.as_str()])?.take(&idx)?;
            out.extend(frame::texts(&picked, col)?);
        }
        Ok(())
    }

    fn json(self) -> Value {
        let tips: Vec<Value> = self.tips.iter().map(|col| tip_column_json(col)).collect();
        let mut data = json!({"s": self.s, "t": self.t, "e": self.e, "n": self.n, "tips": tips});
        if !self.v.is_empty() {
            data["v"] = json!(self.v);
        }
        data
    }
}

/// A tooltip column: its values, or, when they repeat (host names, event kinds),
/// `{"d": distinct values, "i": each mark's index into them}`, which is far smaller.
fn tip_column_json(col: &[Option<String>]) -> Value {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut distinct: Vec<&str> = Vec::new();
    let indices: Vec<Option<usize>> = col
        .iter()
        .map(|v| {
            v.as_deref().map(|v| {
                *index.entry(v).or_insert_with(|| {
                    distinct.push(v);
                    distinct.len() - 1
                })
            })
        })
        .collect();
    if distinct.len() * 2 <= col.len() {
        json!({"d": distinct, "i": indices})
    } else {
        json!(col)
    }
}

/// A series in the embedded data: its name and colour.
fn series_json(name: &str, colour: &str) -> Value {
    json!({"name": name, "colour": colour})
}

/// Radius of an event mark: merged marks are a little bigger.
fn radius(count: usize) -> f64 {
    4.0 + ((count as f64).log2().min(6.0)) * 0.5
}

/// `text` in at most `max` characters, cut in the middle: names of hosts and accounts
/// differ at either end (`web01.corp…`, `CORP\alice`), so both ends stay.
fn shorten(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let head = max.saturating_sub(1).div_ceil(2);
    let tail = max.saturating_sub(1) - head;
    let mut short: String = text.chars().take(head).collect();
    short.push('…');
    short.extend(text.chars().skip(count - tail));
    short
}

/// The outer SVG, its time grid and labels, and the clipping inner SVG marks go into.
/// Returns the string with the inner SVG left open.
fn open_chart(out: &mut String, domain: &Domain, plot_h: f64, label: &str) {
    let height = TOP + plot_h + AXIS_H;
    let _ = write!(
        out,
        "<svg class=\"tl-svg\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
         viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{label}\" data-t0=\"{t0}\" data-t1=\"{t1}\">\
         <rect class=\"tl-frame\" fill=\"none\" stroke=\"#999\" x=\"{x}\" y=\"{top}\" width=\"{pw}\" height=\"{ph}\"/>",
        w = html::num(WIDTH),
        h = html::num(height),
        label = html::esc(label),
        t0 = domain.t0,
        t1 = domain.t1,
        x = html::num(LABEL_W),
        top = html::num(TOP),
        pw = html::num(PLOT_W),
        ph = html::num(plot_h),
    );
}

/// Vertical grid lines and time labels; the script redraws this group on zoom.
fn time_axis_svg(out: &mut String, domain: &Domain, plot_h: f64) {
    let _ = write!(
        out,
        "<g class=\"tl-axis\" font-size=\"11\" text-anchor=\"middle\" transform=\"translate({},{})\">",
        html::num(LABEL_W),
        html::num(TOP)
    );
    for (t, label) in time_axis::ticks(domain.t0, domain.t1, MAX_TICKS) {
        let x = html::num(domain.x(t));
        let _ = write!(
            out,
            "<line x1=\"{x}\" x2=\"{x}\" y1=\"0\" y2=\"{h}\" stroke=\"#ddd\"/><text x=\"{x}\" y=\"{ly}\">{label}</text>",
            h = html::num(plot_h),
            ly = html::num(plot_h + 15.0),
        );
    }
    out.push_str("</g>");
}

/// Opens the inner SVG that clips marks to the plot area.
fn open_plot(out: &mut String, plot_h: f64) {
    let _ = write!(
        out,
        "<svg class=\"tl-plot\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\">",
        html::num(LABEL_W),
        html::num(TOP),
        html::num(PLOT_W),
        html::num(plot_h)
    );
}

/// Reference markers: a dashed line and its label, placed by `data-t`.
fn refs_svg(out: &mut String, refs: &[(i64, String)], domain: &Domain, plot_h: f64) {
    for (t, label) in refs {
        let x = domain.x(*t);
        let _ = write!(
            out,
            "<g class=\"tl-ref\"><line data-t=\"{t}\" x1=\"{x}\" x2=\"{x}\" y1=\"0\" y2=\"{h}\" \
             stroke=\"{REF_COLOUR}\" stroke-dasharray=\"5 3\"/><text data-t=\"{t}\" x=\"{lx}\" y=\"11\" fill=\"{REF_COLOUR}\">{l}</text></g>",
            x = html::num(x),
            h = html::num(plot_h),
            lx = html::num(x + 3.0),
            l = html::esc(label),
        );
    }
}

/// Lane names left of the plot, with a full-name `<title>` when shortened.
/// `counts`, when given, follow each name and are never shortened.
fn lane_labels(out: &mut String, names: &[String], counts: Option<&[usize]>) {
    out.push_str("<g class=\"tl-lanes\" font-size=\"11\">");
    for (i, name) in names.iter().enumerate() {
        let y = TOP + lane_y(i) + 4.0;
        let short = match counts.and_then(|c| c.get(i)) {
            Some(count) => {
                let count = thousands(*count);
                let room = LABEL_CHARS.saturating_sub(count.len() + 3).max(6);
                format!("{} ({count})", shorten(name, room))
            }
            None => shorten(name, LABEL_CHARS),
        };
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">",
            html::num(LABEL_W - 6.0),
            html::num(y)
        );
        if !short.starts_with(name.as_str()) {
            let _ = write!(out, "<title>{}</title>", html::esc(name));
        }
        let _ = write!(out, "{}</text>", html::esc(&short));
    }
    out.push_str("</g>");
}

/// Alternate lanes get a faint band, so a mark's lane is easy to follow.
fn lane_bands(out: &mut String, lanes: usize) {
    for i in (1..lanes).step_by(2) {
        let _ = write!(
            out,
            "<rect class=\"tl-band\" fill=\"rgba(128,128,128,0.08)\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
            html::num(LABEL_W),
            html::num(TOP + PAD + i as f64 * LANE_H),
            html::num(PLOT_W),
            html::num(LANE_H)
        );
    }
}

/// Centre of lane `i`, in plot coordinates.
fn lane_y(i: usize) -> f64 {
    PAD + i as f64 * LANE_H + LANE_H / 2.0
}

fn legend(out: &mut String, entries: &[(String, &str, usize, bool)]) {
    out.push_str("<div class=\"tl-legend\">");
    for (name, colour, count, hollow) in entries {
        let style = if *hollow {
            format!("border:2px solid {colour}")
        } else {
            format!("background:{colour}")
        };
        let _ = write!(
            out,
            "<span class=\"tl-key\"><i style=\"{style}\"></i>{} <small>({})</small></span>",
            html::esc(name),
            thousands(*count)
        );
    }
    out.push_str("</div>");
}

/// Title, controls (shown once the script runs), `body`, notes, data and script.
fn assemble(title: &str, body: &str, notes: &[String], data: Option<&Value>) -> String {
    let mut inner = String::with_capacity(body.len() + 1024);
    let _ = write!(
        inner,
        "<style>{CSS}</style><div class=\"hv-title\">{}</div>",
        html::esc(title)
    );
    if data.is_some() {
        inner.push_str(
            "<div class=\"tl-tools\" hidden><button type=\"button\" class=\"tl-reset\">Reset zoom</button>\
             <span class=\"hv-note\">wheel: zoom · drag: pan · double-click: reset</span></div>",
        );
    }
    inner.push_str(body);
    for note in notes {
        let _ = write!(inner, "<div class=\"hv-note\">{}</div>", html::esc(note));
    }
    match data {
        Some(data) => {
            inner.push_str(&html::json_data(data));
            html::view_root("timeline", &inner, Some(JS))
        }
        None => html::view_root("timeline", &inner, None),
    }
}

/// A view saying there is nothing to draw.
fn empty_view(title: &str, what: &str, rows: usize, time: &str) -> View {
    let note = format!(
        "Nothing to draw: {} rows, none with {what} in column '{time}'.",
        thousands(rows)
    );
    let html = assemble(title, "", std::slice::from_ref(&note), None);
    View::new("timeline", html, format!("{title}\n{note}"))
}

fn span_text(domain_lo: i64, domain_hi: i64) -> String {
    format!(
        "{} to {}",
        time_axis::full(domain_lo),
        time_axis::full(domain_hi)
    )
}

fn refs_ms(refs: &[(DateTime<Utc>, String)]) -> Vec<(i64, String)> {
    refs.iter()
        .map(|(t, l)| (t.timestamp_millis(), l.clone()))
        .collect()
}

fn dropped_note(dropped: usize, time: &str, what: &str) -> Option<String> {
    (dropped > 0).then(|| {
        format!(
            "{} rows without {what} in '{time}' are not drawn.",
            thousands(dropped)
        )
    })
}

fn merged_note(events: usize, marks: usize, grid: usize, what: &str) -> Option<String> {
    let cell = match grid {
        1 => "pixel".to_string(),
        g => format!("1/{g} pixel"),
    };
    (marks < events).then(|| {
        format!(
            "{} {what} drawn as {} marks: {what} of one series within the same {cell} are \
             merged (hover a mark for its count).",
            thousands(events),
            thousands(marks)
        )
    })
}

fn plain_lines(plain: &mut String, names: &[String], counts: &[usize], prefix: &str) {
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    for (name, count) in names.iter().zip(counts) {
        let _ = writeln!(plain, "  {prefix}{name:<width$}  {}", thousands(*count));
    }
}

// ---------------------------------------------------------------------------------
// The three views

struct Overlay<'a> {
    df: &'a DataFrame,
    name: String,
    times: Vec<Option<i64>>,
    dropped: usize,
}

fn build_events(spec: &Timeline<'_>) -> Result<View, ViewError> {
    let df = spec.df;
    let time = time_column_name(df, spec.time_column.as_deref())?;
    let times = frame::time_ms(df, &time)?;
    let keys = spec
        .group_by
        .as_deref()
        .map(|g| frame::texts(df, g))
        .transpose()?;
    // Checked first, so a misspelt column is an error even when nothing is drawn.
    for col in &spec.tooltip {
        frame::column(df, col)?;
    }
    let drawn: Vec<bool> = times.iter().map(Option::is_some).collect();
    let lanes = Lanes::new(keys.as_deref(), &drawn, MAX_LANES, "events");
    let cols = tip_columns(
        &spec.tooltip,
        spec.group_by.as_deref(),
        lanes.folded.is_some(),
    );
    let mut overlays = Vec::new();
    for (odf, name) in &spec.overlays {
        let otime = if odf.column(&time).is_ok() {
            time.clone()
        } else {
            time_column_name(odf, None)?
        };
        let times = frame::time_ms(odf, &otime)?;
        let dropped = times.iter().filter(|t| t.is_none()).count();
        overlays.push(Overlay {
            df: odf,
            name: name.clone(),
            times,
            dropped,
        });
    }
    let title = spec.title.clone().unwrap_or_else(|| match &spec.group_by {
        Some(g) => format!("Timeline by {g}"),
        None => "Timeline".to_string(),
    });

    let refs = refs_ms(&spec.refs);
    let all_times = times
        .iter()
        .chain(overlays.iter().flat_map(|o| o.times.iter()))
        .flatten()
        .copied();
    if all_times.clone().next().is_none() {
        return Ok(empty_view(&title, "a time", df.height(), &time));
    }
    // References outside the data widen the range, so they are always visible.
    let Some(domain) = Domain::around(all_times.chain(refs.iter().map(|r| r.0))) else {
        return Ok(empty_view(&title, "a time", df.height(), &time));
    };
    let events = lanes.total();
    // Overlay lanes come first (top), then the series; all merged on one grid.
    let mut sets: Vec<Vec<Mark>> = overlays
        .iter()
        .map(|o| {
            let lane: Vec<Option<usize>> = o.times.iter().map(|t| t.map(|_| 0)).collect();
            merge(&o.times, &lane, 1, &domain, None, GRIDS[0])
        })
        .collect();
    sets.push(merge(
        &times,
        &lanes.of_row,
        lanes.names.len(),
        &domain,
        None,
        GRIDS[0],
    ));
    let (sets, grid) = merge_within_budget(sets, &domain, false);
    let n_marks: usize = sets.iter().map(Vec::len).sum();

    let n_over = overlays.len();
    let n_lanes = n_over + lanes.names.len();
    let plot_h = PAD + n_lanes as f64 * LANE_H;
    let mut series = Vec::with_capacity(n_lanes);
    let mut data = MarkData::new(domain.t0, cols.len(), n_marks);
    let mut body = String::with_capacity(n_marks * 32 + 4096);
    open_chart(&mut body, &domain, plot_h, &title);
    lane_bands(&mut body, n_lanes);
    time_axis_svg(&mut body, &domain, plot_h);
    open_plot(&mut body, plot_h);
    let mut legend_entries = Vec::new();
    let mut overlay_counts = Vec::new();
    for (i, (overlay, marks)) in overlays.iter().zip(&sets).enumerate() {
        let colour = html::colour(lanes.names.len() + i);
        let count = overlay.times.len() - overlay.dropped;
        overlay_counts.push(count);
        series.push(series_json(&overlay.name, colour));
        legend_entries.push((overlay.name.clone(), colour, count, true));
        let _ = write!(
            body,
            "<g class=\"tl-s tl-ov\" data-s=\"{i}\" fill=\"none\" stroke=\"{colour}\" transform=\"translate(0,{})\">",
            html::num(lane_y(i))
        );
        for mark in marks {
            event_mark(&mut body, mark, &domain);
            data.push(i, mark, mark.last);
        }
        let rows: Vec<usize> = marks.iter().map(|m| m.row).collect();
        data.push_tips(overlay.df, &cols, &rows)?;
        body.push_str("</g>");
    }
    let marks = sets.last().map(Vec::as_slice).unwrap_or_default();
    let mut start = 0;
    for (lane, name) in lanes.names.iter().enumerate() {
        let s = n_over + lane;
        let colour = html::colour(lane);
        series.push(series_json(name, colour));
        legend_entries.push((name.clone(), colour, lanes.counts[lane], false));
        let _ = write!(
            body,
            "<g class=\"tl-s\" data-s=\"{s}\" fill=\"{colour}\" transform=\"translate(0,{})\">",
            html::num(lane_y(s))
        );
        let end = marks[start..]
            .iter()
            .position(|m| m.lane != lane)
            .map_or(marks.len(), |p| start + p);
        for mark in &marks[start..end] {
            event_mark(&mut body, mark, &domain);
            data.push(s, mark, mark.last);
        }
        start = end;
        body.push_str("</g>");
    }
    let rows: Vec<usize> = marks.iter().map(|m| m.row).collect();
    data.push_tips(df, &cols, &rows)?;
    refs_svg(&mut body, &refs, &domain, plot_h);
    body.push_str("</svg>");
    let mut names: Vec<String> = overlays.iter().map(|o| o.name.clone()).collect();
    names.extend(lanes.names.iter().cloned());
    lane_labels(&mut body, &names, None);
    body.push_str("</svg>");
    legend(&mut body, &legend_entries);

    let mut notes = Vec::new();
    notes.extend(dropped_note(df.height() - events, &time, "a time"));
    if let Some((groups, folded)) = lanes.folded {
        notes.push(format!(
            "{groups} smaller groups ({} events) share the '{OTHER}' lane; only the {} biggest \
             of '{}' have a lane each.",
            thousands(folded),
            MAX_LANES - 1,
            spec.group_by.as_deref().unwrap_or_default()
        ));
    }
    for overlay in &overlays {
        notes.extend(dropped_note(
            overlay.dropped,
            &overlay.name,
            "a time in overlay",
        ));
    }
    let total_events = events + overlay_counts.iter().sum::<usize>();
    notes.extend(merged_note(total_events, n_marks, grid, "events"));

    let data = json!({
        "kind": "events",
        "t0": domain.t0,
        "t1": domain.t1,
        "cols": cols,
        "series": series,
        "marks": data.json(),
    });
    let html = assemble(&title, &body, &notes, Some(&data));

    let mut plain = String::new();
    let _ = writeln!(
        plain,
        "{title}: {} events in {} series, {}",
        thousands(events),
        lanes.names.len(),
        span_text(domain.t0, domain.t1)
    );
    plain_lines(&mut plain, &lanes.names, &lanes.counts, "");
    let over_names: Vec<String> = overlays.iter().map(|o| o.name.clone()).collect();
    plain_lines(&mut plain, &over_names, &overlay_counts, "overlay ");
    plain_refs(&mut plain, &refs);
    for note in &notes {
        let _ = writeln!(plain, "{note}");
    }
    Ok(View::new("timeline", html, plain.trim_end().to_string()))
}

fn plain_refs(plain: &mut String, refs: &[(i64, String)]) {
    for (t, label) in refs {
        let _ = writeln!(plain, "  reference '{label}' at {}", time_axis::full(*t));
    }
}

/// An event mark; its lane's group places it vertically.
fn event_mark(out: &mut String, mark: &Mark, domain: &Domain) {
    let _ = write!(
        out,
        "<circle cx=\"{}\" r=\"{}\"/>",
        html::num(domain.x(mark.t)),
        html::num(radius(mark.count))
    );
}

fn build_duration(spec: &TimelineDuration<'_>) -> Result<View, ViewError> {
    let df = spec.df;
    let time = time_column_name(df, spec.time_column.as_deref())?;
    let starts = frame::time_ms(df, &time)?;
    let ends = match &spec.end_column {
        Some(end) => Some(frame::time_ms(df, end)?),
        None => None,
    };
    let keys = frame::texts(df, &spec.group_by)?;
    let title = spec
        .title
        .clone()
        .unwrap_or_else(|| format!("Activity span by {}", spec.group_by));

    let drawn: Vec<bool> = starts.iter().map(Option::is_some).collect();
    let mut lanes = Lanes::new(Some(&keys), &drawn, MAX_DURATION_LANES, "");
    let n = lanes.names.len();
    // Each lane's first start and last end (an event without an end ends at its start).
    let mut spans: Vec<Option<(i64, i64)>> = vec![None; n];
    for (row, lane) in lanes.of_row.iter().enumerate() {
        let (Some(lane), Some(start)) = (*lane, starts[row]) else {
            continue;
        };
        let end = ends
            .as_ref()
            .and_then(|e| e[row])
            .unwrap_or(start)
            .max(start);
        spans[lane] = Some(spans[lane].map_or((start, end), |(a, b)| (a.min(start), b.max(end))));
    }
    // Bars by start time, "other" last.
    let other = lanes.folded.map(|_| n - 1);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|i| (Some(*i) == other, spans[*i].map(|s| s.0), *i));
    lanes.reorder(&order);
    let spans: Vec<(i64, i64)> = order.iter().filter_map(|i| spans[*i]).collect();

    let refs = refs_ms(&spec.refs);
    let bounds = spans.iter().flat_map(|s| [s.0, s.1]);
    let domain = Domain::around(bounds.chain(refs.iter().map(|r| r.0)));
    let Some(domain) = domain.filter(|_| !spans.is_empty()) else {
        return Ok(empty_view(&title, "a time", df.height(), &time));
    };
    let plot_h = PAD + n as f64 * LANE_H;
    let mut body = String::with_capacity(4096 + n * 200);
    open_chart(&mut body, &domain, plot_h, &title);
    lane_bands(&mut body, n);
    time_axis_svg(&mut body, &domain, plot_h);
    open_plot(&mut body, plot_h);
    let mut series = Vec::with_capacity(n);
    let mut data = MarkData::new(domain.t0, 0, n);
    body.push_str("<g class=\"tl-s\">");
    let mut legend_entries = Vec::new();
    for (lane, (name, (start, end))) in lanes.names.iter().zip(&spans).enumerate() {
        let colour = html::colour(lane);
        series.push(series_json(name, colour));
        legend_entries.push((name.clone(), colour, lanes.counts[lane], false));
        let x0 = domain.x(*start);
        let width = (domain.x(*end) - x0).max(BAR_W);
        let _ = write!(
            body,
            "<rect class=\"tl-bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"14\" fill=\"{colour}\"/>",
            html::num(x0),
            html::num(lane_y(lane) - 7.0),
            html::num(width),
        );
        let mark = Mark {
            lane,
            t: *start,
            last: *end,
            count: lanes.counts[lane],
            row: 0,
            value: 0.0,
        };
        data.push(lane, &mark, *end);
    }
    body.push_str("</g>");
    refs_svg(&mut body, &refs, &domain, plot_h);
    body.push_str("</svg>");
    lane_labels(&mut body, &lanes.names, Some(&lanes.counts));
    body.push_str("</svg>");
    legend(&mut body, &legend_entries);

    let events = lanes.total();
    let mut notes = Vec::new();
    notes.extend(dropped_note(df.height() - events, &time, "a time"));
    if let Some((groups, folded)) = lanes.folded {
        notes.push(format!(
            "{groups} smaller groups ({} events) share the '{OTHER}' bar, which spans all of \
             them; only the {} biggest of '{}' have a bar each.",
            thousands(folded),
            MAX_DURATION_LANES - 1,
            spec.group_by
        ));
    }
    let data = json!({
        "kind": "duration",
        "t0": domain.t0,
        "t1": domain.t1,
        "cols": [],
        "series": series,
        "marks": data.json(),
    });
    let html = assemble(&title, &body, &notes, Some(&data));

    let mut plain = String::new();
    let _ = writeln!(
        plain,
        "{title}: {} events in {} groups, {}",
        thousands(events),
        n,
        span_text(domain.t0, domain.t1)
    );
    let width = lanes
        .names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0);
    for ((name, count), (start, end)) in lanes.names.iter().zip(&lanes.counts).zip(&spans) {
        let _ = writeln!(
            plain,
            "  {name:<width$}  {} to {}  {} event{}",
            time_axis::full(*start),
            time_axis::full(*end),
            thousands(*count),
            if *count == 1 { "" } else { "s" }
        );
    }
    plain_refs(&mut plain, &refs);
    for note in &notes {
        let _ = writeln!(plain, "{note}");
    }
    Ok(View::new("timeline", html, plain.trim_end().to_string()))
}

fn build_values(spec: &TimelineValues<'_>) -> Result<View, ViewError> {
    let df = spec.df;
    let time = time_column_name(df, spec.time_column.as_deref())?;
    let times = frame::time_ms(df, &time)?;
    let values = frame::numbers(df, &spec.value_column)?;
    let keys = spec
        .group_by
        .as_deref()
        .map(|g| frame::texts(df, g))
        .transpose()?;
    for col in &spec.tooltip {
        frame::column(df, col)?;
    }
    let title = spec
        .title
        .clone()
        .unwrap_or_else(|| format!("{} over time", spec.value_column));

    let drawn: Vec<bool> = times
        .iter()
        .zip(&values)
        .map(|(t, v)| t.is_some() && v.is_some_and(f64::is_finite))
        .collect();
    let lanes = Lanes::new(
        keys.as_deref(),
        &drawn,
        MAX_VALUE_SERIES,
        &spec.value_column,
    );
    let cols = tip_columns(
        &spec.tooltip,
        spec.group_by.as_deref(),
        lanes.folded.is_some(),
    );
    let refs = refs_ms(&spec.refs);
    let drawn_times = times
        .iter()
        .zip(&drawn)
        .filter_map(|(t, d)| t.filter(|_| *d));
    let any = drawn.iter().any(|d| *d);
    let domain = Domain::around(drawn_times.chain(refs.iter().map(|r| r.0)));
    let Some(domain) = domain.filter(|_| any) else {
        return Ok(empty_view(
            &title,
            &format!("a time and a value in '{}'", spec.value_column),
            df.height(),
            &time,
        ));
    };
    let n = lanes.names.len();
    let marks = merge(&times, &lanes.of_row, n, &domain, Some(&values), GRIDS[0]);
    let (mut sets, grid) = merge_within_budget(vec![marks], &domain, true);
    let marks = sets.pop().unwrap_or_default();

    let drawn_values = values
        .iter()
        .zip(&drawn)
        .filter_map(|(v, d)| v.filter(|_| *d));
    let (lo, hi) = drawn_values.fold((0.0f64, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let hi = if hi <= lo {
        lo + 1.0
    } else {
        hi + (hi - lo) * 0.05
    };
    let plot_h = VALUES_H;
    let y = |v: f64| PAD + (hi - v) / (hi - lo) * (plot_h - PAD);
    let base = y(0.0);

    let mut body = String::with_capacity(marks.len() * 48 + 4096);
    open_chart(&mut body, &domain, plot_h, &title);
    // Horizontal grid and value labels: they do not change on zoom.
    body.push_str("<g class=\"tl-yaxis\" font-size=\"11\">");
    for v in value_ticks(lo, hi) {
        let yy = html::num(TOP + y(v));
        let _ = write!(
            body,
            "<line x1=\"{}\" x2=\"{}\" y1=\"{yy}\" y2=\"{yy}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            html::num(LABEL_W),
            html::num(LABEL_W + PLOT_W),
            html::num(LABEL_W - 6.0),
            html::num(TOP + y(v) + 4.0),
            value_label(v)
        );
    }
    body.push_str("</g>");
    time_axis_svg(&mut body, &domain, plot_h);
    open_plot(&mut body, plot_h);
    let mut series = Vec::with_capacity(n);
    let mut data = MarkData::new(domain.t0, cols.len(), marks.len());
    let mut legend_entries = Vec::new();
    let mut start = 0;
    for (lane, name) in lanes.names.iter().enumerate() {
        let colour = html::colour(lane);
        series.push(series_json(name, colour));
        legend_entries.push((name.clone(), colour, lanes.counts[lane], false));
        let end = marks[start..]
            .iter()
            .position(|m| m.lane != lane)
            .map_or(marks.len(), |p| start + p);
        let lane_marks = &marks[start..end];
        if spec.kind == ValuesKind::Line {
            let mut points = String::with_capacity(lane_marks.len() * 14);
            for mark in lane_marks {
                let _ = write!(
                    points,
                    "{},{} ",
                    html::num(domain.x(mark.t)),
                    html::num(y(mark.value))
                );
            }
            let _ = write!(
                body,
                "<polyline class=\"tl-line\" fill=\"none\" data-s=\"{lane}\" points=\"{}\" stroke=\"{colour}\"/>",
                points.trim_end()
            );
        }
        let _ = write!(
            body,
            "<g class=\"tl-s\" data-s=\"{lane}\" fill=\"{colour}\">"
        );
        for mark in lane_marks {
            let x = domain.x(mark.t);
            let yv = y(mark.value);
            if spec.kind == ValuesKind::Bar {
                let _ = write!(
                    body,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
                    html::num(x - BAR_W / 2.0),
                    html::num(yv.min(base)),
                    html::num(BAR_W),
                    html::num((yv - base).abs().max(1.0))
                );
            } else {
                let r = if spec.kind == ValuesKind::Line {
                    2.5
                } else {
                    3.5
                };
                let _ = write!(
                    body,
                    "<circle cx=\"{}\" cy=\"{}\" r=\"{r}\"/>",
                    html::num(x),
                    html::num(yv)
                );
            }
            data.push(lane, mark, mark.last);
            data.v.push(mark.value);
        }
        body.push_str("</g>");
        start = end;
    }
    let rows: Vec<usize> = marks.iter().map(|m| m.row).collect();
    data.push_tips(df, &cols, &rows)?;
    refs_svg(&mut body, &refs, &domain, plot_h);
    body.push_str("</svg></svg>");
    legend(&mut body, &legend_entries);

    let events = lanes.total();
    let mut notes = Vec::new();
    notes.extend(dropped_note(
        df.height() - events,
        &format!("{time}' or '{}", spec.value_column),
        "a time and a number",
    ));
    if let Some((groups, folded)) = lanes.folded {
        notes.push(format!(
            "{groups} smaller groups ({} values) share the '{OTHER}' series; only the {} biggest \
             of '{}' have a colour each.",
            thousands(folded),
            MAX_VALUE_SERIES - 1,
            spec.group_by.as_deref().unwrap_or_default()
        ));
    }
    if marks.len() < events {
        notes.push(format!(
            "{} values drawn as {} marks: where values of a series share {}, the largest \
             is drawn (hover a mark for the count).",
            thousands(events),
            thousands(marks.len()),
            if grid == 1 {
                "a pixel".to_string()
            } else {
                format!("1/{grid} pixel")
            }
        ));
    }
    let kind = match spec.kind {
        ValuesKind::Bar => "bar",
        ValuesKind::Line => "line",
        ValuesKind::Points => "points",
    };
    let data = json!({
        "kind": "values",
        "draw": kind,
        "value": spec.value_column,
        "t0": domain.t0,
        "t1": domain.t1,
        "cols": cols,
        "series": series,
        "marks": data.json(),
    });
    let html = assemble(&title, &body, &notes, Some(&data));

    let mut plain = String::new();
    let _ = writeln!(
        plain,
        "{title}: {} values in {} series, {}, '{}' from {} to {}",
        thousands(events),
        n,
        span_text(domain.t0, domain.t1),
        spec.value_column,
        value_label(marks.iter().map(|m| m.value).fold(f64::MAX, f64::min)),
        value_label(marks.iter().map(|m| m.value).fold(f64::MIN, f64::max)),
    );
    plain_lines(&mut plain, &lanes.names, &lanes.counts, "");
    plain_refs(&mut plain, &refs);
    for note in &notes {
        let _ = writeln!(plain, "{note}");
    }
    Ok(View::new("timeline", html, plain.trim_end().to_string()))
}

/// Round values for the value axis, about five of them.
fn value_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let raw = (hi - lo) / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = magnitude
        * match raw / magnitude {
            n if n < 1.5 => 1.0,
            n if n < 3.0 => 2.0,
            n if n < 7.0 => 5.0,
            _ => 10.0,
        };
    let first = (lo / step).ceil() as i64;
    (first..)
        .map(|i| i as f64 * step)
        .take_while(|v| *v <= hi)
        .take(20)
        .collect()
}

/// `1.5M`, `20k`, `3`, `0.25`.
fn value_label(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{}G", html::num(v / 1e9))
    } else if a >= 1e6 {
        format!("{}M", html::num(v / 1e6))
    } else if a >= 1e4 {
        format!("{}k", html::num(v / 1e3))
    } else if a >= 1.0 || a == 0.0 {
        html::num(v)
    } else {
        format!("{:.3}", v)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

#[cfg(test)]
mod tests;
