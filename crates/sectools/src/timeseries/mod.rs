//! Time-series anomalies (msticpy's `analysis.timeseries`): an STL decomposition of a
//! regularly sampled series, a z-score of what the decomposition leaves, anomaly
//! flags, the periods around anomalies and a KQL filter for those periods.
//!
//! [`ts_anomalies_stl`] gives msticpy's frame: the time and data columns, then
//! `residual`, `trend`, `seasonal`, `weights` and `baseline` (as whole numbers, as
//! msticpy casts them), `score` and `anomalies` (1 a spike where the season is up,
//! −1 where it is down, 0 none). [`stl`] gives the components unrounded.
//!
//! ```
//! use sectools::polars::prelude::*;
//! use sectools::timeseries::{ts_anomalies_stl, TsAnomalyOptions};
//!
//! let mut values: Vec<f64> = (0..24 * 14).map(|h| 100.0 + 20.0 * ((h % 24) as f64 / 24.0 * 6.283).sin()).collect();
//! values[200] += 400.0;
//! let df = df!("value" => values).unwrap();
//! let out = ts_anomalies_stl(&df, &TsAnomalyOptions::default()).unwrap();
//! let flags: Vec<i64> = out.column("anomalies").unwrap().i64().unwrap().into_no_null_iter().collect();
//! assert_eq!(flags.iter().filter(|&&f| f != 0).count(), 1);
//! assert_ne!(flags[200], 0);
//! ```

mod stl;

pub use stl::{Stl, StlOptions, stl};

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use polars::prelude::*;

use crate::SectoolsError;

/// Arguments of [`ts_anomalies_stl`] (msticpy's keyword arguments and defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct TsAnomalyOptions {
    /// Column of times; output is sorted by it. `None`: the rows are already in
    /// time order and no time column is output (msticpy would use the index).
    pub time_column: Option<String>,
    /// Column of values; `None`: the first column that is not the time column.
    pub data_column: Option<String>,
    /// STL seasonal smoother span (odd, ≥ 3; msticpy's default 7).
    pub seasonal: usize,
    /// Observations per cycle (msticpy's default 24: hourly data, daily cycle).
    pub period: usize,
    /// A row is an anomaly when its score is above this (default 3).
    pub score_threshold: f64,
    /// STL robustness iterations (msticpy never turns them on).
    pub robust: bool,
}

impl Default for TsAnomalyOptions {
    fn default() -> Self {
        TsAnomalyOptions {
            time_column: None,
            data_column: None,
            seasonal: 7,
            period: 24,
            score_threshold: 3.0,
            robust: false,
        }
    }
}

impl TsAnomalyOptions {
    /// Defaults with these time and data columns.
    pub fn new(time_column: &str, data_column: &str) -> Self {
        TsAnomalyOptions {
            time_column: Some(time_column.into()),
            data_column: Some(data_column.into()),
            ..TsAnomalyOptions::default()
        }
    }
}

/// Population z-scores (scipy's `zscore`, ddof 0); NaN everywhere when all are equal.
fn zscores(x: &[f64]) -> Vec<f64> {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    let sd = var.sqrt();
    x.iter().map(|v| (v - mean) / sd).collect()
}

