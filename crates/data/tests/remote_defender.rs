//! Defender advanced hunting (MDE API and Microsoft Graph `runHuntingQuery`) and
//! Microsoft Graph security alerts, against a local server.

mod remote_common;

use data::drivers::{DefenderApi, DefenderDriver, GraphDriver, driver_for};
use data::polars::prelude::*;
use data::{Dialect, Driver, QueryLibrary, RunOptions};
use remote_common::*;
use sectools::settings::Settings;
use serde_json::json;

const MDE_SCOPE: &str = "https://api.securitycenter.microsoft.com/.default";
const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

fn settings(base: &str) -> Settings {
    Settings::from_yaml(&format!(
        r#"
Azure:
  authority_uri: {base}
  mde_uri: {base}
  graph_uri: {base}
DataProviders:
  MicrosoftDefender:
    Args:
      TenantId: "{TENANT}"
      ClientId: "{CLIENT_ID}"
      ClientSecret: "{CLIENT_SECRET}"
  MicrosoftGraph:
    Args:
      TenantId: "{TENANT}"
      ClientId: "{CLIENT_ID}"
      ClientSecret: "{CLIENT_SECRET}"
"#
    ))
    .expect("settings")
}

fn alerts_page(base: &str, page: usize) -> serde_json::Value {
    let alert = |id: &str, sev: &str, created: &str, score: serde_json::Value| {
        json!({
            "id": id,
            "title": "Suspicious PowerShell command line",
            "severity": sev,
            "status": "new",
            "createdDateTime": created,
            "lastUpdateDateTime": created,
            "isIncidentLinked": true,
            "riskScore": score,
            "evidence": [{"@odata.type": "#microsoft.graph.security.deviceEvidence", "deviceDnsName": "ws-fin-01"}],
        })
    };
    match page {
        0 => json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#security/alerts_v2",
            "value": [
                alert("da637551227677560813_-961444813", "high", "2026-10-28T09:15:02.123Z", json!(7)),
                alert("da637551227677560813_-961444814", "medium", "2026-10-28T10:00:00Z", json!(2.5)),
            ],
            "@odata.nextLink": format!("{base}/v1.0/security/alerts_v2?$skiptoken=page2"),
        }),
        _ => json!({
            "value": [alert("da637551227677560813_-961444815", "high", "2026-10-29T01:00:00Z", json!(null))],
        }),
    }
}

fn server() -> FakeServer {
    FakeServer::start(|seen| {
        let path = seen.path();
        if path.ends_with("/oauth2/v2.0/token") {
            return aad_token_reply(seen, &[MDE_SCOPE, GRAPH_SCOPE]);
        }
        if !authorized(seen) {
            return Reply::json(
                401,
                &json!({"error": {"code": "Unauthorized", "message": "no token"}}),
            );
        }
        match (seen.method.as_str(), path) {
            ("POST", "/api/advancedqueries/run") => {
                if seen.json()["Query"]
                    .as_str()
                    .is_some_and(|q| q.contains("wher "))
                {
                    return Reply::json(
                        400,
                        &json!({"error": {"code": "BadRequest", "message": "Syntax error on line 1", "target": "4b8bd1e6"}}),
                    );
                }
                Reply::raw(200, read_fixture("mde_run.json"))
            }
            ("POST", "/v1.0/security/runHuntingQuery") => {
                Reply::raw(200, read_fixture("graph_hunting.json"))
            }
            ("GET", "/v1.0/security/alerts_v2") => {
                let base = format!("http://{}", seen.header("host").unwrap_or_default());
                let page = usize::from(seen.query("$skiptoken").is_some());
                Reply::json(200, &alerts_page(&base, page))
            }
            _ => Reply::json(
                404,
                &json!({"error": {"code": "NotFound", "message": path}}),
            ),
        }
    })
}

fn dtype(df: &DataFrame, name: &str) -> DataType {
    df.column(name).expect("column").dtype().clone()
}

