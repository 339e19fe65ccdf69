//! The Azure Data Explorer (Kusto) driver against a local server speaking the v2 REST
//! query API and Azure AD's token endpoint.

mod remote_common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use data::drivers::{AzureCredential, KustoConfig, KustoDriver, driver_for};
use data::polars::prelude::*;
use data::{DataError, Dialect, Driver, QueryLibrary, RunOptions};
use remote_common::*;
use sectools::settings::Settings;
use serde_json::{Map, Value as Json, json};

/// A server with Azure AD and a cluster at `/v2/rest/query`, answering with `query`.
fn server(query: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> FakeServer {
    FakeServer::start(move |seen| {
        let path = seen.path();
        if path.ends_with("/oauth2/v2.0/token") {
            // A Kusto token's scope is the cluster URL: any 127.0.0.1 cluster here.
            let scope = seen.form().get("scope").cloned().unwrap_or_default();
            let ok = scope.starts_with("http://127.0.0.1:") && scope.ends_with("/.default");
            return aad_token_reply(seen, &[if ok { scope.as_str() } else { "-" }]);
        }
        if !authorized(seen) {
            return Reply::json(
                401,
                &json!({"error": {"code": "Unauthorized", "message": "no token"}}),
            );
        }
        if path == "/v2/rest/query" && seen.method == "POST" {
            return query(seen);
        }
        Reply::json(
            404,
            &json!({"error": {"code": "NotFound", "message": path}}),
        )
    })
}

fn settings(base: &str) -> Settings {
    Settings::from_yaml(&format!(
        r#"
Azure:
  authority_uri: {base}
DataProviders:
  Kusto-Test:
    Args:
      Cluster: {base}
      TenantId: "{TENANT}"
      ClientId: "{CLIENT_ID}"
      ClientSecret: "{CLIENT_SECRET}"
  Kusto-Other:
    Args:
      Cluster: https://other.kusto.windows.net
      Database: OtherDB
      IntegratedAuth: true
"#
    ))
    .expect("settings")
}

fn meta(cluster: &str, database: Option<&str>) -> RunOptions {
    let mut m = Map::new();
    m.insert("cluster".into(), json!(cluster));
    if let Some(db) = database {
        m.insert("database".into(), json!(db));
    }
    RunOptions {
        query_metadata: m,
        ..Default::default()
    }
}

fn dtype(df: &DataFrame, name: &str) -> DataType {
    df.column(name).expect("column").dtype().clone()
}

#[test]
fn the_corpus_v2_response_decodes_with_its_types() {
    let Some(corpus) = corpus() else { return };
    let body = std::fs::read(corpus.join("kusto/kusto_raw_resp.json")).expect("corpus");
    let srv = server(move |_| Reply::raw(200, body.clone()));
    // The corpus query file names cluster https://test.kusto.windows.net and database
    // AppDB; the settings entry Kusto-Test points "test" at the local server.
    let lib = QueryLibrary::load_file(corpus.join("kusto/T1_MDE_Cluster.yaml")).expect("yaml");
    let q = lib
        .get("T1_MDE_Cluster.list_host_processes")
        .expect("query")
        .clone();
    let text = lib
        .render(
            "T1_MDE_Cluster.list_host_processes",
            [
                ("host_name", "ws-fin-01"),
                ("start", "2023-04-11T00:00:00Z"),
                ("end", "2023-04-12T00:00:00Z"),
            ],
            Dialect::Kql,
        )
        .expect("render");
    let mut d = KustoDriver::from_settings(&settings(&srv.base), None).expect("driver");
    let options = RunOptions {
        query_metadata: q.metadata.clone(),
        ..Default::default()
    };
    let df = d.run(&text, &options).expect("query");
    assert_eq!(df.height(), 10);
    assert_eq!(dtype(&df, "CreatedProcessIsElevated"), DataType::Boolean);
    assert_eq!(dtype(&df, "CreatedProcessId"), DataType::Int32);
    assert_eq!(
        dtype(&df, "CreatedProcessCreationTime"),
        DataType::Datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC))
    );
    assert_eq!(dtype(&df, "CreatedProcessName"), DataType::String);
    assert_eq!(
        df.column("CreatedProcessName")
            .expect("c")
            .get(0)
            .expect("v"),
        AnyValue::String("omadmprc.exe")
    );
    let sent = &srv.requests_to("/v2/rest/query")[0];
    assert_eq!(sent.json()["db"], "AppDB");
    assert_eq!(sent.json()["csl"].as_str(), Some(text.as_str()));
    assert_eq!(d.source(), format!("cluster {} database AppDB", srv.base));
}

