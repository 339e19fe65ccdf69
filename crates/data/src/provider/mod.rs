//! Query providers: a query library bound to a [`Driver`] that runs its queries.
//!
//! [`QueryProvider::new`] picks the driver by environment name (`LocalData` runs KQL
//! over local files; the remote names need settings); the library is huntrs's own
//! `queries/` plus any folders the user adds, filtered to the queries the driver's
//! environment runs. [`QueryProvider::query`] starts a [`QueryBuilder`]: parameters,
//! a time range, chunking, then [`run`](QueryBuilder::run).

mod builder;
mod builtin;
mod driver;
mod listing;
mod local;
mod registry;

use std::path::Path;
use std::time::Duration;

use polars::prelude::DataFrame;

pub use builder::QueryBuilder;
pub use builtin::builtin_library;
pub use driver::{Driver, RunOptions, TableSchema};
pub use listing::{ParamSummary, QueryList, QuerySummary};
pub use local::LocalData;
pub use registry::PROVIDER_NAMES;

use crate::query::canonical_environment;
use crate::{DataError, QueryDef, QueryLibrary, TimeRange};

fn sample_source() -> String {
    crate::sample::default_dir().display().to_string()
}

/// Runs library queries by name through a [`Driver`].
///
/// ```
/// use data::{LocalData, QueryProvider, kql::Tables, polars::prelude::*};
///
/// let logons = df!("TimeGenerated" => ["2026-11-01T10:00:00Z"], "EventID" => [4624],
///                  "Computer" => ["web01.larkmoor.example"])?;
/// let tables = Tables::from_frames([("SecurityEvent", logons)]);
/// let mut qp = QueryProvider::with_driver(Box::new(LocalData::from_tables(tables, "memory")))?;
/// let rows = qp
///     .query("WindowsSecurity.list_host_logons")
///     .param("host_name", "web01")
///     .time_range("2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z")
///     .run();
/// // The table lacks columns the query projects: the error names them.
/// assert!(rows.unwrap_err().to_string().contains("TargetUserName"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct QueryProvider {
    driver: Box<dyn Driver>,
    /// Every query loaded (built-in and user folders), before filtering.
    all_queries: QueryLibrary,
    /// The queries this driver runs.
    library: QueryLibrary,
    time_range: Option<TimeRange>,
    timeout: Option<Duration>,
    pivot_params: crate::pivot::PivotParams,
}

impl QueryProvider {
    /// A provider for a data environment: `LocalData` (the folder in
    /// `$HUNTRS_LOCAL_DATA` or msticpyconfig.yaml's `DataProviders.LocalData.Args.data_paths`,
    /// else the sample lab dataset) or a remote one ([`PROVIDER_NAMES`]), whose
    /// connection settings come from msticpyconfig.yaml and the environment. The
    /// folders in `QueryDefinitions` (`Default`, `Custom`) join the library.
    ///
    /// # Errors
    /// [`DataError::Provider`] for an unknown name (listing the valid ones, with a
    /// suggestion) or missing settings; the driver's own errors.
    pub fn new(name: &str) -> Result<QueryProvider, DataError> {
        let settings = sectools::Settings::load()?;
        let driver = registry::driver_for(name, &settings)?;
        let mut provider = Self::with_driver(driver)?;
        // msticpyconfig.yaml's QueryDefinitions: the user's own query folders.
        let definitions = settings.query_definitions();
        for folder in definitions.default.iter().chain(&definitions.custom) {
            provider.add_queries(sectools::settings::expand_home(folder))?;
        }
        if canonical_environment(name) == "localdata" && provider.source() == sample_source() {
            // The sample dataset's week, so its queries return rows without a picker.
            let options = crate::sample::SampleOptions::default();
            provider.time_range = Some(TimeRange::new(options.start(), options.end)?);
        }
        Ok(provider)
    }

    /// A provider over an explicit driver, with the built-in library.
    ///
    /// # Errors
    /// Only if the built-in library is invalid.
    pub fn with_driver(driver: Box<dyn Driver>) -> Result<QueryProvider, DataError> {
        let mut provider = QueryProvider {
            driver,
            all_queries: builtin_library()?,
            library: QueryLibrary::new(),
            time_range: None,
            timeout: None,
            pivot_params: crate::pivot::PivotParams::builtin()?,
        };
        provider.refilter();
        Ok(provider)
    }

    fn refilter(&mut self) {
        let environments = self.driver.query_environments();
        let mut library = QueryLibrary::new();
        for file in self.all_queries.files() {
            let queries: Vec<QueryDef> = file
                .queries
                .iter()
                .filter(|q| environments.iter().any(|e| q.runs_on(e)))
                .cloned()
                .collect();
            if !queries.is_empty() {
                library.push_file(crate::QueryFile {
                    queries,
                    ..file.clone()
                });
            }
        }
        self.library = library;
    }

