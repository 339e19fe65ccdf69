//! How entities look in a notebook.

use entities::{Account, Host, IpAddress};

use crate::{MimeBundle, Render, escape_html};

fn entity_card(kind: &str, title: &str, rows: &[(&str, String)]) -> MimeBundle {
    let mut html = format!(
        "<div class=\"huntrs-entity\"><b>{}</b>: {}<table>",
        escape_html(kind),
        escape_html(title)
    );
    for (name, value) in rows {
        html.push_str(&format!(
            "<tr><th style=\"text-align:left\">{}</th><td>{}</td></tr>",
            escape_html(name),
            escape_html(value)
        ));
    }
    html.push_str("</table></div>");
    MimeBundle::text(format!("{kind}: {title}")).with_html(html)
}

impl Render for Host {
    fn mime_bundle(&self) -> MimeBundle {
        entity_card(
            "Host",
            &self.fqdn(),
            &[
                ("HostName", self.host_name.clone()),
                ("DnsDomain", self.dns_domain.clone().unwrap_or_default()),
            ],
        )
    }
}

impl Render for Account {
    fn mime_bundle(&self) -> MimeBundle {
        entity_card(
            "Account",
            &self.to_string(),
            &[
                ("Name", self.name.clone()),
                ("Domain", self.domain.clone().unwrap_or_default()),
                ("UPNSuffix", self.upn_suffix.clone().unwrap_or_default()),
            ],
        )
    }
}

impl Render for IpAddress {
    fn mime_bundle(&self) -> MimeBundle {
        entity_card(
            "IpAddress",
            &self.to_string(),
            &[
                ("Address", self.to_string()),
                ("Scope", format!("{:?}", self.scope())),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_card_escapes_and_has_plain_text() {
        let host = Host::from_fqdn("<script>.example.com");
        let bundle = host.mime_bundle();
        assert_eq!(bundle.get("text/plain"), Some("Host: <script>.example.com"));
        let html = bundle.get("text/html").expect("html");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
    }
}
