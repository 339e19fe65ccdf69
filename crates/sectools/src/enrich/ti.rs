//! Threat-intelligence lookups: the provider trait, observable pre-checks, the batch
//! runner and its results.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enrich::cache::TiCache;
use crate::error::SectoolsError;
use crate::http::{HttpClient, Request, Response};
use crate::ioc::{IocExtractor, IocType};
use crate::runtime::{self, Interrupted, Progress};
use entities::IpScope;

/// How bad a provider thinks an observable is (msticpy's `TISeverity`), in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// No verdict (lookup failed or not applicable).
    Unknown,
    /// Known, nothing bad.
    Information,
    /// Some reports or a low score.
    Warning,
    /// Malicious by the provider's judgement.
    High,
}

impl Severity {
    /// msticpy's name: `unknown`, `information`, `warning`, `high`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Unknown => "unknown",
            Severity::Information => "information",
            Severity::Warning => "warning",
            Severity::High => "high",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An observable that passed the pre-checks: refanged, typed, worth a lookup.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Observable {
    /// The refanged value (`hxxp://a[.]com` → `http://a.com`).
    pub value: String,
    /// Its type.
    pub ioc_type: IocType,
}

/// What one provider says about one observable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TiAnswer {
    /// Whether the provider knows the observable (msticpy's `Result`).
    pub found: bool,
    /// The provider's verdict.
    pub severity: Severity,
    /// A short summary (counts, score, labels).
    pub details: serde_json::Value,
    /// A page about the observable at the provider, for people.
    pub reference: String,
    /// The provider's answer as sent.
    pub raw: serde_json::Value,
}

impl TiAnswer {
    /// The answer for an observable the provider does not know.
    pub fn not_found(reference: String) -> TiAnswer {
        TiAnswer {
            found: false,
            severity: Severity::Information,
            details: serde_json::Value::String("not found".into()),
            reference,
            raw: serde_json::Value::Null,
        }
    }
}

/// What the batch runner gives a provider: a way to send requests that stop when the
/// batch is interrupted.
#[derive(Debug)]
pub struct LookupContext<'a> {
    stop: &'a AtomicBool,
}

impl LookupContext<'_> {
    /// Sends a request with the provider's client; gives up at once when the batch is
    /// interrupted.
    pub fn send(&self, client: &HttpClient, request: &Request) -> Result<Response, SectoolsError> {
        client.send_until(request, Some(self.stop))
    }

    /// Whether the batch is being stopped.
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// A threat-intelligence source.
pub trait TiProvider: Send + Sync {
    /// Name in results (`VirusTotal`).
    fn name(&self) -> &str;
    /// Whether it can look up this type.
    fn supports(&self, ioc_type: &IocType) -> bool;
    /// Looks up one observable. `Ok` with `found: false` when the provider does not
    /// know it; `Err` when the lookup failed (the batch records it and goes on).
    fn lookup(
        &self,
        observable: &Observable,
        ctx: &LookupContext<'_>,
    ) -> Result<TiAnswer, SectoolsError>;
    /// Local providers answer from memory: no cache, no worker threads.
    fn is_local(&self) -> bool {
        false
    }
    /// Lookups in flight at once (the HTTP client also enforces its rate limit).
    fn concurrency(&self) -> usize {
        4
    }
}

/// How one lookup ended.
#[derive(Debug, Clone, PartialEq)]
pub enum LookupStatus {
    /// The provider answered (found or not).
    Ok,
    /// Answered from the on-disk cache.
    Cached,
    /// Not looked up: the observable failed the pre-checks.
    Invalid(String),
    /// The lookup failed; the error message (never holding a key).
    Failed(String),
}

impl std::fmt::Display for LookupStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LookupStatus::Ok => f.write_str("ok"),
            LookupStatus::Cached => f.write_str("cached"),
            LookupStatus::Invalid(why) => write!(f, "invalid: {why}"),
            LookupStatus::Failed(why) => write!(f, "error: {why}"),
        }
    }
}

/// One row of a lookup's results.
#[derive(Debug, Clone, PartialEq)]
pub struct TiResult {
    /// The observable as given.
    pub ioc: String,
    /// Its type name (`ipv4`, `sha256_hash`, …).
    pub ioc_type: String,
    /// The provider (`-` for observables rejected before any lookup).
    pub provider: String,
    /// The provider's answer; `None` when the lookup failed or was not made.
    pub answer: Option<TiAnswer>,
    /// How the lookup ended.
    pub status: LookupStatus,
}

