//! DNS (names → addresses, addresses → names) with `hickory-resolver`, and domain and
//! URL checks that need no network.
//!
//! Name servers come from, in order: [`DnsResolver::with_servers`];
//! `OtherProviders.DNS.Args.NameServers` (comma-separated `ip` or `ip:port`);
//! `/etc/resolv.conf`; Cloudflare and Google public DNS.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use polars::prelude::*;

use crate::error::SectoolsError;
use crate::runtime::{self, Interrupted};
use crate::settings::Settings;

/// A blocking DNS resolver on its own small runtime.
pub struct DnsResolver {
    rt: tokio::runtime::Runtime,
    resolver: TokioResolver,
    servers: Vec<SocketAddr>,
}

impl std::fmt::Debug for DnsResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DnsResolver")
            .field("servers", &self.servers)
            .finish()
    }
}

/// Parses `ip`, `ip:port` or `[v6]:port`.
fn parse_server(text: &str) -> Option<SocketAddr> {
    let text = text.trim();
    text.parse::<SocketAddr>().ok().or_else(|| {
        text.parse::<IpAddr>()
            .ok()
            .map(|ip| SocketAddr::new(ip, 53))
    })
}

fn system_servers() -> Vec<SocketAddr> {
    std::fs::read_to_string("/etc/resolv.conf")
        .map(|text| {
            text.lines()
                .filter_map(|l| l.trim().strip_prefix("nameserver"))
                .filter_map(parse_server)
                .collect()
        })
        .unwrap_or_default()
}

