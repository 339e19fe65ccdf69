//! The connection file Jupyter hands a kernel: where to listen and how to sign.

use std::path::Path;

use jupyter_protocol::ConnectionInfo;

/// Why a connection file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// The file cannot be read.
    #[error("cannot read connection file {path}: {cause}")]
    Read {
        /// The file.
        path: String,
        /// What the OS said.
        cause: std::io::Error,
    },
    /// The file is not a valid connection file.
    #[error("connection file {path} is not valid: {cause}")]
    Parse {
        /// The file.
        path: String,
        /// What is missing or malformed.
        cause: serde_json::Error,
    },
}

/// Reads and validates a connection file.
pub fn load(path: &Path) -> Result<ConnectionInfo, ConnectionError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|cause| ConnectionError::Read {
        path: shown.clone(),
        cause,
    })?;
    serde_json::from_str(&text).map_err(|cause| ConnectionError::Parse { path: shown, cause })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_missing_and_broken_files() {
        let dir = std::env::temp_dir().join(format!("huntrs-conn-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp");
        let missing = load(&dir.join("nope.json")).unwrap_err().to_string();
        assert!(missing.contains("cannot read connection file"), "{missing}");
        let broken = dir.join("broken.json");
        std::fs::write(&broken, r#"{"ip": "127.0.0.1", "shell_port": "x"}"#).expect("write");
        let message = load(&broken).unwrap_err().to_string();
        assert!(message.contains("is not valid"), "{message}");
        let good = dir.join("good.json");
        std::fs::write(
            &good,
            r#"{"ip":"127.0.0.1","transport":"tcp","shell_port":1,"iopub_port":2,"stdin_port":3,
                "control_port":4,"hb_port":5,"key":"k","signature_scheme":"hmac-sha256"}"#,
        )
        .expect("write");
        assert_eq!(load(&good).expect("valid").hb_port, 5);
        std::fs::remove_dir_all(&dir).ok();
    }
}