impl TiResult {
    /// The verdict (`Unknown` without an answer).
    pub fn severity(&self) -> Severity {
        self.answer
            .as_ref()
            .map_or(Severity::Unknown, |a| a.severity)
    }
}

/// The rows of a batch, one per observable and provider, in input then provider
/// order.
#[derive(Debug, Clone, Default)]
pub struct TiResults {
    /// The rows.
    pub results: Vec<TiResult>,
}

/// One observable's line in a summary.
#[derive(Debug, Clone, PartialEq)]
pub struct TiSummaryRow {
    /// The observable.
    pub ioc: String,
    /// Its type.
    pub ioc_type: String,
    /// The worst severity any provider gave.
    pub severity: Severity,
    /// `(provider, severity, reference, status)` for each provider.
    pub providers: Vec<(String, Severity, String, String)>,
}

/// Data for an HTML summary: observables worst first, and counts per severity.
#[derive(Debug, Clone, PartialEq)]
pub struct TiSummary {
    /// Observables, worst severity first, then input order.
    pub rows: Vec<TiSummaryRow>,
    /// Observables per worst severity: unknown, information, warning, high.
    pub counts: [usize; 4],
    /// Lookups that failed.
    pub errors: usize,
}

impl TiResults {
    /// The results as a frame: `Ioc, IocType, Provider, Result, Severity, Details,
    /// Reference, Status` (Details as JSON text).
    pub fn to_df(&self) -> Result<DataFrame, SectoolsError> {
        let r = &self.results;
        let col = |name: &str, f: &dyn Fn(&TiResult) -> String| {
            Column::new(name.into(), r.iter().map(f).collect::<Vec<String>>())
        };
        let found: Vec<bool> = r
            .iter()
            .map(|x| x.answer.as_ref().is_some_and(|a| a.found))
            .collect();
        let df = DataFrame::new(
            r.len(),
            vec![
                col("Ioc", &|x| x.ioc.clone()),
                col("IocType", &|x| x.ioc_type.clone()),
                col("Provider", &|x| x.provider.clone()),
                Column::new("Result".into(), found),
                col("Severity", &|x| x.severity().as_str().to_string()),
                col("Details", &|x| {
                    x.answer
                        .as_ref()
                        .map_or(String::new(), |a| match &a.details {
                            serde_json::Value::String(s) => s.clone(),
                            v => v.to_string(),
                        })
                }),
                col("Reference", &|x| {
                    x.answer
                        .as_ref()
                        .map_or(String::new(), |a| a.reference.clone())
                }),
                col("Status", &|x| x.status.to_string()),
            ],
        )?;
        Ok(df)
    }

    /// Rows whose lookup failed.
    pub fn errors(&self) -> impl Iterator<Item = &TiResult> {
        self.results
            .iter()
            .filter(|r| matches!(r.status, LookupStatus::Failed(_)))
    }

    /// Summary data for a view: one row per observable.
    pub fn summary(&self) -> TiSummary {
        let mut rows: Vec<TiSummaryRow> = Vec::new();
        let mut index = rustc_hash::FxHashMap::default();
        let mut errors = 0;
        for r in &self.results {
            if matches!(r.status, LookupStatus::Failed(_)) {
                errors += 1;
            }
            let key = (r.ioc.clone(), r.ioc_type.clone());
            let i = *index.entry(key).or_insert_with(|| {
                rows.push(TiSummaryRow {
                    ioc: r.ioc.clone(),
                    ioc_type: r.ioc_type.clone(),
                    severity: Severity::Unknown,
                    providers: Vec::new(),
                });
                rows.len() - 1
            });
            let row = &mut rows[i];
            row.severity = row.severity.max(r.severity());
            row.providers.push((
                r.provider.clone(),
                r.severity(),
                r.answer
                    .as_ref()
                    .map_or(String::new(), |a| a.reference.clone()),
                r.status.to_string(),
            ));
        }
        // Stable: input order within a severity.
        rows.sort_by_key(|r| std::cmp::Reverse(r.severity));
        let mut counts = [0; 4];
        for r in &rows {
            counts[r.severity as usize] += 1;
        }
        TiSummary {
            rows,
            counts,
            errors,
        }
    }
}

/// Shannon entropy of a string's characters, in bits.
pub fn entropy(text: &str) -> f64 {
    let mut counts = rustc_hash::FxHashMap::<char, usize>::default();
    let mut n = 0usize;
    for c in text.chars() {
        *counts.entry(c).or_default() += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&c| {
            let p = c as f64 / n as f64;
            -p * p.log2()
        })
        .sum()
}

