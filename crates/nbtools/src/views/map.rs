//! Map: IP locations on an offline world map.
//!
//! Countries are drawn from Natural Earth's 1:110m outlines (public domain), shipped in
//! `assets/world-110m.txt` (made by `scripts/make-world-outlines.py`), in an
//! equirectangular projection: one SVG `<path>` per country, one circle per place.
//! Events at the same place (and of the same colour) share a circle sized by their
//! count; each circle's tooltip lists its addresses, place, count and chosen columns.
//!
//! ```no_run
//! # fn demo(df: &nbtools::polars::prelude::DataFrame) -> Result<(), nbtools::ViewError> {
//! use nbtools::views::map::IpMap;
//! let view = IpMap::from_frame(df)
//!     .lat("Latitude")
//!     .lon("Longitude")
//!     .color_by("Status")
//!     .build()?;
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;

use polars::prelude::*;

use super::html::{count_of, thousands};
use super::{frame, html};
use crate::{View, ViewError};

/// The view's kind, as in `data-huntrs-view`.
const KIND: &str = "ip-map";
/// Country outlines: `#` comments, then `NAME<TAB>SVG path` lines.
const WORLD: &str = include_str!("assets/world-110m.txt");
const MAP_JS: &str = include_str!("assets/map.js");
/// Outline units per degree, as the outline file was made.
const UNITS: f64 = 5.0;
/// Columns tried, in order, for each input when none is named.
const LAT_COLUMNS: [&str; 4] = ["Latitude", "latitude", "Lat", "lat"];
const LON_COLUMNS: [&str; 6] = ["Longitude", "longitude", "Lon", "lon", "Long", "lng"];
const IP_COLUMNS: [&str; 7] = [
    "IPAddress",
    "IpAddress",
    "IPAddr",
    "ClientIP",
    "SourceIP",
    "SrcIpAddr",
    "Address",
];
const PLACE_COLUMNS: [&str; 5] = [
    "City",
    "CountryName",
    "Country",
    "CountryOrRegion",
    "Location",
];
/// Colour categories beyond this many are drawn together as "other".
const MAX_COLOURS: usize = 10;
const OTHER_COLOUR: &str = "#8c8c8c";
/// Distinct values a tooltip lists per field before "… N more".
const TIP_VALUES: usize = 5;

/// One located event for [`IpMap::from_points`].
#[derive(Debug, Clone, PartialEq)]
pub struct MapPoint {
    /// Latitude in degrees, -90 to 90.
    pub lat: f64,
    /// Longitude in degrees, -180 to 180.
    pub lon: f64,
    /// What is there, usually the IP address.
    pub label: String,
    /// The place's name (`London, GB`).
    pub place: Option<String>,
    /// The colour category; points without one share a single colour.
    pub category: Option<String>,
    /// More `(name, value)` pairs for the tooltip.
    pub details: Vec<(String, String)>,
}

impl MapPoint {
    /// A point at `lat`, `lon` labelled `label`.
    pub fn new(lat: f64, lon: f64, label: impl Into<String>) -> MapPoint {
        MapPoint {
            lat,
            lon,
            label: label.into(),
            place: None,
            category: None,
            details: Vec::new(),
        }
    }

    /// The point at a [`GeoLocation`](entities::GeoLocation), named after its city,
    /// state and country; `None` when the location has no coordinates.
    pub fn from_geo(geo: &entities::GeoLocation, label: impl Into<String>) -> Option<MapPoint> {
        let place = place_name(
            [&geo.city, &geo.state, &geo.country_code]
                .into_iter()
                .map(Option::as_deref),
        );
        let mut point = MapPoint::new(geo.latitude_f64()?, geo.longitude_f64()?, label);
        point.place = place;
        Some(point)
    }

    /// Sets the place's name.
    pub fn place(mut self, place: impl Into<String>) -> MapPoint {
        self.place = Some(place.into());
        self
    }

    /// Sets the colour category.
    pub fn category(mut self, category: impl Into<String>) -> MapPoint {
        self.category = Some(category.into());
        self
    }

    /// Adds a tooltip field.
    pub fn detail(mut self, name: impl Into<String>, value: impl Into<String>) -> MapPoint {
        self.details.push((name.into(), value.into()));
        self
    }
}

#[derive(Debug)]
enum Source<'a> {
    Frame(&'a DataFrame),
    Points(Vec<MapPoint>),
}

