//! `huntrs install` / `huntrs uninstall`: the kernelspec Jupyter finds.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::json;

/// Where to put the kernelspec, as `jupyter kernelspec install` understands it.
#[derive(Debug, Clone, clap::Args)]
#[group(multiple = false)]
pub struct Location {
    /// The user's Jupyter data directory (the default).
    #[arg(long)]
    pub user: bool,
    /// The active Python environment ($VIRTUAL_ENV or python3's sys.prefix).
    #[arg(long)]
    pub sys_prefix: bool,
    /// DIR/share/jupyter/kernels/huntrs.
    #[arg(long, value_name = "DIR")]
    pub prefix: Option<PathBuf>,
}

const KERNEL_NAME: &str = "huntrs";
const LOGO_32: &[u8] = include_bytes!("../assets/logo-32x32.png");
const LOGO_64: &[u8] = include_bytes!("../assets/logo-64x64.png");

/// The kernelspec directory for `location`.
pub fn kernel_dir(location: &Location) -> anyhow::Result<PathBuf> {
    let data_dir = if let Some(prefix) = &location.prefix {
        prefix.join("share/jupyter")
    } else if location.sys_prefix {
        sys_prefix()?.join("share/jupyter")
    } else if let Some(dir) = std::env::var_os("JUPYTER_DATA_DIR") {
        PathBuf::from(dir)
    } else {
        let home = std::env::var_os("HOME").context("HOME is not set; use --prefix DIR")?;
        PathBuf::from(home).join(".local/share/jupyter")
    };
    Ok(data_dir.join("kernels").join(KERNEL_NAME))
}

fn sys_prefix() -> anyhow::Result<PathBuf> {
    if let Some(venv) = std::env::var_os("VIRTUAL_ENV") {
        return Ok(PathBuf::from(venv));
    }
    let output = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.prefix)"])
        .output()
        .context("--sys-prefix needs python3 on PATH (or VIRTUAL_ENV set)")?;
    if !output.status.success() {
        bail!("python3 could not report sys.prefix");
    }
    Ok(PathBuf::from(
        String::from_utf8_lossy(&output.stdout).trim(),
    ))
}

/// The kernel.json for this binary.
pub fn kernel_json(exe: &Path) -> serde_json::Value {
    json!({
        "argv": [exe.display().to_string(), "kernel", "--connection-file", "{connection_file}"],
        "display_name": "Rust · huntrs",
        "language": "rust",
        "interrupt_mode": "message",
        "metadata": {"debugger": false},
    })
}

/// Writes the kernelspec; returns its directory.
pub fn install(location: &Location) -> anyhow::Result<PathBuf> {
    let dir = kernel_dir(location)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let exe = std::env::current_exe().context("cannot locate the huntrs binary")?;
    let spec = serde_json::to_string_pretty(&kernel_json(&exe))?;
    for (name, bytes) in [
        ("kernel.json", spec.as_bytes()),
        ("logo-32x32.png", LOGO_32),
        ("logo-64x64.png", LOGO_64),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(dir)
}

/// Removes the kernelspec; returns the directory it was in.
pub fn uninstall(location: &Location) -> anyhow::Result<PathBuf> {
    let dir = kernel_dir(location)?;
    if !dir.join("kernel.json").is_file() {
        bail!("no huntrs kernelspec at {}", dir.display());
    }
    std::fs::remove_dir_all(&dir).with_context(|| format!("cannot remove {}", dir.display()))?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installs_and_uninstalls_under_a_prefix() {
        let prefix = std::env::temp_dir().join(format!("huntrs-install-{}", std::process::id()));
        let location = Location {
            user: false,
            sys_prefix: false,
            prefix: Some(prefix.clone()),
        };
        let dir = install(&location).expect("install");
        assert_eq!(dir, prefix.join("share/jupyter/kernels/huntrs"));
        let spec: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("kernel.json")).expect("read"))
                .expect("json");
        assert_eq!(spec["display_name"], "Rust · huntrs");
        assert_eq!(spec["language"], "rust");
        assert_eq!(spec["argv"][3], "{connection_file}");
        assert!(dir.join("logo-64x64.png").is_file());
        assert_eq!(uninstall(&location).expect("uninstall"), dir);
        assert!(
            uninstall(&location).is_err(),
            "second uninstall names the missing spec"
        );
        std::fs::remove_dir_all(&prefix).ok();
    }
}
