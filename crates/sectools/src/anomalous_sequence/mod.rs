//! Anomalous command sequences (msticpy's `analysis.anomalous_sequence`): group events
//! into sessions, train a Markov model of the sessions with Laplace smoothing, and
//! find each session's rarest window of commands.
//!
//! Three models, as in msticpy: command names only, names plus the set of parameters,
//! and names plus parameters plus the values of parameters whose values are few and
//! often repeated. The likelihoods equal msticpy's (they are tested against msticpy's
//! numbers to 1e-9 relative).
//!
//! ```
//! use sectools::polars::prelude::*;
//! use sectools::anomalous_sequence::{score_sessions, ScoreOptions};
//!
//! let mut sessions = Vec::new();
//! for _ in 0..20 {
//!     sessions.push(Series::new("".into(), ["Get-User", "Set-User", "Get-User"]));
//! }
//! sessions.push(Series::new("".into(), ["Get-User", "Set-Mailbox", "New-InboxRule"]));
//! let df = DataFrame::new_infer_height(vec![Column::new("session".into(), sessions)]).unwrap();
//! let scored = score_sessions(&df, "session", &ScoreOptions::new(2)).unwrap();
//! let lik = scored.column("rarest_window2_likelihood").unwrap().f64().unwrap();
//! assert!(lik.get(20).unwrap() < lik.get(0).unwrap());
//! ```

mod model;

pub use model::{Cmd, END_TOKEN, Model, RarestWindow, START_TOKEN, SessionKind, UNK_TOKEN};

use polars::prelude::*;

use crate::SectoolsError;

/// Arguments of [`score_sessions`].
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreOptions {
    /// Commands per window (≥ 1; msticpy suggests ≥ 2).
    pub window_length: usize,
    /// Prepend a start token and append an end token to each session (msticpy: on).
    pub use_start_end_tokens: bool,
    /// Score windows by the geometric mean of their probabilities, so windows of
    /// different lengths compare (msticpy's `score_sessions`: off).
    pub use_geo_mean: bool,
    /// Column of per-command parameter lists (`List(List(String))`, aligned with the
    /// session column); `None`: commands only.
    pub params_column: Option<String>,
    /// Model parameter values too: each parameter is `name=value` (split at the first
    /// `=`; without one it has no value).
    pub model_values: bool,
}

impl ScoreOptions {
    /// msticpy's `score_sessions` settings for this window length.
    pub fn new(window_length: usize) -> Self {
        ScoreOptions {
            window_length,
            use_start_end_tokens: true,
            use_geo_mean: false,
            params_column: None,
            model_values: false,
        }
    }
}

fn list_column<'a>(df: &'a DataFrame, name: &str) -> Result<&'a ListChunked, SectoolsError> {
    let col = crate::frame::column(df, name)?;
    col.list().map_err(|_| SectoolsError::ColumnType {
        column: name.to_string(),
        actual: col.dtype().to_string(),
        expected: "a list of strings per row".to_string(),
    })
}

fn strings_of(series: &Series, column: &str, row: usize) -> Result<Vec<String>, SectoolsError> {
    let text = series.str().map_err(|_| SectoolsError::ColumnType {
        column: column.to_string(),
        actual: series.dtype().to_string(),
        expected: "lists of strings".to_string(),
    })?;
    text.iter()
        .map(|v| {
            v.map(str::to_string).ok_or_else(|| {
                SectoolsError::InvalidInput(format!(
                    "column '{column}' row {row} has a missing command"
                ))
            })
        })
        .collect()
}

