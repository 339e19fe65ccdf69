//! [`Process`] and [`HostLogonSession`].

use chrono::{DateTime, Utc};

use crate::entity::non_empty;
use crate::time::parse_time;
use crate::{EntityId, EntitySet, File};

entity_struct! {
    /// A process: the `process` entity of Sentinel alerts.
    #[derive(Default)]
    pub struct Process {
        /// Process id as written (`0x1558` or `5464`).
        process_id: Option<String> = "ProcessId",
        /// Command line.
        command_line: Option<String> = "CommandLine",
        /// Token elevation: `Default`, `Full`, `Limited`.
        elevation_token: Option<String> = "ElevationToken",
        /// Creation time as written (ISO 8601); see [`Process::creation_time`].
        creation_time_utc: Option<String> = "CreationTimeUtc",
        /// The executable.
        image_file: Option<EntityId> = "ImageFile" => File,
        /// The account the process runs as.
        account: Option<EntityId> = "Account" => Account,
        /// The parent process.
        parent_process: Option<EntityId> = "ParentProcess" => Process,
        /// The host it runs on.
        host: Option<EntityId> = "Host" => Host,
        /// The logon session it runs in.
        logon_session: Option<EntityId> = "LogonSession" => HostLogonSession,
    }
}

entity_struct! {
    /// A logon session on a host: the `host-logon-session` entity.
    #[derive(Default)]
    pub struct HostLogonSession {
        /// The account logged on.
        account: Option<EntityId> = "Account" => Account,
        /// Session start as written (ISO 8601).
        start_time_utc: Option<String> = "StartTimeUtc",
        /// Session end as written (ISO 8601).
        end_time_utc: Option<String> = "EndTimeUtc",
        /// The host.
        host: Option<EntityId> = "Host" => Host,
        /// The logon (session) id (`0x3e4`).
        session_id: Option<String> = "SessionId",
    }
}

impl Process {
    /// `creation_time_utc` parsed.
    pub fn creation_time(&self) -> Option<DateTime<Utc>> {
        self.creation_time_utc.as_deref().and_then(parse_time)
    }

    /// The image file's full path, looked up in `set`.
    pub fn image_path(&self, set: &EntitySet) -> Option<String> {
        set.link_as::<File>(self.image_file)
            .and_then(File::full_path)
    }

    pub(crate) fn title(&self, set: &EntitySet) -> String {
        let image = set.link_as::<File>(self.image_file).and_then(|file| {
            non_empty(&file.name)
                .map(str::to_owned)
                .or_else(|| file.full_path())
        });
        match (image, non_empty(&self.process_id)) {
            (Some(image), Some(pid)) => format!("{image} [{pid}]"),
            (Some(image), None) => image,
            (None, Some(pid)) => format!("[{pid}]"),
            (None, None) => non_empty(&self.command_line).unwrap_or_default().to_owned(),
        }
    }
}

impl HostLogonSession {
    /// `start_time_utc` parsed.
    pub fn start_time(&self) -> Option<DateTime<Utc>> {
        self.start_time_utc.as_deref().and_then(parse_time)
    }

    /// `end_time_utc` parsed.
    pub fn end_time(&self) -> Option<DateTime<Utc>> {
        self.end_time_utc.as_deref().and_then(parse_time)
    }

    pub(crate) fn title(&self, _set: &EntitySet) -> String {
        non_empty(&self.session_id).unwrap_or_default().to_owned()
    }
}
