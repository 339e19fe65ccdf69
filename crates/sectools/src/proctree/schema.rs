//! Which columns of a process-event table hold what: msticpy's process schemas, their
//! inference, and custom schemas.

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::SectoolsError;

/// The event value that marks process-creation rows (`4688`, `SYSCALL_EXECVE`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EventFilter {
    /// A numeric event id, matched against numbers or their text.
    Id(i64),
    /// A text event type.
    Name(String),
}

impl EventFilter {
    fn matches(&self, value: &str) -> bool {
        match self {
            EventFilter::Id(id) => value.trim().parse::<i64>().is_ok_and(|v| v == *id),
            EventFilter::Name(name) => value == name,
        }
    }

    /// Keeps the rows whose `column` value is this event.
    pub(crate) fn filter(&self, df: &DataFrame, column: &str) -> Result<DataFrame, SectoolsError> {
        let col = crate::frame::column(df, column)?;
        let mask: BooleanChunked = match (self, col.dtype()) {
            (EventFilter::Id(id), dtype) if dtype.is_integer() => col
                .cast(&DataType::Int64)?
                .i64()?
                .iter()
                .map(|v| Some(v == Some(*id)))
                .collect(),
            _ => super::input::text_column(df, column)?
                .str()?
                .iter()
                .map(|v| Some(v.is_some_and(|v| self.matches(v))))
                .collect(),
        };
        Ok(df.filter(&mask)?)
    }
}

/// How the tree is assembled from the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// One row per created process naming its parent's id (and maybe name): Windows
    /// 4688, Sysmon 1, auditd, osquery, HX. Parents are matched by id and time.
    ParentById,
    /// MDE's internal schema: every row also describes its initiating process and that
    /// process's parent, each with a creation time.
    MdeInternal,
    /// Sentinel's `DeviceProcessEvents`: MDE with its public column names.
    MdeEvents,
}

/// Maps the generic roles of a process event onto a table's column names, as msticpy's
/// `ProcSchema` does. The four required roles are `process_name`, `process_id`,
/// `parent_id` and `time_stamp`; the rest refine the tree when present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcSchema {
    /// The schema's name: a built-in name, or `custom`.
    #[serde(default = "custom_name")]
    pub name: String,
    /// Process image name or path.
    pub process_name: String,
    /// Process id (decimal or `0x` hex text, or a number).
    pub process_id: String,
    /// The parent's process id.
    pub parent_id: String,
    /// Creation time.
    pub time_stamp: String,
    /// Command line.
    #[serde(default)]
    pub cmd_line: Option<String>,
    /// Separator in process paths.
    #[serde(default = "backslash")]
    pub path_separator: String,
    /// User name.
    #[serde(default)]
    pub user_name: Option<String>,
    /// Logon (session) id of the creating process.
    #[serde(default)]
    pub logon_id: Option<String>,
    /// Host name.
    #[serde(default, alias = "host_name_column")]
    pub host_name: Option<String>,
    /// The parent's name; without it parents are matched on id and time alone.
    #[serde(default)]
    pub parent_name: Option<String>,
    /// Logon id the new process runs under (Windows `TargetLogonId`).
    #[serde(default)]
    pub target_logon_id: Option<String>,
    /// User SID or uid.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Column with the event type; rows of other events are skipped.
    #[serde(default)]
    pub event_id_column: Option<String>,
    /// The event type value of process creation.
    #[serde(default, alias = "event_id_identifier")]
    pub event_id: Option<EventFilter>,
    #[serde(skip, default = "parent_by_id")]
    pub(crate) layout: Layout,
}

fn custom_name() -> String {
    "custom".to_string()
}
fn backslash() -> String {
    "\\".to_string()
}
fn parent_by_id() -> Layout {
    Layout::ParentById
}

#[allow(clippy::too_many_arguments)]
fn builtin(
    name: &str,
    layout: Layout,
    [process_name, process_id, parent_id, time_stamp]: [&str; 4],
    [
        cmd_line,
        user_name,
        logon_id,
        host_name,
        parent_name,
        target_logon_id,
        user_id,
    ]: [Option<&str>; 7],
    path_separator: &str,
    event: Option<(&str, EventFilter)>,
) -> ProcSchema {
    let own = |s: Option<&str>| s.map(str::to_string);
    ProcSchema {
        name: name.to_string(),
        process_name: process_name.to_string(),
        process_id: process_id.to_string(),
        parent_id: parent_id.to_string(),
        time_stamp: time_stamp.to_string(),
        cmd_line: own(cmd_line),
        path_separator: path_separator.to_string(),
        user_name: own(user_name),
        logon_id: own(logon_id),
        host_name: own(host_name),
        parent_name: own(parent_name),
        target_logon_id: own(target_logon_id),
        user_id: own(user_id),
        event_id_column: event.as_ref().map(|(c, _)| c.to_string()),
        event_id: event.map(|(_, f)| f),
        layout,
    }
}

