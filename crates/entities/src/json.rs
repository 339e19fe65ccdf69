//! Sentinel's entity JSON: `$id` / `$ref` cross-references in, and back out.
//!
//! Sentinel (JSON.NET with reference preservation) writes each entity in full with a
//! `"$id"` the first time it occurs, depth first in document order, and as
//! `{"$ref": "<id>"}` afterwards; a reference may also point forward or into an entity
//! nested inside another. Reading therefore takes two passes: collect every object with
//! a `$id`, then build entities from the top-level items, allocating an [`EntityId`]
//! the first time an entity is met (as a definition or a reference). Writing follows
//! the same traversal order (typed properties in declaration order, then `extra` in key
//! order), so `parse → write → parse` allocates the same ids and gives an equal set.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value};

use crate::EntityError;
use crate::entity::{Entity, EntityKind};
use crate::error::json_type;
use crate::field::describe;
use crate::set::{EntityId, EntitySet, JsonShape, Node};

/// Key marking a nested entity inside `extra` values: `{"$entity": n}`.
pub(crate) const PLACEHOLDER: &str = "$entity";

/// How deep entity definitions may nest, through inline objects or `$ref` chains.
/// Sentinel alerts nest a handful of levels; the limit keeps hostile input from
/// exhausting the stack, and stays below serde_json's own nesting limit of 128 so that
/// whatever is read can be written and read again.
pub(crate) const MAX_DEPTH: usize = 40;

/// Where an entity stands in the input, for error messages.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    /// JSON path (`$[3].ParentProcess`).
    pub(crate) path: String,
    /// `entity $id "5" (process) at $[3]`.
    pub(crate) desc: String,
}

impl Site {
    /// The path of property `key` of this entity.
    pub(crate) fn child(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    pub(crate) fn wrong_type(
        &self,
        key: &str,
        expected: &'static str,
        found: &Value,
    ) -> EntityError {
        EntityError::WrongType {
            at: self.desc.clone(),
            property: key.to_owned(),
            expected,
            found: describe(found),
        }
    }

    pub(crate) fn missing(&self, key: &'static str) -> EntityError {
        EntityError::MissingProperty {
            at: self.desc.clone(),
            property: key,
        }
    }
}

/// What kind an entity without a `Type` property is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Implied {
    /// A top-level item: `Type` is required.
    Root,
    /// The kind the linking property expects (`ImageFile` → file).
    Kind(EntityKind),
    /// Nested in an unknown property: an [`UnknownEntity`](crate::UnknownEntity).
    Any,
}

/// Identity of an entity in the input: its `$id`, or the object's address when it has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key<'a> {
    Id(&'a str),
    Object(*const Map<String, Value>),
}

/// Builds an [`EntitySet`] from a JSON value (see the module docs).
pub(crate) struct Decoder<'a> {
    defs: HashMap<&'a str, (&'a Value, String)>,
    assigned: HashMap<Key<'a>, EntityId>,
    nodes: Vec<Option<Node>>,
    depth: usize,
}

impl<'a> Decoder<'a> {
    /// The entity `value` stands for (a definition or a `$ref`), decoding it on first sight.
    pub(crate) fn entity(
        &mut self,
        value: &'a Value,
        implied: Implied,
        path: &str,
    ) -> Result<EntityId, EntityError> {
        let obj = value.as_object().ok_or_else(|| EntityError::NotAnEntity {
            at: path.to_owned(),
            found: json_type(value),
        })?;
        if let Some(target) = obj.get("$ref") {
            let target = target.as_str().ok_or_else(|| EntityError::BadReference {
                at: path.to_owned(),
                problem: format!("`$ref` must be a string, found {}", describe(target)),
            })?;
            if obj.len() > 1 {
                return Err(EntityError::BadReference {
                    at: path.to_owned(),
                    problem: format!(
                        "an object with `$ref` \"{target}\" must have no other properties"
                    ),
                });
            }
            let (def, def_path) =
                self.defs
                    .get(target)
                    .cloned()
                    .ok_or_else(|| EntityError::DanglingRef {
                        at: path.to_owned(),
                        target: target.to_owned(),
                    })?;
            return self.define(Key::Id(target), def, implied, &def_path);
        }
        if obj.contains_key(PLACEHOLDER) {
            return Err(EntityError::ReservedKey {
                at: path.to_owned(),
            });
        }
        let key = match obj.get("$id") {
            Some(Value::String(id)) => Key::Id(id),
            _ => Key::Object(obj),
        };
        self.define(key, value, implied, path)
    }

