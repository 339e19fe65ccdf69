//! Indicator-of-compromise extraction: IPs, URLs, domains, e-mail addresses, hashes and paths.
//!
//! Every type is found by a scanner anchored on the bytes its matches must contain, so
//! extraction is one pass per line. What each type matches and rejects:
//!
//! | type | matches | rejects, and why |
//! |---|---|---|
//! | `ipv4` | four dot-separated decimal octets 0–255, `[.]`-style defanged dots | `999.1.1.1` (octet > 255); `1.2.3.4.5` and `v1.2.3.4` (version strings) |
//! | `ipv6` | every RFC 4291 text form accepted by `std::net::Ipv6Addr`, incl. `::ffff:1.2.3.4` | clock times (`10:22:33`), MAC addresses and hex dumps whose groups are all ≤ 2 digits, `::` alone, runs glued to words (`std::vec`) |
//! | `url` | `scheme://[user@]host[:port][/path][?query][#fragment]` for http(s), ftp(s), sftp, telnet, ldap(s), file, ws(s), smb, rdp, ssh; defanged `hxxp`, `fxp`, `[:]//`, `[://]`, `[.]` | unknown schemes, bad ports (> 65535), hosts with invalid characters; trailing sentence punctuation and unbalanced `)`/`]` are left out. A percent-encoded URL inside a URL is reported too |
//! | `dns` | names whose suffix is on the public suffix list (`psl` crate), incl. every URL host and e-mail domain; defanged dots | unknown suffixes (`domain.like.iandom`), file names after `\` or a single `/` (`C:\x\cmd.com`), numeric TLDs, Unicode (non-punycode) labels |
//! | `email` | `local@domain` with a public domain; `[at]`, `(at)`, `{at}`, `[@]` defangs | domains with unknown suffixes, empty or dot-edged local parts |
//! | `md5_hash`, `sha1_hash`, `sha256_hash` | exactly 32 / 40 / 64 hex digits as a whole word (also as one dot-separated label: `<sha256>.exe`) | hex runs glued to other letters, digits or `_` (parts of base64 or identifiers) |
//! | `windows_path` | `C:\...`, `\\host\share\...`, `%VAR%\...`, `.\...`, `..\...`; spaces inside folders; a quoted path keeps spaces in its file name | relative paths without a dot root (`DOMAIN\user` is an account, not a path) |
//! | `linux_path` | `/a/b` (two or more segments), `/tmp`-style top-level folders, `./x`, `../x`, `~/x` | one-segment paths such as `/c` or `/s` (Windows switches), slashes inside URLs and dates (`12/05/2024`) |
//!
//! Matches are reported with the refanged value (`hxxp://evil[.]com` → `http://evil.com`)
//! and their byte span, so the defanged original is always recoverable.
//!
//! ```
//! use sectools::{IocExtractor, IocType};
//!
//! let iocs = IocExtractor::new().extract("beacon to hxxp://evil[.]example.com/a from 10.1.2.3");
//! assert!(iocs[&IocType::Url].contains("http://evil.example.com/a"));
//! assert!(iocs[&IocType::Dns].contains("evil.example.com"));
//! assert!(iocs[&IocType::Ipv4].contains("10.1.2.3"));
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use entities::{IpAddress, IpScope};
use polars::prelude::*;
use polars_arrow::array::{Array, View};
use regex::Regex;

pub use types::{Ioc, IocType};

use crate::SectoolsError;
use crate::frame::{ViewColumn, inline_view, string_column};
use finds::Finds;
pub use finds::IocRef;
use scan::Wanted;

mod classes;
mod finds;
mod scan;
mod search;
mod types;

/// Reusable buffers for [`IocExtractor::find_in`].
#[derive(Debug, Default)]
pub struct IocScratch {
    scan: scan::Scratch,
    found: Finds,
}

/// Text per thread below which `extract_df` does not split a frame.
const MIN_PART_BYTES: usize = 1 << 20;

