//! In-process timing of sectools's transforms, measured the way msticpy's bench.py
//! measures msticpy (shared/bench/msticpy/README.md, "Method"), so the two can be
//! compared without huntrs's process start and file reading in its numbers.
//!
//! ```sh
//! POLARS_MAX_THREADS=1 RAYON_NUM_THREADS=1 \
//!     cargo run -p sectools --example sectools_bench -- auditd_small auditd_log.txt --reps 5
//! ```
//!
//! Workloads (msticpy's bench.py names): `ioc_extract_df_200k` (ioc_lines.txt),
//! `ioc_extract_src_20k` (ioc_lines.txt, first 20,000 lines), `b64_unpack_df_20k`
//! (b64_cmdlines.csv), `auditd_big` (auditd_big.log), `auditd_small` (auditd_log.txt),
//! `proctree_win_200k` (proc_events.csv), `proctree_mde_cs1` (mde_proc_cs1.csv),
//! `proctree_winmin` (winproctree-minimal.csv, msticpy's custom schema).
//!
//! As in bench.py: the input is loaded untimed (except auditd, where reading the file
//! is the API), one warm-up call runs on the whole input, then N timed repetitions.
//! Each repetition also builds its summary (counts by type), because bench.py's timed
//! region does too. Prints one JSON object to stdout: `workload`, `reps`, `wall_s`,
//! `cpu_s`, `median_wall_s`, `median_cpu_s`, `summary`, `setup_s` (loading, untimed above),
//! `setup_rss_mb`, `peak_rss_mb` and `threads`.

use std::collections::BTreeMap;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

use polars_arrow::array::{Array, View};
use sectools::polars::prelude::*;
use sectools::{B64Unpacker, IocExtractor};
use serde_json::{Value, json};

type BenchResult<T> = Result<T, Box<dyn Error>>;
/// One timed call: does the work and returns its summary.
type Call = Box<dyn FnMut() -> BenchResult<Value>>;

const USAGE: &str = "usage: sectools_bench WORKLOAD FILE [--reps N]\n\
    workloads: ioc_extract_df_200k, ioc_extract_src_20k, b64_unpack_df_20k, auditd_big, auditd_small,\n\
    proctree_win_200k, proctree_mde_cs1, proctree_winmin, cluster_features_100k,\n\
    dbcluster_100k_A, dbcluster_100k_B";

/// The types msticpy's `extract_df` looks for by default (all but the two path types).
const IOC_8_TYPES: &str = "ipv4,ipv6,url,dns,email,md5_hash,sha1_hash,sha256_hash";

