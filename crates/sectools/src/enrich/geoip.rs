//! GeoIP: MaxMind `.mmdb` databases (City, Country, ASN) and IPStack's REST API, both
//! giving [`entities::GeoLocation`].
//!
//! [`MaxMindGeoIp::from_settings`] reads `OtherProviders.GeoIPLite.Args.DBFolder`
//! (msticpy's layout: `GeoLite2-City.mmdb` and optionally `GeoLite2-ASN.mmdb` in that
//! folder; default `~/.msticpy`). huntrs does not download databases: put the files
//! there (MaxMind's `geoipupdate` does).

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use entities::GeoLocation;
use maxminddb::{Reader, geoip2};
use polars::prelude::*;
use serde_json::Value;

use crate::error::SectoolsError;
use crate::http::{HttpClient, HttpConfig, Request};
use crate::secret::Secret;
use crate::settings::{Settings, expand_home};

/// A source of locations for IP addresses.
pub trait GeoIpLookup {
    /// Name for messages (`MaxMind`, `IPStack`).
    fn name(&self) -> &str;
    /// The location of `ip`; `Ok(None)` when the source has none (private addresses,
    /// unknown ranges).
    fn lookup(&self, ip: IpAddr) -> Result<Option<GeoLocation>, SectoolsError>;
}

/// MaxMind databases opened in memory.
pub struct MaxMindGeoIp {
    location: Option<(PathBuf, Reader<Vec<u8>>)>,
    asn: Option<(PathBuf, Reader<Vec<u8>>)>,
}

impl std::fmt::Debug for MaxMindGeoIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaxMindGeoIp")
            .field("location", &self.location.as_ref().map(|l| &l.0))
            .field("asn", &self.asn.as_ref().map(|l| &l.0))
            .finish()
    }
}

/// File names looked for in a database folder, best first.
const LOCATION_FILES: [&str; 4] = [
    "GeoLite2-City.mmdb",
    "GeoIP2-City.mmdb",
    "GeoLite2-Country.mmdb",
    "GeoIP2-Country.mmdb",
];
const ASN_FILES: [&str; 2] = ["GeoLite2-ASN.mmdb", "GeoIP2-ASN.mmdb"];

fn open(path: &Path) -> Result<(PathBuf, Reader<Vec<u8>>), SectoolsError> {
    Reader::open_readfile(path)
        .map(|r| (path.to_path_buf(), r))
        .map_err(|e| SectoolsError::Lookup {
            name: path.display().to_string(),
            message: format!("not a readable MaxMind database: {e}"),
        })
}

impl MaxMindGeoIp {
    /// Opens explicit files: a City or Country database and/or an ASN database.
    pub fn from_files(
        location: Option<&Path>,
        asn: Option<&Path>,
    ) -> Result<MaxMindGeoIp, SectoolsError> {
        if location.is_none() && asn.is_none() {
            return Err(SectoolsError::NotConfigured {
                what: "GeoIP database".into(),
                hint: "give the path of a GeoLite2-City.mmdb or GeoLite2-ASN.mmdb file".into(),
            });
        }
        Ok(MaxMindGeoIp {
            location: location.map(open).transpose()?,
            asn: asn.map(open).transpose()?,
        })
    }

    /// Opens the databases found in `folder` (see the module docs for the names).
    pub fn open_folder(folder: &Path) -> Result<MaxMindGeoIp, SectoolsError> {
        let find = |names: &[&str]| names.iter().map(|n| folder.join(n)).find(|p| p.is_file());
        let (location, asn) = (find(&LOCATION_FILES), find(&ASN_FILES));
        if location.is_none() && asn.is_none() {
            return Err(SectoolsError::NotConfigured {
                what: "GeoIP database".into(),
                hint: format!(
                    "no {} or {} in {}; download them from MaxMind (geoipupdate) into that \
                     folder, or set OtherProviders.GeoIPLite.Args.DBFolder",
                    LOCATION_FILES[0],
                    ASN_FILES[0],
                    folder.display()
                ),
            });
        }
        MaxMindGeoIp::from_files(location.as_deref(), asn.as_deref())
    }

