//! Reading view inputs from DataFrames, with errors that name the column.

use polars::prelude::*;

use crate::ViewError;

/// The named column, or an error naming it and listing the frame's columns.
pub(crate) fn column<'a>(df: &'a DataFrame, name: &str) -> Result<&'a Column, ViewError> {
    df.column(name).map_err(|_| ViewError::MissingColumn {
        column: name.to_string(),
        available: column_names(df),
    })
}

/// The frame's column names, comma-separated.
pub(crate) fn column_names(df: &DataFrame) -> String {
    df.get_column_names()
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The first of `candidates` the frame has; the error lists the candidates and columns.
pub(crate) fn first_present<'n>(
    df: &DataFrame,
    candidates: &[&'n str],
) -> Result<&'n str, ViewError> {
    candidates
        .iter()
        .copied()
        .find(|name| df.column(name).is_ok())
        .ok_or_else(|| ViewError::MissingColumn {
            column: candidates.join("' or '"),
            available: column_names(df),
        })
}

/// A time column as UTC milliseconds since the epoch (datetime, date or ISO 8601 text).
pub(crate) fn time_ms(df: &DataFrame, name: &str) -> Result<Vec<Option<i64>>, ViewError> {
    column(df, name)?;
    Ok(sectools::time_column_ns(df, name)?
        .into_iter()
        .map(|ns| ns.map(|ns| ns.div_euclid(1_000_000)))
        .collect())
}

/// A numeric column as `f64` (integers, floats, booleans as 0/1).
pub(crate) fn numbers(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>, ViewError> {
    let col = column(df, name)?;
    if !(col.dtype().is_primitive_numeric() || col.dtype() == &DataType::Boolean) {
        return Err(ViewError::ColumnType {
            column: name.to_string(),
            actual: col.dtype().to_string(),
            expected: "numbers".to_string(),
        });
    }
    let values = col.cast(&DataType::Float64)?;
    Ok(values.f64()?.iter().collect())
}

/// Every cell of a column as display text (`None` for nulls): times as ISO 8601,
/// numbers as written, lists as JSON.
pub(crate) fn texts(df: &DataFrame, name: &str) -> Result<Vec<Option<String>>, ViewError> {
    let col = column(df, name)?;
    if let Ok(strings) = col.str() {
        return Ok(strings.iter().map(|s| s.map(str::to_string)).collect());
    }
    let series = col.as_materialized_series();
    Ok(series.iter().map(|value| cell_text(&value)).collect())
}

/// One cell as display text, `None` for null.
pub(crate) fn cell_text(value: &AnyValue<'_>) -> Option<String> {
    match data::cell_json(value) {
        serde_json::Value::Null => None,
        serde_json::Value::String(text) => Some(text),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_column_lists_the_columns() {
        let df = df!("a" => [1], "b" => ["x"]).unwrap();
        let error = column(&df, "c").unwrap_err().to_string();
        assert_eq!(error, "no column 'c' in the data; its columns are: a, b");
        let error = first_present(&df, &["x", "y"]).unwrap_err().to_string();
        assert_eq!(
            error,
            "no column 'x' or 'y' in the data; its columns are: a, b"
        );
        assert_eq!(first_present(&df, &["c", "b"]).unwrap(), "b");
    }

    #[test]
    fn reads_times_numbers_and_texts() {
        let df = df!(
            "t" => ["2024-03-01T00:00:01Z", ""],
            "n" => [Some(1i64), None],
            "s" => ["a", "b"]
        )
        .unwrap();
        assert_eq!(
            time_ms(&df, "t").unwrap(),
            vec![Some(1_709_251_201_000), None]
        );
        assert_eq!(numbers(&df, "n").unwrap(), vec![Some(1.0), None]);
        assert!(
            numbers(&df, "s")
                .unwrap_err()
                .to_string()
                .contains("needs numbers")
        );
        assert_eq!(texts(&df, "n").unwrap(), vec![Some("1".to_string()), None]);
    }
}