#[test]
fn every_kusto_type_maps_to_its_column_type() {
    let body = read_fixture("kusto_v2_types.json");
    let srv = server(move |_| Reply::raw(200, body.clone()));
    let mut d = KustoDriver::from_settings(&settings(&srv.base), Some("Test")).expect("driver");
    let df = d.run("T", &meta("Test", Some("Hunting"))).expect("query");
    assert_eq!(df.height(), 3);
    let col = |n: &str| df.column(n).expect("column").clone();
    assert_eq!(
        dtype(&df, "Timestamp"),
        DataType::Datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC))
    );
    assert_eq!(dtype(&df, "ProcessId"), DataType::Int32);
    assert_eq!(dtype(&df, "FileSize"), DataType::Int64);
    assert_eq!(dtype(&df, "Score"), DataType::Float64);
    assert_eq!(dtype(&df, "IsElevated"), DataType::Boolean);
    assert_eq!(dtype(&df, "ReportGuid"), DataType::String);
    assert_eq!(
        dtype(&df, "Elapsed"),
        DataType::Duration(TimeUnit::Nanoseconds)
    );
    assert_eq!(dtype(&df, "AdditionalFields"), DataType::String);
    assert_eq!(dtype(&df, "Price"), DataType::Float64);
    assert_eq!(
        col("Timestamp").get(0).expect("v"),
        AnyValue::Datetime(
            1_681_229_990_786_200_400,
            TimeUnit::Nanoseconds,
            Some(&TimeZone::UTC)
        )
    );
    assert_eq!(
        col("FileSize").get(1).expect("v"),
        AnyValue::Int64(-9_007_199_254_740_993)
    );
    assert_eq!(
        col("Score").get(1).expect("v"),
        AnyValue::Float64(f64::NEG_INFINITY)
    );
    assert_eq!(
        col("Elapsed").get(0).expect("v"),
        AnyValue::Duration(1_250_000_000, TimeUnit::Nanoseconds)
    );
    assert_eq!(
        col("Elapsed").get(1).expect("v"),
        AnyValue::Duration(
            -((2 * 24 + 3) * 3600 + 4 * 60 + 5) * 1_000_000_000,
            TimeUnit::Nanoseconds
        )
    );
    assert_eq!(
        col("AdditionalFields").get(0).expect("v"),
        AnyValue::String(r#"{"Args":["/all"],"Command":"whoami"}"#)
    );
    assert_eq!(
        col("AdditionalFields").get(1).expect("v"),
        AnyValue::String("text value")
    );
    for name in [
        "Timestamp",
        "DeviceName",
        "ProcessId",
        "IsElevated",
        "Elapsed",
        "AdditionalFields",
    ] {
        assert_eq!(col(name).get(2).expect("v"), AnyValue::Null, "{name}");
    }

    let sent = &srv.requests_to("/v2/rest/query")[0];
    let body = sent.json();
    assert_eq!(body["db"], "Hunting");
    assert_eq!(body["csl"], "T");
    let props: Json = serde_json::from_str(body["properties"].as_str().expect("a JSON string"))
        .expect("properties JSON");
    assert_eq!(props["Options"]["servertimeout"], "00:04:00");
    assert!(
        sent.header("x-ms-client-request-id")
            .is_some_and(|h| h.starts_with("huntrs.Query;"))
    );
    let token = &srv.requests_to("/oauth2/v2.0/token")[0].form();
    assert_eq!(token["scope"], format!("{}/.default", srv.base));
    assert_eq!(token["grant_type"], "client_credentials");
}

