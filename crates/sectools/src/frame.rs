//! Reading input columns from a DataFrame with errors that name the column.

use std::collections::HashMap;

use polars::prelude::*;
use polars_arrow::array::{Utf8ViewArray, View};
use polars_arrow::bitmap::{Bitmap, MutableBitmap};
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

/// The view holding `bytes` (at most 12) inline. polars' `View::new_inline` copies
/// them into the view with a variable-length `memcpy` and then reads it back as
/// words, a failed store-to-load forward that cost more than the rest of a push;
/// here the bytes are read as (overlapping) words and the view built from them.
#[inline]
pub(crate) fn inline_view(bytes: &[u8]) -> View {
    let n = bytes.len();
    assert!(
        n <= View::MAX_INLINE_SIZE as usize,
        "an inline view holds at most {} bytes, not {n}",
        View::MAX_INLINE_SIZE
    );
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    let half = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    // Byte `k` of the value at bits `8k..`: the overlapping reads agree where they meet.
    let data: u128 = match n {
        8.. => u128::from(word(0)) | u128::from(word(n - 8)) << ((n - 8) * 8),
        4.. => u128::from(half(0)) | u128::from(half(n - 4)) << ((n - 4) * 8),
        1.. => {
            u128::from(bytes[0])
                | u128::from(bytes[n / 2]) << (n / 2 * 8)
                | u128::from(bytes[n - 1]) << ((n - 1) * 8)
        }
        0 => 0,
    };
    View {
        length: n as u32,
        prefix: data as u32,
        buffer_idx: (data >> 32) as u32,
        offset: (data >> 64) as u32,
    }
}

/// Rewrites `df`'s text columns compactly: a column's values longer than 12 bytes
/// (shorter ones live in their views) are stored once per distinct value, in a buffer
/// of exactly their size. Values, nulls and row order stay as they were.
///
/// Readers leave room to spare in the buffers they fill, and logs repeat host names,
/// paths, accounts and SIDs on every row: a 200,000-event process table read from CSV
/// holds 50 MB of string buffers, 7 MB once compacted. Tables read by huntrs (`data`'s
/// `read_table`) are compacted this way.
///
/// ```
/// use sectools::polars::prelude::*;
///
/// let path = r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe";
/// let mut df = df! { "NewProcessName" => [Some(path), None, Some(path), Some("cmd.exe")] }?;
/// let before = df.clone();
/// sectools::compact_text(&mut df)?;
/// assert!(df.equals_missing(&before));
/// let text: usize = df.column("NewProcessName")?.str()?.downcast_iter().map(|a| a.total_buffer_len()).sum();
/// assert_eq!(text, path.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn compact_text(df: &mut DataFrame) -> Result<(), SectoolsError> {
    let text_columns: Vec<PlSmallStr> = df
        .columns()
        .iter()
        .filter(|c| c.dtype() == &DataType::String)
        .map(|c| c.name().clone())
        .collect();
    // One at a time: the old column's buffers go as soon as its copy is made.
    for name in text_columns {
        let compacted = compact_strings(df.column(&name)?.str()?);
        df.with_column(compacted.into_column())?;
    }
    release_free_memory();
    Ok(())
}

/// Hands memory freed by this process back to the operating system. Readers fill
/// columns on worker threads, whose allocator arenas keep what they free for those
/// threads: without this, compacting frees the reader's buffers into arenas the
/// next steps (on other threads) never reuse, and the process grows by as much.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of glibc's arenas to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn compact_strings(column: &StringChunked) -> StringChunked {
    let chunks: Vec<Utf8ViewArray> = column
        .downcast_iter()
        .map(|values| {
            // Randomly seeded: the values are the logs' own, which an attacker may choose.
            let mut distinct: HashMap<&str, View> = HashMap::new();
            let mut compact = ViewColumn::with_capacity(values.len(), 0);
            for value in values.iter() {
                match value {
                    Some(value) => compact.push_distinct(value, &mut distinct),
                    None => compact.push_null(),
                }
            }
            compact.text.shrink_to_fit();
            let (views, buffers, validity) = compact.into_parts();
            // SAFETY: see `ViewColumn::into_parts`.
            unsafe { utf8_view_array(views, buffers, validity) }
        })
        .collect();
    StringChunked::from_chunk_iter(column.name().clone(), chunks)
}

