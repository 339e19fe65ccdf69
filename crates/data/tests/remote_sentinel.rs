//! The Microsoft Sentinel / Log Analytics driver against a local server speaking the
//! Log Analytics query API, Resource Manager's table listing and Azure AD's token
//! endpoint.

mod remote_common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use data::drivers::{AzureCredential, LogAnalyticsConfig, LogAnalyticsDriver, driver_for};
use data::kql::{ExecOptions, Tables};
use data::polars::prelude::*;
use data::sample::SampleOptions;
use data::{DataError, Dialect, Driver, LocalData, QueryLibrary, RunOptions};
use remote_common::*;
use sectools::settings::Settings;
use serde_json::{Value as Json, json};

const WORKSPACE: &str = "52b1ab41-869e-4138-9e40-2a4457f09bf3";
const LA_SCOPE: &str = "https://api.loganalytics.io/.default";
const ARM_SCOPE: &str = "https://management.azure.com/.default";

fn settings_yaml(base: &str, secret: &str, extra_args: &str) -> String {
    format!(
        r#"
Azure:
  cloud: global
  authority_uri: {base}
  log_analytics_uri: {base}
  resource_manager_uri: {base}
AzureSentinel:
  Workspaces:
    Default:
      WorkspaceId: "{WORKSPACE}"
      TenantId: "{TENANT}"
      SubscriptionId: sub-1
      ResourceGroup: rg-1
      WorkspaceName: ws-1
    Second:
      WorkspaceId: "a927809c-8142-43e1-96b3-4ad87cfe95a3"
      TenantId: "{TENANT}"
DataProviders:
  MSSentinel:
    Args:
      ClientId: "{CLIENT_ID}"
      ClientSecret: "{secret}"
{extra_args}
"#
    )
}

fn settings(base: &str, secret: &str) -> Settings {
    Settings::from_yaml(&settings_yaml(base, secret, "")).expect("settings")
}

/// A server: Azure AD at `/{tenant}/oauth2/v2.0/token`, the query API answering with
/// `query`, Resource Manager's table listing with `tables`.
fn server(
    query: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
    tables: Option<String>,
) -> FakeServer {
    FakeServer::start(move |seen| {
        let path = seen.path();
        if path.ends_with("/oauth2/v2.0/token") {
            return aad_token_reply(seen, &[LA_SCOPE, ARM_SCOPE]);
        }
        if !authorized(seen) {
            return Reply::json(
                401,
                &json!({"error": {"code": "InvalidAuthenticationToken", "message": "the token is missing or invalid"}}),
            );
        }
        if path == format!("/v1/workspaces/{WORKSPACE}/query") && seen.method == "POST" {
            return query(seen);
        }
        if path.ends_with("/providers/Microsoft.OperationalInsights/workspaces/ws-1/tables")
            && let Some(t) = &tables
        {
            return Reply::raw(200, t.clone());
        }
        Reply::json(
            404,
            &json!({"error": {"code": "PathNotFound", "message": format!("no route {path}")}}),
        )
    })
}

fn driver(base: &str) -> LogAnalyticsDriver {
    LogAnalyticsDriver::from_settings(&settings(base, CLIENT_SECRET), None).expect("driver")
}

fn dtype(df: &DataFrame, name: &str) -> DataType {
    df.column(name).expect("column").dtype().clone()
}

fn utc_ns() -> DataType {
    DataType::Datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC))
}

#[test]
fn the_corpus_alert_query_response_keeps_its_types() {
    let Some(corpus) = corpus() else { return };
    let body =
        std::fs::read_to_string(corpus.join("azmondata/az_mon_raw_query.json")).expect("corpus");
    let srv = server(move |_| Reply::raw(200, body.clone()), None);
    let mut d = driver(&srv.base);
    let df = d
        .run("SecurityAlert | take 10", &RunOptions::default())
        .expect("query");
    assert!(df.height() > 0);
    assert_eq!(dtype(&df, "TimeGenerated"), utc_ns());
    assert_eq!(dtype(&df, "ConfidenceScore"), DataType::Float64);
    assert_eq!(dtype(&df, "IsIncident"), DataType::Boolean);
    assert_eq!(dtype(&df, "AlertName"), DataType::String);
    let first = df
        .column("TimeGenerated")
        .expect("col")
        .get(0)
        .expect("row");
    // 2023-02-20T11:04:02.6371632Z, to the 100 ns tick.
    assert_eq!(
        first,
        AnyValue::Datetime(
            1_676_891_042_637_163_200,
            TimeUnit::Nanoseconds,
            Some(&TimeZone::UTC)
        )
    );
}

