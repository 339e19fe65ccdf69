//! The entity graph: nodes, labelled edges, neighbours.

mod common;

use entities::*;

fn fixture_set() -> EntitySet {
    EntitySet::from_sentinel_json(&common::read_fixture("fixtures/alert_all_types.json"))
        .expect("the all-types fixture parses")
}

fn edge(set: &EntitySet, source: &str, target: &str, relation: &str) -> GraphEdge {
    GraphEdge {
        source: set.find_source_id(source).expect("source $id"),
        target: set.find_source_id(target).expect("target $id"),
        relation: relation.to_owned(),
    }
}

#[test]
fn edges_follow_properties() {
    let set = fixture_set();
    let graph = set.graph();
    assert_eq!(graph.nodes().len(), set.len());
    for expected in [
        edge(&set, "4", "7", "ParentProcess"),
        edge(&set, "4", "5", "ImageFile"),
        edge(&set, "4", "2", "Host"),
        edge(&set, "4", "3", "Account"),
        edge(&set, "4", "8", "LogonSession"),
        edge(&set, "5", "16", "FileHashes"),
        edge(&set, "3", "2", "Host"),
        edge(&set, "2", "3", "LoggedOnUsers"),
        edge(&set, "17", "15", "SourceAddress"),
        edge(&set, "19", "18", "Key"),
        edge(&set, "30", "3", "Owners"),
        edge(&set, "31", "2", CONTAINS),
        edge(&set, "31", "4", CONTAINS),
        edge(&set, "32", "31", CONTAINS),
        edge(&set, "32", "10", CONTAINS),
    ] {
        assert!(graph.edges().contains(&expected), "missing {expected:?}");
    }
    // Each edge once, even when the same link appears twice (malware `File`/`Files`
    // are two properties, so two edges).
    let malware = set.find_source_id("25").unwrap();
    let out: Vec<&str> = graph
        .outgoing(malware)
        .map(|e| e.relation.as_str())
        .collect();
    assert_eq!(out, ["File", "Files", "Processes"]);
}

#[test]
fn neighbours_in_both_directions() {
    let set = fixture_set();
    let graph = set.graph();
    let host = set.find_source_id("2").unwrap();
    let neighbours = graph.neighbours(host);
    let account = set.find_source_id("3").unwrap();
    assert!(neighbours.contains(&(account, "LoggedOnUsers", Direction::Outgoing)));
    assert!(neighbours.contains(&(account, "Host", Direction::Incoming)));
    let process = set.find_source_id("4").unwrap();
    assert!(neighbours.contains(&(process, "Host", Direction::Incoming)));
    assert_eq!(
        graph.incoming(host).count() + graph.outgoing(host).count(),
        neighbours.len()
    );
    assert_eq!(graph.node(host).unwrap().label, "host WEB01.contoso.com");
    assert_eq!(graph.node(host).unwrap().kind, EntityKind::Host);
}

#[test]
fn security_alert_graph_hangs_entities_on_the_alert() {
    let mut row = Row::new();
    row.insert("SystemAlertId".into(), "a1".into());
    row.insert("AlertName".into(), "Test".into());
    row.insert(
        "Entities".into(),
        common::read_fixture("fixtures/alert_all_types.json").into(),
    );
    let alert = SecurityAlert::from_row(&row).unwrap();
    let graph = alert.graph();
    let entities = alert.entities();
    assert_eq!(graph.nodes().len(), entities.len() + 1);
    let alert_node = graph.nodes().last().unwrap();
    assert_eq!(alert_node.kind, EntityKind::Alert);
    assert_eq!(alert_node.label, "alert Test");
    let contained: Vec<EntityId> = graph
        .outgoing(alert_node.id)
        .filter(|e| e.relation == CONTAINS)
        .map(|e| e.target)
        .collect();
    let mut roots = entities.roots().to_vec();
    roots.dedup();
    assert_eq!(contained, roots);
}
