//! Cloud identities and resources: [`CloudApplication`], [`AzureResource`],
//! [`SecurityGroup`], [`ServicePrincipal`].

use crate::EntitySet;
use crate::entity::non_empty;

entity_struct! {
    /// A cloud (SaaS) application: the `cloud-application` entity.
    #[derive(Default)]
    pub struct CloudApplication {
        /// Application name (`Office 365`).
        name: Option<String> = "Name",
        /// Application id (Sentinel writes a number, other sources a string).
        app_id: Option<serde_json::Value> = "AppId",
        /// Instance name.
        instance_name: Option<String> = "InstanceName",
    }
}

entity_struct! {
    /// An Azure resource: the `azure-resource` entity.
    #[derive(Default)]
    pub struct AzureResource {
        /// Resource id (`/subscriptions/.../resourceGroups/...`).
        resource_id: Option<String> = "ResourceId",
        /// Subscription id.
        subscription_id: Option<String> = "SubscriptionId",
    }
}

entity_struct! {
    /// A security group: the `security-group` entity.
    #[derive(Default)]
    pub struct SecurityGroup {
        /// LDAP distinguished name.
        distinguished_name: Option<String> = "DistinguishedName",
        /// Security identifier.
        sid: Option<String> = "SID",
        /// Object GUID.
        object_guid: Option<String> = "ObjectGuid",
    }
}

entity_struct! {
    /// An Azure AD service principal: the `service-principal` entity.
    #[derive(Default)]
    pub struct ServicePrincipal {
        /// Service principal name.
        service_principal_name: Option<String> = "ServicePrincipalName",
        /// Object id.
        service_principal_object_id: Option<String> = "ServicePrincipalObjectId",
        /// Application id.
        app_id: Option<String> = "AppId",
        /// Tenant that owns the application.
        app_owner_tenant_id: Option<String> = "AppOwnerTenantId",
        /// Tenant of the service principal.
        tenant_id: Option<String> = "TenantId",
        /// `Application`, `ManagedIdentity`, ...
        service_principal_type: Option<String> = "ServicePrincipalType",
    }
}

impl CloudApplication {
    /// The app id as text, whether given as a number or a string.
    pub fn app_id_text(&self) -> Option<String> {
        match self.app_id.as_ref()? {
            serde_json::Value::String(text) => Some(text.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    pub(crate) fn title(&self, _set: &EntitySet) -> String {
        non_empty(&self.name)
            .map(str::to_owned)
            .or_else(|| self.app_id_text())
            .unwrap_or_default()
    }
}

impl AzureResource {
    pub(crate) fn title(&self, _set: &EntitySet) -> String {
        non_empty(&self.resource_id).unwrap_or_default().to_owned()
    }
}

impl SecurityGroup {
    pub(crate) fn title(&self, _set: &EntitySet) -> String {
        non_empty(&self.distinguished_name)
            .or(non_empty(&self.sid))
            .or(non_empty(&self.object_guid))
            .unwrap_or_default()
            .to_owned()
    }
}

impl ServicePrincipal {
    pub(crate) fn title(&self, _set: &EntitySet) -> String {
        non_empty(&self.service_principal_name)
            .or(non_empty(&self.app_id))
            .or(non_empty(&self.service_principal_object_id))
            .unwrap_or_default()
            .to_owned()
    }
}
