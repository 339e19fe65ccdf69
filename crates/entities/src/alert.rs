//! [`SecurityAlert`]: a row of Sentinel's SecurityAlert table, with its entities.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value};

use crate::entity::alert::string_list;
use crate::query::{DEFAULT_QUERY_MARGIN, put_window};
use crate::row::{self, Row};
use crate::time::format_time;
use crate::{Alert, EntityError, EntityGraph, EntityId, EntitySet};

/// A Sentinel SecurityAlert row: its main columns typed, its `Entities` parsed.
///
/// Built from a row given as column name → JSON value (the data layer converts a
/// DataFrame row), so this crate does not depend on a DataFrame library.
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityAlert {
    /// `SystemAlertId`.
    pub system_alert_id: Option<String>,
    /// `DisplayName`.
    pub display_name: Option<String>,
    /// `AlertName`.
    pub alert_name: Option<String>,
    /// `AlertSeverity`.
    pub severity: Option<String>,
    /// `Description`.
    pub description: Option<String>,
    /// `ProviderName`.
    pub provider_name: Option<String>,
    /// `ProductName`.
    pub product_name: Option<String>,
    /// `VendorName`.
    pub vendor_name: Option<String>,
    /// `AlertType`.
    pub alert_type: Option<String>,
    /// `Status`.
    pub status: Option<String>,
    /// `CompromisedEntity`: the entity most at risk, as text (often a host name).
    pub compromised_entity: Option<String>,
    /// `TimeGenerated`.
    pub time_generated: Option<DateTime<Utc>>,
    /// `StartTime` (falling back to `StartTimeUtc`).
    pub start_time: Option<DateTime<Utc>>,
    /// `EndTime` (falling back to `EndTimeUtc`).
    pub end_time: Option<DateTime<Utc>>,
    /// `Tactics`, split at commas (or read from a JSON array).
    pub tactics: Vec<String>,
    /// `Techniques`, likewise.
    pub techniques: Vec<String>,
    /// `ExtendedProperties`, decoded from its JSON text.
    pub extended_properties: Map<String, Value>,
    /// The whole row as given.
    pub row: Row,
    entities: EntitySet,
}

impl SecurityAlert {
    /// Reads a SecurityAlert row. Missing columns are `None`; a timestamp column that
    /// is not a timestamp, or an `Entities` / `ExtendedProperties` column that is not
    /// valid, is an error naming the column.
    pub fn from_row(row: &Row) -> Result<SecurityAlert, EntityError> {
        let entities = match row::json(row, "Entities")? {
            Some(value) => {
                EntitySet::from_sentinel_value(&value).map_err(|error| EntityError::InColumn {
                    column: "Entities".to_owned(),
                    source: Box::new(error),
                })?
            }
            None => EntitySet::new(),
        };
        let extended_properties = match row::json(row, "ExtendedProperties")? {
            Some(Value::Object(obj)) => obj,
            Some(other) => {
                return Err(EntityError::BadColumn {
                    column: "ExtendedProperties".to_owned(),
                    problem: format!(
                        "expected a JSON object, found {}",
                        crate::error::json_type(&other)
                    ),
                });
            }
            None => Map::new(),
        };
        let list = |column: &str| row.get(column).map(string_list).unwrap_or_default();
        Ok(SecurityAlert {
            system_alert_id: row::text(row, "SystemAlertId"),
            display_name: row::first_text(row, &["DisplayName", "AlertDisplayName"]),
            alert_name: row::text(row, "AlertName"),
            severity: row::first_text(row, &["AlertSeverity", "Severity"]),
            description: row::text(row, "Description"),
            provider_name: row::text(row, "ProviderName"),
            product_name: row::text(row, "ProductName"),
            vendor_name: row::text(row, "VendorName"),
            alert_type: row::text(row, "AlertType"),
            status: row::text(row, "Status"),
            compromised_entity: row::text(row, "CompromisedEntity"),
            time_generated: row::time(row, "TimeGenerated")?,
            start_time: match row::time(row, "StartTime")? {
                Some(time) => Some(time),
                None => row::time(row, "StartTimeUtc")?,
            },
            end_time: match row::time(row, "EndTime")? {
                Some(time) => Some(time),
                None => row::time(row, "EndTimeUtc")?,
            },
            tactics: list("Tactics"),
            techniques: list("Techniques"),
            extended_properties,
            row: row.clone(),
            entities,
        })
    }

