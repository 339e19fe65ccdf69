//! Reading input columns from a DataFrame with errors that name the column.

use polars::prelude::*;
use polars_arrow::array::{Utf8ViewArray, View};
use polars_arrow::bitmap::MutableBitmap;
use polars_arrow::datatypes::ArrowDataType;
use polars_buffer::Buffer;

use crate::SectoolsError;

/// The named column, or an error naming the column and what the frame has.
pub(crate) fn column<'a>(df: &'a DataFrame, name: &str) -> Result<&'a Column, SectoolsError> {
    df.column(name).map_err(|_| SectoolsError::MissingColumn {
        column: name.to_string(),
        available: df
            .get_column_names()
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// The named column as strings, or an error naming the column (missing, or of another type).
pub(crate) fn string_column<'a>(
    df: &'a DataFrame,
    name: &str,
) -> Result<&'a StringChunked, SectoolsError> {
    let column = column(df, name)?;
    column.str().map_err(|_| SectoolsError::ColumnType {
        column: name.to_string(),
        actual: column.dtype().to_string(),
        expected: "String".to_string(),
    })
}

/// A column as text: strings as they are, integers in decimal, floats as the integer
/// they hold (a PID read as `1234.0` is `1234`, as msticpy does), booleans as `true`.
/// Borrow its values with [`cells`].
pub(crate) fn text_column(df: &DataFrame, name: &str) -> Result<Column, SectoolsError> {
    let col = column(df, name)?;
    Ok(match col.dtype() {
        DataType::String => col.clone(),
        DataType::Float32 | DataType::Float64 => {
            col.cast(&DataType::Int64)?.cast(&DataType::String)?
        }
        dtype if dtype.is_integer() || dtype.is_bool() => col.cast(&DataType::String)?,
        other => {
            return Err(SectoolsError::ColumnType {
                column: name.to_string(),
                actual: other.to_string(),
                expected: "text or numbers".to_string(),
            });
        }
    })
}

/// A column of times as UTC nanoseconds since the epoch, one entry per row: datetime and
/// date columns, or text such as `2024-03-01 16:52:28.267` or `2024-03-01T16:52:28Z`.
/// Empty text is `None`; other text that is not a time is an error naming row and value.
///
/// ```
/// use sectools::polars::prelude::*;
///
/// let df = df!("t" => ["2024-03-01T00:00:01Z", ""]).unwrap();
/// assert_eq!(sectools::time_column_ns(&df, "t").unwrap(), vec![Some(1_709_251_201_000_000_000), None]);
/// assert!(sectools::time_column_ns(&df, "when").is_err());
/// ```
pub fn time_column_ns(df: &DataFrame, name: &str) -> Result<Vec<Option<i64>>, SectoolsError> {
    crate::proctree::input::time_values(df, name)
}

/// A string column whose values are spans of `text` (`None` spans are nulls), holding
/// `text` itself as its one buffer: values are not copied. `text` should hold this
/// column's values only, or the column keeps the rest alive.
pub(crate) fn text_from_spans(
    name: &str,
    text: String,
    spans: &[Option<(usize, usize)>],
) -> StringChunked {
    if u32::try_from(text.len()).is_err() {
        // Views address their buffer with 32-bit offsets: copy instead.
        let mut builder = StringChunkedBuilder::new(name.into(), spans.len());
        for span in spans {
            builder.append_option(span.and_then(|(start, end)| text.get(start..end)));
        }
        return builder.finish();
    }
    let mut views = Vec::with_capacity(spans.len());
    let mut validity = MutableBitmap::with_capacity(spans.len());
    let mut long_bytes = 0;
    for span in spans {
        match span.and_then(|(start, end)| Some((start, text.get(start..end)?))) {
            Some((start, value)) => {
                let bytes = value.as_bytes();
                views.push(if bytes.len() <= View::MAX_INLINE_SIZE as usize {
                    View::new_inline(bytes)
                } else {
                    long_bytes += bytes.len();
                    View::new_from_bytes(bytes, 0, start as u32)
                });
                validity.push(true);
            }
            None => {
                views.push(View::default());
                validity.push(false);
            }
        }
    }
    // Values that all fit in their views need no buffer at all.
    let (buffers, buffer_len): (Vec<Buffer<u8>>, usize) = if long_bytes == 0 {
        (Vec::new(), 0)
    } else {
        let len = text.len();
        (vec![Buffer::from(text.into_bytes())], len)
    };
    // SAFETY: each valid view was made from `text[start..end]` (a `str`, so UTF-8, at
    // char boundaries) by `View::new_inline`, or by `View::new_from_bytes` with buffer 0
    // (that text, present whenever such a view exists) and offset `start`, below 2^32
    // (checked above); nulls are zero views, with one validity bit per view.
    let values = unsafe {
        Utf8ViewArray::new_unchecked(
            ArrowDataType::Utf8View,
            Buffer::from(views),
            Buffer::from(buffers),
            Some(validity.into()),
            None,
            buffer_len,
        )
    };
    StringChunked::with_chunk(name.into(), values)
}
