//! `huntrs ioc | b64 | auditd | proctree | cluster | sample-data | kql`: the sectools transforms, the sample data and KQL over local tables for shell pipelines.
//!
//! Text input is read whole (file or stdin) and processed line by line, except
//! `b64`, which decodes the whole text so blobs wrapped over lines are found. With
//! `--column NAME` the input is a CSV or Parquet table and that column is processed
//! row by row. Output is JSON lines on stdout, or a table with `--output FILE.csv|.parquet`.

use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use data::polars::prelude::*;
use sectools::{B64Unpacker, IocExtractor, jsonl};

/// Arguments shared by the three commands.
#[derive(Debug, clap::Args)]
pub struct InputArgs {
    /// Input file; `-` or nothing reads stdin.
    input: Option<PathBuf>,
    /// Treat the input as a table (CSV/Parquet) and read this column.
    #[arg(long)]
    column: Option<String>,
    /// Write a table (`.csv` or `.parquet`) instead of JSON lines on stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

/// `huntrs ioc`.
#[derive(Debug, clap::Args)]
pub struct IocArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Comma-separated types to extract (default: all ten): ipv4, ipv6, url, dns, email,
    /// md5_hash, sha1_hash, sha256_hash, windows_path, linux_path.
    #[arg(long)]
    types: Option<String>,
}

/// `huntrs b64`.
#[derive(Debug, clap::Args)]
pub struct B64Args {
    #[command(flatten)]
    input: InputArgs,
    /// Decode each line on its own instead of the whole text.
    #[arg(long)]
    lines: bool,
}

/// `huntrs auditd`.
#[derive(Debug, clap::Args)]
pub struct AuditdArgs {
    #[command(flatten)]
    input: InputArgs,
    /// With `--column`: the column holding the audit id (`SECS.MMM:SERIAL`) of exported records.
    #[arg(long, default_value = "mssg_id")]
    id_column: String,
}

fn read_input(path: Option<&Path>) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    match path {
        None => std::io::stdin()
            .read_to_end(&mut bytes)
            .context("reading stdin")?,
        Some(p) if p == Path::new("-") => std::io::stdin()
            .read_to_end(&mut bytes)
            .context("reading stdin")?,
        Some(p) => {
            bytes =
                sectools::read_file(p).with_context(|| format!("cannot read {}", p.display()))?;
            bytes.len()
        }
    };
    Ok(bytes)
}

fn read_column_table(args: &InputArgs) -> anyhow::Result<Option<(DataFrame, String)>> {
    let Some(column) = &args.column else {
        return Ok(None);
    };
    let Some(path) = args.input.as_deref().filter(|p| *p != Path::new("-")) else {
        bail!("--column needs a table file (CSV or Parquet), not stdin");
    };
    Ok(Some((data::read_table(path, true)?, column.clone())))
}

/// Lines of the input, numbered from 1, without line ends; invalid UTF-8 is replaced.
fn for_each_line(
    bytes: &[u8],
    mut f: impl FnMut(usize, &str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    jsonl::lines(bytes).try_for_each(|(n, line)| f(n, &line))
}

fn stdout() -> BufWriter<std::io::StdoutLock<'static>> {
    BufWriter::with_capacity(1 << 16, std::io::stdout().lock())
}

/// A closed pipe (`| head`) is a normal way for a reader to stop.
fn finish(result: anyhow::Result<()>) -> anyhow::Result<()> {
    match result {
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        other => other,
    }
}

pub fn ioc(args: &IocArgs) -> anyhow::Result<()> {
    let mut extractor = IocExtractor::new();
    if let Some(types) = &args.types {
        extractor = extractor.with_type_names(types)?;
    }
    if let Some((table, column)) = read_column_table(&args.input)? {
        let found = extractor.extract_df(&table, &[column.as_str()])?;
        return emit_table_or(found, args.input.output.as_deref(), |out, df| {
            let text = df.column("Observable")?.str()?.clone();
            let types = df.column("IoCType")?.str()?.clone();
            let rows = df.column("SourceIndex")?.u64()?.clone();
            for ((t, v), r) in types.iter().zip(text.iter()).zip(rows.iter()) {
                writeln!(
                    out,
                    "{{\"row\":{},\"type\":{},\"value\":{}}}",
                    r.unwrap_or_default(),
                    serde_json::to_string(t.unwrap_or_default())?,
                    serde_json::to_string(v.unwrap_or_default())?
                )?;
            }
            Ok(())
        });
    }
    let bytes = read_input(args.input.input.as_deref())?;
    if let Some(path) = &args.input.output {
        let (mut lines, mut types, mut values, mut originals) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for_each_line(&bytes, |n, line| {
            for ioc in extractor.find(line) {
                lines.push(n as u64);
                types.push(ioc.ioc_type.name().to_string());
                originals.push(ioc.matched(line).to_string());
                values.push(ioc.value);
            }
            Ok(())
        })?;
        let df = DataFrame::new_infer_height(vec![
            Column::new("line".into(), lines),
            Column::new("IoCType".into(), types),
            Column::new("Observable".into(), values),
            Column::new("Original".into(), originals),
        ])?;
        data::write_table(&df, path)?;
        return Ok(());
    }
    let mut out = stdout();
    finish(jsonl::write_ioc_lines(&extractor, &bytes, &mut out).map_err(Into::into))?;
    finish(out.flush().map_err(Into::into))
}

