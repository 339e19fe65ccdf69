//! [`SessionBrowser`]: pick a Windows logon session, see the processes it started.

use std::sync::Arc;

use polars::prelude::{BooleanChunked, DataFrame, NewChunkedArray};

use super::registry;
use super::select_item::ListPicker;
use crate::views::frame;
use crate::widgets::Container;
use crate::{MimeBundle, ProcessTreeView, Render, ViewError, logon_type_name};

/// Columns the browser cannot work without.
const REQUIRED: [&str; 4] = [
    "EventID",
    "TargetLogonId",
    "TargetUserName",
    "SubjectLogonId",
];

/// One logon session: a 4624 event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogonSession {
    /// `TargetLogonId`: what the session's process creations carry as `SubjectLogonId`.
    pub logon_id: String,
    /// `Computer` (logon ids are unique per host only).
    pub host: Option<String>,
    /// `TargetDomainName\TargetUserName`.
    pub account: String,
    /// `LogonType`.
    pub logon_type: Option<String>,
    /// `TimeGenerated`, ISO 8601.
    pub time: Option<String>,
    /// `IpAddress`.
    pub ip: Option<String>,
}

impl LogonSession {
    fn label(&self) -> String {
        let mut label = format!(
            "{}  {}  {}",
            self.time.as_deref().unwrap_or("(no time)"),
            self.host.as_deref().unwrap_or("-"),
            self.account
        );
        if let Some(kind) = &self.logon_type {
            label.push_str(&format!("  {}", logon_type_name(kind)));
        }
        label.push_str(&format!("  {}", self.logon_id));
        if let Some(ip) = self.ip.as_deref().filter(|ip| !ip.is_empty() && *ip != "-") {
            label.push_str(&format!("  from {ip}"));
        }
        label
    }
}

/// A column's texts, or `None` when the frame has no such column.
fn optional(df: &DataFrame, name: &str) -> Result<Option<Vec<Option<String>>>, ViewError> {
    if df.column(name).is_ok() {
        Ok(Some(frame::texts(df, name)?))
    } else {
        Ok(None)
    }
}

fn cell(column: &Option<Vec<Option<String>>>, row: usize) -> Option<String> {
    column
        .as_ref()
        .and_then(|c| c.get(row).cloned().flatten())
        .filter(|s| !s.is_empty())
}

/// Browses logon sessions of a SecurityEvent-like frame: the 4624 (logon) events
/// become a filterable list; picking one shows the process tree of the 4688 (process
/// creation) events whose `SubjectLogonId` (or `TargetLogonId`) is the session's
/// `TargetLogonId`, on the same `Computer`.
///
/// Needs `EventID`, `TargetLogonId`, `TargetUserName` and `SubjectLogonId`; uses
/// `Computer`, `TargetDomainName`, `LogonType`, `TimeGenerated` and `IpAddress` when
/// present. The process tree needs what [`sectools::build_process_tree`] needs
/// (`NewProcessName`, `NewProcessId`, `ProcessId`, ...).
///
/// ```no_run
/// # fn f(events: &nbtools::polars::prelude::DataFrame) -> Result<(), nbtools::ViewError> {
/// use nbtools::widgets::SessionBrowser;
///
/// let sessions = SessionBrowser::new(events)?.key("sessions");
/// // Next cell: the processes of the session the user picked.
/// let procs = sessions.processes()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SessionBrowser {
    list: ListPicker<LogonSession>,
    events: DataFrame,
    root: Container,
}

impl SessionBrowser {
    /// The sessions of `events`, the first (oldest) selected. Fails, naming the
    /// column, when a needed column is missing.
    pub fn new(events: &DataFrame) -> Result<SessionBrowser, ViewError> {
        for column in REQUIRED {
            if events.column(column).is_err() {
                return Err(ViewError::InvalidInput(format!(
                    "SessionBrowser needs a SecurityEvent-like frame (4624 logons, 4688 \
                     process creations) with column '{column}'; its columns are: {}",
                    frame::column_names(events)
                )));
            }
        }
        let mut sessions = sessions_of(events)?;
        sessions.sort_by(|a, b| a.time.cmp(&b.time));
        let items = sessions.into_iter().map(|s| (s.label(), s)).collect();
        let list = ListPicker::new(items, "Logon session");
        let root = Container::vbox(&[
            list.filter.widget(),
            list.select.widget(),
            list.details.widget(),
        ]);
        let frame_for_details = events.clone();
        list.set_details(Arc::new(move |session: &LogonSession| {
            session_view(&frame_for_details, session)
        }));
        Ok(SessionBrowser {
            list,
            events: events.clone(),
            root,
        })
    }

    /// Every session, oldest first.
    pub fn sessions(&self) -> Vec<LogonSession> {
        self.list.items().into_iter().map(|(_, s)| s).collect()
    }

    /// The selected session.
    pub fn selected(&self) -> Option<LogonSession> {
        self.list.selected().map(|(_, s)| s)
    }

