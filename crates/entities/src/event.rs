//! [`SecurityEvent`]: a row of Sentinel's SecurityEvent table (Windows security log),
//! with the entities it names.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};

use crate::entity::EntityType;
use crate::query::{DEFAULT_QUERY_MARGIN, put_window};
use crate::row::{self, Row};
use crate::time::format_time;
use crate::{
    Account, EntityError, EntityId, EntitySet, File, Host, HostLogonSession, IpAddress, Process,
};

/// A Windows security event row with its entities: the host (`Computer`), the
/// subject and target accounts, for process creation (4688) the new process with its
/// image file and parent, the logon session, and the remote `IpAddress`.
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityEvent {
    /// `EventID`.
    pub event_id: Option<u32>,
    /// `Computer`.
    pub computer: Option<String>,
    /// `TimeGenerated`.
    pub time_generated: Option<DateTime<Utc>>,
    /// The whole row as given.
    pub row: Row,
    entities: EntitySet,
}

/// An account from `<role>UserName`, `<role>DomainName`, `<role>UserSid`, `<role>LogonId`.
fn role_account(row: &Row, role: &str, host: Option<EntityId>) -> Option<Account> {
    let name = row::text(row, &format!("{role}UserName"))?;
    Some(Account {
        name,
        domain: row::text(row, &format!("{role}DomainName")),
        sid: row::text(row, &format!("{role}UserSid")),
        logon_id: row::text(row, &format!("{role}LogonId")),
        host,
        ..Account::default()
    })
}

/// A file entity for a Windows (or Unix) path.
fn image_file(path: &str, host: Option<EntityId>) -> File {
    let (directory, name) = match path.rfind(['\\', '/']) {
        Some(cut) => (Some(path[..cut].to_owned()), path[cut + 1..].to_owned()),
        None => (None, path.to_owned()),
    };
    File {
        directory,
        name: Some(name),
        host,
        ..File::default()
    }
}

/// A logon id that names a session (`0x0` means none).
fn session(id: Option<String>) -> Option<String> {
    id.filter(|id| id != "0x0" && id != "0")
}

impl SecurityEvent {
    /// Reads a SecurityEvent row (columns `Computer`, `EventID`, `TimeGenerated`,
    /// `SubjectUserName`, `SubjectDomainName`, `SubjectUserSid`, `SubjectLogonId`, the
    /// same with `Target`, `Account`, `NewProcessName`, `NewProcessId`, `CommandLine`,
    /// `ParentProcessName`, `ProcessId`, `IpAddress`). Absent columns and `-` are
    /// skipped; a bad `TimeGenerated` or `EventID` is an error naming the column.
    pub fn from_row(row: &Row) -> Result<SecurityEvent, EntityError> {
        let event_id = match row::text(row, "EventID") {
            Some(text) => Some(
                text.trim()
                    .parse::<u32>()
                    .map_err(|_| EntityError::BadColumn {
                        column: "EventID".to_owned(),
                        problem: format!("`{text}` is not an event number"),
                    })?,
            ),
            None => None,
        };
        let computer = row::text(row, "Computer");
        let mut set = EntitySet::new();
        let host = computer
            .as_deref()
            .map(|name| set.add(Host::from_fqdn(name)));

        let subject = role_account(row, "Subject", host);
        let target = role_account(row, "Target", host);
        let fallback = match (&subject, &target) {
            (None, None) => row::text(row, "Account")
                .and_then(|text| Account::parse(&text).ok())
                .map(|account| Account { host, ..account }),
            _ => None,
        };
        let new_process = row::text(row, "NewProcessName");
        // The account a new process runs as is the target when the event names one
        // (4688 v2), else its creator; for logons, the target is who logged on.
        let (first, second) = if new_process.is_some() && target.is_none() {
            (subject, None)
        } else {
            (target, subject)
        };
        let primary = first.or(fallback).map(|account| set.add(account));
        let primary_logon = primary
            .and_then(|id| set.get_as::<Account>(id))
            .and_then(|account| session(account.logon_id.clone()));
        if let Some(account) = second {
            set.add(account);
        }

        let logon_session = primary_logon.map(|session_id| {
            set.add(HostLogonSession {
                account: primary,
                host,
                session_id: Some(session_id),
                ..HostLogonSession::default()
            })
        });

        if let Some(path) = new_process {
            let image = set.add_nested(image_file(&path, host));
            let process = set.add(Process {
                process_id: row::text(row, "NewProcessId"),
                command_line: row::text(row, "CommandLine"),
                image_file: Some(image),
                account: primary,
                host,
                logon_session,
                ..Process::default()
            });
            // Added after its child so that the event's own process comes first.
            if let Some(parent_path) = row::text(row, "ParentProcessName") {
                let image = set.add_nested(image_file(&parent_path, host));
                let parent = set.add(Process {
                    process_id: row::text(row, "ProcessId"),
                    image_file: Some(image),
                    host,
                    ..Process::default()
                });
                if let Some(child) = set.get_mut(process).and_then(Process::from_entity_mut) {
                    child.parent_process = Some(parent);
                }
            }
        }

        if let Some(ip) =
            row::text(row, "IpAddress").and_then(|text| text.parse::<IpAddress>().ok())
        {
            set.add(ip);
        }

        Ok(SecurityEvent {
            event_id,
            computer,
            time_generated: row::time(row, "TimeGenerated")?,
            row: row.clone(),
            entities: set,
        })
    }

    /// The entities the event names.
    pub fn entities(&self) -> &EntitySet {
        &self.entities
    }

    /// Query parameters with a one hour margin ([`DEFAULT_QUERY_MARGIN`]).
    pub fn query_params(&self) -> BTreeMap<String, String> {
        self.query_params_with_margin(DEFAULT_QUERY_MARGIN)
    }

    /// Query parameters: those of [`EntitySet::query_params`] (for 4688 the new
    /// process is `process_name` / `process_id`, its account `account_name`), plus
    /// `event_id`, `event_time`, and `start` / `end` = `TimeGenerated ∓ margin`.
    pub fn query_params_with_margin(&self, margin: TimeDelta) -> BTreeMap<String, String> {
        let mut params = self.entities.query_params();
        if let Some(id) = self.event_id {
            params.insert("event_id".to_owned(), id.to_string());
        }
        if let Some(time) = self.time_generated {
            params.insert("event_time".to_owned(), format_time(time));
        }
        put_window(
            &mut params,
            self.time_generated,
            self.time_generated,
            margin,
        );
        params
    }
}
