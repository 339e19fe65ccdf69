//! The rustc wrapper for evcxr's builds: every dependency becomes a dylib.
//!
//! evcxr sets `RUSTC_WRAPPER` to this binary with `EVCXR_RUSTC_WRAPPER` set. With
//! static linking off (`EVCXR_FORCE_DYLIB`), each library crate is also built as a
//! dylib and every crate links its dependencies — and `core`, through libstd — as
//! dylibs, so all cells share one copy of each crate and its statics.
//!
//! huntrs does this itself instead of using evcxr 0.22's wrapper because since Rust
//! 1.95 the standard library's `.so` carries only a metadata stub: rustc needs the
//! `.rmeta` beside each dylib as well, which that wrapper does not pass.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::file_lock::{FileLock, Mode};

/// Runs rustc with the rewritten arguments; returns its exit code.
pub fn run() -> i32 {
    let mut args = std::env::args_os().skip(1);
    let Some(rustc) = args.next() else {
        eprintln!("huntrs: rustc wrapper called without a compiler");
        return 2;
    };
    let args: Vec<OsString> = args.collect();
    let force_dylib = std::env::var_os("EVCXR_FORCE_DYLIB").is_some();
    // Held while this crate's dylib is being built; see `wait_for_dylib`.
    let _building = force_dylib
        .then(|| own_dylib_path(&args))
        .flatten()
        .and_then(|so| FileLock::take(&lock_path(&so), Mode::Exclusive));
    let original = args.clone();
    let args = if force_dylib {
        let core = std::env::var_os("EVCXR_CORE_EXTERN").unwrap_or_default();
        dylib_args(&args, &core)
    } else {
        args
    };
    let status = match Command::new(&rustc).args(&args).status() {
        Ok(status) => status,
        Err(error) => {
            eprintln!(
                "huntrs: cannot run {}: {error}",
                Path::new(&rustc).display()
            );
            return 2;
        }
    };
    if status.success() {
        report_cell_library(&args);
        crate::cell_build::record(&rustc, &original);
    }
    status.code().unwrap_or(1)
}

/// Rewrites a rustc command line so libraries are dylibs linked against dylibs.
pub fn dylib_args(args: &[OsString], core_extern: &OsStr) -> Vec<OsString> {
    let crate_types = args.iter().filter(|a| *a == "--crate-type").count();
    let mut out = Vec::with_capacity(args.len() + 8);
    let mut prefer_dynamic = false;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "-Cprefer-dynamic" {
            prefer_dynamic = true;
        }
        if arg == "-C" {
            out.push(arg.clone());
            if let Some(value) = iter.next() {
                prefer_dynamic |= value == "prefer-dynamic";
                out.push(value.clone());
            }
            continue;
        }
        if arg == "--crate-type" {
            out.push(arg.clone());
            if let Some(kind) = iter.next() {
                out.push(kind.clone());
                // `lib` must stay too: cargo checks that the file it asked for exists.
                if kind == "lib" && crate_types == 1 {
                    out.push("--crate-type".into());
                    out.push("dylib".into());
                }
            }
            continue;
        }
        if arg == "--extern" {
            if let Some(spec) = iter.next() {
                for mapped in dylib_externs(spec, false) {
                    out.push("--extern".into());
                    out.push(mapped);
                }
            }
            continue;
        }
        if arg == "-l" {
            if let Some(lib) = iter.next() {
                match lib.to_str().and_then(|l| l.strip_prefix("static=")) {
                    // A static C library inside a dylib must be linked whole, or the
                    // symbols no Rust code in this crate uses are dropped.
                    Some(name) => {
                        out.push("-Clink-arg=-Wl,--whole-archive".into());
                        out.push("-l".into());
                        out.push(name.into());
                        out.push("-Clink-arg=-Wl,--no-whole-archive".into());
                    }
                    None => {
                        out.push(arg.clone());
                        out.push(lib.clone());
                    }
                }
            }
            continue;
        }
        out.push(arg.clone());
    }
    if let Some(std_so) = core_extern.to_str().and_then(|c| c.strip_prefix("core=")) {
        for mapped in dylib_externs(OsStr::new(&format!("core={std_so}")), true) {
            out.push("--extern".into());
            out.push(mapped);
        }
    }
    if !prefer_dynamic {
        out.push("-C".into());
        out.push("prefer-dynamic".into());
    }
    out
}

/// The crate evcxr compiles each cell into.
pub(crate) const CELL_CRATE: &str = "ctx";

/// The value after `flag` in a rustc command line.
pub(crate) fn flag_value<'a, T: PartialEq<str>>(args: &'a [T], flag: &str) -> Option<&'a T> {
    let at = args.iter().position(|a| a == flag)?;
    args.get(at + 1)
}