fn main() -> BenchResult<()> {
    let mut args = std::env::args().skip(1);
    let (Some(workload), Some(file)) = (args.next(), args.next()) else {
        return Err(USAGE.into());
    };
    let mut reps = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--reps" => {
                let n = args.next().ok_or("--reps needs a number")?;
                reps = Some(n.parse::<usize>().map_err(|e| format!("--reps {n}: {e}"))?);
            }
            _ => return Err(format!("unexpected argument {arg:?}\n{USAGE}").into()),
        }
    }
    let path = PathBuf::from(file);
    // Defaults are bench.py's repetitions for the same workload.
    let setup_started = Instant::now();
    let (default_reps, mut call) = setup(&workload, &path)?;
    let setup_s = setup_started.elapsed().as_secs_f64();
    let reps = reps.unwrap_or(default_reps).max(1);
    // Peak so far, input loaded: bench.py's setup_rss_mb, to tell input from work.
    let setup_rss_mb = peak_rss_mb();

    let t = Instant::now();
    call()?;
    let warmup_s = t.elapsed().as_secs_f64();

    let mut wall = Vec::with_capacity(reps);
    let mut cpu = Vec::with_capacity(reps);
    let mut summary = Value::Null;
    for _ in 0..reps {
        let c0 = process_cpu_s();
        let t0 = Instant::now();
        summary = call()?;
        wall.push(t0.elapsed().as_secs_f64());
        if let (Some(c0), Some(c1)) = (c0, process_cpu_s()) {
            cpu.push(c1 - c0);
        }
    }
    let threads = |var: &str| std::env::var(var).ok();
    let out = json!({
        "workload": workload,
        "file": path,
        "reps": reps,
        "wall_s": wall,
        "cpu_s": cpu,
        "median_wall_s": median(&wall),
        "median_cpu_s": median(&cpu),
        "setup_s": setup_s,
        "warmup_s": warmup_s,
        "summary": summary,
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

/// A CSV file as `data::read_table` reads it for huntrs's commands and notebooks: types
/// inferred from the first 10,000 rows (or every column as text), then the text columns
/// compacted ([`sectools::compact_text`]).
fn read_table_csv(path: &Path, all_strings: bool) -> BenchResult<DataFrame> {
    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(if all_strings { 0 } else { 10_000 }))
        .try_into_reader_with_file_path(Some(path.into()))?
        .finish()?;
    sectools::compact_text(&mut df)?;
    Ok(df)
}

/// Loads the workload's input (untimed) and returns its default repetitions and the
/// call to time.
fn setup(workload: &str, path: &Path) -> BenchResult<(usize, Call)> {
    Ok(match workload {
        "ioc_extract_df_200k" => {
            let lines = read_lines(path)?;
            let df = DataFrame::new_infer_height(vec![Column::new("line".into(), lines)])?;
            let extractor = IocExtractor::new().with_type_names(IOC_8_TYPES)?;
            (
                3,
                Box::new(move || {
                    let res = extractor.extract_df(&df, &["line"])?;
                    let by_type = count_values(res.column("IoCType")?.str()?);
                    Ok(json!({"rows": res.height(), "by_type": by_type}))
                }),
            )
        }
        "ioc_extract_src_20k" => {
            let mut lines = read_lines(path)?;
            lines.truncate(20_000);
            let extractor = IocExtractor::new();
            (
                5,
                Box::new(move || {
                    // msticpy's extract(src=line) returns a set of values per type;
                    // extract is the matching call here.
                    let mut by_type: BTreeMap<String, usize> = BTreeMap::new();
                    for line in &lines {
                        for (ioc_type, values) in extractor.extract(line) {
                            *by_type.entry(ioc_type.name().to_string()).or_default() +=
                                values.len();
                        }
                    }
                    let iocs: usize = by_type.values().sum();
                    Ok(json!({"iocs": iocs, "by_type": by_type}))
                }),
            )
        }
        "b64_unpack_df_20k" => {
            // All columns as strings, as pandas reads them with keep_default_na=False.
            let df = read_table_csv(path, true)?;
            let unpacker = B64Unpacker::default();
            (
                3,
                Box::new(move || {
                    let res = unpacker.unpack_df(&df, "CommandLine")?;
                    let by_encoding = count_values(res.column("encoding_type")?.str()?);
                    Ok(json!({
                        "rows": res.height(),
                        "src_rows": res.column("src_index")?.n_unique()?,
                        "by_encoding": by_encoding,
                    }))
                }),
            )
        }
        "auditd_big" | "auditd_small" => {
            let path = path.to_path_buf();
            (
                if workload == "auditd_big" { 3 } else { 5 },
                // msticpy's read_from_file reads the file and returns a DataFrame:
                // read_auditd_frame does the same, both steps timed.
                Box::new(move || {
                    let frame = sectools::read_auditd_frame(&path)?;
                    Ok(json!({
                        "events": frame.df.height(),
                        "columns": frame.df.width(),
                        "event_types": frame.df.column("EventType")?.n_unique()?,
                        "issues": frame.issues.len(),
                    }))
                }),
            )
        }
        "proctree_win_200k" | "proctree_mde_cs1" | "proctree_winmin" => {
            // Loaded untimed with type inference, as `huntrs proctree` reads it; times
            // stay text, so parsing them is part of the timed build (msticpy's
            // bench.py parses its dates while loading, untimed).
            let df = read_table_csv(path, false)?;
            let schema = (workload == "proctree_winmin")
                .then(|| {
                    sectools::ProcSchema::from_json(
                        r#"{"process_name": "ImageFileName", "process_id": "PID", "parent_id": "PPID",
                            "time_stamp": "CreateTime", "target_logon_id": "TargetLogonId",
                            "user_id": "SubjectUserSid"}"#,
                    )
                })
                .transpose()?;
            (
                if workload == "proctree_win_200k" {
                    3
                } else {
                    5
                },
                Box::new(move || {
                    let tree = sectools::build_process_tree(&df, schema.as_ref())?;
                    let s = tree.summary();
                    Ok(json!({
                        "rows": tree.to_df().height(),
                        "tree": s,
                    }))
                }),
            )
        }
        "cluster_features_100k" => {
            let df = read_table_csv(path, false)?;
            (
                3,
                Box::new(move || {
                    let out = sectools::eventcluster::add_process_features(&df, Some('\\'))?;
                    Ok(json!({"rows": out.height(), "columns": out.width()}))
                }),
            )
        }
        "dbcluster_100k_A" | "dbcluster_100k_B" => {
            use sectools::eventcluster::{ClusterOptions, add_process_features, dbcluster_events};
            // Features are computed untimed, as bench.py caches them.
            let df = read_table_csv(path, false)?;
            let features = add_process_features(&df, Some('\\'))?;
            let (columns, eps) = if workload.ends_with('A') {
                (
                    ["pathScore", "commandlineTokensFull", "isSystemSession"],
                    0.0001,
                )
            } else {
                (
                    ["pathHash", "commandlineTokensHash", "isSystemSession"],
                    0.001,
                )
            };
            let mut options = ClusterOptions::new(columns);
            options.max_cluster_distance = eps;
            options.time_column = Some("TimeGenerated".into());
            (
                3,
                Box::new(move || {
                    let out = dbcluster_events(&features, &options)?;
                    let clusters = out
                        .labels
                        .iter()
                        .filter(|&&l| l >= 0)
                        .max()
                        .map_or(0, |m| m + 1);
                    Ok(json!({
                        "rows": out.frame.height(),
                        "clusters": clusters,
                        "noise": out.labels.iter().filter(|&&l| l < 0).count(),
                    }))
                }),
            )
        }
        _ => return Err(format!("unknown workload {workload:?}\n{USAGE}").into()),
    })
}

