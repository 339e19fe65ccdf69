//! [`QueryTime`]: an origin time with amounts before and after it, the time range of
//! a hunting query (msticpy's `nbwidgets.QueryTime`).

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, DurationRound, NaiveTime, Utc};
use data::TimeRange;
use serde_json::{Value, json};

use super::registry;
use super::{composite_bundle, control_html, set_layout, wide_description};
use crate::widgets::{Container, DatePicker, Dropdown, Html, IntSlider, Text};
use crate::{MimeBundle, Render, escape_html};

/// The unit of a query time's amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeUnit {
    /// Minutes.
    Minute,
    /// Hours.
    Hour,
    /// Days.
    Day,
    /// Weeks.
    Week,
}

impl TimeUnit {
    /// Every unit, smallest first (the order of the units list).
    pub const ALL: [TimeUnit; 4] = [
        TimeUnit::Minute,
        TimeUnit::Hour,
        TimeUnit::Day,
        TimeUnit::Week,
    ];

    /// One unit as a duration.
    pub fn duration(self) -> Duration {
        match self {
            TimeUnit::Minute => Duration::minutes(1),
            TimeUnit::Hour => Duration::hours(1),
            TimeUnit::Day => Duration::days(1),
            TimeUnit::Week => Duration::weeks(1),
        }
    }

    /// `Minute`, `Hour`, `Day` or `Week`.
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Minute => "Minute",
            TimeUnit::Hour => "Hour",
            TimeUnit::Day => "Day",
            TimeUnit::Week => "Week",
        }
    }

    /// A unit from its name or first letter, any case (`"h"`, `"days"`).
    pub fn parse(text: &str) -> Option<TimeUnit> {
        match text.trim().to_ascii_lowercase().chars().next()? {
            'm' => Some(TimeUnit::Minute),
            'h' => Some(TimeUnit::Hour),
            'd' => Some(TimeUnit::Day),
            'w' => Some(TimeUnit::Week),
            _ => None,
        }
    }

    /// msticpy's default amount before or after the origin for this unit.
    pub fn default_amount(self) -> i64 {
        match self {
            TimeUnit::Minute => 60,
            TimeUnit::Hour => 6,
            TimeUnit::Day | TimeUnit::Week => 1,
        }
    }

    /// The slider's end for this unit: msticpy's default, or four times `amount`.
    pub(super) fn max_for(self, amount: i64) -> i64 {
        let floor = match self {
            TimeUnit::Minute => 240,
            TimeUnit::Hour => 72,
            TimeUnit::Day => 28,
            TimeUnit::Week => 20,
        };
        floor.max(amount.saturating_abs().saturating_mul(4))
    }

    /// `amount` units (amounts beyond 100,000 units are cut there).
    pub(super) fn times(self, amount: i64) -> Duration {
        self.duration() * amount.clamp(0, 100_000) as i32
    }

    fn position(self) -> usize {
        TimeUnit::ALL.iter().position(|u| *u == self).unwrap_or(1)
    }
}

