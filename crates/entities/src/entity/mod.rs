//! The entity types and the [`Entity`] enum over them.

#[macro_use]
mod macros;

mod account;
pub(crate) mod alert;
mod cloud;
mod file;
mod host;
mod ip;
mod mail;
mod network;
mod process;
mod registry;
mod threat;
mod unknown;

pub use account::Account;
pub use alert::{Alert, Incident};
pub use cloud::{AzureResource, CloudApplication, SecurityGroup, ServicePrincipal};
pub use file::{File, FileHash};
pub use host::Host;
pub use ip::{GeoLocation, IpAddress, IpScope};
pub use mail::{MailMessage, Mailbox};
pub use network::{Dns, NetworkConnection, Url};
pub use process::{HostLogonSession, Process};
pub use registry::{RegistryKey, RegistryValue};
pub use threat::{Malware, ThreatIntelligence};
pub use unknown::UnknownEntity;

use serde_json::{Map, Value};

use crate::json::{Decoder, Encoder, Site};
use crate::{EntityError, EntityId, EntitySet};

/// Typed access to one variant of [`Entity`]: `set.of_type::<Host>()`.
pub trait EntityType: Sized + 'static {
    /// The kind this type is.
    const KIND: EntityKind;
    /// The typed entity if `entity` is this type.
    fn from_entity(entity: &Entity) -> Option<&Self>;
    /// The typed entity if `entity` is this type, to change it.
    fn from_entity_mut(entity: &mut Entity) -> Option<&mut Self>;
}

macro_rules! define_entities {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $sentinel:literal $(| $alias:literal)*;
    )*) => {
        /// Any entity: one variant per type, [`Entity::Unknown`] for types this crate
        /// does not model (it keeps the raw properties and the `Type` text).
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum Entity {
            $( $(#[$doc])* $variant($variant), )*
            /// A type this crate does not model.
            Unknown(UnknownEntity),
        }

        /// The type of an [`Entity`], without its data.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        pub enum EntityKind {
            $( $(#[$doc])* $variant, )*
            /// A type this crate does not model.
            Unknown,
        }

        impl EntityKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [EntityKind] = &[$(EntityKind::$variant,)* EntityKind::Unknown];

            /// The `Type` text Sentinel writes for this kind (`"network-connection"`).
            pub fn sentinel_name(self) -> &'static str {
                match self {
                    $( EntityKind::$variant => $sentinel, )*
                    EntityKind::Unknown => "unknown",
                }
            }

            /// The kind for a `Type` text, case-insensitively, accepting the spellings
            /// msticpy accepts (`ip`/`ipaddress`, `dns`/`dnsresolve`, `host-logon-session`/
            /// `hostlogonsession`, ...). Anything else is [`EntityKind::Unknown`].
            pub fn from_type_name(name: &str) -> EntityKind {
                match name.trim().to_ascii_lowercase().as_str() {
                    $( $sentinel $(| $alias)* => EntityKind::$variant, )*
                    _ => EntityKind::Unknown,
                }
            }
        }

        impl Entity {
            /// This entity's kind.
            pub fn kind(&self) -> EntityKind {
                match self {
                    $( Entity::$variant(_) => EntityKind::$variant, )*
                    Entity::Unknown(_) => EntityKind::Unknown,
                }
            }

            /// Properties without a typed field.
            pub fn extra(&self) -> &std::collections::BTreeMap<String, Value> {
                match self {
                    $( Entity::$variant(e) => &e.extra, )*
                    Entity::Unknown(e) => &e.extra,
                }
            }

            /// Properties without a typed field, to change them.
            pub fn extra_mut(&mut self) -> &mut std::collections::BTreeMap<String, Value> {
                match self {
                    $( Entity::$variant(e) => &mut e.extra, )*
                    Entity::Unknown(e) => &mut e.extra,
                }
            }

            pub(crate) fn decode<'a>(
                kind: EntityKind,
                type_tag: Option<&str>,
                obj: &'a Map<String, Value>,
                cx: &mut Decoder<'a>,
                site: &Site,
            ) -> Result<Entity, EntityError> {
                match kind {
                    $( EntityKind::$variant => $variant::decode(obj, cx, site).map(Entity::$variant), )*
                    EntityKind::Unknown => {
                        UnknownEntity::decode(type_tag, obj, cx, site).map(Entity::Unknown)
                    }
                }
            }

            pub(crate) fn encode(
                &self,
                cx: &mut Encoder<'_>,
                out: &mut Map<String, Value>,
            ) -> Result<(), EntityError> {
                match self {
                    $( Entity::$variant(e) => e.encode(cx, out), )*
                    Entity::Unknown(e) => e.encode(cx, out),
                }
            }

            /// Fills missing fields from `other` and adds its extra properties; returns
            /// `false` (and changes nothing) when the two are of different kinds.
            pub fn merge_from(&mut self, other: &Entity) -> bool {
                match (self, other) {
                    $( (Entity::$variant(a), Entity::$variant(b)) => { a.merge_from(b); true } )*
                    (Entity::Unknown(a), Entity::Unknown(b)) => { a.merge_from(b); true }
                    _ => false,
                }
            }

            /// Calls `f(property, target)` for each link out of this entity.
            pub fn for_each_link(&self, f: &mut dyn FnMut(&str, EntityId)) {
                match self {
                    $( Entity::$variant(e) => e.for_each_link(f), )*
                    Entity::Unknown(e) => e.for_each_link(f),
                }
            }

            pub(crate) fn for_each_link_mut(&mut self, f: &mut dyn FnMut(&mut EntityId)) {
                match self {
                    $( Entity::$variant(e) => e.for_each_link_mut(f), )*
                    Entity::Unknown(e) => e.for_each_link_mut(f),
                }
            }

            /// What the entity is called, for labels (`web01.contoso.com`); links are
            /// looked up in `set`.
            pub fn title(&self, set: &EntitySet) -> String {
                match self {
                    $( Entity::$variant(e) => e.title(set), )*
                    Entity::Unknown(e) => e.title(),
                }
            }
        }

        $(
            impl EntityType for $variant {
                const KIND: EntityKind = EntityKind::$variant;
                fn from_entity(entity: &Entity) -> Option<&Self> {
                    match entity {
                        Entity::$variant(e) => Some(e),
                        _ => None,
                    }
                }
                fn from_entity_mut(entity: &mut Entity) -> Option<&mut Self> {
                    match entity {
                        Entity::$variant(e) => Some(e),
                        _ => None,
                    }
                }
            }

            impl From<$variant> for Entity {
                fn from(entity: $variant) -> Entity {
                    Entity::$variant(entity)
                }
            }
        )*
    };
}

