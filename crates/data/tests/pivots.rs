//! Pivots over the sample lab dataset: discovery per entity type
//! (`tests/cases/pivots.toml`), why a query does not apply, running a pivot, and
//! column pivots that run each query once per distinct value.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use data::entities::{Account, Dns, Entity, FileHash, Host, IpAddress, Process};
use data::polars::prelude::*;
use data::{DataError, Dialect, Driver, LocalData, Pivot, PivotJoin, QueryProvider, RunOptions};

#[derive(serde::Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    entity: BTreeMap<String, String>,
    has: Vec<String>,
    lacks: Vec<String>,
    lookups: Vec<String>,
}

fn entity(kind: &str, value: &str) -> Entity {
    match kind {
        "Host" => Host::from_fqdn(value).into(),
        "IpAddress" => IpAddress::new(value.parse().unwrap()).into(),
        "Account" => Account::parse(value).unwrap().into(),
        "Dns" => Dns {
            domain_name: Some(value.to_owned()),
            ..Default::default()
        }
        .into(),
        "FileHash" => FileHash {
            algorithm: Some("SHA256".into()),
            value: Some(value.to_owned()),
            ..Default::default()
        }
        .into(),
        "Process" => Process {
            command_line: Some(value.to_owned()),
            ..Default::default()
        }
        .into(),
        other => panic!("pivots.toml: unknown entity type {other}"),
    }
}

#[test]
fn discovery_per_entity_type() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/pivots.toml");
    let cases: Cases = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let qp = QueryProvider::new("LocalData").unwrap();
    for case in cases.case {
        let (kind, value) = case.entity.iter().next().unwrap();
        let found = entity(kind, value).pivots(&qp);
        assert_eq!(&found.entity, kind);
        for name in &case.has {
            let pivot = found.queries.iter().find(|q| &q.name == name);
            let pivot = pivot.unwrap_or_else(|| panic!("{kind}: no pivot {name}:\n{found}"));
            assert!(
                pivot.params.iter().any(|(_, v)| v == value),
                "{kind} {name}: {pivot:?}"
            );
        }
        for name in &case.lacks {
            assert!(
                !found.names().contains(&name.as_str()),
                "{kind} must not reach {name}:\n{found}"
            );
        }
        let lookups: Vec<&str> = found.lookups.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(lookups, case.lookups, "{kind}");
    }
}

#[test]
fn skipped_pivots_say_why() {
    let qp = QueryProvider::new("LocalData").unwrap();
    // An account with no name reaches nothing, and the list says so.
    let nameless: Entity = Account::default().into();
    let found = nameless.pivots(&qp);
    assert!(found.queries.is_empty(), "{found}");
    let (name, why) = found
        .skipped
        .iter()
        .find(|(n, _)| n == "WindowsSecurity.list_account_logons")
        .unwrap();
    assert!(why.contains("no value for `account_name`"), "{name}: {why}");
    // The error for a non-pivot names the entity's pivots.
    let mut qp = qp;
    let host: Entity = Host::from_fqdn("ws-014").into();
    let err = host
        .pivot(&mut qp)
        .query("lookup_ip")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("not a pivot of this Host") && err.contains("list_host_logons"),
        "{err}"
    );
}

#[test]
fn a_host_pivot_finds_the_credential_dump() {
    let mut qp = QueryProvider::new("LocalData").unwrap();
    let story = data::sample::story(&data::sample::SampleOptions::default());
    let host: Entity = Host::from_fqdn(&story.patient_zero_host).into();
    let rows = host
        .pivot(&mut qp)
        .query("WindowsSecurity.list_host_processes")
        .unwrap()
        .run()
        .unwrap();
    let commands = rows.column("CommandLine").unwrap().str().unwrap().clone();
    assert!(
        commands
            .iter()
            .flatten()
            .any(|c| c == story.credential_dump_command),
        "{rows}"
    );
    // The bare name works when one pivot has it.
    let rows = host
        .pivot(&mut qp)
        .query("list_host_logons")
        .unwrap()
        .run()
        .unwrap();
    assert!(rows.height() > 0);
}

