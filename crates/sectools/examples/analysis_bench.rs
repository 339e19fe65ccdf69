//! In-process timing of sectools's analysis calls (outliers, STL anomalies, sequence
//! scoring, sessionize), measured as bench/analysis_msticpy.py measures msticpy: input
//! loaded untimed, one warm-up call, then N timed calls. Prints one JSON object.
//!
//! ```sh
//! POLARS_MAX_THREADS=1 cargo run -p sectools --example analysis_bench -- outliers_100k DIR --reps 5
//! ```
//!
//! DIR is the folder `analysis_msticpy.py prepare` wrote (`$MPBENCH_DATA/analysis`);
//! `stl_time_series` reads msticpy's time_series.csv from `$MSTICPY_TESTDATA`.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

use sectools::anomalous_sequence::{ScoreOptions, score_sessions, sessionize_data};
use sectools::outliers::{OutlierOptions, identify_outliers};
use sectools::polars::prelude::*;
use sectools::timeseries::{TsAnomalyOptions, ts_anomalies_stl};
use serde_json::{Value, json};

type BenchResult<T> = Result<T, Box<dyn Error>>;
type Call = Box<dyn FnMut() -> BenchResult<Value>>;

const USAGE: &str = "usage: analysis_bench WORKLOAD DIR [--reps N]\n\
    workloads: outliers_100k, stl_43800, stl_time_series, sequence_cmds_20k,\n\
    sequence_values_20k, sessionize_5k";

fn read_csv(path: &Path) -> BenchResult<DataFrame> {
    Ok(CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(path.to_path_buf()))?
        .finish()?)
}

/// Sessions from sessions_20k.jsonl as frame columns: command lists and, per command,
/// `param=value` lists.
fn sessions_frame(path: &Path, with_params: bool) -> BenchResult<DataFrame> {
    let text = std::fs::read_to_string(path)?;
    let (mut names, mut params) = (Vec::new(), Vec::new());
    for line in text.lines() {
        let session: Vec<(String, serde_json::Map<String, Value>)> = serde_json::from_str(line)?;
        names.push(Series::new(
            "".into(),
            session.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
        ));
        let per: Vec<Series> = session
            .iter()
            .map(|(_, p)| {
                let items: Vec<String> = p
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                    .collect();
                Series::new("".into(), items)
            })
            .collect();
        params.push(Series::new("".into(), per));
    }
    let mut cols = vec![Column::new("session".into(), names)];
    if with_params {
        cols.push(Column::new("params".into(), params));
    }
    Ok(DataFrame::new_infer_height(cols)?)
}

fn workload(name: &str, dir: &Path) -> BenchResult<Call> {
    Ok(match name {
        "outliers_100k" => {
            let df = read_csv(&dir.join("outliers_100k.csv"))?;
            Box::new(move || {
                let found = identify_outliers(&df, &df, &OutlierOptions::default())?;
                Ok(json!({"outliers": found.outliers.height(), "rows": found.labels.len()}))
            })
        }
        "stl_43800" | "stl_time_series" => {
            let (path, col) = if name == "stl_43800" {
                (dir.join("ts_43800.csv"), "Total")
            } else {
                let testdata = std::env::var("MSTICPY_TESTDATA")
                    .map_err(|_| "stl_time_series reads $MSTICPY_TESTDATA/time_series.csv; set MSTICPY_TESTDATA")?;
                (
                    PathBuf::from(testdata).join("time_series.csv"),
                    "TotalBytesSent",
                )
            };
            let mut df = read_csv(&path)?;
            // time_series.csv starts with a byte-order mark that may stay in the name.
            let first = df.get_column_names()[0].to_string();
            df.rename(&first, "TimeGenerated".into())?;
            let options = TsAnomalyOptions::new("TimeGenerated", col);
            Box::new(move || {
                let out = ts_anomalies_stl(&df, &options)?;
                let flags = out.column("anomalies")?.i64()?.clone();
                let n = flags.into_no_null_iter().filter(|&f| f != 0).count();
                Ok(json!({"anomalies": n, "rows": out.height()}))
            })
        }
        "sequence_cmds_20k" | "sequence_values_20k" => {
            let values = name == "sequence_values_20k";
            let df = sessions_frame(&dir.join("sessions_20k.jsonl"), values)?;
            let mut options = ScoreOptions::new(3);
            if values {
                options.params_column = Some("params".into());
                options.model_values = true;
            }
            Box::new(move || {
                let out = score_sessions(&df, "session", &options)?;
                let lik = out.column("rarest_window3_likelihood")?.f64()?.clone();
                Ok(json!({
                    "sessions": out.height(),
                    "min_likelihood": lik.min(),
                    "sum_likelihood": lik.sum(),
                }))
            })
        }
        "sessionize_5k" => {
            let df = read_csv(&dir.join("events_5k.csv"))?;
            Box::new(move || {
                let out = sessionize_data(
                    &df,
                    &["User", "ClientIP"],
                    "TimeGenerated",
                    60,
                    20,
                    "Operation",
                )?;
                let events: i64 = out.column("number_events")?.i64()?.sum().unwrap_or(0);
                Ok(json!({"sessions": out.height(), "events": events}))
            })
        }
        _ => return Err(format!("unknown workload {name}\n{USAGE}").into()),
    })
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// CPU seconds of this process: the sum over its threads of /proc's per-thread run
/// time (nanoseconds; /proc/self/stat counts in 10 ms ticks, too coarse here).
fn cpu_seconds() -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    let mut ns = 0u64;
    for task in tasks.flatten() {
        let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
        ns += stat
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
    }
    ns as f64 / 1e9
}

fn main() -> BenchResult<()> {
    let mut args = std::env::args().skip(1);
    let (Some(name), Some(dir)) = (args.next(), args.next()) else {
        return Err(USAGE.into());
    };
    let mut reps = 5;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--reps" => reps = args.next().ok_or("--reps needs a number")?.parse()?,
            _ => return Err(format!("unexpected argument {arg:?}\n{USAGE}").into()),
        }
    }
    let mut call = workload(&name, Path::new(&dir))?;
    let mut summary = call()?; // warm-up
    let (mut walls, mut cpus) = (Vec::new(), Vec::new());
    for _ in 0..reps {
        let (w0, c0) = (Instant::now(), cpu_seconds());
        summary = call()?;
        walls.push(w0.elapsed().as_secs_f64());
        cpus.push(cpu_seconds() - c0);
    }
    println!(
        "{}",
        json!({
            "workload": name, "reps": reps, "wall_s": walls, "cpu_s": cpus,
            "median_wall_s": median(&walls), "median_cpu_s": median(&cpus), "summary": summary,
        })
    );
    Ok(())
}
