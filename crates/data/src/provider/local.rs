//! [`LocalData`]: the driver that runs KQL over local files with the KQL-on-polars
//! engine.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use polars::prelude::DataFrame;

use super::driver::{Driver, RunOptions, TableSchema};
use crate::kql::{ExecOptions, Tables};
use crate::{DataError, Dialect};

/// Runs queries over a folder of CSV, Parquet and JSON-lines files (table = file
/// stem) or in-memory frames, with [`crate::kql`]. A query that is only a table name
/// returns the table.
#[derive(Clone)]
pub struct LocalData {
    tables: Tables,
    source: String,
    now: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for LocalData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalData")
            .field("source", &self.source)
            .field("tables", &self.tables.names())
            .finish()
    }
}

impl LocalData {
    /// The tables in `dir` (see [`Tables::from_dir`]).
    ///
    /// # Errors
    /// [`DataError::TableFile`] when the folder or a file cannot be read, or the folder
    /// holds no table file.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<LocalData, DataError> {
        let dir = dir.as_ref();
        let tables = Tables::from_dir(dir)?;
        if tables.names().is_empty() {
            return Err(DataError::TableFile {
                path: dir.display().to_string(),
                message: "no .csv, .parquet or .jsonl table files in this folder".into(),
            });
        }
        Ok(LocalData {
            tables,
            source: dir.display().to_string(),
            now: None,
        })
    }

    /// The sample lab dataset (generated once into the cache folder, see
    /// [`crate::sample::ensure_default`]).
    ///
    /// # Errors
    /// As [`crate::sample::ensure_default`] and [`LocalData::from_dir`].
    pub fn sample() -> Result<LocalData, DataError> {
        let dir: PathBuf = crate::sample::ensure_default()?;
        Self::from_dir(dir)
    }

    /// In-memory tables, named by the caller.
    pub fn from_tables(tables: Tables, source: impl Into<String>) -> LocalData {
        LocalData {
            tables,
            source: source.into(),
            now: None,
        }
    }

    /// Fixes the time `now()` and `ago()` count from, so results are reproducible.
    pub fn with_now(mut self, now: DateTime<Utc>) -> LocalData {
        self.now = Some(now);
        self
    }

    /// The tables queries run over.
    pub fn tables(&self) -> &Tables {
        &self.tables
    }
}

impl Driver for LocalData {
    fn environment(&self) -> &str {
        "LocalData"
    }

    fn query_environments(&self) -> Vec<String> {
        // Sentinel's KQL over the same table names runs here unchanged.
        vec!["LocalData".into(), "MSSentinel".into()]
    }

    fn dialect(&self) -> Dialect {
        Dialect::Kql
    }

    fn source(&self) -> String {
        self.source.clone()
    }

    fn run(&mut self, query: &str, _options: &RunOptions) -> Result<DataFrame, DataError> {
        sectools::check_interrupt()?;
        let options = ExecOptions { now: self.now };
        crate::kql::run(query, &self.tables, &options)
    }

    fn schema(&mut self) -> Result<Vec<TableSchema>, DataError> {
        let mut out = Vec::new();
        for name in self.tables.names() {
            let Some(frame) = self.tables.get(name) else {
                continue;
            };
            let schema = frame
                .clone()
                .collect_schema()
                .map_err(|e| DataError::Driver {
                    environment: "LocalData".into(),
                    source_name: self.source.clone(),
                    message: format!("table {name}: {e}"),
                })?;
            out.push(TableSchema {
                name: name.to_owned(),
                columns: schema
                    .iter()
                    .map(|(column, dtype)| (column.to_string(), dtype.to_string()))
                    .collect(),
            });
        }
        Ok(out)
    }
}
