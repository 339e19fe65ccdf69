//! [`auditd_frame`](super::auditd_frame): the lines of a log straight into the event
//! table, in parts read on several threads.
//!
//! Pass 1 splits each line into type, body and event key, and numbers events in order
//! of their first record. Parts of the text are scanned on their own threads, then
//! joined: a later part's events that an earlier part already numbered keep that
//! number, the others are numbered after it, in order. Pass 2 fills one table per
//! range of events, again one thread each, and the tables are joined row after row
//! (see [`EventTable::concat`]). Every choice the tables make depends on the events
//! and their records only, so the frame does not depend on how it was split.

use rustc_hash::FxHashMap;

use super::table::{EventTable, SharedText};
use super::{AuditFrame, AuditIssue, event_time, issue, record};
use crate::SectoolsError;
use crate::parallel::{self, on_threads};

/// Parts smaller than this are not worth a thread.
const MIN_PART_BYTES: usize = 1 << 20;

/// `(seconds, milliseconds, serial)` of `msg=audit(…)`: which event a record is of.
type EventKey = (i64, u32, u64);

/// One audit record.
#[derive(Clone, Copy)]
struct Line<'a> {
    record_type: &'a str,
    body: &'a str,
    event: u32,
}

/// Pass 1 over a part of the text.
struct Scan<'a> {
    lines: Vec<Line<'a>>,
    keys: Vec<EventKey>,
    /// Each key's event number.
    index: FxHashMap<EventKey, u32>,
    /// Line numbers counted from the part's first line (1).
    issues: Vec<AuditIssue>,
    /// Lines in the part, the last one included even without a `\n`.
    line_count: usize,
    /// Whether each record is of the part's latest event (its events do not interleave).
    in_order: bool,
}

/// How many threads `auditd_frame` uses for a text of this size.
pub(super) fn threads_for(text: &str) -> usize {
    parallel::threads_for(text.len(), MIN_PART_BYTES)
}

/// The event table of `text`, read in (at most) `threads` parts; long values are views
/// into `shared` when it holds `text`.
pub(super) fn frame(
    text: &str,
    threads: usize,
    shared: Option<SharedText>,
) -> Result<AuditFrame, SectoolsError> {
    let threads = threads.max(1);
    let parts = split_at_lines(text, threads);
    let scans = on_threads(parts.iter().map(|&part| move || scan(part)));
    let Joined {
        mut parts,
        keys,
        issues,
        in_order,
    } = join_scans(scans);
    let sorted: Vec<Line<'_>>;
    let groups = if in_order {
        whole_events(&parts)
    } else {
        // The parts go as they are copied: their lines are not needed twice.
        sorted = by_event(std::mem::take(&mut parts), keys.len());
        split_at_events(&sorted, threads)
            .into_iter()
            .map(|part| vec![part])
            .collect()
    };
    // A log without records still makes its (empty) table.
    let groups = if groups.is_empty() {
        vec![Vec::new()]
    } else {
        groups
    };
    let tables = on_threads(groups.iter().map(|group| {
        let (keys, shared) = (&keys, shared.clone());
        move || fill(group, keys, shared)
    }));
    Ok(AuditFrame {
        df: EventTable::concat(tables)?,
        issues,
    })
}

/// About equal parts of `text`, each ending after a `\n` (the last at the end).
fn split_at_lines(text: &str, parts: usize) -> Vec<&str> {
    let mut out = Vec::with_capacity(parts);
    let mut start = 0;
    for k in 1..parts {
        let target = (text.len() * k / parts).max(start);
        let Some(newline) = memchr::memchr(b'\n', &text.as_bytes()[target..]) else {
            break;
        };
        let end = target + newline + 1;
        out.push(&text[start..end]);
        start = end;
    }
    out.push(&text[start..]);
    out
}

/// Pass 1 over `text` (a part of the log: issues are numbered from its first line).
fn scan(text: &str) -> Scan<'_> {
    let lines_guess = estimated_lines(text);
    let mut scan = Scan {
        lines: Vec::with_capacity(lines_guess),
        keys: Vec::with_capacity(lines_guess / 2),
        index: FxHashMap::with_capacity_and_hasher(lines_guess / 2, Default::default()),
        issues: Vec::new(),
        line_count: 0,
        in_order: true,
    };
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain([text.len()]);
    for (n, end) in ends.enumerate() {
        scan.line_count = n + 1;
        // As `str::lines`: without the `\n` (`parse_header` drops a `\r` before it).
        let line = &text[start..end];
        start = end + 1;
        if line.trim().is_empty() {
            continue;
        }
        let header = match record::parse_header(line) {
            Ok(header) => header,
            Err(reason) => {
                scan.issues.push(issue(n + 1, reason, line));
                continue;
            }
        };
        let key = (header.seconds, header.millis, header.serial);
        let latest = scan.keys.len() as u32;
        let event = match scan.keys.last() {
            Some(last) if *last == key => latest - 1,
            _ => *scan.index.entry(key).or_insert_with(|| {
                scan.keys.push(key);
                latest
            }),
        };
        // Not the latest event (nor a new one): an earlier event continues here.
        scan.in_order &= event + 1 >= latest;
        scan.lines.push(Line {
            record_type: header.record_type,
            body: header.body,
            event,
        });
    }
    scan
}