#[test]
fn mde_advanced_hunting_sends_the_rendered_query_and_types_its_schema() {
    let srv = server();
    let lib = QueryLibrary::load_dir(queries_dir()).expect("queries/");
    let hostile = r#"ws-fin-01" | project-away * | union (DeviceInfo)"#;
    let text = lib
        .get("MDE.list_host_processes")
        .map(|q| {
            let params: Vec<(&str, &str)> = [
                ("host_name", hostile),
                ("start", "2026-10-26T00:00:00Z"),
                ("end", "2026-11-02T00:00:00Z"),
            ]
            .into_iter()
            .filter(|(k, _)| q.accepts(k))
            .collect();
            lib.render("MDE.list_host_processes", params, Dialect::Kql)
                .expect("render")
        })
        .expect("MDE.list_host_processes in queries/");
    let mut d =
        DefenderDriver::from_settings(&settings(&srv.base), DefenderApi::Mde).expect("driver");
    let df = d.run(&text, &RunOptions::default()).expect("query");
    let sent = &srv.requests_to("/api/advancedqueries/run")[0];
    assert_eq!(sent.json(), json!({ "Query": text }));
    assert!(
        text.contains(r#""ws-fin-01\" | project-away * | union (DeviceInfo)""#),
        "{text}"
    );
    assert_eq!(
        srv.requests_to("/oauth2/v2.0/token")[0].form()["scope"],
        MDE_SCOPE
    );

    assert_eq!(df.height(), 2);
    assert_eq!(
        dtype(&df, "Timestamp"),
        DataType::Datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC))
    );
    assert_eq!(dtype(&df, "InitiatingProcessId"), DataType::Int64);
    assert_eq!(dtype(&df, "IsElevated"), DataType::Boolean);
    assert_eq!(dtype(&df, "AdditionalFields"), DataType::String);
    let fields = df.column("AdditionalFields").expect("c");
    assert_eq!(
        fields.get(0).expect("v"),
        AnyValue::String(r#"{"ProcessCommandLine":"powershell -enc SQBFAFgA"}"#)
    );
    // A key missing from a result row is a null.
    assert_eq!(fields.get(1).expect("v"), AnyValue::Null);
    assert_eq!(
        df.column("InitiatingProcessId")
            .expect("c")
            .get(1)
            .expect("v"),
        AnyValue::Null
    );
}

#[test]
fn an_mde_query_error_names_the_endpoint_and_message() {
    let srv = server();
    let mut d =
        DefenderDriver::from_settings(&settings(&srv.base), DefenderApi::Mde).expect("driver");
    let err = d
        .run("DeviceProcessEvents | wher x", &RunOptions::default())
        .expect_err("400");
    let text = err.to_string();
    assert!(text.starts_with(&format!("MDE ({})", srv.base)), "{text}");
    assert!(
        text.contains("BadRequest: Syntax error on line 1"),
        "{text}"
    );
}

#[test]
fn graph_run_hunting_query_reads_schema_and_results() {
    let srv = server();
    let s = settings(&srv.base);
    let mut d = driver_for("M365DGraph", &s).expect("ok").expect("driver");
    assert_eq!(d.environment(), "M365DGraph");
    let df = d
        .run("DeviceProcessEvents | take 2", &RunOptions::default())
        .expect("query");
    assert_eq!(df.height(), 2);
    assert_eq!(
        dtype(&df, "Timestamp"),
        DataType::Datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC))
    );
    assert_eq!(dtype(&df, "Count"), DataType::Int64);
    assert_eq!(
        df.get_column_names(),
        [
            "Timestamp",
            "FileName",
            "InitiatingProcessFileName",
            "Count"
        ]
    );
    let sent = &srv.requests_to("/v1.0/security/runHuntingQuery")[0];
    assert_eq!(
        sent.json(),
        json!({"Query": "DeviceProcessEvents | take 2"})
    );
    assert_eq!(
        srv.requests_to("/oauth2/v2.0/token")[0].form()["scope"],
        GRAPH_SCOPE
    );
}

#[test]
fn graph_alerts_follow_next_links_and_infer_types() {
    let srv = server();
    let mut d = GraphDriver::from_settings(&settings(&srv.base)).expect("driver");
    let df = d
        .run(
            "/security/alerts_v2?$filter=severity eq 'high'&$top=2",
            &RunOptions::default(),
        )
        .expect("alerts");
    assert_eq!(df.height(), 3, "two pages");
    let first = &srv.requests_to("/v1.0/security/alerts_v2")[0];
    assert_eq!(
        first.query("$filter").as_deref(),
        Some("severity eq 'high'")
    );
    assert_eq!(first.query("$top").as_deref(), Some("2"));
    assert_eq!(srv.requests_to("/v1.0/security/alerts_v2").len(), 2);
    assert_eq!(
        dtype(&df, "createdDateTime"),
        DataType::Datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC))
    );
    assert_eq!(dtype(&df, "isIncidentLinked"), DataType::Boolean);
    assert_eq!(dtype(&df, "riskScore"), DataType::Float64);
    assert_eq!(dtype(&df, "evidence"), DataType::String);
    assert!(
        df.column("evidence")
            .expect("c")
            .get(0)
            .expect("v")
            .to_string()
            .contains("deviceDnsName"),
    );
}

#[test]
fn graph_bad_credentials_fail_before_any_query() {
    let srv = server();
    let text = settings(&srv.base);
    let bad = Settings::from_yaml(
        &format!(
            "Azure:\n  authority_uri: {0}\n  graph_uri: {0}\nDataProviders:\n  MicrosoftGraph:\n    Args:\n      TenantId: \"{TENANT}\"\n      ClientId: \"{CLIENT_ID}\"\n      ClientSecret: nope-nope\n",
            srv.base
        ),
    )
    .expect("settings");
    drop(text);
    let mut d = GraphDriver::from_settings(&bad).expect("driver");
    let err = d
        .run("security/alerts_v2", &RunOptions::default())
        .expect_err("401");
    assert!(err.to_string().contains("AADSTS7000215"), "{err}");
    assert!(srv.requests_to("/v1.0/security/alerts_v2").is_empty());
}
