//! The event table: one row per event, filled row by row as the records of each
//! event arrive. [`AuditLog::to_df`](super::AuditLog::to_df) and
//! [`auditd_frame`](super::auditd_frame) both build their frame here, so they agree
//! on every column.
//!
//! Values go straight into Arrow arrays allocated zeroed for every row, so a row
//! without a field costs nothing. A long value read from a file is a view into the
//! file's text, which the columns share ([`SharedText`]); other long values are copied
//! into blocks. Records of a type nearly always list the same fields in the same
//! order, so the column of each field position is predicted from the previous record
//! of that type and the name hash is only needed when the prediction misses.

use std::borrow::Cow;
use std::fmt::Write as _;

use polars::prelude::*;
use polars_arrow::array::{PrimitiveArray, View};
use polars_arrow::bitmap::MutableBitmap;
use polars_arrow::datatypes::ArrowDataType;
use polars_buffer::Buffer;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::SectoolsError;
use crate::digits::push_digits;
use crate::frame::ViewColumn;
use crate::short_eq::short_eq;

/// Fields holding numeric ids; `4294967295` (unsigned -1) means "unset" and becomes -1.
const INT_FIELDS: &[&str] = &[
    "pid", "ppid", "uid", "gid", "euid", "egid", "suid", "sgid", "fsuid", "fsgid", "auid", "ses",
    "argc", "items",
];

/// Columns computed per event; input columns with these names get an `_input` suffix.
const EVENT_COLUMNS: [&str; 4] = ["TimeGenerated", "EventType", "AuditId", "RecordTypes"];

const CMDLINE: &str = "cmdline";

/// Arguments an EXECVE event may have before the rest are ignored (a forged
/// `a999999999=` must not allocate a billion strings).
const MAX_ARGS: usize = 1 << 20;

/// An EXECVE event's command line, collected field by field: `a0..a{argc-1}`, long
/// arguments split into `aN[k]` chunks joined back.
#[derive(Default)]
pub(super) struct CmdlineArgs {
    argc: Option<Option<usize>>,
    args: Vec<String>,
    used: usize,
}

impl CmdlineArgs {
    /// Takes one field of an EXECVE record.
    pub(super) fn add(&mut self, key: &str, value: &str) {
        if key == "argc" {
            if self.argc.is_none() {
                self.argc = Some(value.parse().ok());
            }
            return;
        }
        let Some(rest) = key.strip_prefix('a') else {
            return;
        };
        let (index, chunked) = match rest.split_once('[') {
            Some((n, _)) => (n, true),
            None => (rest, false),
        };
        let Ok(index) = index.parse::<usize>() else {
            return;
        };
        if index >= MAX_ARGS || self.argc.flatten().is_some_and(|argc| index >= argc) {
            return;
        }
        if self.used <= index {
            // Strings past `used` are kept from earlier events for their capacity.
            if self.args.len() <= index {
                self.args.resize(index + 1, String::new());
            }
            self.args[self.used..=index]
                .iter_mut()
                .for_each(String::clear);
            self.used = index + 1;
        }
        if !chunked {
            self.args[index].clear();
        }
        self.args[index].push_str(value);
    }

    /// Writes the command line (arguments joined by spaces) into `out`, and resets.
    pub(super) fn finish_into(&mut self, out: &mut String) {
        let count = match self.argc.flatten() {
            Some(argc) => argc.min(self.used),
            None => self.used,
        };
        for (i, arg) in self.args[..count].iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(arg);
        }
        self.argc = None;
        self.used = 0;
    }
}

/// The text a log's values are slices of, held in a buffer the columns share: a
/// long value found in it is a view into it, not a copy.
#[derive(Clone)]
pub(super) struct SharedText(Buffer<u8>);

impl SharedText {
    /// The text of `buffer`; `None` past 4 GiB, which a view's offset cannot reach.
    pub(super) fn new(buffer: Buffer<u8>) -> Option<SharedText> {
        (u32::try_from(buffer.len()).is_ok()).then_some(SharedText(buffer))
    }

    /// Where `value` starts in the text, if it is a slice of it.
    fn offset_of(&self, value: &[u8]) -> Option<u32> {
        let start = (value.as_ptr() as usize).checked_sub(self.0.as_ptr() as usize)?;
        // `new` made sure offsets within the text fit.
        (start + value.len() <= self.0.len()).then_some(start as u32)
    }
}