    /// The alert's entities, parsed from the `Entities` column.
    pub fn entities(&self) -> &EntitySet {
        &self.entities
    }

    /// `DisplayName`, else `AlertName`.
    pub fn title(&self) -> Option<&str> {
        self.display_name.as_deref().or(self.alert_name.as_deref())
    }

    /// When the alerted activity happened: `StartTime`, else `TimeGenerated`.
    pub fn origin_time(&self) -> Option<DateTime<Utc>> {
        self.start_time.or(self.time_generated)
    }

    /// Parameters for follow-up queries, with a one hour margin
    /// ([`DEFAULT_QUERY_MARGIN`]) around the alert; see
    /// [`query_params_with_margin`](Self::query_params_with_margin).
    pub fn query_params(&self) -> BTreeMap<String, String> {
        self.query_params_with_margin(DEFAULT_QUERY_MARGIN)
    }

    /// Parameters for follow-up queries; each is present only when known:
    /// - from the entities (top-level first): `host_name` (FQDN of the first host,
    ///   else `CompromisedEntity`), `account_name`, `process_name` (image path),
    ///   `process_id`, `logon_session_id` (host logon session, else account logon id),
    ///   `ip_address`, `os_family` and `path_separator` (`/` for Linux, `\` otherwise);
    /// - from the row: `system_alert_id`, `alert_time` (origin time), and `start` /
    ///   `end`: `StartTime − margin` and `EndTime + margin` (falling back to
    ///   `TimeGenerated`), ISO 8601 UTC.
    pub fn query_params_with_margin(&self, margin: TimeDelta) -> BTreeMap<String, String> {
        let mut params = self.entities.query_params();
        if let Some(entity) = &self.compromised_entity
            && !params.contains_key("host_name")
        {
            params.insert("host_name".to_owned(), entity.clone());
        }
        if let Some(id) = &self.system_alert_id {
            params.insert("system_alert_id".to_owned(), id.clone());
        }
        if let Some(time) = self.origin_time() {
            params.insert("alert_time".to_owned(), format_time(time));
        }
        put_window(
            &mut params,
            self.origin_time(),
            self.end_time.or(self.origin_time()),
            margin,
        );
        params
    }

    /// The alert as an [`Alert`] entity whose `Entities` are the top-level entities.
    pub fn to_alert_entity(&self) -> Alert {
        let time = |t: Option<DateTime<Utc>>| t.map(format_time);
        let list = |items: &[String]| (!items.is_empty()).then(|| Value::String(items.join(", ")));
        Alert {
            system_alert_id: self.system_alert_id.clone(),
            display_name: self.display_name.clone(),
            alert_name: self.alert_name.clone(),
            alert_type: self.alert_type.clone(),
            severity: self.severity.clone(),
            start_time_utc: time(self.start_time),
            end_time_utc: time(self.end_time),
            time_generated: time(self.time_generated),
            compromised_entity: self.compromised_entity.clone(),
            provider_name: self.provider_name.clone(),
            product_name: self.product_name.clone(),
            vendor_name: self.vendor_name.clone(),
            description: self.description.clone(),
            tactics: list(&self.tactics),
            techniques: list(&self.techniques),
            extended_properties: (!self.extended_properties.is_empty())
                .then(|| Value::Object(self.extended_properties.clone())),
            entities: Some(self.entities.roots().to_vec()),
            ..Alert::default()
        }
    }

    /// The entities plus the alert itself as a top-level [`Alert`] entity (appended
    /// last, so the entities keep their ids); returns the set and the alert's id.
    pub fn entity_set_with_alert(&self) -> (EntitySet, EntityId) {
        let mut set = self.entities.clone();
        let id = set.add(self.to_alert_entity());
        (set, id)
    }

    /// The graph of the alert and its entities: the alert `contains` each top-level
    /// entity, entities link to each other by property. Entity ids are those of
    /// [`entities`](Self::entities); the alert is the last node.
    pub fn graph(&self) -> EntityGraph {
        EntityGraph::new(&self.entity_set_with_alert().0)
    }
}
