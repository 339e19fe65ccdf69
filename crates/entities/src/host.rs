use serde::{Deserialize, Serialize};

/// A computer: the `Host` entity of Sentinel alerts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Host {
    /// Short host name (`web01`).
    pub host_name: String,
    /// DNS domain (`contoso.com`), if known.
    pub dns_domain: Option<String>,
}

impl Host {
    /// Splits a fully qualified name at its first dot.
    pub fn from_fqdn(fqdn: &str) -> Host {
        match fqdn.trim().split_once('.') {
            Some((name, domain)) if !domain.is_empty() => Host {
                host_name: name.to_owned(),
                dns_domain: Some(domain.to_owned()),
            },
            _ => Host {
                host_name: fqdn.trim().trim_end_matches('.').to_owned(),
                dns_domain: None,
            },
        }
    }

    /// `host_name.dns_domain`, or the bare name when the domain is unknown.
    pub fn fqdn(&self) -> String {
        match &self.dns_domain {
            Some(domain) => format!("{}.{domain}", self.host_name),
            None => self.host_name.clone(),
        }
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
