//! [`Alert`] and [`Incident`] as entities: what a graph hangs the other entities on.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::entity::non_empty;
use crate::time::parse_time;
use crate::{EntityId, EntitySet};

entity_struct! {
    /// A security alert: the `alert` entity. [`SecurityAlert`](crate::SecurityAlert)
    /// builds one from a SecurityAlert table row.
    #[derive(Default)]
    pub struct Alert {
        /// Unique alert id.
        system_alert_id: Option<String> = "SystemAlertId",
        /// Title shown to analysts.
        display_name: Option<String> = "DisplayName",
        /// Title in the alert-entity form of some providers.
        alert_display_name: Option<String> = "AlertDisplayName",
        /// Alert (rule) name.
        alert_name: Option<String> = "AlertName",
        /// Alert type id.
        alert_type: Option<String> = "AlertType",
        /// `High`, `Medium`, `Low`, `Informational`.
        severity: Option<String> = "Severity",
        /// Start of the suspicious activity (ISO 8601).
        start_time_utc: Option<String> = "StartTimeUtc",
        /// End of the suspicious activity (ISO 8601).
        end_time_utc: Option<String> = "EndTimeUtc",
        /// When the alert was recorded (ISO 8601).
        time_generated: Option<String> = "TimeGenerated",
        /// The entity most at risk, as text (usually a host name).
        compromised_entity: Option<String> = "CompromisedEntity",
        /// Provider (`ASI Scheduled Alerts`, `MDATP`, ...).
        provider_name: Option<String> = "ProviderName",
        /// Product (`Azure Sentinel`, ...).
        product_name: Option<String> = "ProductName",
        /// Vendor (`Microsoft`).
        vendor_name: Option<String> = "VendorName",
        /// Description.
        description: Option<String> = "Description",
        /// MITRE tactics: a comma-separated string or an array, as given.
        tactics: Option<Value> = "Tactics",
        /// MITRE techniques: a comma-separated string or an array, as given.
        techniques: Option<Value> = "Techniques",
        /// Provider-specific properties: an object, or an object encoded as a string.
        extended_properties: Option<Value> = "ExtendedProperties",
        /// The entities the alert is about.
        entities: Option<Vec<EntityId>> = "Entities",
    }
}

entity_struct! {
    /// A security incident: the `incident` entity, grouping alerts.
    #[derive(Default)]
    pub struct Incident {
        /// Incident id.
        incident_id: Option<String> = "IncidentID",
        /// Incident number (a number or a string, as given).
        incident_number: Option<Value> = "IncidentNumber",
        /// Title.
        title: Option<String> = "Title",
        /// Display name (msticpy's name for the title).
        display_name: Option<String> = "DisplayName",
        /// Severity.
        severity: Option<String> = "Severity",
        /// `New`, `Active`, `Closed`.
        status: Option<String> = "Status",
        /// Classification when closed.
        classification: Option<String> = "Classification",
        /// Owner (an object or a string, as given).
        owner: Option<Value> = "Owner",
        /// Labels (as given).
        labels: Option<Value> = "Labels",
        /// Description.
        description: Option<String> = "Description",
        /// When the incident was recorded (ISO 8601).
        time_generated: Option<String> = "TimeGenerated",
        /// The alerts grouped in the incident.
        alerts: Option<Vec<EntityId>> = "Alerts" => Alert,
        /// The entities of the incident.
        entities: Option<Vec<EntityId>> = "Entities",
    }
}

impl Alert {
    /// The best title available: `DisplayName`, `AlertDisplayName`, then `AlertName`.
    pub fn name(&self) -> Option<&str> {
        non_empty(&self.display_name)
            .or(non_empty(&self.alert_display_name))
            .or(non_empty(&self.alert_name))
    }

    /// `start_time_utc` parsed.
    pub fn start_time(&self) -> Option<DateTime<Utc>> {
        self.start_time_utc.as_deref().and_then(parse_time)
    }

    /// `end_time_utc` parsed.
    pub fn end_time(&self) -> Option<DateTime<Utc>> {
        self.end_time_utc.as_deref().and_then(parse_time)
    }

    /// Tactics as a list, whether given as an array, a JSON array in a string, or a
    /// comma-separated string.
    pub fn tactic_list(&self) -> Vec<String> {
        self.tactics.as_ref().map(string_list).unwrap_or_default()
    }

    /// Techniques as a list (see [`Alert::tactic_list`]).
    pub fn technique_list(&self) -> Vec<String> {
        self.techniques
            .as_ref()
            .map(string_list)
            .unwrap_or_default()
    }

    /// Extended properties as an object, decoding a JSON string if needed.
    pub fn extended_properties_object(&self) -> Option<serde_json::Map<String, Value>> {
        match self.extended_properties.as_ref()? {
            Value::Object(obj) => Some(obj.clone()),
            Value::String(text) => match serde_json::from_str(text) {
                Ok(Value::Object(obj)) => Some(obj),
                _ => None,
            },
            _ => None,
        }
    }

    pub(crate) fn title(&self, _set: &EntitySet) -> String {
        self.name()
            .or(non_empty(&self.system_alert_id))
            .unwrap_or_default()
            .to_owned()
    }
}

impl Incident {
    pub(crate) fn title(&self, _set: &EntitySet) -> String {
        non_empty(&self.title)
            .or(non_empty(&self.display_name))
            .or(non_empty(&self.incident_id))
            .unwrap_or_default()
            .to_owned()
    }
}

/// A list of names from an array, a JSON-array string or a comma-separated string.
pub(crate) fn string_list(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect(),
        Value::String(text) if text.trim_start().starts_with('[') => {
            match serde_json::from_str::<Value>(text) {
                Ok(parsed @ Value::Array(_)) => string_list(&parsed),
                _ => split_names(text),
            }
        }
        Value::String(text) => split_names(text),
        _ => Vec::new(),
    }
}

fn split_names(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}
