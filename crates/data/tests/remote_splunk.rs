//! The Splunk driver against a local server speaking the search jobs REST API:
//! create a job, poll it until `isDone`, read the results in pages.

mod remote_common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use data::drivers::{SplunkAuth, SplunkConfig, SplunkDriver, driver_for};
use data::polars::prelude::*;
use data::{Dialect, Driver, QueryLibrary, RunOptions};
use remote_common::*;
use sectools::Secret;
use sectools::settings::Settings;
use serde_json::{Value as Json, json};

const SPLUNK_TOKEN: &str = "splunk-bearer-CANARY";
const SESSION: &str = "192fd3e46a31246da7ea7f109e7f95fd";
const ROWS: usize = 25;

fn row(i: usize) -> Json {
    let mut r = json!({
        "_time": format!("2026-10-28T09:{:02}:00.000+00:00", i),
        "host": format!("ws-{i:02}"),
        "EventCode": "4624",
        "_raw": format!("An account was successfully logged on. #{i}"),
    });
    if i == 3 {
        // A multivalue field arrives as an array; a field only some rows have.
        r["src_ip"] = json!(["10.0.0.5", "10.0.0.6"]);
    }
    r
}

/// A Splunk management API: login, jobs (done after `polls_needed` status polls),
/// results in pages.
fn server(polls_needed: usize) -> FakeServer {
    let polls = Arc::new(AtomicUsize::new(0));
    FakeServer::start(move |seen| {
        let path = seen.path();
        if path == "/services/auth/login" {
            let f = seen.form();
            return if f.get("username").map(String::as_str) == Some("analyst")
                && f.get("password").map(String::as_str) == Some("pa55-CANARY")
            {
                Reply::json(200, &json!({"sessionKey": SESSION}))
            } else {
                Reply::json(
                    401,
                    &json!({"messages": [{"type": "WARN", "code": "incorrect_username_or_password", "text": "Login failed"}]}),
                )
            };
        }
        let auth = seen.header("authorization").unwrap_or_default();
        if auth != format!("Bearer {SPLUNK_TOKEN}") && auth != format!("Splunk {SESSION}") {
            return Reply::json(
                401,
                &json!({"messages": [{"type": "WARN", "text": "call not properly authenticated"}]}),
            );
        }
        match (seen.method.as_str(), path) {
            ("POST", "/services/search/jobs") => Reply::json(201, &json!({"sid": "1732870000.42"})),
            ("GET", "/services/search/jobs/1732870000.42") => {
                let n = polls.fetch_add(1, Ordering::SeqCst) + 1;
                let done = n >= polls_needed;
                let progress = if done {
                    1.0
                } else {
                    n as f64 / polls_needed as f64
                };
                Reply::json(
                    200,
                    &json!({"entry": [{"name": "search", "content": {
                        "sid": "1732870000.42",
                        "dispatchState": if done { "DONE" } else { "RUNNING" },
                        "doneProgress": progress,
                        "isDone": done,
                        "isFailed": false,
                        "resultCount": ROWS,
                    }}]}),
                )
            }
            ("GET", "/services/search/jobs/1732870000.42/results") => {
                let count: usize = seen
                    .query("count")
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(100);
                let offset: usize = seen
                    .query("offset")
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(0);
                let rows: Vec<Json> = (offset..ROWS.min(offset + count)).map(row).collect();
                Reply::json(
                    200,
                    &json!({
                        "preview": false,
                        "init_offset": offset,
                        "messages": [],
                        "fields": [{"name": "_time"}, {"name": "host"}, {"name": "EventCode"}, {"name": "_raw"}],
                        "results": rows,
                    }),
                )
            }
            ("POST", "/services/search/jobs/1732870000.42/control") => Reply::json(
                200,
                &json!({"messages": [{"type": "INFO", "text": "Search job cancelled."}]}),
            ),
            _ => Reply::json(
                404,
                &json!({"messages": [{"type": "ERROR", "text": format!("no route {path}")}]}),
            ),
        }
    })
}

fn config(base: &str, auth: SplunkAuth) -> SplunkConfig {
    let mut c = SplunkConfig::new(base, auth);
    c.page_size = 10;
    c.poll_interval = Duration::from_millis(20);
    c.http = test_http();
    c
}

/// Records progress reports (the notebook installs a bar; here a list).
#[derive(Default)]
struct Recorder(Mutex<Vec<u64>>);

impl sectools::ProgressSink for Recorder {
    fn start(&self, _label: &str, _total: u64) -> u64 {
        1
    }
    fn update(&self, _id: u64, done: u64, _total: u64, _note: &str) {
        self.0.lock().expect("lock").push(done);
    }
    fn finish(&self, _id: u64, _done: u64, _total: u64) {}
}

