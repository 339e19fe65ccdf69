//! Typed security entities: the nouns of an investigation.
//!
//! Alerts name hosts, accounts, processes, files, addresses; queries take them as
//! parameters; views render them. This crate holds the plain-Rust types and depends
//! on no other workspace crate.
//!
//! - **Entities**: one struct per Sentinel entity type ([`Host`], [`Account`],
//!   [`Process`], ...) with typed fields plus `extra` for everything else, and the
//!   [`Entity`] enum over them ([`UnknownEntity`] for types not modelled).
//! - **[`EntitySet`]**: the arena owning an alert's entities. Links between entities
//!   (a process's `Host`, `ParentProcess`, `ImageFile`) are [`EntityId`]s into it, so
//!   `$ref`-shared entities stay shared. Read from and written back to Sentinel's
//!   `$id`/`$ref` JSON losslessly; compare documents with [`resolved_form`].
//! - **Equivalence and merge**: [`EntitySet::is_equivalent`], [`Entity::merge_from`],
//!   [`EntitySet::dedup`].
//! - **[`EntityGraph`]**: entities (and alerts, incidents) as nodes, links as edges.
//! - **Rows**: [`SecurityAlert`] and [`SecurityEvent`] from a table row (column →
//!   JSON value), with `entities()` and `query_params()` for the query layer.
//!
//! ```
//! use entities::{Entity, EntitySet, Host, IpAddress, IpScope, Process, SecurityAlert};
//!
//! let ip: IpAddress = "10.0.0.4".parse()?;
//! assert_eq!(ip.scope(), IpScope::Private);
//! let host = Host::from_fqdn("web01.contoso.com");
//! assert_eq!(host.dns_domain.as_deref(), Some("contoso.com"));
//!
//! // The Entities column of a SecurityAlert row: `$ref` points at an earlier `$id`.
//! let json = r#"[
//!   {"$id": "2", "HostName": "web01", "DnsDomain": "contoso.com", "OSFamily": "Windows", "Type": "host"},
//!   {"$id": "3", "Name": "alice", "NTDomain": "CONTOSO", "Host": {"$ref": "2"}, "Type": "account"},
//!   {"$id": "4", "ProcessId": "0x1558", "CommandLine": "cmd.exe /c whoami",
//!    "ImageFile": {"$id": "5", "Directory": "c:\\windows\\system32", "Name": "cmd.exe", "Type": "file"},
//!    "Account": {"$ref": "3"}, "Host": {"$ref": "2"}, "Type": "process"}
//! ]"#;
//! let set = EntitySet::from_sentinel_json(json)?;
//! let (_, process) = set.first::<Process>().ok_or("no process")?;
//! assert_eq!(process.image_path(&set).as_deref(), Some("c:\\windows\\system32\\cmd.exe"));
//! assert_eq!(set.link_as::<Host>(process.host).map(Host::fqdn).as_deref(), Some("web01.contoso.com"));
//! let kinds: Vec<&str> = set.iter().map(|(_, e)| e.type_name()).collect();
//! assert_eq!(kinds, ["host", "account", "process", "file"]);
//!
//! // Written back, the JSON describes the same entities.
//! let written = set.to_sentinel_value()?;
//! let original: serde_json::Value = serde_json::from_str(json)?;
//! assert_eq!(entities::resolved_form(&written)?, entities::resolved_form(&original)?);
//!
//! // A SecurityAlert row, as the data layer hands it over.
//! let row = serde_json::json!({
//!     "SystemAlertId": "a1", "AlertName": "Suspicious whoami", "AlertSeverity": "Medium",
//!     "StartTime": "2024-05-01T10:00:00Z", "EndTime": "2024-05-01T10:05:00Z",
//!     "Entities": json,
//! });
//! let row = serde_json::from_value(row)?;
//! let alert = SecurityAlert::from_row(&row)?;
//! let params = alert.query_params();
//! assert_eq!(params["host_name"], "web01.contoso.com");
//! assert_eq!(params["account_name"], "alice");
//! assert_eq!(params["process_id"], "0x1558");
//! assert_eq!(params["start"], "2024-05-01T09:00:00Z");
//! assert_eq!(params["end"], "2024-05-01T11:05:00Z");
//! assert!(matches!(alert.entities().get(alert.entities().roots()[0]), Some(Entity::Host(_))));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub use alert::SecurityAlert;
pub use entity::{
    Account, Alert, AzureResource, CloudApplication, Dns, Entity, EntityKind, EntityType, File,
    FileHash, GeoLocation, Host, HostLogonSession, Incident, IpAddress, IpScope, MailMessage,
    Mailbox, Malware, NetworkConnection, Process, RegistryKey, RegistryValue, SecurityGroup,
    ServicePrincipal, ThreatIntelligence, UnknownEntity, Url,
};
pub use error::EntityError;
pub use event::SecurityEvent;
pub use graph::{CONTAINS, Direction, EntityGraph, GraphEdge, GraphNode};
pub use json::resolved_form;
pub use query::DEFAULT_QUERY_MARGIN;
pub use row::Row;
pub use set::{EntityId, EntitySet, JsonShape};
pub use time::{format_time, parse_time};

mod alert;
mod entity;
mod equivalence;
mod error;
mod event;
mod field;
mod graph;
mod json;
mod query;
mod row;
mod set;
mod time;
