//! [`EntitySet`]: the arena that owns the entities of an alert and their links.
//!
//! Entities point at each other (a process at its host, parent process and image
//! file). Links are [`EntityId`]s into the set rather than owned copies, so a host
//! referenced by ten entities stays one host, and cycles need no special care.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::entity::{Entity, EntityKind, EntityType};
use crate::{EntityError, json};

/// An entity's index in its [`EntitySet`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct EntityId(pub(crate) usize);

impl EntityId {
    /// The position in [`EntitySet::iter`] order.
    pub fn index(self) -> usize {
        self.0
    }
}

impl std::fmt::Display for EntityId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The layout of an entities document, kept so writing back matches the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum JsonShape {
    /// `[{"$id": "1", ...}, {"$ref": "1"}, ...]`: Sentinel's `Entities` column.
    #[default]
    Array,
    /// `{"1": {"$id": "1", ...}, ...}`: an object keyed by `$id` (msticpy's test data).
    ById,
}

/// One entity with what is needed to write it back as it came.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) entity: Entity,
    /// The `$id` it had in the input.
    pub(crate) source_id: Option<String>,
    /// The `Type` text to write; `None` when the input gave none (implied by the property).
    pub(crate) type_tag: Option<String>,
}

/// The entities of an alert, event or incident, with their links.
///
/// `roots` are the top-level items of the document in order (the same entity may be a
/// root and be nested in another); other entities are only reachable through links.
/// Two sets are equal when they hold equal entities in the same order with the same
/// roots; `$id` texts do not take part.
#[derive(Debug, Clone, Default)]
pub struct EntitySet {
    nodes: Vec<Node>,
    roots: Vec<EntityId>,
    shape: JsonShape,
}

impl PartialEq for EntitySet {
    fn eq(&self, other: &Self) -> bool {
        self.roots == other.roots
            && self.nodes.len() == other.nodes.len()
            && self
                .nodes
                .iter()
                .zip(&other.nodes)
                .all(|(a, b)| a.entity == b.entity && a.type_tag == b.type_tag)
    }
}

impl EntitySet {
    /// An empty set.
    pub fn new() -> EntitySet {
        EntitySet::default()
    }

    pub(crate) fn from_parts(nodes: Vec<Node>, roots: Vec<EntityId>, shape: JsonShape) -> Self {
        EntitySet {
            nodes,
            roots,
            shape,
        }
    }

    /// Parses Sentinel entity JSON: an array of entities (the `Entities` column of
    /// SecurityAlert), a single entity, or an object keyed by `$id`. `$ref`s may point
    /// backward, forward, or into entities nested in others.
    ///
    /// Errors name the `$id`, JSON path and property that is wrong: invalid JSON, a
    /// `$ref` to no entity, a top-level entity without `Type`, a non-object where an
    /// entity belongs, or a known property with the wrong JSON type.
    pub fn from_sentinel_json(text: &str) -> Result<EntitySet, EntityError> {
        let value: Value =
            serde_json::from_str(text).map_err(|error| EntityError::Json(error.to_string()))?;
        EntitySet::from_sentinel_value(&value)
    }

    /// [`from_sentinel_json`](Self::from_sentinel_json) for an already parsed value.
    pub fn from_sentinel_value(value: &Value) -> Result<EntitySet, EntityError> {
        json::decode_set(value)
    }

    /// Writes the set back as compact JSON in the shape it was read in: each entity in
    /// full with its `$id` where it first occurs, `{"$ref": ...}` after that.
    pub fn to_sentinel_json(&self) -> Result<String, EntityError> {
        self.to_sentinel_value().map(|value| value.to_string())
    }

    /// [`to_sentinel_json`](Self::to_sentinel_json) as a JSON value.
    pub fn to_sentinel_value(&self) -> Result<Value, EntityError> {
        json::encode_set(self, self.shape)
    }

    /// Writes the set in the given shape.
    pub fn to_sentinel_value_as(&self, shape: JsonShape) -> Result<Value, EntityError> {
        json::encode_set(self, shape)
    }

    /// The shape the set was read in ([`JsonShape::Array`] for a new set).
    pub fn shape(&self) -> JsonShape {
        self.shape
    }

    /// Adds an entity as a top-level item and returns its id.
    pub fn add(&mut self, entity: impl Into<Entity>) -> EntityId {
        let id = self.add_nested(entity);
        self.roots.push(id);
        id
    }

    /// Adds an entity reachable only through links from other entities (like an
    /// `ImageFile` written inline in its process).
    pub fn add_nested(&mut self, entity: impl Into<Entity>) -> EntityId {
        let entity = entity.into();
        let type_tag = Some(entity.type_name().to_owned());
        let id = EntityId(self.nodes.len());
        self.nodes.push(Node {
            entity,
            source_id: None,
            type_tag,
        });
        id
    }

    /// Number of entities, nested ones included.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the set holds no entity.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The top-level entities, in document order.
    pub fn roots(&self) -> &[EntityId] {
        &self.roots
    }

