//! Each cell's build without cargo's per-build overhead.
//!
//! evcxr builds every cell with `mold -run cargo build`. With the preloaded crates
//! (and polars) in the cell crate's graph, cargo spends 0.3 to 0.5 s resolving and
//! fingerprinting about 400 packages before it runs rustc on the one crate that
//! changed — more than rustc itself takes for a small cell.
//!
//! So the engine's `PATH` starts with a directory whose `mold` is this binary (the
//! only program evcxr runs by name for a build). When the build's inputs are the
//! ones of a build cargo already ran — same arguments, environment, `Cargo.toml`,
//! `Cargo.lock` and `.cargo/config.toml`, and no dependency rebuilt since — it runs
//! the rustc command cargo ran for the cell crate then, recorded by the rustc
//! wrapper, and prints what cargo would have printed. Anything else goes to the
//! real mold and cargo unchanged, and records the command for next time.
//!
//! Records last as long as the engine process (its token is in the environment the
//! key covers) or until [`forget_recorded_build`]: cargo itself sees to a preloaded
//! crate whose source changed, in the first build of every new or reset engine.
//!
//! **Invariant**: a replay runs exactly the command cargo would run, under cargo's
//! own build lock; when any input differs, cargo runs.

use std::ffi::{OsStr, OsString};
use std::io::{BufRead, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::file_lock::{FileLock, Mode};
use crate::rustc_wrapper::{CELL_CRATE, flag_value};

/// The name evcxr runs its builds through.
const SHIM_NAME: &str = "mold";
/// Tells the rustc wrapper, through cargo, to record the cell crate's command.
const KEY_ENV: &str = "HUNTRS_CELL_BUILD_KEY";
/// Beside the cell crate's `Cargo.toml`.
const RECORD_FILE: &str = ".huntrs-cell-build.json";
/// Digests of the shim's environment, so the wrapper can tell what cargo and mold
/// added to it (see [`environment_changes`]).
const ENV_DIGEST_ENV: &str = "HUNTRS_CELL_BUILD_ENV";
/// Huntrs's own messengers; and the jobserver of the cargo that ran the recorded
/// command is gone by the replay.
const NOT_RECORDED: [&str; 5] = [
    KEY_ENV,
    ENV_DIGEST_ENV,
    "CARGO_MAKEFLAGS",
    "MAKEFLAGS",
    "MFLAGS",
];

/// Names the process whose builds a record may replay (see [`process_token`]).
pub const PROCESS_ENV: &str = "HUNTRS_BUILD_PROCESS";

/// This process, distinct from every other one on the machine (pids are reused).
pub fn process_token() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        nanos_since_epoch(SystemTime::now())
    )
}

/// Drops the record in `dir`, so the next build goes through cargo: a reset engine's
/// new cell process loads the preloaded crates afresh, so cargo should see to them.
pub fn forget_recorded_build(dir: &Path) {
    let _ = std::fs::remove_file(dir.join(RECORD_FILE));
}

/// Whether this process was started as the `mold` in the shim directory.
pub fn invoked_as_shim() -> bool {
    std::env::args_os()
        .next()
        .is_some_and(|arg0| Path::new(&arg0).file_name() == Some(OsStr::new(SHIM_NAME)))
}

/// Makes `dir/mold` point at this binary and returns `PATH` with `dir` first, or
/// `None` (builds then simply all go through cargo) when that is not possible.
pub fn path_with_shim(dir: &Path) -> Option<OsString> {
    let exe = std::env::current_exe().ok()?;
    let shim = dir.join(SHIM_NAME);
    if std::fs::read_link(&shim).ok().as_deref() != Some(exe.as_path()) {
        std::fs::create_dir_all(dir).ok()?;
        // Replaced atomically: another kernel may be starting a build through it.
        let temporary = dir.join(format!(".{SHIM_NAME}-{}", std::process::id()));
        let _ = std::fs::remove_file(&temporary);
        std::os::unix::fs::symlink(&exe, &temporary).ok()?;
        std::fs::rename(&temporary, &shim).ok()?;
    }
    let rest = std::env::var_os("PATH").unwrap_or_default();
    let rest = std::env::split_paths(&rest).filter(|p| p != dir);
    std::env::join_paths(std::iter::once(dir.to_path_buf()).chain(rest)).ok()
}

