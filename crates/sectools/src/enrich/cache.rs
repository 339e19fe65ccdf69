//! The on-disk cache of remote answers: one small JSON file per provider and
//! observable, named by a SHA-256 of both, kept for a time to live.
//!
//! Keys are never part of an entry or its name, so a cache can be shared or deleted
//! freely. Unreadable or expired entries count as misses; write failures are ignored
//! (a cache is an optimisation, never a reason for a lookup to fail).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::enrich::ti::{Observable, TiAnswer};
use crate::settings::{Settings, expand_home};

/// Cached answers under a folder, each valid for `ttl`.
#[derive(Debug, Clone)]
pub struct TiCache {
    dir: PathBuf,
    ttl: Duration,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    stored: u64,
    provider: String,
    ioc: String,
    answer: TiAnswer,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl TiCache {
    /// Default time to live: 24 hours.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 3600);

    /// A cache in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>, ttl: Duration) -> TiCache {
        TiCache {
            dir: dir.into(),
            ttl,
        }
    }

    /// `$HOME/.cache/huntrs/ti-cache` with the default TTL (`None` without `HOME`).
    pub fn default_location() -> Option<TiCache> {
        let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
        Some(TiCache::new(
            PathBuf::from(home).join(".cache/huntrs/ti-cache"),
            TiCache::DEFAULT_TTL,
        ))
    }

    /// From the `TICache` section (`Folder`, `TTLHours`, `Enabled`; overridable by
    /// `HUNTRS_TICACHE_FOLDER` and friends), else the default location. `None` when
    /// disabled.
    pub fn from_settings(settings: &Settings) -> Option<TiCache> {
        let enabled = settings.string("TICache.Enabled").ok().flatten();
        if enabled.is_some_and(|v| {
            matches!(
                v.to_ascii_lowercase().as_str(),
                "false" | "no" | "0" | "off"
            )
        }) {
            return None;
        }
        let ttl = settings
            .string("TICache.TTLHours")
            .ok()
            .flatten()
            .and_then(|h| h.parse::<f64>().ok())
            .filter(|h| h.is_finite() && (0.0..1e6).contains(h))
            .map_or(TiCache::DEFAULT_TTL, |h| {
                Duration::from_secs_f64(h * 3600.0)
            });
        match settings.string("TICache.Folder").ok().flatten() {
            Some(folder) => Some(TiCache::new(expand_home(&folder), ttl)),
            None => TiCache::default_location().map(|c| TiCache { ttl, ..c }),
        }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, provider: &str, obs: &Observable) -> PathBuf {
        let mut h = Sha256::new();
        for part in [provider, obs.ioc_type.name(), &obs.value] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        let name: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(&name[..2]).join(format!("{name}.json"))
    }

    /// A fresh answer, if cached.
    pub fn get(&self, provider: &str, obs: &Observable) -> Option<TiAnswer> {
        let bytes = std::fs::read(self.path(provider, obs)).ok()?;
        let entry: Entry = serde_json::from_slice(&bytes).ok()?;
        let fresh = now_secs().saturating_sub(entry.stored) < self.ttl.as_secs();
        (fresh && entry.provider == provider && entry.ioc == obs.value).then_some(entry.answer)
    }

    /// Stores an answer (errors ignored: see the module docs).
    pub fn put(&self, provider: &str, obs: &Observable, answer: &TiAnswer) {
        let path = self.path(provider, obs);
        let entry = Entry {
            stored: now_secs(),
            provider: provider.to_string(),
            ioc: obs.value.clone(),
            answer: answer.clone(),
        };
        let Ok(json) = serde_json::to_vec(&entry) else {
            return;
        };
        if let Some(parent) = path.parent()
            && std::fs::create_dir_all(parent).is_ok()
        {
            // Write then rename so a reader never sees half an entry.
            let tmp = path.with_extension(format!("tmp{}", std::process::id()));
            if std::fs::write(&tmp, json).is_ok() && std::fs::rename(&tmp, &path).is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
        }
    }
}