/// Builds the map view: from a DataFrame ([`IpMap::from_frame`]) or from
/// [`MapPoint`]s ([`IpMap::from_points`]).
///
/// From a frame, coordinates come from latitude/longitude columns (found by name:
/// `Latitude`/`Longitude`, `Lat`/`Lon`, ... unless named) or else from a SigninLogs
/// `LocationDetails` JSON column (`geoCoordinates`). Rows without coordinates, and rows
/// whose coordinates are not on Earth, are left off the map and counted in a note.
#[derive(Debug)]
pub struct IpMap<'a> {
    source: Source<'a>,
    lat: Option<String>,
    lon: Option<String>,
    location_details: Option<String>,
    ip: Option<String>,
    place: Option<String>,
    color_by: Option<String>,
    hover: Vec<String>,
    title: Option<String>,
}

impl<'a> IpMap<'a> {
    fn with_source(source: Source<'a>) -> IpMap<'a> {
        IpMap {
            source,
            lat: None,
            lon: None,
            location_details: None,
            ip: None,
            place: None,
            color_by: None,
            hover: Vec::new(),
            title: None,
        }
    }

    /// A map of the rows of `df`.
    pub fn from_frame(df: &'a DataFrame) -> IpMap<'a> {
        IpMap::with_source(Source::Frame(df))
    }

    /// A map of `points`. The column options ([`lat`](IpMap::lat) ...) apply to frames
    /// only; points carry their own label, place, category and details.
    pub fn from_points(points: impl IntoIterator<Item = MapPoint>) -> IpMap<'static> {
        IpMap::with_source(Source::Points(points.into_iter().collect()))
    }

    /// The latitude column (default: the first of `Latitude`, `latitude`, `Lat`, `lat`).
    pub fn lat(mut self, column: &str) -> Self {
        self.lat = Some(column.to_string());
        self
    }

    /// The longitude column (default: the first of `Longitude`, `longitude`, `Lon`,
    /// `lon`, `Long`, `lng`).
    pub fn lon(mut self, column: &str) -> Self {
        self.lon = Some(column.to_string());
        self
    }

    /// A JSON column holding `geoCoordinates` {`latitude`, `longitude`} and optionally
    /// `city`, `state`, `countryOrRegion`, as SigninLogs' `LocationDetails` does (the
    /// default when the frame has no latitude/longitude columns).
    pub fn location_details(mut self, column: &str) -> Self {
        self.location_details = Some(column.to_string());
        self
    }

    /// The address column that labels points (default: the first of `IPAddress`,
    /// `IpAddress`, `IPAddr`, `ClientIP`, `SourceIP`, `SrcIpAddr`, `Address`; without
    /// one, points are labelled by row number).
    pub fn ip(mut self, column: &str) -> Self {
        self.ip = Some(column.to_string());
        self
    }

    /// The column naming each place (default: the city and country from
    /// `LocationDetails`, else the first of `City`, `CountryName`, `Country`,
    /// `CountryOrRegion`, `Location`).
    pub fn place(mut self, column: &str) -> Self {
        self.place = Some(column.to_string());
        self
    }

    /// Colours points by this column's values (the ten commonest get their own colour).
    pub fn color_by(mut self, column: &str) -> Self {
        self.color_by = Some(column.to_string());
        self
    }

    /// Columns whose values the tooltips list.
    pub fn hover<S: AsRef<str>>(mut self, columns: impl IntoIterator<Item = S>) -> Self {
        self.hover = columns
            .into_iter()
            .map(|c| c.as_ref().to_string())
            .collect();
        self
    }

    /// A title above the map.
    pub fn title(mut self, title: &str) -> Self {
        self.title = Some(title.to_string());
        self
    }

    /// Draws the map.
    pub fn build(self) -> Result<View, ViewError> {
        let (points, mut notes, unit) = match &self.source {
            Source::Frame(df) => {
                let (points, notes) = self.frame_points(df)?;
                (points, notes, "row")
            }
            Source::Points(points) => (
                points.iter().cloned().enumerate().collect(),
                Vec::new(),
                "point",
            ),
        };
        let mut valid = Vec::with_capacity(points.len());
        let mut invalid = Vec::new();
        for (row, point) in points {
            if on_earth(point.lat, point.lon) {
                valid.push(point);
            } else {
                invalid.push(format!("{unit} {row} ({}, {})", point.lat, point.lon));
            }
        }
        if !invalid.is_empty() {
            let shown = invalid.len().min(5);
            notes.push(format!(
                "{} with coordinates not on Earth left off: {}{}",
                count_of(invalid.len(), unit),
                invalid[..shown].join(", "),
                if invalid.len() > shown { ", …" } else { "" }
            ));
        }
        Ok(render(
            &valid,
            self.title.as_deref(),
            self.color_by.as_deref(),
            &notes,
        ))
    }

    /// The frame's rows with coordinates as (row number, point), and notes on the rest.
    #[allow(clippy::type_complexity)]
    fn frame_points(
        &self,
        df: &DataFrame,
    ) -> Result<(Vec<(usize, MapPoint)>, Vec<String>), ViewError> {
        let mut notes = Vec::new();
        let rows = df.height();
        let (coords, geo_places) = self.coordinates(df)?;
        let ips = match &self.ip {
            Some(name) => Some(frame::texts(df, name)?),
            None => match frame::first_present(df, &IP_COLUMNS) {
                Ok(name) => Some(frame::texts(df, name)?),
                Err(_) => None,
            },
        };
        let places = match (&self.place, geo_places) {
            (Some(name), _) => Some(frame::texts(df, name)?),
            (None, Some(places)) => Some(places),
            (None, None) => match frame::first_present(df, &PLACE_COLUMNS) {
                Ok(name) => Some(frame::texts(df, name)?),
                Err(_) => None,
            },
        };
        let categories = match &self.color_by {
            Some(name) => Some(frame::texts(df, name)?),
            None => None,
        };
        let details = self
            .hover
            .iter()
            .map(|name| Ok((name.clone(), frame::texts(df, name)?)))
            .collect::<Result<Vec<_>, ViewError>>()?;
        let mut points = Vec::with_capacity(rows);
        let mut missing = 0;
        for (row, coord) in coords.into_iter().enumerate() {
            let Some((lat, lon)) = coord else {
                missing += 1;
                continue;
            };
            let cell = |values: &Option<Vec<Option<String>>>| {
                values
                    .as_ref()
                    .and_then(|v| v[row].clone())
                    .filter(|s| !s.is_empty())
            };
            let label = cell(&ips).unwrap_or_else(|| format!("row {row}"));
            let mut point = MapPoint::new(lat, lon, label);
            point.place = cell(&places);
            if categories.is_some() {
                point.category = Some(cell(&categories).unwrap_or_else(|| "(empty)".into()));
            }
            for (name, values) in &details {
                if let Some(value) = values[row].as_ref().filter(|v| !v.is_empty()) {
                    point.details.push((name.clone(), value.clone()));
                }
            }
            points.push((row, point));
        }
        if missing > 0 {
            notes.push(format!(
                "{} of {} without coordinates left off",
                count_of(missing, "row"),
                thousands(rows)
            ));
        }
        Ok((points, notes))
    }

    /// Each row's (lat, lon), and place names when they come from `LocationDetails`.
    /// Text that is not a number becomes NaN, so it is reported rather than dropped.
    #[allow(clippy::type_complexity)]
    fn coordinates(
        &self,
        df: &DataFrame,
    ) -> Result<(Vec<Option<(f64, f64)>>, Option<Vec<Option<String>>>), ViewError> {
        let columns = if self.location_details.is_some() {
            None
        } else if self.lat.is_some() || self.lon.is_some() {
            let lat = match &self.lat {
                Some(name) => name.as_str(),
                None => frame::first_present(df, &LAT_COLUMNS)?,
            };
            let lon = match &self.lon {
                Some(name) => name.as_str(),
                None => frame::first_present(df, &LON_COLUMNS)?,
            };
            Some((lat, lon))
        } else {
            match (
                frame::first_present(df, &LAT_COLUMNS),
                frame::first_present(df, &LON_COLUMNS),
            ) {
                (Ok(lat), Ok(lon)) => Some((lat, lon)),
                _ => None,
            }
        };
        if let Some((lat, lon)) = columns {
            let lats = degrees(df, lat)?;
            let lons = degrees(df, lon)?;
            let coords = lats
                .into_iter()
                .zip(lons)
                .map(|(lat, lon)| Some((lat?, lon?)))
                .collect();
            return Ok((coords, None));
        }
        let name = match &self.location_details {
            Some(name) => name.as_str(),
            None if df.column("LocationDetails").is_ok() => "LocationDetails",
            None => {
                return Err(ViewError::InvalidInput(format!(
                    "no coordinates: looked for a latitude column ('{}'), a longitude column \
                     ('{}') or a 'LocationDetails' JSON column; its columns are: {}",
                    LAT_COLUMNS.join("', '"),
                    LON_COLUMNS.join("', '"),
                    frame::column_names(df)
                )));
            }
        };
        let mut coords = Vec::with_capacity(df.height());
        let mut places = Vec::with_capacity(df.height());
        for text in frame::texts(df, name)? {
            let (coord, place) = text.as_deref().map(location_details).unwrap_or_default();
            coords.push(coord);
            places.push(place);
        }
        Ok((coords, Some(places)))
    }
}

/// A latitude or longitude column: numbers, or text holding numbers (from CSV).
fn degrees(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>, ViewError> {
    let col = frame::column(df, name)?;
    if col.dtype() == &DataType::String {
        return Ok(frame::texts(df, name)?
            .into_iter()
            .map(|text| {
                let text = text?;
                let text = text.trim();
                (!text.is_empty()).then(|| text.parse().unwrap_or(f64::NAN))
            })
            .collect());
    }
    frame::numbers(df, name)
}

/// Coordinates and place name from a SigninLogs `LocationDetails` value.
fn location_details(text: &str) -> (Option<(f64, f64)>, Option<String>) {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return (None, None);
    };
    let geo = &value["geoCoordinates"];
    let number = |v: &serde_json::Value| {
        v.as_f64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
    };
    let coord = match (number(&geo["latitude"]), number(&geo["longitude"])) {
        (Some(lat), Some(lon)) => Some((lat, lon)),
        _ => None,
    };
    let place = place_name(
        ["city", "state", "countryOrRegion"]
            .iter()
            .map(|key| value[key].as_str()),
    );
    (coord, place)
}

/// `Bristol, GB` from city, state and country, skipping empty parts and a state named
/// like its city.
fn place_name<'p>(parts: impl IntoIterator<Item = Option<&'p str>>) -> Option<String> {
    let mut kept: Vec<&str> = Vec::new();
    for part in parts.into_iter().flatten() {
        if !part.is_empty() && kept.last() != Some(&part) {
            kept.push(part);
        }
    }
    (!kept.is_empty()).then(|| kept.join(", "))
}

