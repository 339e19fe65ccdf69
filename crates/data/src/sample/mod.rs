//! The sample lab dataset: a fictional organisation (Larkmoor Freight: 40 Windows and
//! Linux hosts, 150 accounts) over a week of background activity with one planted
//! intrusion that spans the tables, generated deterministically from a seed.
//!
//! Tables are named and shaped like Microsoft Sentinel's (see `docs/sample-data.md`);
//! [`generate`] writes one file per table, [`ensure_default`] keeps a shared copy for
//! notebooks, and [`story`] exposes the planted intrusion's ground truth.
//!
//! ```no_run
//! let dir = data::sample::ensure_default()?;
//! let alerts = data::read_table(dir.join("SecurityAlert.parquet"), false)?;
//! assert!(alerts.height() > 0);
//! # Ok::<(), data::DataError>(())
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, TimeZone, Utc};
use polars::prelude::DataFrame;

use crate::{DataError, TableFormat, write_table};

pub use story::{PlantedStory, StoryTimes, story};

mod alerts;
mod background;
mod encode;
mod intel;
mod intrusion;
mod json;
mod org;
mod rng;
mod rows;
mod signin;
mod story;
mod world;

use rows::Ts;

/// Bump when the generator's output changes, so cached copies are regenerated.
pub const GENERATOR_VERSION: u32 = 1;

/// The tables, in the order they are generated and listed.
pub const TABLES: &[&str] = &[
    "SecurityAlert",
    "SecurityEvent",
    "Syslog",
    "LinuxAudit",
    "DeviceProcessEvents",
    "DeviceNetworkEvents",
    "SigninLogs",
    "DnsEvents",
    "CommonSecurityLog",
    "ThreatIntelligenceIndicator",
];

/// The most days a dataset may span (the volume grows linearly with days).
pub const MAX_DAYS: u32 = 31;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleOptions {
    /// Seed for the background activity (the roster and the story's facts are fixed).
    pub seed: u64,
    /// Days of activity, ending at `end` (1 to [`MAX_DAYS`]).
    pub days: u32,
    /// File format [`generate`] writes (Parquet by default; CSV or JSON lines on request).
    pub format: TableFormat,
    /// End of the window (exclusive); a fixed instant, never "now", so output is reproducible.
    pub end: DateTime<Utc>,
}

impl Default for SampleOptions {
    /// Seed 1, seven days ending 2026-11-02T00:00:00Z (Monday to Sunday), Parquet.
    fn default() -> Self {
        SampleOptions {
            seed: 1,
            days: 7,
            format: TableFormat::Parquet,
            end: Utc
                .with_ymd_and_hms(2026, 11, 2, 0, 0, 0)
                .single()
                .unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
        }
    }
}

impl SampleOptions {
    /// Start of the window: `days` before `end`.
    pub fn start(&self) -> DateTime<Utc> {
        self.end - Duration::days(i64::from(self.days))
    }

    fn check(&self) -> Result<(), DataError> {
        if self.days == 0 || self.days > MAX_DAYS {
            return Err(DataError::SampleData {
                message: format!("days must be between 1 and {MAX_DAYS}, not {}", self.days),
            });
        }
        Ok(())
    }
}

/// One table written by [`generate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSummary {
    /// Table name (`SecurityAlert`).
    pub name: &'static str,
    /// Number of rows.
    pub rows: usize,
    /// The file written.
    pub path: PathBuf,
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleSummary {
    /// The directory the files are in.
    pub dir: PathBuf,
    /// One entry per table, in [`TABLES`] order.
    pub tables: Vec<TableSummary>,
}

impl SampleSummary {
    /// Rows across all tables.
    pub fn total_rows(&self) -> usize {
        self.tables.iter().map(|t| t.rows).sum()
    }

    /// The files written, in [`TABLES`] order.
    pub fn files(&self) -> Vec<&Path> {
        self.tables.iter().map(|t| t.path.as_path()).collect()
    }
}

impl fmt::Display for SampleSummary {
    /// A table of names, row counts and files, then the total.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = TABLES.iter().map(|t| t.len()).max().unwrap_or(0);
        for t in &self.tables {
            writeln!(
                f,
                "{:<width$}  {:>8} rows  {}",
                t.name,
                t.rows,
                t.path.display()
            )?;
        }
        write!(
            f,
            "{} tables, {} rows in {}",
            self.tables.len(),
            self.total_rows(),
            self.dir.display()
        )
    }
}

