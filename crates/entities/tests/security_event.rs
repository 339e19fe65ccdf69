//! SecurityEvent rows: entities from Windows security events and query parameters.

mod common;

use entities::*;
use serde_json::json;

fn row(value: serde_json::Value) -> Row {
    serde_json::from_value(value).expect("a row is a JSON object")
}

#[test]
fn process_creation_event() {
    let event = SecurityEvent::from_row(&row(json!({
        "TimeGenerated": "2024-03-12T08:14:55.000Z",
        "Computer": "fin-ws-07.corp.contoso.com",
        "EventID": 4688,
        "Account": "CORP\\bob",
        "SubjectUserName": "bob",
        "SubjectDomainName": "CORP",
        "SubjectUserSid": "S-1-5-21-9-1107",
        "SubjectLogonId": "0x5b3c1",
        "TargetUserName": "-",
        "TargetLogonId": "0x0",
        "NewProcessName": "C:\\Windows\\System32\\rundll32.exe",
        "NewProcessId": "0x2a10",
        "CommandLine": "rundll32.exe a.dll,Start",
        "ParentProcessName": "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
        "ProcessId": "0x1f00",
        "IpAddress": "-",
    })))
    .unwrap();
    assert_eq!(event.event_id, Some(4688));
    let set = event.entities();
    let kinds: Vec<EntityKind> = set
        .roots()
        .iter()
        .map(|id| set.get(*id).unwrap().kind())
        .collect();
    assert_eq!(
        kinds,
        [
            EntityKind::Host,
            EntityKind::Account,
            EntityKind::HostLogonSession,
            EntityKind::Process,
            EntityKind::Process,
        ]
    );
    let (host, _) = set.first::<Host>().unwrap();
    let (account_id, account) = set.first::<Account>().unwrap();
    assert_eq!(account.to_string(), "CORP\\bob");
    assert_eq!(account.host, Some(host));
    let (_, process) = set.first::<Process>().unwrap();
    assert_eq!(process.account, Some(account_id));
    let parent = set.link_as::<Process>(process.parent_process).unwrap();
    assert_eq!(
        parent.image_path(set).as_deref(),
        Some("C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE")
    );
    assert_eq!(parent.process_id.as_deref(), Some("0x1f00"));
    let params = event.query_params();
    let expected: Vec<(&str, &str)> = vec![
        ("account_name", "bob"),
        ("end", "2024-03-12T09:14:55Z"),
        ("event_id", "4688"),
        ("event_time", "2024-03-12T08:14:55Z"),
        ("host_name", "fin-ws-07.corp.contoso.com"),
        ("logon_session_id", "0x5b3c1"),
        ("os_family", "Windows"),
        ("path_separator", "\\"),
        ("process_id", "0x2a10"),
        ("process_name", "C:\\Windows\\System32\\rundll32.exe"),
        ("start", "2024-03-12T07:14:55Z"),
    ];
    let actual: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(actual, expected);
    common::assert_round_trip("4688 entities", &set.to_sentinel_json().unwrap());
}

#[test]
fn logon_event_prefers_the_target_account() {
    let event = SecurityEvent::from_row(&row(json!({
        "TimeGenerated": "2024-03-12T08:00:00Z",
        "Computer": "DC01",
        "EventID": "4624",
        "SubjectUserName": "DC01$",
        "SubjectDomainName": "CORP",
        "SubjectLogonId": "0x3e7",
        "TargetUserName": "alice",
        "TargetDomainName": "CORP",
        "TargetUserSid": "S-1-5-21-9-1105",
        "TargetLogonId": "0x8a1f2",
        "IpAddress": "10.2.3.4",
        "LogonType": 3,
    })))
    .unwrap();
    let params = event.query_params();
    assert_eq!(params["account_name"], "alice");
    assert_eq!(params["logon_session_id"], "0x8a1f2");
    assert_eq!(params["ip_address"], "10.2.3.4");
    assert_eq!(params["host_name"], "DC01");
    assert!(!params.contains_key("process_name"));
    assert_eq!(event.entities().of_type::<Account>().count(), 2);
}

#[test]
fn bad_event_columns_are_named() {
    let error = SecurityEvent::from_row(&row(json!({"EventID": "four"}))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "column `EventID`: `four` is not an event number"
    );
    let error = SecurityEvent::from_row(&row(json!({"TimeGenerated": "noon"}))).unwrap_err();
    assert!(
        error.to_string().starts_with("column `TimeGenerated`"),
        "{error}"
    );
}

#[test]
fn corpus_logon_events() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let rows = common::read_csv_rows(&corpus.join("msticpy-testdata/host_logons.csv"));
    assert_eq!(rows.len(), 14);
    for row in rows {
        let event = SecurityEvent::from_row(&row).unwrap();
        let params = event.query_params();
        let column = |name: &str| row[name].as_str().unwrap().to_owned();
        assert_eq!(params["host_name"], column("Computer"));
        assert_eq!(params["account_name"], column("TargetUserName"));
        assert_eq!(params["logon_session_id"], column("TargetLogonId"));
        assert_eq!(params["event_id"], "4624");
        if let Ok(ip) = column("IpAddress").parse::<IpAddress>() {
            assert_eq!(params["ip_address"], ip.to_string());
        }
        assert!(params.contains_key("start") && params.contains_key("end"));
    }
}

#[test]
fn corpus_process_creation_events() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let rows = common::read_csv_rows(&corpus.join("msticpy-testdata/processes_on_host.csv"));
    assert!(rows.len() > 300, "{}", rows.len());
    for row in rows {
        let event = SecurityEvent::from_row(&row).unwrap();
        let params = event.query_params();
        let column = |name: &str| row[name].as_str().unwrap().to_owned();
        assert_eq!(params["process_name"], column("NewProcessName"));
        assert_eq!(params["process_id"], column("NewProcessId"));
        assert_eq!(params["account_name"], column("SubjectUserName"));
        let set = event.entities();
        let (_, process) = set.first::<Process>().unwrap();
        assert_eq!(
            process.command_line.as_deref(),
            Some(column("CommandLine").as_str()).filter(|c| !c.is_empty())
        );
        let parent = set.link_as::<Process>(process.parent_process).unwrap();
        assert_eq!(parent.image_path(set), Some(column("ParentProcessName")));
        common::assert_round_trip("corpus 4688", &set.to_sentinel_json().unwrap());
    }
}