/// The dylib this invocation adds for a `lib` crate: `<out-dir>/lib<name><extra>.so`.
fn own_dylib_path(args: &[OsString]) -> Option<PathBuf> {
    let crate_types: Vec<&OsString> = args
        .iter()
        .enumerate()
        .filter(|(_, a)| *a == "--crate-type")
        .filter_map(|(i, _)| args.get(i + 1))
        .collect();
    if crate_types != [&OsString::from("lib")] {
        return None;
    }
    let name = flag_value(args, "--crate-name")?.to_str()?;
    let out_dir = PathBuf::from(flag_value(args, "--out-dir")?);
    let extra = args
        .iter()
        .filter_map(|a| a.to_str())
        .find_map(|a| {
            a.strip_prefix("extra-filename=")
                .or_else(|| a.strip_prefix("-Cextra-filename="))
        })
        .unwrap_or("");
    Some(out_dir.join(format!("lib{name}{extra}.so")))
}

fn lock_path(so: &Path) -> PathBuf {
    so.with_extension("so.lock")
}

/// Cargo pipelines builds: a dependent starts once a dependency's metadata exists,
/// while the dependency's dylib (which cargo does not know about) may still be
/// linking. Wait for that build to finish; it holds the lock while it runs. Wait even
/// when a dylib is already there: on a rebuild that file is the *previous* build's,
/// and linking against it bakes a stale crate hash into the dependent.
fn wait_for_dylib(so: &Path) {
    drop(FileLock::take(&lock_path(so), Mode::Shared));
}

/// `name=dir/libfoo-hash.rlib` → the `.so` beside it, when built. With `stub_metadata`
/// (the standard library, whose `.so` holds only a metadata stub) also the `.rmeta`.
fn dylib_externs(spec: &OsStr, stub_metadata: bool) -> Vec<OsString> {
    let Some((name, path)) = spec.to_str().and_then(|s| s.split_once('=')) else {
        return vec![spec.to_owned()];
    };
    let so = Path::new(path).with_extension("so");
    wait_for_dylib(&so);
    if !so.is_file() {
        return vec![spec.to_owned()];
    }
    let mut externs = vec![OsString::from(format!("{name}={}", so.display()))];
    let rmeta = so.with_extension("rmeta");
    if stub_metadata && rmeta.is_file() {
        externs.push(OsString::from(format!("{name}={}", rmeta.display())));
    }
    externs
}

/// Tells evcxr where the cell's library is.
fn report_cell_library(args: &[OsString]) {
    let Some(report) = std::env::var_os("EVCXR_EXECUTION_SO_PATH") else {
        return;
    };
    if flag_value(args, "--crate-name").is_none_or(|name| name != CELL_CRATE) {
        return;
    }
    let Some(out_dir) = flag_value(args, "--out-dir").map(PathBuf::from) else {
        return;
    };
    // Every kernel builds its cells into the shared target directory, all named
    // libctx.so. Copy ours into this kernel's own work directory (where the report
    // file lives) while cargo still holds the build lock, so another kernel's next
    // cell cannot replace it before evcxr loads it.
    let built = out_dir.join("libctx.so");
    let Some(session) = Path::new(&report).parent() else {
        return;
    };
    let own = session.join(format!("libctx-{}.so", std::process::id()));
    if std::fs::copy(&built, &own).is_ok() {
        let _ = std::fs::write(report, own.as_os_str().as_encoded_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_libraries_and_externs() {
        let dir = std::env::temp_dir().join(format!("huntrs-wrap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp");
        for file in [
            "libdep-1.rlib",
            "libdep-1.so",
            "libdep-1.rmeta",
            "libstd-x.so",
            "libstd-x.rmeta",
        ] {
            std::fs::write(dir.join(file), b"").expect("write");
        }
        let os = |s: &str| OsString::from(s);
        let dep = format!("dep={}", dir.join("libdep-1.rlib").display());
        let other = "other=/nowhere/libother.rlib";
        let args = [
            os("--crate-name"),
            os("thing"),
            os("--crate-type"),
            os("lib"),
            os("--extern"),
            os(&dep),
            os("--extern"),
            os(other),
            os("-l"),
            os("static=z"),
        ];
        let core = format!("core={}", dir.join("libstd-x.so").display());
        let out: Vec<String> = dylib_args(&args, OsStr::new(&core))
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let joined = out.join(" ");
        assert!(
            joined.contains("--crate-type lib --crate-type dylib"),
            "{joined}"
        );
        assert!(joined.contains(&format!(
            "--extern dep={}",
            dir.join("libdep-1.so").display()
        )));
        assert!(
            !joined.contains("libdep-1.rmeta"),
            "crate dylibs embed their metadata"
        );
        assert!(
            joined.contains("--extern other=/nowhere/libother.rlib"),
            "unbuilt dylibs stay rlibs"
        );
        assert!(
            joined
                .contains("-Clink-arg=-Wl,--whole-archive -l z -Clink-arg=-Wl,--no-whole-archive")
        );
        assert!(joined.contains(&format!(
            "--extern core={}",
            dir.join("libstd-x.so").display()
        )));
        assert!(joined.contains(&format!(
            "--extern core={}",
            dir.join("libstd-x.rmeta").display()
        )));
        assert!(joined.ends_with("-C prefer-dynamic"));
        std::fs::remove_dir_all(&dir).ok();
    }
}
