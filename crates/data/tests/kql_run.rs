//! The KQL executor: golden cases from `fixtures/kql/run/*.txt`, queries over the sample lab
//! dataset checked against the same computation in plain polars, and the query library.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

use chrono::{TimeZone as _, Utc};
use data::kql::{self, ExecOptions, Tables};
use data::polars::prelude::*;

/// Test-fixed `now()`.
fn options() -> ExecOptions {
    ExecOptions {
        now: Some(Utc.with_ymd_and_hms(2024, 1, 2, 0, 0, 0).unwrap()),
    }
}

/// An inline CSV table; ISO 8601 columns become UTC datetimes.
fn csv_table(text: &str) -> DataFrame {
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_parse_options(CsvParseOptions::default().with_try_parse_dates(true))
        .into_reader_with_file_handle(Cursor::new(text.as_bytes().to_vec()))
        .finish()
        .unwrap();
    let exprs: Vec<Expr> = df
        .columns()
        .iter()
        .map(|c| match c.dtype() {
            DataType::Datetime(_, None) => col(c.name().clone()).dt().replace_time_zone(
                Some(TimeZone::UTC),
                lit("raise"),
                NonExistent::Raise,
            ),
            DataType::Datetime(_, Some(_)) => {
                col(c.name().clone()).dt().convert_time_zone(TimeZone::UTC)
            }
            _ => col(c.name().clone()),
        })
        .collect();
    df.lazy().select(exprs).collect().unwrap()
}