impl ProcSchema {
    /// Windows Security event 4688 (`SecurityEvent`).
    pub fn windows_4688() -> ProcSchema {
        builtin(
            "windows-4688",
            Layout::ParentById,
            [
                "NewProcessName",
                "NewProcessId",
                "ProcessId",
                "TimeGenerated",
            ],
            [
                Some("CommandLine"),
                Some("SubjectUserName"),
                Some("SubjectLogonId"),
                Some("Computer"),
                Some("ParentProcessName"),
                Some("TargetLogonId"),
                Some("SubjectUserSid"),
            ],
            "\\",
            Some(("EventID", EventFilter::Id(4688))),
        )
    }

    /// Linux auditd `SYSCALL_EXECVE` events, as [`crate::AuditLog::to_df`] writes them.
    pub fn linux_auditd() -> ProcSchema {
        builtin(
            "linux-auditd",
            Layout::ParentById,
            ["exe", "pid", "ppid", "TimeGenerated"],
            [
                Some("cmdline"),
                Some("acct"),
                Some("ses"),
                Some("Computer"),
                None,
                None,
                Some("uid"),
            ],
            "/",
            Some(("EventType", EventFilter::Name("SYSCALL_EXECVE".into()))),
        )
    }

    /// Microsoft Defender for Endpoint's internal process schema (`CreatedProcess*`).
    pub fn mde_internal() -> ProcSchema {
        builtin(
            "mde-internal",
            Layout::MdeInternal,
            [
                "CreatedProcessName",
                "CreatedProcessId",
                "CreatedProcessParentId",
                "CreatedProcessCreationTime",
            ],
            [
                Some("CreatedProcessCommandLine"),
                Some("CreatedProcessAccountName"),
                Some("InitiatingProcessLogonId"),
                Some("ComputerDnsName"),
                Some("ParentProcessName"),
                Some("LogonId"),
                Some("CreatedProcessAccountSid"),
            ],
            "\\",
            None,
        )
    }

    /// Sentinel / advanced hunting `DeviceProcessEvents` (`ActionType == ProcessCreated`).
    pub fn mde_events() -> ProcSchema {
        builtin(
            "mde-events",
            Layout::MdeEvents,
            ["FileName", "ProcessId", "InitiatingProcessId", "Timestamp"],
            [
                Some("ProcessCommandLine"),
                Some("AccountName"),
                Some("InitiatingProcessLogonId"),
                Some("DeviceName"),
                Some("InitiatingProcessFileName"),
                Some("LogonId"),
                Some("AccountSid"),
            ],
            "\\",
            Some(("ActionType", EventFilter::Name("ProcessCreated".into()))),
        )
    }

    /// Sysmon event 1 (process create).
    pub fn sysmon() -> ProcSchema {
        builtin(
            "sysmon",
            Layout::ParentById,
            ["Image", "ProcessId", "ParentProcessId", "UtcTime"],
            [
                Some("CommandLine"),
                Some("User"),
                Some("LogonId"),
                Some("Computer"),
                Some("ParentImage"),
                None,
                None,
            ],
            "\\",
            Some(("EventID", EventFilter::Id(1))),
        )
    }

    /// osquery process events.
    pub fn osquery() -> ProcSchema {
        builtin(
            "osquery",
            Layout::ParentById,
            ["name", "pid", "parent", "calendarTime"],
            [
                Some("cmdline"),
                Some("username"),
                None,
                None,
                Some("pcmdline"),
                None,
                Some("uid"),
            ],
            "/",
            None,
        )
    }

    /// FireEye HX process events.
    pub fn hx() -> ProcSchema {
        builtin(
            "hx",
            Layout::ParentById,
            ["process", "pid", "parentpid", "starttime"],
            [
                Some("processcmdline"),
                Some("username"),
                None,
                Some("hostname"),
                Some("parentprocess"),
                None,
                None,
            ],
            "\\",
            Some(("eventtype", EventFilter::Name("start".into()))),
        )
    }

    /// Every built-in schema, in msticpy's order (which decides ties when inferring).
    pub fn builtins() -> Vec<ProcSchema> {
        vec![
            ProcSchema::windows_4688(),
            ProcSchema::linux_auditd(),
            ProcSchema::mde_internal(),
            ProcSchema::mde_events(),
            ProcSchema::sysmon(),
            ProcSchema::osquery(),
            ProcSchema::hx(),
        ]
    }