impl DnsResolver {
    /// A resolver using these servers (UDP, then TCP for long answers), with a
    /// timeout per query.
    pub fn with_servers(
        servers: &[SocketAddr],
        timeout: Duration,
    ) -> Result<DnsResolver, SectoolsError> {
        if servers.is_empty() {
            return Err(SectoolsError::NotConfigured {
                what: "DNS name server".into(),
                hint: "give at least one server address".into(),
            });
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("huntrs-dns")
            .enable_all()
            .build()
            .map_err(|e| SectoolsError::Lookup {
                name: "DNS".into(),
                message: format!("cannot start the DNS runtime: {e}"),
            })?;
        let name_servers = servers
            .iter()
            .map(|addr| {
                let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
                for c in &mut ns.connections {
                    c.port = addr.port();
                }
                ns
            })
            .collect();
        let config = ResolverConfig::from_name_servers(name_servers);
        let mut builder =
            TokioResolver::builder_with_config(config, TokioRuntimeProvider::default());
        let opts = builder.options_mut();
        opts.timeout = timeout;
        opts.attempts = 2;
        // Answers should come from the configured servers, not /etc/hosts.
        opts.use_hosts_file = ResolveHosts::Never;
        let resolver = {
            let _guard = rt.enter();
            builder.build().map_err(|e| SectoolsError::Lookup {
                name: "DNS".into(),
                message: format!("cannot build the resolver: {e}"),
            })?
        };
        Ok(DnsResolver {
            rt,
            resolver,
            servers: servers.to_vec(),
        })
    }

    /// The servers from settings, `/etc/resolv.conf`, or public DNS (module docs).
    pub fn from_settings(settings: &Settings) -> Result<DnsResolver, SectoolsError> {
        let configured = match settings.other_provider("DNS") {
            Some(e) => e.arg("NameServers")?,
            None => settings.string("OtherProviders.DNS.Args.NameServers")?,
        };
        let mut servers: Vec<SocketAddr> = configured
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter_map(parse_server)
            .collect();
        if servers.is_empty() {
            servers = system_servers();
        }
        if servers.is_empty() {
            servers = ["1.1.1.1:53", "8.8.8.8:53"]
                .iter()
                .filter_map(|s| s.parse().ok())
                .collect();
        }
        DnsResolver::with_servers(&servers, Duration::from_secs(5))
    }

    /// The servers asked.
    pub fn servers(&self) -> &[SocketAddr] {
        &self.servers
    }

    fn run<T>(
        &self,
        name: &str,
        fut: impl std::future::Future<Output = Result<T, hickory_resolver::net::NetError>>,
    ) -> Result<Option<T>, SectoolsError> {
        let result = self.rt.block_on(async {
            tokio::select! {
                r = fut => Some(r),
                _ = async {
                    while !runtime::interrupt_requested() {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                } => None,
            }
        });
        match result {
            None => {
                let _ = runtime::check_interrupt();
                Err(SectoolsError::Interrupted(Interrupted))
            }
            Some(Ok(v)) => Ok(Some(v)),
            Some(Err(e)) if e.is_no_records_found() || e.is_nx_domain() => Ok(None),
            Some(Err(e)) => Err(SectoolsError::Lookup {
                name: name.to_string(),
                message: e.to_string(),
            }),
        }
    }

    /// The addresses of a name (A and AAAA); empty when the name does not exist.
    pub fn resolve(&self, name: &str) -> Result<Vec<IpAddr>, SectoolsError> {
        let name = crate::refang::refang(name.trim());
        // A trailing dot: the name is absolute, no search domains.
        let fqdn = if name.ends_with('.') {
            name.clone()
        } else {
            format!("{name}.")
        };
        let found = self.run(&name, self.resolver.lookup_ip(fqdn.as_str()))?;
        Ok(found.map(|l| l.iter().collect()).unwrap_or_default())
    }

    /// The names of an address (PTR records); empty when there are none.
    pub fn reverse(&self, ip: IpAddr) -> Result<Vec<String>, SectoolsError> {
        let found = self.run(&ip.to_string(), self.resolver.reverse_lookup(ip))?;
        Ok(found
            .map(|l| {
                l.answers()
                    .iter()
                    .filter_map(|r| match &r.data {
                        RData::PTR(ptr) => {
                            Some(ptr.0.to_string().trim_end_matches('.').to_string())
                        }
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Resolves every name: a frame `Name, IpAddresses, Status` (addresses joined by
    /// `, `). Failures are rows with their error; an interrupt stops.
    pub fn resolve_df(&self, names: &[&str]) -> Result<DataFrame, SectoolsError> {
        self.many(names, "Name", |n| {
            self.resolve(n)
                .map(|ips| ips.iter().map(ToString::to_string).collect())
        })
    }

    /// Reverse-resolves every address: a frame `IpAddress, Names, Status`.
    pub fn reverse_df(&self, ips: &[&str]) -> Result<DataFrame, SectoolsError> {
        self.many(ips, "IpAddress", |t| match t.trim().parse::<IpAddr>() {
            Ok(ip) => self.reverse(ip),
            Err(_) => Err(SectoolsError::InvalidInput(format!(
                "{t:?} is not an IP address"
            ))),
        })
    }

    fn many(
        &self,
        inputs: &[&str],
        key: &str,
        f: impl Fn(&str) -> Result<Vec<String>, SectoolsError>,
    ) -> Result<DataFrame, SectoolsError> {
        let mut answers = Vec::with_capacity(inputs.len());
        let mut status = Vec::with_capacity(inputs.len());
        let mut progress = runtime::Progress::start("DNS lookups", inputs.len() as u64);
        for input in inputs {
            match f(input) {
                Ok(list) if list.is_empty() => {
                    answers.push(None);
                    status.push("not found".to_string());
                }
                Ok(list) => {
                    answers.push(Some(list.join(", ")));
                    status.push("ok".to_string());
                }
                Err(SectoolsError::Interrupted(i)) => return Err(i.into()),
                Err(e) => {
                    answers.push(None);
                    status.push(e.to_string());
                }
            }
            progress.advance(1, input);
        }
        let value_name = if key == "Name" {
            "IpAddresses"
        } else {
            "Names"
        };
        Ok(DataFrame::new(
            inputs.len(),
            vec![
                Column::new(
                    key.into(),
                    inputs.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                ),
                Column::new(value_name.into(), answers),
                Column::new("Status".into(), status),
            ],
        )?)
    }
}

/// What the public suffix list says about a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainCheck {
    /// The domain, refanged and lower-cased, without a trailing dot.
    pub domain: String,
    /// Every label is 1–63 letters, digits or hyphens (not at either end) and the whole
    /// is at most 253 characters.
    pub valid_syntax: bool,
    /// The public suffix (`co.uk`), if the list knows it.
    pub suffix: Option<String>,
    /// The registrable domain (`example.co.uk`), if any.
    pub registrable: Option<String>,
}

impl DomainCheck {
    /// Valid syntax under a known public suffix (msticpy's `validate_tld` and more).
    pub fn is_valid(&self) -> bool {
        self.valid_syntax && self.suffix.is_some()
    }
}

/// Checks a domain's syntax and public suffix.
pub fn validate_domain(domain: &str) -> DomainCheck {
    let domain = crate::refang::refang(domain.trim())
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let valid_syntax = !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    let parsed = psl::domain(domain.as_bytes());
    let suffix = psl::suffix(domain.as_bytes())
        .filter(|s| s.is_known() && s.as_bytes().len() < domain.len())
        .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned());
    let registrable = parsed
        .filter(|d| d.suffix().is_known())
        .map(|d| String::from_utf8_lossy(d.as_bytes()).into_owned());
    DomainCheck {
        domain,
        valid_syntax,
        suffix,
        registrable,
    }
}

/// Shannon entropy of the label left of the public suffix (`x8f9q2kz` in
/// `x8f9q2kz.example.com` → of `x8f9q2kz.example`); algorithmically generated names
/// score high (≳ 3.5 bits).
pub fn domain_entropy(domain: &str) -> f64 {
    let check = validate_domain(domain);
    let name = match &check.suffix {
        Some(s) => check
            .domain
            .strip_suffix(s.as_str())
            .unwrap_or(&check.domain)
            .trim_end_matches('.'),
        None => &check.domain,
    };
    crate::enrich::ti::entropy(name)
}

/// The parts of a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlComponents {
    /// `https`
    pub scheme: String,
    /// Host name or address.
    pub host: Option<String>,
    /// Explicit port.
    pub port: Option<u16>,
    /// Path (`/a/b`).
    pub path: String,
    /// Query parameters, decoded, in order.
    pub params: Vec<(String, String)>,
    /// Fragment after `#`.
    pub fragment: Option<String>,
    /// The registrable domain of the host.
    pub domain: Option<String>,
    /// The public suffix of the host.
    pub suffix: Option<String>,
}

/// Splits a (possibly defanged) URL into its parts.
pub fn url_components(url: &str) -> Result<UrlComponents, SectoolsError> {
    let text = crate::refang::refang(url.trim());
    let parsed = reqwest::Url::parse(&text)
        .map_err(|e| SectoolsError::InvalidInput(format!("{text:?} is not a URL: {e}")))?;
    let host = parsed.host_str().map(str::to_string);
    let check = host.as_deref().map(validate_domain);
    Ok(UrlComponents {
        scheme: parsed.scheme().to_string(),
        port: parsed.port(),
        path: parsed.path().to_string(),
        params: parsed
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        fragment: parsed.fragment().map(str::to_string),
        domain: check.as_ref().and_then(|c| c.registrable.clone()),
        suffix: check.and_then(|c| c.suffix),
        host,
    })
}
