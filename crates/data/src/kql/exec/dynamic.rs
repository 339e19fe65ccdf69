//! KQL `dynamic` values, represented as JSON text in string columns (the workspace polars
//! has no struct/object types enabled): `parse_json`/`todynamic` keep the text,
//! `x.prop` / `x["prop"]` / `x[0]` look a value up (strings come back as plain text, arrays
//! and objects as JSON text, numbers and booleans as their text — use `toint()` and
//! friends to compare them as numbers), and `mv-expand` turns a JSON array into rows.

use polars::prelude::{
    AnyValue, Column, DataType, Expr as PExpr, Field, IntoSeries, ListChunked, NamedFrom, Schema,
    Series,
};

use super::strings::map_str;

/// One step of a property path.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// `.name` or `["name"]`
    Key(String),
    /// `[i]`; negative counts from the end.
    Index(i64),
}

/// The JSON text of a value as a KQL column cell: strings unquoted, others as JSON.
fn cell(v: &serde_json::Value) -> AnyValue<'static> {
    match v {
        serde_json::Value::Null => AnyValue::Null,
        serde_json::Value::String(s) => AnyValue::StringOwned(s.as_str().into()),
        other => AnyValue::StringOwned(other.to_string().as_str().into()),
    }
}

/// `expr.step`: looks the step up in each row's JSON; null when missing or not JSON.
pub(crate) fn lookup(expr: PExpr, step: Step) -> PExpr {
    map_str(expr, DataType::String, move |s| {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(s) else {
            return AnyValue::Null;
        };
        let found = match (&step, &v) {
            (Step::Key(k), serde_json::Value::Object(m)) => m.get(k),
            (Step::Index(i), serde_json::Value::Array(a)) => {
                let len = i64::try_from(a.len()).unwrap_or(i64::MAX);
                let i = if *i < 0 { len + i } else { *i };
                usize::try_from(i).ok().and_then(|i| a.get(i))
            }
            _ => None,
        };
        found.map_or(AnyValue::Null, cell)
    })
}

/// A JSON-array string column as a list of strings (elements as in [`lookup`]); a value that
/// is not an array becomes a one-element list, as KQL's `mv-expand` treats scalars.
pub(crate) fn json_array_to_list(expr: PExpr) -> PExpr {
    expr.map(
        |c: Column| {
            let ca = c.str()?;
            let lists: ListChunked = ca
                .iter()
                .map(|v| {
                    v.map(|s| {
                        let items: Vec<Option<String>> = match serde_json::from_str(s) {
                            Ok(serde_json::Value::Array(a)) => a.iter().map(text).collect(),
                            Ok(other) => vec![text(&other)],
                            Err(_) => vec![Some(s.to_string())],
                        };
                        Series::new("".into(), items)
                    })
                })
                .collect();
            Ok(lists.with_name(ca.name().clone()).into_series().into())
        },
        |_: &Schema, f: &Field| {
            Ok(Field::new(
                f.name().clone(),
                DataType::List(Box::new(DataType::String)),
            ))
        },
    )
}

fn text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}