/// A string column built by appending each value to one text that becomes the
/// column's buffer: a value is written once, where the column keeps it. Values of up
/// to 12 bytes live in their views and leave no bytes behind. A text nearing 4 GiB
/// (the reach of a view's offset) is sealed and a new one started.
pub(crate) struct ViewColumn {
    sealed: Vec<Buffer<u8>>,
    text: String,
    views: Vec<View>,
    /// Made at the first null: a column without nulls needs none.
    validity: Option<MutableBitmap>,
    /// The most bytes one text may hold: what a view's offset reaches.
    text_limit: usize,
}

impl ViewColumn {
    /// Room for `rows` values holding `text_bytes` bytes of long values in all.
    pub(crate) fn with_capacity(rows: usize, text_bytes: usize) -> ViewColumn {
        let mut column = ViewColumn {
            sealed: Vec::new(),
            text: String::with_capacity(text_bytes),
            views: Vec::with_capacity(rows),
            validity: None,
            text_limit: u32::MAX as usize,
        };
        // Filled from the start, row after row.
        crate::hugepages::advise_string(&mut column.text);
        crate::hugepages::advise(&mut column.views);
        column
    }

    /// A column whose views may also point into `shared` (buffers `0..shared.len()`),
    /// which it keeps: values already in them are not copied.
    pub(crate) fn sharing(shared: Vec<Buffer<u8>>, rows: usize, text_bytes: usize) -> ViewColumn {
        let mut column = ViewColumn::with_capacity(rows, text_bytes);
        // Own texts are numbered after these, as sealed texts are.
        column.sealed = shared;
        column
    }

    /// Appends a view into the shared buffers (see [`sharing`](Self::sharing)).
    ///
    /// # Safety
    /// `view` holds a whole `str` inline, or names a shared buffer and a range in it
    /// that holds a whole `str`.
    pub(crate) unsafe fn push_shared(&mut self, view: View) {
        push_view(&mut self.views, &mut self.validity, Some(view));
    }

    pub(crate) fn push_null(&mut self) {
        push_view(&mut self.views, &mut self.validity, None);
    }

    /// Appends `value`; one of at most 12 bytes lives in its view and touches no text.
    pub(crate) fn push_str(&mut self, value: &str) {
        if value.len() <= View::MAX_INLINE_SIZE as usize {
            push_view(
                &mut self.views,
                &mut self.validity,
                Some(inline_view(value.as_bytes())),
            );
        } else {
            self.push_with(|text| text.push_str(value));
        }
    }