/// The column names of a table, or `None` for an unknown table.
pub fn columns(table: &str) -> Option<&'static [&'static str]> {
    Some(match table {
        "SecurityAlert" => rows::SecurityAlert::COLUMNS,
        "SecurityEvent" => rows::SecurityEvent::COLUMNS,
        "Syslog" => rows::Syslog::COLUMNS,
        "LinuxAudit" => rows::LinuxAudit::COLUMNS,
        "DeviceProcessEvents" => rows::DeviceProcessEvents::COLUMNS,
        "DeviceNetworkEvents" => rows::DeviceNetworkEvents::COLUMNS,
        "SigninLogs" => rows::SigninLogs::COLUMNS,
        "DnsEvents" => rows::DnsEvents::COLUMNS,
        "CommonSecurityLog" => rows::CommonSecurityLog::COLUMNS,
        "ThreatIntelligenceIndicator" => rows::ThreatIntelligenceIndicator::COLUMNS,
        _ => return None,
    })
}

/// Sorts rows by time (stably, so records of one event keep their order) and keeps
/// those inside the window.
fn in_window<T>(mut rows: Vec<T>, time: impl Fn(&T) -> Ts, start: Ts, end: Ts) -> Vec<T> {
    rows.retain(|r| (start..end).contains(&time(r)));
    rows.sort_by_key(|r| time(r));
    rows
}

fn frame_error(table: &str, e: impl fmt::Display) -> DataError {
    DataError::SampleData {
        message: format!("building {table}: {e}"),
    }
}

/// Generates every table in memory, in [`TABLES`] order.
pub fn tables(options: &SampleOptions) -> Result<Vec<(&'static str, DataFrame)>, DataError> {
    options.check()?;
    let story = story::story(options);
    let start = Ts(options.start().timestamp_millis());
    let end = Ts(options.end.timestamp_millis());
    let org = org::Org::new();
    let patient_zero = org.host(&story.patient_zero_host);
    let mut world = world::World::new(org, options.seed);
    world.reserved = Some((patient_zero, intrusion::victim_day(&story)));
    background::generate(&mut world, options.seed, start, options.days);
    intrusion::plant(&mut world, options.seed, &story, start, end);
    alerts::background_alerts(&mut world, options.seed, start, options.days);
    let intel = intel::indicators(
        options.seed,
        start,
        options.days,
        Ts(story.times.phish_opened.timestamp_millis()),
    );

    macro_rules! table {
        ($name:literal, $rows:expr, $ty:ident) => {
            (
                $name,
                rows::$ty::frame(in_window($rows, |r| r.TimeGenerated, start, end))
                    .map_err(|e| frame_error($name, e))?,
            )
        };
    }
    let mut w = world;
    for e in &mut w.security_event {
        e.EventSourceName = "Microsoft-Windows-Security-Auditing".into();
        e.Channel = "Security".into();
    }
    Ok(vec![
        table!("SecurityAlert", w.alerts, SecurityAlert),
        table!("SecurityEvent", w.security_event, SecurityEvent),
        table!("Syslog", w.syslog, Syslog),
        table!("LinuxAudit", w.audit, LinuxAudit),
        table!("DeviceProcessEvents", w.device_process, DeviceProcessEvents),
        table!("DeviceNetworkEvents", w.device_network, DeviceNetworkEvents),
        table!("SigninLogs", w.signin, SigninLogs),
        table!("DnsEvents", w.dns, DnsEvents),
        table!("CommonSecurityLog", w.firewall, CommonSecurityLog),
        table!(
            "ThreatIntelligenceIndicator",
            intel,
            ThreatIntelligenceIndicator
        ),
    ])
}

/// The file name of a table in a format (`SecurityAlert.parquet`).
pub fn file_name(table: &str, format: TableFormat) -> String {
    match format {
        TableFormat::Parquet => format!("{table}.parquet"),
        TableFormat::Csv => format!("{table}.csv"),
        TableFormat::JsonLines => format!("{table}.jsonl"),
    }
}

/// Writes one file per table into `dir` (created if missing) and nothing else.
pub fn generate(dir: &Path, options: &SampleOptions) -> Result<SampleSummary, DataError> {
    options.check()?;
    std::fs::create_dir_all(dir).map_err(|e| DataError::SampleData {
        message: format!(
            "cannot create directory {}: {e}; choose a writable directory",
            dir.display()
        ),
    })?;
    let mut summary = SampleSummary {
        dir: dir.to_path_buf(),
        tables: Vec::new(),
    };
    for (name, df) in tables(options)? {
        let path = dir.join(file_name(name, options.format));
        write_table(&df, &path)?;
        summary.tables.push(TableSummary {
            name,
            rows: df.height(),
            path,
        });
    }
    Ok(summary)
}

