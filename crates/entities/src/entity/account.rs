//! [`Account`]: a user or service account.

use crate::entity::non_empty;
use crate::{EntityError, EntityId, EntitySet};

entity_struct! {
    /// A user or service account: the `account` entity of Sentinel alerts.
    ///
    /// `domain` is the NT domain (`CONTOSO` in `CONTOSO\alice`); a UPN suffix
    /// (`contoso.com` in `alice@contoso.com`) is `upn_suffix`.
    #[derive(Default)]
    pub struct Account {
        /// Account name without domain (`alice`); empty when not given.
        name: String = "Name",
        /// NT domain (`CONTOSO`), if known.
        domain: Option<String> = "NTDomain",
        /// UPN suffix (`contoso.com`), if known.
        upn_suffix: Option<String> = "UPNSuffix",
        /// The host the account belongs to (local accounts).
        host: Option<EntityId> = "Host" => Host,
        /// Windows logon id (`0x3e4`).
        logon_id: Option<String> = "LogonId",
        /// Windows security identifier (`S-1-5-20`).
        sid: Option<String> = "Sid",
        /// Azure AD tenant id.
        aad_tenant_id: Option<String> = "AadTenantId",
        /// Azure AD user (object) id.
        aad_user_id: Option<String> = "AadUserId",
        /// Passport user id.
        puid: Option<String> = "PUID",
        /// Whether the account is a domain account.
        is_domain_joined: Option<bool> = "IsDomainJoined",
        /// Display name (`Alice Smith`).
        display_name: Option<String> = "DisplayName",
        /// Active Directory object GUID.
        object_guid: Option<String> = "ObjectGuid",
    }
}

impl Account {
    /// Parses `DOMAIN\name` (NT domain), `name@domain` (UPN suffix) or a bare `name`.
    pub fn parse(text: &str) -> Result<Account, EntityError> {
        let text = text.trim();
        let mut account = Account::default();
        let name = if let Some((domain, name)) = text.split_once('\\') {
            account.domain = Some(domain.to_owned()).filter(|d| !d.is_empty());
            name
        } else if let Some((name, suffix)) = text.rsplit_once('@') {
            account.upn_suffix = Some(suffix.to_owned()).filter(|d| !d.is_empty());
            name
        } else {
            text
        };
        if name.is_empty() {
            return Err(EntityError::EmptyName("account"));
        }
        account.name = name.to_owned();
        Ok(account)
    }

    /// `name@upn_suffix` when the UPN suffix is known.
    pub fn upn(&self) -> Option<String> {
        non_empty(&self.upn_suffix).map(|suffix| format!("{}@{suffix}", self.name))
    }

    pub(crate) fn title(&self, _set: &EntitySet) -> String {
        if self.name.is_empty() {
            return non_empty(&self.display_name)
                .or(non_empty(&self.sid))
                .or(non_empty(&self.aad_user_id))
                .unwrap_or_default()
                .to_owned();
        }
        self.to_string()
    }
}

/// `DOMAIN\name`, `name@suffix` or `name`.
impl std::fmt::Display for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (non_empty(&self.domain), non_empty(&self.upn_suffix)) {
            (Some(domain), _) => write!(f, "{domain}\\{}", self.name),
            (None, Some(suffix)) => write!(f, "{}@{suffix}", self.name),
            (None, None) => f.write_str(&self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        let cases = [
            ("CONTOSO\\alice", "alice", Some("CONTOSO"), None),
            ("alice@contoso.com", "alice", None, Some("contoso.com")),
            ("alice", "alice", None, None),
        ];
        for (input, name, domain, upn) in cases {
            let account = Account::parse(input).expect(input);
            assert_eq!(
                (
                    account.name.as_str(),
                    account.domain.as_deref(),
                    account.upn_suffix.as_deref()
                ),
                (name, domain, upn)
            );
            assert_eq!(account.to_string(), input);
        }
        assert_eq!(
            Account::parse("CONTOSO\\"),
            Err(EntityError::EmptyName("account"))
        );
    }
}
