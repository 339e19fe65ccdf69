//! Pivots: from an entity (or a column of values) to the queries about it.
//!
//! Which parameter an entity fills is data — `queries/pivot_params.json`, plus any
//! file of the same shape added with [`QueryProvider::add_pivot_params`] — so user
//! query files join in: a query is a pivot of an entity type when one of its
//! parameters maps to that type and every other parameter without a default is
//! `start`, `end` (the time range) or another mapped field of the same entity.
//!
//! ```
//! use data::{Pivot, QueryProvider, LocalData, kql::Tables};
//! use data::entities::{Entity, Host};
//!
//! let qp = QueryProvider::with_driver(Box::new(LocalData::from_tables(Tables::new(), "memory")))?;
//! let host = Entity::from(Host::from_fqdn("ws-014.corp.larkmoor.com"));
//! let pivots = host.pivots(&qp);
//! assert!(pivots.names().contains(&"WindowsSecurity.list_host_logons"));
//! assert!(!pivots.names().contains(&"ThreatIntelligence.lookup_ip"));
//! # Ok::<(), data::DataError>(())
//! ```

mod column;
mod lookup;
mod params;
mod typed;

use entities::Entity;

pub use column::{ColumnPivot, PivotJoin};
pub use params::{ParamSource, PivotParams, entity_field};

use crate::{DataError, QueryBuilder, QueryProvider};

/// The entity field a lookup works on, per entity type.
const LOOKUP_FIELDS: &[(&str, &str)] = &[
    ("IpAddress", "address"),
    ("Dns", "domain_name"),
    ("Url", "url"),
    ("FileHash", "value"),
    ("Process", "command_line"),
    ("Host", "fqdn"),
];

/// The enrichment lookups that apply to an entity type (`sectools::enrich` and the
/// transforms, configured from msticpyconfig.yaml; see docs/enrichment.md).
const LOOKUPS: &[(&str, &str, &str)] = &[
    (
        "IpAddress",
        "ti_lookup",
        "threat intelligence on the address",
    ),
    ("IpAddress", "geoip", "country, city and ASN (GeoIP)"),
    ("IpAddress", "whois", "RDAP registration and ASN"),
    (
        "IpAddress",
        "ip_type",
        "public, private, loopback, ... (sectools::classify_ip)",
    ),
    (
        "IpAddress",
        "dns_reverse",
        "names the address resolves back to",
    ),
    ("Dns", "ti_lookup", "threat intelligence on the domain"),
    ("Dns", "dns_resolve", "addresses the name resolves to"),
    (
        "Dns",
        "domain_validate",
        "public-suffix check and entropy (DGA-like names)",
    ),
    ("Url", "ti_lookup", "threat intelligence on the URL"),
    ("Url", "url_components", "scheme, host, path, query"),
    (
        "Url",
        "extract_iocs",
        "IoCs in the URL (sectools::IocExtractor)",
    ),
    ("FileHash", "ti_lookup", "threat intelligence on the hash"),
    ("Process", "extract_iocs", "IoCs in the command line"),
    (
        "Process",
        "b64decode",
        "base64 in the command line (sectools::B64Unpacker)",
    ),
    ("Host", "dns_resolve", "addresses the host name resolves to"),
];

/// A query reachable from an entity, with the values the entity gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct PivotQuery {
    /// `family.name`.
    pub name: String,
    /// The query's description.
    pub description: String,
    /// Parameter → value taken from the entity.
    pub params: Vec<(String, String)>,
}

/// What [`Pivot::pivots`] found for one entity.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PivotList {
    /// The entity's type (`Host`).
    pub entity: String,
    /// Queries that run from this entity.
    pub queries: Vec<PivotQuery>,
    /// Queries that take one of the entity type's parameters but cannot run from this
    /// entity, and why (a missing field value, another required parameter).
    pub skipped: Vec<(String, String)>,
    /// Enrichment lookups for this entity type: name, what it gives.
    pub lookups: Vec<(String, String)>,
}

impl PivotList {
    /// The query names, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.queries.iter().map(|q| q.name.as_str()).collect()
    }
}

impl std::fmt::Display for PivotList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "Pivots from {} ({} queries)",
            self.entity,
            self.queries.len()
        )?;
        for q in &self.queries {
            let params: Vec<String> = q.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            writeln!(f, "  {}({}) — {}", q.name, params.join(", "), q.description)?;
        }
        if !self.lookups.is_empty() {
            writeln!(f, "Lookups:")?;
            for (name, about) in &self.lookups {
                writeln!(f, "  {name} — {about}")?;
            }
        }
        for (name, why) in &self.skipped {
            writeln!(f, "  (not {name}: {why})")?;
        }
        Ok(())
    }
}

/// Pivot functions on entities: [`pivots`](Pivot::pivots) lists what applies,
/// [`pivot`](Pivot::pivot) starts one.
pub trait Pivot {
    /// The queries of `qp` (and the lookups) that apply to this entity.
    fn pivots(&self, qp: &QueryProvider) -> PivotList;
    /// Starts pivots from this entity through `qp`.
    fn pivot<'p>(&self, qp: &'p mut QueryProvider) -> EntityPivot<'p>;
}

impl<T: Clone + Into<Entity>> Pivot for T {
    fn pivots(&self, qp: &QueryProvider) -> PivotList {
        list(qp, &self.clone().into())
    }

