//! Data access for hunting.
//!
//! | piece | what it does |
//! |---|---|
//! | [`QueryLibrary`] | msticpy's YAML query files (and huntrs's own `queries/`), validated, rendered with every value as a safe KQL/SPL literal |
//! | [`QueryProvider`] | a library bound to a [`Driver`]: queries by name with a builder, `split_by`, listings |
//! | [`LocalData`] | the driver that runs KQL over local files (the sample lab by default) |
//! | [`Pivot`] | from an entity or a column to the queries about it (`queries/pivot_params.json`) |
//! | [`drivers`] | remote drivers: Sentinel / Log Analytics, Data Explorer, Defender, Graph, Splunk; Azure AD sign-in |
//! | [`kql`] | KQL parsed to a typed AST with positions and run locally over polars tables |
//! | [`sample`] | the sample lab dataset: a fictional organisation's week with a planted intrusion |
//! | [`read_table`], [`write_table`] | CSV, Parquet and JSON-lines files |
//! | [`security_alerts`], [`security_events`] | table rows as typed alerts and events with their entities |
//! | [`TimeRange`] | query time ranges |
//!
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use data::TimeRange;
//!
//! let end = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
//! let range = TimeRange::before(end, chrono::Duration::hours(2))?;
//! assert_eq!(range.to_kql(), "between (datetime(2026-11-01T10:00:00Z) .. datetime(2026-11-01T12:00:00Z))");
//! # Ok::<(), data::DataError>(())
//! ```

pub use chrono;
pub use entities;
pub use error::DataError;
pub use json_lines::cell_json;
pub use pivot::{
    ColumnPivot, EntityPivot, ParamSource, Pivot, PivotJoin, PivotList, PivotParams, PivotQuery,
    entity_field,
};
pub use polars;
pub use provider::{
    Driver, LocalData, PROVIDER_NAMES, ParamSummary, QueryBuilder, QueryList, QueryProvider,
    QuerySummary, RunOptions, TableSchema, builtin_library,
};
pub use query::{
    Dialect, FRAGMENT_PARAMS, FileMetadata, ParamDef, ParamType, ParamValue, QueryDef, QueryFile,
    QueryLibrary, QueryMacro, canonical_environment,
};
pub use rows::{row_map, security_alerts, security_events};
pub use table_file::{TableFormat, read_table, write_table};
pub use time_range::TimeRange;

pub mod drivers;
mod error;
mod json_lines;
pub mod kql;
mod pivot;
mod provider;
mod query;
mod rows;
pub mod sample;
mod table_file;
mod time_range;