fn emit_table_or(
    df: DataFrame,
    output: Option<&Path>,
    json: impl FnOnce(&mut dyn Write, &DataFrame) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    match output {
        Some(path) => Ok(data::write_table(&df, path)?),
        None => {
            let mut out = stdout();
            finish(json(&mut out, &df))?;
            finish(out.flush().map_err(Into::into))
        }
    }
}

pub fn b64(args: &B64Args) -> anyhow::Result<()> {
    let unpacker = B64Unpacker::default();
    if let Some((table, column)) = read_column_table(&args.input)? {
        if let Some(path) = &args.input.output {
            return Ok(data::write_table(
                &unpacker.unpack_df(&table, &column)?,
                path,
            )?);
        }
        let cells = table
            .column(&column)
            .map_err(|_| anyhow::anyhow!("column '{column}' not found"))?
            .str()?
            .clone();
        let mut out = stdout();
        let result = cells.iter().enumerate().try_for_each(|(row, cell)| {
            let Some(cell) = cell else { return Ok(()) };
            write_b64_result(&mut out, "row", |_| row, &unpacker.unpack(cell))
        });
        finish(result)?;
        return finish(out.flush().map_err(Into::into));
    }
    let bytes = read_input(args.input.input.as_deref())?;
    if let Some(path) = &args.input.output {
        let text = jsonl::text(&bytes);
        let lines: Vec<&str> = if args.lines {
            text.lines().collect()
        } else {
            vec![&text]
        };
        let df = DataFrame::new_infer_height(vec![Column::new("text".into(), lines)])?;
        return Ok(data::write_table(&unpacker.unpack_df(&df, "text")?, path)?);
    }
    let mut out = stdout();
    let result = if args.lines {
        for_each_line(&bytes, |n, line| {
            write_b64_result(&mut out, "line", |_| n, &unpacker.unpack(line))
        })
    } else {
        let text = jsonl::text(&bytes);
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let line_of = |offset: usize| line_starts.partition_point(|&s| s <= offset);
        write_b64_result(&mut out, "line", line_of, &unpacker.unpack(&text))
    };
    finish(result)?;
    finish(out.flush().map_err(Into::into))
}

fn write_b64_result(
    out: &mut dyn Write,
    position: &str,
    position_of: impl Fn(usize) -> usize,
    result: &sectools::B64Result,
) -> anyhow::Result<()> {
    let notes: Vec<String> = result.notes.iter().map(ToString::to_string).collect();
    if result.items.is_empty() && !notes.is_empty() {
        jsonl::write_notes_only(out, position, position_of(0), &notes)?;
    }
    for item in &result.items {
        jsonl::write_decoded(out, position, position_of(item.span.start), item, &notes)?;
    }
    Ok(())
}

/// The first lines that were not audit records, and how many there were, on stderr.
fn report_audit_issues(issues: &[sectools::AuditIssue], events: usize) {
    for issue in issues.iter().take(20) {
        eprintln!(
            "huntrs auditd: line {}: {} ({:?})",
            issue.line, issue.reason, issue.text
        );
    }
    if !issues.is_empty() {
        eprintln!(
            "huntrs auditd: {} line(s) were not audit records; {events} event(s) parsed",
            issues.len()
        );
    }
}