    /// Appends `value`, whose bytes are written once however often it is pushed with
    /// the same `distinct`: later pushes repeat the first one's view.
    pub(crate) fn push_distinct<'v>(
        &mut self,
        value: &'v str,
        distinct: &mut HashMap<&'v str, View>,
    ) {
        if value.len() <= View::MAX_INLINE_SIZE as usize {
            self.push_str(value);
        } else if let Some(&view) = distinct.get(value) {
            // A view of this column's text stays valid when the text is sealed: it
            // becomes the sealed buffer of the index the view already names.
            push_view(&mut self.views, &mut self.validity, Some(view));
        } else {
            self.push_str(value);
            distinct.insert(value, *self.views.last().expect("a value was just pushed"));
        }
    }

    /// Appends the value `write` appends to the (otherwise untouched) text.
    pub(crate) fn push_with(&mut self, write: impl FnOnce(&mut String)) {
        let start = self.text.len();
        write(&mut self.text);
        self.end_value(start);
    }

    /// Appends value `row`'s text, `separator` and `own`; just `own` without a row.
    pub(crate) fn push_joined(&mut self, row: Option<usize>, separator: char, own: &str) {
        let start = self.text.len();
        if let Some(row) = row {
            let view = self.views[row];
            if let Some(inline) = view.get_inlined_slice() {
                self.text
                    .push_str(std::str::from_utf8(inline).unwrap_or_default());
            } else {
                let range = view.offset as usize..(view.offset + view.length) as usize;
                match self.sealed.get(view.buffer_idx as usize) {
                    Some(buffer) => self
                        .text
                        .push_str(std::str::from_utf8(&buffer[range]).unwrap_or_default()),
                    None => self.text.extend_from_within(range),
                }
            }
            self.text.push(separator);
        }
        self.text.push_str(own);
        self.end_value(start);
    }

    /// Makes the view of `text[start..]`, the value just written.
    fn end_value(&mut self, mut start: usize) {
        let len = self.text.len() - start;
        let view = if len <= View::MAX_INLINE_SIZE as usize {
            let view = inline_view(&self.text.as_bytes()[start..]);
            self.text.truncate(start);
            view
        } else {
            assert!(
                u32::try_from(len).is_ok(),
                "a text value of {len} bytes does not fit in a string column (4 GiB at most)"
            );
            if self.text.len() > self.text_limit {
                let value = self.text.split_off(start);
                let full = std::mem::replace(&mut self.text, value);
                self.sealed.push(Buffer::from(full.into_bytes()));
                start = 0;
            }
            View::new_from_bytes(
                &self.text.as_bytes()[start..],
                self.sealed.len() as u32,
                start as u32,
            )
        };
        push_view(&mut self.views, &mut self.validity, Some(view));
    }

    /// The column, values in the order they were pushed.
    pub(crate) fn finish(self, name: &str) -> StringChunked {
        let (views, buffers, validity) = self.into_parts();
        // SAFETY: see `into_parts`.
        unsafe { utf8_view_column(name, views, buffers, validity) }
    }

    /// The column whose row `k` holds the value pushed as number `order[k]`.
    pub(crate) fn finish_in_order(self, name: &str, order: &[u32]) -> StringChunked {
        let (views, buffers, validity) = self.into_parts();
        let views = order.iter().map(|&i| views[i as usize]).collect();
        let validity = validity.map(|v| order.iter().map(|&i| v.get_bit(i as usize)).collect());
        // SAFETY: see `into_parts`; the views are the same, in another order.
        unsafe { utf8_view_column(name, views, buffers, validity) }
    }

    /// Each view was made by `end_value` from a `&str` (UTF-8) whole: inline, or
    /// with the index and offset it has among these buffers, or came whole from
    /// `push_shared`, whose contract says the same of it; nulls are zero views with a
    /// validity bit of 0, and a validity has one bit per view.
    fn into_parts(mut self) -> (Vec<View>, Vec<Buffer<u8>>, Option<Bitmap>) {
        if !self.text.is_empty() {
            self.sealed.push(Buffer::from(self.text.into_bytes()));
        }
        let validity = self.validity.map(Into::into);
        (self.views, self.sealed, validity)
    }
}

/// Short strings (at most 12 bytes each), held whole in their views: columns that
/// gather them, in any order and as often as needed, copy 16 bytes per row.
pub(crate) struct ShortStrings(Vec<View>);

impl ShortStrings {
    pub(crate) fn with_capacity(values: usize) -> ShortStrings {
        ShortStrings(Vec::with_capacity(values))
    }

    /// Adds `value`, which must fit in a view (12 bytes at most).
    pub(crate) fn push(&mut self, value: &str) {
        assert!(
            value.len() <= View::MAX_INLINE_SIZE as usize,
            "a short string holds at most {} bytes, not {}",
            View::MAX_INLINE_SIZE,
            value.len()
        );
        self.0.push(inline_view(value.as_bytes()));
    }

    /// A column whose row `k` is value `rows[k]`, or null for `None`.
    pub(crate) fn gather(
        &self,
        name: &str,
        rows: impl ExactSizeIterator<Item = Option<usize>>,
    ) -> StringChunked {
        let mut views = Vec::with_capacity(rows.len());
        let mut validity = None;
        for row in rows {
            push_view(&mut views, &mut validity, row.map(|row| self.0[row]));
        }
        // SAFETY: every view was made by `push` from a whole `&str` that fits inline, or
        // is a zero view marked null; the validity has one bit per view.
        unsafe { utf8_view_column(name, views, Vec::new(), validity.map(Into::into)) }
    }
}

