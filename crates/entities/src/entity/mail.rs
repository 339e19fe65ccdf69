//! [`Mailbox`] and [`MailMessage`].

use crate::entity::non_empty;
use crate::{EntityId, EntitySet};

entity_struct! {
    /// A mailbox: the `mailbox` entity.
    #[derive(Default)]
    pub struct Mailbox {
        /// Primary SMTP address.
        mailbox_primary_address: Option<String> = "MailboxPrimaryAddress",
        /// Display name.
        display_name: Option<String> = "DisplayName",
        /// User principal name.
        upn: Option<String> = "Upn",
        /// Azure AD object id.
        aad_id: Option<String> = "AadId",
        /// Exchange's external directory object id.
        external_directory_object_id: Option<String> = "ExternalDirectoryObjectId",
        /// Risk level.
        risk_level: Option<String> = "RiskLevel",
    }
}

entity_struct! {
    /// An email message: the `mail-message` entity.
    #[derive(Default)]
    pub struct MailMessage {
        /// Recipient address.
        recipient: Option<String> = "Recipient",
        /// Sender address.
        sender: Option<String> = "Sender",
        /// P1 (envelope) sender.
        p1_sender: Option<String> = "P1Sender",
        /// P2 (header) sender.
        p2_sender: Option<String> = "P2Sender",
        /// Sender IP address as written.
        sender_ip: Option<String> = "SenderIP",
        /// When the message was received (ISO 8601).
        received_date: Option<String> = "ReceivedDate",
        /// Exchange network message id.
        network_message_id: Option<String> = "NetworkMessageId",
        /// Internet message id header.
        internet_message_id: Option<String> = "InternetMessageId",
        /// Subject line.
        subject: Option<String> = "Subject",
        /// URLs in the message.
        urls: Option<Vec<String>> = "Urls",
        /// Threats found in it.
        threats: Option<Vec<String>> = "Threats",
        /// Attached files.
        files: Option<Vec<EntityId>> = "Files" => File,
        /// Delivery action (`Delivered`, `Blocked`, ...).
        delivery_action: Option<String> = "DeliveryAction",
        /// Delivery location (`Inbox/folder`, `Quarantine`, ...).
        delivery_location: Option<String> = "DeliveryLocation",
        /// `Inbound`, `Outbound`, `Intra-org`.
        antispam_direction: Option<String> = "AntispamDirection",
    }
}

impl Mailbox {
    pub(crate) fn title(&self, _set: &EntitySet) -> String {
        non_empty(&self.mailbox_primary_address)
            .or(non_empty(&self.upn))
            .or(non_empty(&self.display_name))
            .unwrap_or_default()
            .to_owned()
    }
}

impl MailMessage {
    pub(crate) fn title(&self, _set: &EntitySet) -> String {
        non_empty(&self.subject)
            .or(non_empty(&self.network_message_id))
            .or(non_empty(&self.internet_message_id))
            .unwrap_or_default()
            .to_owned()
    }
}
