//! Linux audit (auditd) logs: records grouped into events, hex fields decoded, full
//! command lines, and a DataFrame with `TimeGenerated` and `EventType`.
//!
//! Records belong to the same event when they share the audit id `(timestamp,
//! serial)` — msticpy groups by timestamp alone and so merges unrelated events. Every
//! record lands in exactly one event; lines that are not audit records are listed
//! in [`AuditLog::issues`] with the reason, never dropped silently.
//!
//! ```
//! let log = sectools::parse_auditd(concat!(
//!     "type=SYSCALL msg=audit(1551487424.869:752): arch=c000003e syscall=59 success=yes ppid=1 pid=42 uid=0 exe=\"/bin/dash\"\n",
//!     "type=EXECVE msg=audit(1551487424.869:752): argc=3 a0=\"/bin/sh\" a1=\"-c\" a2=6C73202D6C61\n",
//!     "not an audit line\n",
//! ));
//! assert_eq!(log.events.len(), 1);
//! assert_eq!(log.events[0].event_type, "SYSCALL_EXECVE");
//! assert_eq!(log.events[0].cmdline().as_deref(), Some("/bin/sh -c ls -la"));
//! assert_eq!(log.issues[0].line, 3);
//! ```

use std::borrow::Cow;
use std::path::Path;

use chrono::TimeZone as _;
use chrono::{DateTime, Utc};
use polars::prelude::*;

use polars_buffer::Buffer;
pub use record::AuditRecord;
use table::{EventTable, SharedText};

use crate::SectoolsError;
use crate::frame::string_column;

mod pylit;
mod reader;
mod record;
mod table;

/// Records sharing one audit id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// When the kernel stamped the event (millisecond precision).
    pub timestamp: DateTime<Utc>,
    /// The serial part of the audit id.
    pub serial: u64,
    /// `SYSCALL_EXECVE` when a SYSCALL and an EXECVE record are present, otherwise the first record's type.
    pub event_type: String,
    /// The records, in input order.
    pub records: Vec<AuditRecord>,
    /// Columns carried over from DataFrame input (e.g. `Computer`), in input order.
    pub metadata: Vec<(String, Option<String>)>,
}

impl AuditEvent {
    /// The first value of `field` in a record of `record_type`.
    pub fn field(&self, record_type: &str, field: &str) -> Option<&str> {
        self.records
            .iter()
            .filter(|r| r.record_type() == record_type)
            .find_map(|r| r.get(field))
    }

    /// The audit id as auditd prints it: `SECS.MMM:SERIAL`.
    pub fn audit_id(&self) -> String {
        format!(
            "{}.{:03}:{}",
            self.timestamp.timestamp(),
            self.timestamp.timestamp_subsec_millis(),
            self.serial
        )
    }

    /// The full command line of an EXECVE event: every argument `a0..a{argc-1}`, long
    /// arguments split into `aN[k]` chunks joined back. `None` without an EXECVE record.
    pub fn cmdline(&self) -> Option<String> {
        let mut args = table::CmdlineArgs::default();
        let mut execve = self
            .records
            .iter()
            .filter(|r| r.record_type() == "EXECVE")
            .peekable();
        execve.peek()?;
        for record in execve {
            record
                .fields()
                .for_each(|(key, value)| args.add(key, value));
        }
        let mut cmdline = String::new();
        args.finish_into(&mut cmdline);
        Some(cmdline)
    }
}

/// The fields most investigations need, typed, from whichever record carries them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditSummary {
    /// Process id (SYSCALL, USER_*, CRED_*, LOGIN).
    pub pid: Option<i64>,
    /// Parent process id (SYSCALL).
    pub ppid: Option<i64>,
    /// Real user id.
    pub uid: Option<i64>,
    /// Audit (login) user id; -1 when unset.
    pub auid: Option<i64>,
    /// Audit session id; -1 when unset.
    pub ses: Option<i64>,
    /// Executable path.
    pub exe: Option<String>,
    /// Command name (SYSCALL `comm`).
    pub comm: Option<String>,
    /// Working directory (CWD record, or a USER_CMD `cwd`).
    pub cwd: Option<String>,
    /// Full command line (EXECVE), or the sudo command (USER_CMD `cmd`).
    pub cmdline: Option<String>,
    /// Account name (`acct`) for PAM and login events.
    pub account: Option<String>,
    /// Remote address (`addr`), when not `?`.
    pub addr: Option<String>,
    /// Terminal.
    pub terminal: Option<String>,
    /// Outcome: SYSCALL `success=yes`, or `res=success`/`res=1`.
    pub success: Option<bool>,
}

