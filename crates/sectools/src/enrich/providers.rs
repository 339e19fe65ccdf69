//! The REST threat-intelligence providers: VirusTotal v3, AlienVault OTX, AbuseIPDB,
//! GreyNoise (community API) and the Tor exit-node list.
//!
//! Each is built from [`RestOptions`] (key, base URL, HTTP limits) or from its
//! `TIProviders` entry ([`RestOptions::from_settings`]). Severity rules:
//!
//! | provider | high | warning | information |
//! |---|---|---|---|
//! | VirusTotal | ≥ 3 engines say malicious | 1–2 malicious or any suspicious | none |
//! | OTX | ≥ 2 pulses | 1 pulse | no pulses |
//! | AbuseIPDB | confidence ≥ 75 | confidence ≥ 25 | lower |
//! | GreyNoise | `malicious` | `unknown` noise | `benign`, RIOT, not seen |
//! | Tor | – | an exit node | not an exit node |

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

use crate::enrich::ti::{LookupContext, Observable, Severity, TiAnswer, TiProvider};
use crate::error::SectoolsError;
use crate::http::{HttpClient, HttpConfig, Request};
use crate::ioc::IocType;
use crate::secret::Secret;
use crate::settings::ProviderSettings;

/// How to reach a REST provider.
#[derive(Debug, Clone)]
pub struct RestOptions {
    /// The API key (`None` only for keyless providers such as Tor).
    pub key: Option<Secret>,
    /// Base URL; `None` uses the provider's public endpoint.
    pub base_url: Option<String>,
    /// Timeout, retries and limits of the provider's client; `None` uses the
    /// provider's defaults (its documented free-tier rate).
    pub http: Option<HttpConfig>,
}

impl RestOptions {
    /// Options with a key and the provider's defaults.
    pub fn new(key: Secret) -> RestOptions {
        RestOptions {
            key: Some(key),
            base_url: None,
            http: None,
        }
    }

    /// Options without a key.
    pub fn keyless() -> RestOptions {
        RestOptions {
            key: None,
            base_url: None,
            http: None,
        }
    }

    /// Points the provider at another server (tests, proxies, private mirrors).
    pub fn base_url(mut self, url: &str) -> RestOptions {
        self.base_url = Some(url.trim_end_matches('/').to_string());
        self
    }

    /// Sets the HTTP behaviour.
    pub fn http(mut self, config: HttpConfig) -> RestOptions {
        self.http = Some(config);
        self
    }

    /// From a provider entry: `Args.AuthKey`, `Args.BaseUrl`, and optional
    /// `Args.RateLimit` (requests per second), `Args.Timeout` (seconds),
    /// `Args.Concurrency`, `Args.Retries`.
    pub fn from_settings(entry: &ProviderSettings) -> Result<RestOptions, SectoolsError> {
        let number = |key: &str| -> Result<Option<f64>, SectoolsError> {
            match entry.arg(key)? {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse::<f64>()
                    .map(Some)
                    .map_err(|_| SectoolsError::Settings {
                        source_name: format!("{}.Args.{key}", entry.name()),
                        message: format!("expected a number, found {v:?}"),
                    }),
            }
        };
        let (rate, timeout, concurrency, retries) = (
            number("RateLimit")?,
            number("Timeout")?,
            number("Concurrency")?,
            number("Retries")?,
        );
        let http =
            (rate.is_some() || timeout.is_some() || concurrency.is_some() || retries.is_some())
                .then(|| {
                    let mut c = HttpConfig::default();
                    c.rate_limit = rate.or(c.rate_limit);
                    if let Some(t) = timeout.filter(|t| t.is_finite() && *t > 0.0 && *t < 1e7) {
                        c.timeout = Duration::from_secs_f64(t);
                    }
                    if let Some(n) = concurrency {
                        c.max_concurrency = (n as usize).max(1);
                    }
                    if let Some(n) = retries {
                        c.retries = n as u32;
                    }
                    c
                });
        Ok(RestOptions {
            key: entry.secret("AuthKey")?,
            base_url: entry
                .arg("BaseUrl")?
                .map(|u| u.trim_end_matches('/').to_string()),
            http,
        })
    }
}

