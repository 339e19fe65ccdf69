//! [`Tables`]: the named tables a KQL query runs over, as lazy polars frames.

use std::collections::BTreeMap;
use std::path::Path;

use polars::prelude::*;

use crate::table_file::TableFormat;
use crate::{DataError, read_table};

/// Named tables for the executor: table name → [`LazyFrame`]. Parquet files are scanned
/// lazily (so large inputs stream); CSV and JSON-lines files are read when loaded.
#[derive(Clone, Default)]
pub struct Tables {
    frames: BTreeMap<String, LazyFrame>,
}

impl Tables {
    /// No tables.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every `.csv`, `.parquet`/`.pq` and `.jsonl`/`.ndjson` file in `dir`, named by file
    /// stem (`SecurityEvent.parquet` → `SecurityEvent`). Other files are ignored; when two
    /// files share a stem, the Parquet one wins (it keeps column types).
    ///
    /// # Errors
    /// [`DataError::TableFile`] when the folder or a file cannot be read.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Self, DataError> {
        let dir = dir.as_ref();
        let table_error = |message: String| DataError::TableFile {
            path: dir.display().to_string(),
            message,
        };
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| table_error(e.to_string()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && TableFormat::from_path(p).is_ok())
            .collect();
        // Parquet last, so it replaces a CSV/JSON twin.
        paths.sort_by_key(|p| {
            (
                matches!(TableFormat::from_path(p), Ok(TableFormat::Parquet)),
                p.clone(),
            )
        });
        let mut tables = Self::new();
        for path in paths {
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            let file_error = |e: PolarsError| DataError::TableFile {
                path: path.display().to_string(),
                message: e.to_string(),
            };
            let frame = match TableFormat::from_path(&path)? {
                TableFormat::Parquet => PlRefPath::try_from_path(&path)
                    .and_then(|p| LazyFrame::scan_parquet(p, ScanArgsParquet::default()))
                    .map_err(file_error)?,
                // Scanned with date parsing, so ISO 8601 columns are datetimes KQL can compare.
                TableFormat::Csv => {
                    let mut lf = PlRefPath::try_from_path(&path)
                        .and_then(|p| {
                            LazyCsvReader::new(p)
                                .with_has_header(true)
                                .with_infer_schema_length(Some(10_000))
                                .with_try_parse_dates(true)
                                .finish()
                        })
                        .map_err(file_error)?;
                    let schema = lf.collect_schema().map_err(file_error)?;
                    lf.select(utc_columns(&schema))
                }
                TableFormat::JsonLines => read_table(&path, false)?.lazy(),
            };
            tables.insert(stem, frame);
        }
        Ok(tables)
    }

    /// Tables from in-memory frames, e.g. [`crate::sample::tables`].
    pub fn from_frames<N: Into<String>>(frames: impl IntoIterator<Item = (N, DataFrame)>) -> Self {
        let mut tables = Self::new();
        for (name, df) in frames {
            tables.insert(name, df.lazy());
        }
        tables
    }

    /// Adds or replaces a table.
    pub fn insert(&mut self, name: impl Into<String>, frame: LazyFrame) {
        self.frames.insert(name.into(), frame);
    }

    /// The table called `name`.
    pub fn get(&self, name: &str) -> Option<&LazyFrame> {
        self.frames.get(name)
    }

    /// The table names, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.frames.keys().map(String::as_str).collect()
    }
}

/// Every column, with datetimes without a zone taken as UTC (KQL datetimes are UTC).
fn utc_columns(schema: &Schema) -> Vec<Expr> {
    schema
        .iter()
        .map(|(name, dtype)| match dtype {
            DataType::Datetime(_, None) => col(name.clone()).dt().replace_time_zone(
                Some(TimeZone::UTC),
                lit("raise"),
                NonExistent::Raise,
            ),
            _ => col(name.clone()),
        })
        .collect()
}

impl std::fmt::Debug for Tables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tables")
            .field("names", &self.names())
            .finish()
    }
}
