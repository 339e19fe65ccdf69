//! KQL-on-polars benchmark (run by `scripts/bench-kql.sh`, which compares the modes
//! side by side in one run).
//!
//! ```text
//! kql_bench generate DIR ROWS        writes DIR/Events.parquet (deterministic)
//! kql_bench kql DIR                  the query through data::kql (plan + collect)
//! kql_bench polars DIR               the same query written by hand in polars
//! kql_bench plan QUERIES_DIR         parse + plan time of every library query
//! ```
//! `kql` and `polars` print one JSON line: seconds, result rows, peak RSS (VmHWM).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Instant;

use data::kql::{ExecOptions, Tables};
use data::polars::prelude::*;

/// The query both modes answer: large failed-logon events, per host and hour.
const QUERY: &str = "Events \
    | where EventID == 4625 and Bytes > 50000 \
    | summarize n = count(), bytes = sum(Bytes) by Computer, bin(TimeGenerated, 1h)";

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn generate(dir: &Path, rows: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let start = chrono::DateTime::parse_from_rfc3339("2026-10-26T00:00:00Z")
        .unwrap()
        .timestamp_micros();
    // A small LCG: deterministic and fast; the values only need a plausible spread.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    };
    let hosts: Vec<String> = (0..200)
        .map(|i| {
            if i % 4 == 0 {
                format!("srv-{i:03}.corp.example")
            } else {
                format!("ws-{i:03}.corp.example")
            }
        })
        .collect();
    let ids = [4624i64, 4625, 4634, 4672, 4688, 4689];
    let mut time = Vec::with_capacity(rows);
    let mut computer = Vec::with_capacity(rows);
    let mut event_id = Vec::with_capacity(rows);
    let mut bytes = Vec::with_capacity(rows);
    for i in 0..rows {
        time.push(start + (i as i64) * 60_000);
        computer.push(hosts[(next() % 200) as usize].as_str());
        event_id.push(ids[(next() % 6) as usize]);
        bytes.push((next() % 100_000) as i64);
    }
    let mut df = DataFrame::new_infer_height(vec![
        Column::new("TimeGenerated".into(), time)
            .cast(&DataType::Datetime(
                TimeUnit::Microseconds,
                Some(TimeZone::UTC),
            ))
            .unwrap(),
        Column::new("Computer".into(), computer),
        Column::new("EventID".into(), event_id),
        Column::new("Bytes".into(), bytes),
    ])
    .unwrap();
    let file = std::fs::File::create(dir.join("Events.parquet")).unwrap();
    ParquetWriter::new(file).finish(&mut df).unwrap();
}

fn by_hand(dir: &Path) -> DataFrame {
    let path = PlRefPath::try_from_path(&dir.join("Events.parquet")).unwrap();
    LazyFrame::scan_parquet(path, ScanArgsParquet::default())
        .unwrap()
        .filter(
            col("EventID")
                .eq(lit(4625i64))
                .and(col("Bytes").gt(lit(50_000i64))),
        )
        .group_by([
            col("Computer"),
            col("TimeGenerated")
                .dt()
                .truncate(lit("1h"))
                .alias("TimeGenerated"),
        ])
        .agg([
            len().cast(DataType::Int64).alias("n"),
            col("Bytes").sum().alias("bytes"),
        ])
        .collect()
        .unwrap()
}

fn report(mode: &str, seconds: f64, rows: usize) {
    println!(
        "{{\"mode\": \"{mode}\", \"seconds\": {seconds:.6}, \"rows\": {rows}, \"peak_rss_mb\": {:.1}}}",
        peak_rss_mb()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("");
    let dir = Path::new(args.get(2).map(String::as_str).unwrap_or("."));
    match mode {
        "generate" => {
            let rows = args
                .get(3)
                .and_then(|r| r.parse().ok())
                .unwrap_or(10_000_000);
            generate(dir, rows);
        }
        "kql" => {
            let started = Instant::now();
            let tables = Tables::from_dir(dir).unwrap();
            let rows = data::kql::run(QUERY, &tables, &ExecOptions::default()).unwrap();
            report("kql", started.elapsed().as_secs_f64(), rows.height());
        }
        "polars" => {
            let started = Instant::now();
            let rows = by_hand(dir);
            report("polars", started.elapsed().as_secs_f64(), rows.height());
        }
        "plan" => {
            let library = data::QueryLibrary::load_dir(dir).unwrap();
            let tables = Tables::from_frames(
                data::sample::tables(&data::sample::SampleOptions::default()).unwrap(),
            );
            let now = data::sample::SampleOptions::default().end;
            for query in library.queries() {
                let params: Vec<(String, data::ParamValue)> = query
                    .required_params()
                    .map(|p| {
                        let value = match p.param_type {
                            data::ParamType::DateTime => data::ParamValue::DateTime(now),
                            data::ParamType::List => data::ParamValue::from(vec!["a", "b"]),
                            data::ParamType::Int => data::ParamValue::Int(1),
                            data::ParamType::Float => data::ParamValue::Float(1.0),
                            data::ParamType::Str => data::ParamValue::from("x"),
                        };
                        (p.name.clone(), value)
                    })
                    .collect();
                let text = query.render_at(params, data::Dialect::Kql, now).unwrap();
                const REPS: u32 = 200;
                let started = Instant::now();
                for _ in 0..REPS {
                    let parsed = data::kql::parse(&text).unwrap();
                    let plan =
                        data::kql::plan_query(&text, &parsed, &tables, &ExecOptions::default());
                    std::hint::black_box(plan.is_ok());
                }
                let micros = started.elapsed().as_secs_f64() * 1e6 / f64::from(REPS);
                println!(
                    "{{\"query\": \"{}.{}\", \"parse_plan_us\": {micros:.1}}}",
                    query.data_families.first().map_or("", String::as_str),
                    query.name
                );
            }
        }
        _ => eprintln!(
            "usage: kql_bench generate DIR [ROWS] | kql DIR | polars DIR | plan QUERIES_DIR"
        ),
    }
}
