//! Building blocks every view's HTML shares: the root element, embedded data, inline
//! CSS and scripts, the colour palette.
//!
//! A view is one `<div class="huntrs-view" data-huntrs-view="KIND">` holding its
//! static HTML/SVG, its data as `<script type="application/json">`, and a script that
//! finds every root of its kind not yet set up. Scripts locate their root that way,
//! not by element id, so a notebook may show the same view many times.

use serde::Serialize;

pub(crate) use crate::escape_html as esc;

/// Category colours (Tableau 10): distinct, and readable on light and dark themes.
pub(crate) const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

/// The colour of category `index` (repeats after ten).
pub(crate) fn colour(index: usize) -> &'static str {
    PALETTE[index % PALETTE.len()]
}

const BASE_CSS: &str = include_str!("assets/base.css");
const COMMON_JS: &str = include_str!("assets/common.js");

/// The view's root element around `inner`, with the shared CSS and (when given) the
/// view's script after the shared one.
pub(crate) fn view_root(kind: &str, inner: &str, script: Option<&str>) -> String {
    let mut html = String::with_capacity(inner.len() + BASE_CSS.len() + 4096);
    html.push_str("<div class=\"huntrs-view\" data-huntrs-view=\"");
    html.push_str(&esc(kind));
    html.push_str("\"><style>");
    html.push_str(BASE_CSS);
    html.push_str("</style>");
    html.push_str(inner);
    if let Some(script) = script {
        html.push_str("<script>");
        html.push_str(COMMON_JS);
        html.push_str(script);
        html.push_str("</script>");
    }
    html.push_str("</div>");
    html
}

/// `value` as JSON inside `<script type="application/json" class="huntrs-data">`.
/// `<`, `>` and `&` are written as `\u003c` etc., so no value can end the element.
pub(crate) fn json_data(value: &impl Serialize) -> String {
    let json = serde_json::to_string(value).unwrap_or_else(|_| "null".to_string());
    let mut out = String::with_capacity(json.len() + 64);
    out.push_str("<script type=\"application/json\" class=\"huntrs-data\">");
    for ch in json.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            // JSON allows these raw; JavaScript source before ES2019 does not.
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(ch),
        }
    }
    out.push_str("</script>");
    out
}

/// A number for SVG attributes: at most two decimals, no trailing zeros.
pub(crate) fn num(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    if rounded == rounded.trunc() {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded}")
    }
}

/// `12345678` as `12,345,678`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `1 event`, `1,234 events`.
pub(crate) fn count_of(n: usize, noun: &str) -> String {
    format!("{} {noun}{}", thousands(n), if n == 1 { "" } else { "s" })
}

/// A view's HTML as a snapshot should see it: the markup and data, with the CSS and the
/// script (which live in their own asset files) cut out, one tag per line.
#[cfg(test)]
pub(crate) fn snapshot_markup(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<style>") {
        let Some(len) = rest[start..].find("</style>") else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push_str("<style>…</style>");
        rest = &rest[start + len + "</style>".len()..];
    }
    out.push_str(rest);
    // The view's script is the last plain `<script>`; JSON data scripts stay.
    if let Some(start) = out.rfind("<script>")
        && let Some(len) = out[start..].find("</script>")
    {
        out.replace_range(start..start + len + "</script>".len(), "<script>…</script>");
    }
    out.replace('>', ">\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_json_cannot_close_its_script() {
        let html =
            json_data(&serde_json::json!({"cmd": "</script><script>alert(1)</script> & \u{2028}"}));
        assert_eq!(html.matches("</script>").count(), 1, "{html}");
        let body = html
            .trim_start_matches("<script type=\"application/json\" class=\"huntrs-data\">")
            .trim_end_matches("</script>");
        let back: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(back["cmd"], "</script><script>alert(1)</script> & \u{2028}");
    }

    #[test]
    fn counts_read_well() {
        assert_eq!(thousands(12_345_678), "12,345,678");
        assert_eq!(thousands(999), "999");
        assert_eq!(count_of(1, "logon"), "1 logon");
        assert_eq!(count_of(1234, "event"), "1,234 events");
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(1.23456), "1.23");
        assert_eq!(num(-0.5), "-0.5");
    }
}
