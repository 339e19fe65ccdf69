//! `huntrs`: the huntrs Jupyter kernel and its command line.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

mod cell_build;
mod cell_process;
mod cell_source;
mod comm;
mod connection;
mod diagnostics;
mod dispatch;
mod execution;
mod file_lock;
mod install;
mod lab;
mod magic;
mod notebook;
mod preload;
mod protocol;
mod rustc_wrapper;
mod tools;
mod transport;
mod worker;
// Shared with nbtools; the kernel only decodes, the cell process only encodes.
#[allow(dead_code)]
#[path = "../../crates/nbtools/src/wire.rs"]
mod wire;

/// Rust for threat hunting in Jupyter, with the huntrs crates preloaded.
#[derive(Debug, Parser)]
#[command(name = "huntrs", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the kernel (Jupyter starts this through the kernelspec).
    Kernel {
        /// The connection file Jupyter wrote.
        #[arg(long, short = 'f')]
        connection_file: PathBuf,
    },
    /// Install the "Rust · huntrs" kernelspec and build the preload cache.
    Install {
        #[command(flatten)]
        location: install::Location,
        /// Only write the kernelspec; build the preload cache on first start instead.
        #[arg(long)]
        no_preload: bool,
    },
    /// Remove the kernelspec.
    Uninstall {
        #[command(flatten)]
        location: install::Location,
    },
    /// Compile the preloaded crates into the cache (done once per installed version).
    Preload,
    /// Execute a notebook headlessly through the kernel's engine.
    Run(notebook::RunArgs),
    /// Install what is missing and open JupyterLab on the notebooks.
    Lab(lab::LabArgs),
    /// Extract indicators (IPs, URLs, domains, hashes, paths) from each input line as JSON lines.
    Ioc(tools::IocArgs),
    /// Decode base64 (recursively, with gzip/zip/tar members) and print one JSON object per item.
    B64(tools::B64Args),
    /// Group Linux audit records into events and print one JSON object per event.
    Auditd(tools::AuditdArgs),
    /// Build process trees from process events and print their summary.
    Proctree(tools::ProctreeArgs),
    /// Cluster events on feature columns with DBSCAN (msticpy's dbcluster_events).
    Cluster(tools::ClusterArgs),
    /// Run a KQL query over local tables (default: the sample lab dataset).
    Kql(tools::KqlArgs),
    /// Write the sample lab dataset (a fictional organisation's week with a planted intrusion).
    SampleData(tools::SampleDataArgs),
    /// Run cells for a kernel (started by the kernel itself).
    #[command(hide = true)]
    Engine(worker::EngineArgs),
}

fn main() -> anyhow::Result<()> {
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        // Errors reach users as messages; a RUST_BACKTRACE=1 in the environment
        // (evcxr sets it) should not turn them into stack dumps.
        // SAFETY: the first thing main does, before any thread exists.
        unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "0") };
    }
    if cell_build::invoked_as_shim() {
        std::process::exit(cell_build::run_shim());
    }
    if std::env::var_os("EVCXR_IS_RUNTIME").is_some() {
        cell_process::prepare();
    }
    if std::env::var_os("EVCXR_RUSTC_WRAPPER").is_some() {
        std::process::exit(rustc_wrapper::run());
    }
    // Serves as evcxr's cell process when asked to; returns otherwise.
    evcxr::runtime_hook();
    let cli = Cli::parse();
    match cli.command {
        Command::Kernel { connection_file } => run_kernel(&connection_file),
        Command::Install {
            location,
            no_preload,
        } => {
            let dir = install::install(&location)?;
            println!("Installed kernelspec \"huntrs\" in {}", dir.display());
            if !no_preload {
                preload_now()?;
            }
            Ok(())
        }
        Command::Uninstall { location } => {
            let dir = install::uninstall(&location)?;
            println!("Removed kernelspec {}", dir.display());
            Ok(())
        }
        Command::Preload => preload_now(),
        Command::Run(args) => {
            let (preload, _session) = select_preload()?;
            ensure_preloaded(&preload)?;
            notebook::run(&args, &preload)
        }
        Command::Lab(args) => lab::lab(&args),
        Command::Ioc(args) => tools::ioc(&args),
        Command::B64(args) => tools::b64(&args),
        Command::Auditd(args) => tools::auditd(&args),
        Command::Proctree(args) => tools::proctree(&args),
        Command::SampleData(args) => tools::sample_data(&args),
        Command::Cluster(args) => tools::cluster(&args),
        Command::Kql(args) => tools::kql(&args),
        Command::Engine(args) => {
            let (preload, _session) = select_preload()?;
            worker::run_engine_process(&args, &preload)
        }
    }
}

