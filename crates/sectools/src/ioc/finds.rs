//! The indicators found in one text. A value that is the matched text itself (most
//! are) is a range of that text; other values are written one after another into a
//! single buffer that is reused from text to text: a line's indicators cost no
//! allocation once the buffers have grown.

use std::collections::HashSet;
use std::ops::Range;

use super::types::{Ioc, IocType};

/// One indicator: its value is `text[span]` if `value` is `None`, else
/// `values[value]` of the [`Finds`] holding it.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) ioc_type: IocType,
    pub(crate) span: Range<usize>,
    value: Option<Range<usize>>,
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

    /// The value of `found`, one of these indicators of `text`.
    #[inline]
    pub(crate) fn value<'a>(&'a self, found: &Found, text: &'a str) -> &'a str {
        match &found.value {
            Some(value) => &self.values[value.clone()],
            None => &text[found.span.clone()],
        }
    }

    /// Adds an indicator whose value is the text it was found at, as it is there.
    #[inline]
    pub(crate) fn push_span(&mut self, ioc_type: IocType, span: Range<usize>) {
        self.items.push(Found {
            ioc_type,
            span,
            value: None,
            defanged: false,
        });
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
            value: Some(value.clone()),
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
                value: Some(start..self.values.len()),
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

    /// Adds an indicator whose value is `text[span]` in ASCII lower case; `upper`
    /// says whether it has any upper-case letter (without, it is the text itself).
    pub(crate) fn push_lower(
        &mut self,
        ioc_type: IocType,
        span: Range<usize>,
        text: &str,
        upper: bool,
    ) {
        if !upper {
            return self.push_span(ioc_type, span);
        }
        self.push_with(ioc_type, span.clone(), false, |v| {
            let start = v.len();
            v.push_str(&text[span]);
            v[start..].make_ascii_lowercase();
        });
    }

    /// Orders the indicators by position, then type.
    pub(crate) fn sort(&mut self) {
        let order = |a: &Found, b: &Found| {
            a.span
                .start
                .cmp(&b.span.start)
                .then_with(|| a.ioc_type.cmp(&b.ioc_type))
        };
        // Scanners find most lines' few indicators in order already.
        if self.items.len() > 1 && !self.items.is_sorted_by(|a, b| order(a, b).is_le()) {
            self.items.sort_by(order);
        }
    }

    /// Keeps the first of each (type, value), in order; `text` is the one they were found in.
    pub(crate) fn dedup(&mut self, text: &str) {
        let Finds { items, values } = self;
        let value = |f: &Found| match &f.value {
            Some(value) => &values[value.clone()],
            None => &text[f.span.clone()],
        };
        let len = |f: &Found| f.value.as_ref().unwrap_or(&f.span).len();
        // Lines hold a handful of indicators: a linear look back beats hashing until
        // there are many.
        if items.len() <= 1 {
        } else if items.len() <= 32 {
            // The first is always kept.
            let mut kept = 1;
            for i in 1..items.len() {
                let found = &items[i];
                let found_len = len(found);
                let seen = items[..kept].iter().any(|o| {
                    // Most pairs differ in type or length: no text is compared then.
                    o.ioc_type == found.ioc_type && len(o) == found_len && value(o) == value(found)
                });
                if !seen {
                    if kept != i {
                        items.swap(kept, i);
                    }
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

    /// The indicators of `text` as borrowed views.
    pub(crate) fn iter<'a>(&'a self, text: &'a str) -> impl ExactSizeIterator<Item = IocRef<'a>> {
        self.items.iter().map(move |f| IocRef {
            ioc_type: &f.ioc_type,
            value: self.value(f, text),
            span: f.span.clone(),
            defanged: f.defanged,
        })
    }

    /// Copies in the indicators of another text, `other_text`, each found at `span` of this text.
    pub(crate) fn append_at(&mut self, other: &Finds, other_text: &str, span: &Range<usize>) {
        for f in &other.items {
            let value = other.value(f, other_text);
            self.push(f.ioc_type.clone(), span.clone(), f.defanged, value);
        }
    }
}

/// An indicator borrowed from the text and buffers of [`IocExtractor::find_in`](super::IocExtractor::find_in).
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