/// About how many lines `text` has, from the lines of its first 64 KiB (a tenth more,
/// so that an even log needs no second allocation): counting them all costs a pass.
fn estimated_lines(text: &str) -> usize {
    const SAMPLE: usize = 64 * 1024;
    let sample = &text.as_bytes()[..text.len().min(SAMPLE)];
    let sampled = memchr::memchr_iter(b'\n', sample).count() + 1;
    sampled * text.len() / sample.len().max(1) * 11 / 10 + 1
}

/// The parts' lines with events numbered across parts.
struct Joined<'a> {
    parts: Vec<Vec<Line<'a>>>,
    keys: Vec<EventKey>,
    issues: Vec<AuditIssue>,
    /// Whether the lines, part after part, never go back to an earlier event.
    in_order: bool,
}

/// Numbers the events of every part as one scan of their texts one after another
/// would: lines stay where they are, so nothing is copied.
fn join_scans(scans: Vec<Scan<'_>>) -> Joined<'_> {
    let mut scans = scans.into_iter();
    let first = scans.next().expect("at least one part");
    // A part ending in `\n` counts the empty text after it as a line: the next part's first.
    let mut lines_before = first.line_count - 1;
    let (mut index, mut keys, mut issues) = (first.index, first.keys, first.issues);
    let mut in_order = first.in_order;
    let mut last_event = first.lines.last().map(|line| line.event);
    let mut parts = vec![first.lines];
    let mut scans = scans.peekable();
    while let Some(mut part) = scans.next() {
        // The last part's new keys need no entry: nothing after it looks them up.
        let is_last = scans.peek().is_none();
        let number: Vec<u32> = part
            .keys
            .iter()
            .map(|key| match index.get(key) {
                Some(&event) => event,
                None => {
                    keys.push(*key);
                    let event = keys.len() as u32 - 1;
                    if !is_last {
                        index.insert(*key, event);
                    }
                    event
                }
            })
            .collect();
        for line in &mut part.lines {
            line.event = number[line.event as usize];
        }
        // A part in order visits its events in the order it numbered them: it stays in
        // order if their new numbers do not go back, from where the part before ended.
        in_order = in_order
            && part.in_order
            && last_event
                .into_iter()
                .chain(number.iter().copied())
                .is_sorted();
        last_event = part.lines.last().map(|line| line.event).or(last_event);
        parts.push(part.lines);
        for mut issue in part.issues {
            issue.line += lines_before;
            issues.push(issue);
        }
        lines_before += part.line_count - 1;
    }
    Joined {
        parts,
        keys,
        issues,
        in_order,
    }
}

/// The parts (in order of events) as runs of whole events: the lines of an event a
/// part ends in that open the next part stay with it.
fn whole_events<'l, 'a>(parts: &'l [Vec<Line<'a>>]) -> Vec<Vec<&'l [Line<'a>]>> {
    let mut groups: Vec<Vec<&[Line<'a>]>> = Vec::with_capacity(parts.len());
    for part in parts {
        let mut rest = &part[..];
        let open = groups
            .last()
            .and_then(|group| group.last())
            .and_then(|lines| lines.last())
            .map(|line| line.event);
        if let (Some(open), Some(group)) = (open, groups.last_mut()) {
            let continuing = rest.iter().take_while(|line| line.event == open).count();
            if continuing > 0 {
                group.push(&rest[..continuing]);
                rest = &rest[continuing..];
            }
        }
        if !rest.is_empty() {
            groups.push(vec![rest]);
        }
    }
    groups
}

/// The lines of all parts ordered by event, records of an event in input order: a
/// counting sort, as events are numbered densely from 0.
fn by_event(parts: Vec<Vec<Line<'_>>>, events: usize) -> Vec<Line<'_>> {
    let lines = || parts.iter().flatten();
    let Some(&first) = lines().next() else {
        return Vec::new();
    };
    let mut next = vec![0usize; events + 1];
    for line in lines() {
        next[line.event as usize + 1] += 1;
    }
    for e in 0..events {
        next[e + 1] += next[e];
    }
    let mut sorted = vec![first; next[events]];
    for &line in lines() {
        let slot = &mut next[line.event as usize];
        sorted[*slot] = line;
        *slot += 1;
    }
    sorted
}

/// About equal runs of `lines` (sorted by event), each holding whole events.
fn split_at_events<'l, 'a>(lines: &'l [Line<'a>], parts: usize) -> Vec<&'l [Line<'a>]> {
    let mut out = Vec::with_capacity(parts);
    let mut start = 0;
    for k in 1..parts {
        let mut end = (lines.len() * k / parts).max(start);
        while end > start && end < lines.len() && lines[end].event == lines[end - 1].event {
            end += 1;
        }
        if end > start && end < lines.len() {
            out.push(&lines[start..end]);
            start = end;
        }
    }
    out.push(&lines[start..]);
    out
}

