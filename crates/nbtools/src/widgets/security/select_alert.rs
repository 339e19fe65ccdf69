//! [`SelectAlert`]: browse alerts and show the selected one (msticpy's
//! `nbwidgets.SelectAlert`).

use std::sync::Arc;

use entities::SecurityAlert;
use polars::prelude::DataFrame;
use serde_json::json;

use super::query_time::show_time;
use super::registry;
use super::select_item::ListPicker;
use super::wide_description;
use crate::widgets::{Container, Dropdown};
use crate::{MimeBundle, Render, alert_view};

const ALL_SEVERITIES: &str = "All severities";
const SEVERITY_ORDER: [&str; 4] = ["High", "Medium", "Low", "Informational"];

fn label_of(alert: &SecurityAlert) -> String {
    let time = alert
        .time_generated
        .or(alert.start_time)
        .map(show_time)
        .unwrap_or_else(|| "(no time)".to_owned());
    let mut label = format!(
        "{time}  [{}]  {}",
        alert.severity.as_deref().unwrap_or("Unknown"),
        alert.title().unwrap_or("(untitled alert)")
    );
    if let Some(entity) = alert
        .compromised_entity
        .as_deref()
        .filter(|e| !e.is_empty())
    {
        label.push_str(&format!("  ({entity})"));
    }
    label
}

/// An alert browser: the alerts (time, severity, name, compromised entity; oldest
/// first) in a list with a title filter and a severity filter; the selected alert's
/// view ([`alert_view`]) shows below the list. `selected()` gives the alert to the
/// next cell; `on_select` runs code for each alert picked.
///
/// ```
/// use nbtools::entities::SecurityAlert;
/// use nbtools::widgets::SelectAlert;
///
/// let row = |name: &str, sev: &str| {
///     let json = nbtools::serde_json::json!({"AlertName": name, "AlertSeverity": sev,
///         "TimeGenerated": "2024-03-01T10:00:00Z", "SystemAlertId": name});
///     SecurityAlert::from_row(&nbtools::serde_json::from_value(json).unwrap()).unwrap()
/// };
/// let alerts = [row("Mimikatz", "High"), row("Port scan", "Low")];
/// let browser = SelectAlert::new(&alerts).key("alerts");
/// browser.on_select(|alert| println!("investigating {:?}", alert.title()));
/// assert_eq!(browser.selected().unwrap().title(), Some("Mimikatz"));
/// ```
#[derive(Debug, Clone)]
pub struct SelectAlert {
    list: ListPicker<SecurityAlert>,
    severity: Dropdown,
    root: Container,
}

impl SelectAlert {
    /// A browser over `alerts`, the oldest selected.
    pub fn new(alerts: &[SecurityAlert]) -> SelectAlert {
        let mut alerts = alerts.to_vec();
        alerts.sort_by_key(|a| a.time_generated.or(a.start_time));
        let severities = {
            let mut present: Vec<String> = Vec::new();
            for alert in &alerts {
                let s = alert.severity.clone().unwrap_or_else(|| "Unknown".into());
                if !present.contains(&s) {
                    present.push(s);
                }
            }
            present.sort_by_key(|s| {
                (
                    SEVERITY_ORDER
                        .iter()
                        .position(|o| o.eq_ignore_ascii_case(s))
                        .unwrap_or(SEVERITY_ORDER.len()),
                    s.clone(),
                )
            });
            let mut options = vec![ALL_SEVERITIES.to_owned()];
            options.extend(present);
            options
        };
        let items = alerts.into_iter().map(|a| (label_of(&a), a)).collect();
        let list = ListPicker::new(items, "Alert");
        list.filter
            .widget()
            .set("description", "Filter alerts by title");
        wide_description(list.filter.widget());
        let severity = Dropdown::new(&severities).with_description("Severity");
        let filters = Container::hbox(&[list.filter.widget(), severity.widget()]);
        let root = Container::vbox(&[
            filters.widget(),
            list.select.widget(),
            list.details.widget(),
        ]);
        list.set_details(Arc::new(|alert: &SecurityAlert| {
            alert_view(alert).mime_bundle()
        }));
        let browser = SelectAlert {
            list,
            severity,
            root,
        };
        let me = browser.clone();
        browser.severity.on_change(move |_| me.apply_severity());
        browser
    }

    /// A browser over the rows of a SecurityAlert table.
    pub fn from_df(alerts: &DataFrame) -> Result<SelectAlert, data::DataError> {
        Ok(SelectAlert::new(&data::security_alerts(alerts)?))
    }

    fn apply_severity(&self) {
        let chosen = self.severity.value().filter(|s| s != ALL_SEVERITIES);
        let extra = chosen.map(|wanted| {
            Arc::new(move |alert: &SecurityAlert| {
                alert.severity.as_deref().unwrap_or("Unknown") == wanted
            }) as Arc<dyn Fn(&SecurityAlert) -> bool + Send + Sync>
        });
        self.list.set_extra_filter(extra);
    }

    /// The selected alert.
    pub fn selected(&self) -> Option<SecurityAlert> {
        self.list.selected().map(|(_, a)| a)
    }

    /// Runs `action(alert)` each time another alert is selected (between cells).
    pub fn on_select(&self, action: impl Fn(&SecurityAlert) + Send + Sync + 'static) {
        self.list.on_select(Arc::new(action));
    }

    /// Selects the alert with this `SystemAlertId`; false when there is none.
    pub fn select_id(&self, system_alert_id: &str) -> bool {
        let position = self
            .list
            .items()
            .iter()
            .position(|(_, a)| a.system_alert_id.as_deref() == Some(system_alert_id));
        if position.is_some() {
            // Show every severity, so the filter shown matches the list.
            self.set_severity(None);
            self.list.select_position(position);
        }
        position.is_some()
    }

