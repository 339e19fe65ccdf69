//! Reading schema columns whatever their type: ids as text, times as UTC nanoseconds.

use chrono::NaiveDate;
use polars::prelude::*;

use crate::SectoolsError;
use crate::frame::column;

pub(crate) use crate::frame::text_column;

/// The values of a [`text_column`], borrowed.
pub(crate) fn cells(column: &Column) -> Result<Vec<Option<&str>>, SectoolsError> {
    Ok(column.str()?.iter().collect())
}

/// A column of times as UTC nanoseconds since the epoch: datetime and date columns, or
/// text in ISO 8601 / `YYYY-MM-DD HH:MM:SS[.fffffffff][Z|±HH:MM]` form. Empty text is no
/// time; any other text that is not a time is an error naming the row and value.
pub(crate) fn time_values(df: &DataFrame, name: &str) -> Result<Vec<Option<i64>>, SectoolsError> {
    let col = column(df, name)?;
    match col.dtype() {
        DataType::Datetime(..) | DataType::Date => {
            let ns = col.cast(&DataType::Datetime(TimeUnit::Nanoseconds, None))?;
            Ok(ns.datetime()?.physical().iter().collect())
        }
        DataType::String => {
            // Logs hold many events per day: the date part is converted once per day.
            let mut day: Option<([u8; 10], i64)> = None;
            col.str()?
                .iter()
                .enumerate()
                .map(|(row, value)| match value.map(str::trim) {
                    None | Some("") => Ok(None),
                    Some(text) => parse_time_cached(text, &mut day).map(Some).ok_or_else(|| {
                        SectoolsError::InvalidInput(format!(
                            "column '{name}' row {row}: '{text}' is not a time \
                             (expected e.g. 2024-03-01 16:52:28.267 or 2024-03-01T16:52:28Z)"
                        ))
                    }),
                })
                .collect()
        }
        other => Err(SectoolsError::ColumnType {
            column: name.to_string(),
            actual: other.to_string(),
            expected: "datetime or text".to_string(),
        }),
    }
}

/// [`parse_time`], reusing the last date's conversion when the date part is the same,
/// for the common `YYYY-MM-DD HH:MM:SS.mmm` form.
fn parse_time_cached(text: &str, day: &mut Option<([u8; 10], i64)>) -> Option<i64> {
    let b = text.as_bytes();
    let simple = b.len() == 23 && b[10] == b' ' && b[13] == b':' && b[16] == b':' && b[19] == b'.';
    let Some(date) = b
        .get(..10)
        .and_then(|d| <[u8; 10]>::try_from(d).ok())
        .filter(|_| simple)
    else {
        return parse_time(text);
    };
    let midnight = match day {
        Some((d, ns)) if *d == date => *ns,
        _ => {
            let ns = parse_time(std::str::from_utf8(&date).ok()?)?;
            *day = Some((date, ns));
            ns
        }
    };
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        b[range].iter().try_fold(0i64, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
        })
    };
    let (h, m, s, ms) = (
        digits(11..13)?,
        digits(14..16)?,
        digits(17..19)?,
        digits(20..23)?,
    );
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    Some(midnight + ((h * 60 + m) * 60 + s) * 1_000_000_000 + ms * 1_000_000)
}

/// Parses `YYYY-MM-DD[ T]HH:MM[:SS[.f{1,9}]][Z|±HH[:]MM]` or a bare date, as UTC nanoseconds.
pub(crate) fn parse_time(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(range)?;
        digits.iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let (mut hour, mut minute, mut second, mut nanos) = (0, 0, 0, 0u32);
    let mut pos = 10;
    if b.len() > 10 {
        if !matches!(b[10], b' ' | b'T' | b't') || b.len() < 16 || b[13] != b':' {
            return None;
        }
        hour = num(11..13)?;
        minute = num(14..16)?;
        pos = 16;
        if b.get(16) == Some(&b':') {
            second = num(17..19)?;
            pos = 19;
            if matches!(b.get(19), Some(b'.' | b',')) {
                pos = 20;
                let mut scale = 100_000_000;
                while let Some(d) = b.get(pos).filter(|d| d.is_ascii_digit()) {
                    nanos += u32::from(d - b'0') * scale;
                    scale /= 10;
                    pos += 1;
                }
                if pos == 20 {
                    return None;
                }
            }
        }
    }
    let offset_secs: i64 = match &b[pos..] {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest {
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => {
                    let two = |x: u8, y: u8| -> Option<i64> {
                        (x.is_ascii_digit() && y.is_ascii_digit())
                            .then(|| i64::from(x - b'0') * 10 + i64::from(y - b'0'))
                    };
                    (two(*h1, *h2)?, two(*m1, *m2)?)
                }
                [h1, h2] if h1.is_ascii_digit() && h2.is_ascii_digit() => {
                    (i64::from(h1 - b'0') * 10 + i64::from(h2 - b'0'), 0)
                }
                _ => return None,
            };
            let secs = h * 3600 + m * 60;
            if *sign == b'+' { secs } else { -secs }
        }
        _ => return None,
    };
    let time = date.and_hms_nano_opt(hour, minute, second, nanos)?;
    let ns = time.and_utc().timestamp_nanos_opt()?;
    ns.checked_sub(offset_secs.checked_mul(1_000_000_000)?)
}

