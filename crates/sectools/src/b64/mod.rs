//! Base64 unpacking: find encoded blobs in text, decode them recursively, unpack
//! gzip, zip and tar members, recognise other file types and hash every decoded item.
//!
//! Decoding is bounded: depth, total decoded bytes, decompression ratio and archive
//! members all have limits ([`B64Limits`]). Hitting one stops that branch and adds a
//! [`B64Note`] naming the limit; what was decoded before is kept. Nothing is written
//! to disk and no state survives between calls, so the same input always gives the
//! same output.
//!
//! A candidate is a run of at least 30 base64 characters (line breaks inside allowed)
//! with up to two `=`. It counts as base64 when it decodes to a recognised file type,
//! to printable UTF-8 or UTF-16LE text (PowerShell `-enc`), or to other bytes from a
//! well-formed blob (length a multiple of 4, upper- and lower-case letters and digits
//! present); hex hashes and words that merely use the alphabet are left alone.
//!
//! ```
//! use sectools::B64Unpacker;
//!
//! // "powershell -enc" payloads are UTF-16LE.
//! let cmd = "powershell -enc VwByAGkAdABlAC0ASABvAHMAdAAgACcAaABpACcA";
//! let result = B64Unpacker::default().unpack(cmd);
//! assert_eq!(result.items[0].decoded_string.as_deref(), Some("Write-Host 'hi'"));
//! assert!(result.decoded_string.contains(">Write-Host 'hi'</decoded>"));
//! ```

use std::fmt;
use std::io::{Cursor, Read};

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use md5::Md5;
use polars::prelude::*;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::SectoolsError;
use crate::frame::string_column;
use magic::Kind;

mod magic;

/// Bounds that keep decoding safe on hostile input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct B64Limits {
    /// Nesting depth (base64 in base64, archive in archive). Default 20.
    pub max_depth: usize,
    /// Decoded bytes per input text, all items together. Default 64 MiB.
    pub max_total_bytes: usize,
    /// Decompressed size over compressed size for one archive member. Default 200.
    pub max_expansion_ratio: usize,
    /// Members read from one archive. Default 1,000.
    pub max_archive_members: usize,
    /// Candidates decoded in one text at one level. Default 1,000.
    pub max_candidates: usize,
}

impl Default for B64Limits {
    fn default() -> Self {
        B64Limits {
            max_depth: 20,
            max_total_bytes: 64 << 20,
            max_expansion_ratio: 200,
            max_archive_members: 1000,
            max_candidates: 1000,
        }
    }
}

/// How decoded bytes were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 text.
    Utf8,
    /// UTF-16 little-endian text (PowerShell `-EncodedCommand`).
    Utf16Le,
    /// Not text.
    Binary,
}

impl Encoding {
    /// `utf-8`, `utf-16le` or `binary`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Binary => "binary",
        }
    }
}

/// One decoded item: a base64 blob, or a member of an archive inside one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedItem {
    /// Position in the decoding tree: `1`, `1.2`, `1.2.1`, ...
    pub reference: String,
    /// Nesting depth, 1 for a blob found in the input itself.
    pub depth: usize,
    /// Byte range in the input of the outermost blob this item came from.
    pub span: std::ops::Range<usize>,
    /// The base64 text this item came from (the outermost blob for archive members).
    pub original_string: String,
    /// Archive member name, or the name a gzip header records.
    pub file_name: Option<String>,
    /// Recognised type (`zip`, `gz`, `tar`, `exe`, `pdf`, ...), if any.
    pub file_type: Option<String>,
    /// How the bytes were read.
    pub encoding: Encoding,
    /// The text, when the bytes are text.
    pub decoded_string: Option<String>,
    /// The decoded bytes.
    pub bytes: Vec<u8>,
    /// Lower-case hex digests of `bytes`.
    pub md5: String,
    /// SHA-1 of `bytes`.
    pub sha1: String,
    /// SHA-256 of `bytes`.
    pub sha256: String,
}

