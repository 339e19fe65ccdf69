//! [`ColumnPivot`]: a query run for every distinct value of a DataFrame column.

use polars::prelude::*;

use crate::{DataError, QueryProvider, TimeRange};

/// How [`ColumnPivot::run`] combines the results with the input rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PivotJoin {
    /// The results only, with a `PivotKey` column naming the value each row is for.
    #[default]
    None,
    /// Input rows joined with the results for their value; rows without results
    /// dropped.
    Inner,
    /// Input rows joined with the results for their value; rows without results kept
    /// (with nulls).
    Left,
}

/// Runs a query once per distinct value of a column (from
/// [`QueryProvider::pivot_column`]), with progress.
#[derive(Debug)]
#[must_use = "a column pivot does nothing until `run()`"]
pub struct ColumnPivot<'p> {
    qp: &'p mut QueryProvider,
    query: String,
    frame: DataFrame,
    column: String,
    param: Option<String>,
    join: PivotJoin,
    time: Option<TimeRange>,
}

/// The column the results carry the pivot value in.
pub const PIVOT_KEY: &str = "PivotKey";

impl QueryProvider {
    /// Starts running `query` for every distinct value of `frame[column]`.
    pub fn pivot_column(
        &mut self,
        query: &str,
        frame: &DataFrame,
        column: &str,
    ) -> ColumnPivot<'_> {
        ColumnPivot {
            qp: self,
            query: query.to_owned(),
            frame: frame.clone(),
            column: column.to_owned(),
            param: None,
            join: PivotJoin::None,
            time: None,
        }
    }
}

impl<'p> ColumnPivot<'p> {
    /// The query parameter the values go to; by default the query's one required
    /// parameter besides `start` and `end`.
    pub fn param(mut self, name: &str) -> Self {
        self.param = Some(name.to_owned());
        self
    }

    /// How results join the input rows (default: results only).
    pub fn join(mut self, join: PivotJoin) -> Self {
        self.join = join;
        self
    }

    /// The time range for every run (default: the provider's).
    pub fn within(mut self, range: impl Into<TimeRange>) -> Self {
        self.time = Some(range.into());
        self
    }

    /// Runs the query once per distinct non-null value, in first-seen order.
    ///
    /// # Errors
    /// A missing column (naming the frame's columns), a query that needs more than one
    /// value per run, and the first failing run (naming its value).
    pub fn run(self) -> Result<DataFrame, DataError> {
        let keys = self.keys()?;
        let param = self.value_param()?;
        let mut progress = sectools::Progress::start(&self.query, keys.len() as u64);
        let mut results: Option<DataFrame> = None;
        for key in &keys {
            let mut builder = self.qp.query(&self.query).param(&param, key.as_str());
            if let Some(range) = self.time {
                builder = builder.within(range);
            }
            let rows = builder.run().map_err(|e| DataError::QueryRender {
                query: self.query.clone(),
                param: Some(param.clone()),
                message: format!("the run for {key:?} failed: {e}"),
            })?;
            let mut rows = rows;
            rows.with_column(Column::new(
                PIVOT_KEY.into(),
                vec![key.as_str(); rows.height()],
            ))
            .map_err(polars_error)?;
            progress.advance(1, key);
            results = Some(match results {
                None => rows,
                Some(mut all) => {
                    all.vstack_mut(&rows).map_err(polars_error)?;
                    all
                }
            });
        }
        let results = results.unwrap_or_else(|| {
            DataFrame::new_infer_height(vec![Column::new(PIVOT_KEY.into(), Vec::<String>::new())])
                .unwrap_or_default()
        });
        let how = match self.join {
            PivotJoin::None => return Ok(results),
            PivotJoin::Inner => JoinType::Inner,
            PivotJoin::Left => JoinType::Left,
        };
        self.frame
            .clone()
            .lazy()
            .with_column(
                col(self.column.as_str())
                    .cast(DataType::String)
                    .alias("__pivot_value"),
            )
            .join(
                results.lazy(),
                [col("__pivot_value")],
                [col(PIVOT_KEY)],
                JoinArgs::new(how),
            )
            .drop(cols(["__pivot_value"]))
            .collect()
            .map_err(polars_error)
    }

    fn keys(&self) -> Result<Vec<String>, DataError> {
        let column = self
            .frame
            .column(&self.column)
            .map_err(|_| DataError::QueryRender {
                query: self.query.clone(),
                param: None,
                message: format!(
                    "the frame has no column `{}`; it has: {}",
                    self.column,
                    self.frame
                        .get_column_names()
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?;
        let text = column.cast(&DataType::String).map_err(polars_error)?;
        let mut seen = std::collections::HashSet::new();
        let mut keys = Vec::new();
        for value in text.str().map_err(polars_error)?.iter().flatten() {
            if !value.is_empty() && seen.insert(value) {
                keys.push(value.to_owned());
            }
        }
        Ok(keys)
    }

    fn value_param(&self) -> Result<String, DataError> {
        if let Some(param) = &self.param {
            return Ok(param.clone());
        }
        let query = self.qp.library().query(&self.query)?;
        let candidates: Vec<&str> = query
            .required_params()
            .filter(|p| p.name != "start" && p.name != "end")
            .map(|p| p.name.as_str())
            .collect();
        match candidates.as_slice() {
            [one] => Ok((*one).to_owned()),
            _ => Err(DataError::QueryRender {
                query: self.query.clone(),
                param: None,
                message: format!(
                    "say which parameter takes the column's values with `.param(name)`; \
                     the query's required parameters are: {}",
                    if candidates.is_empty() {
                        "none besides the time range".to_owned()
                    } else {
                        candidates.join(", ")
                    }
                ),
            }),
        }
    }
}

fn polars_error(e: PolarsError) -> DataError {
    DataError::Unsupported(format!("building the pivot result failed: {e}"))
}
