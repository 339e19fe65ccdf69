//! The query library: msticpy-format YAML query files, and safe rendering of their
//! parameters.
//!
//! A file has `metadata` (version, description, data_environments, data_families, tags),
//! optional `defaults` (`metadata`, `parameters`) and `sources`: the queries, each with a
//! `description`, optional `metadata`, `args.query` (the template), `parameters` and
//! `query_macros`. A query is addressed as `family.name` under each of its data families
//! (`WindowsSecurity.list_host_logons`). Loading validates what msticpy validates and
//! what its schema demands; errors name the file, the query and the parameter.
//!
//! ```
//! use data::{Dialect, QueryLibrary};
//!
//! let lib = QueryLibrary::from_yaml_str("logons.yaml", r#"
//! metadata:
//!   version: 1
//!   description: Logon queries
//!   data_environments: [MSSentinel, LocalData]
//!   data_families: [WindowsSecurity]
//! defaults:
//!   parameters:
//!     table: {description: Table name, type: str, default: SecurityEvent}
//! sources:
//!   list_host_logons:
//!     description: Logons on one host
//!     args:
//!       query: '{table} | where EventID == 4624 and Computer has "{host_name}"'
//!     parameters:
//!       host_name: {description: Host name, type: str}
//! "#)?;
//! let kql = lib.render(
//!     "WindowsSecurity.list_host_logons",
//!     [("host_name", r#"x" or 1==1 | take 1"#)],
//!     Dialect::Kql,
//! )?;
//! // The hostile value stays inside the string literal.
//! assert_eq!(
//!     kql,
//!     r#"SecurityEvent | where EventID == 4624 and Computer has "x\" or 1==1 | take 1""#
//! );
//! # Ok::<(), data::DataError>(())
//! ```
//!
//! # Rendering
//!
//! msticpy builds a query with Python's `str.format`, so a quote, pipe or line break in
//! a value can rewrite the query. huntrs parses the template (`{name}` placeholders,
//! `{{`/`}}` escapes, `$<macro>$` already expanded at load) and follows the target
//! language's string literals and comments ([`Dialect`]) to see where each placeholder
//! stands; the value becomes a literal for that place:
//!
//! - **Inside a string literal of the template** (`Computer has "{host_name}"`, the
//!   common msticpy style): the value's text, escaped for that literal — KQL `"…"`/`'…'`:
//!   `\` → `\\`, the quote → `\"`/`\'`, line breaks and tabs → `\n`, `\r`, `\t`; KQL
//!   verbatim `@"…"`/`@'…'`: the quote doubled; SPL `"…"`: `\` and `"` backslashed. Other
//!   control characters (and line breaks in verbatim or SPL strings) are an error, as
//!   they cannot be written safely. Datetimes, numbers (checked) and lists (items
//!   joined with `,`, as msticpy's `split(list, ",")` queries expect) become text first.
//! - **In code**: `datetime` → KQL `datetime(2024-01-01T00:00:00.0000000Z)` (just the
//!   timestamp right after `datetime(`), SPL `"2024-01-01 00:00:00.000000"`; `int` and
//!   `float` → the number, after checking it is one; `list` → comma-separated string
//!   literals `"a", "b"`, for `in ({list})` and `dynamic([{list}])`; `str` → see below.
//!
//! After substitution, blank lines are removed as msticpy does.
//!
//! # Raw fragments
//!
//! A `str` parameter in code position (`{table}`, `{add_query_items}`,
//! `Computer {host_op} "{host_name}"`) is a piece of query, so it cannot be quoted.
//! The rule:
//!
//! 1. A parameter declared `fragment: true` (a huntrs extension msticpy ignores), or
//!    named in [`FRAGMENT_PARAMS`] (msticpy's conventional fragment parameters, e.g.
//!    `add_query_items`, `query_project`, `subscription_filter`), takes any text,
//!    verbatim: the caller is adding query text on purpose.
//! 2. Any other `str` parameter in code position takes its YAML default (written by the
//!    library's author) or a single token verbatim: a name of letters, digits, `_` and
//!    `.` (`SecurityEvent`, `TimeGenerated`, `1h`), or a comparison operator (`==`, `=~`,
//!    `has`, `!contains`, …). Right after KQL `datetime(`, any other value must be a
//!    datetime (or a day offset) and is rendered as one.
//!    Anything else — spaces, quotes, pipes, line breaks — is rendered as a string
//!    literal (`"…"`): right for value positions such as SPL's `dest={host_name}` or
//!    KQL's `has_any ({cmd_line})`; in a syntax position (`{table}`) it makes the service
//!    reject the query instead of running a different one.
//!
//! So data values (host names, accounts, IPs, command lines) can never change a
//! query's structure unless the YAML puts them in a fragment parameter.
//!
//! Unknown parameter names are errors with a "did you mean" suggestion; missing
//! required ones are errors that list the query's parameters. Aliases are accepted.
//! A `format` template (msticpy's undocumented `format: "…{}…"`) wraps the rendered
//! literal. Only KQL and SPL are rendered; the other languages in msticpy's library
//! (OData, RQL, Sumo, JSON bodies) load but have no [`Dialect`] yet.
//! The KQL lexer follows `"…"`, `'…'`, `@"…"`, `@'…'` and `//` comments, not
//! ```` ``` ```` multi-line strings (no query in msticpy's library uses them).

mod library;
mod params;
mod render;
mod suggest;
pub(crate) use library::read_query_file;
pub(crate) use suggest::closest;
mod template;
mod yaml;

pub use library::{
    FileMetadata, QueryDef, QueryFile, QueryLibrary, QueryMacro, canonical_environment,
};
pub use params::{ParamDef, ParamType, ParamValue};
pub use render::{Dialect, FRAGMENT_PARAMS};

/// The text of a query error: "file: query `q`, parameter `p`: message".
pub(crate) fn describe(
    file: &str,
    query: Option<&str>,
    param: Option<&str>,
    message: &str,
) -> String {
    let mut s = file.to_owned();
    if let Some(q) = query {
        s.push_str(&format!(": query `{q}`"));
    }
    match (query, param) {
        (Some(_), Some(p)) => s.push_str(&format!(", parameter `{p}`")),
        (None, Some(p)) => s.push_str(&format!(": parameter `{p}`")),
        _ => {}
    }
    s.push_str(": ");
    s.push_str(message);
    s
}

/// The text of a render error: "query `q`, parameter `p`: message".
pub(crate) fn describe_render(query: &str, param: Option<&str>, message: &str) -> String {
    match param {
        Some(p) => format!("query `{query}`, parameter `{p}`: {message}"),
        None => format!("query `{query}`: {message}"),
    }
}
