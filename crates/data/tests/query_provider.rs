//! QueryProvider over the sample lab dataset: discovery, errors, the builder, and every
//! query of `queries/` returning the rows the planted intrusion says it must
//! (`tests/cases/planted_queries.toml`).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use data::kql::Tables;
use data::polars::prelude::*;
use data::sample::{SampleOptions, story};
use data::{DataError, LocalData, ParamValue, QueryProvider};

fn lab() -> QueryProvider {
    QueryProvider::new("LocalData").expect("the sample dataset provider")
}

#[derive(serde::Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    query: String,
    #[serde(default)]
    params: BTreeMap<String, toml::Value>,
    column: String,
    value: String,
    #[serde(default = "one")]
    min_rows: usize,
    max_rows: Option<usize>,
}

fn one() -> usize {
    1
}

/// A fact of the planted story by field name.
fn story_fact(field: &str) -> String {
    let s = story(&SampleOptions::default());
    match field {
        "patient_zero_host" => s.patient_zero_host,
        "patient_zero_ip" => s.patient_zero_ip,
        "encoded_command" => s.encoded_command,
        "credential_dump_command" => s.credential_dump_command,
        "compromised_account" => s.compromised_account,
        "compromised_upn" => s.compromised_upn,
        "lateral_target_host" => s.lateral_target_host,
        "linux_host" => s.linux_host,
        "linux_ip" => s.linux_ip,
        "lateral_target_ip" => s.lateral_target_ip,
        "attacker_ip" => s.attacker_ip,
        "exfil_domain" => s.exfil_domain,
        "exfil_ip" => s.exfil_ip,
        "exfil_bytes" => s.exfil_bytes.to_string(),
        "c2_ip" => s.c2_ip,
        "c2_domain" => s.c2_domain,
        other => panic!("planted_queries.toml names an unknown story field `{other}`"),
    }
}

fn cell_text(df: &DataFrame, column: &str, row: usize) -> String {
    let value = df
        .column(column)
        .unwrap_or_else(|e| panic!("no column {column}: {e}"))
        .get(row)
        .unwrap();
    match value {
        AnyValue::String(s) => s.to_owned(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Null => String::new(),
        other => other.to_string(),
    }
}

/// `story:<field>`, `kql:<query>` (its first cell) or a literal.
fn resolve(qp: &mut QueryProvider, text: &str) -> String {
    if let Some(field) = text.strip_prefix("story:") {
        return story_fact(field);
    }
    if let Some(kql) = text.strip_prefix("kql:") {
        let df = qp.exec(kql).unwrap_or_else(|e| panic!("{kql}: {e}"));
        assert!(df.height() > 0, "`{kql}` returned no rows");
        return cell_text(&df, df.get_column_names()[0].as_str(), 0);
    }
    text.to_owned()
}

#[test]
fn every_library_query_finds_the_planted_attack() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/planted_queries.toml");
    let cases: Cases = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut qp = lab();
    let mut covered: Vec<String> = Vec::new();
    let mut failures = Vec::new();
    for case in &cases.case {
        covered.push(case.query.clone());
        let mut params: Vec<(String, ParamValue)> = Vec::new();
        for (name, value) in &case.params {
            let value = match value {
                toml::Value::String(s) => ParamValue::from(resolve(&mut qp, s)),
                toml::Value::Array(items) => ParamValue::List(
                    items
                        .iter()
                        .map(|i| resolve(&mut qp, i.as_str().expect("list items are strings")))
                        .collect(),
                ),
                other => panic!("{}: unsupported parameter value {other}", case.query),
            };
            params.push((name.clone(), value));
        }
        let want = resolve(&mut qp, &case.value);
        let mut builder = qp.query(&case.query);
        for (name, value) in params {
            builder = builder.param(&name, value);
        }
        let rows = match builder.run() {
            Ok(rows) => rows,
            Err(e) => {
                failures.push(format!("{}: {e}", case.query));
                continue;
            }
        };
        let want = want.to_lowercase();
        let hits = (0..rows.height())
            .filter(|&i| {
                cell_text(&rows, &case.column, i)
                    .to_lowercase()
                    .contains(&want)
            })
            .count();
        let too_many = case.max_rows.is_some_and(|max| rows.height() > max);
        if hits < case.min_rows || too_many {
            failures.push(format!(
                "{}: {} rows, {hits} with {} containing {want:?} (want at least {}{})\n{rows}",
                case.query,
                rows.height(),
                case.column,
                case.min_rows,
                case.max_rows
                    .map(|m| format!(", at most {m} rows"))
                    .unwrap_or_default()
            ));
        }
    }
    // Every query the provider offers has a case.
    covered.sort();
    let offered: Vec<String> = qp
        .list_queries()
        .names()
        .iter()
        .map(|n| (*n).to_owned())
        .collect();
    assert_eq!(
        covered, offered,
        "planted_queries.toml must cover every query"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn listing_search_and_describe() {
    let qp = lab();
    let all = qp.list_queries();
    assert_eq!(all.len(), data::builtin_library().unwrap().len());
    assert!(
        all.to_string()
            .contains("WindowsSecurity.list_host_logons(start, end, host_name)")
    );
    let logons = qp.search("logon host");
    assert!(logons.names().contains(&"WindowsSecurity.list_host_logons"));
    assert!(
        logons
            .names()
            .iter()
            .all(|n| !n.starts_with("ThreatIntelligence"))
    );
    let described = qp.describe("Network.list_connections_by_ip").unwrap();
    let required: Vec<&str> = described.required().map(|p| p.name.as_str()).collect();
    assert_eq!(required, ["start", "end", "ip_address"]);
    assert!(described.template.contains("CommonSecurityLog"));
}

#[test]
fn unknown_names_suggest_the_right_one() {
    let mut qp = lab();
    let err = qp
        .query("WindowsSecurity.list_host_logon")
        .param("host_name", "x")
        .run()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("did you mean `WindowsSecurity.list_host_logons`"),
        "{err}"
    );
    let err = qp
        .query("WindowsSecurity.list_host_logons")
        .param("hostname", "x")
        .run()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("hostname") && err.contains("host_name"),
        "{err}"
    );
    let err = QueryProvider::new("Splnuk").unwrap_err().to_string();
    assert!(err.contains("Did you mean `Splunk`"), "{err}");
    assert!(err.contains("LocalData"), "{err}");
}