pub fn auditd(args: &AuditdArgs) -> anyhow::Result<()> {
    let table = read_column_table(&args.input)?;
    if let (None, Some(path)) = (&table, &args.input.output) {
        // Raw text to a table file: straight into the frame, without events. A file's
        // long values are views into its text, not copies.
        let frame = match args.input.input.as_deref() {
            Some(file) if file != Path::new("-") => sectools::read_auditd_frame(file)?,
            stdin => sectools::auditd_frame(&jsonl::text(&read_input(stdin)?))?,
        };
        report_audit_issues(&frame.issues, frame.df.height());
        return Ok(data::write_table(&frame.df, path)?);
    }
    let log = match table {
        Some((table, column)) => {
            let has_ids = table.column(&args.id_column).is_ok();
            sectools::auditd_from_df(&table, &column, has_ids.then_some(args.id_column.as_str()))?
        }
        None => {
            let bytes = read_input(args.input.input.as_deref())?;
            sectools::parse_auditd(&jsonl::text(&bytes))
        }
    };
    report_audit_issues(&log.issues, log.events.len());
    if let Some(path) = &args.input.output {
        return Ok(data::write_table(&log.to_df()?, path)?);
    }
    let mut out = stdout();
    finish(jsonl::write_audit_events(&mut out, &log.events).map_err(Into::into))?;
    // The process ends here; freeing a large log piece by piece would only cost time.
    std::mem::forget(log);
    finish(out.flush().map_err(Into::into))
}

/// `huntrs proctree`.
#[derive(Debug, clap::Args)]
pub struct ProctreeArgs {
    /// Process events: CSV, Parquet or JSON lines (by extension).
    input: PathBuf,
    /// A built-in schema (windows-4688, linux-auditd, mde-internal, mde-events, sysmon,
    /// osquery, hx) or a JSON file mapping process_name, process_id, parent_id,
    /// time_stamp (and optional roles) to columns. Default: inferred from the columns.
    #[arg(long)]
    schema: Option<String>,
    /// Write the tree (one row per process, with proc_key, parent_key, path, depth,
    /// IsRoot, IsLeaf, IsBranch, IsInferred) to this `.csv` or `.parquet` file.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Also print the tree as indented text.
    #[arg(long)]
    text: bool,
}

pub fn proctree(args: &ProctreeArgs) -> anyhow::Result<()> {
    let schema = match &args.schema {
        None => None,
        Some(name) if Path::new(name).is_file() => {
            let text = std::fs::read_to_string(name)
                .with_context(|| format!("cannot read schema file {name}"))?;
            Some(
                sectools::ProcSchema::from_json(&text)
                    .with_context(|| format!("schema file {name}"))?,
            )
        }
        Some(name) => Some(sectools::ProcSchema::named(name)?),
    };
    let events = data::read_table(&args.input, false)?;
    let tree = sectools::build_process_tree(&events, schema.as_ref())?;
    for note in tree.notes() {
        eprintln!("huntrs proctree: {note}");
    }
    let mut out = stdout();
    let result = (|| -> anyhow::Result<()> {
        write!(out, "{}", tree.summary())?;
        if args.text {
            out.write_all(tree.to_text().as_bytes())?;
        }
        Ok(())
    })();
    finish(result)?;
    finish(out.flush().map_err(Into::into))?;
    if let Some(path) = &args.output {
        data::write_table(tree.to_df(), path)?;
    }
    Ok(())
}

/// `huntrs sample-data`.
#[derive(Debug, clap::Args)]
pub struct SampleDataArgs {
    /// Folder to write the tables into (created if missing). Default: the shared
    /// sample-data folder the notebooks use (`$HUNTRS_SAMPLE_DATA` or ~/.cache/huntrs/sample-data/...).
    dir: Option<PathBuf>,
    /// Write CSV files instead of Parquet.
    #[arg(long)]
    csv: bool,
    /// Seed of the background activity (the planted intrusion does not change).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Days of activity, ending on the dataset's fixed end date.
    #[arg(long, default_value_t = 7)]
    days: u32,
}

pub fn sample_data(args: &SampleDataArgs) -> anyhow::Result<()> {
    let options = data::sample::SampleOptions {
        seed: args.seed,
        days: args.days,
        format: if args.csv {
            data::TableFormat::Csv
        } else {
            data::TableFormat::Parquet
        },
        ..Default::default()
    };
    match &args.dir {
        Some(dir) => print!("{}", data::sample::generate(dir, &options)?),
        None if options == data::sample::SampleOptions::default() => {
            // The notebooks' copy: generated once, then reused.
            let dir = data::sample::ensure_default()?;
            println!("sample data in {}", dir.display());
            for table in data::sample::TABLES {
                let file = dir.join(data::sample::file_name(table, options.format));
                println!("  {}", file.display());
            }
        }
        None => bail!("--csv, --seed and --days need a folder: huntrs sample-data DIR ..."),
    }
    Ok(())
}

