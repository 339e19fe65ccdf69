use serde::{Deserialize, Serialize};

use crate::EntityError;

/// A user or service account: the `Account` entity of Sentinel alerts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Account {
    /// Account name without domain (`alice`).
    pub name: String,
    /// NT domain (`CONTOSO`) or UPN suffix (`contoso.com`), if known.
    pub domain: Option<String>,
}

impl Account {
    /// Parses `DOMAIN\name`, `name@domain` or a bare `name`.
    pub fn parse(text: &str) -> Result<Account, EntityError> {
        let text = text.trim();
        let (name, domain) = if let Some((domain, name)) = text.split_once('\\') {
            (name, Some(domain))
        } else if let Some((name, domain)) = text.rsplit_once('@') {
            (name, Some(domain))
        } else {
            (text, None)
        };
        if name.is_empty() {
            return Err(EntityError::EmptyName("account"));
        }
        Ok(Account {
            name: name.to_owned(),
            domain: domain.filter(|d| !d.is_empty()).map(str::to_owned),
        })
    }
}

impl std::fmt::Display for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.domain {
            Some(domain) => write!(f, "{domain}\\{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        let cases = [
            ("CONTOSO\\alice", "alice", Some("CONTOSO")),
            ("alice@contoso.com", "alice", Some("contoso.com")),
            ("alice", "alice", None),
        ];
        for (input, name, domain) in cases {
            let account = Account::parse(input).expect(input);
            assert_eq!(
                (account.name.as_str(), account.domain.as_deref()),
                (name, domain)
            );
        }
        assert_eq!(
            Account::parse("CONTOSO\\"),
            Err(EntityError::EmptyName("account"))
        );
    }
}