/// A string column filled in row order. Its views and validity start zeroed (null),
/// allocated as fresh zero pages: rows without a value cost no writes.
struct TextColumn {
    views: Vec<View>,
    validity: MutableBitmap,
    /// The text long values are views into when they are slices of it (buffer 0).
    shared: Option<SharedText>,
    /// Other values longer than a view holds inline, in blocks that are never
    /// reallocated (buffers 1.. with a shared text, 0.. without).
    blocks: Vec<Vec<u8>>,
    /// The next row without a value.
    next: usize,
}

/// Size of the first block of long values; later ones double up to [`MAX_BLOCK`].
const FIRST_BLOCK: usize = 8 * 1024;
const MAX_BLOCK: usize = 16 * 1024 * 1024;

impl TextColumn {
    fn new(rows: usize, shared: Option<SharedText>) -> TextColumn {
        TextColumn {
            views: bytemuck::zeroed_vec(rows),
            validity: MutableBitmap::from_len_zeroed(rows),
            shared,
            blocks: Vec::new(),
            next: 0,
        }
    }

    fn push(&mut self, row: usize, value: &str) {
        let bytes = value.as_bytes();
        self.views[row] = if bytes.len() <= View::MAX_INLINE_SIZE as usize {
            crate::frame::inline_view(bytes)
        } else if let Some(offset) = self.shared.as_ref().and_then(|t| t.offset_of(bytes)) {
            View::new_from_bytes(bytes, 0, offset)
        } else {
            let fits = self
                .blocks
                .last()
                .is_some_and(|block| block.capacity() - block.len() >= bytes.len());
            if !fits {
                let last = self.blocks.last().map_or(0, Vec::capacity);
                let size = (last * 2).clamp(FIRST_BLOCK, MAX_BLOCK).max(bytes.len());
                self.blocks.push(Vec::with_capacity(size));
            }
            let index = self.blocks.len() - 1;
            let block = &mut self.blocks[index];
            let offset = block.len();
            block.extend_from_slice(bytes);
            let buffer = index + usize::from(self.shared.is_some());
            View::new_from_bytes(bytes, buffer as u32, offset as u32)
        };
        self.validity.set(row, true);
        self.next = row + 1;
    }

    fn finish(self, name: &str) -> Column {
        let shared = self.shared.map(|text| text.0);
        let blocks: Vec<Buffer<u8>> = shared
            .into_iter()
            .chain(self.blocks.into_iter().map(Buffer::from))
            .collect();
        // SAFETY: every valid view was made by `inline_view` or `new_from_bytes` from a
        // whole `&str`: one lying in the shared text (buffer 0) at the offset the view
        // holds, or one copied whole into the block it names at that offset; the rest
        // are zero views marked null. One validity bit per view.
        unsafe {
            crate::frame::utf8_view_column(name, self.views, blocks, Some(self.validity.into()))
        }
        .into_column()
    }
}

/// An id column: integers while every value is one, text (the values as written) once
/// one is not.
struct IntColumn<'a> {
    values: Vec<i64>,
    validity: MutableBitmap,
    /// Values whose text is not the integer's own rendering (`4294967295`, `unset`, `007`).
    written: Vec<(usize, Cow<'a, str>)>,
    next: usize,
}

fn id_integer(text: &str) -> Option<(i64, bool)> {
    match text {
        "4294967295" | "unset" => Some((-1, false)),
        _ => {
            let value = text.parse::<i64>().ok()?;
            let canonical = match text.as_bytes() {
                [b'0'] => true,
                [b'-', first, ..] | [first, ..] => (b'1'..=b'9').contains(first),
                [] => false,
            };
            Some((value, canonical))
        }
    }
}