/// Guesses the type of a (refanged) observable.
fn infer_type(value: &str, extractor: &IocExtractor) -> Option<IocType> {
    if let Ok(ip) = value.parse::<IpAddr>() {
        return Some(if ip.is_ipv4() {
            IocType::Ipv4
        } else {
            IocType::Ipv6
        });
    }
    if value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return match value.len() {
            32 => Some(IocType::Md5Hash),
            40 => Some(IocType::Sha1Hash),
            64 => Some(IocType::Sha256Hash),
            _ => None,
        };
    }
    if value.contains("://") {
        return Some(IocType::Url);
    }
    [IocType::Email, IocType::Dns]
        .into_iter()
        .find(|t| extractor.validate(value, t.name()).unwrap_or(false))
}

fn public_ip(ip: IpAddr) -> Result<(), String> {
    match crate::ioc::classify_ip(ip) {
        IpScope::Public => Ok(()),
        scope => Err(format!("{ip} is not a public address ({scope:?})")),
    }
}

/// msticpy's pre-checks (`preprocess_observable`): refang, then the type's rules.
/// `ioc_type` is a msticpy type name (`ipv4`, `dns`, `hostname`, `url`, `file_hash`,
/// `md5_hash`, …) or `None` to infer it. The error says why the value is rejected.
pub fn preprocess(value: &str, ioc_type: Option<&str>) -> Result<Observable, String> {
    preprocess_with(value, ioc_type, &IocExtractor::new())
}

pub(crate) fn preprocess_with(
    value: &str,
    ioc_type: Option<&str>,
    extractor: &IocExtractor,
) -> Result<Observable, String> {
    let value = crate::refang::refang(value.trim());
    if value.is_empty() {
        return Err("empty value".into());
    }
    let ioc_type = match ioc_type.map(str::trim).filter(|t| !t.is_empty()) {
        None => infer_type(&value, extractor)
            .ok_or_else(|| format!("cannot tell what kind of observable {value:?} is"))?,
        Some("hostname" | "dns" | "domain") => IocType::Dns,
        Some("file_hash" | "hash") => match value.len() {
            32 => IocType::Md5Hash,
            40 => IocType::Sha1Hash,
            64 => IocType::Sha256Hash,
            _ => return Err(format!("{value:?} is not an MD5, SHA1 or SHA256 hash")),
        },
        Some("ip" | "ipaddress") => match value.parse::<IpAddr>() {
            Ok(IpAddr::V4(_)) => IocType::Ipv4,
            Ok(IpAddr::V6(_)) => IocType::Ipv6,
            Err(_) => return Err(format!("{value:?} is not an IP address")),
        },
        Some(name) => name.parse::<IocType>().map_err(|e| e.to_string())?,
    };
    match &ioc_type {
        IocType::Ipv4 | IocType::Ipv6 => {
            let ip: IpAddr = value
                .parse()
                .map_err(|_| format!("{value:?} is not an IP address"))?;
            if ip.is_ipv4() != (ioc_type == IocType::Ipv4) {
                return Err(format!("{value:?} is not {}", ioc_type.name()));
            }
            public_ip(ip)?;
        }
        IocType::Url => {
            let url = reqwest::Url::parse(&value).map_err(|e| format!("not a URL: {e}"))?;
            if url.scheme() == "file" {
                return Err("file: URLs are not looked up".into());
            }
            let host = url.host_str().ok_or("the URL has no host")?;
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            if let Ok(ip) = bare.parse::<IpAddr>() {
                public_ip(ip)?;
            } else if !host.contains('.') {
                return Err(format!("URL host {host:?} is not a domain"));
            }
        }
        IocType::Dns => {
            if value.parse::<IpAddr>().is_ok() {
                return Err(format!("{value:?} is an IP address, not a domain"));
            }
            if !value.contains('.') || !extractor.validate(&value, "dns").unwrap_or(false) {
                return Err(format!("{value:?} is not a domain with a public suffix"));
            }
        }
        IocType::Md5Hash | IocType::Sha1Hash | IocType::Sha256Hash => {
            let len = match ioc_type {
                IocType::Md5Hash => 32,
                IocType::Sha1Hash => 40,
                _ => 64,
            };
            if value.len() != len || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!("{value:?} is not a {}", ioc_type.name()));
            }
            if entropy(&value) < 3.0 {
                return Err("the hash has too little entropy to be real".into());
            }
        }
        other => {
            if !extractor.validate(&value, other.name()).unwrap_or(false) {
                return Err(format!("{value:?} is not a valid {}", other.name()));
            }
        }
    }
    Ok(Observable { value, ioc_type })
}