/// Pass 2: the table of the events of `group`'s lines (whole events, in order).
fn fill<'a>(
    group: &[&[Line<'a>]],
    keys: &[EventKey],
    shared: Option<SharedText>,
) -> EventTable<'a> {
    let lines = || group.iter().flat_map(|lines| lines.iter());
    let last = group.iter().rev().find_map(|lines| lines.last());
    let events = match (lines().next(), last) {
        (Some(first), Some(last)) => (last.event - first.event + 1) as usize,
        _ => 0,
    };
    let mut table = EventTable::new(events, [], shared);
    let mut current = None;
    for line in lines() {
        if current != Some(line.event) {
            current = Some(line.event);
            let key = keys[line.event as usize];
            table.begin_event(event_time(key).timestamp_millis(), key.2);
        }
        table.record(line.record_type);
        record::visit_fields(line.record_type, line.body, &mut |key, value| {
            table.field(key, value);
        });
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A log whose records are of the events with these serials, in this order.
    fn log(serials: &[u64]) -> String {
        serials
            .iter()
            .map(|s| format!("type=CWD msg=audit(1700000000.000:{s}): cwd=\"/\"\n"))
            .collect()
    }

    /// `text` cut after the lines numbered in `cuts` (ascending).
    fn cut<'a>(text: &'a str, cuts: &[usize]) -> Vec<&'a str> {
        let ends: Vec<usize> = text.match_indices('\n').map(|(at, _)| at + 1).collect();
        let mut parts = Vec::new();
        let mut start = 0;
        for &line in cuts {
            parts.push(&text[start..ends[line]]);
            start = ends[line];
        }
        parts.push(&text[start..]);
        parts
    }

    #[test]
    fn joined_parts_know_whether_events_interleave_wherever_the_log_is_cut() {
        let logs: [&[u64]; 8] = [
            &[1, 1, 2, 2, 3],
            &[1, 2, 1],
            &[1, 2, 2, 1],
            &[1, 2, 3, 2, 4],
            &[1, 1, 1, 2, 2],
            &[3, 2, 1, 1],
            &[1, 2, 3, 4, 5, 1],
            &[5, 5, 6, 7, 6, 8],
        ];
        for serials in logs {
            let text = log(serials);
            // Events are numbered by first appearance: in order unless one comes back.
            let mut first_seen: Vec<u64> = Vec::new();
            let numbers: Vec<usize> = serials
                .iter()
                .map(|s| match first_seen.iter().position(|f| f == s) {
                    Some(at) => at,
                    None => {
                        first_seen.push(*s);
                        first_seen.len() - 1
                    }
                })
                .collect();
            let expected = numbers.is_sorted();
            let n = serials.len();
            let mut cuttings: Vec<Vec<usize>> = vec![vec![]];
            cuttings.extend((0..n - 1).map(|a| vec![a]));
            cuttings.extend((0..n - 1).flat_map(|a| (a + 1..n - 1).map(move |b| vec![a, b])));
            for cuts in cuttings {
                let scans = cut(&text, &cuts).into_iter().map(scan).collect();
                let joined = join_scans(scans);
                let events: Vec<usize> = joined
                    .parts
                    .iter()
                    .flatten()
                    .map(|l| l.event as usize)
                    .collect();
                assert_eq!(events, numbers, "{serials:?} cut after lines {cuts:?}");
                assert_eq!(
                    joined.in_order, expected,
                    "{serials:?} cut after lines {cuts:?}"
                );
            }
        }
    }
}
