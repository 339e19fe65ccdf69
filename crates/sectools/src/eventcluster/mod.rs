//! Event clustering: numeric features of process events that let a clustering
//! algorithm put near-identical events together (msticpy's `eventcluster`).
//!
//! The feature functions give msticpy's values exactly (its golden file is the test);
//! [`add_process_features`] adds them to a frame of Windows 4688-style events, and
//! [`dbcluster_events`] clusters events on chosen features with DBSCAN (labels equal
//! scikit-learn's), returning msticpy's one-row-per-cluster frame.
//!
//! ```
//! use sectools::eventcluster::{char_ord_score, crc32_hash, delim_count, delim_hash, token_count};
//!
//! let cmd = r#"cmd.exe /c "whoami /all" | findstr S-1-5"#;
//! assert_eq!(char_ord_score(cmd, 1), 3248);
//! assert_eq!(token_count(cmd, " "), 7);
//! assert_eq!(delim_count(cmd), 14);
//! assert_eq!(delim_hash(cmd), 4_280_957_577);
//! assert_eq!(crc32_hash(cmd), 544_741_437);
//! ```

pub use dbscan::{ClusterOptions, Clustered, dbcluster_events, dbscan};
pub use features::{
    add_process_features, char_ord_score, crc32_hash, delim_count, delim_hash, is_delimiter,
    token_count,
};

mod dbscan;
mod features;