    /// A built-in schema by name (`windows-4688`, `linux-auditd`, `mde-internal`,
    /// `mde-events`, `sysmon`, `osquery`, `hx`).
    pub fn named(name: &str) -> Result<ProcSchema, SectoolsError> {
        ProcSchema::builtins()
            .into_iter()
            .find(|s| s.name == name)
            .ok_or_else(|| {
                SectoolsError::InvalidInput(format!(
                    "unknown process schema '{name}'; built-in schemas: {}",
                    builtin_names()
                ))
            })
    }

    /// A custom schema from JSON with msticpy's keys (`process_name`, `process_id`,
    /// `parent_id`, `time_stamp`, and optionally `cmd_line`, `parent_name`, `logon_id`,
    /// `target_logon_id`, `host_name`, `user_name`, `user_id`, `path_separator`,
    /// `event_id_column`, `event_id`).
    pub fn from_json(text: &str) -> Result<ProcSchema, SectoolsError> {
        serde_json::from_str(text).map_err(|e| {
            SectoolsError::InvalidInput(format!(
                "process schema: {e} (required keys: process_name, process_id, parent_id, time_stamp)"
            ))
        })
    }

    /// Every column the schema names.
    pub fn columns(&self) -> Vec<&str> {
        [
            Some(&self.process_name),
            Some(&self.process_id),
            Some(&self.parent_id),
            Some(&self.time_stamp),
            self.cmd_line.as_ref(),
            self.user_name.as_ref(),
            self.logon_id.as_ref(),
            self.host_name.as_ref(),
            self.parent_name.as_ref(),
            self.target_logon_id.as_ref(),
            self.user_id.as_ref(),
            self.event_id_column.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect()
    }

    /// The built-in schema sharing the most columns with the frame (at least four; on
    /// a tie the later schema wins, as in msticpy).
    pub fn infer(df: &DataFrame) -> Result<ProcSchema, SectoolsError> {
        let names: Vec<&str> = df.get_column_names().iter().map(|c| c.as_str()).collect();
        let overlap = |s: &ProcSchema| s.columns().iter().filter(|c| names.contains(c)).count();
        let best = ProcSchema::builtins()
            .into_iter()
            .map(|s| (overlap(&s), s))
            .reduce(|best, next| if next.0 >= best.0 { next } else { best });
        match best {
            Some((n, schema)) if n >= 4 => Ok(schema),
            _ => Err(SectoolsError::InvalidInput(format!(
                "no process schema matches these columns ({}); pass a schema naming the \
                 process name, process id, parent id and time columns (built-in: {})",
                names.join(", "),
                builtin_names()
            ))),
        }
    }

    /// Checks the frame has the four required columns; returns a note for each optional
    /// column the schema names that the frame lacks (it is ignored, and a typo there
    /// would otherwise go unnoticed).
    pub(crate) fn check(&self, df: &DataFrame) -> Result<Vec<String>, SectoolsError> {
        let has = |col: &str| df.column(col).is_ok();
        let required = [
            ("process_name", &self.process_name),
            ("process_id", &self.process_id),
            ("parent_id", &self.parent_id),
            ("time_stamp", &self.time_stamp),
        ];
        let missing: Vec<String> = required
            .iter()
            .filter(|(_, col)| !has(col))
            .map(|(role, col)| format!("{role} = '{col}'"))
            .collect();
        if !missing.is_empty() {
            let available: Vec<&str> = df.get_column_names().iter().map(|c| c.as_str()).collect();
            return Err(SectoolsError::InvalidInput(format!(
                "process schema '{}' names columns the data does not have: {}; the data has: {}",
                self.name,
                missing.join(", "),
                available.join(", ")
            )));
        }
        let optional = [
            ("cmd_line", &self.cmd_line),
            ("user_name", &self.user_name),
            ("logon_id", &self.logon_id),
            ("host_name", &self.host_name),
            ("parent_name", &self.parent_name),
            ("target_logon_id", &self.target_logon_id),
            ("user_id", &self.user_id),
            ("event_id_column", &self.event_id_column),
        ];
        Ok(optional
            .iter()
            .filter_map(|(role, col)| {
                let col = col.as_deref()?;
                (!has(col)).then(|| {
                    format!("schema column {role} = '{col}' is not in the data; it was ignored")
                })
            })
            .collect())
    }

    /// The column holding the logon id a process runs under, if the frame has it.
    pub(crate) fn present<'a>(df: &DataFrame, col: &'a Option<String>) -> Option<&'a str> {
        col.as_deref().filter(|c| df.column(c).is_ok())
    }
}

fn builtin_names() -> String {
    ProcSchema::builtins()
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