/// The file's lines as bench.py's `_read_lines` takes them: split on `\n`, last piece dropped.
fn read_lines(path: &Path) -> BenchResult<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    lines.pop();
    Ok(lines)
}

/// Occurrences of each non-null value of a string column, like pandas's
/// `value_counts().sort_index()` in bench.py's timed region. A value of up to 12
/// bytes lies whole in its view (its length, then its bytes, zero-padded, as Arrow
/// lays inline views out), so such values (type names, encodings) are counted by
/// their view without reading text; longer ones by their text.
fn count_values(column: &StringChunked) -> BTreeMap<String, usize> {
    let mut inline: rustc_hash::FxHashMap<u128, usize> = Default::default();
    let mut long: rustc_hash::FxHashMap<&str, usize> = Default::default();
    for array in column.downcast_iter() {
        for (i, view) in array.views().iter().enumerate() {
            if !array.is_valid(i) {
                continue;
            }
            if view.length <= View::MAX_INLINE_SIZE {
                *inline.entry(view.as_u128()).or_default() += 1;
            } else {
                *long.entry(array.value(i)).or_default() += 1;
            }
        }
    }
    let mut counts: BTreeMap<String, usize> = long
        .into_iter()
        .map(|(value, n)| (value.to_string(), n))
        .collect();
    for (view, n) in inline {
        // Bytes 4.. of the view's little-endian form are the value's.
        let bytes = view.to_le_bytes();
        let value = String::from_utf8_lossy(&bytes[4..4 + (view as u32) as usize]);
        *counts.entry(value.into_owned()).or_default() += n;
    }
    counts
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

/// CPU seconds used by the whole process (all threads), from the clock Python's
/// `time.process_time()` reads, which is what bench.py reports for msticpy.
/// clock_gettime directly because sectools has no libc dependency to reach it through;
/// its resolution (ns) suits millisecond calls, unlike /proc's 10 ms clock ticks.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn process_cpu_s() -> Option<f64> {
    /// `struct timespec` on 64-bit Linux: `time_t` and `long` are both 64 bits.
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    unsafe extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call, and
    // clock_gettime writes nothing else.
    let rc = unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    (rc == 0).then_some(ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9)
}

/// Elsewhere the report has wall times only (`cpu_s` empty, `median_cpu_s` null).
#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn process_cpu_s() -> Option<f64> {
    None
}

/// The process's peak RSS (`VmHWM`), comparable with bench.py's `peak_rss_mb`
/// (ru_maxrss of the worker, input and output included). None off Linux.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
