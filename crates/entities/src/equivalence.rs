//! Equivalence (do two entities name the same thing?), merge and de-duplication.
//!
//! Two entities are equivalent when their identifying properties agree: an identifier
//! both have is equal (case-insensitively for names), and none they both have
//! conflicts. What identifies an entity depends on its type, e.g. a host by name and
//! domain (or an Azure/agent/device id), a process by host, process id and creation
//! time, a file by full path or a shared hash. Entities of different types are never
//! equivalent.

use chrono::{DateTime, Utc};

use crate::entity::non_empty;
use crate::{Entity, EntityId, EntitySet, FileHash, Host, IpAddress};

/// How many links deep equivalence follows (a process's host, a value's key, ...).
const LINK_DEPTH: usize = 6;

/// Links are compared through the set they live in; without one they never conflict.
#[derive(Clone, Copy)]
struct Links<'s> {
    set: Option<&'s EntitySet>,
    depth: usize,
}

impl Links<'_> {
    /// Both links are unset, or point at equivalent entities.
    fn same(self, a: Option<EntityId>, b: Option<EntityId>) -> bool {
        match (a, b) {
            (None, None) => true,
            (Some(a), Some(b)) => self.equivalent(a, b),
            _ => false,
        }
    }

    /// Either link is unset, or both point at equivalent entities.
    fn compatible(self, a: Option<EntityId>, b: Option<EntityId>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => self.equivalent(a, b),
            _ => true,
        }
    }

    fn equivalent(self, a: EntityId, b: EntityId) -> bool {
        let Some(set) = self.set else { return true };
        if a == b {
            return true;
        }
        if self.depth >= LINK_DEPTH {
            return false;
        }
        match (set.get(a), set.get(b)) {
            (Some(x), Some(y)) => equivalent(
                x,
                y,
                Links {
                    set: Some(set),
                    depth: self.depth + 1,
                },
            ),
            _ => false,
        }
    }
}

/// Both have the text and it is equal, ignoring ASCII case.
fn same(a: &Option<String>, b: &Option<String>) -> bool {
    match (non_empty(a), non_empty(b)) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

/// Either lacks the text, or both have it equal ignoring ASCII case.
fn compatible(a: &Option<String>, b: &Option<String>) -> bool {
    match (non_empty(a), non_empty(b)) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => true,
    }
}

/// Both have the text and it differs.
fn conflict(a: &Option<String>, b: &Option<String>) -> bool {
    !compatible(a, b)
}