    /// Selects the session with this logon id (on `host` when given); false when there
    /// is none.
    pub fn select_logon_id(&self, logon_id: &str, host: Option<&str>) -> bool {
        let position = self.list.items().iter().position(|(_, s)| {
            s.logon_id.eq_ignore_ascii_case(logon_id)
                && host.is_none_or(|h| s.host.as_deref() == Some(h))
        });
        if position.is_some() {
            self.list.select_position(position);
        }
        position.is_some()
    }

    /// The process creations of the selected session (no rows when none is selected).
    pub fn processes(&self) -> Result<DataFrame, ViewError> {
        match self.selected() {
            Some(session) => session_processes(&self.events, &session),
            None => Ok(self.events.slice(0, 0)),
        }
    }

    /// Runs `action(session)` each time another session is selected (between cells).
    pub fn on_select(&self, action: impl Fn(&LogonSession) + Send + Sync + 'static) {
        self.list.on_select(Arc::new(action));
    }

    /// Names this widget so that a re-run of its cell keeps the filter and selection.
    pub fn key(self, key: &str) -> Self {
        let list = self.list.clone();
        if let Some(saved) = registry::claim("SessionBrowser", key, self.root.widget(), move || {
            list.saved()
        }) {
            self.list.restore(&saved);
        }
        self
    }

    /// The box holding the controls.
    pub fn container(&self) -> &Container {
        &self.root
    }
}

fn sessions_of(events: &DataFrame) -> Result<Vec<LogonSession>, ViewError> {
    let ids = frame::texts(events, "EventID")?;
    let logon_ids = frame::texts(events, "TargetLogonId")?;
    let users = frame::texts(events, "TargetUserName")?;
    let domains = optional(events, "TargetDomainName")?;
    let hosts = optional(events, "Computer")?;
    let kinds = optional(events, "LogonType")?;
    let times = optional(events, "TimeGenerated")?;
    let ips = optional(events, "IpAddress")?;
    let mut sessions: Vec<LogonSession> = Vec::new();
    for row in 0..events.height() {
        if ids[row].as_deref().map(str::trim) != Some("4624") {
            continue;
        }
        let Some(logon_id) = logon_ids[row].clone().filter(|s| !s.is_empty()) else {
            continue;
        };
        let user = users[row].clone().unwrap_or_default();
        let account = match cell(&domains, row).filter(|d| d != "-") {
            Some(domain) => format!("{domain}\\{user}"),
            None => user,
        };
        let session = LogonSession {
            logon_id,
            host: cell(&hosts, row),
            account,
            logon_type: cell(&kinds, row),
            time: cell(&times, row),
            ip: cell(&ips, row),
        };
        // A logon can be logged twice (split tokens): one entry per host and id.
        if !sessions
            .iter()
            .any(|s| s.logon_id == session.logon_id && s.host == session.host)
        {
            sessions.push(session);
        }
    }
    Ok(sessions)
}

/// The 4688 events of `session`: `SubjectLogonId` or `TargetLogonId` equal to its
/// logon id (case-insensitive, as logon ids are hex), on its host when known.
pub(super) fn session_processes(
    events: &DataFrame,
    session: &LogonSession,
) -> Result<DataFrame, ViewError> {
    let ids = frame::texts(events, "EventID")?;
    let subjects = frame::texts(events, "SubjectLogonId")?;
    let targets = frame::texts(events, "TargetLogonId")?;
    let hosts = optional(events, "Computer")?;
    let is_session = |v: &Option<String>| {
        v.as_deref()
            .is_some_and(|v| v.eq_ignore_ascii_case(&session.logon_id))
    };
    let mask: Vec<bool> = (0..events.height())
        .map(|row| {
            ids[row].as_deref().map(str::trim) == Some("4688")
                && (is_session(&subjects[row]) || is_session(&targets[row]))
                && (session.host.is_none() || cell(&hosts, row) == session.host)
        })
        .collect();
    Ok(events.filter(&BooleanChunked::from_slice("session".into(), &mask))?)
}

/// The process tree of a session, or why there is none.
fn session_view(events: &DataFrame, session: &LogonSession) -> MimeBundle {
    let title = format!(
        "Processes of {} (logon {}{})",
        session.account,
        session.logon_id,
        session
            .host
            .as_deref()
            .map(|h| format!(" on {h}"))
            .unwrap_or_default()
    );
    let processes = match session_processes(events, session) {
        Ok(p) => p,
        Err(e) => return MimeBundle::text(format!("{title}: {e}")),
    };
    if processes.height() == 0 {
        return MimeBundle::text(format!("{title}: no process creation (4688) events"));
    }
    let view = sectools::build_process_tree(&processes, None)
        .map_err(ViewError::from)
        .and_then(|tree| ProcessTreeView::new(&tree).title(&title).build());
    match view {
        Ok(view) => view.mime_bundle(),
        Err(e) => MimeBundle::text(format!("{title}: cannot build the process tree: {e}")),
    }
}