/// `PATH` without the shim's directory: what the cell process, which runs users'
/// code, sees.
pub fn path_without_shim(dir: &Path) -> OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let kept: Vec<PathBuf> = std::env::split_paths(&path).filter(|p| p != dir).collect();
    std::env::join_paths(kept).unwrap_or(path)
}

/// Runs as `mold ARGS...`; returns the exit code.
pub fn run_shim() -> i32 {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let real_mold = real_mold();
    // `mold -run PROGRAM ARGS...` is how evcxr runs cargo; anything else is for mold.
    let Some((program, program_args)) = run_target(&args) else {
        return match real_mold {
            Some(mold) => exec(Command::new(mold).args(&args)),
            None => {
                eprintln!("huntrs: mold is not installed");
                127
            }
        };
    };
    let dir = std::env::current_dir().unwrap_or_default();
    let base = is_cargo_build(program_args).then(|| build_key(&dir, &args));
    if let Some(base) = &base
        && let Some(record) = Record::load_fresh(&dir, &with_lock_file(base, &dir))
        && let Some(code) = record.replay()
    {
        return code;
    }
    let mut command = match real_mold {
        Some(mold) => {
            let mut command = Command::new(mold);
            command.args(&args);
            command
        }
        // Without mold, evcxr's default is to run cargo itself.
        None => {
            let mut command = Command::new(program);
            command.args(program_args);
            command
        }
    };
    if let Some(base) = base {
        command.env(KEY_ENV, base);
        command.env(ENV_DIGEST_ENV, environment_digest(std::env::vars_os()));
    }
    exec(&mut command)
}

/// Called by the rustc wrapper after rustc built a crate under a recording cargo:
/// keeps the cell crate's command for [`run_shim`]. Best effort — without a record
/// the next build goes through cargo.
pub fn record(rustc: &OsStr, args: &[OsString]) {
    let Some(base) = std::env::var_os(KEY_ENV).and_then(|k| k.into_string().ok()) else {
        return;
    };
    if flag_value(args, "--crate-name").is_none_or(|name| name != CELL_CRATE) {
        return;
    }
    let Some(manifest_dir) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        return;
    };
    let strings = |values: &[OsString]| -> Option<Vec<String>> {
        values
            .iter()
            .map(|v| v.clone().into_string().ok())
            .collect()
    };
    let Some(digest) = std::env::var_os(ENV_DIGEST_ENV) else {
        return;
    };
    let (env_added, env_removed) =
        environment_changes(&digest.to_string_lossy(), std::env::vars_os());
    let manifest_dir = PathBuf::from(manifest_dir);
    let record = (|| {
        Some(Record {
            key: with_lock_file(&base, &manifest_dir),
            built_at: nanos_since_epoch(SystemTime::now()),
            program: std::env::current_exe().ok()?,
            rustc: PathBuf::from(rustc),
            args: strings(args)?,
            env_added: env_added?,
            env_removed,
            cwd: std::env::current_dir().ok()?,
        })
    })();
    if let Some(record) = record {
        record.save(&manifest_dir.join(RECORD_FILE));
    }
}

/// The rustc command cargo ran for the cell crate, and what it ran under.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    /// [`build_key`] of the `cargo build` that ran it.
    key: String,
    /// Nanoseconds since the epoch when it finished.
    built_at: u64,
    /// The rustc wrapper (this binary).
    program: PathBuf,
    rustc: PathBuf,
    args: Vec<String>,
    /// What cargo and mold set on top of the shim's environment — never the rest,
    /// which may hold users' API keys; the key vouches that the rest is unchanged.
    env_added: Vec<(String, String)>,
    env_removed: Vec<String>,
    cwd: PathBuf,
}

