//! The indicators found in one text, their values written one after another into a
//! single buffer that is reused from text to text: a line's indicators cost no
//! allocation once the buffers have grown.

use std::collections::HashSet;
use std::ops::Range;

use super::types::{Ioc, IocType};

/// One indicator: its value is `values[value]` of the [`Finds`] holding it.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) ioc_type: IocType,
    pub(crate) span: Range<usize>,
    value: Range<usize>,
    pub(crate) defanged: bool,
}

/// Indicators of one text and the text of their values.
#[derive(Debug, Default)]
pub(crate) struct Finds {
    items: Vec<Found>,
    values: String,
}

impl Finds {
    pub(crate) fn clear(&mut self) {
        self.items.clear();
        self.values.clear();
    }

    pub(crate) fn items(&self) -> &[Found] {
        &self.items
    }

    pub(crate) fn value(&self, found: &Found) -> &str {
        &self.values[found.value.clone()]
    }

    /// Adds an indicator whose value `write` appends to the buffer it is given.
    pub(crate) fn push_with(
        &mut self,
        ioc_type: IocType,
        span: Range<usize>,
        defanged: bool,
        write: impl FnOnce(&mut String),
    ) -> &str {
        let start = self.values.len();
        write(&mut self.values);
        let value = start..self.values.len();
        self.items.push(Found {
            ioc_type,
            span,
            value: value.clone(),
            defanged,
        });
        &self.values[value]
    }

    /// Adds an indicator whose value `write` appends, if `write` says it is one;
    /// otherwise nothing is added.
    pub(crate) fn push_if(
        &mut self,
        ioc_type: IocType,
        span: Range<usize>,
        defanged: bool,
        write: impl FnOnce(&mut String) -> bool,
    ) {
        let start = self.values.len();
        if write(&mut self.values) {
            self.items.push(Found {
                ioc_type,
                span,
                value: start..self.values.len(),
                defanged,
            });
        } else {
            self.values.truncate(start);
        }
    }

    pub(crate) fn push(
        &mut self,
        ioc_type: IocType,
        span: Range<usize>,
        defanged: bool,
        value: &str,
    ) {
        self.push_with(ioc_type, span, defanged, |v| v.push_str(value));
    }

    /// Adds an indicator whose value is `text` in ASCII lower case.
    pub(crate) fn push_lower(&mut self, ioc_type: IocType, span: Range<usize>, text: &str) {
        self.push_with(ioc_type, span, false, |v| {
            let start = v.len();
            v.push_str(text);
            v[start..].make_ascii_lowercase();
        });
    }

    /// Orders the indicators by position, then type.
    pub(crate) fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            a.span
                .start
                .cmp(&b.span.start)
                .then(a.ioc_type.cmp(&b.ioc_type))
        });
    }

    /// Keeps the first of each (type, value), in order.
    pub(crate) fn dedup(&mut self) {
        let Finds { items, values } = self;
        let value = |f: &Found| &values[f.value.clone()];
        // Lines hold a handful of indicators: a linear look back beats hashing until
        // there are many.
        if items.len() <= 32 {
            let mut kept = 0;
            for i in 0..items.len() {
                let seen = items[..kept]
                    .iter()
                    .any(|o| o.ioc_type == items[i].ioc_type && value(o) == value(&items[i]));
                if !seen {
                    items.swap(kept, i);
                    kept += 1;
                }
            }
            items.truncate(kept);
        } else {
            let keep: Vec<bool> = {
                let mut seen = HashSet::new();
                items
                    .iter()
                    .map(|f| seen.insert((&f.ioc_type, value(f))))
                    .collect()
            };
            let mut keep = keep.into_iter();
            items.retain(|_| keep.next().unwrap_or(true));
        }
    }

    /// The indicators as borrowed views.
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = IocRef<'_>> {
        self.items.iter().map(|f| IocRef {
            ioc_type: &f.ioc_type,
            value: self.value(f),
            span: f.span.clone(),
            defanged: f.defanged,
        })
    }

    /// Moves another text's indicators in, each found at `span` of this text.
    pub(crate) fn append_at(&mut self, other: &Finds, span: &Range<usize>) {
        for f in &other.items {
            self.push(f.ioc_type.clone(), span.clone(), f.defanged, other.value(f));
        }
    }
}

/// An indicator borrowed from the buffers of [`IocExtractor::find_in`](super::IocExtractor::find_in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IocRef<'a> {
    /// What kind of indicator it is.
    pub ioc_type: &'a IocType,
    /// The indicator in usable form: refanged (`hxxp` → `http`, `[.]` → `.`).
    pub value: &'a str,
    /// Byte range of the text it was found in.
    pub span: Range<usize>,
    /// Whether the text was defanged, so `value` differs from the matched text.
    pub defanged: bool,
}

impl IocRef<'_> {
    /// The text as it appeared in the input.
    pub fn matched<'t>(&self, input: &'t str) -> &'t str {
        input.get(self.span.clone()).unwrap_or("")
    }

    /// An owned copy.
    pub fn to_ioc(&self) -> Ioc {
        Ioc {
            ioc_type: self.ioc_type.clone(),
            value: self.value.to_string(),
            span: self.span.clone(),
            defanged: self.defanged,
        }
    }
}
