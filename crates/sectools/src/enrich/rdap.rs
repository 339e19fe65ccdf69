//! whois for IP addresses over RDAP (RFC 9083 JSON): the network, its registrant, and
//! its origin ASN where the registry says it, plus ASN names from `/autnum/`.
//!
//! The default server is `https://rdap.org`, which redirects to the registry (ARIN,
//! RIPE, APNIC, LACNIC, AFRINIC) that holds the address.

use std::net::IpAddr;

use polars::prelude::*;
use serde_json::Value;

use crate::error::SectoolsError;
use crate::http::{HttpClient, HttpConfig, Request};
use crate::settings::Settings;

/// What RDAP says about an address.
#[derive(Debug, Clone, PartialEq)]
pub struct WhoisInfo {
    /// The address looked up.
    pub ip: IpAddr,
    /// The network's handle (`NET-8-8-8-0-2`).
    pub handle: Option<String>,
    /// The network's name (`GOGL`).
    pub name: Option<String>,
    /// First and last address of the network.
    pub range: Option<(String, String)>,
    /// CIDR blocks (`8.8.8.0/24`).
    pub cidrs: Vec<String>,
    /// Country code, when given.
    pub country: Option<String>,
    /// The registrant's name (the first `registrant` entity's vCard `fn`).
    pub registrant: Option<String>,
    /// Origin AS numbers, where the registry lists them (ARIN's
    /// `arin_originas0_originautnums`).
    pub asns: Vec<u32>,
    /// The server's JSON.
    pub raw: Value,
}

/// An RDAP client.
#[derive(Debug)]
pub struct Rdap {
    client: HttpClient,
    base: String,
}

fn vcard_fn(entity: &Value) -> Option<String> {
    let items = entity.get("vcardArray")?.get(1)?.as_array()?;
    items.iter().find_map(|item| {
        let item = item.as_array()?;
        (item.first()?.as_str()? == "fn")
            .then(|| item.get(3)?.as_str().map(str::to_string))
            .flatten()
    })
}

impl Rdap {
    /// The default server.
    pub const BASE_URL: &'static str = "https://rdap.org";

    /// A client; `base_url` `None` uses [`Rdap::BASE_URL`].
    pub fn new(base_url: Option<&str>, http: HttpConfig) -> Result<Rdap, SectoolsError> {
        Ok(Rdap {
            client: HttpClient::new(http)?,
            base: base_url
                .unwrap_or(Self::BASE_URL)
                .trim_end_matches('/')
                .to_string(),
        })
    }

    /// The server from `OtherProviders.RDAP.Args.BaseUrl` (or its override
    /// `HUNTRS_OTHERPROVIDERS_RDAP_ARGS_BASEURL`), else the default.
    pub fn from_settings(settings: &Settings) -> Result<Rdap, SectoolsError> {
        let base = match settings.other_provider("RDAP") {
            Some(e) => e.arg("BaseUrl")?,
            None => settings.string("OtherProviders.RDAP.Args.BaseUrl")?,
        };
        Rdap::new(base.as_deref(), HttpConfig::default())
    }

    fn get(&self, path: &str) -> Result<Value, SectoolsError> {
        let request = Request::get(format!("{}/{path}", self.base))
            .header("Accept", "application/rdap+json, application/json");
        self.client.send(request)?.json()
    }

