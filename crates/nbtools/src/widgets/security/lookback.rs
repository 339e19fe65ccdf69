//! [`Lookback`]: "the last N hours" (msticpy's `nbwidgets.Lookback`).

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use data::TimeRange;
use serde_json::{Value, json};

use super::query_time::{now_minute, ordered_range, show_time};
use super::registry;
use super::{TimeUnit, composite_bundle, control_html, set_layout, wide_description};
use crate::widgets::{Container, Html, IntSlider};
use crate::{MimeBundle, Render, escape_html};

/// A slider picking how far to look back from an end time (default: now, to the
/// minute) in a fixed unit; `start()`/`end()` and [`time_range`](Self::time_range)
/// give the window.
///
/// ```
/// use nbtools::widgets::{Lookback, TimeUnit};
///
/// let lb = Lookback::new().with_units(TimeUnit::Day).with_value(3);
/// assert_eq!(lb.end() - lb.start(), nbtools::data::chrono::Duration::days(3));
/// let range: nbtools::data::TimeRange = lb.time_range();
/// # let _ = range;
/// ```
#[derive(Debug, Clone)]
pub struct Lookback {
    slider: IntSlider,
    range: Html,
    root: Container,
    unit: Arc<Mutex<TimeUnit>>,
    end: Arc<Mutex<DateTime<Utc>>>,
}

impl Default for Lookback {
    fn default() -> Self {
        Lookback::new()
    }
}

impl Lookback {
    /// Look back 6 hours (1 to 72) from now.
    pub fn new() -> Lookback {
        let unit = TimeUnit::Hour;
        let amount = unit.default_amount();
        let slider = IntSlider::new(amount, 1, unit.max_for(amount));
        wide_description(slider.widget());
        set_layout(slider.widget(), "width", "60%");
        let range = Html::new("");
        let root = Container::hbox(&[slider.widget(), range.widget()]);
        let lb = Lookback {
            slider,
            range,
            root,
            unit: Arc::new(Mutex::new(unit)),
            end: Arc::new(Mutex::new(now_minute())),
        };
        lb.relabel();
        let shown = lb.clone();
        lb.slider.widget().on_change(move |key: &str, _: &Value| {
            if key == "value" {
                shown.relabel();
            }
        });
        lb
    }

    fn relabel(&self) {
        let unit = self.units();
        self.slider.widget().set(
            "description",
            format!("Look back ({}s)", unit.name().to_lowercase()),
        );
        self.range.set_value(&format!(
            "{} to {} UTC",
            escape_html(&show_time(self.start())),
            escape_html(&show_time(self.end()))
        ));
    }

    /// How many units to look back.
    pub fn value(&self) -> i64 {
        self.slider.value().max(0)
    }

    /// The unit.
    pub fn units(&self) -> TimeUnit {
        self.unit.lock().map(|u| *u).unwrap_or(TimeUnit::Hour)
    }

    /// The end of the window.
    pub fn end(&self) -> DateTime<Utc> {
        self.end.lock().map(|e| *e).unwrap_or_else(|_| now_minute())
    }

    /// The start of the window: [`value`](Self::value) units before the end.
    pub fn start(&self) -> DateTime<Utc> {
        self.end() - self.units().times(self.value())
    }

    /// The window.
    pub fn time_range(&self) -> TimeRange {
        ordered_range(self.start(), self.end())
    }

    /// Sets how many units to look back (the slider grows to fit).
    pub fn set_value(&self, amount: i64) {
        let amount = amount.max(1);
        let max = self.units().max_for(amount);
        self.slider.widget().set_many(
            [
                ("max".to_owned(), json!(max)),
                ("value".to_owned(), json!(amount)),
            ]
            .into_iter()
            .collect(),
        );
        self.relabel();
    }

    /// Builder form of [`set_value`](Self::set_value).
    pub fn with_value(self, amount: i64) -> Self {
        self.set_value(amount);
        self
    }

    /// Looks back in `unit`s, from its default amount.
    pub fn with_units(self, unit: TimeUnit) -> Self {
        if let Ok(mut u) = self.unit.lock() {
            *u = unit;
        }
        self.set_value(unit.default_amount());
        self
    }

    /// Looks back from `end` instead of now.
    pub fn with_end(self, end: DateTime<Utc>) -> Self {
        if let Ok(mut e) = self.end.lock() {
            *e = end;
        }
        self.relabel();
        self
    }

    /// Names this widget so that a re-run of its cell keeps the chosen amount.
    pub fn key(self, key: &str) -> Self {
        let reader = self.clone();
        let saved = registry::claim(
            "Lookback",
            key,
            self.root.widget(),
            move || json!({"value": reader.value(), "units": reader.units().name()}),
        );
        if let Some(saved) = saved
            && saved["units"].as_str().and_then(TimeUnit::parse) == Some(self.units())
            && let Some(value) = saved["value"].as_i64()
        {
            self.set_value(value);
        }
        self
    }
}

impl From<&Lookback> for TimeRange {
    fn from(lb: &Lookback) -> TimeRange {
        lb.time_range()
    }
}

impl Render for Lookback {
    fn mime_bundle(&self) -> MimeBundle {
        let plain = format!(
            "Lookback: {} {}s, {} to {}",
            self.value(),
            self.units().name().to_lowercase(),
            show_time(self.start()),
            show_time(self.end())
        );
        let summary = format!(
            "Window (UTC): <b>{}</b> to <b>{}</b>",
            escape_html(&show_time(self.start())),
            escape_html(&show_time(self.end()))
        );
        composite_bundle(
            &self.root,
            "Look back",
            &control_html(&self.slider),
            &summary,
            plain,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::front_end_update;
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn the_window_follows_the_slider_and_survives_a_rerun() {
        let end = Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap();
        let lb = Lookback::new().with_end(end).key("lookback-test");
        assert_eq!(lb.start(), end - Duration::hours(6));
        front_end_update(lb.slider.widget(), json!({"value": 10}));
        assert_eq!(lb.time_range().start(), end - Duration::hours(10));
        assert!(lb.range.value().contains("2024-03-01 02:00:00"));
        let again = Lookback::new().with_end(end).key("lookback-test");
        assert_eq!(again.value(), 10);
        let days = Lookback::new().with_units(TimeUnit::Day).with_end(end);
        assert_eq!(days.start(), end - Duration::days(1));
        assert!(
            days.mime_bundle()
                .get("text/plain")
                .unwrap()
                .contains("1 days")
        );
    }
}