/// What every REST provider holds.
#[derive(Debug)]
struct Rest {
    name: String,
    key: Option<Secret>,
    base: String,
    client: HttpClient,
    concurrency: usize,
}

impl Rest {
    fn new(
        name: &str,
        options: RestOptions,
        default_base: &str,
        default_rate: f64,
        needs_key: bool,
    ) -> Result<Rest, SectoolsError> {
        if needs_key && options.key.as_ref().is_none_or(Secret::is_empty) {
            return Err(SectoolsError::NotConfigured {
                what: format!("{name} API key"),
                hint: format!(
                    "set TIProviders.{name}.Args.AuthKey in msticpyconfig.yaml (or {})",
                    crate::settings::env_override_name(&format!("TIProviders.{name}.Args.AuthKey"))
                ),
            });
        }
        let http = options.http.unwrap_or_else(|| HttpConfig {
            rate_limit: Some(default_rate),
            ..HttpConfig::default()
        });
        let concurrency = http.max_concurrency;
        Ok(Rest {
            name: name.to_string(),
            key: options.key,
            base: options.base_url.unwrap_or_else(|| default_base.to_string()),
            client: HttpClient::new(http)?,
            concurrency,
        })
    }

    fn key(&self) -> Secret {
        self.key.clone().unwrap_or_else(|| Secret::new(""))
    }

