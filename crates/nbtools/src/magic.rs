//! What the kernel's cell magics run: a cell whose first line is `%%kql`, `%%ioc`,
//! `%%b64` or `%%txt2df` becomes a call to one of these functions (the kernel writes
//! the Rust; the cell's text is passed as a raw string). They are plain functions, so
//! Rust cells can call them too.
//!
//! | magic | function | result |
//! |---|---|---|
//! | `%%kql [provider] [-> name]` | [`kql`] | the query's rows |
//! | `%%ioc [types] [-> name]` | [`ioc`] | IoCType, Observable, SourceIndex, Input, Original |
//! | `%%b64 [-> name]` | [`b64`] | the decoded items (the decoded text is shown first) |
//! | `%%txt2df [--sep S] [--no-headers] [-> name]` | [`txt2df`] | the pasted table |
//! | `%help`, `%%help` | [`help`] | this list |
//!
//! `%%kql` runs through the notebook's current [`QueryProvider`]: `LocalData` over
//! the sample lab dataset until a cell names another provider or calls
//! [`use_provider`].

use std::sync::Mutex;

use data::polars::prelude::*;
use data::{DataError, QueryProvider, canonical_environment};
use sectools::{B64Unpacker, IocExtractor, SectoolsError};

use crate::{MimeBundle, display};

/// The magics, their usage and what they do (for `%help` and completion).
pub const MAGICS: &[(&str, &str, &str)] = &[
    (
        "%%kql",
        "%%kql [provider] [-> name]",
        "runs the cell as a KQL query through the current query provider (LocalData, the sample lab, by default) and shows the rows; `-> name` keeps them as a DataFrame",
    ),
    (
        "%%ioc",
        "%%ioc [type,type...] [-> name]",
        "extracts IoCs (ipv4, ipv6, url, dns, email, md5_hash, sha1_hash, sha256_hash, windows_path, linux_path) from the pasted text",
    ),
    (
        "%%b64",
        "%%b64 [-> name]",
        "decodes base64 (recursively, with gzip/zip/tar members) in the pasted text",
    ),
    (
        "%%txt2df",
        "%%txt2df [--sep ,] [--no-headers] [-> name]",
        "turns pasted delimited text into a DataFrame (first line is the header unless --no-headers)",
    ),
    ("%help", "%help", "lists the magics"),
];