/// `2024-03-01 10:00:00`, the form the widgets show times in.
pub(super) fn show_time(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A range from two times, whichever comes first.
pub(super) fn ordered_range(a: DateTime<Utc>, b: DateTime<Utc>) -> TimeRange {
    match TimeRange::new(a.min(b), a.max(b)) {
        Ok(range) => range,
        Err(_) => unreachable!("the earlier time never follows the later"),
    }
}

/// Now, to the minute: a stable default origin.
pub(super) fn now_minute() -> DateTime<Utc> {
    let now = Utc::now();
    now.duration_trunc(Duration::minutes(1)).unwrap_or(now)
}

fn parse_time_of_day(text: &str) -> Option<NaiveTime> {
    let text = text.trim();
    ["%H:%M:%S%.f", "%H:%M:%S", "%H:%M"]
        .iter()
        .find_map(|f| NaiveTime::parse_from_str(text, f).ok())
}

/// Picks a query time range: an origin (date and time, UTC), an amount before and an
/// amount after it, and their unit. `start()`/`end()` read the controls as the user
/// left them; the box shows the resulting start and end.
///
/// Use it wherever a query wants a time range: [`QueryTime::time_range`] (or
/// `TimeRange::from(&qt)`) and [`QueryTime::query_params`] (`start`/`end` for the
/// query library).
///
/// ```
/// use nbtools::data::chrono::{TimeZone, Utc};
/// use nbtools::data::TimeRange;
/// use nbtools::widgets::{QueryTime, TimeUnit};
///
/// let origin = Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap();
/// let qt = QueryTime::new()
///     .with_origin(origin)
///     .with_units(TimeUnit::Hour)
///     .with_before(6)
///     .with_after(1)
///     .key("investigation");
/// assert_eq!(qt.start(), Utc.with_ymd_and_hms(2024, 3, 1, 6, 0, 0).unwrap());
/// assert_eq!(qt.end(), Utc.with_ymd_and_hms(2024, 3, 1, 13, 0, 0).unwrap());
/// let range = TimeRange::from(&qt);
/// assert!(range.to_kql().starts_with("between (datetime(2024-03-01T06:00:00Z)"));
/// // `qt` as a cell's last value shows the controls.
/// ```
#[derive(Debug, Clone)]
pub struct QueryTime {
    header: Html,
    date: DatePicker,
    time: Text,
    before: IntSlider,
    after: IntSlider,
    units: Dropdown,
    range: Html,
    root: Container,
    /// The last origin read successfully: stands in for an unreadable time text.
    origin: Arc<Mutex<DateTime<Utc>>>,
}

impl Default for QueryTime {
    fn default() -> Self {
        QueryTime::new()
    }
}

impl QueryTime {
    /// Origin now (to the minute), 6 hours before and after.
    pub fn new() -> QueryTime {
        let origin = now_minute();
        let unit = TimeUnit::Hour;
        let amount = unit.default_amount();
        let header = Html::new("<h4>Set query time boundaries</h4>");
        let date = DatePicker::new(Some(origin.date_naive())).with_description("Origin date");
        let time =
            Text::new(&origin.format("%H:%M:%S").to_string()).with_description("Time (24h, UTC)");
        let before = IntSlider::new(amount, 0, unit.max_for(amount)).with_description("Before");
        let after = IntSlider::new(amount, 0, unit.max_for(amount)).with_description("After");
        let names: Vec<&str> = TimeUnit::ALL.iter().map(|u| u.name()).collect();
        let units = Dropdown::new(&names).with_description("Units");
        units.set_index(Some(unit.position()));
        let range = Html::new("");
        for w in [time.widget(), before.widget(), after.widget()] {
            wide_description(w);
        }
        set_layout(before.widget(), "width", "45%");
        set_layout(after.widget(), "width", "45%");
        let origin_row = Container::hbox(&[date.widget(), time.widget()]);
        let amounts = Container::hbox(&[before.widget(), after.widget(), units.widget()]);
        let root = Container::vbox(&[
            header.widget(),
            origin_row.widget(),
            amounts.widget(),
            range.widget(),
        ]);
        let qt = QueryTime {
            header,
            date,
            time,
            before,
            after,
            units,
            range,
            root,
            origin: Arc::new(Mutex::new(origin)),
        };
        qt.show_range();
        qt.listen();
        qt
    }

    /// Callbacks that keep the shown start and end up to date, and reset the amounts
    /// when the unit changes (as msticpy does: 6 minutes and 6 weeks are different).
    fn listen(&self) {
        let on_any = {
            let qt = self.clone();
            move |key: &str, _: &Value| {
                if key == "value" {
                    qt.show_range();
                }
            }
        };
        for w in [
            self.date.widget(),
            self.before.widget(),
            self.after.widget(),
        ] {
            w.on_change(on_any.clone());
        }
        let qt = self.clone();
        self.time.widget().on_change(move |key, _| {
            if key == "value" {
                // An unreadable time goes back to the last good one.
                if qt.parsed_origin().is_none() {
                    let good = qt.last_origin();
                    qt.time.set_value(&good.format("%H:%M:%S").to_string());
                }
                qt.show_range();
            }
        });
        let qt = self.clone();
        self.units.on_change(move |_| {
            let unit = qt.units();
            qt.reset_amounts(unit, unit.default_amount(), unit.default_amount());
        });
    }

    fn last_origin(&self) -> DateTime<Utc> {
        self.origin
            .lock()
            .map(|o| *o)
            .unwrap_or_else(|_| now_minute())
    }

    fn parsed_origin(&self) -> Option<DateTime<Utc>> {
        let date = self.date.value()?;
        let time = parse_time_of_day(&self.time.value())?;
        Some(date.and_time(time).and_utc())
    }

    fn reset_amounts(&self, unit: TimeUnit, before: i64, after: i64) {
        let (before, after) = (before.max(0), after.max(0));
        self.before.widget().set_many(
            [
                ("max".to_owned(), json!(unit.max_for(before))),
                ("value".to_owned(), json!(before)),
            ]
            .into_iter()
            .collect(),
        );
        self.after.widget().set_many(
            [
                ("max".to_owned(), json!(unit.max_for(after))),
                ("value".to_owned(), json!(after)),
            ]
            .into_iter()
            .collect(),
        );
        self.show_range();
    }

    fn show_range(&self) {
        let (start, end) = (self.start(), self.end());
        self.range.set_value(&format!(
            "<b>Query start (UTC):</b> {} &nbsp; <b>end (UTC):</b> {}",
            escape_html(&show_time(start)),
            escape_html(&show_time(end))
        ));
    }

    /// The origin: the date and time controls (UTC). An unreadable time text gives
    /// the last origin that was readable.
    pub fn origin(&self) -> DateTime<Utc> {
        match self.parsed_origin() {
            Some(origin) => {
                if let Ok(mut last) = self.origin.lock() {
                    *last = origin;
                }
                origin
            }
            None => self.last_origin(),
        }
    }

    /// The amount before the origin, in [`units`](Self::units).
    pub fn before(&self) -> i64 {
        self.before.value().max(0)
    }

    /// The amount after the origin, in [`units`](Self::units).
    pub fn after(&self) -> i64 {
        self.after.value().max(0)
    }

    /// The unit of the amounts.
    pub fn units(&self) -> TimeUnit {
        self.units
            .index()
            .and_then(|i| TimeUnit::ALL.get(i).copied())
            .unwrap_or(TimeUnit::Hour)
    }

    /// The query's start: the origin minus the amount before.
    pub fn start(&self) -> DateTime<Utc> {
        self.origin() - self.units().times(self.before())
    }

    /// The query's end: the origin plus the amount after.
    pub fn end(&self) -> DateTime<Utc> {
        self.origin() + self.units().times(self.after())
    }

    /// The range from [`start`](Self::start) to [`end`](Self::end).
    pub fn time_range(&self) -> TimeRange {
        ordered_range(self.start(), self.end())
    }

    /// `start` and `end` as query parameters, for `QueryLibrary::render` and friends.
    pub fn query_params(&self) -> [(&'static str, DateTime<Utc>); 2] {
        let range = self.time_range();
        [("start", range.start()), ("end", range.end())]
    }

    /// Moves the origin (kept to the second).
    pub fn set_origin(&self, origin: DateTime<Utc>) {
        if let Ok(mut last) = self.origin.lock() {
            *last = origin;
        }
        self.date.set_value(Some(origin.date_naive()));
        self.time.set_value(&origin.format("%H:%M:%S").to_string());
        self.show_range();
    }

    /// Sets the amount before the origin (the slider grows to fit).
    pub fn set_before(&self, amount: i64) {
        let unit = self.units();
        self.reset_amounts(unit, amount, self.after());
    }

    /// Sets the amount after the origin (the slider grows to fit).
    pub fn set_after(&self, amount: i64) {
        let unit = self.units();
        self.reset_amounts(unit, self.before(), amount);
    }

    /// Changes the unit, keeping the amounts.
    pub fn set_units(&self, unit: TimeUnit) {
        let (before, after) = (self.before(), self.after());
        self.units.set_index(Some(unit.position()));
        self.reset_amounts(unit, before, after);
    }

    /// Builder form of [`set_origin`](Self::set_origin).
    pub fn with_origin(self, origin: DateTime<Utc>) -> Self {
        self.set_origin(origin);
        self
    }

    /// Builder form of [`set_before`](Self::set_before).
    pub fn with_before(self, amount: i64) -> Self {
        self.set_before(amount);
        self
    }

    /// Builder form of [`set_after`](Self::set_after).
    pub fn with_after(self, amount: i64) -> Self {
        self.set_after(amount);
        self
    }

    /// Builder form of [`set_units`](Self::set_units).
    pub fn with_units(self, unit: TimeUnit) -> Self {
        self.set_units(unit);
        self
    }

    /// The heading above the controls.
    pub fn with_description(self, text: &str) -> Self {
        self.header
            .set_value(&format!("<h4>{}</h4>", escape_html(text)));
        self
    }

    /// Shows `range`: origin at its end, nothing after, the amount before in the
    /// largest unit that divides it (rounded up to whole minutes).
    pub fn with_range(self, range: TimeRange) -> Self {
        let span = range.end() - range.start();
        let minutes = (span.num_seconds() + 59).div_euclid(60).max(0);
        let unit = [TimeUnit::Week, TimeUnit::Day, TimeUnit::Hour]
            .into_iter()
            .find(|u| minutes > 0 && minutes % u.duration().num_minutes() == 0)
            .unwrap_or(TimeUnit::Minute);
        let before = minutes / unit.duration().num_minutes();
        self.units.set_index(Some(unit.position()));
        self.set_origin(range.end());
        self.reset_amounts(unit, before, 0);
        self
    }

    /// Names this widget so that a re-run of its cell starts from its current values
    /// (and closes this one).
    pub fn key(self, key: &str) -> Self {
        let reader = self.clone();
        let saved = registry::claim("QueryTime", key, self.root.widget(), move || {
            json!({"origin": reader.origin().to_rfc3339(), "before": reader.before(),
                   "after": reader.after(), "units": reader.units().name()})
        });
        if let Some(saved) = saved {
            let unit = saved["units"]
                .as_str()
                .and_then(TimeUnit::parse)
                .unwrap_or(TimeUnit::Hour);
            if let Some(origin) = saved["origin"]
                .as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            {
                self.set_origin(origin.with_timezone(&Utc));
            }
            self.units.set_index(Some(unit.position()));
            self.reset_amounts(
                unit,
                saved["before"].as_i64().unwrap_or_default(),
                saved["after"].as_i64().unwrap_or_default(),
            );
        }
        self
    }

    /// The box holding the controls.
    pub fn container(&self) -> &Container {
        &self.root
    }
}

impl From<&QueryTime> for TimeRange {
    fn from(qt: &QueryTime) -> TimeRange {
        qt.time_range()
    }
}

impl Render for QueryTime {
    fn mime_bundle(&self) -> MimeBundle {
        let (start, end) = (self.start(), self.end());
        let body = [
            control_html(&self.date),
            control_html(&self.time),
            control_html(&self.before),
            control_html(&self.after),
            control_html(&self.units),
        ]
        .join(" ");
        let plain = format!(
            "QueryTime: {} to {} ({} {} before, {} after {})",
            show_time(start),
            show_time(end),
            self.before(),
            self.units().name(),
            self.after(),
            show_time(self.origin())
        );
        let summary = format!(
            "Query time (UTC): <b>{}</b> to <b>{}</b>",
            escape_html(&show_time(start)),
            escape_html(&show_time(end))
        );
        composite_bundle(&self.root, "Query time", &body, &summary, plain)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::front_end_update;
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 1, h, 0, 0).unwrap()
    }

    #[test]
    fn start_and_end_follow_the_controls() {
        let qt = QueryTime::new()
            .with_origin(at(12))
            .with_before(2)
            .with_after(1);
        assert_eq!((qt.start(), qt.end()), (at(10), at(13)));
        assert_eq!(qt.query_params()[0], ("start", at(10)));
        // The user moves "before" and picks another date and time.
        front_end_update(qt.before.widget(), json!({"value": 5}));
        assert_eq!(qt.start(), at(7));
        front_end_update(qt.time.widget(), json!({"value": "20:30"}));
        assert_eq!(
            qt.origin(),
            Utc.with_ymd_and_hms(2024, 3, 1, 20, 30, 0).unwrap()
        );
        assert!(
            qt.range.value().contains("2024-03-01 15:30:00"),
            "{}",
            qt.range.value()
        );
        // A bad time goes back to the last good one.
        front_end_update(qt.time.widget(), json!({"value": "25:99"}));
        assert_eq!(qt.time.value(), "20:30:00");
        front_end_update(
            qt.date.widget(),
            json!({"value": {"year": 2024, "month": 1, "date": 2}}),
        );
        assert_eq!(
            qt.origin(),
            Utc.with_ymd_and_hms(2024, 2, 2, 20, 30, 0).unwrap()
        );
    }

    #[test]
    fn changing_the_unit_resets_the_amounts() {
        let qt = QueryTime::new().with_origin(at(12)).with_before(30);
        assert_eq!(qt.before.widget().get("max"), json!(120), "grown to fit");
        front_end_update(qt.units.widget(), json!({"index": 2}));
        assert_eq!(qt.units(), TimeUnit::Day);
        assert_eq!((qt.before(), qt.after()), (1, 1));
        assert_eq!(
            qt.time_range().end() - qt.time_range().start(),
            Duration::days(2)
        );
        assert_eq!(qt.before.widget().get("max"), json!(28));
    }

    #[test]
    fn a_range_becomes_origin_and_amount() {
        let range = TimeRange::new(at(0), at(0) + Duration::days(3)).unwrap();
        let qt = QueryTime::new().with_range(range);
        assert_eq!(qt.units(), TimeUnit::Day);
        assert_eq!(qt.time_range(), range);
        let odd = TimeRange::new(at(0), at(0) + Duration::minutes(90)).unwrap();
        let qt = QueryTime::new().with_range(odd);
        assert_eq!((qt.units(), qt.before()), (TimeUnit::Minute, 90));
        assert_eq!(TimeRange::from(&qt), odd);
        assert_eq!(TimeUnit::parse("weeks"), Some(TimeUnit::Week));
        assert_eq!(TimeUnit::parse("x"), None);
    }

    #[test]
    fn a_keyed_widget_starts_from_the_previous_value_and_closes_it() {
        let first = QueryTime::new().with_origin(at(12)).key("query-time-test");
        front_end_update(first.before.widget(), json!({"value": 3}));
        let second = QueryTime::new().key("query-time-test");
        assert_eq!((second.origin(), second.before()), (at(12), 3));
        assert_eq!(second.start(), at(9));
        // The old models are closed: front-end events no longer reach them.
        front_end_update(first.before.widget(), json!({"value": 9}));
        assert_eq!(first.before(), 3);
    }

    #[test]
    fn static_form_says_what_is_selected() {
        let qt = QueryTime::new()
            .with_origin(at(12))
            .with_before(1)
            .with_after(0);
        let bundle = qt.mime_bundle();
        let plain = bundle.get("text/plain").unwrap();
        assert!(
            plain.contains("2024-03-01 11:00:00 to 2024-03-01 12:00:00"),
            "{plain}"
        );
        assert!(
            bundle
                .get("text/html")
                .unwrap()
                .contains("<b>2024-03-01 11:00:00</b>")
        );
        assert_eq!(
            bundle.data()[crate::widgets::VIEW_MIME]["model_id"],
            qt.container().widget().id()
        );
    }
}
