//! [`Url`], [`Dns`] and [`NetworkConnection`].

use crate::entity::non_empty;
use crate::{EntityId, EntitySet, IpAddress};

entity_struct! {
    /// A URL: the `url` entity.
    #[derive(Default)]
    pub struct Url {
        /// The URL as written.
        url: Option<String> = "Url",
        /// Verdict of a detonation (sandbox) run.
        detonation_verdict: Option<String> = "DetonationVerdict",
    }
}

entity_struct! {
    /// A DNS resolution: the `dns` entity.
    #[derive(Default)]
    pub struct Dns {
        /// The name resolved.
        domain_name: Option<String> = "DomainName",
        /// The addresses it resolved to.
        ip_addresses: Option<Vec<EntityId>> = "IpAddresses" => IpAddress,
        /// The DNS server asked.
        dns_server_ip: Option<EntityId> = "DnsServerIp" => IpAddress,
        /// The address of the host that asked.
        host_ip_address: Option<EntityId> = "HostIpAddress" => IpAddress,
    }
}

entity_struct! {
    /// A network connection: the `network-connection` entity.
    #[derive(Default)]
    pub struct NetworkConnection {
        /// Source address.
        source_address: Option<EntityId> = "SourceAddress" => IpAddress,
        /// Source port.
        source_port: Option<u16> = "SourcePort",
        /// Destination address.
        destination_address: Option<EntityId> = "DestinationAddress" => IpAddress,
        /// Destination port.
        destination_port: Option<u16> = "DestinationPort",
        /// Protocol (`Tcp`, `Udp`).
        protocol: Option<String> = "Protocol",
    }
}

impl Url {
    pub(crate) fn title(&self, _set: &EntitySet) -> String {
        non_empty(&self.url).unwrap_or_default().to_owned()
    }
}

impl Dns {
    pub(crate) fn title(&self, _set: &EntitySet) -> String {
        non_empty(&self.domain_name).unwrap_or_default().to_owned()
    }
}

impl NetworkConnection {
    pub(crate) fn title(&self, set: &EntitySet) -> String {
        let end = |address: Option<EntityId>, port: Option<u16>| {
            let address = set
                .link_as::<IpAddress>(address)
                .map_or_else(|| "?".to_owned(), |ip| ip.address.to_string());
            match port {
                Some(port) => format!("{address}:{port}"),
                None => address,
            }
        };
        format!(
            "{} -> {}",
            end(self.source_address, self.source_port),
            end(self.destination_address, self.destination_port)
        )
    }
}