impl DecodedItem {
    /// The first 1,024 bytes as space-separated hex, with a count of the rest.
    pub fn printable_bytes(&self) -> String {
        printable(&self.bytes, 1024)
    }
}

/// Why decoding stopped short somewhere. The reference names the item where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum B64Note {
    /// Nesting went deeper than `max_depth`; the deeper content is left encoded.
    DepthLimit { reference: String, limit: usize },
    /// `max_total_bytes` was reached; later blobs are left encoded.
    TotalBytesLimit { reference: String, limit: usize },
    /// An archive member would expand more than `max_expansion_ratio`; it was skipped.
    ExpansionLimit {
        reference: String,
        member: String,
        limit: usize,
    },
    /// An archive has more than `max_archive_members`; the rest were skipped.
    ArchiveMemberLimit { reference: String, limit: usize },
    /// More than `max_candidates` blobs in one text; the rest are left encoded.
    CandidateLimit { reference: String, limit: usize },
    /// A member name that would escape an extraction folder (`../`, absolute). Reported, never written.
    UnsafeMemberName { reference: String, member: String },
    /// An archive that could not be fully read.
    CorruptArchive { reference: String, message: String },
}

impl fmt::Display for B64Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            B64Note::DepthLimit { reference, limit } => {
                write!(
                    f,
                    "max_depth ({limit}) reached at {reference}; deeper content left encoded"
                )
            }
            B64Note::TotalBytesLimit { reference, limit } => {
                write!(
                    f,
                    "max_total_bytes ({limit}) reached at {reference}; later content left encoded"
                )
            }
            B64Note::ExpansionLimit {
                reference,
                member,
                limit,
            } => {
                write!(
                    f,
                    "max_expansion_ratio ({limit}) exceeded by member '{member}' at {reference}; member skipped"
                )
            }
            B64Note::ArchiveMemberLimit { reference, limit } => {
                write!(
                    f,
                    "max_archive_members ({limit}) reached at {reference}; remaining members skipped"
                )
            }
            B64Note::CandidateLimit { reference, limit } => {
                write!(
                    f,
                    "max_candidates ({limit}) reached at {reference}; remaining blobs left encoded"
                )
            }
            B64Note::UnsafeMemberName { reference, member } => {
                write!(
                    f,
                    "member name '{member}' at {reference} escapes the archive root (reported, not extracted)"
                )
            }
            B64Note::CorruptArchive { reference, message } => {
                write!(f, "archive at {reference} is damaged: {message}")
            }
        }
    }
}

/// Everything decoded from one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct B64Result {
    /// The input with every decoded blob replaced by `<decoded ...>` markup around its content.
    pub decoded_string: String,
    /// Decoded items in document order (depth-first).
    pub items: Vec<DecodedItem>,
    /// Limits hit and damaged archives met.
    pub notes: Vec<B64Note>,
}

/// Decodes base64 in text. Holds only its limits; every call starts afresh.
#[derive(Debug, Clone, Copy, Default)]
pub struct B64Unpacker {
    limits: B64Limits,
}

/// Per-call bookkeeping.
struct Run {
    limits: B64Limits,
    total_bytes: usize,
    budget_exhausted: bool,
    items: Vec<DecodedItem>,
    notes: Vec<B64Note>,
    root_span: std::ops::Range<usize>,
}

const MIN_CANDIDATE: usize = 30;

fn engine() -> GeneralPurpose {
    GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    )
}

impl B64Unpacker {
    /// An unpacker with the given limits.
    pub fn with_limits(limits: B64Limits) -> Self {
        B64Unpacker { limits }
    }

