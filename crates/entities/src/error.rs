/// Why a value could not become an entity, or an entity set could not be read or written.
///
/// Messages name the place (`$id`, entity type, JSON path, property or column) so a
/// user can find the offending part of an alert.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntityError {
    /// The text is not an IPv4 or IPv6 address.
    #[error("`{0}` is not an IPv4 or IPv6 address")]
    InvalidIp(String),
    /// The text is empty where a name is required.
    #[error("an empty {0} name is not allowed")]
    EmptyName(&'static str),
    /// The input is not valid JSON.
    #[error("entities JSON is not valid JSON: {0}")]
    Json(String),
    /// The top level is neither an array of entities, an entity, nor an object keyed by `$id`.
    #[error(
        "entities JSON must be an array of entities or an object keyed by `$id`, found {found}"
    )]
    NotAnEntityList {
        /// JSON type found instead.
        found: &'static str,
    },
    /// Something other than a JSON object stands where an entity is expected.
    #[error("{at}: expected an entity object (or {{\"$ref\": ...}}), found {found}")]
    NotAnEntity {
        /// Where in the input (`$[3]`, `$[3].Host`, ...).
        at: String,
        /// JSON type found instead.
        found: &'static str,
    },
    /// A top-level entity has no `Type` property, so its kind is unknown.
    #[error("{at}: entity has no `Type` property (add e.g. \"Type\": \"host\")")]
    MissingType {
        /// Where in the input, with the entity's `$id` when it has one.
        at: String,
    },
    /// `{"$ref": "9"}` where no object in the input has `"$id": "9"`.
    #[error("{at}: `$ref` \"{target}\" points to no entity (no object has \"$id\": \"{target}\")")]
    DanglingRef {
        /// Where the reference stands.
        at: String,
        /// The `$ref` value.
        target: String,
    },
    /// A `$id` or `$ref` that is not usable as written.
    #[error("{at}: {problem}")]
    BadReference {
        /// Where in the input.
        at: String,
        /// What is wrong (not a string, extra keys next to `$ref`, ...).
        problem: String,
    },
    /// Two different objects carry the same `$id`.
    #[error("`$id` \"{id}\" is defined twice with different properties (at {first} and {second})")]
    DuplicateId {
        /// The repeated `$id`.
        id: String,
        /// Where it was first defined.
        first: String,
        /// Where it was defined again.
        second: String,
    },
    /// A known property holds a value of the wrong JSON type.
    #[error("{at}: property `{property}` should be {expected}, found {found}")]
    WrongType {
        /// The entity (`$id` and type) and its place in the input.
        at: String,
        /// The property name as written in the JSON.
        property: String,
        /// What the property must hold.
        expected: &'static str,
        /// What it holds.
        found: String,
    },
    /// A property the entity type cannot do without is absent.
    #[error("{at}: required property `{property}` is missing")]
    MissingProperty {
        /// The entity and its place in the input.
        at: String,
        /// The property name as written in the JSON.
        property: &'static str,
    },
    /// The input uses a key this crate reserves for its own bookkeeping.
    #[error("{at}: the key `$entity` is reserved (it marks nested entities in `extra`)")]
    ReservedKey {
        /// Where the key stands.
        at: String,
    },
    /// Entities refer to each other more deeply than the crate follows.
    #[error("{at}: entities nest or refer to each other more than {limit} levels deep")]
    TooDeep {
        /// Where the limit was hit.
        at: String,
        /// The nesting limit.
        limit: usize,
    },
    /// An [`EntityId`](crate::EntityId) that does not belong to the set it is used with.
    #[error("entity #{0} is not in this entity set")]
    UnknownEntityId(usize),
    /// A column of a SecurityAlert / SecurityEvent row holds an unusable value.
    #[error("column `{column}`: {problem}")]
    BadColumn {
        /// The column name.
        column: String,
        /// What is wrong with its value.
        problem: String,
    },
    /// An entity set read from a row column failed to parse.
    #[error("column `{column}`: {source}")]
    InColumn {
        /// The column holding the entities JSON.
        column: String,
        /// The underlying parse error.
        #[source]
        source: Box<EntityError>,
    },
}

/// The JSON type of a value, for error messages.
pub(crate) fn json_type(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
