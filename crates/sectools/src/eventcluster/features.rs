//! Feature functions and `add_process_features`.

use polars::prelude::*;

use crate::SectoolsError;
use crate::frame::{string_column, text_column};

/// Sum of the characters' code points, divided by `scale` and floored (msticpy's
/// `char_ord_score`). A `scale` of 0 is treated as 1.
pub fn char_ord_score(value: &str, scale: u32) -> i64 {
    let sum: i64 = value.chars().map(|c| i64::from(u32::from(c))).sum();
    sum.div_euclid(i64::from(scale.max(1)))
}

/// Number of `delimiter`-separated tokens; an empty string is one token, as in Python.
pub fn token_count(value: &str, delimiter: &str) -> usize {
    if delimiter.is_empty() {
        return 1;
    }
    value.split(delimiter).count()
}

/// msticpy's default delimiters: whitespace and `- \ / . , " ' | & : ; % $ ( )`.
pub fn is_delimiter(c: char) -> bool {
    // Python's `\s` for str patterns: Unicode whitespace (str.isspace), plus the
    // information separators it also counts.
    c.is_whitespace()
        || matches!(
            c,
            '-' | '\\'
                | '/'
                | '.'
                | ','
                | '"'
                | '\''
                | '|'
                | '&'
                | ':'
                | ';'
                | '%'
                | '$'
                | '('
                | ')'
        )
        || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Number of delimiter characters (msticpy's `delim_count`).
pub fn delim_count(value: &str) -> usize {
    value.chars().filter(|&c| is_delimiter(c)).count()
}

/// CRC32 of the delimiter characters in order, UTF-8 encoded (msticpy's `delim_hash`):
/// command lines with the same shape hash alike whatever their words.
pub fn delim_hash(value: &str) -> u32 {
    let mut crc = flate2::Crc::new();
    let mut buf = [0u8; 4];
    for c in value.chars().filter(|&c| is_delimiter(c)) {
        crc.update(c.encode_utf8(&mut buf).as_bytes());
    }
    crc.sum()
}

/// CRC32 of the UTF-8 text (msticpy's `crc32_hash`).
pub fn crc32_hash(value: &str) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(value.as_bytes());
    crc.sum()
}

fn log10_or_zero(x: f64) -> f64 {
    if x == 0.0 { 0.0 } else { x.log10() }
}

/// Adds msticpy's process features to a frame with `NewProcessName` and/or
/// `CommandLine` (empty or missing values count as empty strings) and `SubjectLogonId`:
/// `processName`, `pathScore`, `pathLogScore`, `pathHash` (from the path);
/// `commandlineLen`, `commandlineLogLen`, `commandlineTokensFull`, `commandlineScore`,
/// `commandlineTokensHash` (from the command line); `isSystemSession` (logon id `0x3e7`
/// or `-1`). The path separator is guessed as msticpy does (`/` if any of the first
/// ten paths has one) unless given. Existing feature columns are replaced.
pub fn add_process_features(
    events: &DataFrame,
    path_separator: Option<char>,
) -> Result<DataFrame, SectoolsError> {
    let mut out = events.clone();
    let has = |name: &str| events.column(name).is_ok();
    if !has("NewProcessName") && !has("CommandLine") {
        return Err(SectoolsError::InvalidInput(format!(
            "process features need a NewProcessName or CommandLine column; the frame has: {}",
            events
                .get_column_names()
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if has("NewProcessName") {
        let paths = string_column(events, "NewProcessName")?;
        let sep = path_separator.unwrap_or_else(|| {
            if paths.iter().take(10).flatten().any(|p| p.contains('/')) {
                '/'
            } else {
                '\\'
            }
        });
        let paths: Vec<&str> = paths.iter().map(Option::unwrap_or_default).collect();
        let scores: Vec<i64> = paths.iter().map(|p| char_ord_score(p, 1)).collect();
        out.with_column(Column::new(
            "processName".into(),
            paths
                .iter()
                .map(|p| p.rsplit(sep).next().unwrap_or(p))
                .collect::<Vec<_>>(),
        ))?;
        out.with_column(Column::new(
            "pathLogScore".into(),
            scores
                .iter()
                .map(|&s| log10_or_zero(s as f64))
                .collect::<Vec<_>>(),
        ))?;
        out.with_column(Column::new("pathScore".into(), scores))?;
        out.with_column(Column::new(
            "pathHash".into(),
            paths
                .iter()
                .map(|p| i64::from(crc32_hash(p)))
                .collect::<Vec<_>>(),
        ))?;
    }
    if has("CommandLine") {
        let lines = string_column(events, "CommandLine")?;
        let lines: Vec<&str> = lines.iter().map(Option::unwrap_or_default).collect();
        let lens: Vec<i64> = lines.iter().map(|l| l.chars().count() as i64).collect();
        out.with_column(Column::new(
            "commandlineLogLen".into(),
            lens.iter()
                .map(|&l| log10_or_zero(l as f64))
                .collect::<Vec<_>>(),
        ))?;
        out.with_column(Column::new("commandlineLen".into(), lens))?;
        out.with_column(Column::new(
            "commandlineTokensFull".into(),
            lines
                .iter()
                .map(|l| delim_count(l) as i64)
                .collect::<Vec<_>>(),
        ))?;
        out.with_column(Column::new(
            "commandlineScore".into(),
            lines
                .iter()
                .map(|l| char_ord_score(l, 1))
                .collect::<Vec<_>>(),
        ))?;
        out.with_column(Column::new(
            "commandlineTokensHash".into(),
            lines
                .iter()
                .map(|l| i64::from(delim_hash(l)))
                .collect::<Vec<_>>(),
        ))?;
    }
    if has("SubjectLogonId") {
        // Ids may have been read as numbers (-1): compared as text, as msticpy does.
        let logons = text_column(events, "SubjectLogonId")?;
        let system: Vec<bool> = logons
            .str()?
            .iter()
            .map(|l| matches!(l, Some("0x3e7" | "-1")))
            .collect();
        out.with_column(Column::new("isSystemSession".into(), system))?;
    }
    Ok(out)
}