fn id_value(text: &str) -> Option<i64> {
    match text {
        "4294967295" | "unset" => Some(-1),
        other => other.parse().ok(),
    }
}

impl AuditEvent {
    /// The typed fields of this event (see [`AuditSummary`]).
    pub fn summary(&self) -> AuditSummary {
        let first = |name: &str| self.records.iter().find_map(|r| r.get(name));
        let known = |v: Option<&str>| {
            v.filter(|v| !v.is_empty() && *v != "?" && *v != "(none)")
                .map(str::to_string)
        };
        let success = match (first("success"), first("res")) {
            (Some(s), _) => Some(s == "yes"),
            (None, Some(r)) => Some(r == "success" || r == "1"),
            (None, None) => None,
        };
        AuditSummary {
            pid: first("pid").and_then(id_value),
            ppid: first("ppid").and_then(id_value),
            uid: first("uid").and_then(id_value),
            auid: first("auid").and_then(id_value),
            ses: first("ses").and_then(id_value),
            exe: known(first("exe")),
            comm: known(first("comm")),
            cwd: known(first("cwd")),
            cmdline: self
                .cmdline()
                .or_else(|| known(self.field("USER_CMD", "cmd"))),
            account: known(first("acct")),
            addr: known(first("addr")),
            terminal: known(first("terminal")),
            success,
        }
    }
}

/// A line that is not an audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditIssue {
    /// Line number (1-based) or DataFrame row (0-based).
    pub line: usize,
    /// What was wrong.
    pub reason: String,
    /// The offending text (first 200 characters).
    pub text: String,
}

/// Events parsed from a log, and the lines that could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditLog {
    /// Events in order of their first record.
    pub events: Vec<AuditEvent>,
    /// Lines that were not audit records.
    pub issues: Vec<AuditIssue>,
}

/// Parses raw auditd text (`/var/log/audit/audit.log` format).
pub fn parse_auditd(text: &str) -> AuditLog {
    let mut builder = Builder::default();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        builder.add_line(n + 1, line);
    }
    builder.log
}

/// Reads and parses an auditd log file.
pub fn read_auditd_file(path: impl AsRef<Path>) -> Result<AuditLog, SectoolsError> {
    let bytes = crate::read_file(path.as_ref()).map_err(|e| SectoolsError::io(&path, e))?;
    Ok(parse_auditd(&crate::jsonl::text(&bytes)))
}

/// Parses a DataFrame column of audit data, as Log Analytics exports it: each cell
/// either raw audit lines or a Python-literal list of `{TYPE: [items]}` dicts with
/// the audit id in `id_column` (`mssg_id`). Every other column is carried into the
/// events as metadata (`Computer`, ...), except an input `TimeGenerated`, which the
/// audit timestamp replaces.
pub fn auditd_from_df(
    df: &DataFrame,
    column: &str,
    id_column: Option<&str>,
) -> Result<AuditLog, SectoolsError> {
    let messages = string_column(df, column)?;
    let ids = id_column.map(|c| string_column(df, c)).transpose()?;
    let meta_names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .filter(|c| {
            c != column && Some(c.as_str()) != id_column && c != "TimeGenerated" && !c.is_empty()
        })
        .collect();
    let meta_columns: Vec<Column> = meta_names
        .iter()
        .map(|c| df.column(c).and_then(|col| col.cast(&DataType::String)))
        .collect::<Result<_, _>>()?;
    let mut builder = Builder::default();
    for (row, message) in messages.iter().enumerate() {
        let Some(message) = message else { continue };
        let metadata: Vec<(String, Option<String>)> = meta_names
            .iter()
            .zip(&meta_columns)
            .map(|(name, col)| {
                (
                    name.clone(),
                    col.str().ok().and_then(|s| s.get(row)).map(str::to_string),
                )
            })
            .collect();
        let first = builder.log.events.len();
        let trimmed = message.trim_start();
        if trimmed.starts_with('[') {
            let id = ids.and_then(|ids| ids.get(row));
            builder.add_exported(row, trimmed, id);
        } else {
            for line in message.lines().filter(|l| !l.trim().is_empty()) {
                builder.add_line(row, line);
            }
        }
        for event in &mut builder.log.events[first..] {
            event.metadata.clone_from(&metadata);
        }
    }
    Ok(builder.log)
}

