//! [`QueryBuilder`]: one run of a library query — parameters, time range, chunking.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use polars::prelude::DataFrame;

use super::QueryProvider;
use super::driver::RunOptions;
use crate::{DataError, Dialect, ParamValue, QueryDef, TimeRange};

/// Parameters and options for one query run, from [`QueryProvider::query`].
///
/// `start`/`end` come from, in order: [`param`](Self::param), [`time_range`](Self::time_range)
/// or [`within`](Self::within), then the provider's default time range.
#[derive(Debug)]
#[must_use = "a query builder does nothing until `run()` or `text()`"]
pub struct QueryBuilder<'p> {
    provider: &'p mut QueryProvider,
    name: String,
    params: Vec<(String, ParamValue)>,
    time: Option<(ParamValue, ParamValue)>,
    split: Option<Duration>,
    timeout: Option<Duration>,
    now: Option<DateTime<Utc>>,
}

impl<'p> QueryBuilder<'p> {
    pub(super) fn new(provider: &'p mut QueryProvider, name: &str) -> QueryBuilder<'p> {
        QueryBuilder {
            provider,
            name: name.to_owned(),
            params: Vec::new(),
            time: None,
            split: None,
            timeout: None,
            now: None,
        }
    }

    /// Sets a parameter (by name or alias). A name the query does not define is an
    /// error at [`run`](Self::run) listing the ones it does.
    pub fn param(mut self, name: &str, value: impl Into<ParamValue>) -> Self {
        self.params.push((name.to_owned(), value.into()));
        self
    }

    /// Takes the values the query accepts from a larger map — an alert's or event's
    /// `query_params()` — and ignores the rest. Values set with [`param`](Self::param)
    /// win.
    pub fn params_from<K, V>(mut self, values: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: AsRef<str>,
        V: Into<ParamValue>,
    {
        let accepted: Vec<(String, ParamValue)> = match self.provider.library.get(&self.name) {
            Some(query) => values
                .into_iter()
                .filter(|(k, _)| query.accepts(k.as_ref()))
                .map(|(k, v)| (k.as_ref().to_owned(), v.into()))
                .collect(),
            None => Vec::new(),
        };
        // Earlier entries lose to later ones in `resolved`, so these go first.
        accepted
            .into_iter()
            .rev()
            .for_each(|p| self.params.insert(0, p));
        self
    }

    /// The time range: `start` and `end` as datetimes, RFC 3339 text, or day offsets
    /// from now (`-7`, `0`).
    pub fn time_range(mut self, start: impl Into<ParamValue>, end: impl Into<ParamValue>) -> Self {
        self.time = Some((start.into(), end.into()));
        self
    }

    /// The time range from any range value (a [`TimeRange`], a `QueryTime` picker).
    pub fn within(self, range: impl Into<TimeRange>) -> Self {
        let range = range.into();
        self.time_range(range.start(), range.end())
    }

    /// Runs the query once per `chunk` of the time range and joins the results in time
    /// order, with progress; for ranges too large for one server request. Chunks do not
    /// overlap: each ends one tick of the query language (100 ns in KQL) before the next
    /// starts, so a row on a boundary is returned once.
    pub fn split_by(mut self, chunk: Duration) -> Self {
        self.split = Some(chunk);
        self
    }

    /// Gives up on (each chunk of) the query after `timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Fixes "now" for day offsets, so the rendered text is reproducible.
    pub fn at(mut self, now: DateTime<Utc>) -> Self {
        self.now = Some(now);
        self
    }

    /// The final query text, as the driver would receive it (msticpy's `print_query`).
    /// With [`split_by`](Self::split_by), the text of the whole range.
    ///
    /// # Errors
    /// As [`run`](Self::run), before anything runs.
    pub fn text(&self) -> Result<String, DataError> {
        let query = self.provider.library.query(&self.name)?;
        let params = self.resolved(query)?;
        query.render_at(params, self.provider.driver.dialect(), self.clock())
    }

    /// Runs the query and returns its rows.
    ///
    /// # Errors
    /// [`DataError::QueryRender`] for an unknown query (with a suggestion), an unknown,
    /// missing or mistyped parameter (naming it); the driver's errors.
    pub fn run(self) -> Result<DataFrame, DataError> {
        let query = self.provider.library.query(&self.name)?.clone();
        let params = self.resolved(&query)?;
        let dialect = self.provider.driver.dialect();
        let now = self.clock();
        let options = RunOptions {
            timeout: self.timeout.or(self.provider.timeout),
            label: self.name.clone(),
            query_metadata: query.metadata.clone(),
        };
        let Some(chunk) = self.split else {
            let text = query.render_at(params, dialect, now)?;
            return self.provider.driver_mut().run(&text, &options);
        };
        let (start, end) = self.bounds(&query, &params, now)?;
        let windows = chunks(start, end, chunk, tick(dialect), &self.name)?;
        let mut progress = sectools::Progress::start(&self.name, windows.len() as u64);
        let mut joined: Option<DataFrame> = None;
        for (from, to) in windows {
            let mut chunk_params: Vec<(String, ParamValue)> = params
                .iter()
                .filter(|(k, _)| !is_named(&query, k, "start") && !is_named(&query, k, "end"))
                .cloned()
                .collect();
            chunk_params.push(("start".into(), from.into()));
            chunk_params.push(("end".into(), to.into()));
            let text = query.render_at(chunk_params, dialect, now)?;
            let rows = self.provider.driver_mut().run(&text, &options)?;
            progress.advance(1, &from.to_rfc3339());
            joined = Some(match joined {
                None => rows,
                Some(mut all) => {
                    all.vstack_mut(&rows).map_err(|e| DataError::Driver {
                        environment: self.provider.environment().to_owned(),
                        source_name: self.provider.source(),
                        message: format!("joining the chunk from {from} failed: {e}"),
                    })?;
                    all
                }
            });
        }
        Ok(joined.unwrap_or_default())
    }

    fn clock(&self) -> DateTime<Utc> {
        self.now.unwrap_or_else(Utc::now)
    }

    /// The values to render: explicit ones, then the builder's or provider's time range
    /// for `start`/`end` when the query takes them and none was given.
    fn resolved(&self, query: &QueryDef) -> Result<Vec<(String, ParamValue)>, DataError> {
        // Later values win (an explicit `param` beats `params_from`).
        let mut values: BTreeMap<String, ParamValue> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        for (name, value) in &self.params {
            let key = query
                .param(name)
                .map_or_else(|| name.clone(), |p| p.name.clone());
            if values.insert(key.clone(), value.clone()).is_none() {
                order.push(key);
            }
        }
        let range = self.time.clone().or_else(|| {
            self.provider
                .time_range
                .map(|r| (r.start().into(), r.end().into()))
        });
        for (bound, value) in ["start", "end"].into_iter().zip(
            range
                .map(|(s, e)| [Some(s), Some(e)])
                .unwrap_or([None, None]),
        ) {
            let Some(def) = query.param(bound) else {
                continue;
            };
            if values.contains_key(&def.name) {
                continue;
            }
            match value {
                Some(value) => {
                    values.insert(def.name.clone(), value);
                    order.push(def.name.clone());
                }
                None if def.is_required() => {
                    return Err(DataError::QueryRender {
                        query: self.name.clone(),
                        param: Some(def.name.clone()),
                        message: "the query needs a time range; give one with \
                                  `.time_range(start, end)`, `.within(range)` or the \
                                  provider's `set_time_range`"
                            .into(),
                    });
                }
                None => {}
            }
        }
        Ok(order
            .into_iter()
            .filter_map(|k| values.remove(&k).map(|v| (k, v)))
            .collect())
    }

    fn bounds(
        &self,
        query: &QueryDef,
        params: &[(String, ParamValue)],
        now: DateTime<Utc>,
    ) -> Result<(DateTime<Utc>, DateTime<Utc>), DataError> {
        let bound = |which: &str| -> Result<DateTime<Utc>, DataError> {
            let error = |message: String| DataError::QueryRender {
                query: self.name.clone(),
                param: Some(which.to_owned()),
                message,
            };
            let value = params
                .iter()
                .find(|(k, _)| is_named(query, k, which))
                .map(|(_, v)| v)
                .ok_or_else(|| {
                    error("split_by needs a query with `start` and `end` parameters".into())
                })?;
            value.to_datetime(now).map_err(error)
        };
        let (start, end) = (bound("start")?, bound("end")?);
        TimeRange::new(start, end)?;
        Ok((start, end))
    }
}

fn is_named(query: &QueryDef, given: &str, canonical: &str) -> bool {
    query.param(given).is_some_and(|p| p.name == canonical)
}

/// The smallest time step a dialect's datetime literal shows.
fn tick(dialect: Dialect) -> TimeDelta {
    match dialect {
        Dialect::Kql => TimeDelta::nanoseconds(100),
        Dialect::Spl => TimeDelta::microseconds(1),
    }
}

/// One chunk of a split query: its start and end.
type Window = (DateTime<Utc>, DateTime<Utc>);

/// `[start, end]` cut into windows of `chunk`, each ending one `tick` before the next
/// starts; the last ends at `end`.
fn chunks(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    chunk: Duration,
    tick: TimeDelta,
    name: &str,
) -> Result<Vec<Window>, DataError> {
    let step = TimeDelta::from_std(chunk)
        .ok()
        .filter(|s| *s > tick)
        .ok_or_else(|| DataError::QueryRender {
            query: name.to_owned(),
            param: None,
            message: format!("split_by({chunk:?}) is not a usable chunk length"),
        })?;
    const MAX_CHUNKS: i64 = 100_000;
    if (end - start).num_milliseconds() / step.num_milliseconds().max(1) > MAX_CHUNKS {
        return Err(DataError::QueryRender {
            query: name.to_owned(),
            param: None,
            message: format!(
                "split_by({chunk:?}) would cut the range into more than {MAX_CHUNKS} queries"
            ),
        });
    }
    let mut windows = Vec::new();
    let mut from = start;
    loop {
        let next = from + step;
        if next >= end {
            windows.push((from, end));
            return Ok(windows);
        }
        windows.push((from, next - tick));
        from = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn chunks_cover_the_range_without_overlap() {
        let start = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2026, 11, 1, 10, 0, 0).unwrap();
        let tick = TimeDelta::nanoseconds(100);
        let windows = chunks(start, end, Duration::from_secs(4 * 3600), tick, "q").unwrap();
        assert_eq!(windows.len(), 3);
        assert_eq!(windows[0].0, start);
        assert_eq!(windows[2].1, end);
        for pair in windows.windows(2) {
            assert_eq!(pair[0].1 + tick, pair[1].0);
        }
        assert_eq!(
            chunks(start, start, Duration::from_secs(60), tick, "q").unwrap(),
            [(start, start)]
        );
        assert!(chunks(start, end, Duration::ZERO, tick, "q").is_err());
        assert!(chunks(start, end, Duration::from_millis(1), tick, "q").is_err());
    }
}