    /// Shows only alerts of this severity (`None`: all).
    pub fn set_severity(&self, severity: Option<&str>) {
        let options = self.severity.options();
        let index = severity
            .and_then(|s| options.iter().position(|o| o.eq_ignore_ascii_case(s)))
            .unwrap_or(0);
        self.severity.set_index(Some(index));
        self.apply_severity();
    }

    /// Every alert, oldest first.
    pub fn alerts(&self) -> Vec<SecurityAlert> {
        self.list.items().into_iter().map(|(_, a)| a).collect()
    }

    /// Names this widget so that a re-run of its cell keeps the filters and the
    /// selected alert.
    pub fn key(self, key: &str) -> Self {
        let me = self.clone();
        let saved = registry::claim("SelectAlert", key, self.root.widget(), move || {
            let mut saved = me.list.saved();
            saved["severity"] = json!(me.severity.value());
            saved["id"] = json!(me.selected().and_then(|a| a.system_alert_id));
            saved
        });
        if let Some(saved) = saved {
            if let Some(severity) = saved["severity"].as_str() {
                let options = self.severity.options();
                if let Some(i) = options.iter().position(|o| o == severity) {
                    self.severity.set_index(Some(i));
                    self.apply_severity();
                }
            }
            self.list.restore(&json!({"filter": saved["filter"]}));
            if let Some(id) = saved["id"].as_str() {
                let position = self
                    .list
                    .items()
                    .iter()
                    .position(|(_, a)| a.system_alert_id.as_deref() == Some(id));
                self.list.select_position(position);
            }
        }
        self
    }

    /// The box holding the controls.
    pub fn container(&self) -> &Container {
        &self.root
    }
}

impl Render for SelectAlert {
    fn mime_bundle(&self) -> MimeBundle {
        self.list.bundle(&self.root, "Alerts", "SelectAlert")
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::front_end_update;
    use super::*;
    use std::sync::Mutex;

    fn alert(name: &str, severity: &str, hour: u32) -> SecurityAlert {
        let row = json!({"AlertName": name, "AlertSeverity": severity, "SystemAlertId": format!("id-{name}"),
                         "TimeGenerated": format!("2024-03-01T{hour:02}:00:00Z"), "CompromisedEntity": "ws1"});
        SecurityAlert::from_row(&serde_json::from_value(row).unwrap()).unwrap()
    }

    fn alerts() -> Vec<SecurityAlert> {
        vec![
            alert("Port scan", "Low", 11),
            alert("Mimikatz", "High", 9),
            alert("Odd logon", "Medium", 10),
        ]
    }

    #[test]
    fn selection_shows_the_alert_and_runs_the_action() {
        let browser = SelectAlert::new(&alerts());
        let picked = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&picked);
        browser.on_select(move |a| log.lock().unwrap().push(a.title().unwrap().to_owned()));
        assert_eq!(
            browser.selected().unwrap().title(),
            Some("Mimikatz"),
            "oldest first"
        );
        assert_eq!(
            browser.list.select.options()[0],
            "2024-03-01 09:00:00  [High]  Mimikatz  (ws1)"
        );
        assert_eq!(
            browser.severity.options(),
            [ALL_SEVERITIES, "High", "Medium", "Low"]
        );
        let shown = browser.list.details.outputs();
        assert!(
            shown[0]["data"]["text/html"]
                .as_str()
                .unwrap()
                .contains("Mimikatz")
        );
        front_end_update(browser.list.select.widget(), json!({"index": 2}));
        assert_eq!(browser.selected().unwrap().title(), Some("Port scan"));
        let shown = browser.list.details.outputs();
        assert!(
            shown[0]["data"]["text/html"]
                .as_str()
                .unwrap()
                .contains("Port scan")
        );
        // The severity filter keeps only the medium alert.
        front_end_update(browser.severity.widget(), json!({"index": 2}));
        assert_eq!(browser.list.select.options().len(), 1);
        assert_eq!(browser.selected().unwrap().title(), Some("Odd logon"));
        assert_eq!(*picked.lock().unwrap(), ["Port scan", "Odd logon"]);
        let bundle = browser.mime_bundle();
        assert!(
            bundle.get("text/plain").unwrap().contains(
                "selected '2024-03-01 10:00:00  [Medium]  Odd logon  (ws1)' (1 of 3 shown)"
            )
        );
        assert!(bundle.get("text/html").unwrap().contains("Odd logon"));
    }

    #[test]
    fn keyed_browser_keeps_the_selected_alert() {
        let first = SelectAlert::new(&alerts()).key("alert-test");
        assert!(first.select_id("id-Port scan"));
        front_end_update(first.severity.widget(), json!({"index": 3}));
        let second = SelectAlert::new(&alerts()).key("alert-test");
        assert_eq!(second.selected().unwrap().title(), Some("Port scan"));
        assert_eq!(second.severity.value().as_deref(), Some("Low"));
        assert!(!second.select_id("nope"));
    }

    #[test]
    fn from_a_sample_alert_table() {
        let tables = data::sample::tables(&data::sample::SampleOptions::default()).unwrap();
        let df = &tables
            .iter()
            .find(|(n, _)| *n == "SecurityAlert")
            .unwrap()
            .1;
        let browser = SelectAlert::from_df(df).unwrap();
        assert_eq!(browser.alerts().len(), df.height());
        assert!(browser.selected().is_some());
    }
}
