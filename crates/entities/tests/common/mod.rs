//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use entities::{EntitySet, JsonShape, resolved_form};
use serde_json::Value;

/// The message printed when the shared corpus is absent.
pub const SKIPPED: &str = "skipped: ../shared/corpus not present (a fresh clone); the crate's own fixtures still cover this";

/// This crate's directory, read when the test runs: a test binary built in one checkout
/// may be run from another sharing the target directory, so `env!` would point elsewhere.
pub fn crate_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// `../shared/corpus` from the project root, or `None` (after saying the test is
/// skipped) when it is absent.
pub fn corpus_dir() -> Option<PathBuf> {
    let root = crate_dir().join("../../../shared/corpus");
    if root.is_dir() {
        Some(root)
    } else {
        eprintln!("{SKIPPED}");
        None
    }
}

/// A file under this crate's `tests/`.
pub fn fixture(rel: &str) -> PathBuf {
    crate_dir().join("tests").join(rel)
}

pub fn read_fixture(rel: &str) -> String {
    std::fs::read_to_string(fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Parses `text`, writes it back, and checks that nothing was lost:
/// - the written JSON resolves to the same entities as the input ([`resolved_form`]);
/// - reading the written JSON gives an equal set, and writing that again gives the
///   same JSON;
/// - the other shape (array / keyed by `$id`) describes the same entities too.
///
/// Returns the parsed set.
pub fn assert_round_trip(name: &str, text: &str) -> EntitySet {
    let input: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let set = EntitySet::from_sentinel_json(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let written = set
        .to_sentinel_value()
        .unwrap_or_else(|e| panic!("{name}: writing: {e}"));
    let expected = resolved_form(&input).unwrap_or_else(|e| panic!("{name}: {e}"));
    let actual = resolved_form(&written).unwrap_or_else(|e| panic!("{name}: {e}"));
    if let Some(difference) = first_difference(&actual, &expected, "$") {
        panic!(
            "{name}: written JSON differs from the input (resolved): {difference}\nwritten: {}",
            serde_json::to_string_pretty(&written).expect("JSON values print")
        );
    }

    let again = EntitySet::from_sentinel_value(&written)
        .unwrap_or_else(|e| panic!("{name}: re-reading the written JSON: {e}"));
    assert_eq!(again, set, "{name}: parse(write(parse(x))) != parse(x)");
    assert_eq!(
        again.to_sentinel_value().expect("writing again"),
        written,
        "{name}: writing is not stable"
    );

    for shape in [JsonShape::Array, JsonShape::ById] {
        let other = set
            .to_sentinel_value_as(shape)
            .unwrap_or_else(|e| panic!("{name}: writing as {shape:?}: {e}"));
        assert_eq!(
            resolved_form(&other).expect("written JSON resolves"),
            expected,
            "{name}: written as {shape:?}"
        );
        let reread = EntitySet::from_sentinel_value(&other)
            .unwrap_or_else(|e| panic!("{name}: reading {shape:?}: {e}"));
        assert_eq!(reread.len(), set.len(), "{name}: {shape:?} entity count");
    }
    set
}

/// Where two JSON values first differ, for readable failures.
pub fn first_difference(actual: &Value, expected: &Value, path: &str) -> Option<String> {
    match (actual, expected) {
        (Value::Object(a), Value::Object(b)) => {
            let only_in_b = b.keys().filter(|key| !a.contains_key(*key));
            for key in a.keys().chain(only_in_b) {
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => {
                        if let Some(d) = first_difference(x, y, &format!("{path}.{key}")) {
                            return Some(d);
                        }
                    }
                    (x, y) => return Some(format!("{path}.{key}: written {x:?}, input {y:?}")),
                }
            }
            None
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, &format!("{path}[{i}]"))),
        (x, y) if x == y => None,
        (x, y) => Some(format!("{path}: written {x}, input {y}")),
    }
}

/// Rows of a CSV file (RFC 4180 quoting) as column → string value; the unnamed
/// pandas index column is dropped.
pub fn read_csv_rows(path: &Path) -> Vec<entities::Row> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut records: Vec<Vec<String>> = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    let header = records.remove(0);
    records
        .into_iter()
        .map(|values| {
            header
                .iter()
                .zip(values)
                .filter(|(name, _)| !name.is_empty())
                .map(|(name, value)| (name.clone(), Value::String(value)))
                .collect()
        })
        .collect()
}