/// Finds anomalies in a time series with STL (msticpy's `ts_anomalies_stl`).
///
/// With a time column the rows are sorted by it first (msticpy decomposes the rows in
/// the order given and sorts only its output, which garbles unsorted input).
///
/// The components are truncated to whole numbers before the score is computed, as
/// msticpy does, so scores equal msticpy's. A row is flagged when its score is above
/// the threshold: 1 if the seasonal component there is positive, −1 if negative
/// (0 if it is exactly 0, as in msticpy). Missing values are an error naming the row.
pub fn ts_anomalies_stl(
    data: &DataFrame,
    options: &TsAnomalyOptions,
) -> Result<DataFrame, SectoolsError> {
    let data_name = match &options.data_column {
        Some(name) => name.clone(),
        None => data
            .get_column_names()
            .into_iter()
            .find(|c| Some(c.as_str()) != options.time_column.as_deref())
            .map(|c| c.to_string())
            .ok_or_else(|| {
                SectoolsError::InvalidInput("the frame has no data column to analyse".into())
            })?,
    };
    // msticpy decomposes in input order and sorts afterwards; sorting first gives the
    // same result for sorted input and a meaningful one for unsorted input.
    let sorted;
    let data = match &options.time_column {
        Some(time) => {
            crate::frame::column(data, time)?;
            sorted = data.sort(
                [time.as_str()],
                SortMultipleOptions::default().with_maintain_order(true),
            )?;
            &sorted
        }
        None => data,
    };
    let column = crate::frame::column(data, &data_name)?;
    let values = numeric_values(column, &data_name)?;
    let parts = stl(
        &values,
        &StlOptions {
            period: options.period,
            seasonal: options.seasonal,
            robust: options.robust,
            ..StlOptions::default()
        },
    )?;
    // msticpy casts every column to int64 before scoring (truncating toward zero).
    let trunc = |v: &[f64]| -> Vec<i64> { v.iter().map(|x| x.trunc() as i64).collect() };
    let residual = trunc(&parts.resid);
    let seasonal = trunc(&parts.seasonal);
    let baseline: Vec<f64> = (0..values.len())
        .map(|i| parts.seasonal[i] + parts.trend[i])
        .collect();
    let score = zscores(&residual.iter().map(|&r| r as f64).collect::<Vec<_>>());
    let anomalies: Vec<i64> = score
        .iter()
        .zip(&seasonal)
        .map(|(&s, &season)| {
            if s > options.score_threshold {
                season.signum()
            } else {
                0
            }
        })
        .collect();
    let mut columns = Vec::new();
    if let Some(time) = &options.time_column {
        columns.push(crate::frame::column(data, time)?.clone());
    }
    columns.push(Column::new(data_name.as_str().into(), trunc(&values)));
    columns.push(Column::new("residual".into(), residual));
    columns.push(Column::new("trend".into(), trunc(&parts.trend)));
    columns.push(Column::new("seasonal".into(), seasonal));
    columns.push(Column::new("weights".into(), trunc(&parts.weights)));
    columns.push(Column::new("baseline".into(), trunc(&baseline)));
    columns.push(Column::new("score".into(), score));
    columns.push(Column::new("anomalies".into(), anomalies));
    Ok(DataFrame::new_infer_height(columns)?)
}

fn numeric_values(column: &Column, name: &str) -> Result<Vec<f64>, SectoolsError> {
    let type_error = || SectoolsError::ColumnType {
        column: name.to_string(),
        actual: column.dtype().to_string(),
        expected: "numbers".to_string(),
    };
    if !(column.dtype().is_primitive_numeric() || column.dtype().is_bool()) {
        return Err(type_error());
    }
    let cast = column.cast(&DataType::Float64).map_err(|_| type_error())?;
    cast.f64()?
        .iter()
        .enumerate()
        .map(|(row, v)| match v {
            Some(v) if v.is_finite() => Ok(v),
            _ => Err(SectoolsError::InvalidInput(format!(
                "column '{name}' has no number at row {row}; fill or drop such rows first"
            ))),
        })
        .collect()
}

/// Re-flags anomalies with new thresholds on the `score` column (msticpy's
/// `set_new_anomaly_threshold`): 1 where score ≥ `threshold`, −1 where score ≤
/// −`threshold_low` (default: `threshold`), else 0. The anomalies column is replaced
/// (and moved to the end, as msticpy does).
pub fn set_new_anomaly_threshold(
    data: &DataFrame,
    threshold: f64,
    threshold_low: Option<f64>,
    anomalies_column: &str,
) -> Result<DataFrame, SectoolsError> {
    let low = threshold_low.unwrap_or(threshold);
    let score = crate::frame::column(data, "score")?;
    let score = score
        .cast(&DataType::Float64)
        .map_err(|_| SectoolsError::ColumnType {
            column: "score".into(),
            actual: score.dtype().to_string(),
            expected: "numbers".into(),
        })?;
    let flags: Vec<i64> = score
        .f64()?
        .iter()
        .map(|s| match s {
            Some(s) if s >= threshold => 1,
            Some(s) if s <= -low => -1,
            _ => 0,
        })
        .collect();
    let mut out = match data.column(anomalies_column) {
        Ok(_) => data.drop(anomalies_column)?,
        Err(_) => data.clone(),
    };
    out.with_column(Column::new(anomalies_column.into(), flags))?;
    Ok(out)
}