#[test]
fn errors_in_the_stream_keep_rows_as_a_partial_result_or_fail_when_asked() {
    let body = read_fixture("kusto_v2_partial.json");
    let srv = server(move |_| Reply::raw(200, body.clone()));
    let mut d = KustoDriver::from_settings(&settings(&srv.base), Some("Test")).expect("driver");
    let df = d.run("T", &meta("Test", Some("DB"))).expect("rows kept");
    assert_eq!(df.height(), 2);
    let w = d.take_warnings();
    assert_eq!(w.len(), 1);
    assert!(
        w[0].contains("LimitsExceeded: Query execution has exceeded the allowed limits"),
        "{}",
        w[0]
    );

    let creds = vec![AzureCredential::ClientSecret {
        tenant_id: TENANT.into(),
        client_id: CLIENT_ID.into(),
        secret: CLIENT_SECRET.into(),
    }];
    let mut config = KustoConfig::single(&srv.base, Some("DB"), creds);
    config.authority = srv.base.clone();
    config.fail_on_partial = true;
    let err = KustoDriver::new(config)
        .expect("driver")
        .run("T", &RunOptions::default())
        .expect_err("strict");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("Kusto (cluster {} database DB)", srv.base)),
        "{text}"
    );
    assert!(text.contains("80DA0003"), "{text}");
}

#[test]
fn a_syntax_error_gives_the_services_detailed_message() {
    let body = read_fixture("kusto_error_400.json");
    let srv = server(move |_| Reply::raw(400, body.clone()));
    let mut d = KustoDriver::from_settings(&settings(&srv.base), Some("Test")).expect("driver");
    let err = d
        .run("T | wher", &meta("Test", Some("DB")))
        .expect_err("400");
    let text = err.to_string();
    assert!(
        text.contains("General_BadRequest: Syntax error: SYN0002"),
        "{text}"
    );
    assert!(text.contains(&format!("cluster {}", srv.base)), "{text}");
}

#[test]
fn a_server_error_is_retried() {
    let body = read_fixture("kusto_v2_types.json");
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let srv = server(move |_| {
        if c.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::json(
                503,
                &json!({"error": {"code": "ServiceUnavailable", "message": "busy"}}),
            )
            .with_header("Retry-After", "0")
        } else {
            Reply::raw(200, body.clone())
        }
    });
    let mut d = KustoDriver::from_settings(&settings(&srv.base), Some("Test")).expect("driver");
    let df = d
        .run("T", &meta("Test", Some("DB")))
        .expect("second attempt");
    assert_eq!(df.height(), 3);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn cluster_and_database_must_be_known() {
    let srv = server(|_| Reply::raw(200, "[]"));
    let mut d = KustoDriver::from_settings(&settings(&srv.base), None).expect("driver");
    let err = d.run("T", &RunOptions::default()).expect_err("no cluster");
    assert!(err.to_string().contains("no cluster"), "{err}");
    let err = d.run("T", &meta("Test", None)).expect_err("no database");
    assert!(matches!(&err, DataError::Driver { .. }));
    assert!(err.to_string().contains("no database for cluster"), "{err}");
    let err = d
        .run("T", &meta("nowhere", Some("DB")))
        .expect_err("unknown cluster");
    assert!(
        err.to_string()
            .contains("`nowhere`, which is not configured"),
        "{err}"
    );
    assert!(srv.requests_to("/v2/rest/query").is_empty());
    // A configured cluster's own database is used when the query names none.
    let d = driver_for("Kusto-Other", &settings(&srv.base))
        .expect("ok")
        .expect("driver");
    assert_eq!(
        d.source(),
        "cluster https://other.kusto.windows.net database OtherDB"
    );
    assert!(driver_for("Kusto-Missing", &settings(&srv.base)).is_err());
}
