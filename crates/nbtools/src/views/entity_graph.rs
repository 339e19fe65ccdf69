//! Entity view and entity graph: entities as a table, and alerts, incidents and
//! entities as an SVG graph (alert ↔ entities, entity ↔ entity by property).
//!
//! The graph is laid out by a deterministic force-directed pass (same input, same
//! picture) and needs no script: each node and edge carries an SVG `<title>`, which
//! browsers show on hover, also in static exports.

use entities::{EntityGraph, EntityKind, EntitySet, SecurityAlert};

use super::html::{colour, esc, num, view_root};
use crate::{MimeBundle, Render, View};

/// Graph canvas size (SVG user units; the SVG scales to the output width).
const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 520.0;
const MARGIN: f64 = 60.0;
/// Nodes stay right of this: the legend has the left edge.
const LEFT: f64 = 170.0;
/// Above this many nodes, edge labels would pile up; hover titles still name them.
const EDGE_LABEL_LIMIT: usize = 16;
const NODE_RADIUS: f64 = 14.0;
const LAYOUT_ITERATIONS: usize = 300;
/// Labels longer than this are cut (the full text is in the hover title).
const LABEL_CHARS: usize = 28;

/// The graph of `set` (every entity, every link) as an SVG view.
pub fn entity_graph(set: &EntitySet) -> View {
    graph_view(&EntityGraph::new(set), set, None)
}

/// The graph of an alert and its entities: the alert in the middle, linked to each
/// entity it contains, entities linked to each other by property.
pub fn alert_graph(alert: &SecurityAlert) -> View {
    let (set, alert_id) = alert.entity_set_with_alert();
    graph_view(&EntityGraph::new(&set), &set, Some(alert_id.index()))
}

/// Every entity of `set` as a table (type, label, properties) above its graph.
pub fn entity_view(set: &EntitySet) -> View {
    let table = entity_table(set);
    let graph = graph_svg(&EntityGraph::new(set), set, None);
    let html = view_root(
        "entities",
        &format!(
            "<div class=\"hv-title\">{} entities</div>{table}{graph}",
            set.len()
        ),
        None,
    );
    View::new("entities", html, plain_list(set))
}

impl Render for EntitySet {
    fn mime_bundle(&self) -> MimeBundle {
        entity_view(self).mime_bundle()
    }
}

impl Render for EntityGraph {
    /// Node labels only: an [`EntityGraph`] holds no properties.
    fn mime_bundle(&self) -> MimeBundle {
        let svg = graph_svg(self, &EntitySet::new(), None);
        let plain = format!(
            "EntityGraph: {} nodes, {} edges",
            self.nodes().len(),
            self.edges().len()
        );
        MimeBundle::text(plain).with_html(view_root("entity-graph", &svg, None))
    }
}

