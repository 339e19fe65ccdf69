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

pub use record::AuditRecord;

use crate::SectoolsError;
use crate::frame::string_column;

mod pylit;
mod record;

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
        let execve: Vec<&AuditRecord> = self
            .records
            .iter()
            .filter(|r| r.record_type() == "EXECVE")
            .collect();
        if execve.is_empty() {
            return None;
        }
        let argc = execve
            .iter()
            .find_map(|r| r.get("argc"))
            .and_then(|a| a.parse::<usize>().ok());
        let mut args: Vec<String> = Vec::new();
        for record in &execve {
            for (key, value) in record.fields() {
                let Some(rest) = key.strip_prefix('a') else {
                    continue;
                };
                let (index, chunked) = match rest.split_once('[') {
                    Some((n, _)) => (n, true),
                    None => (rest, false),
                };
                let Ok(index) = index.parse::<usize>() else {
                    continue;
                };
                if args.len() <= index {
                    args.resize(index + 1, String::new());
                }
                if chunked {
                    args[index].push_str(value);
                } else {
                    args[index] = value.to_string();
                }
            }
        }
        if let Some(argc) = argc {
            args.truncate(argc);
        }
        Some(args.join(" "))
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
    let bytes = std::fs::read(path.as_ref()).map_err(|e| SectoolsError::io(&path, e))?;
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
    last: Option<(i64, u32, u64)>,
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
        // Records of one event are nearly always adjacent: try the latest event first.
        if let (Some(&last), Some(event)) = (self.last.as_ref(), events.last_mut())
            && last == key
        {
            Self::push_record(event, record);
            return;
        }
        self.last = Some(key);
        let at = *self.index.entry(key).or_insert_with(|| {
            let timestamp = Utc
                .timestamp_opt(key.0, key.1 * 1_000_000)
                .single()
                .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
            events.push(AuditEvent {
                timestamp,
                serial: key.2,
                event_type: String::new(),
                records: Vec::new(),
                metadata: Vec::new(),
            });
            events.len() - 1
        });
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

fn parse_id(id: &str) -> Option<(i64, u32, u64)> {
    let line = format!("type=X msg=audit({id}): ");
    let header = record::parse_header(&line).ok()?;
    Some((header.seconds, header.millis, header.serial))
}

/// Fields holding numeric ids; `4294967295` (unsigned -1) means "unset" and becomes -1.
const INT_FIELDS: &[&str] = &[
    "pid", "ppid", "uid", "gid", "euid", "egid", "suid", "sgid", "fsuid", "fsgid", "auid", "ses",
    "argc", "items",
];

