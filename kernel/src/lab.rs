//! `huntrs lab`: everything an analyst needs, from a fresh clone to JupyterLab.

use std::path::PathBuf;

use anyhow::{Context, bail};

use crate::install::{self, Location};
use crate::notebook::{self, Format, RunArgs};

/// Arguments of `huntrs lab`.
#[derive(Debug, Clone, clap::Args)]
pub struct LabArgs {
    /// Start the server without opening a browser.
    #[arg(long)]
    pub no_browser: bool,
    /// Port for JupyterLab.
    #[arg(long)]
    pub port: Option<u16>,
    /// Instead of opening JupyterLab, execute this notebook headlessly and write
    /// the result under out/.
    #[arg(long, value_name = "NOTEBOOK")]
    pub headless: Option<PathBuf>,
    /// The notebook JupyterLab opens first (relative to notebooks/).
    #[arg(long, default_value = "course/01-kernel-and-rust.ipynb")]
    pub open: String,
}

/// Installs JupyterLab into the project venv and the kernelspec into it, builds the
/// preload cache, then opens JupyterLab on `notebooks/` (or runs one notebook).
pub fn lab(args: &LabArgs) -> anyhow::Result<()> {
    let (preload, _session) = crate::select_preload()?;
    let source = preload.source_dir.clone();
    let venv = std::env::var_os("HUNTRS_VENV").map_or_else(|| source.join(".venv"), PathBuf::from);
    let setup = source.join("scripts/setup-python.sh");
    eprintln!(
        "huntrs lab: preparing the Python environment in {}",
        venv.display()
    );
    let status = std::process::Command::new("bash")
        .arg(&setup)
        .env("HUNTRS_VENV", &venv)
        .status()
        .with_context(|| format!("cannot run {}", setup.display()))?;
    if !status.success() {
        bail!("{} failed; see its output above", setup.display());
    }
    let dir = install::install(&Location {
        user: false,
        sys_prefix: false,
        prefix: Some(venv.clone()),
    })?;
    eprintln!("huntrs lab: kernelspec installed in {}", dir.display());
    crate::ensure_preloaded(&preload)?;
    if let Some(path) = &args.headless {
        let out_dir = source.join("out");
        std::fs::create_dir_all(&out_dir)
            .with_context(|| format!("cannot create {}", out_dir.display()))?;
        let name = path
            .file_name()
            .context("--headless needs a notebook file")?;
        let run = RunArgs {
            notebook: path.clone(),
            output: Some(out_dir.join(name)),
            to: Format::Ipynb,
            allow_errors: false,
        };
        return notebook::run(&run, &preload);
    }
    // A warm engine for the first notebook (see worker.rs).
    crate::worker::start_spare(&preload);
    let notebooks = source.join("notebooks");
    let mut command = std::process::Command::new(venv.join("bin/jupyter"));
    command
        .arg("lab")
        .arg(format!("--notebook-dir={}", notebooks.display()))
        .current_dir(&notebooks);
    if args.no_browser {
        command.arg("--no-browser");
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        // Containers and CI run as root; JupyterLab refuses to unless told.
        command.arg("--allow-root");
    }
    if let Some(port) = args.port {
        command.arg(format!("--port={port}"));
    }
    if notebooks.join(&args.open).is_file() {
        command.arg(&args.open);
    }
    stop_with_this_process(&mut command);
    let status = command.status().context("cannot start JupyterLab")?;
    if !status.success() {
        bail!("JupyterLab exited with {status}");
    }
    Ok(())
}

/// Makes the child `command` starts receive SIGTERM when this process ends, however it
/// ends: stopped by a signal (`kill`, a service manager), `huntrs lab` would otherwise
/// leave JupyterLab serving with no parent.
#[cfg(target_os = "linux")]
fn stop_with_this_process(command: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    let parent = libc::pid_t::try_from(std::process::id()).unwrap_or(0);
    // SAFETY: the closure runs in the child between fork and exec, and calls only
    // prctl, getppid and _exit, which are async-signal-safe.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // This process may have ended before the request took effect.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

/// Elsewhere there is no such request: JupyterLab stops on Ctrl-C with its terminal.
#[cfg(not(target_os = "linux"))]
fn stop_with_this_process(_command: &mut std::process::Command) {}
