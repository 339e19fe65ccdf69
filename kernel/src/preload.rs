//! The preload cache: the workspace crates compiled once per installed version.
//!
//! evcxr compiles every dependency of a cell into its work directory. huntrs points
//! that directory (`EVCXR_TMPDIR`) at a persistent folder keyed by what makes compiled
//! artifacts incompatible — huntrs version, rustc version, the kernel binary (cargo's
//! rustc wrapper) and the linker — so the expensive build happens once, at `huntrs
//! install` or the first kernel start. Cargo.lock is not part of the key: the stamp
//! records which lock file the cache was built for, and a changed lock (a dependency
//! added or upgraded) reruns the preload in the same folder, where cargo recompiles
//! only what changed. An edit to a workspace crate's source only recompiles that crate.
//!
//! `<cache>/.cargo/config.toml` (a parent of evcxr's work dir, where cargo looks)
//! makes dependencies optimised while cells themselves compile at opt-level 0.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::file_lock::{FileLock, Mode};

/// The workspace lock file: the preload resolves exactly these versions.
const WORKSPACE_LOCK: &str = include_str!("../../Cargo.lock");
/// The crates every cell can use without `:dep`.
pub const PRELOADED_CRATES: [&str; 4] = ["entities", "sectools", "data", "nbtools"];
/// More kernels than this at once on one machine is a runaway, not a workload.
const MAX_SLOTS: usize = 256;
/// Bumped whenever the way the cache is built changes, so old caches are not reused.
const LAYOUT: &str = "evcxr-dylib-sessions-3";
/// Written once the cache holds a complete build.
const STAMP: &str = "preload.ok";

/// Why the preload cache cannot be prepared.
#[derive(Debug, thiserror::Error)]
pub enum PreloadError {
    /// A file in the cache could not be written.
    #[error("cannot write the preload cache at {path}: {cause}")]
    Io {
        /// The path.
        path: String,
        /// What the OS said.
        cause: std::io::Error,
    },
    /// `rustc` could not be run.
    #[error(
        "cannot run `rustc -vV` ({0}); install Rust with rustup and make sure rustc is on PATH"
    )]
    Rustc(String),
    /// `huntrs preload` failed; the last lines of its output say why.
    #[error("compiling the preloaded crates failed:\n{0}")]
    Build(String),
    /// The workspace crates' sources are not where this binary was built from.
    #[error("the huntrs crates are not at {0}; set HUNTRS_SOURCE_DIR to the huntrs repository")]
    Sources(String),
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> PreloadError + '_ {
    move |cause| PreloadError::Io {
        path: path.display().to_string(),
        cause,
    }
}

/// Where the preload for this binary lives, and how to fill it.
#[derive(Debug, Clone)]
pub struct Preload {
    /// `<cache root>/<key>`.
    pub dir: PathBuf,
    /// The repository holding `crates/`.
    pub source_dir: PathBuf,
}

