//! In-process timing of the nbtools views, measured the way bench/views.py measures
//! msticpy's bokeh views, so the two can be compared side by side.
//!
//! ```sh
//! POLARS_MAX_THREADS=1 RAYON_NUM_THREADS=1 \
//!     cargo run -p nbtools --example view_bench -- timeline_100k timeline_events.csv --reps 3
//! ```
//!
//! Workloads (bench/views.py's names):
//!
//! * `timeline_100k`: `timeline(&df).group_by("Computer").tooltip(&["Account", "CommandLine"])`
//!   over a CSV of events (bench/views.py writes it);
//! * `timeline_values_100k`: `timeline_values(&df, "SentBytes").group_by("Computer")`
//!   with the same two tooltip columns, same CSV;
//! * `data_viewer_100k`: `DataViewer::new(&df)` with its defaults, same CSV;
//! * `proctree_50k`: `ProcessTreeView::new(&tree)` of the first `--rows` rows (default
//!   50,000) of msticpy's proc_events.csv; the tree is built untimed;
//! * `map_signins_20k`: `IpMap::from_frame(&df).color_by("ResultType")` over a CSV of
//!   sign-ins with `Latitude`/`Longitude` columns (bench/views.py writes it).
//!
//! The input is read with `data::read_table` and prepared untimed (time text parsed into
//! a UTC datetime column, as pandas' `parse_dates` does for msticpy; the process tree
//! built), then one warm-up call, then N timed repetitions. Each repetition times the
//! view's `build()` and `View::to_page()` (the standalone HTML page, like bokeh's
//! `file_html`) separately. Prints one JSON object: `workload`, `rows`, `reps`,
//! `build_s`, `page_s`, `total_s` (lists), their medians, `html_bytes`, `page_bytes`,
//! `setup_rss_mb`, `peak_rss_mb` (VmHWM) and `threads`.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

use nbtools::polars::prelude::*;
use nbtools::sectools::{self, build_process_tree};
use nbtools::serde_json::json;
use nbtools::{DataViewer, IpMap, ProcessTreeView, View, timeline, timeline_values};

type BenchResult<T> = Result<T, Box<dyn Error>>;
/// One timed call: builds the view.
type Build = Box<dyn FnMut() -> BenchResult<View>>;

const USAGE: &str = "usage: view_bench WORKLOAD FILE [--reps N] [--rows N]\n\
    workloads: timeline_100k, timeline_values_100k, data_viewer_100k, proctree_50k, map_signins_20k";

const TOOLTIP: [&str; 2] = ["Account", "CommandLine"];

fn main() -> BenchResult<()> {
    let mut args = std::env::args().skip(1);
    let (Some(workload), Some(file)) = (args.next(), args.next()) else {
        return Err(USAGE.into());
    };
    let mut reps = 3usize;
    let mut rows = None;
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> BenchResult<usize> {
            let n = args.next().ok_or(format!("{name} needs a number"))?;
            Ok(n.parse::<usize>().map_err(|e| format!("{name} {n}: {e}"))?)
        };
        match arg.as_str() {
            "--reps" => reps = number("--reps")?.max(1),
            "--rows" => rows = Some(number("--rows")?),
            _ => return Err(format!("unexpected argument {arg:?}\n{USAGE}").into()),
        }
    }
    let path = PathBuf::from(file);
    let (input_rows, mut build) = setup(&workload, &path, rows)?;
    let setup_rss_mb = peak_rss_mb();

    let t = Instant::now();
    let warm = build()?;
    let _ = warm.to_page();
    let warmup_s = t.elapsed().as_secs_f64();

    let (mut build_s, mut page_s, mut total_s) = (Vec::new(), Vec::new(), Vec::new());
    let (mut html_bytes, mut page_bytes, mut plain) = (0, 0, String::new());
    for _ in 0..reps {
        let t0 = Instant::now();
        let view = build()?;
        let t1 = Instant::now();
        let page = view.to_page();
        let t2 = Instant::now();
        build_s.push((t1 - t0).as_secs_f64());
        page_s.push((t2 - t1).as_secs_f64());
        total_s.push((t2 - t0).as_secs_f64());
        html_bytes = view.html().len();
        page_bytes = page.len();
        plain = view.plain().lines().next().unwrap_or_default().to_string();
    }
    let threads = |var: &str| std::env::var(var).ok();
    let out = json!({
        "workload": workload,
        "file": path,
        "rows": input_rows,
        "reps": reps,
        "build_s": build_s,
        "page_s": page_s,
        "total_s": total_s,
        "median_build_s": median(&build_s),
        "median_page_s": median(&page_s),
        "median_total_s": median(&total_s),
        "warmup_s": warmup_s,
        "html_bytes": html_bytes,
        "page_bytes": page_bytes,
        "summary": plain,
        "setup_rss_mb": setup_rss_mb,
        "peak_rss_mb": peak_rss_mb(),
        "threads": {
            "POLARS_MAX_THREADS": threads("POLARS_MAX_THREADS"),
            "RAYON_NUM_THREADS": threads("RAYON_NUM_THREADS"),
        },
    });
    println!("{out}");
    Ok(())
}