impl<'a> IntColumn<'a> {
    fn new(rows: usize) -> IntColumn<'a> {
        IntColumn {
            values: vec![0; rows],
            validity: MutableBitmap::from_len_zeroed(rows),
            written: Vec::new(),
            next: 0,
        }
    }

    /// Adds a value, or gives it back when it is not an id integer.
    fn push(&mut self, row: usize, value: Cow<'a, str>) -> Result<(), Cow<'a, str>> {
        let Some((integer, canonical)) = id_integer(&value) else {
            return Err(value);
        };
        self.values[row] = integer;
        self.validity.set(row, true);
        if !canonical {
            self.written.push((row, value));
        }
        self.next = row + 1;
        Ok(())
    }

    /// The values so far as text, exactly as they were written.
    fn into_text(self) -> TextColumn {
        let mut text = TextColumn::new(self.values.len(), None);
        let mut written = self.written.into_iter().peekable();
        let mut rendered = String::new();
        for (row, value) in self.values.iter().enumerate().take(self.next) {
            if !self.validity.get(row) {
                continue;
            }
            match written.next_if(|(at, _)| *at == row) {
                Some((_, original)) => text.push(row, &original),
                None => {
                    rendered.clear();
                    let _ = write!(rendered, "{value}");
                    text.push(row, &rendered);
                }
            }
        }
        text
    }

    fn finish(self, name: &str) -> Column {
        let values = PrimitiveArray::new(
            ArrowDataType::Int64,
            self.values.into(),
            Some(self.validity.into()),
        );
        Int64Chunked::with_chunk(name.into(), values).into_column()
    }
}

enum Values<'a> {
    Text(TextColumn),
    Int(IntColumn<'a>),
}

struct TableColumn<'a> {
    name: String,
    values: Values<'a>,
    /// Record type that set this column's value in the current row ("" for metadata).
    owner: &'a str,
}

impl<'a> TableColumn<'a> {
    fn next(&self) -> usize {
        match &self.values {
            Values::Text(text) => text.next,
            Values::Int(ints) => ints.next,
        }
    }

    fn set(&mut self, row: usize, value: Cow<'a, str>, owner: &'a str) {
        self.owner = owner;
        let value = match &mut self.values {
            Values::Text(text) => return text.push(row, &value),
            Values::Int(ints) => match ints.push(row, value) {
                Ok(()) => return,
                Err(value) => value,
            },
        };
        // The first value that is not an id integer turns the column into text.
        self.make_text();
        if let Values::Text(text) = &mut self.values {
            text.push(row, &value);
        }
    }

    /// Turns integers into text, each as it was written.
    fn make_text(&mut self) {
        if matches!(self.values, Values::Int(_)) {
            let Values::Int(ints) =
                std::mem::replace(&mut self.values, Values::Text(TextColumn::new(0, None)))
            else {
                unreachable!("matched Int above")
            };
            self.values = Values::Text(ints.into_text());
        }
    }

    fn finish(self, name: &str) -> Column {
        match self.values {
            Values::Text(text) => text.finish(name),
            Values::Int(ints) => ints.finish(name),
        }
    }
}

/// Builds the event table. Call [`begin_event`](Self::begin_event) for each event,
/// then [`record`](Self::record) and [`field`](Self::field) for its records in input
/// order, then [`finish`](Self::finish).
pub(super) struct EventTable<'a> {
    capacity: usize,
    rows: usize,
    times: Vec<i64>,
    event_types: ViewColumn,
    audit_ids: ViewColumn,
    record_types: ViewColumn,
    columns: Vec<TableColumn<'a>>,
    index: FxHashMap<String, usize>,
    /// Column of each `(field column, record type)` renamed `field_TYPE`.
    renamed: FxHashMap<(usize, &'a str), usize>,
    /// For each record type, the column of each field position in its latest record.
    predicted: Vec<Vec<usize>>,
    /// Index into `predicted` of each record type.
    prediction_of: FxHashMap<&'a str, usize>,
    cmdline_column: usize,
    // The event being filled.
    record_type: &'a str,
    position: usize,
    prediction: usize,
    first_type: &'a str,
    has_syscall: bool,
    has_execve: bool,
    /// The current record is an EXECVE record.
    in_execve: bool,
    joined_types: String,
    cmdline: CmdlineArgs,
    scratch: String,
    shared: Option<SharedText>,
}