impl Preload {
    /// Locates the cache for this binary and toolchain, creating its folders and
    /// cargo configuration. Cheap: no compilation happens here.
    pub fn locate() -> Result<Preload, PreloadError> {
        let source_dir = std::env::var_os("HUNTRS_SOURCE_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
        let source_dir = source_dir.canonicalize().unwrap_or(source_dir);
        if !source_dir.join("crates/nbtools/Cargo.toml").is_file() {
            return Err(PreloadError::Sources(source_dir.display().to_string()));
        }
        let dir = cache_root().join(cache_key()?);
        std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
        // Cargo's fingerprints hold absolute paths: always reach the cache by the same one.
        let dir = dir.canonicalize().unwrap_or(dir);
        let preload = Preload { dir, source_dir };
        preload.write_cargo_config()?;
        Ok(preload)
    }

    /// The cargo target directory every session builds into: where the compiled
    /// dependencies live. Cargo's own lock serialises builds from several kernels.
    pub fn target_dir(&self) -> PathBuf {
        self.dir.join("target")
    }

    /// Where the `mold` that builds cells without cargo's overhead lives (see
    /// `cell_build`).
    pub fn shim_dir(&self) -> PathBuf {
        self.dir.join("bin")
    }

    /// An evcxr work directory for this process (`EVCXR_TMPDIR`). Each kernel has
    /// its own cell crate, so two notebooks never overwrite each other's cells, while
    /// `target` points at the shared build. Directories are numbered slots reused by
    /// later kernels (a lock marks the ones in use), which keeps cargo's per-crate
    /// state from piling up with every kernel start.
    pub fn new_session(&self) -> Result<Session, PreloadError> {
        let sessions = self.dir.join("sessions");
        for slot in 0..MAX_SLOTS {
            let dir = sessions.join(format!("slot-{slot}"));
            std::fs::create_dir_all(dir.join("src")).map_err(io_error(&dir))?;
            let Some(lock) = FileLock::take(&dir.join("in-use.lock"), Mode::TryExclusive) else {
                continue;
            };
            prepare_slot(&dir, &self.target_dir())?;
            return Ok(Session {
                dir,
                slot,
                _lock: lock,
            });
        }
        Err(PreloadError::Io {
            path: sessions.display().to_string(),
            cause: std::io::Error::other(format!(
                "all {MAX_SLOTS} session slots are in use or unwritable"
            )),
        })
    }

    /// Where the cell process finds libstd and the preloaded dylibs, ahead of any
    /// inherited `LD_LIBRARY_PATH`.
    pub fn library_path(&self) -> Result<std::ffi::OsString, PreloadError> {
        let host = rustc_host(&rustc(&["-vV"])?)?;
        let sysroot = PathBuf::from(rustc(&["--print=sysroot"])?.trim());
        let deps = self.target_dir().join(&host).join("debug/deps");
        // The loader skips search directories that were missing when the process
        // started, and the cell process starts before the first build creates this one.
        std::fs::create_dir_all(&deps).map_err(io_error(&deps))?;
        let mut dirs = vec![sysroot.join("lib/rustlib").join(&host).join("lib"), deps];
        if let Some(existing) = std::env::var_os("LD_LIBRARY_PATH") {
            dirs.extend(std::env::split_paths(&existing));
        }
        std::env::join_paths(dirs).map_err(|e| PreloadError::Rustc(e.to_string()))
    }

    /// What `EVCXR_CONFIG_DIR` points at: huntrs's evcxr settings.
    pub fn evcxr_config_dir(&self) -> PathBuf {
        self.dir.join("evcxr-config")
    }

    /// Removes what cargo keeps for incremental rebuilds of the preloaded crates.
    /// They compile without it now (see [`preloaded_crates_profile`]), but caches
    /// built before kept a copy per source checkout, gigabytes that nothing reads.
    pub fn remove_stale_incremental_state(&self) -> Result<(), PreloadError> {
        let Ok(host) = rustc(&["-vV"]).and_then(|v| rustc_host(&v)) else {
            return Ok(());
        };
        let dir = self.target_dir().join(host).join("debug/incremental");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Ok(());
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let is_preloaded = name
                .to_str()
                .and_then(|n| n.rsplit_once('-'))
                .is_some_and(|(krate, _)| PRELOADED_CRATES.contains(&krate));
            if is_preloaded {
                let path = entry.path();
                std::fs::remove_dir_all(&path).map_err(io_error(&path))?;
            }
        }
        Ok(())
    }

    /// Whether the cache holds a complete build for this binary's Cargo.lock.
    pub fn is_built(&self) -> bool {
        std::fs::read_to_string(self.dir.join(STAMP)).is_ok_and(|stamp| stamp == stamp_text())
    }

    /// Records that the cache holds a complete build for this binary's Cargo.lock.
    pub fn mark_built(&self) -> Result<(), PreloadError> {
        let path = self.dir.join(STAMP);
        std::fs::write(&path, stamp_text()).map_err(io_error(&path))
    }