    /// Decodes every base64 blob in `text`, recursively.
    pub fn unpack(&self, text: &str) -> B64Result {
        let mut run = Run {
            limits: self.limits,
            total_bytes: 0,
            budget_exhausted: false,
            items: Vec::new(),
            notes: Vec::new(),
            root_span: 0..0,
        };
        let decoded_string = run.decode_text(text, 1, "");
        B64Result {
            decoded_string,
            items: run.items,
            notes: run.notes,
        }
    }

    /// One row per decoded item of the string column `column`: `src_index`, `reference`,
    /// `depth`, `original_string`, `file_name`, `file_type`, `encoding_type`,
    /// `decoded_string`, `decoded_bytes`, `printable_bytes`, `md5`, `sha1`, `sha256`,
    /// `full_decoded_string` and `notes` (limits hit for that row). A row whose only
    /// output is a note gets one row with a null `reference`.
    pub fn unpack_df(&self, df: &DataFrame, column: &str) -> Result<DataFrame, SectoolsError> {
        let text = string_column(df, column)?;
        let mut rows = ItemRows::new();
        for (index, cell) in text.iter().enumerate() {
            let Some(cell) = cell else { continue };
            rows.push_result(index as u64, &self.unpack(cell));
        }
        rows.into_frame()
    }
}

/// The output columns, filled as each cell is unpacked: values are copied once, into
/// the columns, and each cell's result is dropped before the next.
struct ItemRows {
    src_index: Vec<u64>,
    depth: Vec<Option<u32>>,
    /// reference, original_string, file_name, file_type, encoding_type, decoded_string,
    /// printable_bytes, md5, sha1, sha256, full_decoded_string, notes.
    text: [StringChunkedBuilder; 12],
    bytes: BinaryChunkedBuilder,
}

const TEXT_COLUMNS: [&str; 12] = [
    "reference",
    "original_string",
    "file_name",
    "file_type",
    "encoding_type",
    "decoded_string",
    "printable_bytes",
    "md5",
    "sha1",
    "sha256",
    "full_decoded_string",
    "notes",
];

impl ItemRows {
    fn new() -> ItemRows {
        ItemRows {
            src_index: Vec::new(),
            depth: Vec::new(),
            text: TEXT_COLUMNS.map(|name| StringChunkedBuilder::new(name.into(), 0)),
            bytes: BinaryChunkedBuilder::new("decoded_bytes".into(), 0),
        }
    }

    fn push_result(&mut self, index: u64, result: &B64Result) {
        let notes = (!result.notes.is_empty()).then(|| {
            result
                .notes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        });
        if result.items.is_empty() {
            if notes.is_some() {
                self.src_index.push(index);
                self.depth.push(None);
                self.bytes.append_null();
                let mut values: [Option<&str>; 12] = [None; 12];
                values[10] = Some(&result.decoded_string);
                values[11] = notes.as_deref();
                self.push_text(values);
            }
            return;
        }
        for item in &result.items {
            self.src_index.push(index);
            self.depth.push(Some(item.depth as u32));
            self.bytes.append_value(&item.bytes);
            let printable = item.printable_bytes();
            self.push_text([
                Some(&item.reference),
                Some(&item.original_string),
                item.file_name.as_deref(),
                item.file_type.as_deref(),
                Some(item.encoding.name()),
                item.decoded_string.as_deref(),
                Some(&printable),
                Some(&item.md5),
                Some(&item.sha1),
                Some(&item.sha256),
                Some(&result.decoded_string),
                notes.as_deref(),
            ]);
        }
    }

    fn push_text(&mut self, values: [Option<&str>; 12]) {
        for (column, value) in self.text.iter_mut().zip(values) {
            column.append_option(value);
        }
    }

    fn into_frame(self) -> Result<DataFrame, SectoolsError> {
        let mut columns: Vec<Column> = self
            .text
            .into_iter()
            .map(|builder| builder.finish().into_column())
            .collect();
        // The other columns at their places among the text ones (see TEXT_COLUMNS).
        columns.insert(0, Column::new("src_index".into(), self.src_index));
        columns.insert(2, Column::new("depth".into(), self.depth));
        columns.insert(8, self.bytes.finish().into_column());
        Ok(DataFrame::new_infer_height(columns)?)
    }
}