fn on_earth(lat: f64, lon: f64) -> bool {
    (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)
}

/// Counts of distinct values, in first-seen order.
#[derive(Default)]
struct Tally {
    values: Vec<(String, usize)>,
    index: HashMap<String, usize>,
}

impl Tally {
    fn add(&mut self, value: &str) {
        match self.index.get(value) {
            Some(&i) => self.values[i].1 += 1,
            None => {
                self.index.insert(value.to_string(), self.values.len());
                self.values.push((value.to_string(), 1));
            }
        }
    }

    /// `a (3), b, … 4 more`: the commonest values, with counts when above one.
    fn summary(&self) -> String {
        let mut values: Vec<&(String, usize)> = self.values.iter().collect();
        values.sort_by_key(|v| std::cmp::Reverse(v.1));
        let mut out = values
            .iter()
            .take(TIP_VALUES)
            .map(|(v, n)| {
                if *n > 1 {
                    format!("{v} ({n})")
                } else {
                    v.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        if values.len() > TIP_VALUES {
            let _ = write!(out, ", … {} more", values.len() - TIP_VALUES);
        }
        out
    }
}

/// The events at one place with one colour: one circle.
struct Group {
    lat: f64,
    lon: f64,
    category: Option<String>,
    count: usize,
    labels: Tally,
    place: Option<String>,
    details: Vec<(String, Tally)>,
}

impl Group {
    fn tooltip(&self) -> String {
        let mut tip = self.labels.summary();
        let coords = format!("{}, {}", html::num(self.lat), html::num(self.lon));
        let _ = match &self.place {
            Some(place) => write!(tip, "\n{place} ({coords})"),
            None => write!(tip, "\n{coords}"),
        };
        let _ = write!(tip, "\n{}", count_of(self.count, "event"));
        for (name, tally) in &self.details {
            let _ = write!(tip, "\n{name}: {}", tally.summary());
        }
        tip
    }
}

/// Groups points by place (to about a kilometre) and category, biggest first.
fn group(points: &[MapPoint]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<(i64, i64, Option<&str>), usize> = HashMap::new();
    for point in points {
        let key = (
            (point.lat * 100.0).round() as i64,
            (point.lon * 100.0).round() as i64,
            point.category.as_deref(),
        );
        let i = *index.entry(key).or_insert_with(|| {
            groups.push(Group {
                lat: point.lat,
                lon: point.lon,
                category: point.category.clone(),
                count: 0,
                labels: Tally::default(),
                place: None,
                details: Vec::new(),
            });
            groups.len() - 1
        });
        let group = &mut groups[i];
        group.count += 1;
        group.labels.add(&point.label);
        if group.place.is_none() {
            group.place.clone_from(&point.place);
        }
        for (name, value) in &point.details {
            match group.details.iter_mut().find(|(n, _)| n == name) {
                Some((_, tally)) => tally.add(value),
                None => {
                    let mut tally = Tally::default();
                    tally.add(value);
                    group.details.push((name.clone(), tally));
                }
            }
        }
    }
    // Big circles first, so that small ones are drawn on top and stay hoverable.
    groups.sort_by_key(|g| std::cmp::Reverse(g.count));
    groups
}

/// Legend entries (value, count, colour) and each category's colour.
type Legend = (
    Vec<(String, usize, &'static str)>,
    HashMap<String, &'static str>,
);

/// Category → colour: the commonest get the palette, the rest share grey as "other".
fn legend(points: &[MapPoint]) -> Legend {
    let mut tally = Tally::default();
    for point in points {
        if let Some(category) = &point.category {
            tally.add(category);
        }
    }
    let mut values = tally.values;
    values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let own = if values.len() > MAX_COLOURS {
        MAX_COLOURS - 1
    } else {
        values.len()
    };
    let mut entries = Vec::new();
    let mut colours = HashMap::new();
    let mut other = 0;
    for (i, (value, count)) in values.into_iter().enumerate() {
        let colour = if i < own {
            html::colour(i)
        } else {
            OTHER_COLOUR
        };
        if i < own {
            entries.push((value.clone(), count, colour));
        } else {
            other += count;
        }
        colours.insert(value, colour);
    }
    if other > 0 {
        entries.push(("other".to_string(), other, OTHER_COLOUR));
    }
    (entries, colours)
}

/// The outlines as `<path>`s, built once: every map shares them.
fn countries() -> &'static str {
    static SVG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SVG.get_or_init(|| {
        let mut out = String::with_capacity(WORLD.len() + 8192);
        for line in WORLD.lines().filter(|l| !l.starts_with('#')) {
            if let Some((name, path)) = line.split_once('\t') {
                let _ = write!(
                    out,
                    "<path d=\"{}\"><title>{}</title></path>",
                    html::esc(path),
                    html::esc(name)
                );
            }
        }
        out
    })
}

fn render(
    points: &[MapPoint],
    title: Option<&str>,
    color_by: Option<&str>,
    notes: &[String],
) -> View {
    let groups = group(points);
    let (entries, colours) = legend(points);
    // Crop to the inhabited latitudes, widened for any point outside them.
    let north = points
        .iter()
        .map(|p| p.lat + 4.0)
        .fold(84.0, f64::max)
        .min(90.0);
    let south = points
        .iter()
        .map(|p| p.lat - 4.0)
        .fold(-57.0, f64::min)
        .max(-90.0);
    let view_box = [
        0.0,
        (90.0 - north) * UNITS,
        360.0 * UNITS,
        (north - south) * UNITS,
    ];
    let max_count = groups.first().map_or(1, |g| g.count) as f64;

    let mut inner = String::new();
    if let Some(title) = title {
        let _ = write!(inner, "<div class=\"hv-title\">{}</div>", html::esc(title));
    }
    let summary = format!(
        "{} at {}",
        count_of(points.len(), "event"),
        count_of(groups.len(), "place")
    );
    let _ = write!(inner, "<div class=\"hv-note\">{}", html::esc(&summary));
    if let Some(column) = color_by {
        let _ = write!(inner, "; colour: {}", html::esc(column));
    }
    inner.push_str("</div>");
    for note in notes {
        let _ = write!(
            inner,
            "<div class=\"hv-note hv-map-skipped\">{}</div>",
            html::esc(note)
        );
    }
    if !entries.is_empty() {
        inner.push_str("<div class=\"hv-map-legend\">");
        for (value, count, colour) in &entries {
            let _ = write!(
                inner,
                "<span class=\"hv-badge\"><svg width=\"10\" height=\"10\"><circle cx=\"5\" cy=\"5\" \
                 r=\"5\" fill=\"{colour}\"/></svg> {} ({})</span>",
                html::esc(value),
                thousands(*count)
            );
        }
        inner.push_str("</div>");
    }
    let _ = write!(
        inner,
        "<svg class=\"hv-map\" viewBox=\"{}\" width=\"100%\" style=\"max-width:1000px;display:block\" \
         preserveAspectRatio=\"xMidYMid meet\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" \
         fill=\"#eef3f8\"/><g class=\"hv-land\" fill=\"#d5d9de\" stroke=\"#ffffff\" stroke-width=\"0.6\">",
        view_box.map(html::num).join(" "),
        html::num(view_box[0]),
        html::num(view_box[1]),
        html::num(view_box[2]),
        html::num(view_box[3]),
    );
    inner.push_str(countries());
    inner.push_str("</g>");
    inner.push_str(&points_svg(&groups, &colours, max_count));
    inner.push_str("</svg>");
    inner.push_str(&html::json_data(
        &serde_json::json!({ "viewBox": view_box }),
    ));
    let html = html::view_root(KIND, &inner, Some(MAP_JS));
    View::new(KIND, html, plain(points.len(), &groups, color_by, notes))
}

/// The circles, one per group, with their tooltips as `<title>` (shown natively when no
/// script runs; the script moves them into its own tooltip).
fn points_svg(groups: &[Group], colours: &HashMap<String, &'static str>, max_count: f64) -> String {
    let mut out = String::from(
        "<g class=\"hv-points\" stroke=\"#ffffff\" stroke-width=\"1\" fill-opacity=\"0.8\">",
    );
    for group in groups {
        let colour = group
            .category
            .as_ref()
            .and_then(|c| colours.get(c).copied())
            .unwrap_or(html::PALETTE[0]);
        // Area grows with the count; the smallest stays big enough to hover.
        let r = 7.0 + 21.0 * (group.count as f64 / max_count).sqrt();
        let _ = write!(
            out,
            "<circle class=\"hv-pt\" cx=\"{}\" cy=\"{}\" r=\"{}\" data-r=\"{}\" fill=\"{colour}\"><title>{}</title></circle>",
            html::num((group.lon + 180.0) * UNITS),
            html::num((90.0 - group.lat) * UNITS),
            html::num(r),
            html::num(r),
            html::esc(&group.tooltip())
        );
    }
    out.push_str("</g>");
    out
}

fn plain(events: usize, groups: &[Group], color_by: Option<&str>, notes: &[String]) -> String {
    let mut out = format!(
        "IP map: {} at {}",
        count_of(events, "event"),
        count_of(groups.len(), "place")
    );
    if let Some(column) = color_by {
        let _ = write!(out, " (colour: {column})");
    }
    for group in groups.iter().take(10) {
        let _ = write!(
            out,
            "\n  {:>6}  {}  {}",
            thousands(group.count),
            group.place.clone().unwrap_or_else(|| format!(
                "{}, {}",
                html::num(group.lat),
                html::num(group.lon)
            )),
            group.labels.summary()
        );
        if let Some(category) = &group.category {
            let _ = write!(out, "  [{category}]");
        }
    }
    if groups.len() > 10 {
        let _ = write!(out, "\n  … {} more", count_of(groups.len() - 10, "place"));
    }
    for note in notes {
        let _ = write!(out, "\n{note}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The view's HTML without the outlines, the shared CSS and the script.
    fn points_part(view: &View) -> String {
        let html = view.html();
        let start = html.find("</style>").unwrap() + "</style>".len();
        let land_start = html.find("<g class=\"hv-land\"").unwrap();
        let land_end = html[land_start..].find("</g>").unwrap() + land_start + 4;
        let script = html.rfind("<script>").unwrap();
        format!(
            "{}<!-- outlines -->{}",
            &html[start..land_start],
            &html[land_end..script]
        )
        .replace("><", ">\n<")
    }

    fn sample() -> DataFrame {
        df!(
            "IPAddress" => ["82.163.74.10", "82.163.74.10", "64.112.201.18", "185.220.101.4", "10.0.0.1"],
            "Latitude" => [Some(51.5072), Some(51.5072), Some(42.3601), Some(44.4268), None],
            "Longitude" => [Some(-0.1276), Some(-0.1276), Some(-71.0589), Some(26.1025), None],
            "City" => ["London", "London", "Boston", "Bucharest <RO>", ""],
            "Result" => ["ok", "ok", "ok", "fail", "ok"],
            "User" => ["ann", "bob", "cy", "ann", "dee"]
        )
        .unwrap()
    }

    #[test]
    fn frame_points_snapshot() {
        let view = IpMap::from_frame(&sample())
            .color_by("Result")
            .hover(["User"])
            .title("Sign-ins")
            .build()
            .unwrap();
        assert_eq!(view.kind(), "ip-map");
        insta::assert_snapshot!(points_part(&view));
        insta::assert_snapshot!("frame_points_plain", view.plain());
    }

    #[test]
    fn draws_every_country_once() {
        let view = IpMap::from_points(Vec::new()).build().unwrap();
        let paths = view.html().matches("<path d=").count();
        assert!(paths > 170, "{paths}");
        assert!(view.html().contains("<title>United Kingdom</title>"));
        assert!(view.html().len() < 80_000, "{}", view.html().len());
    }

    #[test]
    fn reads_location_details_json() {
        let df = df!(
            "IPAddress" => ["1.2.3.4", "5.6.7.8", "9.9.9.9"],
            "LocationDetails" => [
                r#"{"city":"Madrid","countryOrRegion":"ES","geoCoordinates":{"latitude":40.4168,"longitude":-3.7038},"state":"Madrid"}"#,
                r#"{"city":"","geoCoordinates":{}}"#,
                "",
            ]
        )
        .unwrap();
        let view = IpMap::from_frame(&df).build().unwrap();
        assert!(
            view.plain().starts_with("IP map: 1 event at 1 place"),
            "{}",
            view.plain()
        );
        assert!(view.plain().contains("Madrid, ES"), "{}", view.plain());
        assert!(
            view.plain()
                .contains("2 rows of 3 without coordinates left off")
        );
    }

    #[test]
    fn invalid_coordinates_are_reported_not_drawn() {
        let df = df!(
            "lat" => ["51.5", "95", "abc"],
            "lon" => ["0", "0", "1"]
        )
        .unwrap();
        let view = IpMap::from_frame(&df).build().unwrap();
        assert_eq!(view.html().matches("class=\"hv-pt\"").count(), 1);
        assert!(
            view.plain().contains(
                "2 rows with coordinates not on Earth left off: row 1 (95, 0), row 2 (NaN, 1)"
            ),
            "{}",
            view.plain()
        );
    }

    #[test]
    fn missing_coordinates_name_what_was_looked_for() {
        let df = df!("IPAddress" => ["1.2.3.4"]).unwrap();
        let error = IpMap::from_frame(&df).build().unwrap_err().to_string();
        assert!(error.contains("'Latitude'"), "{error}");
        assert!(error.contains("'LocationDetails'"), "{error}");
        assert!(error.ends_with("its columns are: IPAddress"), "{error}");
        let error = IpMap::from_frame(&sample())
            .color_by("Nope")
            .build()
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("no column 'Nope'"), "{error}");
    }

    #[test]
    fn points_api_groups_and_escapes() {
        let geo = entities::GeoLocation {
            city: Some("Boston".into()),
            country_code: Some("US".into()),
            latitude: serde_json::Number::from_f64(42.36),
            longitude: serde_json::Number::from_f64(-71.06),
            ..Default::default()
        };
        let points = vec![
            MapPoint::from_geo(&geo, "64.112.201.18")
                .unwrap()
                .category("a"),
            MapPoint::from_geo(&geo, "64.112.201.19")
                .unwrap()
                .category("a"),
            MapPoint::new(-33.87, 151.21, "<script>")
                .category("b")
                .detail("k", "v&w"),
        ];
        let view = IpMap::from_points(points).build().unwrap();
        insta::assert_snapshot!(points_part(&view));
        assert!(!view.html().contains("<script>\n"));
        assert!(MapPoint::from_geo(&entities::GeoLocation::default(), "x").is_none());
    }

    #[test]
    fn many_categories_share_other() {
        let points =
            (0..15).map(|i| MapPoint::new(0.0, i as f64, "x").category(format!("c{i:02}")));
        let (entries, colours) = legend(&points.collect::<Vec<_>>());
        assert_eq!(entries.len(), 10);
        assert_eq!(entries[9], ("other".to_string(), 6, OTHER_COLOUR));
        assert_eq!(colours["c14"], OTHER_COLOUR);
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