    fn write_cargo_config(&self) -> Result<(), PreloadError> {
        let cargo_dir = self.dir.join(".cargo");
        std::fs::create_dir_all(&cargo_dir).map_err(io_error(&cargo_dir))?;
        let target = self.target_dir();
        std::fs::create_dir_all(&target).map_err(io_error(&target))?;
        // Sessions live below this folder, so cargo finds this configuration.
        write_if_changed(&cargo_dir.join("config.toml"), &cargo_config())?;
        // evcxr reads these before its first compilation, so they never trigger the full
        // rebuild that changing them later would (`:opt` or `:allow_static_linking`
        // after start cleans the whole build). Dependencies are dylibs: one copy of
        // each crate (and of its statics) is shared by every cell, and cells link fast.
        let evcxr_dir = self.evcxr_config_dir();
        std::fs::create_dir_all(&evcxr_dir).map_err(io_error(&evcxr_dir))?;
        write_if_changed(
            &evcxr_dir.join("evcxr.toml"),
            "# Written by huntrs.\n[evcxr]\npreserve_vars_on_panic = true\n\
             allow_static_linking = false\nopt_level = \"0\"\n",
        )
    }

    /// The evcxr input that makes the crates available in every cell. One `:dep` on
    /// nbtools (which re-exports the other three) instead of four: evcxr runs
    /// `cargo metadata` for each `:dep`, and kernel start pays for every one.
    pub fn setup_code(&self) -> String {
        let nbtools = self.source_dir.join("crates").join("nbtools");
        let mut code = format!(
            ":dep nbtools = {{ path = {:?} }}\n",
            nbtools.display().to_string()
        );
        let mut others: Vec<&str> = PRELOADED_CRATES
            .into_iter()
            .filter(|c| *c != "nbtools")
            .collect();
        // Public dependencies of the crates' APIs, nameable in cells like the crates.
        others.push("serde_json");
        others.push("polars");
        code.push_str(&format!(
            "#[allow(unused_imports)]\nuse nbtools::{{{}}};\n",
            others.join(", ")
        ));
        // Named, not `as _`: evcxr keeps one item per name across cells.
        code.push_str(
            "#[allow(unused_imports)]\nuse nbtools::{EvcxrDebugDisplay as __HuntrsDebug, \
             EvcxrDisplay as __HuntrsRender};\n",
        );
        code.push_str(&runtime_setup_code());
        code
    }
}

/// `<cache>/.cargo/config.toml`. Part of the stamp: a changed profile recompiles
/// the crates, which should happen in `huntrs preload`, not in someone's first cell.
fn cargo_config() -> String {
    format!(
        "# Written by huntrs: dependencies optimised, cells compiled fast.\n\
         [profile.dev.package.\"*\"]\nopt-level = 2\ndebug = false\n\
         debug-assertions = false\noverflow-checks = false\ncodegen-units = 16\n{}",
        preloaded_crates_profile()
    )
}

/// Cargo keeps incremental state for path dependencies, one copy per checkout
/// they were built from, and the preloaded crates are path dependencies of every
/// cell crate. Users do not edit them, so that state (over a gigabyte per
/// checkout at opt-level 2) would only fill the disk.
fn preloaded_crates_profile() -> String {
    PRELOADED_CRATES
        .iter()
        .map(|krate| format!("[profile.dev.package.{krate}]\nincremental = false\n"))
        .collect()
}

fn write_if_changed(path: &Path, contents: &str) -> Result<(), PreloadError> {
    if std::fs::read_to_string(path).ok().as_deref() != Some(contents) {
        std::fs::write(path, contents).map_err(io_error(path))?;
    }
    Ok(())
}

/// One process's evcxr work directory, held (locked) until dropped.
#[derive(Debug)]
pub struct Session {
    /// The directory (`EVCXR_TMPDIR`).
    pub dir: PathBuf,
    /// Which slot: the directory's number.
    pub slot: usize,
    _lock: FileLock,
}

