//! Enrichment: threat intelligence, GeoIP, whois/RDAP, DNS and domain checks.
//!
//! | what | types |
//! |---|---|
//! | TI lookups over many providers, cached, rate limited | [`TiLookup`], [`TiProvider`], [`TiResults`] |
//! | providers | [`VirusTotal`], [`Otx`], [`AbuseIpDb`], [`GreyNoise`], [`TorExitNodes`], [`LocalProvider`] |
//! | observable pre-checks (msticpy's rules) | [`preprocess`] |
//! | GeoIP | [`MaxMindGeoIp`] (`.mmdb` files), [`IpStack`] (REST) |
//! | whois / ASN | [`Rdap`] |
//! | DNS and domains | [`DnsResolver`], [`validate_domain`], [`url_components`], [`entropy`] |
//!
//! Configuration comes from [`crate::Settings`] (`TIProviders`, `OtherProviders`,
//! `TICache`); see `docs/enrichment.md` for every key.
//!
//! ```
//! use sectools::enrich::{LocalProvider, Severity, TiLookup};
//!
//! let mut local = LocalProvider::new("watchlist");
//! local.add("203.0.113.9", Severity::High, serde_json::json!("C2"), "case-42");
//! local.add("evil-c2.com", Severity::High, serde_json::json!("C2"), "case-42");
//! let results = TiLookup::new().with_provider(local).lookup_iocs(&[
//!     ("evil-c2[.]com", None),
//!     ("10.0.0.1", Some("ipv4")),
//! ])?;
//! assert_eq!(results.results[0].severity(), Severity::High);
//! assert!(results.results[1].status.to_string().starts_with("invalid"));
//! # Ok::<(), sectools::SectoolsError>(())
//! ```

mod cache;
mod dns;
mod geoip;
mod local;
mod providers;
mod rdap;
mod ti;

pub use cache::TiCache;
pub use dns::{
    DnsResolver, DomainCheck, UrlComponents, domain_entropy, url_components, validate_domain,
};
pub use geoip::{GeoIpLookup, IpStack, MaxMindGeoIp, geo_df, geo_df_column};
pub use local::LocalProvider;
pub use providers::{AbuseIpDb, GreyNoise, Otx, RestOptions, TorExitNodes, VirusTotal, vt_url_id};
pub use rdap::{Rdap, WhoisInfo};
pub use ti::{
    LookupContext, LookupStatus, Observable, Severity, TiAnswer, TiLookup, TiProvider, TiResult,
    TiResults, TiSummary, TiSummaryRow, entropy, preprocess,
};

use polars::prelude::*;

use crate::error::SectoolsError;
use crate::settings::Settings;

/// The frame's column names, for error messages.
pub(crate) fn column_names(df: &DataFrame) -> String {
    df.get_column_names()
        .iter()
        .map(|n| n.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A column as strings (other types are cast).
pub(crate) fn str_column(df: &DataFrame, name: &str) -> Result<StringChunked, SectoolsError> {
    let col = df.column(name).map_err(|_| SectoolsError::MissingColumn {
        column: name.to_string(),
        available: column_names(df),
    })?;
    let cast = col.cast(&DataType::String)?;
    Ok(cast.str()?.clone())
}

impl TiLookup {
    /// The providers configured in `TIProviders` that huntrs implements
    /// (`Provider:` VirusTotal, OTX, AbuseIPDB, GreyNoise, Tor, and `LocalData` /
    /// `Local` with `Args.Path` naming CSV/JSON files separated by `;`), with the
    /// cache from `TICache`. Entries that cannot be used (unknown provider, missing key)
    /// are skipped and described in the returned notes; no key appears in them.
    pub fn from_settings(settings: &Settings) -> (TiLookup, Vec<String>) {
        let mut lookup = TiLookup::new();
        let mut notes = Vec::new();
        for entry in settings.ti_providers() {
            let kind = entry.provider().to_ascii_lowercase();
            let built: Result<Option<std::sync::Arc<dyn TiProvider>>, SectoolsError> = (|| {
                let rest = || RestOptions::from_settings(&entry);
                Ok(Some(match kind.as_str() {
                    "virustotal" => std::sync::Arc::new(VirusTotal::new(rest()?)?) as _,
                    "otx" => std::sync::Arc::new(Otx::new(rest()?)?) as _,
                    "abuseipdb" => std::sync::Arc::new(AbuseIpDb::new(rest()?)?) as _,
                    "greynoise" => std::sync::Arc::new(GreyNoise::new(rest()?)?) as _,
                    "tor" => std::sync::Arc::new(TorExitNodes::new(rest()?)?) as _,
                    "localdata" | "local" => {
                        let mut local = LocalProvider::new(entry.name());
                        let paths = entry.arg("Path")?.unwrap_or_default();
                        for path in paths.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                            local.add_file(&crate::settings::expand_home(path))?;
                        }
                        std::sync::Arc::new(local) as _
                    }
                    _ => return Ok(None),
                }))
            })(
            );
            match built {
                Ok(Some(p)) => lookup = lookup.with_shared_provider(p),
                Ok(None) => notes.push(format!(
                    "TIProviders.{}: provider {} is not implemented in huntrs; skipped",
                    entry.name(),
                    entry.provider()
                )),
                Err(e) => notes.push(format!("TIProviders.{}: skipped: {e}", entry.name())),
            }
        }
        if let Some(cache) = TiCache::from_settings(settings) {
            lookup = lookup.with_cache(cache);
        }
        (lookup, notes)
    }
}
