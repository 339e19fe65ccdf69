//! The KQL executor: runs a parsed [`Query`](crate::kql::Query) over local tables as a lazy
//! polars plan (so Parquet inputs are scanned, not loaded, until the plan is collected).
//!
//! ```
//! use data::kql::{self, ExecOptions, Tables};
//! use data::polars::prelude::*;
//!
//! let events = df!(
//!     "Account" => ["alice", "bob", "alice", "carol"],
//!     "EventID" => [4625i64, 4625, 4625, 4624],
//! )?;
//! let tables = Tables::from_frames([("SecurityEvent", events)]);
//! let out = kql::run(
//!     "SecurityEvent | where EventID == 4625 | summarize count() by Account | top 1 by count_",
//!     &tables,
//!     &ExecOptions::default(),
//! )?;
//! assert_eq!(out.column("Account")?.str()?.get(0), Some("alice"));
//! assert_eq!(out.column("count_")?.i64()?.get(0), Some(2));
//!
//! // Unknown names are errors with the position and what exists.
//! let err = kql::run("SecurityEvent | where Acount == 'x'", &tables, &ExecOptions::default())
//!     .unwrap_err();
//! assert!(err.to_string().contains("column 'Acount' not found"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Supported: every operator the parser accepts — `where`, `project`, `project-away`,
//! `project-rename`, `extend`, `summarize … by` (count, countif, dcount, sum, min, max, avg,
//! make_set, make_list, arg_max, arg_min; `bin()` keys), `sort`/`order`, `take`/`limit`, `top`,
//! `distinct`, `count`, `join` (every kind; `innerunique`, the default, keeps the first left
//! row per key), `union` (`kind=inner`, `withsource=`), `mv-expand` (with `limit`, `to typeof()`), `parse`
//! (`kind=simple|regex|relaxed`; capture types string, int, long, real, bool, datetime) — and
//! every scalar function in [`SCALAR_FUNCTIONS`](crate::kql::SCALAR_FUNCTIONS), with `let`
//! (scalar and tabular) statements.
//!
//! Semantics notes:
//! - String operators are case-insensitive except `==`, `!=`, `in`, `!in` and the `_cs`
//!   forms. `has` matches whole terms: the needle must sit between non-word characters
//!   (letters, digits and `_` are word characters), which gives KQL's answers without its
//!   term index. Their right side (and `matches regex`, `extract` patterns) must be a
//!   constant or a `let` bound to one.
//! - `now()` and `ago()` use [`ExecOptions::now`] so results are reproducible.
//! - Integer `/` and `%` truncate toward zero, as KQL does.
//! - Output names follow KQL: `count_`, `countif_`, `sum_X`, `dcount_X`, …, `Column1` for an
//!   unnamed expression; `join` suffixes clashing right-side columns with `1`.
//! - `dynamic` values are JSON text in string columns (see the `dynamic` module): property
//!   access (`x.a`, `x["a"]`, `x[0]`) and `mv-expand` work; leaf numbers come back as text.
//! - A datetime column compared with a string literal converts the string (`TimeGenerated >
//!   "2024-01-01"`); other type mixes are polars errors when the query runs.
//! - Not yet: `has_any`/`has_all` with a subquery, `timespan` parse captures, `dynamic`
//!   values as typed JSON (numbers inside them are text). These are errors naming the
//!   operator or function and its position.

mod dynamic;
mod ops;
mod output;
mod reshape;
mod scalar;
mod strings;
mod summarize;
mod tables;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use polars::prelude::{DataFrame, Expr as PExpr, LazyFrame, Schema};

pub use output::{write_csv, write_json_lines};
pub use tables::Tables;

use super::KqlError;
use super::ast::{LetValue, Query, Span, TabularExpr};
use crate::DataError;

/// How a query runs.
#[derive(Debug, Clone, Default)]
pub struct ExecOptions {
    /// The time `now()` and `ago()` are relative to; `None` means the wall clock.
    pub now: Option<DateTime<Utc>>,
}