/// Why a magic failed.
#[derive(Debug, thiserror::Error)]
pub enum MagicError {
    /// The query or provider failed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// Extraction or decoding failed.
    #[error(transparent)]
    Sectools(#[from] SectoolsError),
    /// Building the result table failed.
    #[error("building the table failed: {0}")]
    Polars(#[from] PolarsError),
    /// The pasted text or the magic's arguments are unusable; says why.
    #[error("{0}")]
    Input(String),
}

impl MagicError {
    /// The error's kind as the notebook shows it.
    pub fn ename(&self) -> &'static str {
        match self {
            MagicError::Data(DataError::Kql(_)) => "KqlError",
            MagicError::Data(_) => "DataError",
            MagicError::Sectools(_) => "SectoolsError",
            MagicError::Polars(_) | MagicError::Input(_) => "MagicError",
        }
    }
}

/// Ends the cell with `error` as its error (what the kernel's magic cells do with a
/// failure, so the cell's status is an error and `stop_on_error` applies).
pub fn fail<T>(error: MagicError) -> T {
    crate::runtime::fail_cell(error.ename(), &error.to_string())
}

static PROVIDER: Mutex<Option<QueryProvider>> = Mutex::new(None);

/// Makes `provider` the one `%%kql` cells use.
pub fn use_provider(provider: QueryProvider) {
    let mut slot = PROVIDER.lock().unwrap_or_else(|p| p.into_inner());
    *slot = Some(provider);
}

/// Runs `f` on the current provider, creating `name`'s (or `LocalData`'s when
/// `name` is empty and there is none) first.
///
/// # Errors
/// [`DataError::Provider`] when the provider cannot be created.
pub fn with_provider<R>(
    name: &str,
    f: impl FnOnce(&mut QueryProvider) -> R,
) -> Result<R, DataError> {
    let mut slot = PROVIDER.lock().unwrap_or_else(|p| p.into_inner());
    let wanted = if name.is_empty() {
        None
    } else {
        Some(canonical_environment(name))
    };
    let keep = match (&*slot, &wanted) {
        (Some(current), Some(wanted)) => canonical_environment(current.environment()) == *wanted,
        (Some(_), None) => true,
        (None, _) => false,
    };
    if !keep {
        *slot = Some(QueryProvider::new(if name.is_empty() {
            "LocalData"
        } else {
            name
        })?);
    }
    match slot.as_mut() {
        Some(provider) => Ok(f(provider)),
        None => Err(DataError::Provider("no query provider".into())),
    }
}

/// `%%kql`: runs `query` through the provider `provider` (empty: the current one).
///
/// # Errors
/// The provider's errors; a KQL error shows the line and column in the cell.
pub fn kql(provider: &str, query: &str) -> Result<DataFrame, MagicError> {
    if query.trim().is_empty() {
        return Err(MagicError::Input(
            "%%kql: the cell has no query below the magic line".into(),
        ));
    }
    Ok(with_provider(provider, |qp| qp.exec(query))??)
}

/// `%%ioc`: the IoCs in `text`, one row per observable; `types` (comma-separated
/// names, empty for all) limits the kinds.
///
/// # Errors
/// [`MagicError::Sectools`] naming an unknown type.
pub fn ioc(text: &str, types: &str) -> Result<DataFrame, MagicError> {
    let extractor = if types.trim().is_empty() {
        IocExtractor::new()
    } else {
        IocExtractor::new().with_type_names(types)?
    };
    let lines = Column::new("Input".into(), text.lines().collect::<Vec<_>>());
    let frame = DataFrame::new_infer_height(vec![lines])?;
    Ok(extractor.extract_df(&frame, &["Input"])?)
}

/// `%%b64`: decodes base64 in `text`, shows the decoded text, and returns one row
/// per decoded item (file type, encoding, hashes, printable bytes).
///
/// # Errors
/// [`MagicError::Sectools`] if the table cannot be built.
pub fn b64(text: &str) -> Result<DataFrame, MagicError> {
    let unpacker = B64Unpacker::default();
    let result = unpacker.unpack(text);
    let mut shown = result.decoded_string.clone();
    for note in &result.notes {
        shown.push_str(&format!("\n[note] {note}"));
    }
    display(&MimeBundle::text(shown));
    let frame = DataFrame::new_infer_height(vec![Column::new("Input".into(), [text])])?;
    Ok(unpacker.unpack_df(&frame, "Input")?)
}

/// `%%txt2df`: a table from delimited text. Cells are trimmed; `"` quotes a cell
/// that holds the separator; columns of whole numbers become `i64`, of numbers `f64`,
/// of `true`/`false` booleans, the rest strings (empty cells are null).
///
/// # Errors
/// [`MagicError::Input`] for an empty cell, an empty separator, or a line with more
/// cells than the header (naming the line).
pub fn txt2df(text: &str, separator: &str, headers: bool) -> Result<DataFrame, MagicError> {
    let sep = match separator {
        "\\t" | "tab" => '\t',
        s if s.chars().count() == 1 => s.chars().next().unwrap_or(','),
        other => {
            return Err(MagicError::Input(format!(
                "%%txt2df: the separator must be one character (or \\t), not {other:?}"
            )));
        }
    };
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| (n + 1, split_line(l, sep)));
    let Some((_, first)) = lines.next() else {
        return Err(MagicError::Input(
            "%%txt2df: the cell has no text below the magic line".into(),
        ));
    };
    let (names, mut rows): (Vec<String>, Vec<Vec<String>>) = if headers {
        (first, Vec::new())
    } else {
        let names = (0..first.len()).map(|i| format!("column_{i}")).collect();
        (names, vec![first])
    };
    for (line, cells) in lines {
        if cells.len() > names.len() {
            return Err(MagicError::Input(format!(
                "%%txt2df: line {line} has {} cells but the table has {} columns; \
                 check the separator (--sep)",
                cells.len(),
                names.len()
            )));
        }
        rows.push(cells);
    }
    let mut seen = std::collections::BTreeSet::new();
    let columns = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut name = if name.is_empty() {
                format!("column_{i}")
            } else {
                name.clone()
            };
            while !seen.insert(name.clone()) {
                name.push('_');
            }
            typed_column(&name, rows.iter().map(|r| r.get(i).map(String::as_str)))
        })
        .collect::<Vec<_>>();
    Ok(DataFrame::new(rows.len(), columns)?)
}