impl<'a> EventTable<'a> {
    /// A table of exactly `capacity` events whose input columns (carried as metadata)
    /// are `metadata`; they come first, then `cmdline`, then the fields in first-seen order.
    /// Long values that are slices of `shared` become views into it.
    pub(super) fn new<'m>(
        capacity: usize,
        metadata: impl IntoIterator<Item = &'m str>,
        shared: Option<SharedText>,
    ) -> Self {
        let mut table = EventTable {
            capacity,
            rows: 0,
            times: Vec::with_capacity(capacity),
            event_types: ViewColumn::with_capacity(capacity, 0),
            // `seconds.millis:serial` is about 20 bytes.
            audit_ids: ViewColumn::with_capacity(capacity, capacity * 20),
            record_types: ViewColumn::with_capacity(capacity, 0),
            columns: Vec::new(),
            index: FxHashMap::default(),
            renamed: FxHashMap::default(),
            predicted: Vec::new(),
            prediction_of: FxHashMap::default(),
            cmdline_column: 0,
            record_type: "",
            position: 0,
            prediction: 0,
            first_type: "",
            has_syscall: false,
            has_execve: false,
            in_execve: false,
            joined_types: String::new(),
            cmdline: CmdlineArgs::default(),
            scratch: String::new(),
            shared,
        };
        for name in metadata {
            table.column(name);
        }
        table.cmdline_column = table.column(CMDLINE);
        table
    }

    fn column(&mut self, name: &str) -> usize {
        if let Some(&at) = self.index.get(name) {
            return at;
        }
        let values = if INT_FIELDS.contains(&name) {
            Values::Int(IntColumn::new(self.capacity))
        } else {
            Values::Text(TextColumn::new(self.capacity, self.shared.clone()))
        };
        self.columns.push(TableColumn {
            name: name.to_string(),
            values,
            owner: "",
        });
        self.index.insert(name.to_string(), self.columns.len() - 1);
        self.columns.len() - 1
    }

    /// Starts the next event (row): its time in milliseconds since the epoch and serial.
    pub(super) fn begin_event(&mut self, millis: i64, serial: u64) {
        self.end_event();
        self.rows += 1;
        self.times.push(millis);
        // `seconds.millis:serial`, as the audit line's header wrote it.
        let scratch = &mut self.scratch;
        scratch.clear();
        let seconds = millis.div_euclid(1000);
        if seconds < 0 {
            scratch.push('-');
        }
        push_digits(scratch, seconds.unsigned_abs(), 1);
        scratch.push('.');
        push_digits(scratch, millis.rem_euclid(1000).unsigned_abs(), 3);
        scratch.push(':');
        push_digits(scratch, serial, 1);
        self.audit_ids.push_str(scratch);
    }

    /// A metadata value of the current event (an input column carried over).
    pub(super) fn metadata(&mut self, name: &str, value: &'a str) {
        let at = self.column(name);
        self.set(at, Cow::Borrowed(value), "");
    }

    /// Starts a record of the current event.
    pub(super) fn record(&mut self, record_type: &'a str) {
        let predicted = &mut self.predicted;
        self.prediction = *self.prediction_of.entry(record_type).or_insert_with(|| {
            predicted.push(Vec::new());
            predicted.len() - 1
        });
        self.record_type = record_type;
        self.position = 0;
        if self.first_type.is_empty() {
            self.first_type = record_type;
        } else {
            self.joined_types.push(',');
        }
        self.joined_types.push_str(record_type);
        self.has_syscall |= record_type == "SYSCALL";
        self.in_execve = record_type == "EXECVE";
        self.has_execve |= self.in_execve;
    }

    /// A field of the current record. The first record type to set a name in an event
    /// owns it; the same name from another record type becomes `name_TYPE`; a repeat
    /// from the same type is ignored (first value wins).
    pub(super) fn field(&mut self, key: &str, value: Cow<'a, str>) {
        if self.in_execve {
            self.cmdline.add(key, &value);
        }
        let at = match self.predicted[self.prediction].get(self.position) {
            Some(&at) if short_eq(&self.columns[at].name, key) => at,
            _ => {
                let at = self.column(key);
                let prediction = &mut self.predicted[self.prediction];
                match prediction.get_mut(self.position) {
                    Some(slot) => *slot = at,
                    None => prediction.push(at),
                }
                at
            }
        };
        self.position += 1;
        let row = self.rows - 1;
        let column = &self.columns[at];
        let in_row = column.next() > row;
        if !in_row && at != self.cmdline_column {
            self.set(at, value, self.record_type);
        } else if at == self.cmdline_column
            || (!column.owner.is_empty() && column.owner != self.record_type)
        {
            let record_type = self.record_type;
            let renamed = match self.renamed.get(&(at, record_type)) {
                Some(&renamed) => renamed,
                None => {
                    let renamed = self.column(&format!("{key}_{record_type}"));
                    self.renamed.insert((at, record_type), renamed);
                    renamed
                }
            };
            if self.columns[renamed].next() <= row {
                self.set(renamed, value, "");
            }
        }
    }

    fn set(&mut self, at: usize, value: Cow<'a, str>, owner: &'a str) {
        let row = self.rows - 1;
        if self.columns[at].next() > row {
            return;
        }
        self.columns[at].set(row, value, owner);
    }

    fn end_event(&mut self) {
        if self.rows == 0 {
            return;
        }
        let event_type = if self.has_syscall && self.has_execve {
            "SYSCALL_EXECVE"
        } else {
            self.first_type
        };
        self.event_types.push_str(event_type);
        self.record_types.push_str(&self.joined_types);
        if self.has_execve {
            self.scratch.clear();
            self.cmdline.finish_into(&mut self.scratch);
            let row = self.rows - 1;
            let cmdline = &mut self.columns[self.cmdline_column];
            if let Values::Text(text) = &mut cmdline.values {
                text.push(row, &self.scratch);
            }
        }
        self.first_type = "";
        self.has_syscall = false;
        self.has_execve = false;
        self.joined_types.clear();
    }

    /// The frame: `TimeGenerated` (UTC), `EventType`, `AuditId`, `RecordTypes`, then the
    /// columns with at least one value.
    pub(super) fn finish(self) -> Result<DataFrame, SectoolsError> {
        Self::concat(vec![self])
    }

    /// The frame of several tables' rows, one table after another: what one table
    /// given all their events in that order would make. Columns come in order of
    /// first appearance; a column of integers in one table and text in another is
    /// text, its integers as written (as one table turns it to text).
    pub(super) fn concat(tables: Vec<EventTable<'a>>) -> Result<DataFrame, SectoolsError> {
        let mut times = Vec::new();
        let mut fixed: [Option<StringChunked>; 3] = [None, None, None];
        let mut parts = Vec::with_capacity(tables.len());
        for mut table in tables {
            table.end_event();
            debug_assert_eq!(
                table.rows, table.capacity,
                "events begun vs. the table's size"
            );
            times.append(&mut table.times);
            let strings = [table.event_types, table.audit_ids, table.record_types];
            for (all, (name, values)) in
                fixed.iter_mut().zip(EVENT_COLUMNS[1..].iter().zip(strings))
            {
                let values = values.finish(name);
                match all {
                    Some(all) => all.append(&values)?,
                    None => *all = Some(values),
                }
            }
            let columns: Vec<Option<TableColumn<'a>>> =
                table.columns.into_iter().map(Some).collect();
            parts.push((table.rows, table.index, columns));
        }
        let mut out =
            vec![
                Column::new("TimeGenerated".into(), times).cast(&DataType::Datetime(
                    TimeUnit::Milliseconds,
                    Some(TimeZone::UTC),
                ))?,
            ];
        out.extend(fixed.into_iter().flatten().map(IntoColumn::into_column));
        // Every column, in order of first appearance.
        let mut seen = FxHashSet::default();
        let mut names = Vec::new();
        for (_, index, columns) in &parts {
            for column in columns.iter().flatten() {
                if seen.insert(column.name.as_str()) {
                    names.push(column.name.clone());
                }
            }
            debug_assert_eq!(index.len(), columns.len());
        }
        for name in names {
            let mut pieces: Vec<(usize, Option<TableColumn<'a>>)> = parts
                .iter_mut()
                .map(|(rows, index, columns)| {
                    (*rows, index.get(&name).and_then(|&at| columns[at].take()))
                })
                .collect();
            // `next` only moves past a row given a value: 0 means the column is empty.
            if pieces
                .iter()
                .all(|(_, c)| c.as_ref().is_none_or(|c| c.next() == 0))
            {
                continue;
            }
            let text = pieces.iter().any(|(_, c)| {
                matches!(
                    c,
                    Some(TableColumn {
                        values: Values::Text(_),
                        ..
                    })
                )
            });
            let name = if EVENT_COLUMNS.contains(&name.as_str()) {
                format!("{name}_input")
            } else {
                name
            };
            let mut whole: Option<Column> = None;
            for (rows, piece) in pieces.iter_mut() {
                let piece = match piece.take() {
                    Some(mut column) => {
                        if text {
                            column.make_text();
                        }
                        column.finish(&name)
                    }
                    // Zeroed, as a table's own columns start: untouched pages cost no memory.
                    None if text => TextColumn::new(*rows, None).finish(&name),
                    None => IntColumn::new(*rows).finish(&name),
                };
                match &mut whole {
                    Some(whole) => {
                        whole.append(&piece)?;
                    }
                    None => whole = Some(piece),
                }
            }
            out.extend(whole);
        }
        Ok(DataFrame::new_infer_height(out)?)
    }
}