/// The sessions of a frame as commands: `session_column` holds lists of command
/// names; `params_column` (optional) lists of parameter lists.
pub fn sessions_from_df(
    data: &DataFrame,
    session_column: &str,
    params_column: Option<&str>,
    model_values: bool,
) -> Result<Vec<Vec<Cmd>>, SectoolsError> {
    let names = list_column(data, session_column)?.rechunk();
    let params = params_column
        .map(|p| list_column(data, p).map(|c| c.rechunk()))
        .transpose()?;
    let mut sessions = Vec::with_capacity(data.height());
    if data.height() == 0 {
        return Ok(sessions);
    }
    // Amortized iterators reuse one Series per row instead of allocating one.
    for (row, list) in names.amortized_iter().enumerate() {
        let Some(list) = list else {
            return Err(SectoolsError::InvalidInput(format!(
                "column '{session_column}' row {row} has no session"
            )));
        };
        let cmds: Vec<Cmd> = strings_of(list.as_ref(), session_column, row)?
            .into_iter()
            .map(Cmd::new)
            .collect();
        sessions.push(cmds);
    }
    let (Some(params), Some(pname)) = (params, params_column) else {
        return Ok(sessions);
    };
    for (row, per_cmd) in params.amortized_iter().enumerate() {
        let cmds = &mut sessions[row];
        let per_cmd = match &per_cmd {
            Some(s) => Some(s.as_ref().list().map_err(|_| SectoolsError::ColumnType {
                column: pname.to_string(),
                actual: s.as_ref().dtype().to_string(),
                expected: "a list of parameter lists per row".to_string(),
            })?),
            None => None,
        };
        let n = per_cmd.map_or(0, |p| p.len());
        if n != cmds.len() {
            return Err(SectoolsError::InvalidInput(format!(
                "row {row}: '{session_column}' has {} commands but '{pname}' has {n} parameter lists",
                cmds.len()
            )));
        }
        let Some(per_cmd) = per_cmd else {
            continue;
        };
        for (cmd, plist) in cmds.iter_mut().zip(per_cmd.amortized_iter()) {
            let Some(plist) = plist else {
                continue;
            };
            for p in strings_of(plist.as_ref(), pname, row)? {
                let param = match (model_values, p.split_once('=')) {
                    (true, Some((k, v))) => (k.to_string(), Some(v.to_string())),
                    _ => (p, None),
                };
                cmd.params.push(param);
            }
        }
    }
    Ok(sessions)
}

/// Trains a model on the sessions of `session_column` and adds each session's rarest
/// window (msticpy's `score_sessions`): `rarest_window{N}_likelihood` (null when the
/// session, with its end token, is shorter than the window; msticpy has NaN) and
/// `rarest_window{N}` (the window's commands; with parameters, as `Cmd` displays them).
///
/// Sort by the likelihood column, lowest first, to see the most unusual sessions; that
/// frame, with a time column such as sessionize's `<time>_min`, is what a timeline of
/// likelihoods plots.
pub fn score_sessions(
    data: &DataFrame,
    session_column: &str,
    options: &ScoreOptions,
) -> Result<DataFrame, SectoolsError> {
    if options.window_length == 0 {
        return Err(SectoolsError::InvalidInput(
            "window_length must be at least 1".into(),
        ));
    }
    let sessions = sessions_from_df(
        data,
        session_column,
        options.params_column.as_deref(),
        options.model_values,
    )?;
    let kind = match (&options.params_column, options.model_values) {
        (None, _) => SessionKind::CmdsOnly,
        (Some(_), false) => SessionKind::CmdsParams,
        (Some(_), true) => SessionKind::CmdsParamsValues,
    };
    let model = Model::train(&sessions, kind, None)?;
    let n = options.window_length;
    let mut likelihoods: Vec<Option<f64>> = Vec::with_capacity(sessions.len());
    let mut windows = ListStringChunkedBuilder::new(
        format!("rarest_window{n}").into(),
        sessions.len(),
        sessions.len() * n,
    );
    for (i, session) in sessions.iter().enumerate() {
        if i % 4096 == 0 {
            crate::check_interrupt()?;
        }
        let rare = model.rarest_window(
            session,
            options.window_length,
            options.use_start_end_tokens,
            options.use_geo_mean,
        );
        match &rare {
            Some(w) if kind == SessionKind::CmdsOnly => windows.append_values_iter(
                session[w.start..w.start + w.len]
                    .iter()
                    .map(|c| c.name.as_str()),
            ),
            Some(w) => {
                let shown: Vec<String> = session[w.start..w.start + w.len]
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                windows.append_values_iter(shown.iter().map(String::as_str));
            }
            None => windows.append_values_iter(std::iter::empty()),
        }
        likelihoods.push(rare.map(|w| w.likelihood));
    }
    let mut out = data.clone();
    out.with_column(Column::new(
        format!("rarest_window{n}_likelihood").into(),
        likelihoods,
    ))?;
    out.with_column(Column::from(windows.finish().into_series()))?;
    Ok(out)
}

