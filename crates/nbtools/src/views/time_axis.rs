//! Time axes: evenly spaced, round tick times and their labels.

use chrono::{DateTime, Utc};

const SEC: i64 = 1_000;
const MIN: i64 = 60 * SEC;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

/// Tick steps, smallest first, in milliseconds.
const STEPS: [i64; 22] = [
    1,
    10,
    100,
    500,
    SEC,
    5 * SEC,
    15 * SEC,
    30 * SEC,
    MIN,
    5 * MIN,
    15 * MIN,
    30 * MIN,
    HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    DAY,
    2 * DAY,
    7 * DAY,
    14 * DAY,
    30 * DAY,
    365 * DAY,
];

/// Round tick times (UTC ms) inside `[start, end]`, at most `max_ticks` of them, each with
/// a label as precise as the step needs.
pub(crate) fn ticks(start: i64, end: i64, max_ticks: usize) -> Vec<(i64, String)> {
    let span = (end - start).max(1);
    let max_ticks = max_ticks.max(2) as i64;
    let step = STEPS
        .iter()
        .copied()
        .find(|step| span / step < max_ticks)
        .unwrap_or(span / max_ticks + 1);
    let first = start.div_euclid(step) * step + if start.rem_euclid(step) == 0 { 0 } else { step };
    (0..)
        .map(|i| first + i * step)
        .take_while(|t| *t <= end)
        .map(|t| (t, label(t, step)))
        .collect()
}

/// A time as text precise to `step`: dates for day steps, minutes for minute steps.
pub(crate) fn label(ms: i64, step: i64) -> String {
    let format = match step {
        s if s >= DAY => "%Y-%m-%d",
        s if s >= MIN => "%m-%d %H:%M",
        s if s >= SEC => "%H:%M:%S",
        _ => "%H:%M:%S%.3f",
    };
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format(format).to_string())
        .unwrap_or_default()
}

/// A time in full: `2024-03-01 16:52:28.267Z` (milliseconds left out when zero).
pub(crate) fn full(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| {
            if ms.rem_euclid(1000) == 0 {
                t.format("%Y-%m-%d %H:%M:%SZ").to_string()
            } else {
                t.format("%Y-%m-%d %H:%M:%S%.3fZ").to_string()
            }
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_inside_the_range() {
        let start = 1_709_251_201_000; // 2024-03-01 00:00:01
        let ticks = ticks(start, start + 2 * HOUR, 8);
        assert_eq!(ticks.first().unwrap().1, "03-01 00:30");
        assert!(ticks.len() <= 8 && ticks.len() >= 4, "{ticks:?}");
        assert!(ticks.iter().all(|(t, _)| t % (30 * MIN) == 0));
        let days = super::ticks(start, start + 20 * DAY, 6);
        assert!(days.iter().all(|(_, l)| l.len() == 10), "{days:?}");
        assert_eq!(super::ticks(5, 5, 6).len(), 1);
        assert_eq!(full(start), "2024-03-01 00:00:01Z");
        assert_eq!(full(start + 267), "2024-03-01 00:00:01.267Z");
    }
}
