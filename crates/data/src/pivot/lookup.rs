//! Running an entity's enrichment lookups (`sectools::enrich` and the transforms) as a
//! one-row-per-answer DataFrame.

use polars::prelude::*;
use sectools::enrich::{
    DnsResolver, MaxMindGeoIp, Rdap, TiLookup, geo_df, url_components, validate_domain,
};
use sectools::{B64Unpacker, IocExtractor, Settings};

use crate::DataError;

fn frame(columns: Vec<Column>) -> Result<DataFrame, DataError> {
    DataFrame::new_infer_height(columns).map_err(|e| DataError::Unsupported(e.to_string()))
}

fn text_frame(value: &str) -> Result<DataFrame, DataError> {
    frame(vec![Column::new("Input".into(), [value])])
}

/// Runs lookup `name` on `value` with the settings in msticpyconfig.yaml.
pub(super) fn run(name: &str, value: &str) -> Result<DataFrame, DataError> {
    let settings = || Settings::load().map_err(DataError::from);
    Ok(match name {
        "ti_lookup" => {
            let (lookup, notes) = TiLookup::from_settings(&settings()?);
            if lookup.provider_names().is_empty() {
                return Err(DataError::Provider(format!(
                    "no threat-intelligence provider is configured (TIProviders in \
                     msticpyconfig.yaml; see docs/enrichment.md){}",
                    if notes.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", notes.join("; "))
                    }
                )));
            }
            lookup.lookup_iocs(&[(value, None)])?.to_df()?
        }
        "geoip" => geo_df(&MaxMindGeoIp::from_settings(&settings()?)?, &[value])?,
        "whois" => Rdap::from_settings(&settings()?)?.whois_df(&[value])?,
        "dns_resolve" => DnsResolver::from_settings(&settings()?)?.resolve_df(&[value])?,
        "dns_reverse" => DnsResolver::from_settings(&settings()?)?.reverse_df(&[value])?,
        "ip_type" => {
            let address: std::net::IpAddr = value.trim().parse().map_err(|_| {
                DataError::Unsupported(format!("ip_type: `{value}` is not an IP address"))
            })?;
            let scope = format!("{:?}", sectools::classify_ip(address));
            frame(vec![
                Column::new("Ip".into(), [value]),
                Column::new("IpType".into(), [scope]),
            ])?
        }
        "domain_validate" => {
            let check = validate_domain(value);
            frame(vec![
                Column::new("Domain".into(), [check.domain.clone()]),
                Column::new("ValidSyntax".into(), [check.valid_syntax]),
                Column::new("Suffix".into(), [check.suffix.clone()]),
                Column::new("Registrable".into(), [check.registrable.clone()]),
                Column::new("Entropy".into(), [sectools::enrich::domain_entropy(value)]),
            ])?
        }
        "url_components" => {
            let parts = url_components(value)?;
            frame(vec![
                Column::new("Url".into(), [value]),
                Column::new("Scheme".into(), [parts.scheme]),
                Column::new("Host".into(), [parts.host]),
                Column::new("Port".into(), [parts.port.map(u32::from)]),
                Column::new("Path".into(), [parts.path]),
                Column::new("Domain".into(), [parts.domain]),
                Column::new("Suffix".into(), [parts.suffix]),
            ])?
        }
        "extract_iocs" => IocExtractor::new().extract_df(&text_frame(value)?, &["Input"])?,
        "b64decode" => B64Unpacker::default().unpack_df(&text_frame(value)?, "Input")?,
        other => {
            return Err(DataError::Unsupported(format!(
                "no lookup called `{other}`"
            )));
        }
    })
}