impl Record {
    /// The record beside this build's `Cargo.toml`, if it was made for `key` and
    /// every crate it links was built before it.
    fn load_fresh(dir: &Path, key: &str) -> Option<Record> {
        let text = std::fs::read(dir.join(RECORD_FILE)).ok()?;
        let record: Record = serde_json::from_slice(&text).ok()?;
        (record.key == key && record.dependencies_unchanged()).then_some(record)
    }

    /// A dependency rebuilt since (a new preload, another kernel's `:dep` of a
    /// newer version of a shared crate) needs cargo to decide what else to rebuild.
    fn dependencies_unchanged(&self) -> bool {
        let mut iter = self.args.iter();
        while let Some(arg) = iter.next() {
            if arg != "--extern" {
                continue;
            }
            let Some(path) = iter.next().and_then(|spec| spec.split_once('=')) else {
                continue;
            };
            let modified = std::fs::metadata(path.1).and_then(|m| m.modified());
            match modified {
                Ok(time) if nanos_since_epoch(time) <= self.built_at => {}
                _ => return false,
            }
        }
        true
    }

    fn save(&self, path: &Path) {
        let Ok(text) = serde_json::to_vec(self) else {
            return;
        };
        let temporary = path.with_extension(format!("{}", std::process::id()));
        if std::fs::write(&temporary, text).is_ok() {
            let _ = std::fs::rename(&temporary, path);
        }
    }

    /// Runs the command under cargo's build lock and prints cargo's JSON messages;
    /// `None` when it could not start (the caller runs cargo instead).
    fn replay(&self) -> Option<i32> {
        let out_dir = PathBuf::from(flag_value(&self.args, "--out-dir")?);
        // Cargo's lock on this profile's target directory: cells of every kernel
        // build into the same `deps/`.
        let _lock = FileLock::take(&out_dir.parent()?.join(".cargo-lock"), Mode::Exclusive)?;
        let mut command = Command::new(&self.program);
        for name in &self.env_removed {
            command.env_remove(name);
        }
        let mut child = command
            .arg(&self.rustc)
            .args(&self.args)
            .envs(self.env_added.iter().map(|(k, v)| (k, v)))
            .current_dir(&self.cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .ok()?;
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        if let Some(stderr) = child.stderr.take() {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                forward_rustc_line(&line, &mut out);
            }
        }
        let success = child.wait().ok()?.success();
        if success {
            let artifact = serde_json::json!({
                "reason": "compiler-artifact",
                "target": {"name": CELL_CRATE},
                "filenames": [out_dir.join(format!("lib{CELL_CRATE}.so"))],
            });
            let _ = writeln!(out, "{artifact}");
        }
        let finished = serde_json::json!({"reason": "build-finished", "success": success});
        let _ = writeln!(out, "{finished}");
        let _ = out.flush();
        Some(if success { 0 } else { 101 })
    }
}

/// Cargo wraps rustc's JSON diagnostics into `compiler-message`s on stdout; other
/// lines go to stderr as cargo would pass them on.
fn forward_rustc_line(line: &str, out: &mut impl Write) {
    let parsed: Option<serde_json::Value> = serde_json::from_str(line).ok();
    match parsed.as_ref().and_then(|v| v.get("$message_type")) {
        Some(kind) if kind == "diagnostic" => {
            let message = serde_json::json!({
                "reason": "compiler-message",
                "target": {"name": CELL_CRATE},
                "message": parsed,
            });
            let _ = writeln!(out, "{message}");
        }
        // Notices of written files: cargo keeps them to itself.
        Some(_) => {}
        None => eprintln!("{line}"),
    }
}

/// One line per variable, `NAME=<digest of the value>`: what the shim's environment
/// was, without its values.
fn environment_digest(vars: impl Iterator<Item = (OsString, OsString)>) -> String {
    let mut out = String::new();
    for (name, value) in vars {
        out.push_str(&name.to_string_lossy());
        out.push('=');
        out.push_str(&value_digest(&value));
        out.push('\n');
    }
    out
}