/// LocalData that counts the queries it runs.
#[derive(Debug)]
struct Counting {
    inner: LocalData,
    runs: Arc<AtomicUsize>,
}

impl Driver for Counting {
    fn environment(&self) -> &str {
        self.inner.environment()
    }
    fn query_environments(&self) -> Vec<String> {
        self.inner.query_environments()
    }
    fn dialect(&self) -> Dialect {
        self.inner.dialect()
    }
    fn source(&self) -> String {
        self.inner.source()
    }
    fn run(&mut self, query: &str, options: &RunOptions) -> Result<DataFrame, DataError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        self.inner.run(query, options)
    }
}

#[test]
fn a_column_pivot_runs_once_per_distinct_value_and_joins() {
    let runs = Arc::new(AtomicUsize::new(0));
    let driver = Counting {
        inner: LocalData::sample().unwrap(),
        runs: Arc::clone(&runs),
    };
    let mut qp = QueryProvider::with_driver(Box::new(driver)).unwrap();
    let options = data::sample::SampleOptions::default();
    qp.set_time_range(data::TimeRange::new(options.start(), options.end).unwrap());
    let hosts = qp
        .exec("SecurityEvent | where EventID == 4624 | distinct Computer | sort by Computer asc | take 8")
        .unwrap();
    let names: Vec<String> = hosts
        .column("Computer")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .map(str::to_owned)
        .collect();
    assert_eq!(names.len(), 8);
    // 1,000 rows over the 8 hosts, plus nulls and empties that are skipped.
    let column: Vec<Option<&str>> = (0..1000)
        .map(|i| match i % 10 {
            8 => None,
            9 => Some(""),
            k => Some(names[k % names.len()].as_str()),
        })
        .collect();
    let input = DataFrame::new_infer_height(vec![
        Column::new("Computer".into(), column),
        Column::new("Row".into(), (0..1000i64).collect::<Vec<_>>()),
    ])
    .unwrap();
    runs.store(0, Ordering::SeqCst);
    let results = qp
        .pivot_column("WindowsSecurity.list_host_logons", &input, "Computer")
        .run()
        .unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 8, "one run per distinct host");
    let mut expected = 0;
    let mut logons_per_host = Vec::new();
    for name in &names {
        let one = qp
            .query("WindowsSecurity.list_host_logons")
            .param("host_name", name.as_str())
            .run()
            .unwrap();
        let keyed = results
            .column("PivotKey")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .filter(|k| *k == Some(name.as_str()))
            .count();
        assert_eq!(keyed, one.height(), "{name}");
        expected += one.height();
        logons_per_host.push(one.height());
    }
    assert_eq!(results.height(), expected);
    // Joined back: every input row with a host gets its host's logons.
    let joined = qp
        .pivot_column("WindowsSecurity.list_host_logons", &input, "Computer")
        .join(PivotJoin::Inner)
        .run()
        .unwrap();
    assert!(joined.column("Row").is_ok() && joined.column("TargetUserName").is_ok());
    // Each host names 100 input rows; each of them meets all of its host's logons.
    let rows_per_host = 100;
    assert_eq!(joined.height(), rows_per_host * expected, "{joined}");
    let left = qp
        .pivot_column("WindowsSecurity.list_host_logons", &input, "Computer")
        .join(PivotJoin::Left)
        .run()
        .unwrap();
    // A left join also keeps the 200 rows without a host, and one row for each input
    // row of a host without logons.
    let hosts_without_logons = logons_per_host.iter().filter(|&&n| n == 0).count();
    assert_eq!(
        left.height(),
        joined.height() + 200 + rows_per_host * hosts_without_logons,
        "rows without a host are kept"
    );
    // Bad column and ambiguous parameters are named.
    let err = qp
        .pivot_column("WindowsSecurity.list_host_logons", &input, "Host")
        .run()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no column `Host`") && err.contains("Computer"),
        "{err}"
    );
    let err = qp
        .pivot_column("SecurityAlert.list_alerts", &input, "Computer")
        .run()
        .unwrap_err()
        .to_string();
    assert!(err.contains(".param(name)"), "{err}");
}
