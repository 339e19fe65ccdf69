//! [`Driver`]: what a query provider sends rendered queries to.

use std::time::Duration;

use polars::prelude::DataFrame;

use crate::{DataError, Dialect};

/// One engine queries run on: the local KQL engine, or a remote service (Log
/// Analytics, Kusto, Defender, Graph, Splunk). A [`crate::QueryProvider`] owns one
/// driver, renders queries from the library in the driver's [`Dialect`] and hands the
/// text to [`run`](Driver::run).
///
/// A driver keeps whatever connection state it needs (tokens, a cluster URL, loaded
/// tables); secrets it holds never appear in its `Debug` output or in an error.
pub trait Driver: std::fmt::Debug + Send {
    /// The data environment, as msticpy names it (`LocalData`, `MSSentinel`, `Kusto`,
    /// `MDE`, `M365DGraph`, `Splunk`, ...): the library's queries for this environment
    /// are the ones it runs.
    fn environment(&self) -> &str;

    /// The environments whose library queries this driver runs: by default its own.
    /// (The local KQL engine also runs `MSSentinel` queries.)
    fn query_environments(&self) -> Vec<String> {
        vec![self.environment().to_owned()]
    }

    /// The language queries are rendered in for this driver.
    fn dialect(&self) -> Dialect;

    /// Whatever identifies the data source to a user (a folder, a workspace, a
    /// cluster/database): named in errors and listings. Never a secret.
    fn source(&self) -> String;

    /// Runs one rendered query and returns its result table.
    ///
    /// # Errors
    /// [`DataError`] naming the source and what went wrong (a query error with the
    /// server's message, a timeout, an authentication failure, an interrupt).
    fn run(&mut self, query: &str, options: &RunOptions) -> Result<DataFrame, DataError>;

    /// The tables the source has and their columns (name, type), where the driver can
    /// list them.
    ///
    /// # Errors
    /// [`DataError::Unsupported`] when the driver cannot list tables, or the error
    /// listing them gave.
    fn schema(&mut self) -> Result<Vec<TableSchema>, DataError> {
        Err(DataError::Unsupported(format!(
            "the {} driver cannot list its tables",
            self.environment()
        )))
    }

    /// Messages about the last [`run`](Driver::run) that did not stop it — a partial
    /// result (the service hit a limit or a workspace failed; the rows that came are
    /// returned) — taken, so each is shown once. Providers show them with the result.
    fn take_warnings(&mut self) -> Vec<String> {
        Vec::new()
    }
}

/// Per-query settings a provider passes to its driver.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Give up after this long (drivers that talk to a server also send it as the
    /// server-side timeout where the API has one). `None`: the driver's default.
    pub timeout: Option<Duration>,
    /// A short label for progress displays and errors, e.g. the query's name.
    pub label: String,
    /// The query's merged YAML metadata ([`crate::QueryDef::metadata`]), for drivers
    /// that route by it: Kusto reads `cluster`/`clusters` and `database`. Empty for a
    /// query given as text.
    pub query_metadata: serde_json::Map<String, serde_json::Value>,
}

/// A table a driver can query, with its columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSchema {
    /// The table's name.
    pub name: String,
    /// Column name and type name, in table order.
    pub columns: Vec<(String, String)>,
}