/// msticpy's key time, `YYYY-MM-DD HH:MM:SS.ffffff`, of a time already rounded to 10 µs.
/// Dates are written once per day: a tree's events span few days.
#[derive(Debug, Default)]
pub(crate) struct KeyTimes {
    day: Option<(i64, String)>,
}

impl KeyTimes {
    pub(crate) fn push(&mut self, out: &mut String, ns: i64) {
        let secs = ns.div_euclid(1_000_000_000);
        let micros = ns.rem_euclid(1_000_000_000) / 1_000;
        let (day, of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let date = match &self.day {
            Some((d, text)) if *d == day => text,
            _ => {
                let text = chrono::DateTime::from_timestamp(day * 86_400, 0)
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_else(|| "NaT".to_string());
                &self.day.insert((day, text)).1
            }
        };
        out.push_str(date);
        // ` HH:MM:SS.ffffff`, written into one buffer: this runs once per process.
        let mut t = *b" 00:00:00.000000";
        let mut put = |at: usize, width: usize, mut v: i64| {
            for slot in t[at..at + width].iter_mut().rev() {
                *slot = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(1, 2, of_day / 3600);
        put(4, 2, of_day / 60 % 60);
        put(7, 2, of_day % 60);
        put(10, 6, micros);
        out.push_str(std::str::from_utf8(&t).unwrap_or_default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_time(ns: i64) -> String {
        let mut s = String::new();
        KeyTimes::default().push(&mut s, crate::proctree::tree::round_10us(ns));
        s
    }

    #[test]
    fn parses_the_forms_seen_in_process_logs() {
        let base = parse_time("2021-06-23 03:08:14").unwrap();
        let cases = [
            ("2021-06-23 03:08:14.159814200+00:00", base + 159_814_200),
            ("2021-06-23T03:08:14.1598142Z", base + 159_814_200),
            ("2021-06-23T05:08:14+02:00", base),
            ("2021-06-23 03:08:14.000000 ", base),
            ("2021-06-23 03:08", base - 14_000_000_000),
            (
                "2021-06-23",
                base - (3 * 3600 + 8 * 60 + 14) * 1_000_000_000,
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse_time(text.trim()), Some(want), "{text}");
        }
        for bad in [
            "N/A",
            "2021-13-01",
            "2021-06-23 3:08:14",
            "2021-06-23 03:08:14.",
            "yesterday",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
        // The per-day shortcut agrees with the full parser, and rejects what it rejects.
        let mut day = None;
        for text in [
            "2024-03-01 16:52:28.267",
            "2024-03-01 23:59:59.999",
            "2024-03-02 00:00:00.001",
        ] {
            assert_eq!(
                parse_time_cached(text, &mut day),
                parse_time(text),
                "{text}"
            );
        }
        assert_eq!(parse_time_cached("2024-03-02 24:00:00.000", &mut day), None);
        assert_eq!(parse_time_cached("2024-02-30 10:00:00.000", &mut day), None);
    }

    #[test]
    fn key_time_rounds_to_ten_microseconds_half_even() {
        let base = parse_time("2021-06-23 03:08:14").unwrap();
        assert_eq!(key_time(base + 159_814_200), "2021-06-23 03:08:14.159810");
        assert_eq!(key_time(base + 159_815_000), "2021-06-23 03:08:14.159820");
        assert_eq!(key_time(base + 159_825_000), "2021-06-23 03:08:14.159820");
        assert_eq!(key_time(0), "1970-01-01 00:00:00.000000");
        let late = parse_time("2021-06-23 23:59:59.99999").unwrap();
        assert_eq!(key_time(late), "2021-06-23 23:59:59.999990");
        assert_eq!(key_time(late + 6_000), "2021-06-24 00:00:00.000000");
    }
}