    /// whois of one address. Private and reserved addresses are refused before any
    /// request (registries know nothing about them).
    pub fn ip_whois(&self, ip: IpAddr) -> Result<WhoisInfo, SectoolsError> {
        if crate::ioc::classify_ip(ip) != entities::IpScope::Public {
            return Err(SectoolsError::InvalidInput(format!(
                "{ip} is not a public address; registries have no whois for it"
            )));
        }
        let raw = self.get(&format!("ip/{ip}"))?;
        if raw.get("objectClassName").and_then(Value::as_str) != Some("ip network") {
            return Err(SectoolsError::BadResponse {
                host: crate::http::host_of(&self.base),
                message: "the answer is not an RDAP ip network object".into(),
            });
        }
        let text = |k: &str| raw.get(k).and_then(Value::as_str).map(str::to_string);
        let cidrs = raw
            .get("cidr0_cidrs")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|c| {
                        let prefix = c.get("v4prefix").or_else(|| c.get("v6prefix"))?.as_str()?;
                        Some(format!("{prefix}/{}", c.get("length")?.as_u64()?))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let registrant = raw
            .get("entities")
            .and_then(Value::as_array)
            .and_then(|list| {
                list.iter()
                    .filter(|e| {
                        e.get("roles")
                            .and_then(Value::as_array)
                            .is_some_and(|r| r.iter().any(|x| x == "registrant"))
                    })
                    .find_map(vcard_fn)
            });
        let asns = raw
            .get("arin_originas0_originautnums")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(|v| v.as_u64().and_then(|n| u32::try_from(n).ok()))
                    .collect()
            })
            .unwrap_or_default();
        Ok(WhoisInfo {
            ip,
            handle: text("handle"),
            name: text("name"),
            range: text("startAddress").zip(text("endAddress")),
            cidrs,
            country: text("country"),
            registrant,
            asns,
            raw,
        })
    }

    /// The name of an autonomous system (`/autnum/{asn}`: the `name`, and the
    /// registrant's name when given, as `NAME - Registrant`).
    pub fn asn_name(&self, asn: u32) -> Result<String, SectoolsError> {
        let raw = self.get(&format!("autnum/{asn}"))?;
        let name =
            raw.get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| SectoolsError::BadResponse {
                    host: crate::http::host_of(&self.base),
                    message: format!("no name for AS{asn}"),
                })?;
        let registrant = raw
            .get("entities")
            .and_then(Value::as_array)
            .and_then(|l| l.iter().find_map(vcard_fn));
        Ok(match registrant {
            Some(r) if r != name => format!("{name} - {r}"),
            _ => name.to_string(),
        })
    }

    /// whois of many addresses as a frame: `IpAddress, Asn, Network, Cidr, Country,
    /// Registrant, Status`. Failures are rows with their error; an interrupt stops.
    pub fn whois_df(&self, ips: &[&str]) -> Result<DataFrame, SectoolsError> {
        let mut cols: [Vec<Option<String>>; 6] = Default::default();
        let mut status = Vec::with_capacity(ips.len());
        let mut progress = crate::runtime::Progress::start("whois lookups", ips.len() as u64);
        for text in ips {
            let result = text
                .trim()
                .parse::<IpAddr>()
                .map_err(|_| SectoolsError::InvalidInput(format!("{text:?} is not an IP address")))
                .and_then(|ip| self.ip_whois(ip));
            progress.advance(1, text);
            cols[0].push(Some(text.to_string()));
            match result {
                Ok(w) => {
                    cols[1].push(w.asns.first().map(|a| a.to_string()));
                    cols[2].push(w.name);
                    cols[3].push((!w.cidrs.is_empty()).then(|| w.cidrs.join(", ")));
                    cols[4].push(w.country);
                    cols[5].push(w.registrant);
                    status.push("ok".to_string());
                }
                Err(SectoolsError::Interrupted(i)) => return Err(i.into()),
                Err(e) => {
                    for c in &mut cols[1..] {
                        c.push(None);
                    }
                    status.push(e.to_string());
                }
            }
        }
        let names = [
            "IpAddress",
            "Asn",
            "Network",
            "Cidr",
            "Country",
            "Registrant",
        ];
        let mut columns: Vec<Column> = names
            .iter()
            .zip(cols)
            .map(|(n, v)| Column::new((*n).into(), v))
            .collect();
        columns.push(Column::new("Status".into(), status));
        Ok(DataFrame::new(ips.len(), columns)?)
    }
}