/// The entities as a table: one row per entity, its properties as `name: value` lines.
pub(crate) fn entity_table(set: &EntitySet) -> String {
    let mut html = String::from(
        "<table class=\"hv-entities\"><thead><tr><th>Type</th><th>Entity</th>\
         <th>Properties</th></tr></thead><tbody>",
    );
    for (id, entity) in set.iter() {
        let props = set.properties(id).unwrap_or_default();
        let mut cells = String::new();
        for (name, value) in &props {
            if name == "Type" {
                continue;
            }
            let text = match value {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            cells.push_str(&format!("<b>{}</b>: {}<br>", esc(name), esc(&text)));
        }
        html.push_str(&format!(
            "<tr><td><span class=\"hv-badge\" style=\"background:{};color:#fff\">{}</span></td>\
             <td>{}</td><td>{cells}</td></tr>",
            kind_colour(entity.kind()),
            esc(entity.type_name()),
            esc(&entity.title(set)),
        ));
    }
    html.push_str("</tbody></table>");
    html
}

fn plain_list(set: &EntitySet) -> String {
    let mut plain = format!("{} entities", set.len());
    for (id, _) in set.iter() {
        plain.push_str("\n  ");
        plain.push_str(&set.label(id));
    }
    plain
}

fn graph_view(graph: &EntityGraph, set: &EntitySet, centre: Option<usize>) -> View {
    let svg = graph_svg(graph, set, centre);
    let mut plain = format!(
        "Entity graph: {} nodes, {} edges",
        graph.nodes().len(),
        graph.edges().len()
    );
    for edge in graph.edges() {
        let label = |id: entities::EntityId| {
            graph
                .node(id)
                .map_or_else(|| id.to_string(), |node| node.label.clone())
        };
        plain.push_str(&format!(
            "\n  {} -[{}]-> {}",
            label(edge.source),
            edge.relation,
            label(edge.target)
        ));
    }
    View::new("entity-graph", view_root("entity-graph", &svg, None), plain)
}

/// A colour per kind, the same in every view. Alerts and incidents, usually the hubs of
/// a graph, get dark colours of their own; the palette's ten go round the other kinds.
fn kind_colour(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Alert => "#3b3b3b",
        EntityKind::Incident => "#6b4c9a",
        other => colour(
            EntityKind::ALL
                .iter()
                .position(|k| *k == other)
                .unwrap_or_default(),
        ),
    }
}

/// The graph as an SVG: edges with relation labels, nodes coloured by kind, a legend.
fn graph_svg(graph: &EntityGraph, set: &EntitySet, centre: Option<usize>) -> String {
    let nodes = graph.nodes();
    let index_of = |id: entities::EntityId| nodes.iter().position(|n| n.id == id);
    let edges: Vec<(usize, usize, &str)> = graph
        .edges()
        .iter()
        .filter_map(|e| {
            Some((
                index_of(e.source)?,
                index_of(e.target)?,
                e.relation.as_str(),
            ))
        })
        .collect();
    let centre = centre.and_then(|id| nodes.iter().position(|n| n.id.index() == id));
    let positions = layout(nodes.len(), &edges, centre);

    let mut svg = format!(
        "<svg class=\"hv-graph\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         width=\"{WIDTH}\" style=\"max-width:100%;height:auto\" role=\"img\" \
         aria-label=\"entity graph\">"
    );
    svg.push_str("<g class=\"hv-edges\" stroke=\"#999\" stroke-width=\"1.2\">");
    for (a, b, relation) in &edges {
        let ((x1, y1), (x2, y2)) = (positions[*a], positions[*b]);
        svg.push_str(&format!(
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"><title>{} {} {}</title></line>",
            num(x1),
            num(y1),
            num(x2),
            num(y2),
            esc(&nodes[*a].label),
            esc(relation),
            esc(&nodes[*b].label)
        ));
        if *relation != entities::CONTAINS && nodes.len() <= EDGE_LABEL_LIMIT {
            svg.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" font-size=\"9\" text-anchor=\"middle\" stroke=\"none\" \
                 opacity=\"0.8\">{}</text>",
                num((x1 + x2) / 2.0),
                num((y1 + y2) / 2.0 - 3.0),
                esc(relation)
            ));
        }
    }
    svg.push_str("</g><g class=\"hv-nodes\">");
    for (i, node) in nodes.iter().enumerate() {
        let (x, y) = positions[i];
        let mut title = node.label.clone();
        if let Ok(props) = set.properties(node.id) {
            for (name, value) in props.iter().filter(|(name, _)| *name != "Type") {
                let text = match value {
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                title.push_str(&format!("\n{name}: {text}"));
            }
        }
        let radius = if Some(i) == centre {
            NODE_RADIUS * 1.4
        } else {
            NODE_RADIUS
        };
        svg.push_str(&format!(
            "<g class=\"hv-node\" data-kind=\"{kind}\"><title>{title}</title>\
             <circle cx=\"{x}\" cy=\"{y}\" r=\"{r}\" fill=\"{fill}\" stroke=\"#333\" stroke-width=\"0.8\"/>\
             <text x=\"{x}\" y=\"{ty}\" font-size=\"11\" text-anchor=\"middle\">{label}</text></g>",
            kind = esc(node.kind.sentinel_name()),
            title = esc(&title),
            x = num(x),
            y = num(y),
            r = num(radius),
            fill = kind_colour(node.kind),
            ty = num(y + radius + 12.0),
            label = esc(&short(&node.label)),
        ));
    }
    svg.push_str("</g>");
    // Legend: one swatch per kind present, in declaration order.
    let mut kinds: Vec<EntityKind> = nodes.iter().map(|n| n.kind).collect();
    kinds.sort();
    kinds.dedup();
    for (row, kind) in kinds.iter().enumerate() {
        let y = 16.0 + row as f64 * 16.0;
        svg.push_str(&format!(
            "<g class=\"hv-legend\"><circle cx=\"10\" cy=\"{}\" r=\"5\" fill=\"{}\"/>\
             <text x=\"20\" y=\"{}\" font-size=\"11\">{}</text></g>",
            num(y),
            kind_colour(*kind),
            num(y + 4.0),
            esc(kind.sentinel_name())
        ));
    }
    if nodes.is_empty() {
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">no entities</text>",
            (LEFT + WIDTH - MARGIN) / 2.0,
            HEIGHT / 2.0
        ));
    }
    svg.push_str("</svg>");
    svg
}