/// Runs observables through every configured provider.
///
/// Observables are checked first ([`preprocess`]); each remote provider then works
/// through its share on its own worker threads, within its client's rate limit, while
/// this thread reports progress and watches for interrupts. Failed lookups become rows
/// with an `error:` status and the batch goes on. Answers of remote providers are kept
/// in the [`TiCache`], when one is set.
#[derive(Clone, Default)]
pub struct TiLookup {
    providers: Vec<Arc<dyn TiProvider>>,
    cache: Option<TiCache>,
}

impl std::fmt::Debug for TiLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TiLookup")
            .field("providers", &self.provider_names())
            .field("cache", &self.cache)
            .finish()
    }
}

type Outcome = (usize, usize, Result<TiAnswer, SectoolsError>);
/// An answer, and whether it came from the cache.
type Slot = Option<(Result<TiAnswer, SectoolsError>, bool)>;

impl TiLookup {
    /// No providers, no cache.
    pub fn new() -> TiLookup {
        TiLookup::default()
    }

    /// Adds a provider.
    pub fn with_provider(mut self, provider: impl TiProvider + 'static) -> TiLookup {
        self.providers.push(Arc::new(provider));
        self
    }

    /// Adds a shared provider.
    pub fn with_shared_provider(mut self, provider: Arc<dyn TiProvider>) -> TiLookup {
        self.providers.push(provider);
        self
    }

    /// Keeps remote answers in `cache`.
    pub fn with_cache(mut self, cache: TiCache) -> TiLookup {
        self.cache = Some(cache);
        self
    }

    /// The providers' names.
    pub fn provider_names(&self) -> Vec<String> {
        self.providers
            .iter()
            .map(|p| p.name().to_string())
            .collect()
    }

    /// Looks up one observable (type inferred when `None`).
    pub fn lookup_ioc(
        &self,
        ioc: &str,
        ioc_type: Option<&str>,
    ) -> Result<TiResults, SectoolsError> {
        self.lookup_iocs(&[(ioc, ioc_type)])
    }