impl Render for SessionBrowser {
    fn mime_bundle(&self) -> MimeBundle {
        self.list
            .bundle(&self.root, "Logon sessions", "SessionBrowser")
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::front_end_update;
    use super::*;
    use polars::prelude::*;
    use serde_json::json;

    fn events() -> DataFrame {
        df! {
            "TimeGenerated" => ["2024-03-01T10:00:00Z", "2024-03-01T10:01:00Z", "2024-03-01T10:02:00Z",
                                "2024-03-01T11:00:00Z", "2024-03-01T11:01:00Z", "2024-03-01T11:02:00Z"],
            "Computer" => ["ws1", "ws1", "ws1", "ws2", "ws2", "ws1"],
            "EventID" => [4624, 4688, 4688, 4624, 4688, 4688],
            "TargetLogonId" => ["0x1a", "0x0", "0x0", "0x1a", "0x0", "0x0"],
            "SubjectLogonId" => ["0x3e7", "0x1A", "0x1a", "0x3e7", "0x1a", "0x99"],
            "TargetUserName" => ["alice", "", "", "bob", "", ""],
            "TargetDomainName" => ["CORP", "", "", "CORP", "", ""],
            "LogonType" => [Some(10), None, None, Some(3), None, None],
            "IpAddress" => ["10.0.0.5", "", "", "-", "", ""],
            "NewProcessName" => ["", r"C:\Windows\explorer.exe", r"C:\Windows\System32\cmd.exe", "",
                                 r"C:\Windows\System32\net.exe", r"C:\Windows\System32\calc.exe"],
            "NewProcessId" => ["", "0x100", "0x200", "", "0x300", "0x400"],
            "ProcessId" => ["", "0x4", "0x100", "", "0x4", "0x4"],
            "ParentProcessName" => ["", r"C:\Windows\System32\userinit.exe", r"C:\Windows\explorer.exe", "",
                                    r"C:\Windows\System32\services.exe", r"C:\Windows\explorer.exe"],
            "CommandLine" => ["", "explorer.exe", "cmd.exe /c whoami", "", "net user", "calc"],
        }
        .unwrap()
    }

    #[test]
    fn a_session_shows_its_processes_on_its_host() {
        let browser = SessionBrowser::new(&events()).unwrap();
        let sessions = browser.sessions();
        assert_eq!(
            sessions.len(),
            2,
            "same logon id on two hosts: two sessions"
        );
        assert_eq!(
            browser.list.select.options()[0],
            "2024-03-01T10:00:00Z  ws1  CORP\\alice  10 RemoteInteractive  0x1a  from 10.0.0.5"
        );
        assert_eq!(browser.selected().unwrap().account, "CORP\\alice");
        let procs = browser.processes().unwrap();
        assert_eq!(
            procs.height(),
            2,
            "explorer and cmd, not ws2's net.exe or calc"
        );
        let shown = browser.list.details.outputs();
        let html = shown[0]["data"]["text/html"].as_str().unwrap();
        assert!(
            html.contains("cmd.exe") && !html.contains("net.exe"),
            "{html}"
        );
        front_end_update(browser.list.select.widget(), json!({"index": 1}));
        assert_eq!(browser.selected().unwrap().host.as_deref(), Some("ws2"));
        assert_eq!(browser.processes().unwrap().height(), 1);
        let bundle = browser.mime_bundle();
        assert!(bundle.get("text/plain").unwrap().contains("CORP\\bob"));
        assert!(bundle.get("text/html").unwrap().contains("net.exe"));
    }

    #[test]
    fn a_session_without_processes_says_so() {
        let mut df = events();
        df = df
            .filter(
                &df.column("EventID")
                    .unwrap()
                    .as_materialized_series()
                    .equal(4624)
                    .unwrap(),
            )
            .unwrap();
        let browser = SessionBrowser::new(&df).unwrap();
        assert!(browser.select_logon_id("0x1A", Some("ws2")));
        let shown = browser.list.details.outputs();
        assert!(
            shown[0]["data"]["text/plain"]
                .as_str()
                .unwrap()
                .contains("no process creation")
        );
    }

    #[test]
    fn missing_columns_are_named() {
        let df = df!("EventID" => [4624], "TargetLogonId" => ["0x1"]).unwrap();
        let error = SessionBrowser::new(&df).unwrap_err().to_string();
        assert!(error.contains("column 'TargetUserName'"), "{error}");
        assert!(
            error.contains("its columns are: EventID, TargetLogonId"),
            "{error}"
        );
    }

    #[test]
    fn sample_sessions_have_processes() {
        let tables = data::sample::tables(&data::sample::SampleOptions::default()).unwrap();
        let df = &tables
            .iter()
            .find(|(n, _)| *n == "SecurityEvent")
            .unwrap()
            .1;
        let browser = SessionBrowser::new(df).unwrap();
        let sessions = browser.sessions();
        assert!(!sessions.is_empty());
        let with_processes = sessions
            .iter()
            .filter(|s| session_processes(df, s).unwrap().height() > 0)
            .count();
        assert!(with_processes > 0, "no sample session has processes");
    }
}
