//! [`EntityGraph`]: alerts, incidents and entities as nodes, their links as edges.
//!
//! The graph is a plain list of nodes and labelled edges, ready for a renderer (an
//! SVG in nbtools) or for walking neighbours. An alert or incident points at its
//! entities with the relation `"contains"`; an entity points at another with the
//! property that links them (`"ParentProcess"`, `"Host"`, `"ImageFile"`, ...).

use crate::{EntityId, EntityKind, EntitySet};

/// Relation from an alert or incident to its members.
pub const CONTAINS: &str = "contains";

/// A node: one entity of the set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GraphNode {
    /// The entity in the set the graph was built from.
    pub id: EntityId,
    /// Its kind.
    pub kind: EntityKind,
    /// Short label (`host web01.contoso.com`).
    pub label: String,
}

/// A directed, labelled edge.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GraphEdge {
    /// Where the link starts (the entity holding the property).
    pub source: EntityId,
    /// What it points at.
    pub target: EntityId,
    /// The property name, or [`CONTAINS`] for an alert's or incident's members.
    pub relation: String,
}

/// Which way an edge runs, seen from a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The node is the edge's source.
    Outgoing,
    /// The node is the edge's target.
    Incoming,
}

/// Entities and the links between them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntityGraph {
    nodes: Vec<GraphNode>,
    edges: Vec<GraphEdge>,
}

impl EntityGraph {
    /// The graph of every entity in `set` and every link between them.
    pub fn new(set: &EntitySet) -> EntityGraph {
        let nodes = set
            .iter()
            .map(|(id, entity)| GraphNode {
                id,
                kind: entity.kind(),
                label: set.label(id),
            })
            .collect();
        let mut edges: Vec<GraphEdge> = Vec::new();
        for (source, entity) in set.iter() {
            let container = matches!(entity.kind(), EntityKind::Alert | EntityKind::Incident);
            entity.for_each_link(&mut |property, target| {
                let relation = if container && (property == "Entities" || property == "Alerts") {
                    CONTAINS
                } else {
                    property
                };
                let edge = GraphEdge {
                    source,
                    target,
                    relation: relation.to_owned(),
                };
                if set.get(target).is_some() && !edges.contains(&edge) {
                    edges.push(edge);
                }
            });
        }
        EntityGraph { nodes, edges }
    }

    /// All nodes, in entity id order.
    pub fn nodes(&self) -> &[GraphNode] {
        &self.nodes
    }

    /// All edges.
    pub fn edges(&self) -> &[GraphEdge] {
        &self.edges
    }

    /// The node for an entity.
    pub fn node(&self, id: EntityId) -> Option<&GraphNode> {
        self.nodes.iter().find(|node| node.id == id)
    }

    /// Edges leaving `id`.
    pub fn outgoing(&self, id: EntityId) -> impl Iterator<Item = &GraphEdge> {
        self.edges.iter().filter(move |edge| edge.source == id)
    }

    /// Edges arriving at `id`.
    pub fn incoming(&self, id: EntityId) -> impl Iterator<Item = &GraphEdge> {
        self.edges.iter().filter(move |edge| edge.target == id)
    }

    /// Every node joined to `id` by an edge either way, with the relation and its
    /// direction, in edge order.
    pub fn neighbours(&self, id: EntityId) -> Vec<(EntityId, &str, Direction)> {
        self.edges
            .iter()
            .filter_map(|edge| {
                if edge.source == id {
                    Some((edge.target, edge.relation.as_str(), Direction::Outgoing))
                } else if edge.target == id {
                    Some((edge.source, edge.relation.as_str(), Direction::Incoming))
                } else {
                    None
                }
            })
            .collect()
    }
}

impl EntitySet {
    /// The [`EntityGraph`] of this set.
    pub fn graph(&self) -> EntityGraph {
        EntityGraph::new(self)
    }
}
