//! SecurityAlert rows: typed columns, entities, query parameters.

mod common;

use std::collections::BTreeMap;

use entities::*;
use serde_json::{Value, json};

fn row_fixture() -> Row {
    serde_json::from_str(&common::read_fixture("fixtures/security_alert_row.json"))
        .expect("the row fixture is a JSON object")
}

fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn columns_are_typed() {
    let alert = SecurityAlert::from_row(&row_fixture()).unwrap();
    assert_eq!(
        alert.title(),
        Some("Suspicious rundll32 launched by Office")
    );
    assert_eq!(alert.severity.as_deref(), Some("High"));
    assert_eq!(alert.tactics, ["Execution", "DefenseEvasion"]);
    assert_eq!(alert.techniques, ["T1218", "T1204"]);
    assert_eq!(alert.extended_properties["User Name"], json!("CORP\\bob"));
    assert_eq!(
        alert.time_generated.map(format_time).as_deref(),
        Some("2024-03-12T08:20:03.551234500Z")
    );
    assert_eq!(
        alert.row["TenantId"],
        json!("52b1ab41-869e-4138-9e40-2a4457f09bf0")
    );
    assert_eq!(alert.entities().len(), 8);
    assert_eq!(alert.entities().roots().len(), 6);
}

#[test]
fn query_params_from_entities_and_times() {
    let alert = SecurityAlert::from_row(&row_fixture()).unwrap();
    assert_eq!(
        alert.query_params(),
        params(&[
            ("account_name", "bob"),
            ("alert_time", "2024-03-12T08:14:55Z"),
            ("end", "2024-03-12T09:15:40Z"),
            ("host_name", "fin-ws-07.corp.contoso.com"),
            ("ip_address", "198.51.100.23"),
            ("logon_session_id", "0x5b3c1"),
            ("os_family", "Windows"),
            ("path_separator", "\\"),
            ("process_id", "0x2a10"),
            ("process_name", "C:\\Windows\\System32\\rundll32.exe"),
            ("start", "2024-03-12T07:14:55Z"),
            ("system_alert_id", "2518337123456789012_9f8e7d6c"),
        ])
    );
    let narrow = alert.query_params_with_margin(chrono::TimeDelta::minutes(5));
    assert_eq!(narrow["start"], "2024-03-12T08:09:55Z");
    assert_eq!(narrow["end"], "2024-03-12T08:20:40Z");
}

#[test]
fn linux_alerts_use_forward_slashes_and_fall_back_to_the_compromised_entity() {
    let mut row = Row::new();
    row.insert("TimeGenerated".into(), "2024-01-01T00:00:00Z".into());
    row.insert("CompromisedEntity".into(), "db01".into());
    row.insert(
        "Entities".into(),
        json!([
            {"$id": "1", "ProcessId": "812",
             "ImageFile": {"$id": "2", "Directory": "/usr/bin", "Name": "nc", "Type": "file"},
             "Type": "process"}
        ]),
    );
    let alert = SecurityAlert::from_row(&row).unwrap();
    assert_eq!(
        alert.query_params(),
        params(&[
            ("alert_time", "2024-01-01T00:00:00Z"),
            ("end", "2024-01-01T01:00:00Z"),
            ("host_name", "db01"),
            ("os_family", "Linux"),
            ("path_separator", "/"),
            ("process_id", "812"),
            ("process_name", "/usr/bin/nc"),
            ("start", "2023-12-31T23:00:00Z"),
        ])
    );
}

#[test]
fn bad_columns_are_named() {
    for (column, value, expected) in [
        (
            "Entities",
            json!("[{\"$ref\": \"7\"}]"),
            "column `Entities`: $[0]: `$ref` \"7\"",
        ),
        (
            "Entities",
            json!("not json"),
            "column `Entities`: not valid JSON",
        ),
        (
            "Entities",
            json!(5),
            "column `Entities`: expected JSON text",
        ),
        (
            "ExtendedProperties",
            json!("[1]"),
            "column `ExtendedProperties`: expected a JSON object",
        ),
        (
            "StartTime",
            json!("soon"),
            "column `StartTime`: `soon` is not an ISO 8601 timestamp",
        ),
        (
            "TimeGenerated",
            json!(17),
            "column `TimeGenerated`: expected an ISO 8601 timestamp string",
        ),
    ] {
        let mut row = Row::new();
        row.insert(column.to_owned(), value);
        let error = SecurityAlert::from_row(&row).unwrap_err().to_string();
        assert!(error.contains(expected), "{column}: `{error}`");
    }
}

#[test]
fn an_empty_row_has_no_parameters_but_the_defaults() {
    let alert = SecurityAlert::from_row(&Row::new()).unwrap();
    assert!(alert.entities().is_empty());
    assert_eq!(
        alert.query_params(),
        params(&[("os_family", "Windows"), ("path_separator", "\\")])
    );
}

#[test]
fn to_alert_entity_round_trips_with_its_entities() {
    let alert = SecurityAlert::from_row(&row_fixture()).unwrap();
    let (set, id) = alert.entity_set_with_alert();
    let entity = set.get_as::<Alert>(id).unwrap();
    assert_eq!(entity.system_alert_id, alert.system_alert_id);
    assert_eq!(entity.tactic_list(), ["Execution", "DefenseEvasion"]);
    assert_eq!(entity.start_time(), alert.start_time);
    assert_eq!(entity.entities.as_deref(), Some(alert.entities().roots()));
    common::assert_round_trip("alert with entities", &set.to_sentinel_json().unwrap());
}

/// The SecurityAlert rows of a recorded Log Analytics response in the corpus.
#[test]
fn corpus_security_alert_rows() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let response =
        common::read_json(&corpus.join("msticpy-testdata/azmondata/az_mon_raw_query.json"));
    let table = &response["tables"][0];
    let columns: Vec<&str> = table["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    let rows = table["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    for values in rows {
        let row: Row = columns
            .iter()
            .zip(values.as_array().unwrap())
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect();
        let alert = SecurityAlert::from_row(&row).unwrap();
        assert_eq!(
            alert.title(),
            Some("Linux security related process termination activity detected")
        );
        assert_eq!(alert.tactics, ["Unknown"]);
        assert!(alert.techniques.is_empty());
        assert!(alert.entities().is_empty());
        assert_eq!(
            alert.extended_properties["Event Grouping"],
            Value::from("SingleAlert")
        );
        let params = alert.query_params();
        assert_eq!(
            params["system_alert_id"],
            row["SystemAlertId"].as_str().unwrap()
        );
        assert_eq!(params["start"], "2022-01-06T12:01:34Z");
        assert_eq!(params["end"], "2022-01-06T14:04:53Z");
    }
}
