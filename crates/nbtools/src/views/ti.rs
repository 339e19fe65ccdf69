//! Threat-intelligence results: one row per observable, worst severity first, with each
//! provider's verdict and a link to its report.

use sectools::enrich::{Severity, TiResults, TiSummary};

use super::html::{esc, view_root};
use crate::{MimeBundle, Render};

fn severity_class(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "hv-sev-high",
        Severity::Warning => "hv-sev-medium",
        Severity::Information => "hv-sev-informational",
        Severity::Unknown => "",
    }
}

impl Render for TiSummary {
    fn mime_bundle(&self) -> MimeBundle {
        let [unknown, information, warning, high] = self.counts;
        let heading = format!(
            "{} observables: {high} high, {warning} warning, {information} information, \
             {unknown} unknown; {} failed lookups",
            self.rows.len(),
            self.errors
        );
        let mut text = format!("{heading}\n");
        let mut inner = format!(
            "<div class=\"hv-title\">Threat intelligence</div><div class=\"hv-note\">{}</div>\
             <table><tr><th>observable</th><th>type</th><th>severity</th><th>providers</th></tr>",
            esc(&heading)
        );
        for row in &self.rows {
            text.push_str(&format!(
                "  {} ({}) {}\n",
                row.ioc, row.ioc_type, row.severity
            ));
            let providers: Vec<String> = row
                .providers
                .iter()
                .map(|(name, severity, reference, status)| {
                    let name = if reference.starts_with("https://") || reference.starts_with("http://") {
                        format!("<a href=\"{}\" target=\"_blank\" rel=\"noopener\">{}</a>", esc(reference), esc(name))
                    } else {
                        esc(name).to_string()
                    };
                    format!(
                        "{name}: <span class=\"hv-badge {}\">{}</span> <span class=\"hv-note\">{}</span>",
                        severity_class(*severity),
                        severity,
                        esc(status)
                    )
                })
                .collect();
            inner.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{}</td><td><span class=\"hv-badge {}\">{}</span></td><td>{}</td></tr>",
                esc(&row.ioc),
                esc(&row.ioc_type),
                severity_class(row.severity),
                row.severity,
                providers.join("<br>")
            ));
        }
        inner.push_str("</table>");
        MimeBundle::text(text).with_html(view_root("ti", &inner, None))
    }
}

impl Render for TiResults {
    fn mime_bundle(&self) -> MimeBundle {
        self.summary().mime_bundle()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sectools::enrich::{LocalProvider, TiLookup};

    #[test]
    fn worst_first_with_badges_and_escaping() {
        let mut local = LocalProvider::new("watch<list>");
        local.add(
            "185.220.214.37",
            Severity::High,
            serde_json::json!("C2"),
            "case-42",
        );
        let results = TiLookup::new()
            .with_provider(local)
            .lookup_iocs(&[("8.8.8.8", None), ("185.220.214.37", None)])
            .expect("local lookups");
        let bundle = results.mime_bundle();
        let html = bundle.get("text/html").expect("html");
        let high = html.find("185.220.214.37").expect("listed");
        let other = html.find("8.8.8.8").expect("listed");
        assert!(high < other, "worst first");
        assert!(html.contains("hv-sev-high"));
        assert!(html.contains("watch&lt;list&gt;") && !html.contains("watch<list>"));
        assert!(bundle.get("text/plain").expect("text").contains("1 high"));
    }
}