#[test]
fn every_log_analytics_type_maps_to_its_column_type() {
    let body = read_fixture("la_query_types.json");
    let srv = server(move |_| Reply::raw(200, body.clone()), None);
    let mut d = driver(&srv.base);
    let df = d.run("T", &RunOptions::default()).expect("query");
    assert_eq!(df.height(), 3);
    assert_eq!(dtype(&df, "TimeGenerated"), utc_ns());
    assert_eq!(dtype(&df, "EventID"), DataType::Int32);
    assert_eq!(dtype(&df, "Bytes"), DataType::Int64);
    assert_eq!(dtype(&df, "Score"), DataType::Float64);
    assert_eq!(dtype(&df, "IsAdmin"), DataType::Boolean);
    assert_eq!(dtype(&df, "SessionId"), DataType::String);
    assert_eq!(
        dtype(&df, "Duration"),
        DataType::Duration(TimeUnit::Nanoseconds)
    );
    assert_eq!(dtype(&df, "Props"), DataType::String);
    assert_eq!(dtype(&df, "Amount"), DataType::Float64);
    let col = |n: &str| df.column(n).expect("column").clone();
    // 2^53 + 1 survives: longs are read as integers, never through a float.
    assert_eq!(
        col("Bytes").get(0).expect("v"),
        AnyValue::Int64(9_007_199_254_740_993)
    );
    assert_eq!(
        col("Duration").get(0).expect("v"),
        AnyValue::Duration(3_723_500_000_000, TimeUnit::Nanoseconds)
    );
    assert_eq!(
        col("Duration").get(1).expect("v"),
        AnyValue::Duration(86_400_000_000_000, TimeUnit::Nanoseconds)
    );
    assert_eq!(
        col("Props").get(0).expect("v"),
        AnyValue::String(r#"{"ip":"10.0.0.5","ports":[443,8443]}"#)
    );
    assert!(matches!(col("Score").get(2).expect("v"), AnyValue::Float64(f) if f.is_nan()));
    assert_eq!(col("Amount").get(0).expect("v"), AnyValue::Float64(12.5));
    for name in [
        "TimeGenerated",
        "Computer",
        "EventID",
        "IsAdmin",
        "SessionId",
        "Amount",
    ] {
        assert_eq!(col(name).get(2).expect("v"), AnyValue::Null, "{name}");
    }
}

#[test]
fn the_request_follows_the_api_and_the_token_request_is_client_credentials() {
    let body = read_fixture("la_query_types.json");
    let srv = server(move |_| Reply::raw(200, body.clone()), None);
    let mut d = driver(&srv.base);
    let options = RunOptions {
        timeout: Some(Duration::from_secs(42)),
        ..Default::default()
    };
    d.run("SecurityEvent | take 1", &options).expect("first");
    d.run("SecurityEvent | take 2", &options).expect("second");
    let tokens = srv.requests_to("/oauth2/v2.0/token");
    assert_eq!(tokens.len(), 1, "the token is cached between queries");
    let form = tokens[0].form();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_id"], CLIENT_ID);
    assert_eq!(form["scope"], LA_SCOPE);
    let queries = srv.requests_to("/query");
    assert_eq!(queries.len(), 2);
    assert_eq!(
        queries[0].json(),
        json!({"query": "SecurityEvent | take 1"})
    );
    assert_eq!(queries[0].header("prefer"), Some("wait=42"));
    assert_eq!(
        queries[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(d.source(), format!("workspace Default ({WORKSPACE})"));
}

#[test]
fn several_workspaces_go_in_one_request() {
    let body = read_fixture("la_query_types.json");
    let srv = server(move |_| Reply::raw(200, body.clone()), None);
    let s = Settings::from_yaml(&settings_yaml(
        &srv.base,
        CLIENT_SECRET,
        "      AdditionalWorkspaces: Second, 11111111-2222-3333-4444-555555555555",
    ))
    .expect("settings");
    let mut d = LogAnalyticsDriver::from_settings(&s, None).expect("driver");
    d.run("SigninLogs | take 5", &RunOptions::default())
        .expect("query");
    let q = &srv.requests_to("/query")[0];
    assert_eq!(
        q.json()["workspaces"],
        json!([
            "a927809c-8142-43e1-96b3-4ad87cfe95a3",
            "11111111-2222-3333-4444-555555555555"
        ])
    );
    assert!(d.source().ends_with("and 2 more"), "{}", d.source());
}

#[test]
fn a_partial_result_keeps_its_rows_and_says_why_or_fails_when_asked() {
    let body = read_fixture("la_partial_error.json");
    let srv = server(move |_| Reply::raw(200, body.clone()), None);
    let mut d = driver(&srv.base);
    let df = d
        .run("SecurityEvent", &RunOptions::default())
        .expect("partial rows");
    assert_eq!(df.height(), 2);
    let warnings = d.take_warnings();
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].contains("partial result (2 rows kept)"),
        "{}",
        warnings[0]
    );
    assert!(
        warnings[0].contains("E_QUERY_RESULT_SET_TOO_LARGE"),
        "{}",
        warnings[0]
    );
    assert!(d.take_warnings().is_empty(), "warnings are taken once");

    let mut config = LogAnalyticsConfig::new(WORKSPACE, TENANT);
    config.cloud =
        data::drivers::AzureCloud::from_settings(&settings(&srv.base, "x")).expect("cloud");
    config.fail_on_partial = true;
    let creds = vec![AzureCredential::ClientSecret {
        tenant_id: TENANT.into(),
        client_id: CLIENT_ID.into(),
        secret: CLIENT_SECRET.into(),
    }];
    let mut strict = LogAnalyticsDriver::new(config, creds).expect("driver");
    let err = strict
        .run("SecurityEvent", &RunOptions::default())
        .expect_err("fails");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("MSSentinel (workspace {WORKSPACE})")),
        "{text}"
    );
    assert!(text.contains("PartialError"), "{text}");
}