impl AuditLog {
    /// One row per event: `TimeGenerated` (UTC), `EventType`, `AuditId`, `RecordTypes`,
    /// the metadata columns (one named like those four gets an `_input` suffix),
    /// `cmdline` (EXECVE events), then every field. A field seen
    /// in two record types of one event is named `field_TYPE` for the later type.
    /// Id fields (pid, uid, ses, ...) are integers with unset (4294967295) as -1.
    pub fn to_df(&self) -> Result<DataFrame, SectoolsError> {
        // Columns are sparse (most fields belong to a few event types), so each keeps
        // only its (row, value) cells, borrowed from the records where possible.
        let mut columns = SparseColumns::default();
        for (row, event) in self.events.iter().enumerate() {
            for (name, value) in &event.metadata {
                if let Some(value) = value {
                    columns.set(name, row, Cow::Borrowed(value.as_str()));
                }
            }
            if let Some(cmdline) = event.cmdline() {
                columns.set("cmdline", row, Cow::Owned(cmdline));
            }
            for record in &event.records {
                let record_type = record.record_type();
                for (key, value) in record.fields() {
                    columns.set_field(key, record_type, row, value);
                }
            }
        }
        let times: Vec<i64> = self
            .events
            .iter()
            .map(|e| e.timestamp.timestamp_millis())
            .collect();
        let mut out = vec![
            Column::new("TimeGenerated".into(), times).cast(&DataType::Datetime(
                TimeUnit::Milliseconds,
                Some(TimeZone::UTC),
            ))?,
            Column::new(
                "EventType".into(),
                self.events
                    .iter()
                    .map(|e| e.event_type.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "AuditId".into(),
                self.events
                    .iter()
                    .map(AuditEvent::audit_id)
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "RecordTypes".into(),
                self.events
                    .iter()
                    .map(|e| {
                        e.records
                            .iter()
                            .map(|r| r.record_type())
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .collect::<Vec<_>>(),
            ),
        ];
        let n = self.events.len();
        for (name, cells) in columns.names.iter().zip(&columns.cells) {
            // Input columns named like the ones computed here (a Log Analytics export
            // has its own `AuditId`) are kept under another name.
            if out.iter().any(|c| c.name().as_str() == name) {
                out.push(typed_column(&format!("{name}_input"), cells, n));
            } else {
                out.push(typed_column(name, cells, n));
            }
        }
        Ok(DataFrame::new_infer_height(out)?)
    }
}

/// Columns in first-seen order, each a list of `(row, value)` cells; the first value for a row wins.
#[derive(Default)]
struct SparseColumns<'a> {
    names: Vec<String>,
    cells: Vec<Vec<(usize, Cow<'a, str>)>>,
    /// The record type that gave each column its latest cell ("" for metadata).
    owner: Vec<&'a str>,
    /// Field names are short and looked up once per field of every record: FxHash.
    index: rustc_hash::FxHashMap<String, usize>,
}

impl<'a> SparseColumns<'a> {
    fn column(&mut self, name: &str) -> usize {
        match self.index.get(name) {
            Some(&at) => at,
            None => {
                self.names.push(name.to_string());
                self.cells.push(Vec::new());
                self.owner.push("");
                self.index.insert(name.to_string(), self.names.len() - 1);
                self.names.len() - 1
            }
        }
    }

    /// A metadata value; the first value for a row wins.
    fn set(&mut self, name: &str, row: usize, value: Cow<'a, str>) {
        let at = self.column(name);
        let cells = &mut self.cells[at];
        if cells.last().is_none_or(|(last, _)| *last != row) {
            cells.push((row, value));
            self.owner[at] = "";
        }
    }

    /// A record's field. The first record type to set a name in an event owns it;
    /// the same name from another record type becomes `name_TYPE`.
    fn set_field(&mut self, key: &str, record_type: &'a str, row: usize, value: &'a str) {
        let at = self.column(key);
        match self.cells[at].last() {
            Some((last, _)) if *last == row => {
                let owner = self.owner[at];
                if !owner.is_empty() && owner != record_type {
                    self.set(&format!("{key}_{record_type}"), row, Cow::Borrowed(value));
                }
            }
            _ => {
                self.cells[at].push((row, Cow::Borrowed(value)));
                self.owner[at] = record_type;
            }
        }
    }
}

fn typed_column(name: &str, cells: &[(usize, Cow<'_, str>)], rows: usize) -> Column {
    // Cells are in row order (one per row at most): gaps are nulls, appended as they
    // come rather than through a full-length vector per column.
    if INT_FIELDS.contains(&name) {
        let mut ints = PrimitiveChunkedBuilder::<Int64Type>::new(name.into(), rows);
        let mut next = 0;
        let parsed = cells.iter().all(|(row, value)| {
            let v = match value.as_ref() {
                "4294967295" | "unset" => Some(-1),
                v => v.parse::<i64>().ok(),
            };
            (next..*row).for_each(|_| ints.append_null());
            ints.append_option(v);
            next = row + 1;
            v.is_some()
        });
        if parsed {
            (next..rows).for_each(|_| ints.append_null());
            return ints.finish().into_column();
        }
    }
    let mut text = StringChunkedBuilder::new(name.into(), rows);
    let mut next = 0;
    for (row, value) in cells {
        (next..*row).for_each(|_| text.append_null());
        text.append_value(value.as_ref());
        next = row + 1;
    }
    (next..rows).for_each(|_| text.append_null());
    text.finish().into_column()
}