fn compatible_times(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// A host's (name, domain), splitting a dotted `HostName` that carries its domain.
fn host_parts(host: &Host) -> (Option<String>, Option<String>) {
    match host.host_name.split_once('.') {
        Some((name, domain)) if non_empty(&host.dns_domain).is_none() => {
            (Some(name.to_owned()), Some(domain.to_owned()))
        }
        _ => (
            Some(host.host_name.clone()).filter(|n| !n.is_empty()),
            host.dns_domain.clone(),
        ),
    }
}

fn hash_values(file: &crate::File, set: Option<&EntitySet>) -> Vec<String> {
    let Some(set) = set else { return Vec::new() };
    file.hashes(set)
        .into_iter()
        .filter_map(|hash: &FileHash| non_empty(&hash.value).map(str::to_ascii_lowercase))
        .collect()
}

fn equivalent(a: &Entity, b: &Entity, links: Links<'_>) -> bool {
    use Entity as E;
    if a == b {
        return true;
    }
    match (a, b) {
        (E::Host(a), E::Host(b)) => {
            for (x, y) in [
                (&a.azure_id, &b.azure_id),
                (&a.oms_agent_id, &b.oms_agent_id),
                (&a.device_id, &b.device_id),
            ] {
                if same(x, y) {
                    return true;
                }
            }
            let (name_a, domain_a) = host_parts(a);
            let (name_b, domain_b) = host_parts(b);
            same(&name_a, &name_b) && compatible(&domain_a, &domain_b)
        }
        (E::Account(a), E::Account(b)) => {
            let ids = [
                (&a.sid, &b.sid),
                (&a.aad_user_id, &b.aad_user_id),
                (&a.object_guid, &b.object_guid),
                (&a.puid, &b.puid),
            ];
            if ids.iter().any(|(x, y)| conflict(x, y)) {
                return false;
            }
            if ids.iter().any(|(x, y)| same(x, y)) {
                return true;
            }
            !a.name.is_empty()
                && a.name.eq_ignore_ascii_case(&b.name)
                && compatible(&a.domain, &b.domain)
                && compatible(&a.upn_suffix, &b.upn_suffix)
        }
        (E::IpAddress(a), E::IpAddress(b)) => a.address == b.address,
        (E::GeoLocation(a), E::GeoLocation(b)) => {
            let texts = [
                (&a.country_code, &b.country_code),
                (&a.state, &b.state),
                (&a.city, &b.city),
            ];
            texts.iter().all(|(x, y)| compatible(x, y))
                && texts.iter().any(|(x, y)| same(x, y))
                && (a.latitude.is_none() || b.latitude.is_none() || a.latitude == b.latitude)
                && (a.longitude.is_none() || b.longitude.is_none() || a.longitude == b.longitude)
        }
        (E::Process(a), E::Process(b)) => {
            same(&a.process_id, &b.process_id)
                && compatible_times(a.creation_time(), b.creation_time())
                && links.compatible(a.host, b.host)
                && links.compatible(a.image_file, b.image_file)
        }
        (E::File(a), E::File(b)) => {
            let (path_a, path_b) = (a.full_path(), b.full_path());
            if let (Some(x), Some(y)) = (&path_a, &path_b) {
                return x.eq_ignore_ascii_case(y) && links.compatible(a.host, b.host);
            }
            let hashes_b = hash_values(b, links.set);
            hash_values(a, links.set)
                .iter()
                .any(|hash| hashes_b.contains(hash))
        }
        (E::FileHash(a), E::FileHash(b)) => {
            same(&a.value, &b.value) && compatible(&a.algorithm, &b.algorithm)
        }
        (E::Url(a), E::Url(b)) => non_empty(&a.url).is_some() && a.url == b.url,
        (E::Dns(a), E::Dns(b)) => {
            let name = |d: &crate::Dns| {
                non_empty(&d.domain_name).map(|n| n.trim_end_matches('.').to_ascii_lowercase())
            };
            name(a).is_some() && name(a) == name(b)
        }
        (E::NetworkConnection(a), E::NetworkConnection(b)) => {
            a.source_port == b.source_port
                && a.destination_port == b.destination_port
                && compatible(&a.protocol, &b.protocol)
                && links.same(a.source_address, b.source_address)
                && links.same(a.destination_address, b.destination_address)
                && (a.source_address.is_some() || a.destination_address.is_some())
        }
        (E::RegistryKey(a), E::RegistryKey(b)) => {
            same(&a.key, &b.key) && compatible(&a.hive, &b.hive)
        }
        (E::RegistryValue(a), E::RegistryValue(b)) => {
            let name = |v: &crate::RegistryValue| non_empty(&v.name).map(str::to_ascii_lowercase);
            name(a) == name(b) && a.key.is_some() && links.same(a.key, b.key)
        }
        (E::HostLogonSession(a), E::HostLogonSession(b)) => {
            same(&a.session_id, &b.session_id)
                && links.compatible(a.host, b.host)
                && links.compatible(a.account, b.account)
        }
        (E::CloudApplication(a), E::CloudApplication(b)) => match (&a.app_id, &b.app_id) {
            (Some(x), Some(y)) => x == y,
            _ => same(&a.name, &b.name),
        },
        (E::Mailbox(a), E::Mailbox(b)) => {
            same(&a.mailbox_primary_address, &b.mailbox_primary_address)
        }
        (E::MailMessage(a), E::MailMessage(b)) => {
            same(&a.network_message_id, &b.network_message_id)
                && compatible(&a.recipient, &b.recipient)
        }
        (E::Malware(a), E::Malware(b)) => {
            same(&a.name, &b.name) && compatible(&a.category, &b.category)
        }
        (E::AzureResource(a), E::AzureResource(b)) => same(&a.resource_id, &b.resource_id),
        (E::SecurityGroup(a), E::SecurityGroup(b)) => {
            same(&a.object_guid, &b.object_guid)
                || same(&a.sid, &b.sid)
                || same(&a.distinguished_name, &b.distinguished_name)
        }
        (E::ServicePrincipal(a), E::ServicePrincipal(b)) => {
            same(
                &a.service_principal_object_id,
                &b.service_principal_object_id,
            ) || (same(&a.app_id, &b.app_id) && compatible(&a.tenant_id, &b.tenant_id))
        }
        (E::ThreatIntelligence(a), E::ThreatIntelligence(b)) => {
            same(&a.threat_name, &b.threat_name)
                && compatible(&a.provider_name, &b.provider_name)
                && compatible(&a.report_link, &b.report_link)
        }
        (E::Alert(a), E::Alert(b)) => same(&a.system_alert_id, &b.system_alert_id),
        (E::Incident(a), E::Incident(b)) => {
            same(&a.incident_id, &b.incident_id)
                || (a.incident_number.is_some() && a.incident_number == b.incident_number)
        }
        (E::Unknown(a), E::Unknown(b)) => {
            a.type_name.eq_ignore_ascii_case(&b.type_name) && a.extra == b.extra
        }
        _ => false,
    }
}

impl Entity {
    /// Whether the two entities name the same thing, judged on their own properties
    /// (links are taken as agreeing; [`EntitySet::is_equivalent`] follows them).
    pub fn is_equivalent(&self, other: &Entity) -> bool {
        equivalent(
            self,
            other,
            Links {
                set: None,
                depth: 0,
            },
        )
    }
}

impl IpAddress {
    /// Whether both are the same address.
    pub fn is_equivalent(&self, other: &IpAddress) -> bool {
        self.address == other.address
    }
}

impl EntitySet {
    /// Whether entities `a` and `b` name the same thing, following links (a process's
    /// host, a file's hashes) into this set.
    pub fn is_equivalent(&self, a: EntityId, b: EntityId) -> bool {
        Links {
            set: Some(self),
            depth: 0,
        }
        .equivalent(a, b)
    }

    /// Merges equivalent entities into the first of them (filling its missing fields,
    /// adding extra properties it lacks), points every link at the survivor, drops
    /// repeated top-level entries, and returns how many entities were removed.
    /// Ids of the remaining entities change: they are renumbered in order.
    pub fn dedup(&mut self) -> usize {
        let count = self.len();
        let mut survivor: Vec<usize> = (0..count).collect();
        for later in 0..count {
            for earlier in 0..later {
                if survivor[earlier] == earlier
                    && self.is_equivalent(EntityId(earlier), EntityId(later))
                {
                    survivor[later] = earlier;
                    break;
                }
            }
        }
        let removed = survivor
            .iter()
            .enumerate()
            .filter(|(index, kept)| index != *kept)
            .count();
        if removed == 0 {
            return 0;
        }
        let nodes = self.nodes_mut();
        for (index, &kept) in survivor.iter().enumerate() {
            if index != kept {
                let other = nodes[index].clone();
                let target = &mut nodes[kept];
                target.entity.merge_from(&other.entity);
                if target.source_id.is_none() {
                    target.source_id = other.source_id;
                }
            }
        }
        let mut new_index = vec![0usize; count];
        let mut next = 0;
        for index in 0..count {
            if survivor[index] == index {
                new_index[index] = next;
                next += 1;
            }
        }
        for index in 0..count {
            new_index[index] = new_index[survivor[index]];
        }
        let old = std::mem::take(nodes);
        *nodes = old
            .into_iter()
            .enumerate()
            .filter(|(index, _)| survivor[*index] == *index)
            .map(|(_, mut node)| {
                node.entity
                    .for_each_link_mut(&mut |id| remap(&new_index, id));
                node
            })
            .collect();
        let roots = self.roots_mut();
        let mut seen = std::collections::HashSet::new();
        roots.retain_mut(|id| {
            remap(&new_index, id);
            seen.insert(*id)
        });
        removed
    }
}

/// Points `id` at its new index; an id from outside the set is left as it is.
fn remap(new_index: &[usize], id: &mut EntityId) {
    if let Some(index) = new_index.get(id.0) {
        *id = EntityId(*index);
    }
}