    /// The folder named by `OtherProviders.GeoIPLite.Args.DBFolder` (default
    /// `~/.msticpy`, as msticpy).
    pub fn from_settings(settings: &Settings) -> Result<MaxMindGeoIp, SectoolsError> {
        let folder = match settings.other_provider("GeoIPLite") {
            Some(entry) => entry.arg("DBFolder")?,
            None => None,
        };
        let folder = folder.unwrap_or_else(|| "~/.msticpy".to_string());
        MaxMindGeoIp::open_folder(&expand_home(&folder))
    }

    /// The location part of a lookup, without allocating the entity (fast path).
    fn location(&self, ip: IpAddr) -> Result<Option<GeoLocation>, SectoolsError> {
        let err = |e: maxminddb::MaxMindDbError| SectoolsError::Lookup {
            name: ip.to_string(),
            message: e.to_string(),
        };
        let mut geo: Option<GeoLocation> = None;
        if let Some((_, reader)) = &self.location
            && let Some(city) = reader
                .lookup(ip)
                .map_err(err)?
                .decode::<geoip2::City<'_>>()
                .map_err(err)?
        {
            let number = |v: Option<f64>| v.and_then(serde_json::Number::from_f64);
            geo = Some(GeoLocation {
                country_code: city.country.iso_code.map(str::to_string),
                country_name: city.country.names.english.map(str::to_string),
                country_or_region_name: city.country.names.english.map(str::to_string),
                state: city
                    .subdivisions
                    .first()
                    .and_then(|s| s.names.english)
                    .map(str::to_string),
                city: city.city.names.english.map(str::to_string),
                longitude: number(city.location.longitude),
                latitude: number(city.location.latitude),
                ..GeoLocation::default()
            });
        }
        if let Some((_, reader)) = &self.asn
            && let Some(asn) = reader
                .lookup(ip)
                .map_err(err)?
                .decode::<geoip2::Asn<'_>>()
                .map_err(err)?
        {
            let g = geo.get_or_insert_with(GeoLocation::default);
            g.asn = asn.autonomous_system_number.map(Value::from);
            if let Some(org) = asn.autonomous_system_organization {
                g.extra.insert("AsnOrg".into(), Value::from(org));
            }
        }
        Ok(geo)
    }
}

impl GeoIpLookup for MaxMindGeoIp {
    fn name(&self) -> &str {
        "MaxMind"
    }

    fn lookup(&self, ip: IpAddr) -> Result<Option<GeoLocation>, SectoolsError> {
        self.location(ip)
    }
}

/// IPStack (`GET {base}/{ip}?access_key=KEY`); the key is never shown.
#[derive(Debug)]
pub struct IpStack {
    client: HttpClient,
    base: String,
    key: Secret,
}

impl IpStack {
    /// The public endpoint (the free plan is HTTP only).
    pub const BASE_URL: &'static str = "http://api.ipstack.com";

    /// A client; `base_url` `None` uses the public endpoint.
    pub fn new(
        key: Secret,
        base_url: Option<&str>,
        http: HttpConfig,
    ) -> Result<IpStack, SectoolsError> {
        if key.is_empty() {
            return Err(SectoolsError::NotConfigured {
                what: "IPStack API key".into(),
                hint: "set OtherProviders.IPStack.Args.AuthKey".into(),
            });
        }
        Ok(IpStack {
            client: HttpClient::new(http)?,
            base: base_url
                .unwrap_or(Self::BASE_URL)
                .trim_end_matches('/')
                .to_string(),
            key,
        })
    }

    /// From `OtherProviders.IPStack` (`Args.AuthKey`, optional `Args.BaseUrl`).
    pub fn from_settings(settings: &Settings) -> Result<IpStack, SectoolsError> {
        let entry =
            settings
                .other_provider("IPStack")
                .ok_or_else(|| SectoolsError::NotConfigured {
                    what: "IPStack".into(),
                    hint: "add OtherProviders.IPStack.Args.AuthKey to msticpyconfig.yaml".into(),
                })?;
        let key = entry.require_secret("AuthKey")?;
        IpStack::new(key, entry.arg("BaseUrl")?.as_deref(), HttpConfig::default())
    }
}

impl GeoIpLookup for IpStack {
    fn name(&self) -> &str {
        "IPStack"
    }