    /// Looks up many observables, each with its type or `None` to infer it. The
    /// observables may be owned (`String`) or borrowed (`&str`): owned pairs can be kept
    /// in a notebook variable of their own.
    pub fn lookup_iocs<V: AsRef<str>>(
        &self,
        iocs: &[(V, Option<&str>)],
    ) -> Result<TiResults, SectoolsError> {
        if self.providers.is_empty() {
            return Err(SectoolsError::NotConfigured {
                what: "threat intelligence provider".into(),
                hint: "add TIProviders entries to msticpyconfig.yaml (TiLookup::from_settings) \
                       or add one with TiLookup::with_provider"
                    .into(),
            });
        }
        let extractor = IocExtractor::new();
        // Unique inputs, in first-seen order.
        let mut seen = rustc_hash::FxHashSet::default();
        let mut inputs: Vec<(&str, Option<&str>)> = Vec::new();
        for (v, t) in iocs {
            let (v, t) = (v.as_ref(), *t);
            if seen.insert((v, t)) {
                inputs.push((v, t));
            }
        }
        let checked: Vec<Result<Observable, String>> = inputs
            .iter()
            .map(|(v, t)| preprocess_with(v, *t, &extractor))
            .collect();
        let np = self.providers.len();
        // answers[obs][provider]
        let mut answers: Vec<Vec<Slot>> = (0..inputs.len())
            .map(|_| (0..np).map(|_| None).collect())
            .collect();
        let mut queues: Vec<Vec<usize>> = vec![Vec::new(); np];
        for (oi, obs) in checked.iter().enumerate() {
            let Ok(obs) = obs else { continue };
            for (pi, p) in self.providers.iter().enumerate() {
                if !p.supports(&obs.ioc_type) {
                    continue;
                }
                if !p.is_local()
                    && let Some(hit) = self.cache.as_ref().and_then(|c| c.get(p.name(), obs))
                {
                    answers[oi][pi] = Some((Ok(hit), true));
                    continue;
                }
                queues[pi].push(oi);
            }
        }
        let total: usize = queues.iter().map(Vec::len).sum();
        let mut progress = Progress::start("threat intelligence lookups", total as u64);
        let stop = AtomicBool::new(false);
        let ctx = LookupContext { stop: &stop };
        // Local providers: answered here, a check for interrupts every 1024 lookups.
        for (pi, p) in self.providers.iter().enumerate() {
            if !p.is_local() {
                continue;
            }
            for (n, &oi) in queues[pi].iter().enumerate() {
                if n % 1024 == 1023 {
                    runtime::check_interrupt()?;
                    progress.advance(1024, p.name());
                }
                if let Ok(obs) = &checked[oi] {
                    answers[oi][pi] = Some((p.lookup(obs, &ctx), false));
                }
            }
            progress.advance((queues[pi].len() % 1024) as u64, p.name());
        }
        let remote: Vec<usize> = (0..np)
            .filter(|&pi| !self.providers[pi].is_local() && !queues[pi].is_empty())
            .collect();
        if !remote.is_empty() {
            let (tx, rx) = mpsc::channel::<Outcome>();
            let interrupted = std::thread::scope(|scope| {
                for &pi in &remote {
                    let provider = &self.providers[pi];
                    let queue = &queues[pi];
                    let next = Arc::new(AtomicUsize::new(0));
                    for _ in 0..provider.concurrency().clamp(1, 64).min(queue.len()) {
                        let (tx, next, checked, ctx) =
                            (tx.clone(), Arc::clone(&next), &checked, &ctx);
                        scope.spawn(move || {
                            while !ctx.stopping() {
                                let Some(&oi) = queue.get(next.fetch_add(1, Ordering::Relaxed))
                                else {
                                    break;
                                };
                                let Ok(obs) = &checked[oi] else { continue };
                                if tx.send((pi, oi, provider.lookup(obs, ctx))).is_err() {
                                    break;
                                }
                            }
                        });
                    }
                }
                drop(tx);
                let mut interrupted = false;
                loop {
                    match rx.recv_timeout(Duration::from_millis(50)) {
                        Ok((pi, oi, result)) => {
                            progress.advance(1, self.providers[pi].name());
                            if let (Some(cache), Ok(answer), Ok(obs)) =
                                (&self.cache, &result, &checked[oi])
                            {
                                cache.put(self.providers[pi].name(), obs, answer);
                            }
                            answers[oi][pi] = Some((result, false));
                        }
                        Err(mpsc::RecvTimeoutError::Timeout) => {}
                        Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    }
                    if !interrupted && runtime::interrupt_requested() {
                        interrupted = true;
                        stop.store(true, Ordering::Relaxed);
                    }
                }
                interrupted
            });
            if interrupted {
                let _ = runtime::check_interrupt();
                return Err(SectoolsError::Interrupted(Interrupted));
            }
        }
        let mut results = Vec::with_capacity(inputs.len() * np.max(1));
        for (oi, (value, _)) in inputs.iter().enumerate() {
            match &checked[oi] {
                Err(why) => results.push(TiResult {
                    ioc: value.to_string(),
                    ioc_type: inputs[oi].1.unwrap_or("").to_string(),
                    provider: "-".into(),
                    answer: None,
                    status: LookupStatus::Invalid(why.clone()),
                }),
                Ok(obs) => {
                    for (pi, slot) in answers[oi].iter_mut().enumerate() {
                        let Some((result, cached)) = slot.take() else {
                            continue;
                        };
                        let (answer, status) = match result {
                            Ok(a) if cached => (Some(a), LookupStatus::Cached),
                            Ok(a) => (Some(a), LookupStatus::Ok),
                            Err(e) => (None, LookupStatus::Failed(e.to_string())),
                        };
                        results.push(TiResult {
                            ioc: value.to_string(),
                            ioc_type: obs.ioc_type.name().to_string(),
                            provider: self.providers[pi].name().to_string(),
                            answer,
                            status,
                        });
                    }
                }
            }
        }
        Ok(TiResults { results })
    }

    /// Looks up every value of a string column; `type_column` names a column of
    /// msticpy type names (else types are inferred). Nulls are skipped.
    pub fn lookup_df(
        &self,
        df: &DataFrame,
        column: &str,
        type_column: Option<&str>,
    ) -> Result<DataFrame, SectoolsError> {
        let values = crate::enrich::str_column(df, column)?;
        let types = match type_column {
            Some(t) => Some(crate::enrich::str_column(df, t)?),
            None => None,
        };
        let pairs: Vec<(&str, Option<&str>)> = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| Some((v?, types.as_ref().and_then(|t| t.get(i)))))
            .collect();
        self.lookup_iocs(&pairs)?.to_df()
    }
}