/// Loads and prepares the workload's input (untimed); returns its rows and the call to time.
fn setup(workload: &str, path: &Path, rows: Option<usize>) -> BenchResult<(usize, Build)> {
    let mut df = nbtools::data::read_table(path, false)?;
    if let Some(rows) = rows {
        df = df.head(Some(rows));
    }
    let height = df.height();
    let build: Build = match workload {
        "timeline_100k" => {
            let df = parse_time(df, "TimeGenerated")?;
            Box::new(move || {
                Ok(timeline(&df)
                    .group_by("Computer")
                    .tooltip(&TOOLTIP)
                    .build()?)
            })
        }
        "timeline_values_100k" => {
            let df = parse_time(df, "TimeGenerated")?;
            Box::new(move || {
                Ok(timeline_values(&df, "SentBytes")
                    .group_by("Computer")
                    .tooltip(&TOOLTIP)
                    .build()?)
            })
        }
        "data_viewer_100k" => {
            let df = parse_time(df, "TimeGenerated")?;
            Box::new(move || Ok(DataViewer::new(&df).build()?))
        }
        "map_signins_20k" => {
            // Result codes are labels, not numbers (pandas reads them as text too).
            let df = df
                .lazy()
                .with_column(col("ResultType").cast(DataType::String))
                .collect()?;
            Box::new(move || {
                Ok(IpMap::from_frame(&df)
                    .color_by("ResultType")
                    .hover(["UserPrincipalName"])
                    .build()?)
            })
        }
        "proctree_50k" => {
            if rows.is_none() {
                df = df.head(Some(50_000));
            }
            let tree = build_process_tree(&df, None)?;
            Box::new(move || Ok(ProcessTreeView::new(&tree).build()?))
        }
        _ => return Err(format!("unknown workload {workload:?}\n{USAGE}").into()),
    };
    let height = if workload == "proctree_50k" && rows.is_none() {
        height.min(50_000)
    } else {
        height
    };
    Ok((height, build))
}

/// `column` as a UTC datetime column (it may hold ISO 8601 text, as the CSV does).
fn parse_time(mut df: DataFrame, column: &str) -> BenchResult<DataFrame> {
    let ns = sectools::time_column_ns(&df, column)?;
    let series = Series::new(column.into(), ns).cast(&DataType::Datetime(
        TimeUnit::Nanoseconds,
        Some(TimeZone::UTC),
    ))?;
    df.with_column(series.into())?;
    Ok(df)
}

fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// The process's peak RSS (`VmHWM`) in MB, comparable with the msticpy worker's
/// ru_maxrss. None off Linux.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