/// Where notebooks find the dataset: `$HUNTRS_SAMPLE_DATA` if set, else
/// `$HOME/.cache/huntrs/sample-data/<crate version>-<generator hash>` (the system
/// temporary directory stands in for a missing `$HOME`).
pub fn default_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("HUNTRS_SAMPLE_DATA").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map_or_else(std::env::temp_dir, PathBuf::from);
    base.join(".cache")
        .join("huntrs")
        .join("sample-data")
        .join(cache_key())
}

/// `<crate version>-<16 hex digits>`: a new generator version gets a new directory.
fn cache_key() -> String {
    let hash = rng::hash_label(&format!("huntrs-sample-generator-v{GENERATOR_VERSION}"));
    format!("{}-{hash:016x}", env!("CARGO_PKG_VERSION"))
}

fn complete(dir: &Path, format: TableFormat) -> bool {
    TABLES
        .iter()
        .all(|t| dir.join(file_name(t, format)).is_file())
}

/// Generates the default dataset into [`default_dir`] unless it is already there,
/// and returns the directory. Files are written to a temporary sibling directory
/// that is then renamed into place, so concurrent callers never see half a dataset.
pub fn ensure_default() -> Result<PathBuf, DataError> {
    ensure_in(&default_dir())
}

fn ensure_in(dir: &Path) -> Result<PathBuf, DataError> {
    let options = SampleOptions::default();
    if complete(dir, options.format) {
        return Ok(dir.to_path_buf());
    }
    let io_error = |what: &str, path: &Path, e: std::io::Error| DataError::SampleData {
        message: format!("cannot {what} {}: {e}", path.display()),
    };
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| io_error("create directory", parent, e))?;
    let leaf = dir.file_name().map_or_else(
        || "sample-data".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let temp = parent.join(format!(".{leaf}.tmp-{}-{nanos}", std::process::id()));
    let result = generate(&temp, &options).and_then(|_| {
        // An empty directory (e.g. created for $HUNTRS_SAMPLE_DATA) can be replaced.
        if dir.is_dir() && std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none()) {
            let _ = std::fs::remove_dir(dir);
        }
        match std::fs::rename(&temp, dir) {
            Ok(()) => Ok(()),
            // Another process finished first: use its copy.
            Err(_) if complete(dir, options.format) => Ok(()),
            Err(e) => Err(io_error("move the generated dataset to", dir, e)),
        }
    });
    if temp.exists() {
        let _ = std::fs::remove_dir_all(&temp);
    }
    result.map(|()| dir.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_checked() {
        let options = SampleOptions {
            days: 0,
            ..SampleOptions::default()
        };
        let err = tables(&options).expect_err("zero days");
        assert!(
            err.to_string().contains("days must be between 1 and 31"),
            "{err}"
        );
        assert_eq!(
            SampleOptions::default().start().to_rfc3339(),
            "2026-10-26T00:00:00+00:00"
        );
    }

    #[test]
    fn every_table_has_columns_and_a_file_name() {
        for t in TABLES {
            assert!(
                columns(t).is_some_and(|c| c.contains(&"TimeGenerated")),
                "{t}"
            );
        }
        assert_eq!(columns("Nope"), None);
        assert_eq!(file_name("Syslog", TableFormat::Csv), "Syslog.csv");
        assert!(cache_key().starts_with(env!("CARGO_PKG_VERSION")));
    }

    #[test]
    fn ensure_reuses_a_complete_directory() {
        let dir = std::env::temp_dir().join(format!("huntrs-sample-ensure-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        for t in TABLES {
            std::fs::write(dir.join(file_name(t, TableFormat::Parquet)), b"x").expect("file");
        }
        // Complete (by name): nothing is regenerated, the placeholder bytes stay.
        assert_eq!(ensure_in(&dir).expect("ensure"), dir);
        assert_eq!(
            std::fs::read(dir.join("Syslog.parquet")).expect("read"),
            b"x"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn ensure_generates_once_and_leaves_no_temporary_directory() {
        let parent =
            std::env::temp_dir().join(format!("huntrs-sample-fresh-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&parent);
        let dir = parent.join("nested").join("lab");
        assert_eq!(ensure_in(&dir).expect("ensure"), dir);
        assert!(complete(&dir, TableFormat::Parquet));
        let siblings: Vec<_> = std::fs::read_dir(parent.join("nested"))
            .expect("parent")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(
            siblings,
            [std::ffi::OsString::from("lab")],
            "temporary directory renamed away"
        );
        let _ = std::fs::remove_dir_all(&parent);
    }
}