    /// Adds the query files under `path` (a `.yaml` file or a folder, recursively);
    /// queries for other environments are kept but not offered.
    ///
    /// # Errors
    /// [`DataError::QueryFile`] naming the invalid file, query and parameter.
    pub fn add_queries(&mut self, path: impl AsRef<Path>) -> Result<(), DataError> {
        let path = path.as_ref();
        if path.is_dir() {
            self.all_queries.add_dir(path)?;
        } else {
            self.all_queries.add_file(path)?;
        }
        self.refilter();
        Ok(())
    }

    /// Which entity field fills which parameter in pivots (see [`crate::pivot`]).
    pub fn pivot_params(&self) -> &crate::pivot::PivotParams {
        &self.pivot_params
    }

    /// Adds a pivot parameter map (JSON, the format of `queries/pivot_params.json`)
    /// so pivots reach user queries whose parameter names the built-in map lacks.
    ///
    /// # Errors
    /// [`DataError::QueryFile`] naming the file and what is wrong.
    pub fn add_pivot_params(&mut self, path: impl AsRef<Path>) -> Result<(), DataError> {
        let path = path.as_ref();
        let text = crate::query::read_query_file(path)?;
        let added = crate::pivot::PivotParams::from_json_str(&path.display().to_string(), &text)?;
        self.pivot_params.extend(added);
        Ok(())
    }

    /// The driver's environment name.
    pub fn environment(&self) -> &str {
        self.driver.environment()
    }

    /// The driver's data source (folder, workspace, cluster).
    pub fn source(&self) -> String {
        self.driver.source()
    }

    /// The queries this provider runs.
    pub fn library(&self) -> &QueryLibrary {
        &self.library
    }

    /// The default time range for queries that take `start`/`end` and were given none.
    pub fn time_range(&self) -> Option<TimeRange> {
        self.time_range
    }

    /// Sets the default time range (e.g. from a `QueryTime` picker).
    pub fn set_time_range(&mut self, range: impl Into<TimeRange>) {
        self.time_range = Some(range.into());
    }

    /// Sets the per-query timeout passed to the driver.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = Some(timeout);
    }

    /// Every query, sorted by name.
    pub fn list_queries(&self) -> QueryList {
        self.list_where(|_| true)
    }

    /// Queries whose name, description, tags or template mention `term`
    /// (case-insensitive; every word of `term` must match).
    pub fn search(&self, term: &str) -> QueryList {
        let words: Vec<String> = term.split_whitespace().map(str::to_lowercase).collect();
        self.list_where(|q| {
            let haystack = format!(
                "{} {} {} {}",
                q.full_names().join(" "),
                q.description,
                q.tags.join(" "),
                q.query
            )
            .to_lowercase();
            words.iter().all(|w| haystack.contains(w))
        })
    }

    fn list_where(&self, keep: impl Fn(&QueryDef) -> bool) -> QueryList {
        let mut queries: Vec<QuerySummary> = self
            .library
            .names()
            .iter()
            .filter_map(|name| self.library.get(name).map(|q| (name, q)))
            .filter(|(_, q)| keep(q))
            .map(|(name, q)| QuerySummary {
                name: name.clone(),
                ..QuerySummary::of(q)
            })
            .collect();
        queries.sort_by(|a, b| a.name.cmp(&b.name));
        QueryList {
            title: format!("{} queries on {}", self.environment(), self.source()),
            queries,
        }
    }

    /// One query's description, parameters and template.
    ///
    /// # Errors
    /// [`DataError::QueryRender`] for an unknown name, with a suggestion.
    pub fn describe(&self, name: &str) -> Result<QuerySummary, DataError> {
        let query = self.library.query(name)?;
        Ok(QuerySummary {
            name: name.to_owned(),
            ..QuerySummary::of(query)
        })
    }

    /// Starts running the library query `family.name`; an unknown name is reported by
    /// [`QueryBuilder::run`] / [`QueryBuilder::text`].
    pub fn query(&mut self, name: &str) -> QueryBuilder<'_> {
        QueryBuilder::new(self, name)
    }

    /// Runs a query written by hand (in the driver's language).
    ///
    /// # Errors
    /// The driver's errors (a KQL error shows the position).
    pub fn exec(&mut self, query: &str) -> Result<DataFrame, DataError> {
        let options = RunOptions {
            timeout: self.timeout,
            label: "query".into(),
            query_metadata: Default::default(),
        };
        self.driver.run(query, &options)
    }

    /// The tables of the data source and their columns.
    ///
    /// # Errors
    /// As [`Driver::schema`].
    pub fn schema(&mut self) -> Result<Vec<TableSchema>, DataError> {
        self.driver.schema()
    }

    fn driver_mut(&mut self) -> &mut dyn Driver {
        self.driver.as_mut()
    }
}
