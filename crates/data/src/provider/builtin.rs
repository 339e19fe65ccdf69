//! huntrs's own query library (`queries/` at the workspace root), compiled in so a
//! provider has it wherever the crate runs.

use crate::{DataError, QueryLibrary};

const FILES: &[(&str, &str)] = &[
    (
        "queries/alerts.yaml",
        include_str!("../../../../queries/alerts.yaml"),
    ),
    (
        "queries/dns.yaml",
        include_str!("../../../../queries/dns.yaml"),
    ),
    (
        "queries/linux.yaml",
        include_str!("../../../../queries/linux.yaml"),
    ),
    (
        "queries/mde.yaml",
        include_str!("../../../../queries/mde.yaml"),
    ),
    (
        "queries/network.yaml",
        include_str!("../../../../queries/network.yaml"),
    ),
    (
        "queries/signins.yaml",
        include_str!("../../../../queries/signins.yaml"),
    ),
    (
        "queries/threat_intel.yaml",
        include_str!("../../../../queries/threat_intel.yaml"),
    ),
    (
        "queries/windows_security.yaml",
        include_str!("../../../../queries/windows_security.yaml"),
    ),
];

/// The built-in library: every file of `queries/`.
///
/// # Errors
/// Only if a built-in file is invalid, which the tests rule out.
pub fn builtin_library() -> Result<QueryLibrary, DataError> {
    let mut library = QueryLibrary::new();
    for (name, text) in FILES {
        library.add_yaml_str(name, text)?;
    }
    Ok(library)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_file_of_the_queries_folder_is_built_in() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../queries");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.ends_with(".yaml"))
            .map(|n| format!("queries/{n}"))
            .collect();
        on_disk.sort();
        let built_in: Vec<String> = super::FILES.iter().map(|(n, _)| (*n).to_owned()).collect();
        assert_eq!(built_in, on_disk);
    }
}