/// Groups events into sessions (msticpy's `sessionize_data`): one row per session with
/// the user columns, `<time>_min`, `<time>_max`, `<event>_list`, `duration` and
/// `number_events`.
///
/// Rows are ordered by the user columns, then time. A new session starts when any user
/// column changes, when the gap to the previous event is more than
/// `max_event_separation_mins`, or when the session would last more than
/// `max_session_time_mins`. Missing user values form their own user (sorted last;
/// msticpy sorts them as the text `dummy_str`). A missing time is an error naming the row.
pub fn sessionize_data(
    data: &DataFrame,
    user_identifier_cols: &[&str],
    time_col: &str,
    max_session_time_mins: i64,
    max_event_separation_mins: i64,
    event_col: &str,
) -> Result<DataFrame, SectoolsError> {
    const MINUTE: i64 = 60_000_000_000;
    let max_sep = max_event_separation_mins.saturating_mul(MINUTE);
    let max_ses = max_session_time_mins.saturating_mul(MINUTE);
    let times = crate::frame::time_column_ns(data, time_col)?;
    let times: Vec<i64> = times
        .into_iter()
        .enumerate()
        .map(|(row, t)| {
            t.ok_or_else(|| {
                SectoolsError::InvalidInput(format!("column '{time_col}' has no time at row {row}"))
            })
        })
        .collect::<Result<_, _>>()?;
    let events = crate::frame::text_column(data, event_col)?;
    let events = events.str()?;
    let mut users: Vec<Column> = Vec::new();
    let mut user_text: Vec<StringChunked> = Vec::new();
    for &name in user_identifier_cols {
        let col = crate::frame::column(data, name)?;
        users.push(col.clone());
        let text = col
            .cast(&DataType::String)
            .map_err(|_| SectoolsError::ColumnType {
                column: name.to_string(),
                actual: col.dtype().to_string(),
                expected: "values that can be compared as text".to_string(),
            })?;
        user_text.push(text.str()?.clone());
    }
    // Sort by user columns then time, with the original row as the payload.
    let (time_key, row_key) = ("\u{1}time", "\u{1}row");
    let mut keys = users.clone();
    keys.push(Column::new(time_key.into(), &times[..]));
    keys.push(Column::new(
        row_key.into(),
        (0..data.height() as u64).collect::<Vec<_>>(),
    ));
    let mut by: Vec<PlSmallStr> = user_identifier_cols.iter().map(|&c| c.into()).collect();
    by.push(time_key.into());
    let sorted = DataFrame::new(data.height(), keys)?.sort(
        by,
        SortMultipleOptions::default()
            .with_maintain_order(true)
            .with_nulls_last(true),
    )?;
    let order: Vec<usize> = sorted
        .column(row_key)?
        .u64()?
        .into_no_null_iter()
        .map(|r| r as usize)
        .collect();
    // Session boundaries over the sorted rows.
    let mut starts: Vec<usize> = Vec::new();
    let mut cumulative = 0i64;
    for (i, &row) in order.iter().enumerate() {
        if i % 65_536 == 0 {
            crate::check_interrupt()?;
        }
        let new_session = match i.checked_sub(1).map(|j| order[j]) {
            None => true,
            Some(prev) => {
                let user_changed = user_text.iter().any(|u| u.get(row) != u.get(prev));
                let gap = times[row] - times[prev];
                let total = cumulative + gap;
                if user_changed || gap > max_sep || total > max_ses {
                    true
                } else {
                    cumulative = total;
                    false
                }
            }
        };
        if new_session {
            starts.push(i);
            cumulative = 0;
        }
    }
    let mut first_rows: Vec<IdxSize> = Vec::new();
    let (mut t_min, mut t_max, mut lists, mut counts) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (s, &begin) in starts.iter().enumerate() {
        let end = starts.get(s + 1).copied().unwrap_or(order.len());
        let rows = &order[begin..end];
        first_rows.push(rows[0] as IdxSize);
        let ts = rows.iter().map(|&r| times[r]);
        t_min.push(ts.clone().min().unwrap_or_default());
        t_max.push(ts.max().unwrap_or_default());
        let names: Vec<Option<&str>> = rows.iter().map(|&r| events.get(r)).collect();
        lists.push(Series::new("".into(), names));
        counts.push(rows.len() as i64);
    }
    let take = IdxCa::from_vec("idx".into(), first_rows);
    let mut columns: Vec<Column> = Vec::new();
    for user in &users {
        columns.push(user.take(&take)?);
    }
    let time_type = DataType::Datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC));
    let durations: Vec<i64> = t_min.iter().zip(&t_max).map(|(a, b)| b - a).collect();
    columns.push(Column::new(format!("{time_col}_min").into(), t_min).cast(&time_type)?);
    columns.push(Column::new(format!("{time_col}_max").into(), t_max).cast(&time_type)?);
    let mut list = Series::new(format!("{event_col}_list").into(), lists);
    if list.is_empty() {
        list = list.cast(&DataType::List(Box::new(DataType::String)))?;
    }
    columns.push(list.into());
    columns.push(
        Column::new("duration".into(), durations)
            .cast(&DataType::Duration(TimeUnit::Nanoseconds))?,
    );
    columns.push(Column::new("number_events".into(), counts));
    Ok(DataFrame::new(starts.len(), columns)?)
}
