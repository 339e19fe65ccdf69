//! [`File`] and [`FileHash`].

use crate::entity::non_empty;
use crate::{EntityId, EntitySet};

entity_struct! {
    /// A file: the `file` entity of Sentinel alerts.
    #[derive(Default)]
    pub struct File {
        /// Full path, when the source gives one instead of `Directory` + `Name`.
        full_path: Option<String> = "FullPath",
        /// Directory (`c:\windows\system32`).
        directory: Option<String> = "Directory",
        /// File name (`cmd.exe`).
        name: Option<String> = "Name",
        /// Hashes of the file.
        file_hashes: Option<Vec<EntityId>> = "FileHashes" => FileHash,
        /// The host the file is on.
        host: Option<EntityId> = "Host" => Host,
    }
}

entity_struct! {
    /// A file hash: the `filehash` entity.
    #[derive(Default)]
    pub struct FileHash {
        /// `MD5`, `SHA1`, `SHA256`, `SHA256AC`, ...
        algorithm: Option<String> = "Algorithm",
        /// The hash value (hex).
        value: Option<String> = "Value",
    }
}

impl File {
    /// `FullPath` when given, else `Directory` joined to `Name` with the separator the
    /// directory uses (`\` unless it contains `/`).
    pub fn full_path(&self) -> Option<String> {
        if let Some(path) = non_empty(&self.full_path) {
            return Some(path.to_owned());
        }
        match (non_empty(&self.directory), non_empty(&self.name)) {
            (Some(dir), Some(name)) => {
                let separator = if dir.contains('/') { '/' } else { '\\' };
                let dir = dir.trim_end_matches(separator);
                Some(format!("{dir}{separator}{name}"))
            }
            (None, Some(name)) => Some(name.to_owned()),
            (Some(dir), None) => Some(dir.to_owned()),
            (None, None) => None,
        }
    }

    /// The file's hashes, looked up in `set`.
    pub fn hashes<'s>(&self, set: &'s EntitySet) -> Vec<&'s FileHash> {
        self.file_hashes
            .iter()
            .flatten()
            .filter_map(|id| set.get_as::<FileHash>(*id))
            .collect()
    }

    pub(crate) fn title(&self, _set: &EntitySet) -> String {
        self.full_path().unwrap_or_default()
    }
}

impl FileHash {
    pub(crate) fn title(&self, _set: &EntitySet) -> String {
        match (non_empty(&self.algorithm), non_empty(&self.value)) {
            (Some(algorithm), Some(value)) => format!("{algorithm}:{value}"),
            (None, Some(value)) => value.to_owned(),
            _ => String::new(),
        }
    }
}