    fn pivot<'p>(&self, qp: &'p mut QueryProvider) -> EntityPivot<'p> {
        EntityPivot {
            qp,
            entity: self.clone().into(),
        }
    }
}

/// Pivots from one entity (from [`Pivot::pivot`]).
#[derive(Debug)]
pub struct EntityPivot<'p> {
    qp: &'p mut QueryProvider,
    entity: Entity,
}

impl<'p> EntityPivot<'p> {
    /// The query `name` (`family.name`, or the bare name when one pivot has it) with
    /// the entity's values filled in; add a time range and run it.
    ///
    /// # Errors
    /// [`DataError::QueryRender`] when no pivot of this entity has that name, listing
    /// the ones that do.
    pub fn query(self, name: &str) -> Result<QueryBuilder<'p>, DataError> {
        let found = list(self.qp, &self.entity);
        let matches: Vec<&PivotQuery> = found
            .queries
            .iter()
            .filter(|q| q.name == name || q.name.rsplit_once('.').is_some_and(|(_, n)| n == name))
            .collect();
        let pivot = match matches.as_slice() {
            [one] => (*one).clone(),
            [] => {
                let why = found
                    .skipped
                    .iter()
                    .find(|(n, _)| n == name || n.ends_with(&format!(".{name}")))
                    .map(|(n, why)| format!("; {n} does not apply: {why}"))
                    .unwrap_or_default();
                return Err(DataError::QueryRender {
                    query: name.to_owned(),
                    param: None,
                    message: format!(
                        "not a pivot of this {}{why}; its pivots are: {}",
                        found.entity,
                        found.names().join(", ")
                    ),
                });
            }
            many => {
                return Err(DataError::QueryRender {
                    query: name.to_owned(),
                    param: None,
                    message: format!(
                        "several pivots have this name; use one of: {}",
                        many.iter()
                            .map(|q| q.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        };
        let mut builder = self.qp.query(&pivot.name);
        for (param, value) in pivot.params {
            builder = builder.param(&param, value);
        }
        Ok(builder)
    }

    /// Runs lookup `name` (one of [`PivotList::lookups`]) on the entity's value:
    /// threat intelligence, GeoIP, whois, DNS, domain and URL checks, IoC extraction
    /// or base64 decoding. Providers and databases come from msticpyconfig.yaml.
    ///
    /// # Errors
    /// A lookup that does not apply to this entity type (naming those that do), an
    /// entity without the value, a missing configuration, or the lookup's own error.
    pub fn lookup(&self, name: &str) -> Result<polars::prelude::DataFrame, DataError> {
        let kind = format!("{:?}", self.entity.kind());
        let applies: Vec<&str> = LOOKUPS
            .iter()
            .filter(|(k, _, _)| *k == kind)
            .map(|(_, n, _)| *n)
            .collect();
        if !applies.contains(&name) {
            return Err(DataError::Unsupported(format!(
                "`{name}` is not a lookup of a {kind}; its lookups are: {}",
                if applies.is_empty() {
                    "none".to_owned()
                } else {
                    applies.join(", ")
                }
            )));
        }
        let field = LOOKUP_FIELDS
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or("", |(_, f)| *f);
        let value = entity_field(&self.entity, field).ok_or_else(|| {
            DataError::Unsupported(format!("this {kind} has no `{field}` to look up"))
        })?;
        lookup::run(name, &value)
    }

    /// What [`Pivot::pivots`] lists for the entity.
    pub fn list(&self) -> PivotList {
        list(self.qp, &self.entity)
    }
}

fn list(qp: &QueryProvider, entity: &Entity) -> PivotList {
    let kind = format!("{:?}", entity.kind());
    let map = qp.pivot_params();
    let mut out = PivotList {
        entity: kind.clone(),
        lookups: LOOKUPS
            .iter()
            .filter(|(k, _, _)| *k == kind)
            .map(|(_, name, about)| ((*name).to_owned(), (*about).to_owned()))
            .collect(),
        ..PivotList::default()
    };
    for name in qp.library().names() {
        let Some(query) = qp.library().get(&name) else {
            continue;
        };
        let mut params = Vec::new();
        let mut missing = Vec::new();
        let mut takes_entity = false;
        for def in &query.params {
            let sources: Vec<&ParamSource> = map
                .sources(&def.name)
                .iter()
                .filter(|s| s.entity == kind)
                .collect();
            if !sources.is_empty() {
                takes_entity = true;
                match sources.iter().find_map(|s| entity_field(entity, &s.field)) {
                    Some(value) => params.push((def.name.clone(), value)),
                    None if def.is_required() => missing.push(format!(
                        "this {kind} has no value for `{}` ({})",
                        def.name,
                        sources
                            .iter()
                            .map(|s| s.field.as_str())
                            .collect::<Vec<_>>()
                            .join(" or ")
                    )),
                    None => {}
                }
            } else if def.is_required() && def.name != "start" && def.name != "end" && !def.fragment
            {
                missing.push(format!(
                    "it also needs `{}`, which a {kind} does not give",
                    def.name
                ));
            }
        }
        if !takes_entity {
            continue;
        }
        if missing.is_empty() && !params.is_empty() {
            out.queries.push(PivotQuery {
                name,
                description: query.description.clone(),
                params,
            });
        } else if missing.is_empty() {
            out.skipped
                .push((name, format!("this {kind} has none of the values it takes")));
        } else {
            out.skipped.push((name, missing.join("; ")));
        }
    }
    out
}