#[test]
fn a_query_error_names_the_workspace_and_the_parser_message() {
    let body = read_fixture("la_error_400.json");
    let srv = server(move |_| Reply::raw(400, body.clone()), None);
    let mut d = driver(&srv.base);
    let err = d
        .run("SecurityEvent | wher x", &RunOptions::default())
        .expect_err("400");
    let text = err.to_string();
    assert!(matches!(err, DataError::Driver { .. }));
    assert!(text.contains("workspace Default"), "{text}");
    assert!(text.contains("HTTP 400"), "{text}");
    assert!(
        text.contains("Query could not be parsed at 'wher' on line [1,15]"),
        "{text}"
    );
    assert_eq!(srv.requests_to("/query").len(), 1, "a 400 is not retried");
}

#[test]
fn too_many_requests_waits_for_retry_after_then_succeeds() {
    let body = read_fixture("la_query_types.json");
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let srv = server(
        move |_| {
            if c.fetch_add(1, Ordering::SeqCst) == 0 {
                Reply::json(
                    429,
                    &json!({"error": {"code": "TooManyRequests", "message": "slow down"}}),
                )
                .with_header("Retry-After", "1")
            } else {
                Reply::raw(200, body.clone())
            }
        },
        None,
    );
    let mut d = driver(&srv.base);
    let started = Instant::now();
    let df = d.run("T", &RunOptions::default()).expect("retried");
    assert_eq!(df.height(), 3);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn bad_credentials_give_azure_ads_message_without_the_secret() {
    let srv = server(|_| Reply::raw(200, "{}"), None);
    let mut d = LogAnalyticsDriver::from_settings(&settings(&srv.base, "wrong-secret-value"), None)
        .expect("driver");
    let err = d.run("T", &RunOptions::default()).expect_err("401");
    let text = err.to_string();
    assert!(
        text.contains("AADSTS7000215: Invalid client secret provided"),
        "{text}"
    );
    assert!(text.contains(CLIENT_ID) && text.contains(TENANT), "{text}");
    assert!(text.contains("HTTP 401"), "{text}");
    assert!(!text.contains("wrong-secret-value"), "{text}");
    assert!(!text.contains("Trace ID"), "{text}");
    assert!(srv.requests_to("/query").is_empty());
    assert!(!format!("{d:?}").contains("wrong-secret-value"));
}

#[test]
fn tables_are_listed_from_resource_manager() {
    let srv = server(
        |_| Reply::raw(200, "{}"),
        Some(read_fixture("arm_tables.json")),
    );
    let mut d = driver(&srv.base);
    let tables = d.schema().expect("schema");
    let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["Beacons_CL", "SecurityEvent"]);
    assert_eq!(
        tables[1].columns,
        [
            ("TenantId", "guid"),
            ("TimeGenerated", "datetime"),
            ("Computer", "string"),
            ("EventID", "int")
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    let req = &srv.requests_to("/tables")[0];
    assert_eq!(req.query("api-version").as_deref(), Some("2022-10-01"));
    assert!(
        req.path()
            .starts_with("/subscriptions/sub-1/resourceGroups/rg-1/")
    );
    assert_eq!(
        srv.requests_to("/oauth2/v2.0/token")[0].form()["scope"],
        ARM_SCOPE
    );

    // msticpy's recorded listing of a real workspace.
    let Some(corpus) = corpus() else { return };
    let body =
        std::fs::read_to_string(corpus.join("azmondata/az_mon_schema.json")).expect("corpus");
    let srv = server(|_| Reply::raw(200, "{}"), Some(body));
    let tables = driver(&srv.base).schema().expect("schema");
    let audit = tables
        .iter()
        .find(|t| t.name == "AuditLog_CL")
        .expect("AuditLog_CL");
    assert!(
        audit
            .columns
            .iter()
            .any(|(n, t)| n == "TimeGenerated" && t == "datetime")
    );
    assert!(tables.len() > 10);
}

#[test]
fn without_resource_manager_names_tables_come_from_the_metadata_api() {
    let srv = FakeServer::start(|seen| {
        if seen.path().ends_with("/oauth2/v2.0/token") {
            return aad_token_reply(seen, &[LA_SCOPE]);
        }
        if authorized(seen) && seen.path() == format!("/v1/workspaces/{WORKSPACE}/metadata") {
            return Reply::raw(200, read_fixture("la_metadata.json"));
        }
        Reply::json(
            404,
            &json!({"error": {"code": "PathNotFound", "message": "no route"}}),
        )
    });
    let s = Settings::from_yaml(&settings_yaml(&srv.base, CLIENT_SECRET, "")).expect("settings");
    // `Second` has no SubscriptionId/ResourceGroup/WorkspaceName; point it at WORKSPACE.
    let mut config = LogAnalyticsDriver::from_settings(&s, Some("Second"))
        .expect("driver")
        .config()
        .clone();
    config.workspace_id = WORKSPACE.into();
    let creds = vec![AzureCredential::ClientSecret {
        tenant_id: TENANT.into(),
        client_id: CLIENT_ID.into(),
        secret: CLIENT_SECRET.into(),
    }];
    let tables = LogAnalyticsDriver::new(config, creds)
        .expect("driver")
        .schema()
        .expect("schema");
    assert_eq!(tables.len(), 2);
    assert_eq!(tables[1].name, "SecurityEvent");
    assert_eq!(
        tables[1].columns[2],
        ("EventID".to_owned(), "int".to_owned())
    );
}

#[test]
fn a_hostile_parameter_reaches_the_server_exactly_as_rendered() {
    let lib = QueryLibrary::load_dir(queries_dir()).expect("queries/");
    let hostile = "ws-fin-01\" or 1==1 | union SigninLogs //\n| take 1";
    let rendered = lib
        .render(
            "WindowsSecurity.list_host_logons",
            [
                ("host_name", hostile),
                ("start", "2026-10-26T00:00:00Z"),
                ("end", "2026-11-02T00:00:00Z"),
            ],
            Dialect::Kql,
        )
        .expect("render");
    assert!(
        rendered.contains(r#"has "ws-fin-01\" or 1==1 | union SigninLogs //\n| take 1""#),
        "{rendered}"
    );
    let body = read_fixture("la_query_types.json");
    let srv = server(move |_| Reply::raw(200, body.clone()), None);
    driver(&srv.base)
        .run(&rendered, &RunOptions::default())
        .expect("query");
    let seen = &srv.requests_to("/query")[0];
    assert_eq!(seen.json()["query"].as_str(), Some(rendered.as_str()));
}

#[test]
fn driver_for_builds_sentinel_from_settings_and_skips_others() {
    let s = settings("http://127.0.0.1:9", CLIENT_SECRET);
    let d = driver_for("AzureSentinel", &s)
        .expect("ok")
        .expect("a driver");
    assert_eq!(d.environment(), "MSSentinel");
    assert!(driver_for("LocalData", &s).expect("ok").is_none());
    let err = driver_for("MSSentinel", &Settings::empty()).expect_err("no workspace");
    assert!(
        err.to_string().contains("AzureSentinel.Workspaces.Default"),
        "{err}"
    );
}

// ---- the same KQL through the local engine and through the Log Analytics API ----

/// A polars type as the Log Analytics type name a real workspace would send.
fn la_type(dt: &DataType) -> &'static str {
    match dt {
        DataType::Boolean => "bool",
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::UInt8 | DataType::UInt16 => {
            "int"
        }
        DataType::Int64 | DataType::UInt32 | DataType::UInt64 => "long",
        DataType::Float32 | DataType::Float64 => "real",
        DataType::Datetime(..) | DataType::Date => "datetime",
        DataType::Duration(_) => "timespan",
        DataType::String => "string",
        _ => "dynamic",
    }
}

fn la_cell(v: AnyValue<'_>) -> Json {
    match v {
        AnyValue::Null => Json::Null,
        AnyValue::Boolean(b) => json!(b),
        AnyValue::Int8(i) => json!(i),
        AnyValue::Int16(i) => json!(i),
        AnyValue::Int32(i) => json!(i),
        AnyValue::Int64(i) => json!(i),
        AnyValue::UInt8(i) => json!(i),
        AnyValue::UInt16(i) => json!(i),
        AnyValue::UInt32(i) => json!(i),
        AnyValue::UInt64(i) => json!(i),
        AnyValue::Float32(f) => json!(f),
        AnyValue::Float64(f) if f.is_finite() => json!(f),
        AnyValue::Float64(f) => json!(f.to_string()),
        AnyValue::String(s) => json!(s),
        AnyValue::StringOwned(s) => json!(s.as_str()),
        AnyValue::Datetime(t, unit, _) => {
            let ns = match unit {
                TimeUnit::Nanoseconds => t,
                TimeUnit::Microseconds => t * 1_000,
                TimeUnit::Milliseconds => t * 1_000_000,
            };
            let dt = chrono::DateTime::from_timestamp_nanos(ns);
            json!(dt.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string())
        }
        other => json!(other.to_string()),
    }
}

/// A result table in the Log Analytics response format.
fn la_body(df: &DataFrame) -> String {
    let columns: Vec<Json> = df
        .columns()
        .iter()
        .map(|c| json!({"name": c.name().as_str(), "type": la_type(c.dtype())}))
        .collect();
    let rows: Vec<Json> = (0..df.height())
        .map(|i| {
            Json::Array(
                df.columns()
                    .iter()
                    .map(|c| la_cell(c.get(i).expect("cell")))
                    .collect(),
            )
        })
        .collect();
    json!({"tables": [{"name": "PrimaryResult", "columns": columns, "rows": rows}]}).to_string()
}

/// Both frames hold the same values, column by column, with the same kind of type
/// (an integer column may come back wider, datetimes in nanoseconds).
fn assert_same(local: &DataFrame, remote: &DataFrame, label: &str) {
    assert_eq!(
        local.get_column_names(),
        remote.get_column_names(),
        "{label}"
    );
    assert_eq!(local.height(), remote.height(), "{label}");
    for (l, r) in local.columns().iter().zip(remote.columns()) {
        let (lt, rt) = (l.dtype(), r.dtype());
        let same_kind = match (lt, rt) {
            (DataType::Datetime(..), DataType::Datetime(TimeUnit::Nanoseconds, Some(_))) => true,
            (a, b) if a.is_integer() && b.is_integer() => true,
            (a, b) => a == b,
        };
        assert!(
            same_kind,
            "{label}: column {} {lt} came back as {rt}",
            l.name()
        );
    }
    // Rows as text, sorted: group order after `summarize` is not fixed.
    let rows = |df: &DataFrame, types: &DataFrame| -> Vec<String> {
        let cast: Vec<Column> = df
            .columns()
            .iter()
            .zip(types.columns())
            .map(|(c, t)| c.cast(t.dtype()).expect("cast"))
            .collect();
        let mut out: Vec<String> = (0..df.height())
            .map(|i| {
                cast.iter()
                    .map(|c| format!("{:?}", c.get(i).expect("cell")))
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect();
        out.sort();
        out
    };
    assert_eq!(rows(local, remote), rows(remote, remote), "{label}");
}

#[test]
fn library_queries_give_the_same_rows_locally_and_through_log_analytics() {
    let options = SampleOptions {
        days: 2,
        ..Default::default()
    };
    let frames = data::sample::tables(&options).expect("sample");
    let tables = Tables::from_frames(frames);
    let now = options.end;
    let local_tables = tables.clone();
    let srv = server(
        move |seen| {
            let q = seen.json()["query"].as_str().unwrap_or_default().to_owned();
            match data::kql::run(&q, &local_tables, &ExecOptions { now: Some(now) }) {
                Ok(df) => Reply::raw(200, la_body(&df)),
                Err(e) => Reply::json(
                    400,
                    &json!({"error": {"code": "BadArgumentError", "message": e.to_string()}}),
                ),
            }
        },
        None,
    );
    let mut remote = driver(&srv.base);
    let mut local = LocalData::from_tables(tables, "sample").with_now(now);
    let lib = QueryLibrary::load_dir(queries_dir()).expect("queries/");
    let start = options.start().to_rfc3339();
    let end = options.end.to_rfc3339();
    let cases: [(&str, Vec<(&str, &str)>); 5] = [
        ("WindowsSecurity.list_logon_failures", vec![]),
        (
            "WindowsSecurity.list_account_logons",
            vec![("account_name", "svc-backup")],
        ),
        ("SecurityAlert.list_alerts", vec![]),
        ("SecurityAlert.summarize_alerts", vec![]),
        ("Dns.summarize_failed_lookups", vec![]),
    ];
    let mut compared = 0;
    for (name, extra) in cases {
        let Some(q) = lib.get(name) else {
            println!("{name}: not in queries/, skipped");
            continue;
        };
        let mut params: Vec<(&str, &str)> = vec![("start", start.as_str()), ("end", end.as_str())];
        params.extend(extra.iter().copied());
        let params: Vec<(&str, &str)> = params.into_iter().filter(|(k, _)| q.accepts(k)).collect();
        let text = lib.render(name, params, Dialect::Kql).expect("render");
        let a = local.run(&text, &RunOptions::default()).expect("local");
        let b = remote.run(&text, &RunOptions::default()).expect("remote");
        assert_same(&a, &b, name);
        println!("{name}: {} rows, {} columns equal", a.height(), a.width());
        compared += usize::from(a.height() > 0);
    }
    assert!(
        compared >= 3,
        "at least three library queries compared with rows"
    );
}