    fn lookup(&self, ip: IpAddr) -> Result<Option<GeoLocation>, SectoolsError> {
        let request = Request::get(format!("{}/{ip}", self.base))
            .secret_query("access_key", &self.key)
            .query("output", "json");
        let value: Value = self.client.send(request)?.json()?;
        if value.get("success").and_then(Value::as_bool) == Some(false) {
            let error = value.get("error");
            let field = |k: &str| {
                error
                    .and_then(|e| e.get(k))
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .unwrap_or_default()
            };
            return Err(SectoolsError::Lookup {
                name: ip.to_string(),
                message: self.key.scrub(&format!(
                    "IPStack refused: {} {}",
                    field("type"),
                    field("info")
                )),
            });
        }
        let text = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_string);
        let number = |k: &str| {
            value
                .get(k)
                .and_then(Value::as_f64)
                .and_then(serde_json::Number::from_f64)
        };
        if text("country_code").is_none() && number("latitude").is_none() {
            return Ok(None);
        }
        Ok(Some(GeoLocation {
            country_code: text("country_code"),
            country_name: text("country_name"),
            country_or_region_name: text("country_name"),
            state: text("region_name"),
            city: text("city"),
            longitude: number("longitude"),
            latitude: number("latitude"),
            asn: value
                .get("connection")
                .and_then(|c| c.get("asn"))
                .cloned()
                .filter(|v| !v.is_null()),
            ..GeoLocation::default()
        }))
    }
}

/// [`geo_df`] over a column of a frame (cast to text; nulls are skipped).
pub fn geo_df_column(
    source: &dyn GeoIpLookup,
    df: &DataFrame,
    column: &str,
) -> Result<DataFrame, SectoolsError> {
    let values = crate::enrich::str_column(df, column)?;
    let ips: Vec<&str> = values.iter().flatten().collect();
    geo_df(source, &ips)
}

/// Looks up every address and returns a frame: `IpAddress, CountryCode, CountryName,
/// State, City, Latitude, Longitude, Asn, Status` (`ok`, `no data`, `not an IP
/// address`, or the error). One failure does not stop the others; an interrupt does.
pub fn geo_df(source: &dyn GeoIpLookup, ips: &[&str]) -> Result<DataFrame, SectoolsError> {
    let n = ips.len();
    let mut cols: [Vec<Option<String>>; 5] = Default::default();
    let mut lat = Vec::with_capacity(n);
    let mut lon = Vec::with_capacity(n);
    let mut asn: Vec<Option<String>> = Vec::with_capacity(n);
    let mut status = Vec::with_capacity(n);
    let mut progress = crate::runtime::Progress::start("GeoIP lookups", n as u64);
    for (i, text) in ips.iter().enumerate() {
        if i % 256 == 255 {
            crate::runtime::check_interrupt()?;
            progress.advance(256, source.name());
        }
        let found = match text.trim().parse::<IpAddr>() {
            Err(_) => Err("not an IP address".to_string()),
            Ok(ip) => match source.lookup(ip) {
                Ok(g) => Ok(g),
                Err(SectoolsError::Interrupted(i)) => return Err(i.into()),
                Err(e) => Err(e.to_string()),
            },
        };
        let (geo, s) = match found {
            Ok(Some(g)) => (Some(g), "ok".to_string()),
            Ok(None) => (None, "no data".to_string()),
            Err(e) => (None, e),
        };
        let g = geo.unwrap_or_default();
        cols[0].push(Some(text.to_string()));
        cols[1].push(g.country_code);
        cols[2].push(g.country_name);
        cols[3].push(g.state);
        cols[4].push(g.city);
        lat.push(g.latitude.as_ref().and_then(serde_json::Number::as_f64));
        lon.push(g.longitude.as_ref().and_then(serde_json::Number::as_f64));
        asn.push(
            g.asn
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)),
        );
        status.push(s);
    }
    let names = ["IpAddress", "CountryCode", "CountryName", "State", "City"];
    let mut columns: Vec<Column> = names
        .iter()
        .zip(cols)
        .map(|(name, values)| Column::new((*name).into(), values))
        .collect();
    columns.push(Column::new("Latitude".into(), lat));
    columns.push(Column::new("Longitude".into(), lon));
    columns.push(Column::new("Asn".into(), asn));
    columns.push(Column::new("Status".into(), status));
    Ok(DataFrame::new(n, columns)?)
}