/// Extracts indicators from text. Configuration belongs to the instance: custom
/// patterns added to one extractor never affect another.
#[derive(Debug, Clone)]
pub struct IocExtractor {
    wanted: Wanted,
    custom: Vec<(IocType, Regex)>,
}

impl Default for IocExtractor {
    fn default() -> Self {
        Self::new()
    }
}

impl IocExtractor {
    /// An extractor for all ten built-in types, for strings and DataFrames alike.
    pub fn new() -> Self {
        IocExtractor {
            wanted: Wanted(
                IocType::BUILTIN
                    .iter()
                    .map(IocType::bit)
                    .fold(0, |a, b| a | b),
            ),
            custom: Vec::new(),
        }
    }

    /// Restricts extraction to the given types (built-in or this extractor's custom ones).
    pub fn with_types(mut self, types: &[IocType]) -> Self {
        self.wanted = Wanted(types.iter().map(IocType::bit).fold(0, |a, b| a | b));
        let keep: BTreeSet<&str> = types.iter().map(IocType::name).collect();
        self.custom.retain(|(t, _)| keep.contains(t.name()));
        self
    }

    /// Like [`with_types`](Self::with_types), from names such as `"ipv4,dns"` (comma-separated).
    pub fn with_type_names(self, names: &str) -> Result<Self, SectoolsError> {
        let types = names
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| {
                self.custom
                    .iter()
                    .find(|(t, _)| t.name() == n)
                    .map(|(t, _)| Ok(t.clone()))
                    .unwrap_or_else(|| n.parse())
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.with_types(&types))
    }

    /// Adds a custom indicator type found by a regular expression (Rust `regex` syntax).
    pub fn with_pattern(mut self, name: &str, pattern: &str) -> Result<Self, SectoolsError> {
        if name.parse::<IocType>().is_ok() {
            return Err(SectoolsError::InvalidPattern {
                name: name.to_string(),
                message: "the name is a built-in type; choose another".to_string(),
            });
        }
        let regex = Regex::new(pattern).map_err(|e| SectoolsError::InvalidPattern {
            name: name.to_string(),
            message: e.to_string(),
        })?;
        self.custom.push((IocType::Custom(name.into()), regex));
        Ok(self)
    }

    /// Every indicator in `text`, in order of position, each (type, value) once.
    pub fn find(&self, text: &str) -> Vec<Ioc> {
        let mut scratch = IocScratch::default();
        self.find_in(text, &mut scratch)
            .map(|ioc| ioc.to_ioc())
            .collect()
    }