/// Appends a view, or a null (a zero view). The validity is made at the first null:
/// a column without nulls needs none.
///
/// Inlined, so that a view just made goes from registers into the vector: passed by
/// reference, its four fields were stored apart and read back as one 16-byte load,
/// a failed store-to-load forward on every push.
#[inline(always)]
fn push_view(views: &mut Vec<View>, validity: &mut Option<MutableBitmap>, view: Option<View>) {
    match view {
        Some(view) => {
            if let Some(validity) = validity {
                validity.push(true);
            }
            views.push(view);
        }
        None => push_null(views, validity),
    }
}

#[cold]
fn push_null(views: &mut Vec<View>, validity: &mut Option<MutableBitmap>) {
    validity
        .get_or_insert_with(|| {
            let mut all_valid = MutableBitmap::with_capacity(views.capacity());
            all_valid.extend_constant(views.len(), true);
            all_valid
        })
        .push(false);
    views.push(View::default());
}

/// A string column from views into `buffers`.
///
/// # Safety
/// Every view whose validity bit is set (every view, without a validity) is inline
/// UTF-8, or names a buffer and a range in it holding UTF-8 that starts with the
/// view's prefix; a validity has one bit per view.
pub(crate) unsafe fn utf8_view_column(
    name: &str,
    views: Vec<View>,
    buffers: Vec<Buffer<u8>>,
    validity: Option<Bitmap>,
) -> StringChunked {
    // SAFETY: the caller's contract is `utf8_view_array`'s.
    StringChunked::with_chunk(name.into(), unsafe {
        utf8_view_array(views, buffers, validity)
    })
}