/// One period around anomalies: `start` is one period before the first anomalous
/// time bin, `end` one period after the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnomalyPeriod {
    /// Start of the period.
    pub start: DateTime<Utc>,
    /// End of the period.
    pub end: DateTime<Utc>,
}

/// The periods around anomalies, merging near ones (msticpy's
/// `extract_anomaly_periods`).
///
/// Anomalous rows (`anomalies_column` 1, or ±1 unless `pos_only`) are put in time bins
/// of length `period` counted from midnight of the first one's day (pandas'
/// `resample`). Each bin starts or extends a period from one `period` before the bin
/// to one after; a bin at most two periods after the previous bin's end extends the
/// current period.
pub fn extract_anomaly_periods(
    data: &DataFrame,
    time_column: &str,
    period: TimeDelta,
    pos_only: bool,
    anomalies_column: &str,
) -> Result<Vec<AnomalyPeriod>, SectoolsError> {
    let step = period.num_nanoseconds().filter(|&p| p > 0).ok_or_else(|| {
        SectoolsError::InvalidInput(format!("period must be positive, not {period}"))
    })?;
    let times = crate::frame::time_column_ns(data, time_column)?;
    let flags = crate::frame::column(data, anomalies_column)?;
    let flags = flags
        .cast(&DataType::Int64)
        .map_err(|_| SectoolsError::ColumnType {
            column: anomalies_column.into(),
            actual: flags.dtype().to_string(),
            expected: "integers".into(),
        })?;
    let mut anomalous: Vec<i64> = flags
        .i64()?
        .iter()
        .zip(times)
        .filter_map(|(flag, time)| match flag {
            Some(1) => time,
            Some(-1) if !pos_only => time,
            _ => None,
        })
        .collect();
    anomalous.sort_unstable();
    let Some(&first) = anomalous.first() else {
        return Ok(Vec::new());
    };
    const DAY: i64 = 86_400_000_000_000;
    let origin = first.div_euclid(DAY) * DAY;
    let mut bins: Vec<i64> = anomalous
        .iter()
        .map(|t| origin + (t - origin).div_euclid(step) * step)
        .collect();
    bins.dedup();
    let mut periods: Vec<(i64, i64)> = Vec::new();
    let mut last_bin: Option<i64> = None;
    for bin in bins {
        match (last_bin, periods.last_mut()) {
            (Some(prev), Some(current)) if bin - prev <= 2 * step => current.1 = bin + step,
            _ => periods.push((bin - step, bin + step)),
        }
        last_bin = Some(bin);
    }
    Ok(periods
        .into_iter()
        .map(|(s, e)| AnomalyPeriod {
            start: DateTime::from_timestamp_nanos(s),
            end: DateTime::from_timestamp_nanos(e),
        })
        .collect())
}

/// Python's `str()` of a UTC pandas timestamp: `2019-05-13 16:00:00+00:00`.
fn kql_time(t: &DateTime<Utc>) -> String {
    let frac = match t.nanosecond() {
        0 => String::new(),
        ns if ns % 1000 == 0 => format!(".{:06}", ns / 1000),
        ns => format!(".{ns:09}"),
    };
    format!("{}{frac}+00:00", t.format("%Y-%m-%d %H:%M:%S"))
}

/// A KQL `where` clause selecting the periods (msticpy's
/// `create_time_period_kqlfilter`): `| where TimeGenerated between (datetime(…) ..
/// datetime(…)) or …`. With no periods the clause is `| where false`, which selects
/// nothing (msticpy's would be `| where `, a syntax error).
pub fn create_time_period_kqlfilter(periods: &[AnomalyPeriod]) -> String {
    if periods.is_empty() {
        return "| where false".into();
    }
    let brackets: Vec<String> = periods
        .iter()
        .map(|p| {
            format!(
                "TimeGenerated between (datetime({}) .. datetime({}))",
                kql_time(&p.start),
                kql_time(&p.end)
            )
        })
        .collect();
    format!("| where {}", brackets.join(" or "))
}
