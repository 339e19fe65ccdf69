//! [`Host`]: a computer.

use crate::EntitySet;
use crate::entity::non_empty;

entity_struct! {
    /// A computer: the `host` entity of Sentinel alerts.
    #[derive(Default)]
    pub struct Host {
        /// Short host name (`web01`); empty when not given.
        host_name: String = "HostName",
        /// DNS domain (`contoso.com`), if known.
        dns_domain: Option<String> = "DnsDomain",
        /// NT domain (`CONTOSO`), if known.
        nt_domain: Option<String> = "NTDomain",
        /// NetBIOS name.
        net_bios_name: Option<String> = "NetBiosName",
        /// Operating system family: `Windows`, `Linux`, ...
        os_family: Option<String> = "OSFamily",
        /// Operating system version.
        os_version: Option<String> = "OSVersion",
        /// Whether the host is joined to a domain.
        is_domain_joined: Option<bool> = "IsDomainJoined",
        /// Azure resource id of the VM.
        azure_id: Option<String> = "AzureID",
        /// Log Analytics agent id.
        oms_agent_id: Option<String> = "OMSAgentID",
        /// Defender for Endpoint device id.
        device_id: Option<String> = "DeviceId",
    }
}

impl Host {
    /// Splits a fully qualified name at its first dot.
    pub fn from_fqdn(fqdn: &str) -> Host {
        let fqdn = fqdn.trim();
        match fqdn.split_once('.') {
            Some((name, domain)) if !domain.is_empty() => Host {
                host_name: name.to_owned(),
                dns_domain: Some(domain.to_owned()),
                ..Host::default()
            },
            _ => Host {
                host_name: fqdn.trim_end_matches('.').to_owned(),
                ..Host::default()
            },
        }
    }

    /// `host_name.dns_domain`, or the bare name when the domain is unknown.
    pub fn fqdn(&self) -> String {
        match non_empty(&self.dns_domain) {
            Some(domain) => format!("{}.{domain}", self.host_name),
            None => self.host_name.clone(),
        }
    }

    /// Whether `os_family` says Linux (case-insensitively).
    pub fn is_linux(&self) -> bool {
        self.os_family
            .as_deref()
            .is_some_and(|family| family.eq_ignore_ascii_case("linux"))
    }

    pub(crate) fn title(&self, _set: &EntitySet) -> String {
        if self.host_name.is_empty() {
            return non_empty(&self.net_bios_name)
                .or(non_empty(&self.azure_id))
                .or(non_empty(&self.device_id))
                .unwrap_or_default()
                .to_owned();
        }
        self.fqdn()
    }
}

impl std::fmt::Display for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.fqdn())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fqdn_round_trips() {
        for (input, name, domain) in [
            ("web01.contoso.com", "web01", Some("contoso.com")),
            ("web01", "web01", None),
            ("web01.", "web01", None),
        ] {
            let host = Host::from_fqdn(input);
            assert_eq!(host.host_name, name, "{input}");
            assert_eq!(host.dns_domain.as_deref(), domain, "{input}");
        }
        assert_eq!(Host::from_fqdn("a.b.c").fqdn(), "a.b.c");
    }
}