fn short(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        label.to_string()
    } else {
        let cut: String = label.chars().take(LABEL_CHARS - 1).collect();
        format!("{cut}…")
    }
}

/// Node positions inside the canvas: nodes start evenly on an ellipse (the centre node,
/// if any, in the middle), then a fixed number of force-directed steps spread them:
/// all pairs repel (horizontal distance counts less, since labels are wide), edges
/// attract, a weak pull keeps the picture centred, and the step shrinks each round.
/// Deterministic: the same graph always gets the same picture.
fn layout(count: usize, edges: &[(usize, usize, &str)], centre: Option<usize>) -> Vec<(f64, f64)> {
    let (cx, cy) = ((LEFT + WIDTH - MARGIN) / 2.0, HEIGHT / 2.0);
    if count == 0 {
        return Vec::new();
    }
    let (rx, ry) = (
        (WIDTH - MARGIN - LEFT) / 2.0 * 0.8,
        (HEIGHT / 2.0 - MARGIN) * 0.8,
    );
    let ring = count - usize::from(centre.is_some());
    let mut slot = 0usize;
    let mut pos: Vec<(f64, f64)> = (0..count)
        .map(|i| {
            if Some(i) == centre {
                return (cx, cy);
            }
            let angle = std::f64::consts::TAU * slot as f64 / ring.max(1) as f64;
            slot += 1;
            (cx + rx * angle.cos(), cy + ry * angle.sin())
        })
        .collect();
    if count == 1 {
        return pos;
    }
    let area = (WIDTH - MARGIN - LEFT) * (HEIGHT - 2.0 * MARGIN);
    let k = 0.8 * (area / count as f64).sqrt().min(140.0);
    let mut step = WIDTH / 10.0;
    for _ in 0..LAYOUT_ITERATIONS {
        let mut shift = vec![(0.0f64, 0.0f64); count];
        for i in 0..count {
            for j in (i + 1)..count {
                // Labels are wide: nodes side by side must be further apart than stacked ones.
                let (dx, dy) = (pos[i].0 - pos[j].0, pos[i].1 - pos[j].1);
                let felt = ((dx / 2.0).powi(2) + dy * dy).sqrt().max(0.01);
                let dist = (dx * dx + dy * dy).sqrt().max(0.01);
                let force = k * k / felt;
                let (fx, fy) = (dx / dist * force, dy / dist * force);
                shift[i].0 += fx;
                shift[i].1 += fy;
                shift[j].0 -= fx;
                shift[j].1 -= fy;
            }
        }
        for &(a, b, _) in edges {
            if a == b {
                continue;
            }
            let (dx, dy) = (pos[a].0 - pos[b].0, pos[a].1 - pos[b].1);
            let dist = (dx * dx + dy * dy).sqrt().max(0.01);
            let force = dist * dist / k;
            let (fx, fy) = (dx / dist * force, dy / dist * force);
            shift[a].0 -= fx;
            shift[a].1 -= fy;
            shift[b].0 += fx;
            shift[b].1 += fy;
        }
        for (i, (dx, dy)) in shift.iter_mut().enumerate() {
            // Gravity: without it, repulsion piles the nodes along the canvas edges.
            *dx += (cx - pos[i].0) * 0.01 * k;
            *dy += (cy - pos[i].1) * 0.01 * k;
        }
        for i in 0..count {
            if Some(i) == centre {
                continue;
            }
            let (dx, dy) = shift[i];
            let len = (dx * dx + dy * dy).sqrt().max(0.01);
            pos[i].0 = (pos[i].0 + dx / len * len.min(step)).clamp(LEFT, WIDTH - MARGIN);
            pos[i].1 = (pos[i].1 + dy / len * len.min(step)).clamp(MARGIN, HEIGHT - MARGIN);
        }
        step = (step * 0.97).max(1.0);
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTITIES: &str = r#"[
        {"$id":"1","HostName":"web01","DnsDomain":"larkmoor.example","Type":"host"},
        {"$id":"2","Name":"ana","NTDomain":"LARKMOOR","Host":{"$ref":"1"},"Type":"account"},
        {"$id":"3","ProcessId":"4242","CommandLine":"powershell -enc <x>","Host":{"$ref":"1"},"Type":"process"},
        {"$id":"4","Address":"203.0.113.9","Type":"ip"}
    ]"#;

    fn set() -> EntitySet {
        EntitySet::from_sentinel_json(ENTITIES).unwrap()
    }

    #[test]
    fn graph_has_every_node_and_edge_and_escapes() {
        let view = entity_graph(&set());
        let html = view.html();
        assert_eq!(html.matches("<g class=\"hv-node\"").count(), 4);
        assert_eq!(
            html.matches("<line ").count(),
            2,
            "account→host, process→host"
        );
        assert!(
            html.contains("-enc &lt;x&gt;"),
            "command line in the hover title"
        );
        assert!(!html.contains("<x>"));
        assert!(
            view.plain()
                .contains("account LARKMOOR\\ana -[Host]-> host web01.larkmoor.example"),
            "{}",
            view.plain()
        );
    }

    #[test]
    fn layout_is_deterministic_and_inside_the_canvas() {
        let edges = [(0, 1, "a"), (1, 2, "b"), (0, 3, "c")];
        let a = layout(5, &edges, Some(0));
        assert_eq!(a, layout(5, &edges, Some(0)));
        assert_eq!(a[0], ((LEFT + WIDTH - MARGIN) / 2.0, HEIGHT / 2.0));
        for (x, y) in &a {
            assert!((LEFT..=WIDTH - MARGIN).contains(x) && (MARGIN..=HEIGHT - MARGIN).contains(y));
        }
        // No two nodes on top of each other.
        for i in 0..a.len() {
            for j in i + 1..a.len() {
                let d = ((a[i].0 - a[j].0).powi(2) + (a[i].1 - a[j].1).powi(2)).sqrt();
                assert!(d > 2.0 * NODE_RADIUS, "{i} and {j} overlap: {a:?}");
            }
        }
    }

    #[test]
    fn entity_view_snapshot() {
        insta::assert_snapshot!(crate::views::html::snapshot_markup(
            entity_view(&set()).html()
        ));
    }

    #[test]
    fn empty_set_says_so() {
        let view = entity_graph(&EntitySet::new());
        assert!(view.html().contains("no entities"));
        assert_eq!(view.plain(), "Entity graph: 0 nodes, 0 edges");
    }
}