define_entities! {
    /// A user or service account.
    Account = "account" | "user";
    /// A computer.
    Host = "host" | "machine";
    /// An IP address.
    IpAddress = "ip" | "ipaddress";
    /// Where an IP address is.
    GeoLocation = "geolocation" | "location";
    /// A process.
    Process = "process";
    /// A file.
    File = "file";
    /// A file hash.
    FileHash = "filehash" | "file-hash";
    /// A URL.
    Url = "url";
    /// A DNS resolution.
    Dns = "dns" | "dnsresolve";
    /// A network connection.
    NetworkConnection = "network-connection" | "networkconnection";
    /// A registry key.
    RegistryKey = "registry-key" | "registrykey";
    /// A registry value.
    RegistryValue = "registry-value" | "registryvalue";
    /// A logon session on a host.
    HostLogonSession = "host-logon-session" | "hostlogonsession";
    /// A cloud (SaaS) application.
    CloudApplication = "cloud-application" | "cloudapplication";
    /// A mailbox.
    Mailbox = "mailbox";
    /// An email message.
    MailMessage = "mail-message" | "mailmessage";
    /// Malware.
    Malware = "malware";
    /// An Azure resource.
    AzureResource = "azure-resource" | "azureresource";
    /// A security group.
    SecurityGroup = "security-group" | "securitygroup";
    /// An Azure AD service principal.
    ServicePrincipal = "service-principal" | "serviceprincipal";
    /// Threat intelligence about another entity.
    ThreatIntelligence = "threatintelligence" | "threat-intelligence";
    /// A security alert.
    Alert = "alert" | "alerts";
    /// A security incident (a group of alerts).
    Incident = "incident";
}

impl Entity {
    /// The Sentinel `Type` text for this entity (its own for [`Entity::Unknown`]).
    pub fn type_name(&self) -> &str {
        match self {
            Entity::Unknown(unknown) if !unknown.type_name.is_empty() => &unknown.type_name,
            other => other.kind().sentinel_name(),
        }
    }
}

impl std::fmt::Display for EntityKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.sentinel_name())
    }
}

/// `Some(text)` when the option holds non-empty text.
pub(crate) fn non_empty(text: &Option<String>) -> Option<&str> {
    text.as_deref().filter(|t| !t.is_empty())
}

impl EntityType for UnknownEntity {
    const KIND: EntityKind = EntityKind::Unknown;
    fn from_entity(entity: &Entity) -> Option<&Self> {
        match entity {
            Entity::Unknown(e) => Some(e),
            _ => None,
        }
    }
    fn from_entity_mut(entity: &mut Entity) -> Option<&mut Self> {
        match entity {
            Entity::Unknown(e) => Some(e),
            _ => None,
        }
    }
}

impl From<UnknownEntity> for Entity {
    fn from(entity: UnknownEntity) -> Entity {
        Entity::Unknown(entity)
    }
}
