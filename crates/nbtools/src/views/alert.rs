//! Alert view: one SecurityAlert with its entities and extended properties.
//!
//! Static HTML (no script): severity, times, product, description, tactics and
//! techniques, an entities table, the extended properties and, on request, the
//! alert's entity graph.

use chrono::{DateTime, Utc};
use entities::SecurityAlert;
use serde_json::Value;

use super::entity_graph::{alert_graph, entity_table};
use super::html::{esc, view_root};
use crate::{MimeBundle, Render, View};

/// Builds the view of one alert: `AlertView::new(&alert).with_graph().build()`.
#[derive(Debug, Clone)]
pub struct AlertView<'a> {
    alert: &'a SecurityAlert,
    graph: bool,
}

/// The view of `alert` (no graph); see [`AlertView`] for options.
pub fn alert_view(alert: &SecurityAlert) -> View {
    AlertView::new(alert).build()
}

impl<'a> AlertView<'a> {
    /// The view of `alert`.
    pub fn new(alert: &'a SecurityAlert) -> Self {
        AlertView {
            alert,
            graph: false,
        }
    }

    /// Adds the entity graph (alert ↔ entities) below the tables.
    pub fn with_graph(mut self) -> Self {
        self.graph = true;
        self
    }

    /// Renders the view.
    pub fn build(&self) -> View {
        let alert = self.alert;
        let title = alert.title().unwrap_or("(untitled alert)");
        let severity = alert.severity.as_deref().unwrap_or("Unknown");
        let mut html = format!(
            "<div class=\"hv-title\"><span class=\"hv-badge hv-sev-{}\">{}</span>{}</div>",
            esc(&severity.to_ascii_lowercase()),
            esc(severity),
            esc(title)
        );
        if let Some(description) = &alert.description {
            html.push_str(&format!(
                "<p class=\"hv-description\">{}</p>",
                esc(description)
            ));
        }
        html.push_str("<table class=\"hv-alert\"><tbody>");
        for (name, value) in summary_rows(alert) {
            html.push_str(&format!(
                "<tr><th>{}</th><td>{}</td></tr>",
                esc(name),
                esc(&value)
            ));
        }
        for (name, items) in [
            ("Tactics", &alert.tactics),
            ("Techniques", &alert.techniques),
        ] {
            if items.is_empty() {
                continue;
            }
            let badges: String = items
                .iter()
                .map(|item| {
                    format!(
                        "<span class=\"hv-badge\" style=\"background:var(--jp-layout-color3,#e0e0e0)\">{}</span>",
                        esc(item)
                    )
                })
                .collect();
            html.push_str(&format!("<tr><th>{name}</th><td>{badges}</td></tr>"));
        }
        html.push_str("</tbody></table>");

        let entities = alert.entities();
        html.push_str(&format!(
            "<div class=\"hv-title\">Entities ({})</div>",
            entities.len()
        ));
        if entities.is_empty() {
            html.push_str("<p class=\"hv-note\">The alert names no entities.</p>");
        } else {
            html.push_str(&entity_table(entities));
        }
        if !alert.extended_properties.is_empty() {
            html.push_str("<div class=\"hv-title\">Extended properties</div><table class=\"hv-extended\"><tbody>");
            for (name, value) in &alert.extended_properties {
                html.push_str(&format!(
                    "<tr><th>{}</th><td>{}</td></tr>",
                    esc(name),
                    esc(&value_text(value))
                ));
            }
            html.push_str("</tbody></table>");
        }
        if self.graph {
            html.push_str(alert_graph(alert).html());
        }
        View::new("alert", view_root("alert", &html, None), plain(alert))
    }
}

impl Render for SecurityAlert {
    fn mime_bundle(&self) -> MimeBundle {
        alert_view(self).mime_bundle()
    }
}

fn summary_rows(alert: &SecurityAlert) -> Vec<(&'static str, String)> {
    let time = |t: Option<DateTime<Utc>>| t.map(|t| t.format("%Y-%m-%d %H:%M:%S%.3fZ").to_string());
    let rows = [
        ("Start time", time(alert.start_time)),
        ("End time", time(alert.end_time)),
        ("Time generated", time(alert.time_generated)),
        ("Compromised entity", alert.compromised_entity.clone()),
        ("Alert type", alert.alert_type.clone()),
        ("Product", alert.product_name.clone()),
        ("Provider", alert.provider_name.clone()),
        ("Vendor", alert.vendor_name.clone()),
        ("Status", alert.status.clone()),
        ("System alert id", alert.system_alert_id.clone()),
    ];
    rows.into_iter()
        .filter_map(|(name, value)| value.map(|v| (name, v)))
        .collect()
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn plain(alert: &SecurityAlert) -> String {
    let mut text = format!(
        "Alert: {} [{}]",
        alert.title().unwrap_or("(untitled alert)"),
        alert.severity.as_deref().unwrap_or("Unknown")
    );
    for (name, value) in summary_rows(alert) {
        text.push_str(&format!("\n  {name}: {value}"));
    }
    if !alert.tactics.is_empty() {
        text.push_str(&format!("\n  Tactics: {}", alert.tactics.join(", ")));
    }
    let entities = alert.entities();
    text.push_str(&format!("\n  Entities ({}):", entities.len()));
    for (id, _) in entities.iter() {
        text.push_str(&format!("\n    {}", entities.label(id)));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn alert() -> SecurityAlert {
        let row = json!({
            "SystemAlertId": "a1b2",
            "DisplayName": "Suspicious <PowerShell> download",
            "AlertSeverity": "High",
            "Description": "Encoded command & download cradle.",
            "ProductName": "Microsoft Defender for Endpoint",
            "StartTime": "2026-10-28T03:14:07Z",
            "EndTime": "2026-10-28T03:15:00Z",
            "Tactics": "Execution, CommandAndControl",
            "ExtendedProperties": "{\"Command line\":\"powershell -enc SQBFAFgA\"}",
            "Entities": "[{\"$id\":\"1\",\"HostName\":\"fin-ws-07\",\"Type\":\"host\"},{\"$id\":\"2\",\"Name\":\"ana\",\"Host\":{\"$ref\":\"1\"},\"Type\":\"account\"}]"
        });
        let row: entities::Row = serde_json::from_value(row).unwrap();
        SecurityAlert::from_row(&row).unwrap()
    }

    #[test]
    fn shows_every_part_escaped() {
        let view = AlertView::new(&alert()).with_graph().build();
        let html = view.html();
        assert!(html.contains("Suspicious &lt;PowerShell&gt; download"));
        assert!(html.contains("hv-sev-high"));
        assert!(html.contains("CommandAndControl"));
        assert!(html.contains("powershell -enc SQBFAFgA"));
        assert!(html.contains("<svg class=\"hv-graph\""));
        assert!(
            view.plain()
                .starts_with("Alert: Suspicious <PowerShell> download [High]")
        );
        assert!(view.plain().contains("account ana"), "{}", view.plain());
    }

    #[test]
    fn alert_view_snapshot() {
        insta::assert_snapshot!(crate::views::html::snapshot_markup(
            alert_view(&alert()).html()
        ));
    }
}