/// Parses `query` and builds its lazy polars plan over `tables`.
///
/// # Errors
/// [`DataError::Kql`] for a syntax error, an unknown table or column, or an operator or
/// function the executor does not support yet (each with its position).
pub fn plan(query: &str, tables: &Tables, options: &ExecOptions) -> Result<LazyFrame, DataError> {
    let parsed = super::parse(query)?;
    Ok(plan_query(query, &parsed, tables, options)?)
}

/// Builds the lazy plan of an already parsed query; `src` is its text (for error positions).
///
/// # Errors
/// As [`plan`].
pub fn plan_query(
    src: &str,
    query: &Query,
    tables: &Tables,
    options: &ExecOptions,
) -> Result<LazyFrame, KqlError> {
    let mut exec = Exec {
        src,
        tables,
        now: options.now.unwrap_or_else(Utc::now),
        scalars: HashMap::new(),
        scalar_consts: HashMap::new(),
        tabulars: HashMap::new(),
    };
    for stmt in &query.lets {
        match &stmt.value {
            LetValue::Scalar(e) => {
                let constant = exec.const_lit(e);
                // A dynamic constant (a list for `in`) has no polars scalar form.
                let compiled = match constant {
                    Some(super::Literal::Dynamic(_)) => None,
                    _ => Some(exec.scalar(e, &Schema::default())?),
                };
                let name = stmt.name.name.clone();
                match constant {
                    Some(l) => exec.scalar_consts.insert(name.clone(), l),
                    None => exec.scalar_consts.remove(&name),
                };
                exec.tabulars.remove(&name);
                match compiled {
                    Some(c) => exec.scalars.insert(name, c),
                    None => exec.scalars.remove(&name),
                };
            }
            LetValue::Tabular(t) => {
                let lf = exec.tabular(t)?;
                exec.scalars.remove(&stmt.name.name);
                exec.scalar_consts.remove(&stmt.name.name);
                exec.tabulars.insert(stmt.name.name.clone(), lf);
            }
        }
    }
    exec.tabular(&query.body)
}

/// Parses and runs `query` over `tables`, collecting the result.
///
/// # Errors
/// As [`plan`], plus polars errors while running (reported against the whole query).
pub fn run(query: &str, tables: &Tables, options: &ExecOptions) -> Result<DataFrame, DataError> {
    let lf = plan(query, tables, options)?;
    lf.collect().map_err(|e| {
        DataError::Kql(KqlError::new(
            query,
            Span::new(0, query.len()),
            // polars appends the resolved plan; its first line is the message.
            format!(
                "running the query failed: {}",
                e.to_string().lines().next().unwrap_or_default()
            ),
        ))
    })
}

/// Plan-building state: the query text, tables, `now` and the `let` bindings so far.
pub(crate) struct Exec<'a> {
    src: &'a str,
    tables: &'a Tables,
    now: DateTime<Utc>,
    /// Scalar `let`s, compiled.
    scalars: HashMap<String, PExpr>,
    /// Scalar `let`s whose value is a constant (needed where KQL wants a constant, e.g. the
    /// right side of `has`).
    scalar_consts: HashMap<String, super::Literal>,
    /// Tabular `let`s.
    tabulars: HashMap<String, LazyFrame>,
}

impl Exec<'_> {
    pub(crate) fn err(&self, span: Span, message: impl Into<String>) -> KqlError {
        KqlError::new(self.src, span, message)
    }

    pub(crate) fn column_error(&self, name: &str, span: Span, schema: &Schema) -> KqlError {
        let names: Vec<&str> = schema.iter_names().map(|n| n.as_str()).collect();
        self.err(
            span,
            format!(
                "column '{name}' not found; the input has: {}",
                names.join(", ")
            ),
        )
    }

    /// The schema of a plan (resolving it may read file metadata).
    pub(crate) fn schema(&self, lf: &mut LazyFrame, span: Span) -> Result<Schema, KqlError> {
        lf.collect_schema()
            .map(|s| s.as_ref().clone())
            .map_err(|e| self.err(span, e.to_string()))
    }

    /// A tabular expression's lazy plan.
    pub(crate) fn tabular(&self, t: &TabularExpr) -> Result<LazyFrame, KqlError> {
        let mut lf = self.source(&t.source)?;
        for op in &t.ops {
            lf = self.operator(lf, op)?;
        }
        Ok(lf)
    }
}
