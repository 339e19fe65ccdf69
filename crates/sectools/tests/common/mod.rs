//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// This crate's directory, read when the test runs: a test binary built in one checkout
/// may be run from another sharing the target directory, so `env!` would point elsewhere.
pub fn crate_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// `../shared/corpus/<rel>` from the project root, or `None` with a message saying the
/// test is skipped because the shared corpus is absent (a fresh clone).
pub fn corpus_file(rel: &str) -> Option<PathBuf> {
    let root = crate_dir().join("../../../shared/corpus");
    let path = root.join(rel);
    if path.exists() {
        Some(path)
    } else {
        eprintln!(
            "SKIPPED: {} is absent (../shared/corpus is not part of a fresh clone)",
            path.display()
        );
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

/// A CSV file with every column read as text, as the corpus tests compare values as written.
pub fn read_csv_as_text(path: &Path) -> sectools::polars::prelude::DataFrame {
    use sectools::polars::prelude::*;
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|r| r.finish())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