#[derive(Default)]
struct Builder {
    log: AuditLog,
    /// The audit id of the latest line and its event.
    last: Option<((i64, u32, u64), usize)>,
    index: rustc_hash::FxHashMap<(i64, u32, u64), usize>,
}

fn issue(line: usize, reason: impl Into<String>, text: &str) -> AuditIssue {
    AuditIssue {
        line,
        reason: reason.into(),
        text: text.chars().take(200).collect(),
    }
}

impl Builder {
    fn add_line(&mut self, line_no: usize, line: &str) {
        match record::parse_header(line) {
            Ok(header) => {
                let record = AuditRecord::parse(header.record_type, header.body, line_no);
                self.add_record((header.seconds, header.millis, header.serial), record);
            }
            Err(reason) => self.log.issues.push(issue(line_no, reason, line)),
        }
    }

    fn add_exported(&mut self, row: usize, literal: &str, id: Option<&str>) {
        let records = match pylit::parse_records(literal) {
            Ok(records) => records,
            Err(reason) => {
                self.log.issues.push(issue(
                    row,
                    format!("AuditdMessage is not a list of records: {reason}"),
                    literal,
                ));
                return;
            }
        };
        let Some(key) = id.and_then(parse_id) else {
            self.log.issues.push(issue(
                row,
                "missing or malformed audit id (expected 'SECS.MMM:SERIAL')",
                literal,
            ));
            return;
        };
        for (record_type, items) in records {
            self.add_record(key, AuditRecord::parse(&record_type, &items.join(" "), row));
        }
    }

    fn add_record(&mut self, key: (i64, u32, u64), record: AuditRecord) {
        let events = &mut self.log.events;
        // Records of one event are nearly always adjacent: try the latest line's event
        // first (not the latest event: an earlier one may continue after it).
        if let Some((last, at)) = self.last
            && last == key
        {
            Self::push_record(&mut events[at], record);
            return;
        }
        let at = *self.index.entry(key).or_insert_with(|| {
            events.push(AuditEvent {
                timestamp: event_time(key),
                serial: key.2,
                event_type: String::new(),
                records: Vec::new(),
                metadata: Vec::new(),
            });
            events.len() - 1
        });
        self.last = Some((key, at));
        Self::push_record(&mut events[at], record);
    }

    fn push_record(event: &mut AuditEvent, record: AuditRecord) {
        if event.records.is_empty() {
            event.event_type = record.record_type().to_string();
        }
        let joins_execve = matches!(record.record_type(), "SYSCALL" | "EXECVE")
            && event.event_type != "SYSCALL_EXECVE";
        event.records.push(record);
        if joins_execve {
            let has = |t: &str| event.records.iter().any(|r| r.record_type() == t);
            if has("SYSCALL") && has("EXECVE") {
                event.event_type = "SYSCALL_EXECVE".to_string();
            }
        }
    }
}