fn value_digest(value: &OsStr) -> String {
    hex::encode(&Sha256::digest(value.as_encoded_bytes())[..8])
}

/// The variables of `vars` (the wrapper's environment) that are new or changed
/// against `digest` ([`environment_digest`] of the shim's), and the names it lacks.
/// The added ones are `None` when one is not UTF-8 (then nothing is recorded).
fn environment_changes(
    digest: &str,
    vars: impl Iterator<Item = (OsString, OsString)>,
) -> (Option<Vec<(String, String)>>, Vec<String>) {
    let mut before: std::collections::HashMap<&str, &str> = digest
        .lines()
        .filter_map(|line| line.split_once('='))
        .collect();
    let mut added = Vec::new();
    let mut utf8 = true;
    for (name, value) in vars {
        let unchanged = name
            .to_str()
            .and_then(|n| before.remove(n))
            .is_some_and(|d| d == value_digest(&value));
        if unchanged || NOT_RECORDED.iter().any(|n| name == *n) {
            continue;
        }
        match (name.into_string(), value.into_string()) {
            (Ok(name), Ok(value)) => added.push((name, value)),
            _ => utf8 = false,
        }
    }
    let removed = before
        .into_keys()
        .filter(|name| !NOT_RECORDED.contains(name))
        .map(str::to_owned)
        .collect();
    (utf8.then_some(added), removed)
}

/// `mold -run PROGRAM ARGS...` → `(PROGRAM, ARGS)`.
fn run_target(args: &[OsString]) -> Option<(&OsString, &[OsString])> {
    match args {
        [run, program, rest @ ..] if run == "-run" => Some((program, rest)),
        _ => None,
    }
}

/// `cargo [--offline] build ...`: the first argument that is not an option.
fn is_cargo_build(cargo_args: &[OsString]) -> bool {
    cargo_args
        .iter()
        .find(|a| !a.as_encoded_bytes().starts_with(b"-"))
        .is_some_and(|a| a == "build")
}

/// Everything cargo's decision depends on, apart from `Cargo.lock` (see
/// [`with_lock_file`]), the dependencies' outputs (see
/// [`Record::dependencies_unchanged`]) and the cell's source.
fn build_key(dir: &Path, args: &[OsString]) -> String {
    let mut hash = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    for arg in args {
        field(arg.as_encoded_bytes());
    }
    field(dir.as_os_str().as_encoded_bytes());
    let mut env: Vec<(OsString, OsString)> = std::env::vars_os().collect();
    env.sort();
    for (name, value) in &env {
        field(name.as_encoded_bytes());
        field(value.as_encoded_bytes());
    }
    for file in ["Cargo.toml", ".cargo/config.toml"] {
        match std::fs::read(dir.join(file)) {
            Ok(bytes) => field(&bytes),
            Err(_) => field(b"\0absent"),
        }
    }
    hex::encode(hash.finalize())
}

/// The record's key: [`build_key`] and `Cargo.lock` as the recorded build left it.
/// Cargo rewrites the lock file in the build after a `:dep` changed, so the next
/// build's key, taken before cargo runs, must see the new one to match.
fn with_lock_file(base: &str, dir: &Path) -> String {
    let lock = std::fs::read(dir.join("Cargo.lock")).unwrap_or_else(|_| b"\0absent".to_vec());
    let mut hash = Sha256::new();
    hash.update(base.as_bytes());
    hash.update(&lock);
    hex::encode(hash.finalize())
}

/// The first `mold` on `PATH` that is not this binary.
fn real_mold() -> Option<PathBuf> {
    let own = std::env::current_exe().ok()?.canonicalize().ok()?;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(SHIM_NAME))
        .find(|candidate| {
            candidate.is_file() && candidate.canonicalize().is_ok_and(|real| real != own)
        })
}

fn exec(command: &mut Command) -> i32 {
    let error = command.exec();
    eprintln!(
        "huntrs: cannot run {}: {error}",
        Path::new(command.get_program()).display()
    );
    127
}

fn nanos_since_epoch(time: SystemTime) -> u64 {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests;