#[test]
fn a_search_job_is_polled_until_done_and_its_results_paged() {
    let recorder = Arc::new(Recorder::default());
    let installed = sectools::runtime::set_progress_sink(recorder.clone());
    let srv = server(4);
    let mut d = SplunkDriver::new(config(
        &srv.base,
        SplunkAuth::Token(Secret::new(SPLUNK_TOKEN)),
    ))
    .expect("driver");
    let lib = QueryLibrary::from_yaml_str(
        "splunk.yaml",
        r#"
metadata:
  version: 1
  description: Splunk logons
  data_environments: [Splunk]
  data_families: [SplunkGeneral]
sources:
  host_logons:
    description: Logons on a host
    args:
      query: 'search index=wineventlog EventCode=4624 host="{host}" | table _time host EventCode _raw'
    parameters:
      host: {description: Host name, type: str}
"#,
    )
    .expect("library");
    let hostile = r#"ws-01" OR index=* | delete"#;
    let spl = lib
        .render(
            "SplunkGeneral.host_logons",
            [("host", hostile)],
            Dialect::Spl,
        )
        .expect("render");
    assert!(
        spl.contains(r#"host="ws-01\" OR index=* | delete""#),
        "{spl}"
    );
    let df = d
        .run(
            &spl,
            &RunOptions {
                label: "host_logons".into(),
                ..Default::default()
            },
        )
        .expect("search");

    let created = &srv.requests_to("/services/search/jobs")[0];
    assert_eq!(
        created.form()["search"],
        spl,
        "the server saw exactly the rendered SPL"
    );
    assert_eq!(created.form()["output_mode"], "json");
    assert_eq!(
        srv.requests_to("/services/search/jobs/1732870000.42").len(),
        4
    );
    let pages = srv.requests_to("/results");
    assert_eq!(pages.len(), 3, "25 rows in pages of 10");
    assert_eq!(pages[2].query("offset").as_deref(), Some("20"));
    assert_eq!(pages[2].query("count").as_deref(), Some("10"));

    assert_eq!(df.height(), ROWS);
    assert_eq!(
        df.column("_time").expect("c").dtype(),
        &DataType::Datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC))
    );
    assert_eq!(
        df.column("EventCode").expect("c").dtype(),
        &DataType::String
    );
    assert_eq!(
        df.column("host").expect("c").get(24).expect("v"),
        AnyValue::String("ws-24")
    );
    let ips = df
        .column("src_ip")
        .expect("a column added for a field only one row has");
    assert_eq!(
        ips.get(3).expect("v"),
        AnyValue::String(r#"["10.0.0.5","10.0.0.6"]"#)
    );
    assert_eq!(ips.get(0).expect("v"), AnyValue::Null);
    if installed {
        let seen = recorder.0.lock().expect("lock").clone();
        assert!(seen.len() >= 3 && seen.last() == Some(&100), "{seen:?}");
    }
}

#[test]
fn user_and_password_log_in_for_a_session_key() {
    let srv = server(1);
    let s = Settings::from_yaml(&format!(
        "DataProviders:\n  Splunk:\n    Args:\n      host: {}\n      username: analyst\n      password: pa55-CANARY\n",
        srv.base
    ))
    .expect("settings");
    let mut d = driver_for("Splunk", &s).expect("ok").expect("driver");
    assert_eq!(d.dialect(), Dialect::Spl);
    let df = d
        .run("index=main | head 5", &RunOptions::default())
        .expect("search");
    assert_eq!(df.height(), ROWS);
    let login = &srv.requests_to("/services/auth/login")[0];
    assert_eq!(login.form()["username"], "analyst");
    // A bare query becomes a `search` command.
    assert_eq!(
        srv.requests_to("/services/search/jobs")[0].form()["search"],
        "search index=main | head 5"
    );
    assert!(!format!("{d:?}").contains("pa55-CANARY"));
}

#[test]
fn a_bad_password_is_a_clear_error() {
    let srv = server(1);
    let auth = SplunkAuth::Password {
        username: "analyst".into(),
        password: Secret::new("wrong-CANARY"),
    };
    let mut d = SplunkDriver::new(config(&srv.base, auth)).expect("driver");
    let err = d.run("search *", &RunOptions::default()).expect_err("401");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("Splunk ({})", srv.base)),
        "{text}"
    );
    assert!(
        text.contains("HTTP 401") && text.contains("Login failed"),
        "{text}"
    );
    assert!(!text.contains("wrong-CANARY"));
    assert!(srv.requests_to("/services/search/jobs").is_empty());
}

#[test]
fn missing_settings_name_the_keys() {
    let err = driver_for("Splunk", &Settings::empty()).expect_err("not configured");
    assert!(
        err.to_string().contains("DataProviders.Splunk.Args"),
        "{err}"
    );
    let s =
        Settings::from_yaml("DataProviders:\n  Splunk:\n    Args:\n      host: splunk.example\n")
            .expect("yaml");
    let err = driver_for("Splunk", &s).expect_err("no credentials");
    assert!(err.to_string().contains("bearer_token"), "{err}");
}