/// The time of an audit id; the epoch when it is out of range.
fn event_time((seconds, millis, _): (i64, u32, u64)) -> DateTime<Utc> {
    Utc.timestamp_opt(seconds, millis * 1_000_000)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

fn parse_id(id: &str) -> Option<(i64, u32, u64)> {
    let line = format!("type=X msg=audit({id}): ");
    let header = record::parse_header(&line).ok()?;
    Some((header.seconds, header.millis, header.serial))
}

impl AuditLog {
    /// One row per event: `TimeGenerated` (UTC), `EventType`, `AuditId`, `RecordTypes`,
    /// the metadata columns (one named like those four gets an `_input` suffix),
    /// `cmdline` (EXECVE events), then every field in first-seen order. A field seen
    /// in two record types of one event is named `field_TYPE` for the later type.
    /// Id fields (pid, uid, ses, ...) are integers with unset (4294967295) as -1, unless
    /// a value is not an integer: then the column is text, every value as written.
    ///
    /// [`auditd_frame`] builds the same frame straight from the text, faster.
    pub fn to_df(&self) -> Result<DataFrame, SectoolsError> {
        let mut metadata: Vec<&str> = Vec::new();
        for event in &self.events {
            for (name, _) in &event.metadata {
                if !metadata.contains(&name.as_str()) {
                    metadata.push(name);
                }
            }
        }
        let mut table = EventTable::new(self.events.len(), metadata, None);
        for event in &self.events {
            table.begin_event(event.timestamp.timestamp_millis(), event.serial);
            for (name, value) in &event.metadata {
                if let Some(value) = value {
                    table.metadata(name, value);
                }
            }
            for record in &event.records {
                table.record(record.record_type());
                for (key, value) in record.fields() {
                    table.field(key, Cow::Borrowed(value));
                }
            }
        }
        table.finish()
    }
}

/// The event table of an auditd log and the lines that were not audit records.
#[derive(Debug, Clone)]
pub struct AuditFrame {
    /// One row per event, as [`AuditLog::to_df`] makes it.
    pub df: DataFrame,
    /// Lines that were not audit records.
    pub issues: Vec<AuditIssue>,
}

/// Parses raw auditd text straight into the event table of [`AuditLog::to_df`],
/// without building [`AuditEvent`]s: values are read in place, so this is several
/// times faster and smaller than `parse_auditd(text).to_df()`, with the same result.
/// A log of several megabytes is read in parts on the machine's cores
/// ([`auditd_frame_threads`] sets how many).
///
/// ```
/// let frame = sectools::auditd_frame(concat!(
///     "type=SYSCALL msg=audit(1551487424.869:752): arch=c000003e syscall=59 success=yes ppid=1 pid=42 uid=0 exe=\"/bin/dash\"\n",
///     "type=EXECVE msg=audit(1551487424.869:752): argc=3 a0=\"/bin/sh\" a1=\"-c\" a2=6C73202D6C61\n",
///     "not an audit line\n",
/// )).unwrap();
/// assert_eq!(frame.df.height(), 1);
/// assert_eq!(frame.df.column("cmdline").unwrap().str().unwrap().get(0), Some("/bin/sh -c ls -la"));
/// assert_eq!(frame.issues[0].line, 3);
/// ```
pub fn auditd_frame(text: &str) -> Result<AuditFrame, SectoolsError> {
    reader::frame(text, reader::threads_for(text), None)
}

/// [`auditd_frame`] on at most `threads` threads (a large log is read in parts, one
/// thread each; 1 reads it on the calling thread). The frame is the same for any
/// number.
///
/// ```
/// let log = "type=USER_LOGIN msg=audit(1551487424.869:752): pid=7 uid=0 res=success\n";
/// let one = sectools::auditd_frame_threads(log, 1).unwrap();
/// let four = sectools::auditd_frame_threads(log, 4).unwrap();
/// assert!(one.df.equals_missing(&four.df));
/// ```
pub fn auditd_frame_threads(text: &str, threads: usize) -> Result<AuditFrame, SectoolsError> {
    reader::frame(text, threads, None)
}

/// Reads an auditd log file into its event table (see [`auditd_frame`]).
///
/// The frame's long values are views into the file's text, which it keeps, rather
/// than copies of them.
pub fn read_auditd_frame(path: impl AsRef<Path>) -> Result<AuditFrame, SectoolsError> {
    let bytes = crate::read_file(path.as_ref()).map_err(|e| SectoolsError::io(&path, e))?;
    let buffer = Buffer::from(crate::file::into_text(bytes).into_bytes());
    // SAFETY: the bytes are those of the `String` just made, moved without a copy.
    let text = unsafe { std::str::from_utf8_unchecked(&buffer) };
    reader::frame(
        text,
        reader::threads_for(text),
        SharedText::new(buffer.clone()),
    )
}