fn to_csv(df: &DataFrame) -> String {
    let mut out = Vec::new();
    kql::write_csv(df, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

struct Case {
    line: usize,
    query: String,
    expect: Vec<String>,
    error: Option<String>,
}

/// Parses a run-case file: `@ table Name` then CSV lines define a table (until a blank
/// line); a case is `>` query lines, then `=` expected CSV lines or `! L:C message`.
fn parse_file(text: &str) -> (BTreeMap<String, DataFrame>, Vec<Case>) {
    let mut tables = BTreeMap::new();
    let mut cases = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix("@ table ") {
            let mut csv = String::new();
            while let Some((_, l)) = lines.next_if(|(_, l)| !l.trim().is_empty()) {
                csv.push_str(l);
                csv.push('\n');
            }
            tables.insert(name.trim().to_string(), csv_table(&csv));
            continue;
        }
        let mut case = Case {
            line: i + 1,
            query: String::new(),
            expect: Vec::new(),
            error: None,
        };
        let mut current = Some((i, line));
        while let Some((_, l)) = current {
            if let Some(q) = l.strip_prefix("> ").or(l.strip_prefix(">")) {
                if !case.query.is_empty() {
                    case.query.push('\n');
                }
                case.query.push_str(q);
            } else if let Some(e) = l.strip_prefix("= ").or(l.strip_prefix("=")) {
                case.expect.push(e.to_string());
            } else if let Some(e) = l.strip_prefix("! ") {
                case.error = Some(e.to_string());
            } else if !l.starts_with('#') {
                panic!("line {}: unexpected {l:?}", i + 1);
            }
            current = lines.next_if(|(_, l)| !l.trim().is_empty());
        }
        cases.push(case);
    }
    (tables, cases)
}

#[test]
fn golden_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kql/run");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let mut failures = Vec::new();
    let mut count = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let (frames, cases) = parse_file(&text);
        let tables = Tables::from_frames(frames);
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        for case in cases {
            count += 1;
            let got = kql::run(&case.query, &tables, &options());
            let place = format!("{name}:{} `{}`", case.line, case.query);
            match (&case.error, got) {
                (None, Ok(df)) => {
                    let got = to_csv(&df);
                    let want = case.expect.join("\n") + "\n";
                    if got != want {
                        failures.push(format!("{place}\n want:\n{want} got:\n{got}"));
                    }
                }
                (None, Err(e)) => failures.push(format!("{place}\n unexpected error: {e}")),
                (Some(want), Ok(df)) => failures.push(format!(
                    "{place}\n wanted error {want}, got:\n{}",
                    to_csv(&df)
                )),
                (Some(want), Err(e)) => {
                    let data::DataError::Kql(k) = &e else {
                        failures.push(format!("{place}\n wrong error kind: {e}"));
                        continue;
                    };
                    let (pos, msg) = want.split_once(' ').unwrap_or((want, ""));
                    let got_pos = format!("{}:{}", k.line, k.column);
                    if got_pos != pos || !k.message.contains(msg) {
                        failures.push(format!(
                            "{place}\n want error {want}\n got {got_pos} {}",
                            k.message
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn sample_tables() -> Tables {
    let frames = data::sample::tables(&data::sample::SampleOptions::default()).unwrap();
    Tables::from_frames(frames)
}

#[test]
fn sample_failed_logons_match_plain_polars() {
    let frames = data::sample::tables(&data::sample::SampleOptions::default()).unwrap();
    let security = frames
        .iter()
        .find(|(n, _)| *n == "SecurityEvent")
        .map(|(_, df)| df.clone())
        .unwrap();
    let tables = Tables::from_frames(frames);
    let got = kql::run(
        "SecurityEvent | where EventID == 4625 | summarize count() by TargetUserName | top 5 by count_",
        &tables,
        &options(),
    )
    .unwrap();
    let want = security
        .lazy()
        .filter(col("EventID").cast(DataType::Int64).eq(lit(4625i64)))
        .group_by_stable([col("TargetUserName")])
        .agg([len().cast(DataType::Int64).alias("count_")])
        .sort_by_exprs(
            [col("count_")],
            SortMultipleOptions::default()
                .with_order_descending(true)
                .with_maintain_order(true),
        )
        .limit(5)
        .collect()
        .unwrap();
    assert!(got.height() > 0);
    assert_eq!(to_csv(&got), to_csv(&want));
}

#[test]
fn sample_queries_run() {
    let tables = sample_tables();
    let cases: &[(&str, usize)] = &[
        ("SecurityEvent | count", 1),
        (
            "SecurityEvent | summarize count() by bin(TimeGenerated, 1d) | count",
            1,
        ),
        (
            "SecurityEvent | where EventID == 4688 | summarize dcount(Computer), make_set(NewProcessName) by Account | take 3",
            3,
        ),
        (
            "SecurityEvent | summarize arg_max(TimeGenerated, *) by Computer | take 2",
            2,
        ),
        (
            "let hosts = SecurityEvent | distinct Computer; hosts | join kind=inner (SecurityEvent | summarize n = count() by Computer) on Computer | take 1",
            1,
        ),
    ];
    for (query, rows) in cases {
        let df = kql::run(query, &tables, &options()).unwrap_or_else(|e| panic!("{query}: {e}"));
        assert_eq!(df.height(), *rows, "{query}\n{df}");
    }
    // Dynamic (JSON text) columns: alert entities by type.
    let entities = kql::run(
        "SecurityAlert | mv-expand E = parse_json(Entities) \
         | summarize n = count() by Type = tostring(E.Type) | where Type == 'host'",
        &tables,
        &options(),
    )
    .unwrap();
    assert_eq!(entities.height(), 1);
    assert!(
        entities
            .column("n")
            .unwrap()
            .get(0)
            .unwrap()
            .extract::<i64>()
            > Some(0)
    );
    // The counts agree with plain polars.
    let total = kql::run("SecurityEvent | count", &tables, &options()).unwrap();
    let per_day = kql::run(
        "SecurityEvent | summarize n = count() by bin(TimeGenerated, 1d) | summarize sum(n)",
        &tables,
        &options(),
    )
    .unwrap();
    assert_eq!(
        total
            .column("Count")
            .unwrap()
            .get(0)
            .unwrap()
            .extract::<i64>(),
        per_day
            .column("sum_n")
            .unwrap()
            .get(0)
            .unwrap()
            .extract::<i64>()
    );
}

/// Every KQL query in `queries/`, rendered with sample-window times and simple values; most
/// must run (the rest use operators the executor does not support yet, listed in the output).
#[test]
fn query_library_runs_on_sample() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../queries");
    let lib = data::QueryLibrary::load_dir(&dir).unwrap();
    let opts = data::sample::SampleOptions::default();
    let tables = sample_tables();
    let (mut ran, mut total) = (0, 0);
    let mut failed = Vec::new();
    for q in lib.queries() {
        if !q
            .data_environments
            .iter()
            .any(|e| data::Dialect::for_environment(e) == Some(data::Dialect::Kql))
        {
            continue;
        }
        total += 1;
        let params: Vec<(String, data::ParamValue)> = q
            .required_params()
            .map(|p| {
                // Values from the lab's roster (docs/sample-data.md), so most queries find rows.
                let linux = q.file.contains("linux");
                let v = match (p.name.as_str(), p.param_type) {
                    ("start", _) => data::ParamValue::DateTime(opts.start()),
                    ("end", _) => data::ParamValue::DateTime(opts.end),
                    ("host_name", _) if linux => data::ParamValue::from("lnx-web01"),
                    ("host_name", _) => data::ParamValue::from("SRV-DC01"),
                    ("account_name", _) => data::ParamValue::from("svc-scan"),
                    ("ip_address", _) => data::ParamValue::from("10.10.10.10"),
                    ("ip_list", _) => data::ParamValue::from(vec!["10.10.10.10", "82.163.74.10"]),
                    ("domain", _) => data::ParamValue::from("larkmoor.com"),
                    ("commandline", _) => data::ParamValue::from("powershell"),
                    ("process_name", _) => data::ParamValue::from("powershell.exe"),
                    (_, data::ParamType::DateTime) => data::ParamValue::DateTime(opts.end),
                    (_, data::ParamType::Int) => data::ParamValue::Int(1),
                    (_, data::ParamType::Float) => data::ParamValue::Float(1.5),
                    (_, data::ParamType::List) => data::ParamValue::from(vec!["a", "b"]),
                    (_, data::ParamType::Str) => data::ParamValue::from("a"),
                };
                (p.name.clone(), v)
            })
            .collect();
        let text = match q.render_at(params, data::Dialect::Kql, opts.end) {
            Ok(t) => t,
            Err(e) => {
                failed.push(format!("{}: render: {e}", q.name));
                continue;
            }
        };
        match kql::run(&text, &tables, &options()) {
            Ok(df) => {
                ran += 1;
                println!("ok   {} ({} rows)", q.name, df.height());
            }
            Err(e) => failed.push(format!("{}: {e}", q.name)),
        }
    }
    println!("{ran} of {total} KQL library queries ran on the sample data");
    for f in &failed {
        println!("FAIL {f}");
    }
    assert!(total > 0);
    assert!(
        ran * 2 >= total,
        "{ran} of {total} ran:\n{}",
        failed.join("\n")
    );
}

/// The sample dataset written as Parquet and as CSV, loaded with `Tables::from_dir`, gives
/// the same answers as the in-memory frames.
#[test]
fn tables_from_dir_parquet_and_csv() {
    let query = "SecurityEvent | where EventID == 4625 and TimeGenerated > datetime(2026-10-28) \
                 | summarize n = count(), first = min(TimeGenerated) by TargetUserName | sort by n desc, TargetUserName asc";
    let want = to_csv(&kql::run(query, &sample_tables(), &options()).unwrap());
    for format in [data::TableFormat::Parquet, data::TableFormat::Csv] {
        let dir =
            std::env::temp_dir().join(format!("huntrs-kql-run-{}-{format:?}", std::process::id()));
        let opts = data::sample::SampleOptions {
            format,
            ..Default::default()
        };
        data::sample::generate(&dir, &opts).unwrap();
        let tables = Tables::from_dir(&dir).unwrap();
        assert!(
            tables.names().contains(&"SecurityEvent"),
            "{:?}",
            tables.names()
        );
        let got = kql::run(query, &tables, &options());
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(to_csv(&got.unwrap()), want, "{format:?}");
    }
    let err = Tables::from_dir("/nonexistent/kql").unwrap_err();
    assert!(err.to_string().contains("/nonexistent/kql"));
}