/// Locates the preload cache and points evcxr at a new session in it. Must run
/// before any thread starts (it sets environment variables).
fn select_preload() -> anyhow::Result<(preload::Preload, preload::Session)> {
    let preload = preload::Preload::locate()?;
    let session = preload.new_session()?;
    let path = cell_build::path_with_shim(&preload.shim_dir());
    // SAFETY: called from main before the runtime or any other thread exists.
    unsafe {
        if let Some(path) = path {
            std::env::set_var("PATH", path);
        }
        // Part of every cell build's key (cell_build.rs): builds are replayed only
        // within this process, so a new engine's first build goes through cargo,
        // which rebuilds a preloaded crate whose source changed.
        std::env::set_var(cell_build::PROCESS_ENV, cell_build::process_token());
        std::env::set_var("EVCXR_TMPDIR", &session.dir);
        std::env::set_var("EVCXR_CONFIG_DIR", preload.evcxr_config_dir());
        std::env::set_var(
            "CARGO_PROFILE_DEV_CODEGEN_UNITS",
            session.cell_codegen_units().to_string(),
        );
    }
    Ok((preload, session))
}

fn ensure_preloaded(preload: &preload::Preload) -> anyhow::Result<()> {
    if preload.is_built() {
        return Ok(());
    }
    build_preload(preload)
}

fn preload_now() -> anyhow::Result<()> {
    let (preload, _session) = select_preload()?;
    build_preload(&preload)
}

fn build_preload(preload: &preload::Preload) -> anyhow::Result<()> {
    if preload.is_built() {
        eprintln!(
            "huntrs: checking the preload cache in {}",
            preload.dir.display()
        );
    } else {
        eprintln!(
            "huntrs: compiling the preloaded crates into {} (once per installed version; the \
             first time on a machine takes minutes)",
            preload.dir.display()
        );
    }
    let started = std::time::Instant::now();
    let sink = std::sync::Arc::new(notebook::TerminalSink);
    let engine = execution::Engine::start(preload, sink, execution::Interrupter::default())
        .context("building the preload cache failed")?;
    drop(engine);
    preload.mark_built()?;
    if let Err(e) = preload.remove_stale_incremental_state() {
        eprintln!("huntrs: warning: {e}");
    }
    // The first kernel after this claims a warm engine instead of starting one.
    worker::start_spare(preload);
    eprintln!(
        "huntrs: preload ready in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn run_kernel(connection_file: &std::path::Path) -> anyhow::Result<()> {
    let info = connection::load(connection_file)?;
    let codec = protocol::Codec::new(&info.signature_scheme, &info.key)?;
    // Cells run in an engine process (see worker.rs); the kernel only needs to know
    // where the cache and its sockets are.
    let preload = preload::Preload::locate()?;
    let runtime = transport::runtime().context("cannot start the async runtime")?;
    let exit = runtime.block_on(async move {
        let mut channels = transport::serve_zmq(&info, codec).await?;
        let sink = dispatch::make_sink(&mut channels);
        let engine_sink: std::sync::Arc<dyn execution::OutputSink> = sink.clone();
        let engine = dispatch::EngineHandle::spawn(move |interrupter| {
            worker::RemoteEngine::connect(&preload, engine_sink, interrupter)
        });
        let interrupter = engine.interrupter.clone();
        tokio::spawn(async move {
            // SIGINT to the kernel (a terminal's Ctrl-C, or a signal-mode client) interrupts
            // the cell instead of killing the kernel.
            while tokio::signal::ctrl_c().await.is_ok() {
                interrupter.interrupt();
            }
        });
        let exit = dispatch::run(channels, sink, engine.clone()).await;
        if exit == (dispatch::Exit::Shutdown { restart: true }) {
            // The next kernel gets this engine, reset, instead of waiting for a new one.
            let handed_on = engine.recycle(std::time::Duration::from_secs(3)).await;
            eprintln!("huntrs: engine handed on to the next kernel: {handed_on}");
        }
        // Give IOPub a moment to deliver the last status and reply.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        anyhow::Ok(exit)
    })?;
    eprintln!("huntrs: kernel exiting ({exit:?})");
    // The engine process exits when our connection closes; no need to wait for it.
    std::process::exit(0);
}