impl Session {
    /// The codegen-units setting for this session's cell crate.
    ///
    /// Every session's cell crate is `ctx 1.0.0` at the root of its own folder,
    /// which cargo hashes the same way for every slot: sessions building into the
    /// shared target directory would take another session's fresh build for their
    /// own. A per-slot profile value (dependencies pin theirs in the cache's
    /// config) gives each slot its own fingerprint and changes nothing else.
    pub fn cell_codegen_units(&self) -> usize {
        17 + self.slot
    }
}

/// Clears what an earlier kernel left in a slot and links the shared build.
fn prepare_slot(dir: &Path, target: &Path) -> Result<(), PreloadError> {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("libcode_") || name.starts_with("libctx-") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    let link = dir.join("target");
    if std::fs::read_link(&link).ok().as_deref() != Some(target) {
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(target, &link).map_err(io_error(&link))?;
    }
    // Resolve the same dependency versions the workspace was tested with.
    write_if_changed(&dir.join("Cargo.lock"), WORKSPACE_LOCK)
}

/// Runs in every fresh cell process (after start and after a crash).
pub fn runtime_setup_code() -> String {
    String::from("nbtools::runtime::install();\n")
}

/// `$HUNTRS_CACHE_DIR`, else `$XDG_CACHE_HOME/huntrs`, else `~/.cache/huntrs`.
pub fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("HUNTRS_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("huntrs");
    }
    let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
    home.join(".cache").join("huntrs")
}

/// The stamp's content: the version, lock file and cargo profile the build was made for.
fn stamp_text() -> String {
    let lock = hex::encode(Sha256::digest(WORKSPACE_LOCK));
    let config = hex::encode(Sha256::digest(cargo_config()));
    format!(
        "{} lock {} config {}\n",
        env!("CARGO_PKG_VERSION"),
        &lock[..16],
        &config[..16]
    )
}

fn cache_key() -> Result<String, PreloadError> {
    let version = rustc(&["-vV"])?;
    let exe = std::env::current_exe().unwrap_or_default();
    let linker = ["mold", "lld"]
        .into_iter()
        .find(|l| which(l))
        .unwrap_or("system");
    let mut hash = Sha256::new();
    hash.update(LAYOUT);
    hash.update(&version);
    hash.update(exe.as_os_str().as_encoded_bytes());
    hash.update(linker);
    let digest = hex::encode(hash.finalize());
    Ok(format!("v{}-{}", env!("CARGO_PKG_VERSION"), &digest[..16]))
}

/// Runs rustc (as found on PATH, as evcxr does) and returns what it printed.
fn rustc(args: &[&str]) -> Result<String, PreloadError> {
    let output = std::process::Command::new("rustc")
        .args(args)
        .output()
        .map_err(|e| PreloadError::Rustc(e.to_string()))?;
    if !output.status.success() {
        return Err(PreloadError::Rustc(
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The `host:` line of `rustc -vV`.
fn rustc_host(verbose_version: &str) -> Result<String, PreloadError> {
    verbose_version
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .ok_or_else(|| PreloadError::Rustc("`rustc -vV` did not name the host".into()))
}

fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Builds the cache in a separate `huntrs preload` process, forwarding its progress
/// (cargo's "Compiling …" lines) to `sink` so the first cell shows what is happening.
pub fn build_in_subprocess(sink: &dyn crate::execution::OutputSink) -> Result<(), PreloadError> {
    use std::io::BufRead;
    sink.stream(
        "stderr",
        "huntrs: first start with this version — compiling the preloaded crates (once per machine)…\n",
    );
    let exe = std::env::current_exe().map_err(|e| PreloadError::Rustc(e.to_string()))?;
    let mut child = std::process::Command::new(exe)
        .arg("preload")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| PreloadError::Rustc(format!("cannot start `huntrs preload`: {e}")))?;
    let mut tail = Vec::new();
    if let Some(stderr) = child.stderr.take() {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            sink.stream("stderr", &format!("{line}\n"));
            tail.push(line);
            if tail.len() > 40 {
                tail.remove(0);
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| PreloadError::Rustc(e.to_string()))?;
    if status.success() {
        Ok(())
    } else {
        Err(PreloadError::Build(tail.join("\n")))
    }
}