    /// GET `path` and parse JSON; `Ok(None)` on 404.
    fn get_json(
        &self,
        request: Request,
        ctx: &LookupContext<'_>,
    ) -> Result<Option<Value>, SectoolsError> {
        match ctx.send(&self.client, &request) {
            Ok(resp) => resp.json().map(Some),
            Err(SectoolsError::HttpStatus { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn missing(&self, what: &str) -> SectoolsError {
        SectoolsError::BadResponse {
            host: crate::http::host_of(&self.base),
            message: format!("{} answer without {what}", self.name),
        }
    }
}

fn count(v: &Value, key: &str) -> i64 {
    v.get(key).and_then(Value::as_i64).unwrap_or(0)
}

// ---------------------------------------------------------------------------------

/// VirusTotal API v3: files (MD5/SHA1/SHA256), URLs, domains, IPs. Header `x-apikey`.
#[derive(Debug)]
pub struct VirusTotal {
    rest: Rest,
}

impl VirusTotal {
    /// The public endpoint.
    pub const BASE_URL: &'static str = "https://www.virustotal.com/api/v3";

    /// A client; without an `http` config it keeps to the public API's 4 requests a
    /// minute.
    pub fn new(options: RestOptions) -> Result<VirusTotal, SectoolsError> {
        Ok(VirusTotal {
            rest: Rest::new("VirusTotal", options, Self::BASE_URL, 4.0 / 60.0, true)?,
        })
    }
}

/// VirusTotal's id of a URL: unpadded URL-safe base64 of the URL.
pub fn vt_url_id(url: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url)
}

impl TiProvider for VirusTotal {
    fn name(&self) -> &str {
        "VirusTotal"
    }

    fn supports(&self, t: &IocType) -> bool {
        matches!(
            t,
            IocType::Ipv4
                | IocType::Ipv6
                | IocType::Dns
                | IocType::Url
                | IocType::Md5Hash
                | IocType::Sha1Hash
                | IocType::Sha256Hash
        )
    }

    fn concurrency(&self) -> usize {
        self.rest.concurrency
    }

    fn lookup(&self, obs: &Observable, ctx: &LookupContext<'_>) -> Result<TiAnswer, SectoolsError> {
        let (collection, id, gui) = match obs.ioc_type {
            IocType::Ipv4 | IocType::Ipv6 => ("ip_addresses", obs.value.clone(), "ip-address"),
            IocType::Dns => ("domains", obs.value.clone(), "domain"),
            IocType::Url => ("urls", vt_url_id(&obs.value), "url"),
            _ => ("files", obs.value.to_ascii_lowercase(), "file"),
        };
        let request = Request::get(format!("{}/{collection}/{id}", self.rest.base))
            .secret_header("x-apikey", &self.rest.key());
        let Some(raw) = self.rest.get_json(request, ctx)? else {
            return Ok(TiAnswer::not_found(format!(
                "https://www.virustotal.com/gui/search/{}",
                vt_search_term(&obs.value)
            )));
        };
        let data = raw.get("data").ok_or_else(|| self.rest.missing("data"))?;
        let attributes = data
            .get("attributes")
            .ok_or_else(|| self.rest.missing("data.attributes"))?;
        let stats = attributes
            .get("last_analysis_stats")
            .cloned()
            .unwrap_or(Value::Null);
        let (malicious, suspicious) = (count(&stats, "malicious"), count(&stats, "suspicious"));
        let severity = if malicious >= 3 {
            Severity::High
        } else if malicious > 0 || suspicious > 0 {
            Severity::Warning
        } else {
            Severity::Information
        };
        let vt_id = data.get("id").and_then(Value::as_str).unwrap_or(&id);
        // A URL's object id is the SHA-256 of the URL, which is what the GUI takes.
        let details = json!({
            "malicious": malicious,
            "suspicious": suspicious,
            "harmless": count(&stats, "harmless"),
            "undetected": count(&stats, "undetected"),
            "reputation": attributes.get("reputation").cloned().unwrap_or(Value::Null),
            "name": attributes.get("meaningful_name").cloned().unwrap_or(Value::Null),
        });
        Ok(TiAnswer {
            found: true,
            severity,
            details,
            reference: format!("https://www.virustotal.com/gui/{gui}/{vt_id}"),
            raw,
        })
    }
}

fn vt_search_term(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------

/// AlienVault OTX: `GET /api/v1/indicators/{section}/{value}/general`, header
/// `X-OTX-API-KEY`.
#[derive(Debug)]
pub struct Otx {
    rest: Rest,
}

impl Otx {
    /// The public endpoint.
    pub const BASE_URL: &'static str = "https://otx.alienvault.com";

    /// A client (default rate 2 requests a second).
    pub fn new(options: RestOptions) -> Result<Otx, SectoolsError> {
        Ok(Otx {
            rest: Rest::new("OTX", options, Self::BASE_URL, 2.0, true)?,
        })
    }
}

impl TiProvider for Otx {
    fn name(&self) -> &str {
        "OTX"
    }

    fn supports(&self, t: &IocType) -> bool {
        matches!(
            t,
            IocType::Ipv4
                | IocType::Ipv6
                | IocType::Dns
                | IocType::Url
                | IocType::Md5Hash
                | IocType::Sha1Hash
                | IocType::Sha256Hash
        )
    }

    fn concurrency(&self) -> usize {
        self.rest.concurrency
    }

    fn lookup(&self, obs: &Observable, ctx: &LookupContext<'_>) -> Result<TiAnswer, SectoolsError> {
        let (section, page) = match obs.ioc_type {
            IocType::Ipv4 => ("IPv4", "ip"),
            IocType::Ipv6 => ("IPv6", "ip"),
            IocType::Dns => ("domain", "domain"),
            IocType::Url => ("url", "url"),
            _ => ("file", "file"),
        };
        let value = vt_search_term(&obs.value);
        let reference = format!("https://otx.alienvault.com/indicator/{page}/{value}");
        let request = Request::get(format!(
            "{}/api/v1/indicators/{section}/{value}/general",
            self.rest.base
        ))
        .secret_header("X-OTX-API-KEY", &self.rest.key());
        let Some(raw) = self.rest.get_json(request, ctx)? else {
            return Ok(TiAnswer::not_found(reference));
        };
        let pulse_info = raw
            .get("pulse_info")
            .ok_or_else(|| self.rest.missing("pulse_info"))?;
        let pulses = pulse_info
            .get("pulses")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let n = pulse_info
            .get("count")
            .and_then(Value::as_i64)
            .unwrap_or(pulses.len() as i64);
        let names: Vec<&str> = pulses
            .iter()
            .filter_map(|p| p.get("name").and_then(Value::as_str))
            .take(5)
            .collect();
        let severity = match n {
            0 => Severity::Information,
            1 => Severity::Warning,
            _ => Severity::High,
        };
        Ok(TiAnswer {
            found: n > 0,
            severity,
            details: json!({"pulse_count": n, "pulses": names}),
            reference,
            raw,
        })
    }
}

// ---------------------------------------------------------------------------------

/// AbuseIPDB v2: `GET /check?ipAddress=&maxAgeInDays=90`, header `Key`.
#[derive(Debug)]
pub struct AbuseIpDb {
    rest: Rest,
}

impl AbuseIpDb {
    /// The public endpoint.
    pub const BASE_URL: &'static str = "https://api.abuseipdb.com/api/v2";

    /// A client (default rate 1 request a second).
    pub fn new(options: RestOptions) -> Result<AbuseIpDb, SectoolsError> {
        Ok(AbuseIpDb {
            rest: Rest::new("AbuseIPDB", options, Self::BASE_URL, 1.0, true)?,
        })
    }
}

impl TiProvider for AbuseIpDb {
    fn name(&self) -> &str {
        "AbuseIPDB"
    }

    fn supports(&self, t: &IocType) -> bool {
        matches!(t, IocType::Ipv4 | IocType::Ipv6)
    }

    fn concurrency(&self) -> usize {
        self.rest.concurrency
    }

    fn lookup(&self, obs: &Observable, ctx: &LookupContext<'_>) -> Result<TiAnswer, SectoolsError> {
        let reference = format!("https://www.abuseipdb.com/check/{}", obs.value);
        let request = Request::get(format!("{}/check", self.rest.base))
            .query("ipAddress", &obs.value)
            .query("maxAgeInDays", "90")
            .header("Accept", "application/json")
            .secret_header("Key", &self.rest.key());
        let Some(raw) = self.rest.get_json(request, ctx)? else {
            return Ok(TiAnswer::not_found(reference));
        };
        let data = raw.get("data").ok_or_else(|| self.rest.missing("data"))?;
        let score = data
            .get("abuseConfidenceScore")
            .and_then(Value::as_i64)
            .ok_or_else(|| self.rest.missing("data.abuseConfidenceScore"))?;
        let reports = count(data, "totalReports");
        let severity = if score >= 75 {
            Severity::High
        } else if score >= 25 {
            Severity::Warning
        } else {
            Severity::Information
        };
        let pick = |k: &str| data.get(k).cloned().unwrap_or(Value::Null);
        Ok(TiAnswer {
            found: reports > 0 || score > 0,
            severity,
            details: json!({
                "abuse_confidence": score,
                "total_reports": reports,
                "country": pick("countryCode"),
                "isp": pick("isp"),
                "usage": pick("usageType"),
            }),
            reference,
            raw,
        })
    }
}

// ---------------------------------------------------------------------------------

/// GreyNoise community API: `GET /v3/community/{ip}`, header `key`.
#[derive(Debug)]
pub struct GreyNoise {
    rest: Rest,
}

impl GreyNoise {
    /// The public endpoint.
    pub const BASE_URL: &'static str = "https://api.greynoise.io";

    /// A client (default rate 1 request a second).
    pub fn new(options: RestOptions) -> Result<GreyNoise, SectoolsError> {
        Ok(GreyNoise {
            rest: Rest::new("GreyNoise", options, Self::BASE_URL, 1.0, true)?,
        })
    }
}

impl TiProvider for GreyNoise {
    fn name(&self) -> &str {
        "GreyNoise"
    }

    fn supports(&self, t: &IocType) -> bool {
        matches!(t, IocType::Ipv4)
    }

    fn concurrency(&self) -> usize {
        self.rest.concurrency
    }

    fn lookup(&self, obs: &Observable, ctx: &LookupContext<'_>) -> Result<TiAnswer, SectoolsError> {
        let reference = format!("https://viz.greynoise.io/ip/{}", obs.value);
        let request = Request::get(format!("{}/v3/community/{}", self.rest.base, obs.value))
            .header("Accept", "application/json")
            .secret_header("key", &self.rest.key());
        let Some(raw) = self.rest.get_json(request, ctx)? else {
            // 404 means "not observed scanning the internet".
            return Ok(TiAnswer::not_found(reference));
        };
        let classification = raw
            .get("classification")
            .and_then(Value::as_str)
            .unwrap_or("unknown");
        let noise = raw.get("noise").and_then(Value::as_bool).unwrap_or(false);
        let riot = raw.get("riot").and_then(Value::as_bool).unwrap_or(false);
        let severity = match classification {
            "malicious" => Severity::High,
            "benign" => Severity::Information,
            _ if riot => Severity::Information,
            _ if noise => Severity::Warning,
            _ => Severity::Information,
        };
        let reference = raw
            .get("link")
            .and_then(Value::as_str)
            .map_or(reference, str::to_string);
        Ok(TiAnswer {
            found: noise || riot,
            severity,
            details: json!({
                "classification": classification,
                "noise": noise,
                "riot": riot,
                "name": raw.get("name").cloned().unwrap_or(Value::Null),
                "last_seen": raw.get("last_seen").cloned().unwrap_or(Value::Null),
            }),
            reference,
            raw,
        })
    }
}

// ---------------------------------------------------------------------------------

/// Tor exit nodes: the bulk exit list (one address a line), downloaded once per
/// provider on first use.
#[derive(Debug)]
pub struct TorExitNodes {
    rest: Rest,
    url: String,
    /// The list, once downloaded; a failed download is retried by the next lookup.
    nodes: Mutex<Option<Arc<rustc_hash::FxHashSet<std::net::IpAddr>>>>,
}

impl TorExitNodes {
    /// The Tor Project's list.
    pub const LIST_URL: &'static str = "https://check.torproject.org/torbulkexitlist";

    /// A provider; `options.base_url` replaces the whole list URL.
    pub fn new(options: RestOptions) -> Result<TorExitNodes, SectoolsError> {
        let url = options
            .base_url
            .clone()
            .unwrap_or_else(|| Self::LIST_URL.to_string());
        Ok(TorExitNodes {
            rest: Rest::new("Tor", options, Self::LIST_URL, 10.0, false)?,
            url,
            nodes: Mutex::new(None),
        })
    }

    fn nodes(
        &self,
        ctx: &LookupContext<'_>,
    ) -> Result<Arc<rustc_hash::FxHashSet<std::net::IpAddr>>, SectoolsError> {
        let mut nodes = self.nodes.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(set) = nodes.as_ref() {
            return Ok(Arc::clone(set));
        }
        let resp = ctx
            .send(&self.rest.client, &Request::get(&self.url))
            .map_err(|e| match e {
                SectoolsError::Interrupted(i) => SectoolsError::Interrupted(i),
                other => SectoolsError::Lookup {
                    name: "the Tor exit-node list".into(),
                    message: other.to_string(),
                },
            })?;
        let set: Arc<rustc_hash::FxHashSet<std::net::IpAddr>> = Arc::new(
            resp.text()
                .lines()
                .filter_map(|l| l.trim().parse().ok())
                .collect(),
        );
        *nodes = Some(Arc::clone(&set));
        Ok(set)
    }
}

impl TiProvider for TorExitNodes {
    fn name(&self) -> &str {
        "Tor"
    }

    fn supports(&self, t: &IocType) -> bool {
        matches!(t, IocType::Ipv4 | IocType::Ipv6)
    }

    fn concurrency(&self) -> usize {
        // One list download serves every lookup; more threads would only wait on it.
        1
    }

    fn lookup(&self, obs: &Observable, ctx: &LookupContext<'_>) -> Result<TiAnswer, SectoolsError> {
        let ip: std::net::IpAddr = obs.value.parse().map_err(|_| {
            SectoolsError::InvalidInput(format!("{:?} is not an IP address", obs.value))
        })?;
        let reference = format!("https://metrics.torproject.org/rs.html#search/{ip}");
        if self.nodes(ctx)?.contains(&ip) {
            Ok(TiAnswer {
                found: true,
                severity: Severity::Warning,
                details: json!("Tor exit node"),
                reference,
                raw: Value::Null,
            })
        } else {
            Ok(TiAnswer::not_found(reference))
        }
    }
}