    pub(crate) fn node(&self, id: EntityId) -> Option<&Node> {
        self.nodes.get(id.0)
    }

    /// The entity with this id.
    pub fn get(&self, id: EntityId) -> Option<&Entity> {
        self.nodes.get(id.0).map(|node| &node.entity)
    }

    /// The entity with this id, to change it.
    pub fn get_mut(&mut self, id: EntityId) -> Option<&mut Entity> {
        self.nodes.get_mut(id.0).map(|node| &mut node.entity)
    }

    /// The entity with this id if it is a `T` (`set.get_as::<Host>(id)`).
    pub fn get_as<T: EntityType>(&self, id: EntityId) -> Option<&T> {
        self.get(id).and_then(T::from_entity)
    }

    /// The optional link's target as a `T`: `set.link_as::<File>(process.image_file)`.
    pub fn link_as<T: EntityType>(&self, link: Option<EntityId>) -> Option<&T> {
        link.and_then(|id| self.get_as(id))
    }

    /// All entities with their ids, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (EntityId, &Entity)> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(index, node)| (EntityId(index), &node.entity))
    }

    /// All entities of type `T` with their ids: `set.of_type::<Host>()`.
    pub fn of_type<T: EntityType>(&self) -> impl Iterator<Item = (EntityId, &T)> {
        self.iter()
            .filter_map(|(id, entity)| T::from_entity(entity).map(|typed| (id, typed)))
    }

    /// The first entity of type `T`, top-level entities first, then nested ones.
    pub fn first<T: EntityType>(&self) -> Option<(EntityId, &T)> {
        self.roots
            .iter()
            .find_map(|id| self.get_as::<T>(*id).map(|typed| (*id, typed)))
            .or_else(|| self.of_type::<T>().next())
    }

    /// Entities of a given kind.
    pub fn of_kind(&self, kind: EntityKind) -> impl Iterator<Item = EntityId> + '_ {
        self.iter()
            .filter(move |(_, entity)| entity.kind() == kind)
            .map(|(id, _)| id)
    }

    /// The `$id` the entity had in the input, if any.
    pub fn source_id(&self, id: EntityId) -> Option<&str> {
        self.nodes.get(id.0)?.source_id.as_deref()
    }

    /// The entity whose input `$id` was `source_id`.
    pub fn find_source_id(&self, source_id: &str) -> Option<EntityId> {
        self.nodes
            .iter()
            .position(|node| node.source_id.as_deref() == Some(source_id))
            .map(EntityId)
    }

    /// The `Type` text the entity is written with (as in the input, e.g. `"ip"` or
    /// `"ipaddress"`), or `None` when the input left it implied by the property.
    pub fn type_tag(&self, id: EntityId) -> Option<&str> {
        self.nodes.get(id.0)?.type_tag.as_deref()
    }

    /// Links out of an entity: `(property, target)` pairs, e.g. `("Host", #0)`.
    pub fn links(&self, id: EntityId) -> Vec<(String, EntityId)> {
        let mut out = Vec::new();
        if let Some(entity) = self.get(id) {
            entity.for_each_link(&mut |property, target| out.push((property.to_owned(), target)));
        }
        out
    }

    /// A short human label: `host MSTICALERTSWIN1`, `process cmd.exe [0x1558]`.
    pub fn label(&self, id: EntityId) -> String {
        match self.get(id) {
            Some(entity) => {
                let title = entity.title(self);
                if title.is_empty() {
                    entity.type_name().to_owned()
                } else {
                    format!("{} {title}", entity.type_name())
                }
            }
            None => format!("{id} (not in set)"),
        }
    }

    /// An entity's properties by their Sentinel names (`HostName`, `Address`, ...), each
    /// link to another entity written as its [`label`](Self::label); `$id` left out.
    ///
    /// ```
    /// let set = entities::EntitySet::from_sentinel_json(
    ///     r#"[{"$id":"1","HostName":"web01","Type":"host"},
    ///         {"$id":"2","Name":"ana","Host":{"$ref":"1"},"Type":"account"}]"#)?;
    /// let props = set.properties(set.find_source_id("2").unwrap())?;
    /// assert_eq!(props["Name"], "ana");
    /// assert_eq!(props["Host"], "host web01");
    /// # Ok::<(), entities::EntityError>(())
    /// ```
    pub fn properties(
        &self,
        id: EntityId,
    ) -> Result<serde_json::Map<String, serde_json::Value>, EntityError> {
        crate::json::entity_properties(self, id)
    }

    /// Query parameters drawn from the entities: `host_name`, `account_name`,
    /// `process_name`, `process_id`, `logon_session_id`, `ip_address`,
    /// `path_separator`, `os_family` (each only when found).
    pub fn query_params(&self) -> BTreeMap<String, String> {
        crate::query::entity_params(self)
    }

    pub(crate) fn nodes_mut(&mut self) -> &mut Vec<Node> {
        &mut self.nodes
    }

    pub(crate) fn roots_mut(&mut self) -> &mut Vec<EntityId> {
        &mut self.roots
    }
}
