//! Reading and writing the timestamps entities and alert rows carry.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

/// Parses an ISO 8601 / RFC 3339 timestamp (`2018-11-15T23:54:29.300019Z`, any number
/// of fraction digits, `T` or space, with or without an offset; none means UTC).
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    let naive = text.trim_end_matches(['Z', 'z']);
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f %z",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(naive, format).ok())
    .map(|time| time.and_utc())
}

/// `2022-01-06T12:01:34Z`: ISO 8601 in UTC, fraction digits only when needed.
pub fn format_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_sentinel_writes() {
        for (text, expected) in [
            ("2022-01-06T13:01:34Z", "2022-01-06T13:01:34Z"),
            (
                "2023-02-20T11:04:02.6371632Z",
                "2023-02-20T11:04:02.637163200Z",
            ),
            ("2023-02-20 05:58:58Z", "2023-02-20T05:58:58Z"),
            ("2018-11-15T23:54:29.300019", "2018-11-15T23:54:29.300019Z"),
            ("2018-11-15T23:54:29+02:00", "2018-11-15T21:54:29Z"),
        ] {
            let time = parse_time(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(format_time(time), expected, "{text}");
        }
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time(""), None);
    }
}