    /// [`find`](Self::find) into buffers reused across calls (for loops over many
    /// lines): the indicators borrow the buffers, so a line costs no allocation.
    ///
    /// ```
    /// use sectools::{IocExtractor, IocScratch, IocType};
    ///
    /// let extractor = IocExtractor::new();
    /// let mut scratch = IocScratch::default();
    /// let mut seen = Vec::new();
    /// for line in ["login from 10.1.2.3", "beacon to evil[.]example[.]com"] {
    ///     for ioc in extractor.find_in(line, &mut scratch) {
    ///         seen.push((ioc.ioc_type.clone(), ioc.value.to_string(), ioc.matched(line).to_string()));
    ///     }
    /// }
    /// assert_eq!(seen, [
    ///     (IocType::Ipv4, "10.1.2.3".to_string(), "10.1.2.3".to_string()),
    ///     (IocType::Dns, "evil.example.com".to_string(), "evil[.]example[.]com".to_string()),
    /// ]);
    /// ```
    pub fn find_in<'s>(
        &self,
        text: &'s str,
        scratch: &'s mut IocScratch,
    ) -> impl ExactSizeIterator<Item = IocRef<'s>> + use<'s> {
        let found = &mut scratch.found;
        found.clear();
        self.find_into(text, &mut scratch.scan, found);
        found.dedup(text);
        found.iter(text)
    }

    fn find_into(&self, text: &str, scratch: &mut scan::Scratch, found: &mut Finds) {
        scan::scan(text, self.wanted, scratch, found);
        for (ioc_type, regex) in &self.custom {
            for m in regex.find_iter(text) {
                found.push_span(ioc_type.clone(), m.range());
            }
        }
        found.sort();
    }

    /// Indicators in `text` grouped by type (only types with matches appear).
    pub fn extract(&self, text: &str) -> BTreeMap<IocType, BTreeSet<String>> {
        let mut found = Finds::default();
        self.find_into(text, &mut scan::Scratch::default(), &mut found);
        let mut map: BTreeMap<IocType, BTreeSet<String>> = BTreeMap::new();
        for f in found.iter(text) {
            map.entry(f.ioc_type.clone())
                .or_default()
                .insert(f.value.to_string());
        }
        map
    }

    /// One row per (row, column, indicator) of the given string columns:
    /// `IoCType`, `Observable` (refanged), `SourceIndex` (row number), `Input` (column
    /// name) and `Original` (the text as it appeared, which differs when defanged).
    ///
    /// A frame of several megabytes of text is read in parts on the machine's cores;
    /// the rows come out in the same order. `Original`, and an `Observable` equal to
    /// it, share the input column's buffers instead of copying the text: the result
    /// keeps those buffers alive.
    pub fn extract_df(&self, df: &DataFrame, columns: &[&str]) -> Result<DataFrame, SectoolsError> {
        let cells: Vec<(&str, &StringChunked)> = columns
            .iter()
            .map(|&column| Ok((column, string_column(df, column)?)))
            .collect::<Result<_, SectoolsError>>()?;
        let bytes: usize = cells
            .iter()
            .flat_map(|(_, cells)| cells.downcast_iter())
            .map(|array| array.total_bytes_len())
            .sum();
        let threads = crate::parallel::threads_for(bytes, MIN_PART_BYTES);
        // Each column in `threads` runs of rows: parts in order are the rows in order.
        let mut parts = Vec::new();
        for &(column, cells) in &cells {
            let rows = cells.len();
            for k in 0..threads {
                let (start, end) = (rows * k / threads, rows * (k + 1) / threads);
                if end > start || (rows == 0 && k == 0) {
                    parts.push((column, start, cells.slice(start as i64, end - start)));
                }
            }
        }
        let frames = crate::parallel::on_threads(
            parts
                .iter()
                .map(|(column, start, cells)| move || self.extract_rows(cells, column, *start)),
        );
        let mut frames = frames.into_iter();
        let mut all = frames
            .next()
            .unwrap_or_else(|| self.extract_rows(&StringChunked::default(), "", 0))?;
        for frame in frames {
            all.vstack_mut_owned(frame?)?;
        }
        Ok(all)
    }

    /// [`extract_df`](Self::extract_df) of `cells`, rows `first_row..` of `column`.
    fn extract_rows(
        &self,
        cells: &StringChunked,
        column: &str,
        first_row: usize,
    ) -> Result<DataFrame, SectoolsError> {
        // Values go straight into their columns' buffers: no `String` or `Vec` per
        // indicator on the way. Lines hold one or two indicators, most of them short.
        // The matched text, and a value equal to it, is a view into the input's own
        // buffers, which the output columns share: it is not copied at all.
        let guess = cells.len() + cells.len() / 2;
        let mut shared = Vec::new();
        let mut bases = Vec::new();
        for array in cells.downcast_iter() {
            bases.push(shared.len() as u32);
            shared.extend(array.data_buffers().iter().cloned());
        }
        let mut types = ViewColumn::with_capacity(guess, 0);
        let mut values = ViewColumn::sharing(shared.clone(), guess, guess * 4);
        let mut originals = ViewColumn::sharing(shared, guess, 0);
        let mut rows: Vec<u64> = Vec::with_capacity(guess);
        // Built-in type names fit in a view: made once, copied per row.
        let builtin_views = IocType::BUILTIN.map(|t| inline_view(t.name().as_bytes()));
        let mut scratch = IocScratch::default();
        let mut next_row = first_row;
        for (array, base) in cells.downcast_iter().zip(bases) {
            for (i, cell_view) in array.views().iter().enumerate() {
                let row = next_row as u64;
                next_row += 1;
                if !array.is_valid(i) {
                    continue;
                }
                // SAFETY: `i` is below the array's length, the number of its views.
                let cell = unsafe { array.value_unchecked(i) };
                for ioc in self.find_in(cell, &mut scratch) {
                    let matched = ioc.matched(cell);
                    // Longer than a view holds, it lies in the cell's own buffer (whose
                    // offsets a view reaches, but for text near 4 GiB: copied then).
                    let view = if matched.len() <= View::MAX_INLINE_SIZE as usize {
                        Some(inline_view(matched.as_bytes()))
                    } else {
                        let buffer = base + cell_view.buffer_idx;
                        (cell_view.offset.checked_add(ioc.span.start as u32))
                            .map(|offset| View::new_from_bytes(matched.as_bytes(), buffer, offset))
                    };
                    match ioc.ioc_type.builtin_index() {
                        // SAFETY: an inline view of a whole `str`, the type's name.
                        Some(k) => unsafe { types.push_shared(builtin_views[k]) },
                        None => types.push_str(self.type_name(ioc.ioc_type)),
                    }
                    // Most values are the matched text itself (the same bytes).
                    let as_matched = std::ptr::eq(ioc.value, matched) || ioc.value == matched;
                    match view {
                        // SAFETY: the view holds `matched`, a whole `str`, inline or where
                        // it is in the input's buffer `cell_view.buffer_idx` of this
                        // array, which is shared buffer `base + cell_view.buffer_idx`.
                        Some(view) => unsafe {
                            originals.push_shared(view);
                            if as_matched {
                                values.push_shared(view);
                            } else {
                                values.push_str(ioc.value);
                            }
                        },
                        None => {
                            originals.push_str(matched);
                            values.push_str(ioc.value);
                        }
                    }
                    rows.push(row);
                }
            }
        }
        let height = rows.len();
        Ok(DataFrame::new_infer_height(vec![
            types.finish("IoCType").into_column(),
            values.finish("Observable").into_column(),
            Column::new("SourceIndex".into(), rows),
            StringChunked::full("Input".into(), column, height).into_column(),
            originals.finish("Original").into_column(),
        ])?)
    }

    /// A type's name with this extractor's lifetime (custom names live in the extractor).
    fn type_name(&self, ioc_type: &IocType) -> &str {
        ioc_type.builtin_name().unwrap_or_else(|| {
            self.custom
                .iter()
                .find(|(t, _)| t == ioc_type)
                .map_or("custom", |(t, _)| t.name())
        })
    }

    /// Whether the whole of `value` is one indicator of `ioc_type` (defanged forms count).
    /// `file_hash` accepts any of the three hash lengths; `hostname` is checked as `dns`.
    pub fn validate(&self, value: &str, ioc_type: &str) -> Result<bool, SectoolsError> {
        let types: Vec<IocType> = match ioc_type {
            "file_hash" => vec![IocType::Md5Hash, IocType::Sha1Hash, IocType::Sha256Hash],
            "hostname" => vec![IocType::Dns],
            name => match self.custom.iter().find(|(t, _)| t.name() == name) {
                Some((t, _)) => vec![t.clone()],
                None => vec![name.parse()?],
            },
        };
        let mut found = Finds::default();
        let one = IocExtractor {
            wanted: self.wanted,
            custom: self.custom.clone(),
        }
        .with_types(&types);
        one.find_into(value, &mut scan::Scratch::default(), &mut found);
        Ok(found
            .iter(value)
            .any(|f| f.span == (0..value.len()) && types.contains(f.ioc_type)))
    }
}

/// Where an IP address routes: public, private, loopback, link-local, multicast or reserved.
/// Enrichment only makes sense for public addresses.
pub fn classify_ip(address: IpAddr) -> IpScope {
    IpAddress::new(address).scope()
}

/// [`IocExtractor::validate`] with the default extractor.
pub fn validate(value: &str, ioc_type: &str) -> Result<bool, SectoolsError> {
    IocExtractor::new().validate(value, ioc_type)
}