fn split_line(line: &str, sep: char) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            '"' if quoted || cell.trim().is_empty() => quoted = !quoted,
            c if c == sep && !quoted => cells.push(std::mem::take(&mut cell).trim().to_owned()),
            c => cell.push(c),
        }
    }
    cells.push(cell.trim().to_owned());
    cells
}

fn typed_column<'a>(name: &str, cells: impl Iterator<Item = Option<&'a str>> + Clone) -> Column {
    let values = || cells.clone().map(|c| c.filter(|s| !s.is_empty()));
    if let Some(ints) = values()
        .map(|c| c.map(str::parse::<i64>).transpose())
        .collect::<Result<Vec<_>, _>>()
        .ok()
        .filter(|v| v.iter().any(Option::is_some))
    {
        return Column::new(name.into(), ints);
    }
    if let Some(floats) = values()
        .map(|c| c.map(str::parse::<f64>).transpose())
        .collect::<Result<Vec<_>, _>>()
        .ok()
        .filter(|v| v.iter().any(Option::is_some))
    {
        return Column::new(name.into(), floats);
    }
    if let Some(bools) = values()
        .map(|c| match c.map(str::to_ascii_lowercase).as_deref() {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(()),
        })
        .collect::<Result<Vec<_>, _>>()
        .ok()
        .filter(|v| v.iter().any(Option::is_some))
    {
        return Column::new(name.into(), bools);
    }
    Column::new(name.into(), values().collect::<Vec<Option<&str>>>())
}

/// `%help`: the magics and what they do.
pub fn help() -> MimeBundle {
    let mut text = String::from("huntrs cell magics (the first line of a cell):\n");
    let mut html = String::from("<table><tr><th>magic</th><th>what it does</th></tr>");
    for (_, usage, about) in MAGICS {
        text.push_str(&format!("  {usage}\n      {about}\n"));
        html.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td></tr>",
            crate::escape_html(usage),
            crate::escape_html(about)
        ));
    }
    html.push_str("</table>");
    MimeBundle::text(text).with_html(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txt2df_types_trims_and_quotes() {
        let df = txt2df(
            "host, logons, ratio, admin, note\nWS-1, 3, 0.5, true, \"a, b\"\nWS-2,, 1, false,\n",
            ",",
            true,
        )
        .unwrap();
        assert_eq!(df.shape(), (2, 5));
        assert_eq!(df.column("logons").unwrap().dtype(), &DataType::Int64);
        assert_eq!(df.column("ratio").unwrap().dtype(), &DataType::Float64);
        assert_eq!(df.column("admin").unwrap().dtype(), &DataType::Boolean);
        assert_eq!(
            df.column("note").unwrap().str().unwrap().get(0),
            Some("a, b")
        );
        assert_eq!(df.column("logons").unwrap().null_count(), 1);
    }

    #[test]
    fn txt2df_without_headers_and_bad_input() {
        let df = txt2df("a\tb\nc\td", "\\t", false).unwrap();
        assert_eq!(df.get_column_names(), ["column_0", "column_1"]);
        assert_eq!(df.height(), 2);
        let err = txt2df("a,b\n1,2,3", ",", true).unwrap_err().to_string();
        assert!(err.contains("line 2 has 3 cells"), "{err}");
        assert!(txt2df("  \n", ",", true).is_err());
        assert!(
            txt2df("a", "::", true)
                .unwrap_err()
                .to_string()
                .contains("one character")
        );
    }

    #[test]
    fn ioc_finds_and_filters() {
        let text = "beacon to hxxp://cdn[.]example[.]com/x from 10.1.2.3\nsecond line 8.8.8.8";
        let all = ioc(text, "").unwrap();
        assert!(all.height() >= 3, "{all}");
        let ips = ioc(text, "ipv4").unwrap();
        let observed: Vec<&str> = ips
            .column("Observable")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        assert_eq!(observed, ["10.1.2.3", "8.8.8.8"]);
        let rows = ips
            .column("SourceIndex")
            .unwrap()
            .cast(&DataType::UInt64)
            .unwrap();
        assert_eq!(rows.u64().unwrap().get(1), Some(1));
        assert!(ioc(text, "ipv5").unwrap_err().to_string().contains("ipv5"));
    }

    #[test]
    fn help_lists_every_magic() {
        let bundle = help();
        let text = bundle.get("text/plain").unwrap();
        for (name, _, _) in MAGICS {
            assert!(text.contains(name), "{name}");
        }
    }
}