    fn define(
        &mut self,
        key: Key<'a>,
        value: &'a Value,
        implied: Implied,
        path: &str,
    ) -> Result<EntityId, EntityError> {
        if let Some(id) = self.assigned.get(&key) {
            return Ok(*id);
        }
        let Some(obj) = value.as_object() else {
            return Err(EntityError::NotAnEntity {
                at: path.to_owned(),
                found: json_type(value),
            });
        };
        let source_id = match key {
            Key::Id(id) => Some(id.to_owned()),
            Key::Object(_) => None,
        };
        let named = match &source_id {
            Some(id) => format!("entity $id \"{id}\""),
            None => "entity".to_owned(),
        };
        let (kind, type_tag) = match obj.get("Type") {
            Some(Value::String(name)) => (EntityKind::from_type_name(name), Some(name.clone())),
            Some(other) => {
                return Err(EntityError::WrongType {
                    at: format!("{named} at {path}"),
                    property: "Type".to_owned(),
                    expected: "a string",
                    found: describe(other),
                });
            }
            None => match implied {
                Implied::Root => {
                    return Err(EntityError::MissingType {
                        at: format!("{named} at {path}"),
                    });
                }
                Implied::Kind(kind) => (kind, None),
                Implied::Any => (EntityKind::Unknown, None),
            },
        };
        let site = Site {
            path: path.to_owned(),
            desc: format!(
                "{named} ({}) at {path}",
                type_tag.as_deref().unwrap_or(kind.sentinel_name())
            ),
        };
        if self.depth >= MAX_DEPTH {
            return Err(EntityError::TooDeep {
                at: site.desc,
                limit: MAX_DEPTH,
            });
        }
        let id = EntityId(self.nodes.len());
        self.nodes.push(None);
        self.assigned.insert(key, id);
        self.depth += 1;
        let entity = Entity::decode(kind, type_tag.as_deref(), obj, self, &site);
        self.depth -= 1;
        self.nodes[id.0] = Some(Node {
            entity: entity?,
            source_id,
            type_tag,
        });
        Ok(id)
    }

    /// Moves the properties without a typed field into `extra`, in key order.
    pub(crate) fn decode_extra(
        &mut self,
        obj: &'a Map<String, Value>,
        known: &[&str],
        site: &Site,
        extra: &mut BTreeMap<String, Value>,
    ) -> Result<(), EntityError> {
        // Key order, not input order, so that reading and writing visit links alike.
        let rest: BTreeMap<&String, &'a Value> = obj
            .iter()
            .filter(|(key, _)| {
                key.as_str() != "$id" && key.as_str() != "Type" && !known.contains(&key.as_str())
            })
            .collect();
        for (key, value) in rest {
            let converted = self.extra_value(value, &site.child(key))?;
            extra.insert(key.clone(), converted);
        }
        Ok(())
    }

