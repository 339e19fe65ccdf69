//! Feature functions and `add_process_features`.

use polars::prelude::*;

use crate::SectoolsError;
use crate::frame::{string_column, text_column};

/// Sum of the characters' code points, divided by `scale` and floored (msticpy's
/// `char_ord_score`). A `scale` of 0 is treated as 1.
pub fn char_ord_score(value: &str, scale: u32) -> i64 {
    ord_sum(value).div_euclid(i64::from(scale.max(1)))
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
    line_stats(value, &mut Vec::new()).delim_crc
}

/// CRC32 of the UTF-8 text (msticpy's `crc32_hash`).
pub fn crc32_hash(value: &str) -> u32 {
    crc32fast::hash(value.as_bytes())
}

/// What the features need from one string, in one pass: code-point sum, length in
/// characters, delimiter count and the CRC32 of the delimiters.
struct LineStats {
    ord_sum: i64,
    chars: i64,
    delims: i64,
    delim_crc: u32,
}

/// ASCII delimiters as a lookup table (the common case); others go through [`is_delimiter`].
const ASCII_DELIM: [bool; 128] = {
    let mut table = [false; 128];
    let delims = b"-\\/.,\"'|&:;%$() \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f";
    let mut i = 0;
    while i < delims.len() {
        table[delims[i] as usize] = true;
        i += 1;
    }
    table
};

/// Sum of the bytes and whether all are ASCII, in one pass the compiler vectorises.
fn byte_sum(bytes: &[u8]) -> (i64, bool) {
    let (mut sum, mut any_high) = (0u64, 0u8);
    for &b in bytes {
        sum += u64::from(b);
        any_high |= b;
    }
    (sum as i64, any_high < 0x80)
}

/// Sum of the characters' code points (a path's score).
fn ord_sum(value: &str) -> i64 {
    match byte_sum(value.as_bytes()) {
        (sum, true) => sum,
        _ => value.chars().map(|c| i64::from(u32::from(c))).sum(),
    }
}

fn line_stats(value: &str, scratch: &mut Vec<u8>) -> LineStats {
    let bytes = value.as_bytes();
    let (sum, ascii) = byte_sum(bytes);
    let (mut ord_sum, mut chars, mut delims) = (sum, bytes.len() as i64, 0i64);
    if ascii {
        // Branch-free: every byte is written, the length only grows past delimiters.
        scratch.clear();
        scratch.resize(bytes.len(), 0);
        let mut kept = 0;
        for &b in bytes {
            scratch[kept] = b;
            kept += usize::from(ASCII_DELIM[usize::from(b)]);
        }
        scratch.truncate(kept);
        delims = kept as i64;
    } else {
        scratch.clear();
        (ord_sum, chars) = (0, 0);
        let mut buf = [0u8; 4];
        for c in value.chars() {
            ord_sum += i64::from(u32::from(c));
            chars += 1;
            if is_delimiter(c) {
                delims += 1;
                scratch.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    LineStats {
        ord_sum,
        chars,
        delims,
        delim_crc: crc32fast::hash(scratch),
    }
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
        let scores: Vec<i64> = paths.iter().map(|p| ord_sum(p)).collect();
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
        let mut scratch = Vec::new();
        let stats: Vec<LineStats> = lines.iter().map(|l| line_stats(l, &mut scratch)).collect();
        let column = |name: &str, f: fn(&LineStats) -> i64| {
            Column::new(name.into(), stats.iter().map(f).collect::<Vec<i64>>())
        };
        out.with_column(Column::new(
            "commandlineLogLen".into(),
            stats
                .iter()
                .map(|s| log10_or_zero(s.chars as f64))
                .collect::<Vec<_>>(),
        ))?;
        out.with_column(column("commandlineLen", |s| s.chars))?;
        out.with_column(column("commandlineTokensFull", |s| s.delims))?;
        out.with_column(column("commandlineScore", |s| s.ord_sum))?;
        out.with_column(column("commandlineTokensHash", |s| i64::from(s.delim_crc)))?;
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