/// `huntrs cluster`.
#[derive(Debug, clap::Args)]
pub struct ClusterArgs {
    /// Events: CSV, Parquet or JSON lines.
    input: PathBuf,
    /// Comma-separated numeric or boolean feature columns, e.g.
    /// pathScore,commandlineTokensFull,isSystemSession.
    #[arg(long, value_delimiter = ',', required = true)]
    features: Vec<String>,
    /// First add msticpy's process features (pathScore, pathHash, commandlineLen, ...)
    /// from NewProcessName, CommandLine and SubjectLogonId.
    #[arg(long)]
    process_features: bool,
    /// DBSCAN eps on the normalised features.
    #[arg(long, default_value_t = 0.01)]
    eps: f64,
    /// DBSCAN min_samples.
    #[arg(long, default_value_t = 2)]
    min_samples: usize,
    /// Cluster the raw feature values instead of unit-length rows.
    #[arg(long)]
    no_normalize: bool,
    /// Time column for FirstEventTime/LastEventTime.
    #[arg(long, default_value = "TimeGenerated")]
    time_column: String,
    /// Write the clustered rows (one per cluster, every noise row) to this table file.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub fn cluster(args: &ClusterArgs) -> anyhow::Result<()> {
    use sectools::eventcluster::{ClusterOptions, add_process_features, dbcluster_events};
    let mut events = data::read_table(&args.input, false)?;
    if args.process_features {
        events = add_process_features(&events, None)?;
    }
    let mut options = ClusterOptions::new(args.features.iter().map(String::as_str));
    options.max_cluster_distance = args.eps;
    options.min_cluster_samples = args.min_samples;
    options.normalize = !args.no_normalize;
    options.time_column = Some(args.time_column.clone());
    let result = dbcluster_events(&events, &options)?;
    let clusters = result
        .labels
        .iter()
        .filter(|&&l| l >= 0)
        .max()
        .map_or(0, |m| m + 1);
    let noise = result.labels.iter().filter(|&&l| l < 0).count();
    let mut sizes = std::collections::HashMap::new();
    for &l in result.labels.iter().filter(|&&l| l >= 0) {
        *sizes.entry(l).or_insert(0usize) += 1;
    }
    let mut out = stdout();
    let text = format!(
        "Rows: {}\nClusters: {clusters}\nNoiseRows: {noise}\nLargestCluster: {}\nOutputRows: {}\n",
        result.labels.len(),
        sizes.values().max().copied().unwrap_or(0),
        result.frame.height()
    );
    finish(out.write_all(text.as_bytes()).map_err(Into::into))?;
    finish(out.flush().map_err(Into::into))?;
    if let Some(path) = &args.output {
        data::write_table(&result.frame, path)?;
    }
    Ok(())
}

/// Output formats of `huntrs kql`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KqlFormat {
    /// A header row, then one row per line; datetimes in ISO 8601 (UTC).
    Csv,
    /// One JSON object per row.
    Json,
    /// polars' text table.
    Table,
}

/// `huntrs kql`.
#[derive(Debug, clap::Args)]
pub struct KqlArgs {
    /// The KQL query, e.g. 'SecurityEvent | where EventID == 4625 | take 5'.
    query: String,
    /// Folder of tables (CSV, Parquet, JSON lines; table name = file stem). Default: the
    /// sample lab dataset, generated on first use.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    format: KqlFormat,
    /// The time `now()` and `ago()` count from (ISO 8601); default: the clock.
    #[arg(long)]
    now: Option<String>,
}

pub fn kql(args: &KqlArgs) -> anyhow::Result<()> {
    let dir = match &args.data {
        Some(dir) => dir.clone(),
        None => data::sample::ensure_default()?,
    };
    let tables = data::kql::Tables::from_dir(&dir)?;
    let now = match &args.now {
        None => None,
        Some(text) => Some(
            data::chrono::DateTime::parse_from_rfc3339(text)
                .with_context(|| {
                    format!("--now {text}: expected ISO 8601, e.g. 2026-11-01T12:00:00Z")
                })?
                .with_timezone(&data::chrono::Utc),
        ),
    };
    let options = data::kql::ExecOptions { now };
    // The error's Display already shows the position and caret; its source would repeat it.
    let df = data::kql::run(&args.query, &tables, &options).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out = stdout();
    let result = match args.format {
        KqlFormat::Csv => data::kql::write_csv(&df, &mut out).map_err(Into::into),
        KqlFormat::Json => data::kql::write_json_lines(&df, &mut out).map_err(Into::into),
        KqlFormat::Table => writeln!(out, "{df}").map_err(Into::into),
    };
    finish(result)?;
    finish(out.flush().map_err(Into::into))
}