#[test]
fn parameter_types_are_checked() {
    let mut qp = lab();
    let err = qp
        .query("WindowsSecurity.list_host_logons")
        .param("host_name", "WS-014")
        .time_range("yesterday-ish", "2026-11-02T00:00:00Z")
        .run()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("start") && err.contains("not a datetime"),
        "{err}"
    );
}

#[test]
fn hostile_values_stay_values() {
    let mut qp = lab();
    let hostile = "WS-014\" or 1==1 | take 5 //";
    let text = qp
        .query("WindowsSecurity.list_host_logons")
        .param("host_name", hostile)
        .text()
        .unwrap();
    assert!(
        text.contains(r#"has "WS-014\" or 1==1 | take 5 //""#),
        "{text}"
    );
    let rows = qp
        .query("WindowsSecurity.list_host_logons")
        .param("host_name", hostile)
        .run()
        .unwrap();
    assert_eq!(rows.height(), 0);
}

#[test]
fn parameters_come_from_an_alert() {
    let mut qp = lab();
    let alerts = qp
        .exec("SecurityAlert | where AlertName has 'LSASS' | take 1")
        .unwrap();
    let alert = data::security_alerts(&alerts).unwrap().remove(0);
    let params = alert.query_params();
    let rows = qp
        .query("WindowsSecurity.list_host_processes")
        .params_from(params.clone())
        .run()
        .unwrap();
    let s = story(&SampleOptions::default());
    assert!(
        (0..rows.height()).any(|i| cell_text(&rows, "CommandLine", i) == s.credential_dump_command),
        "{rows}"
    );
    // The alert's window, not the provider's week.
    let text = qp
        .query("WindowsSecurity.list_host_processes")
        .params_from(params)
        .text()
        .unwrap();
    assert!(!text.contains("2026-10-26T00:00:00"), "{text}");
}

#[test]
fn a_time_range_is_required_without_a_default() {
    let tables = Tables::from_frames([("SecurityEvent", DataFrame::empty())]);
    let mut qp =
        QueryProvider::with_driver(Box::new(LocalData::from_tables(tables, "memory"))).unwrap();
    let err = qp
        .query("WindowsSecurity.list_logon_failures")
        .run()
        .unwrap_err()
        .to_string();
    assert!(err.contains("needs a time range"), "{err}");
}

#[test]
fn split_by_returns_the_same_rows_once() {
    let mut qp = lab();
    let whole = qp
        .query("WindowsSecurity.list_logon_failures")
        .run()
        .unwrap();
    let chunked = qp
        .query("WindowsSecurity.list_logon_failures")
        .split_by(Duration::from_secs(6 * 3600))
        .run()
        .unwrap();
    assert!(whole.height() > 0);
    assert!(whole.equals_missing(&chunked), "{whole}\n{chunked}");
}

#[test]
fn user_query_folders_join_the_library() {
    let dir = std::env::temp_dir().join(format!("huntrs-user-queries-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("mine.yaml"),
        "metadata:\n  version: 1\n  description: Mine\n  data_environments: [LocalData]\n  data_families: [Mine]\n\
         sources:\n  failed_by_host:\n    description: Failed logons per host\n    args:\n      query: 'SecurityEvent | where EventID == {event_id} | summarize n = count() by Computer | sort by n desc'\n    parameters:\n      event_id: {description: Event, type: int, default: 4625}\n",
    )
    .unwrap();
    // A query for another environment is kept out.
    std::fs::write(
        dir.join("splunk.yaml"),
        "metadata:\n  version: 1\n  description: Splunk\n  data_environments: [Splunk]\n  data_families: [Spl]\n\
         sources:\n  all:\n    description: All\n    args:\n      query: 'search *'\n",
    )
    .unwrap();
    let mut qp = lab();
    qp.add_queries(&dir).unwrap();
    assert!(qp.list_queries().names().contains(&"Mine.failed_by_host"));
    assert!(!qp.list_queries().names().contains(&"Spl.all"));
    let rows = qp.query("Mine.failed_by_host").run().unwrap();
    assert!(rows.height() > 0);
    let err = qp
        .query("Mine.failed_by_host")
        .split_by(Duration::from_secs(3600))
        .run()
        .unwrap_err()
        .to_string();
    assert!(err.contains("split_by needs"), "{err}");
    let bad = qp.add_queries(dir.join("missing.yaml")).unwrap_err();
    assert!(matches!(bad, DataError::QueryFile { .. }), "{bad}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn schema_lists_the_lab_tables() {
    let mut qp = lab();
    let schema = qp.schema().unwrap();
    let security = schema.iter().find(|t| t.name == "SecurityEvent").unwrap();
    assert!(security.columns.iter().any(|(c, _)| c == "TargetUserName"));
    assert_eq!(schema.len(), data::sample::TABLES.len());
}
