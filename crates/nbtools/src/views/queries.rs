//! The query browser: a provider's queries as an HTML list — grouped by family, each
//! with its description, parameters and template — with a filter box.

use data::{PivotList, QueryList, QueryProvider, QuerySummary};

use super::html::{esc, view_root};
use crate::{MimeBundle, Render};

const SCRIPT: &str = include_str!("assets/queries.js");

impl Render for QueryList {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::text(self.to_string()).with_html(query_list_html(self))
    }
}

impl Render for QueryProvider {
    fn mime_bundle(&self) -> MimeBundle {
        self.list_queries().mime_bundle()
    }
}

impl Render for QuerySummary {
    fn mime_bundle(&self) -> MimeBundle {
        let list = QueryList {
            title: self.name.clone(),
            queries: vec![self.clone()],
        };
        let mut text = format!("{} — {}\n", self.name, self.description);
        for p in &self.params {
            let default = p
                .default
                .as_ref()
                .map(|d| format!(" = {d:?}"))
                .unwrap_or_default();
            text.push_str(&format!(
                "  {}: {}{default} — {}\n",
                p.name, p.kind, p.description
            ));
        }
        text.push_str(&self.template);
        MimeBundle::text(text).with_html(query_list_html(&list))
    }
}

impl Render for PivotList {
    fn mime_bundle(&self) -> MimeBundle {
        let mut inner = format!(
            "<div class=\"hv-title\">Pivots from {} <span class=\"hv-note\">{} queries, {} lookups</span></div>\
             <table><tr><th>query</th><th>values from the entity</th><th>description</th></tr>",
            esc(&self.entity),
            self.queries.len(),
            self.lookups.len()
        );
        for q in &self.queries {
            let params: Vec<String> = q
                .params
                .iter()
                .map(|(k, v)| format!("<code>{}</code> = {}", esc(k), esc(v)))
                .collect();
            inner.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&q.name),
                params.join("<br>"),
                esc(&q.description)
            ));
        }
        inner.push_str("</table>");
        if !self.lookups.is_empty() {
            inner.push_str("<div class=\"hv-title\">Lookups</div><table>");
            for (name, about) in &self.lookups {
                inner.push_str(&format!(
                    "<tr><td><code>{}</code></td><td>{}</td></tr>",
                    esc(name),
                    esc(about)
                ));
            }
            inner.push_str("</table>");
        }
        if !self.skipped.is_empty() {
            inner.push_str("<details><summary>Queries that do not apply, and why</summary><table>");
            for (name, why) in &self.skipped {
                inner.push_str(&format!(
                    "<tr><td><code>{}</code></td><td>{}</td></tr>",
                    esc(name),
                    esc(why)
                ));
            }
            inner.push_str("</table></details>");
        }
        MimeBundle::text(self.to_string()).with_html(view_root("pivots", &inner, None))
    }
}

fn query_list_html(list: &QueryList) -> String {
    let mut inner = format!(
        "<div class=\"hv-title\">{} <span class=\"hv-note\">{} queries</span></div>\
         <input type=\"search\" class=\"hq-filter\" placeholder=\"filter by name, description, parameter\">",
        esc(&list.title),
        list.len()
    );
    let mut family = "";
    for query in &list.queries {
        let this_family = query.name.rsplit_once('.').map_or("", |(f, _)| f);
        if this_family != family {
            if !family.is_empty() {
                inner.push_str("</div>");
            }
            family = this_family;
            inner.push_str(&format!(
                "<div class=\"hq-family\"><h4>{}</h4>",
                esc(family)
            ));
        }
        inner.push_str(&query_html(query));
    }
    if !family.is_empty() {
        inner.push_str("</div>");
    }
    view_root("queries", &inner, Some(SCRIPT))
}

fn query_html(query: &QuerySummary) -> String {
    let required: Vec<String> = query.required().map(|p| esc(&p.name).to_string()).collect();
    let mut rows = String::new();
    for p in &query.params {
        rows.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&p.name),
            esc(&p.kind),
            p.default.as_ref().map_or_else(
                || "<b>required</b>".to_owned(),
                |d| format!("<code>{}</code>", esc(d))
            ),
            esc(&p.description)
        ));
    }
    format!(
        "<details class=\"hq-query\"><summary><code>{name}</code>({required}) — {description}</summary>\
         <table><tr><th>parameter</th><th>type</th><th>default</th><th>description</th></tr>{rows}</table>\
         <pre>{template}</pre><div class=\"hv-note\">{file}</div></details>",
        name = esc(&query.name),
        required = required.join(", "),
        description = esc(&query.description),
        template = esc(query.template.trim()),
        file = esc(&query.file),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider() -> QueryProvider {
        let tables = data::kql::Tables::new();
        QueryProvider::with_driver(Box::new(data::LocalData::from_tables(tables, "memory")))
            .expect("built-in library")
    }

    #[test]
    fn every_query_is_listed_with_its_parameters() {
        let qp = provider();
        let bundle = qp.mime_bundle();
        let html = bundle.get("text/html").expect("html");
        for name in qp.list_queries().names() {
            assert!(html.contains(&format!("<code>{name}</code>")), "{name}");
        }
        assert!(html.contains("<code>host_name</code></td><td>str</td><td><b>required</b>"));
        let text = bundle.get("text/plain").expect("text");
        assert!(text.contains("WindowsSecurity.list_host_logons(start, end, host_name)"));
    }

    #[test]
    fn pivots_show_values_and_reasons() {
        use data::Pivot;
        let qp = provider();
        let host: data::entities::Entity = data::entities::Host::from_fqdn("ws-014.corp").into();
        let bundle = host.pivots(&qp).mime_bundle();
        let html = bundle.get("text/html").expect("html");
        assert!(html.contains("<code>WindowsSecurity.list_host_logons</code>"));
        assert!(html.contains("<code>host_name</code> = ws-014.corp"));
        assert!(html.contains("Lookups") && html.contains("dns_resolve"));
    }

    #[test]
    fn markup_is_escaped() {
        let list = QueryList {
            title: "<t>".into(),
            queries: vec![QuerySummary {
                name: "F.q".into(),
                description: "<script>x</script>".into(),
                params: vec![],
                template: "T | where a < 1".into(),
                file: "f.yaml".into(),
            }],
        };
        let html = query_list_html(&list);
        assert!(!html.contains("<script>x"));
        assert!(html.contains("T | where a &lt; 1"));
    }
}
