use chrono::{DateTime, Duration, SecondsFormat, Utc};

use crate::DataError;

/// A closed time window, the parameter every hunting query takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeRange {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl TimeRange {
    /// A window from `start` to `end`; an end before the start is an error.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<TimeRange, DataError> {
        if end < start {
            return Err(DataError::InvertedTimeRange {
                start: start.to_rfc3339(),
                end: end.to_rfc3339(),
            });
        }
        Ok(TimeRange { start, end })
    }

    /// The `span` before `end`.
    pub fn before(end: DateTime<Utc>, span: Duration) -> Result<TimeRange, DataError> {
        TimeRange::new(end - span, end)
    }

    /// The window's start.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// The window's end.
    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    /// A KQL `between` clause for the window.
    pub fn to_kql(&self) -> String {
        let fmt = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        format!(
            "between (datetime({}) .. datetime({}))",
            fmt(self.start),
            fmt(self.end)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn rejects_inverted_range() {
        let a = Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap();
        let b = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let err = TimeRange::new(a, b).unwrap_err();
        assert!(err.to_string().contains("swap"), "{err}");
        assert_eq!(TimeRange::new(b, a).unwrap().start(), b);
    }
}