/// The array of [`utf8_view_column`].
///
/// # Safety
/// As for [`utf8_view_column`].
unsafe fn utf8_view_array(
    views: Vec<View>,
    buffers: Vec<Buffer<u8>>,
    validity: Option<Bitmap>,
) -> Utf8ViewArray {
    let buffer_bytes = buffers.iter().map(Buffer::len).sum();
    // SAFETY: the caller's contract is this constructor's.
    unsafe {
        Utf8ViewArray::new_unchecked(
            ArrowDataType::Utf8View,
            Buffer::from(views),
            Buffer::from(buffers),
            validity,
            None,
            buffer_bytes,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(column: &StringChunked) -> Vec<Option<&str>> {
        column.iter().collect()
    }

    #[test]
    fn inline_views_equal_polars_own_for_every_length() {
        let bytes: Vec<u8> = (1..=12).map(|b| b * 17).collect();
        for start in 0..bytes.len() {
            for end in start..bytes.len() {
                let value = &bytes[start..=end.min(start + 11)];
                let ours = inline_view(value);
                let theirs = View::new_inline(value);
                assert_eq!(ours.as_u128(), theirs.as_u128(), "{value:?}");
            }
        }
        assert_eq!(inline_view(b"").as_u128(), View::new_inline(b"").as_u128());
    }

    #[test]
    #[should_panic(expected = "at most 12 bytes, not 13")]
    fn inline_views_hold_twelve_bytes_at_most() {
        inline_view(b"thirteen byte");
    }

    #[test]
    fn short_strings_gather_in_any_order_with_nulls() {
        let mut short = ShortStrings::with_capacity(3);
        for value in ["00001", "", "twelve bytes"] {
            short.push(value);
        }
        let column = short.gather("c", [Some(2), None, Some(0), Some(0), Some(1)].into_iter());
        assert_eq!(
            values(&column),
            [
                Some("twelve bytes"),
                None,
                Some("00001"),
                Some("00001"),
                Some("")
            ]
        );
        let all = short.gather("c", [Some(1), Some(0)].into_iter());
        assert_eq!(values(&all), [Some(""), Some("00001")]);
        assert_eq!(all.null_count(), 0);
    }

    #[test]
    #[should_panic(expected = "at most 12 bytes, not 13")]
    fn short_strings_refuse_long_values() {
        ShortStrings::with_capacity(1).push("thirteen byte");
    }

    #[test]
    fn compacted_text_keeps_values_nulls_and_chunks_and_stores_each_long_value_once() {
        let long = "C:\\Windows\\System32\\svchost.exe";
        let other = "a second value longer than twelve bytes";
        let mut first = StringChunked::new(
            "path".into(),
            [Some(long), None, Some("cmd.exe"), Some(long), Some(other)],
        );
        first
            .append(&StringChunked::new(
                "path".into(),
                [Some(other), Some(long), None],
            ))
            .unwrap();
        let mut df = DataFrame::new_infer_height(vec![
            first.into_column(),
            Column::new("n".into(), [1i64, 2, 3, 4, 5, 6, 7, 8]),
        ])
        .unwrap();
        let before = df.clone();
        compact_text(&mut df).unwrap();
        assert!(df.equals_missing(&before));
        let path = df.column("path").unwrap().str().unwrap();
        assert_eq!(path.chunks().len(), 2);
        assert_eq!(path.null_count(), 2);
        let text: Vec<usize> = path.downcast_iter().map(|a| a.total_buffer_len()).collect();
        // Each chunk holds its distinct long values once; "cmd.exe" lives in its view.
        assert_eq!(text, [long.len() + other.len(), other.len() + long.len()]);
    }

    #[test]
    fn view_column_keeps_short_values_in_views_and_long_ones_in_its_text() {
        let mut column = ViewColumn::with_capacity(4, 64);
        column.push_with(|t| t.push_str("short"));
        column.push_null();
        column.push_with(|t| t.push_str("a value longer than twelve bytes"));
        column.push_joined(Some(2), '/', "child");
        column.push_joined(Some(0), '/', "kid");
        column.push_joined(None, '/', "root");
        column.push_str("twelve bytes");
        column.push_str("thirteen byte");
        let column = column.finish("c");
        assert_eq!(
            values(&column),
            [
                Some("short"),
                None,
                Some("a value longer than twelve bytes"),
                Some("a value longer than twelve bytes/child"),
                Some("short/kid"),
                Some("root"),
                Some("twelve bytes"),
                Some("thirteen byte"),
            ]
        );
        // Short values left no bytes in the buffer.
        let bytes: usize = column.downcast_iter().map(|a| a.total_buffer_len()).sum();
        assert_eq!(
            bytes,
            "a value longer than twelve bytes".len() * 2 + "/child".len() + "thirteen byte".len()
        );
    }

    #[test]
    fn view_column_in_another_order_moves_values_and_nulls_together() {
        let mut column = ViewColumn::with_capacity(3, 0);
        column.push_with(|t| t.push_str("zero, a long value"));
        column.push_null();
        column.push_with(|t| t.push_str("two"));
        let column = column.finish_in_order("c", &[2, 0, 1, 0]);
        assert_eq!(
            values(&column),
            [
                Some("two"),
                Some("zero, a long value"),
                None,
                Some("zero, a long value")
            ]
        );
    }

    #[test]
    fn view_column_starts_a_new_text_when_one_is_full() {
        let mut column = ViewColumn::with_capacity(8, 0);
        column.text_limit = 40;
        let long = |i: usize| format!("value number {i} of the column");
        for i in 0..6 {
            column.push_with(|t| t.push_str(&long(i)));
        }
        // A parent in a sealed text is copied from there.
        column.push_joined(Some(0), '|', "end");
        let column = column.finish("c");
        let expected: Vec<String> = (0..6)
            .map(long)
            .chain([format!("{}|end", long(0))])
            .collect();
        assert_eq!(
            values(&column),
            expected
                .iter()
                .map(|v| Some(v.as_str()))
                .collect::<Vec<_>>()
        );
        let buffers: usize = column.downcast_iter().map(|a| a.data_buffers().len()).sum();
        assert!(buffers > 1, "expected several buffers, got {buffers}");
    }
}