    /// A copy of `value` with nested entities (objects with `$id` or `$ref`) replaced by
    /// `{"$entity": n}` links.
    pub(crate) fn extra_value(
        &mut self,
        value: &'a Value,
        path: &str,
    ) -> Result<Value, EntityError> {
        if self.depth + 1 >= MAX_DEPTH * 2 {
            return Err(EntityError::TooDeep {
                at: path.to_owned(),
                limit: MAX_DEPTH * 2,
            });
        }
        match value {
            Value::Object(obj) if obj.contains_key("$id") || obj.contains_key("$ref") => {
                let id = self.entity(value, Implied::Any, path)?;
                Ok(placeholder(id))
            }
            Value::Object(obj) if obj.contains_key(PLACEHOLDER) => Err(EntityError::ReservedKey {
                at: path.to_owned(),
            }),
            Value::Object(obj) => {
                self.depth += 1;
                let mut out = Map::new();
                let mut result = Ok(());
                for (key, item) in obj {
                    match self.extra_value(item, &format!("{path}.{key}")) {
                        Ok(converted) => {
                            out.insert(key.clone(), converted);
                        }
                        Err(error) => {
                            result = Err(error);
                            break;
                        }
                    }
                }
                self.depth -= 1;
                result.map(|()| Value::Object(out))
            }
            Value::Array(items) => {
                self.depth += 1;
                let converted = items
                    .iter()
                    .enumerate()
                    .map(|(index, item)| self.extra_value(item, &format!("{path}[{index}]")))
                    .collect::<Result<Vec<_>, _>>();
                self.depth -= 1;
                converted.map(Value::Array)
            }
            scalar => Ok(scalar.clone()),
        }
    }
}

/// Top-level items of a document, each with its JSON path.
type Items<'a> = Vec<(&'a Value, String)>;

/// The top-level items of an entities document and the shape they came in.
fn top_level(root: &Value) -> Result<(Items<'_>, JsonShape), EntityError> {
    match root {
        Value::Array(items) => Ok((
            items
                .iter()
                .enumerate()
                .map(|(index, item)| (item, format!("$[{index}]")))
                .collect(),
            JsonShape::Array,
        )),
        Value::Object(obj) if obj.contains_key("Type") || obj.contains_key("$id") => {
            Ok((vec![(root, "$".to_owned())], JsonShape::Array))
        }
        Value::Object(obj) => Ok((
            obj.iter()
                .map(|(key, item)| (item, format!("$[\"{key}\"]")))
                .collect(),
            JsonShape::ById,
        )),
        other => Err(EntityError::NotAnEntityList {
            found: json_type(other),
        }),
    }
}

