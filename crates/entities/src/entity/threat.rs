//! [`Malware`] and [`ThreatIntelligence`].

use crate::entity::non_empty;
use crate::{EntityId, EntitySet};

entity_struct! {
    /// Malware: the `malware` entity.
    #[derive(Default)]
    pub struct Malware {
        /// Malware name.
        name: Option<String> = "Name",
        /// Category (`Trojan`, ...).
        category: Option<String> = "Category",
        /// The file it was found in.
        file: Option<EntityId> = "File" => File,
        /// Files involved.
        files: Option<Vec<EntityId>> = "Files" => File,
        /// Processes involved.
        processes: Option<Vec<EntityId>> = "Processes" => Process,
    }
}

entity_struct! {
    /// Threat intelligence about an entity: the `threatintelligence` entity.
    #[derive(Default)]
    pub struct ThreatIntelligence {
        /// Who reported it.
        provider_name: Option<String> = "ProviderName",
        /// Threat type (`Botnet`, ...).
        threat_type: Option<String> = "ThreatType",
        /// Threat name.
        threat_name: Option<String> = "ThreatName",
        /// Confidence (a number or a string, as given).
        confidence: Option<serde_json::Value> = "Confidence",
        /// Link to the report.
        report_link: Option<String> = "ReportLink",
        /// Description.
        threat_description: Option<String> = "ThreatDescription",
    }
}

impl Malware {
    pub(crate) fn title(&self, _set: &EntitySet) -> String {
        non_empty(&self.name).unwrap_or_default().to_owned()
    }
}

impl ThreatIntelligence {
    pub(crate) fn title(&self, _set: &EntitySet) -> String {
        non_empty(&self.threat_name)
            .or(non_empty(&self.threat_type))
            .or(non_empty(&self.provider_name))
            .unwrap_or_default()
            .to_owned()
    }
}
