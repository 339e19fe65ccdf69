//! [`IpAddress`] with its [`IpScope`], and [`GeoLocation`].

use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::entity::non_empty;
use crate::{EntityError, EntityId, EntitySet};

entity_struct! {
    /// An IP address seen in the data: the `ip` entity of Sentinel alerts.
    pub struct IpAddress {
        /// The parsed address (required in JSON).
        address: IpAddr = "Address",
        /// Where the address is (an inline `Location` object in Sentinel).
        location: Option<EntityId> = "Location" => GeoLocation,
        /// Threat intelligence about the address.
        threat_intelligence: Option<Vec<EntityId>> = "ThreatIntelligence" => ThreatIntelligence,
    }
}

entity_struct! {
    /// Where an IP address is: an IP entity's `Location`, or a `geolocation` entity.
    #[derive(Default)]
    pub struct GeoLocation {
        /// ISO country code (`US`).
        country_code: Option<String> = "CountryCode",
        /// Country name as Sentinel writes it.
        country_name: Option<String> = "CountryName",
        /// Country or region name as msticpy writes it.
        country_or_region_name: Option<String> = "CountryOrRegionName",
        /// State or province.
        state: Option<String> = "State",
        /// City.
        city: Option<String> = "City",
        /// Longitude in degrees (kept as the JSON number given).
        longitude: Option<serde_json::Number> = "Longitude",
        /// Latitude in degrees (kept as the JSON number given).
        latitude: Option<serde_json::Number> = "Latitude",
        /// Autonomous system number (a number or a string, as given).
        asn: Option<serde_json::Value> = "Asn",
    }
}

impl IpAddress {
    /// An IP entity with just an address.
    pub fn new(address: IpAddr) -> IpAddress {
        IpAddress {
            address,
            location: None,
            threat_intelligence: None,
            extra: Default::default(),
        }
    }

    pub(crate) fn title(&self, _set: &EntitySet) -> String {
        self.address.to_string()
    }
}

impl Default for IpAddress {
    /// `0.0.0.0`, for filling in with struct update syntax.
    fn default() -> Self {
        IpAddress::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }
}

impl GeoLocation {
    /// Latitude as a float.
    pub fn latitude_f64(&self) -> Option<f64> {
        self.latitude.as_ref().and_then(serde_json::Number::as_f64)
    }

    /// Longitude as a float.
    pub fn longitude_f64(&self) -> Option<f64> {
        self.longitude.as_ref().and_then(serde_json::Number::as_f64)
    }

    pub(crate) fn title(&self, _set: &EntitySet) -> String {
        [&self.city, &self.state, &self.country_code]
            .into_iter()
            .filter_map(non_empty)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Where an address can be routed, which decides whether enrichment makes sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IpScope {
    /// Globally routable.
    Public,
    /// RFC 1918 / unique-local addresses.
    Private,
    /// 127.0.0.0/8 and ::1.
    Loopback,
    /// 169.254.0.0/16 and fe80::/10.
    LinkLocal,
    /// Multicast ranges.
    Multicast,
    /// Unspecified, broadcast, documentation and other reserved ranges.
    Reserved,
}

impl IpAddress {
    /// Classifies the address.
    pub fn scope(&self) -> IpScope {
        match self.address {
            IpAddr::V4(v4) => {
                let [a, b, ..] = v4.octets();
                if v4.is_loopback() {
                    IpScope::Loopback
                } else if v4.is_private() || (a == 100 && (64..128).contains(&b)) {
                    IpScope::Private
                } else if v4.is_link_local() {
                    IpScope::LinkLocal
                } else if v4.is_multicast() {
                    IpScope::Multicast
                } else if v4.is_unspecified()
                    || v4.is_broadcast()
                    || v4.is_documentation()
                    || a == 0
                    || a >= 240
                {
                    IpScope::Reserved
                } else {
                    IpScope::Public
                }
            }
            IpAddr::V6(v6) => {
                let first = v6.segments()[0];
                if v6.is_loopback() {
                    IpScope::Loopback
                } else if v6.is_unspecified() || first == 0x2001 && v6.segments()[1] == 0xdb8 {
                    IpScope::Reserved
                } else if v6.is_multicast() {
                    IpScope::Multicast
                } else if first & 0xffc0 == 0xfe80 {
                    IpScope::LinkLocal
                } else if first & 0xfe00 == 0xfc00 {
                    IpScope::Private
                } else {
                    IpScope::Public
                }
            }
        }
    }
}

impl FromStr for IpAddress {
    type Err = EntityError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.trim()
            .parse::<IpAddr>()
            .map(IpAddress::new)
            .map_err(|_| EntityError::InvalidIp(text.to_owned()))
    }
}

impl std::fmt::Display for IpAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.address.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_ranges() {
        let cases = [
            ("8.8.8.8", IpScope::Public),
            ("10.1.2.3", IpScope::Private),
            ("172.16.0.1", IpScope::Private),
            ("192.168.1.1", IpScope::Private),
            ("100.64.0.1", IpScope::Private),
            ("127.0.0.1", IpScope::Loopback),
            ("169.254.1.1", IpScope::LinkLocal),
            ("224.0.0.1", IpScope::Multicast),
            ("0.0.0.0", IpScope::Reserved),
            ("255.255.255.255", IpScope::Reserved),
            ("192.0.2.1", IpScope::Reserved),
            ("::1", IpScope::Loopback),
            ("fe80::1", IpScope::LinkLocal),
            ("fd00::1", IpScope::Private),
            ("ff02::1", IpScope::Multicast),
            ("2001:db8::1", IpScope::Reserved),
            ("2606:4700::1111", IpScope::Public),
        ];
        for (text, scope) in cases {
            let ip: IpAddress = text.parse().expect(text);
            assert_eq!(ip.scope(), scope, "{text}");
        }
    }

    #[test]
    fn rejects_non_addresses() {
        for text in ["999.1.1.1", "12:30:45", "", "example.com"] {
            assert_eq!(
                text.parse::<IpAddress>(),
                Err(EntityError::InvalidIp(text.to_owned()))
            );
        }
    }
}