/// Records every object with a `$id`; the same `$id` twice must mean the same object.
fn collect_defs<'a>(
    value: &'a Value,
    path: String,
    depth: usize,
    defs: &mut HashMap<&'a str, (&'a Value, String)>,
) -> Result<(), EntityError> {
    if depth > MAX_DEPTH * 3 {
        return Err(EntityError::TooDeep {
            at: path,
            limit: MAX_DEPTH * 3,
        });
    }
    match value {
        Value::Object(obj) => {
            if let Some(id) = obj.get("$id") {
                let Some(id) = id.as_str() else {
                    return Err(EntityError::BadReference {
                        at: path,
                        problem: format!("`$id` must be a string, found {}", describe(id)),
                    });
                };
                match defs.get(id) {
                    Some((earlier, first)) if *earlier != value => {
                        return Err(EntityError::DuplicateId {
                            id: id.to_owned(),
                            first: first.clone(),
                            second: path,
                        });
                    }
                    Some(_) => {}
                    None => {
                        defs.insert(id, (value, path.clone()));
                    }
                }
            }
            for (key, item) in obj {
                collect_defs(item, format!("{path}.{key}"), depth + 1, defs)?;
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                collect_defs(item, format!("{path}[{index}]"), depth + 1, defs)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Reads an entities document (array, single entity, or object keyed by `$id`).
pub(crate) fn decode_set(root: &Value) -> Result<EntitySet, EntityError> {
    let (items, shape) = top_level(root)?;
    let mut defs = HashMap::new();
    collect_defs(root, "$".to_owned(), 0, &mut defs)?;
    let mut cx = Decoder {
        defs,
        assigned: HashMap::new(),
        nodes: Vec::new(),
        depth: 0,
    };
    let mut roots = Vec::with_capacity(items.len());
    for (item, path) in items {
        roots.push(cx.entity(item, Implied::Root, &path)?);
    }
    // Every slot is filled once its entity is decoded; an error returns before this.
    let nodes = cx.nodes.into_iter().flatten().collect();
    Ok(EntitySet::from_parts(nodes, roots, shape))
}

/// `{"$entity": n}`.
pub(crate) fn placeholder(id: EntityId) -> Value {
    let mut obj = Map::new();
    obj.insert(PLACEHOLDER.to_owned(), Value::from(id.0));
    Value::Object(obj)
}

/// The entity a `{"$entity": n}` value links to.
fn placeholder_id(value: &Value) -> Option<EntityId> {
    let obj = value.as_object()?;
    if obj.len() != 1 {
        return None;
    }
    let index = obj.get(PLACEHOLDER)?.as_u64()?;
    usize::try_from(index).ok().map(EntityId)
}

/// Calls `f` for each `{"$entity": n}` link inside `value`.
pub(crate) fn placeholders(value: &Value, f: &mut dyn FnMut(EntityId)) {
    if let Some(id) = placeholder_id(value) {
        f(id);
        return;
    }
    match value {
        Value::Object(obj) => obj.values().for_each(|item| placeholders(item, f)),
        Value::Array(items) => items.iter().for_each(|item| placeholders(item, f)),
        _ => {}
    }
}

/// Calls `f` on each `{"$entity": n}` link inside `value`, writing back what it sets.
pub(crate) fn placeholders_mut(value: &mut Value, f: &mut dyn FnMut(&mut EntityId)) {
    if let Some(mut id) = placeholder_id(value) {
        f(&mut id);
        *value = placeholder(id);
        return;
    }
    match value {
        Value::Object(obj) => obj.values_mut().for_each(|item| placeholders_mut(item, f)),
        Value::Array(items) => items.iter_mut().for_each(|item| placeholders_mut(item, f)),
        _ => {}
    }
}

/// Writes an [`EntitySet`] back to Sentinel JSON (see the module docs).
pub(crate) struct Encoder<'s> {
    set: &'s EntitySet,
    ids: Vec<Option<String>>,
    written: Vec<bool>,
    /// Entities written at the top level of an object keyed by `$id`: nested
    /// occurrences are always references.
    pinned: Vec<bool>,
    depth: usize,
}

impl Encoder<'_> {
    /// The JSON for a link to `id`: the entity in full the first time, a `$ref` after.
    pub(crate) fn entity(&mut self, id: EntityId) -> Result<Value, EntityError> {
        let index = id.0;
        if index >= self.set.len() {
            return Err(EntityError::UnknownEntityId(index));
        }
        if self.written[index] || self.pinned[index] {
            let mut obj = Map::new();
            let target = self.ids[index].clone().unwrap_or_default();
            obj.insert("$ref".to_owned(), Value::String(target));
            return Ok(Value::Object(obj));
        }
        self.full(id)
    }

    /// The entity in full, with its `$id` when it has or needs one.
    fn full(&mut self, id: EntityId) -> Result<Value, EntityError> {
        let set = self.set;
        let node = set.node(id).ok_or(EntityError::UnknownEntityId(id.0))?;
        if self.depth >= MAX_DEPTH {
            return Err(EntityError::TooDeep {
                at: format!("writing entity #{}", id.0),
                limit: MAX_DEPTH,
            });
        }
        self.written[id.0] = true;
        let mut out = Map::new();
        if let Some(text) = &self.ids[id.0] {
            out.insert("$id".to_owned(), Value::String(text.clone()));
        }
        self.depth += 1;
        let encoded = node.entity.encode(self, &mut out);
        self.depth -= 1;
        encoded?;
        if let Some(type_tag) = &node.type_tag {
            out.insert("Type".to_owned(), Value::String(type_tag.clone()));
        }
        Ok(Value::Object(out))
    }

    /// A copy of an `extra` value with `{"$entity": n}` links written as entities.
    pub(crate) fn encode_extra(&mut self, value: &Value) -> Result<Value, EntityError> {
        if let Some(id) = placeholder_id(value) {
            return self.entity(id);
        }
        match value {
            Value::Object(obj) => {
                let mut out = Map::new();
                for (key, item) in obj {
                    out.insert(key.clone(), self.encode_extra(item)?);
                }
                Ok(Value::Object(out))
            }
            Value::Array(items) => items
                .iter()
                .map(|item| self.encode_extra(item))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            scalar => Ok(scalar.clone()),
        }
    }
}

/// Writes `set` in `shape`.
pub(crate) fn encode_set(set: &EntitySet, shape: JsonShape) -> Result<Value, EntityError> {
    let count = set.len();
    // How often each entity is pointed at: a once-referenced entity that came without a
    // `$id` (an inline `Location`, say) is written back without one.
    let mut uses = vec![0usize; count];
    for root in set.roots() {
        if let Some(n) = uses.get_mut(root.0) {
            *n += 1;
        }
    }
    for (_, entity) in set.iter() {
        entity.for_each_link(&mut |_, target| {
            if let Some(n) = uses.get_mut(target.0) {
                *n += 1;
            }
        });
    }
    let mut pinned = vec![false; count];
    if shape == JsonShape::ById {
        for root in set.roots() {
            if let Some(flag) = pinned.get_mut(root.0) {
                *flag = true;
            }
        }
    }
    let used: BTreeSet<&str> = (0..count)
        .filter_map(|index| set.source_id(EntityId(index)))
        .collect();
    let mut next = 1usize;
    let mut fresh = || {
        while used.contains(next.to_string().as_str()) {
            next += 1;
        }
        next += 1;
        (next - 1).to_string()
    };
    let ids: Vec<Option<String>> = (0..count)
        .map(|index| match set.source_id(EntityId(index)) {
            Some(id) => Some(id.to_owned()),
            None if uses[index] > 1 || pinned[index] => Some(fresh()),
            None => None,
        })
        .collect();
    let mut cx = Encoder {
        set,
        ids,
        written: vec![false; count],
        pinned,
        depth: 0,
    };
    match shape {
        JsonShape::Array => set
            .roots()
            .iter()
            .map(|root| cx.entity(*root))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        JsonShape::ById => {
            let mut out = Map::new();
            for root in set.roots() {
                if cx.written.get(root.0) == Some(&true) {
                    continue;
                }
                let key = cx.ids.get(root.0).cloned().flatten().unwrap_or_default();
                let value = cx.full(*root)?;
                out.insert(key, value);
            }
            Ok(Value::Object(out))
        }
    }
}

/// A normalised form of an entities document for comparing two of them: every `$ref`
/// replaced by a copy of what it points to, `$id`s dropped, and the top-level entities
/// sorted. Two documents describe the same entities exactly when their resolved forms
/// are equal, whatever their `$id` numbering, inline-versus-reference placement or
/// shape (array or object keyed by `$id`).
///
/// A reference back into an entity being resolved (a cycle) becomes
/// `{"$cycle": n}`, `n` counting the entities up to the one referred to.
///
/// ```
/// use serde_json::json;
/// let a = json!([{"$id": "1", "HostName": "h", "Type": "host"},
///                {"$id": "2", "Name": "u", "Host": {"$ref": "1"}, "Type": "account"}]);
/// let b = json!([{"$id": "7", "Name": "u", "Type": "account",
///                 "Host": {"$id": "8", "HostName": "h", "Type": "host"}},
///                {"$ref": "8"}]);
/// assert_eq!(entities::resolved_form(&a)?, entities::resolved_form(&b)?);
/// # Ok::<(), entities::EntityError>(())
/// ```
pub fn resolved_form(document: &Value) -> Result<Value, EntityError> {
    let (items, _) = top_level(document)?;
    let mut defs = HashMap::new();
    collect_defs(document, "$".to_owned(), 0, &mut defs)?;
    let mut resolved = Vec::with_capacity(items.len());
    for (item, path) in items {
        resolved.push(resolve(item, &defs, &mut Vec::new(), &path)?);
    }
    resolved.sort_by_cached_key(Value::to_string);
    Ok(Value::Array(resolved))
}

fn resolve<'a>(
    value: &'a Value,
    defs: &HashMap<&'a str, (&'a Value, String)>,
    stack: &mut Vec<&'a str>,
    path: &str,
) -> Result<Value, EntityError> {
    if stack.len() > MAX_DEPTH * 3 {
        return Err(EntityError::TooDeep {
            at: path.to_owned(),
            limit: MAX_DEPTH * 3,
        });
    }
    match value {
        Value::Object(obj) => {
            // A reference, or an inline definition met again inside itself (reached
            // through a reference to an entity that contains it).
            let target = obj
                .get("$ref")
                .or_else(|| obj.get("$id"))
                .and_then(Value::as_str);
            if let Some(target) = target
                && let Some(position) = stack.iter().rposition(|id| *id == target)
            {
                // How many entities up the cycle closes: independent of `$id` texts.
                let mut cycle = Map::new();
                cycle.insert("$cycle".to_owned(), Value::from(stack.len() - position));
                return Ok(Value::Object(cycle));
            }
            if let Some(target) = obj.get("$ref").and_then(Value::as_str) {
                let (def, _) = defs.get(target).ok_or_else(|| EntityError::DanglingRef {
                    at: path.to_owned(),
                    target: target.to_owned(),
                })?;
                return resolve(def, defs, stack, path);
            }
            let own_id = obj.get("$id").and_then(Value::as_str);
            if let Some(id) = own_id {
                stack.push(id);
            }
            let mut out = Map::new();
            for (key, item) in obj {
                if key == "$id" {
                    continue;
                }
                match resolve(item, defs, stack, &format!("{path}.{key}")) {
                    Ok(converted) => {
                        out.insert(key.clone(), converted);
                    }
                    Err(error) => {
                        if own_id.is_some() {
                            stack.pop();
                        }
                        return Err(error);
                    }
                }
            }
            if own_id.is_some() {
                stack.pop();
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(index, item)| resolve(item, defs, stack, &format!("{path}[{index}]")))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        scalar => Ok(scalar.clone()),
    }
}

/// One entity's own properties as Sentinel names them, with each link to another entity
/// written as that entity's label (`host web01`), for tables and tooltips.
pub(crate) fn entity_properties(
    set: &EntitySet,
    id: EntityId,
) -> Result<Map<String, Value>, EntityError> {
    let count = set.len();
    // Every entity is "pinned", so links encode as `{"$ref": "<index>"}`.
    let mut cx = Encoder {
        set,
        ids: (0..count).map(|index| Some(index.to_string())).collect(),
        written: vec![false; count],
        pinned: vec![true; count],
        depth: 0,
    };
    let Value::Object(mut props) = cx.full(id)? else {
        return Ok(Map::new());
    };
    props.remove("$id");
    for value in props.values_mut() {
        label_links(set, value);
    }
    Ok(props)
}

fn label_links(set: &EntitySet, value: &mut Value) {
    match value {
        Value::Object(obj) => {
            let target = match (obj.len(), obj.get("$ref")) {
                (1, Some(Value::String(index))) => index.parse::<usize>().ok(),
                _ => None,
            };
            match target {
                Some(index) => *value = Value::String(set.label(EntityId(index))),
                None => obj.values_mut().for_each(|item| label_links(set, item)),
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| label_links(set, item)),
        _ => {}
    }
}