/// A base64 candidate: byte range in its text.
struct Candidate {
    start: usize,
    end: usize,
}

fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

fn candidates(text: &[u8]) -> Vec<Candidate> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if !is_b64(text[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let mut chars = 0;
        let mut end = i;
        while i < text.len() {
            if is_b64(text[i]) {
                chars += 1;
                i += 1;
                end = i;
            } else if matches!(text[i], b'\r' | b'\n')
                && text.get(i + 1).is_some_and(|&b| is_b64(b) || b == b'\n')
            {
                i += 1;
            } else {
                break;
            }
        }
        let mut pad = 0;
        while pad < 2 && text.get(end) == Some(&b'=') {
            end += 1;
            pad += 1;
        }
        i = i.max(end);
        if chars >= MIN_CANDIDATE {
            out.push(Candidate { start, end });
        }
    }
    out
}

/// Decodes a candidate (line breaks removed); `None` if it is not valid base64.
fn decode_b64(candidate: &str) -> Option<Vec<u8>> {
    let compact: Vec<u8> = candidate
        .bytes()
        .filter(|b| !matches!(b, b'\r' | b'\n'))
        .collect();
    let unpadded = compact
        .iter()
        .rposition(|&b| b != b'=')
        .map_or(0, |p| p + 1);
    if unpadded % 4 == 1 {
        return None;
    }
    engine().decode(&compact).ok()
}

fn looks_like_base64(candidate: &str) -> bool {
    let compact = candidate.bytes().filter(|b| !matches!(b, b'\r' | b'\n'));
    let (mut len, mut upper, mut lower, mut digit) = (0, false, false, false);
    for b in compact {
        len += 1;
        upper |= b.is_ascii_uppercase();
        lower |= b.is_ascii_lowercase();
        digit |= b.is_ascii_digit();
    }
    len % 4 == 0 && upper && lower && digit
}

/// Printable text: no control characters other than tab and line breaks, in at least
/// 95% of the characters, and no NUL at all.
fn is_printable(text: &str) -> bool {
    if text.is_empty() || text.contains('\0') {
        return false;
    }
    let (mut total, mut bad) = (0usize, 0usize);
    for c in text.chars() {
        total += 1;
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r') || c == '\u{fffd}' {
            bad += 1;
        }
    }
    bad * 20 <= total
}

fn as_text(bytes: &[u8]) -> Option<(Encoding, String)> {
    // UTF-16LE ASCII-range text has a zero in most odd positions.
    if bytes.len() >= 4 && bytes.len().is_multiple_of(2) {
        let zeros = bytes.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
        if zeros * 2 >= bytes.len() / 2 {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            if let Ok(text) = String::from_utf16(&units)
                && is_printable(&text)
            {
                return Some((Encoding::Utf16Le, text));
            }
        }
    }
    let text = std::str::from_utf8(bytes).ok()?;
    is_printable(text).then(|| (Encoding::Utf8, text.to_string()))
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn push_hex(out: &mut String, byte: u8) {
    out.push(HEX[(byte >> 4) as usize] as char);
    out.push(HEX[(byte & 15) as usize] as char);
}

fn printable(bytes: &[u8], max: usize) -> String {
    let mut out = String::with_capacity(bytes.len().min(max) * 3 + 24);
    for (i, &b) in bytes.iter().take(max).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        push_hex(&mut out, b);
    }
    if bytes.len() > max {
        out.push_str(&format!(" … (+{} bytes)", bytes.len() - max));
    }
    out
}

fn hex_digest<D: Digest>(bytes: &[u8]) -> String {
    let digest = D::digest(bytes);
    let mut out = String::with_capacity(digest.len() * 2);
    for &b in digest.iter() {
        push_hex(&mut out, b);
    }
    out
}

fn escape_attr(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('\'', "&apos;")
        .replace('<', "&lt;")
}

/// An archive member name that would land outside the folder it was extracted to.
fn unsafe_member_name(name: &str) -> bool {
    let normalized = name.replace('\\', "/");
    normalized.starts_with('/')
        || normalized.as_bytes().get(1) == Some(&b':')
        || normalized.split('/').any(|part| part == "..")
}

fn child_ref(prefix: &str, n: usize) -> String {
    if prefix.is_empty() {
        n.to_string()
    } else {
        format!("{prefix}.{n}")
    }
}

impl Run {
    /// Replaces every base64 blob in `text` with markup around its decoded content.
    fn decode_text(&mut self, text: &str, depth: usize, prefix: &str) -> String {
        let found = candidates(text.as_bytes());
        if found.is_empty() {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        let mut n = 0;
        for candidate in found {
            if self.budget_exhausted {
                break;
            }
            if n == self.limits.max_candidates {
                self.notes.push(B64Note::CandidateLimit {
                    reference: prefix.to_string(),
                    limit: n,
                });
                break;
            }
            let Some((start, end, bytes)) = self.accept(text, &candidate) else {
                continue;
            };
            if depth > self.limits.max_depth {
                self.notes.push(B64Note::DepthLimit {
                    reference: prefix.to_string(),
                    limit: self.limits.max_depth,
                });
                break;
            }
            n += 1;
            let reference = child_ref(prefix, n);
            let original = &text[start..end];
            if depth == 1 {
                self.root_span = start..end;
            }
            let markup = self.render(bytes, original, &reference, depth, None, None);
            out.push_str(&text[last..start]);
            match markup {
                Some(markup) => out.push_str(&markup),
                None => out.push_str(original),
            }
            last = end;
        }
        out.push_str(&text[last..]);
        out
    }

    /// Decodes a candidate, falling back to dropping trailing lines that are not base64
    /// (a blob followed by a plain-text line). Returns the range actually decoded.
    fn accept(&self, text: &str, candidate: &Candidate) -> Option<(usize, usize, Vec<u8>)> {
        let mut end = candidate.end;
        loop {
            let slice = &text[candidate.start..end];
            if let Some(bytes) = decode_b64(slice) {
                let known = !matches!(magic::detect(&bytes), Kind::Unknown);
                if known || as_text(&bytes).is_some() || looks_like_base64(slice) {
                    return Some((candidate.start, end, bytes));
                }
            }
            let cut = slice.trim_end_matches(['\r', '\n']).rfind('\n')?;
            end = candidate.start + slice[..cut].trim_end_matches('\r').len();
            if end - candidate.start < MIN_CANDIDATE {
                return None;
            }
        }
    }

    /// Records one decoded item (and its members) and returns its markup, or `None`
    /// when the byte budget is spent.
    fn render(
        &mut self,
        bytes: Vec<u8>,
        original: &str,
        reference: &str,
        depth: usize,
        file_name: Option<String>,
        root: Option<&str>,
    ) -> Option<String> {
        if self.total_bytes + bytes.len() > self.limits.max_total_bytes {
            self.budget_exhausted = true;
            self.notes.push(B64Note::TotalBytesLimit {
                reference: reference.to_string(),
                limit: self.limits.max_total_bytes,
            });
            return None;
        }
        self.total_bytes += bytes.len();
        let root_original = root.unwrap_or(original).to_string();
        let kind = magic::detect(&bytes);
        let text = if matches!(kind, Kind::Unknown) {
            as_text(&bytes)
        } else {
            None
        };
        let (encoding, decoded_string) = match &text {
            Some((encoding, text)) => (*encoding, Some(text.clone())),
            None => (Encoding::Binary, None),
        };
        let file_type = match kind {
            Kind::Archive(t) | Kind::Binary(t) => Some(t.to_string()),
            Kind::Unknown => None,
        };
        let name_attr = escape_attr(file_name.as_deref().unwrap_or(""));
        self.items.push(DecodedItem {
            reference: reference.to_string(),
            depth,
            span: self.root_span.clone(),
            original_string: root_original.clone(),
            file_name: file_name.clone(),
            file_type: file_type.clone(),
            encoding,
            decoded_string,
            md5: hex_digest::<Md5>(&bytes),
            sha1: hex_digest::<Sha1>(&bytes),
            sha256: hex_digest::<Sha256>(&bytes),
            bytes: Vec::new(),
        });
        let item_index = self.items.len() - 1;
        let markup = match (kind, text) {
            (Kind::Unknown, Some((_, text))) => {
                let inner = self.decode_text(&text, depth + 1, reference);
                format!(
                    "<decoded type='string' name='{name_attr}' index='{reference}' depth='{depth}'>{inner}</decoded>"
                )
            }
            (Kind::Archive(archive), _) => {
                let members =
                    self.unpack_archive(archive, &bytes, reference, depth, &root_original);
                format!(
                    "<decoded value='multiple binary' type='{archive}' name='{name_attr}' index='{reference}' depth='{depth}'>{}</decoded>",
                    members.join("")
                )
            }
            (kind, _) => {
                let type_attr = match kind {
                    Kind::Binary(t) => t,
                    _ => "",
                };
                format!(
                    "<decoded value='binary' type='{type_attr}' name='{name_attr}' index='{reference}' depth='{depth}'>{}</decoded>",
                    printable(&bytes, 256)
                )
            }
        };
        self.items[item_index].bytes = bytes;
        Some(markup)
    }

    fn unpack_archive(
        &mut self,
        archive: &str,
        bytes: &[u8],
        reference: &str,
        depth: usize,
        root: &str,
    ) -> Vec<String> {
        if depth + 1 > self.limits.max_depth {
            self.notes.push(B64Note::DepthLimit {
                reference: reference.to_string(),
                limit: self.limits.max_depth,
            });
            return Vec::new();
        }
        let members = match archive {
            "gz" => self.gzip_members(bytes, reference),
            "zip" => self.zip_members(bytes, reference),
            "tar" => self.tar_members(bytes, reference),
            _ => Vec::new(),
        };
        let mut out = Vec::new();
        for (n, (name, content)) in members.into_iter().enumerate() {
            if unsafe_member_name(&name) {
                self.notes.push(B64Note::UnsafeMemberName {
                    reference: reference.to_string(),
                    member: name.clone(),
                });
            }
            let child = child_ref(reference, n + 1);
            match self.render(content, root, &child, depth + 1, Some(name), Some(root)) {
                Some(markup) => out.push(markup),
                None => break,
            }
        }
        out
    }

    /// How many bytes one member may decompress to: its share of the ratio and what is left of the budget.
    fn member_cap(&self, compressed: usize) -> usize {
        let by_ratio = compressed
            .max(1)
            .saturating_mul(self.limits.max_expansion_ratio);
        by_ratio.min(self.limits.max_total_bytes.saturating_sub(self.total_bytes))
    }

    /// Reads at most `cap` bytes; `Err(())` if there was more.
    fn read_capped(reader: impl Read, cap: usize) -> std::io::Result<Result<Vec<u8>, ()>> {
        let mut out = Vec::new();
        reader.take(cap as u64 + 1).read_to_end(&mut out)?;
        Ok(if out.len() > cap { Err(()) } else { Ok(out) })
    }

    fn over_limit(&mut self, reference: &str, member: &str) {
        let remaining = self.limits.max_total_bytes.saturating_sub(self.total_bytes);
        self.notes.push(B64Note::ExpansionLimit {
            reference: reference.to_string(),
            member: member.to_string(),
            limit: self.limits.max_expansion_ratio,
        });
        if remaining == 0 {
            self.budget_exhausted = true;
        }
    }

    /// Keeps a member that was read within its cap; notes one that was too big or unreadable.
    fn keep_member(
        &mut self,
        reference: &str,
        name: String,
        read: std::io::Result<Result<Vec<u8>, ()>>,
        spent: &mut usize,
        out: &mut Vec<(String, Vec<u8>)>,
    ) {
        match read {
            Ok(Ok(content)) => {
                *spent += content.len();
                out.push((name, content));
            }
            Ok(Err(())) => self.over_limit(reference, &name),
            Err(e) => self.corrupt(reference, format!("member '{name}': {e}")),
        }
    }

    fn corrupt(&mut self, reference: &str, message: String) {
        self.notes.push(B64Note::CorruptArchive {
            reference: reference.to_string(),
            message,
        });
    }

    fn gzip_members(&mut self, bytes: &[u8], reference: &str) -> Vec<(String, Vec<u8>)> {
        let mut decoder = flate2::read::GzDecoder::new(bytes);
        let cap = self.member_cap(bytes.len());
        let content = Self::read_capped(&mut decoder, cap);
        let name = decoder.header().and_then(|h| h.filename()).map_or_else(
            || "gzip_file".to_string(),
            |n| String::from_utf8_lossy(n).into_owned(),
        );
        match content {
            Ok(Ok(content)) => vec![(name, content)],
            Ok(Err(())) => {
                self.over_limit(reference, &name);
                Vec::new()
            }
            Err(e) => {
                self.corrupt(reference, e.to_string());
                Vec::new()
            }
        }
    }

    fn zip_members(&mut self, bytes: &[u8], reference: &str) -> Vec<(String, Vec<u8>)> {
        let mut archive = match ::zip::ZipArchive::new(Cursor::new(bytes)) {
            Ok(archive) => archive,
            Err(e) => {
                self.corrupt(reference, e.to_string());
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        let mut spent = 0usize;
        for index in 0..archive.len() {
            if index == self.limits.max_archive_members {
                self.notes.push(B64Note::ArchiveMemberLimit {
                    reference: reference.to_string(),
                    limit: self.limits.max_archive_members,
                });
                break;
            }
            let mut member = match archive.by_index(index) {
                Ok(member) => member,
                Err(e) => {
                    self.corrupt(reference, format!("member {}: {e}", index + 1));
                    continue;
                }
            };
            if member.is_dir() {
                continue;
            }
            let name = member
                .name()
                .map(|n| n.into_owned())
                .unwrap_or_else(|_| format!("member-{}", index + 1));
            let cap = self.member_cap(member.compressed_size() as usize).min(
                self.limits
                    .max_total_bytes
                    .saturating_sub(self.total_bytes + spent),
            );
            let read = Self::read_capped(&mut member, cap);
            self.keep_member(reference, name, read, &mut spent, &mut out);
        }
        out
    }

    fn tar_members(&mut self, bytes: &[u8], reference: &str) -> Vec<(String, Vec<u8>)> {
        let mut archive = tar::Archive::new(bytes);
        let entries = match archive.entries() {
            Ok(entries) => entries,
            Err(e) => {
                self.corrupt(reference, e.to_string());
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        let mut spent = 0usize;
        for (index, entry) in entries.enumerate() {
            if index == self.limits.max_archive_members {
                self.notes.push(B64Note::ArchiveMemberLimit {
                    reference: reference.to_string(),
                    limit: self.limits.max_archive_members,
                });
                break;
            }
            let mut entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    self.corrupt(reference, e.to_string());
                    break;
                }
            };
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            // Tar is not compressed, so a member can be no larger than the archive itself.
            let cap = self
                .limits
                .max_total_bytes
                .saturating_sub(self.total_bytes + spent);
            let read = Self::read_capped(&mut entry, cap);
            self.keep_member(reference, name, read, &mut spent, &mut out);
        }
        out
    }
}
