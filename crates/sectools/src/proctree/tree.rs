//! The tree itself: keys, roots, leaves, paths, the output frame, navigation and text.
//!
//! Building works on values borrowed from the input columns and on small integer
//! ids, so a 200k-event table costs few allocations; the strings users see (keys,
//! paths) are written once, straight into the output frame's columns.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::OnceLock;

use polars::prelude::*;

use hashbrown::hash_table::{self, HashTable};
use rustc_hash::{FxBuildHasher, FxHashMap};

use super::input::KeyTimes;
use super::schema::ProcSchema;
use crate::SectoolsError;
use crate::digits::push_digits;
use crate::frame::{ShortStrings, ViewColumn};
use crate::short_eq::short_eq;

/// Processes per thread below which a pass over them stays on one thread.
const MIN_PART_PROCESSES: usize = 50_000;

/// Lower-cased process names, each stored once: keys compare names by id.
#[derive(Debug, Default)]
pub(crate) struct Names<'a> {
    by_raw: FxHashMap<&'a str, u32>,
    by_lower: FxHashMap<String, u32>,
    lower: Vec<String>,
}

impl<'a> Names<'a> {
    /// The id of `raw`'s lower-case form.
    pub(crate) fn id(&mut self, raw: &'a str) -> u32 {
        if let Some(&id) = self.by_raw.get(raw) {
            return id;
        }
        let lower = raw.to_lowercase();
        let next = self.lower.len() as u32;
        let id = *self.by_lower.entry(lower.clone()).or_insert(next);
        if id == next {
            self.lower.push(lower);
        }
        self.by_raw.insert(raw, id);
        id
    }

    fn lower(&self, id: u32) -> &str {
        &self.lower[id as usize]
    }
}

/// A process's identity, msticpy's `name|pid|time` key: lower-case name, id, and the
/// creation time rounded to 10 µs when written out.
///
/// 24 bytes: the id is held as a pointer and a 32-bit length rather than a `&str`
/// (16 bytes), and every process carries two keys, so a 200k-event build keeps
/// 3 MB less at its peak.
#[derive(Clone, Copy)]
pub(crate) struct Key<'a> {
    pub name: u32,
    pid_len: u32,
    pid_ptr: NonNull<u8>,
    pub time: i64,
    _pid: PhantomData<&'a str>,
}

// SAFETY: a `Key` is a `&'a str` taken apart, plus plain numbers; `&str` is Send and Sync.
unsafe impl Send for Key<'_> {}
// SAFETY: as for Send.
unsafe impl Sync for Key<'_> {}

impl PartialEq for Key<'_> {
    // Keys are compared at every hash-map probe; ids are a few bytes (see `short_eq`).
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.time == other.time && short_eq(self.pid(), other.pid())
    }
}

impl Eq for Key<'_> {}

impl Hash for Key<'_> {
    // By value, as `eq` compares: the id's text, not where it is stored.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.pid().hash(state);
        self.time.hash(state);
    }
}

impl fmt::Debug for Key<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("name", &self.name)
            .field("pid", &self.pid())
            .field("time", &self.time)
            .finish()
    }
}

impl<'a> Key<'a> {
    /// `None` when a part is missing (or an id is over 4 GiB long, which no data has).
    pub(crate) fn new(name: Option<u32>, pid: Option<&'a str>, time: Option<i64>) -> Option<Self> {
        let pid = pid?;
        Some(Key {
            name: name?,
            pid_len: u32::try_from(pid.len()).ok()?,
            pid_ptr: NonNull::from(pid.as_bytes()).cast(),
            // Rounded here so that keys equal when written are equal when compared.
            time: round_10us(time?),
            _pid: PhantomData,
        })
    }

    /// The process id as the data gives it.
    pub(crate) fn pid(&self) -> &'a str {
        let bytes = std::ptr::slice_from_raw_parts(self.pid_ptr.as_ptr(), self.pid_len as usize);
        // SAFETY: `new` took pointer and length from a `&'a str`, which `_pid` keeps
        // borrowed for 'a, so they still describe that string.
        unsafe { std::str::from_utf8_unchecked(&*bytes) }
    }

    fn write(&self, names: &Names<'_>, times: &mut KeyTimes, out: &mut String) {
        out.clear();
        self.append(names, times, out);
    }

    fn append(&self, names: &Names<'_>, times: &mut KeyTimes, out: &mut String) {
        out.push_str(names.lower(self.name));
        out.push('|');
        out.push_str(self.pid());
        out.push('|');
        times.push(out, self.time);
    }
}

/// pandas's `round("10us")`: half to even.
pub(crate) fn round_10us(ns: i64) -> i64 {
    const STEP: i64 = 10_000;
    let (q, r) = (ns.div_euclid(STEP), ns.rem_euclid(STEP));
    let q = if r > STEP / 2 || (r == STEP / 2 && q % 2 != 0) {
        q + 1
    } else {
        q
    };
    q * STEP
}

/// One process while the tree is built: an input row or an inferred parent.
///
/// A large table has hundreds of thousands of these at the build's memory peak, so
/// absent indexes are sentinels rather than `Option`s (80 bytes instead of 104);
/// the accessors give them back as `Option`s.
#[derive(Debug, Clone)]
pub(crate) struct Proc<'a> {
    /// Input row; [`NO_INDEX`] for an inferred process.
    row: u32,
    /// The parent's index among the processes, when the builder matched it (its key
    /// is then `parent_key`); otherwise [`NO_INDEX`], and the parent is found by key.
    parent: u32,
    /// UTC nanoseconds; inferred parents of unknown time are at the epoch.
    pub time: Option<i64>,
    pub key: Option<Key<'a>>,
    pub parent_key: Option<Key<'a>>,
    /// An inferred process's row of the frame; an input row is its own.
    pub inferred: Option<Box<InferredRow<'a>>>,
}

/// No row or process: polars numbers rows (`IdxSize`, u32) below `u32::MAX`.
const NO_INDEX: u32 = u32::MAX;

/// A stored index, `None` for [`NO_INDEX`].
fn index(raw: u32) -> Option<u32> {
    (raw != NO_INDEX).then_some(raw)
}

impl<'a> Proc<'a> {
    pub(crate) fn new(
        row: Option<u32>,
        time: Option<i64>,
        key: Option<Key<'a>>,
        parent_key: Option<Key<'a>>,
        parent: Option<u32>,
        inferred: Option<Box<InferredRow<'a>>>,
    ) -> Self {
        Proc {
            row: row.unwrap_or(NO_INDEX),
            parent: parent.unwrap_or(NO_INDEX),
            time,
            key,
            parent_key,
            inferred,
        }
    }

    pub(crate) fn row(&self) -> Option<u32> {
        index(self.row)
    }

    pub(crate) fn parent(&self) -> Option<u32> {
        index(self.parent)
    }
}

/// What an inferred process's row in the frame holds: what its children say about it.
/// Kept apart from [`Proc`], which a large table has hundreds of thousands of.
#[derive(Debug, Clone, Default)]
pub(crate) struct InferredRow<'a> {
    pub name: Option<&'a str>,
    pub pid: Option<&'a str>,
    pub parent_name: Option<&'a str>,
    pub parent_id: Option<&'a str>,
    pub host: Option<&'a str>,
}

/// Counts over a tree, named as msticpy's `get_summary_info` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TreeSummary {
    /// Processes, inferred parents included.
    pub processes: usize,
    /// Processes without a parent.
    pub root_processes: usize,
    /// Processes without children.
    pub leaf_processes: usize,
    /// Processes with a parent and children.
    pub branch_processes: usize,
    /// Roots without children.
    pub isolated_processes: usize,
    /// Processes on the longest root-to-leaf path.
    pub largest_tree_depth: usize,
}

impl TreeSummary {
    /// `(name, value)` pairs in msticpy's order.
    pub fn fields(&self) -> [(&'static str, usize); 6] {
        [
            ("Processes", self.processes),
            ("RootProcesses", self.root_processes),
            ("LeafProcesses", self.leaf_processes),
            ("BranchProcesses", self.branch_processes),
            ("IsolatedProcesses", self.isolated_processes),
            ("LargestTreeDepth", self.largest_tree_depth),
        ]
    }
}

impl fmt::Display for TreeSummary {
    /// `name: value` lines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in self.fields() {
            writeln!(f, "{name}: {value}")?;
        }
        Ok(())
    }
}

/// Links of one process, by position in tree order. A tree keeps one per process,
/// so absent indexes are [`NO_INDEX`] (28 bytes instead of 36).
#[derive(Debug, Clone)]
struct Links {
    parent: u32,
    children: std::ops::Range<u32>,
    depth: u32,
    source_row: u32,
    /// Row of the output frame.
    frame_row: u32,
    is_root: bool,
    is_leaf: bool,
}

impl Links {
    fn parent(&self) -> Option<u32> {
        index(self.parent)
    }

    fn source_row(&self) -> Option<u32> {
        index(self.source_row)
    }
}

// The sizes the comments above count on (64-bit targets).
#[cfg(target_pointer_width = "64")]
const _: () = {
    assert!(std::mem::size_of::<Key<'static>>() == 24);
    assert!(std::mem::size_of::<Option<Key<'static>>>() == 24);
    assert!(std::mem::size_of::<Proc<'static>>() == 80);
    assert!(std::mem::size_of::<Links>() == 28);
};

/// Process trees built from process events: see [`build_process_tree`](super::build_process_tree).
///
/// Processes are numbered by their position in tree order (each root followed by its
/// descendants, depth first), which is also the row of [`ProcessTree::to_df`].
#[derive(Debug, Clone)]
pub struct ProcessTree {
    links: Vec<Links>,
    children: Vec<u32>,
    frame: DataFrame,
    columns: Columns,
    schema: ProcSchema,
    notes: Vec<String>,
    by_key: OnceLock<HashMap<String, u32>>,
}

/// The frame's columns that nodes read, kept to avoid a lookup by name per access.
#[derive(Debug, Clone)]
struct Columns {
    proc_key: StringChunked,
    parent_key: StringChunked,
    path: StringChunked,
    name: StringChunked,
    pid: StringChunked,
    host: Option<StringChunked>,
    cmd_line: Option<StringChunked>,
    /// The frame's own time column (shared, not a copy), as UTC nanoseconds.
    time: Int64Chunked,
}

/// A process of a [`ProcessTree`].
#[derive(Debug, Clone, Copy)]
pub struct ProcessNode<'t> {
    tree: &'t ProcessTree,
    at: usize,
}

impl<'t> ProcessNode<'t> {
    fn links(&self) -> &'t Links {
        &self.tree.links[self.at]
    }

    fn row(&self) -> usize {
        self.links().frame_row as usize
    }

    /// Position in tree order.
    pub fn position(&self) -> usize {
        self.at
    }

    /// The node's row in [`ProcessTree::to_df`].
    pub fn frame_row(&self) -> usize {
        self.row()
    }

    /// `name|pid|time` (lower-case name, time rounded to 10 µs), unique in the tree
    /// (empty when the data lacks the name, id or time).
    pub fn proc_key(&self) -> &'t str {
        self.tree
            .columns
            .proc_key
            .get(self.row())
            .unwrap_or_default()
    }

    /// The parent's key; `None` for a root.
    pub fn parent_key(&self) -> Option<&'t str> {
        self.tree.columns.parent_key.get(self.row())
    }

    /// Process name or path as the data gives it.
    pub fn name(&self) -> Option<&'t str> {
        self.tree.columns.name.get(self.row())
    }

    /// Process id as text.
    pub fn pid(&self) -> Option<&'t str> {
        self.tree.columns.pid.get(self.row())
    }

    /// Creation time, UTC nanoseconds (the epoch for inferred parents of unknown time).
    pub fn time(&self) -> Option<i64> {
        self.tree.columns.time.get(self.row())
    }

    /// Host, when the schema has a host column.
    pub fn host(&self) -> Option<&'t str> {
        self.tree
            .columns
            .host
            .as_ref()
            .and_then(|h| h.get(self.row()))
    }

    /// Command line, when the schema has one.
    pub fn cmd_line(&self) -> Option<&'t str> {
        self.tree
            .columns
            .cmd_line
            .as_ref()
            .and_then(|c| c.get(self.row()))
    }

    /// `/`-joined source indexes (zero-padded to five digits) from the root down.
    pub fn path(&self) -> &'t str {
        self.tree.columns.path.get(self.row()).unwrap_or_default()
    }

    /// Processes on the path from the root, this one included.
    pub fn depth(&self) -> usize {
        self.links().depth as usize
    }

    /// Row of the input frame (after filtering to process events); `None` if inferred.
    pub fn source_row(&self) -> Option<usize> {
        self.links().source_row().map(|r| r as usize)
    }

    /// The parent process.
    pub fn parent(&self) -> Option<ProcessNode<'t>> {
        self.links().parent().map(|p| self.tree.at(p as usize))
    }

    /// The direct children, in tree order.
    pub fn children(&self) -> impl Iterator<Item = ProcessNode<'t>> + 't {
        let tree = self.tree;
        let range = self.links().children.clone();
        tree.children[range.start as usize..range.end as usize]
            .iter()
            .map(move |&c| tree.at(c as usize))
    }

    /// No parent.
    pub fn is_root(&self) -> bool {
        self.links().is_root
    }

    /// No children.
    pub fn is_leaf(&self) -> bool {
        self.links().is_leaf
    }

    /// Neither root nor leaf.
    pub fn is_branch(&self) -> bool {
        !self.is_root() && !self.is_leaf()
    }

    /// Not an input row: a parent the data mentions but does not contain.
    pub fn is_inferred(&self) -> bool {
        self.links().source_row().is_none()
    }
}

impl ProcessTree {
    /// Assembles the tree from processes with keys. `source_order` is msticpy's order
    /// of `procs` (a permutation of their indexes): it decides which of two processes
    /// with one key is kept, and the order of roots and of children. Everything read
    /// per process in a random order (tree order) is in small arrays, not `procs`.
    pub(crate) fn assemble(
        procs: Vec<Proc<'_>>,
        source_order: Vec<u32>,
        names: &Names<'_>,
        input: &DataFrame,
        schema: &ProcSchema,
        notes: Vec<String>,
    ) -> Result<ProcessTree, SectoolsError> {
        // One process per key (a process reported twice is one process): the first in
        // source order, which is also the first in storage order, because the key holds
        // the time and both orders keep rows of equal time in input order.
        // A table of process numbers, each hashed and compared by its key: a fifth of
        // the memory of a map holding the keys, so 200k inserts miss the cache less.
        let hash = |key: &Key<'_>| FxBuildHasher.hash_one(key);
        let key_of = |i: u32| procs[i as usize].key;
        let mut first: HashTable<u32> = HashTable::with_capacity(procs.len());
        let mut canonical: Vec<u32> = (0..procs.len() as u32).collect();
        for (i, p) in procs.iter().enumerate() {
            if let Some(key) = p.key {
                let same = |&j: &u32| key_of(j) == Some(key);
                let rehash = |&j: &u32| key_of(j).map_or(0, |k| hash(&k));
                match first.entry(hash(&key), same, rehash) {
                    hash_table::Entry::Vacant(slot) => {
                        slot.insert(i as u32);
                    }
                    hash_table::Entry::Occupied(seen) => canonical[i] = *seen.get(),
                }
            }
        }
        let keep: Vec<bool> = (0..procs.len()).map(|i| canonical[i] == i as u32).collect();
        let mut kept: Vec<u32> = Vec::with_capacity(procs.len());
        let mut kept_at = vec![u32::MAX; procs.len()];
        for (i, _) in keep.iter().enumerate().filter(|(_, keep)| **keep) {
            kept_at[i] = kept.len() as u32;
            kept.push(i as u32);
        }
        let by_key = |key: &Key<'_>| {
            first
                .find(hash(key), |&j| key_of(j).as_ref() == Some(key))
                .map(|&i| kept_at[i as usize])
        };
        let n = kept.len();
        // Source positions, and the kept processes in source order.
        let mut source_position = vec![0u32; procs.len()];
        for (pos, &i) in source_order.iter().enumerate() {
            source_position[i as usize] = pos as u32;
        }
        let kept_in_source_order: Vec<u32> = source_order
            .iter()
            .filter(|&&i| keep[i as usize])
            .map(|&i| kept_at[i as usize])
            .collect();
        // Reads only (a parent found by key is a hash lookup): on the cores.
        let parent_of: Vec<Option<u32>> =
            crate::parallel::collect_indexed(n, n, MIN_PART_PROCESSES, |k| {
                let p = &procs[kept[k] as usize];
                match p.parent() {
                    Some(j) => Some(kept_at[canonical[j as usize] as usize]),
                    None => p.parent_key.and_then(|key| by_key(&key)),
                }
            });
        let is_root: Vec<bool> = kept
            .iter()
            .map(|&i| procs[i as usize].parent_key.is_none())
            .collect();
        // msticpy: a leaf is a process no row names as parent, duplicates included.
        let mut has_child = vec![false; n];
        parent_of
            .iter()
            .flatten()
            .for_each(|&p| has_child[p as usize] = true);
        if n < procs.len() {
            for key in procs.iter().filter_map(|p| p.parent_key) {
                if let Some(p) = by_key(&key) {
                    has_child[p as usize] = true;
                }
            }
        }
        // Peak memory matters at 200k processes: what is done with goes now.
        drop(first);
        drop(canonical);
        // Children in source order, as ranges of one array.
        let mut counts = vec![0u32; n + 1];
        for parent in parent_of.iter().flatten() {
            counts[*parent as usize + 1] += 1;
        }
        for i in 0..n {
            counts[i + 1] += counts[i];
        }
        let starts = counts.clone();
        let mut fill = counts;
        let mut children_src = vec![0u32; starts[n] as usize];
        for &child in &kept_in_source_order {
            if let Some(parent) = parent_of[child as usize] {
                let slot = &mut fill[parent as usize];
                children_src[*slot as usize] = child;
                *slot += 1;
            }
        }
        // Depth first from the roots, in source order. A process unreachable from a
        // root (a parent cycle) stands alone, as in msticpy.
        let mut order: Vec<u32> = Vec::with_capacity(n);
        let mut depth = vec![0u32; n];
        let mut reached = vec![false; n];
        let mut stack: Vec<u32> = Vec::new();
        for &root in kept_in_source_order
            .iter()
            .filter(|&&k| is_root[k as usize])
        {
            let root = root as usize;
            stack.push(root as u32);
            depth[root] = 1;
            while let Some(node) = stack.pop() {
                let node = node as usize;
                if reached[node] {
                    continue;
                }
                reached[node] = true;
                order.push(node as u32);
                let kids = &children_src[starts[node] as usize..starts[node + 1] as usize];
                for &child in kids.iter().rev() {
                    if !reached[child as usize] {
                        depth[child as usize] = depth[node] + 1;
                        stack.push(child);
                    }
                }
            }
        }
        for &k in &kept_in_source_order {
            if !reached[k as usize] {
                depth[k as usize] = 1;
                order.push(k);
            }
        }
        let mut position = vec![0u32; n];
        for (pos, &k) in order.iter().enumerate() {
            position[k as usize] = pos as u32;
        }
        let row_of: Vec<u32> = kept.iter().map(|&i| procs[i as usize].row).collect();
        let mut links = Vec::with_capacity(n);
        let mut children = Vec::with_capacity(children_src.len());
        for &k in &order {
            let k = k as usize;
            let start = children.len() as u32;
            if reached[k] {
                children.extend(
                    children_src[starts[k] as usize..starts[k + 1] as usize]
                        .iter()
                        .map(|&c| position[c as usize]),
                );
            }
            links.push(Links {
                parent: parent_of[k]
                    .filter(|_| reached[k])
                    .map_or(NO_INDEX, |p| position[p as usize]),
                children: start..children.len() as u32,
                depth: depth[k],
                source_row: row_of[k],
                frame_row: 0,
                is_root: is_root[k],
                is_leaf: !has_child[k],
            });
        }
        let source_index: Vec<u32> = order
            .iter()
            .map(|&k| source_position[kept[k as usize] as usize])
            .collect();
        // The frame's columns are the largest allocations: what assembling used goes first.
        drop((
            keep,
            kept_at,
            source_position,
            kept_in_source_order,
            parent_of,
        ));
        drop((is_root, has_child, starts, fill, children_src, stack));
        drop((depth, reached, position, row_of));
        let by_frame = frame_order(&mut links, input.height());
        let in_frame_order: Vec<u32> = by_frame
            .iter()
            .map(|&at| kept[order[at as usize] as usize])
            .collect();
        drop((order, kept));
        // Frees the processes before the largest columns are written.
        let of_procs = proc_columns(
            procs,
            &in_frame_order,
            &by_frame,
            &links,
            names,
            input,
            schema,
        )?;
        let (frame, columns) = frame(of_procs, &links, &by_frame, &source_index, schema)?;
        Ok(ProcessTree {
            links,
            children,
            frame,
            columns,
            schema: schema.clone(),
            notes,
            by_key: OnceLock::new(),
        })
    }

    fn at(&self, at: usize) -> ProcessNode<'_> {
        ProcessNode { tree: self, at }
    }

    /// Number of processes.
    pub fn len(&self) -> usize {
        self.links.len()
    }

    /// No processes.
    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    /// The schema the tree was built with (inferred or given).
    pub fn schema(&self) -> &ProcSchema {
        &self.schema
    }

    /// What was ignored while building: schema columns the data lacks.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Every process in tree order: each root followed by its descendants, depth first.
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = ProcessNode<'_>> + '_ {
        (0..self.links.len()).map(|at| self.at(at))
    }

    /// The process at a position in tree order.
    pub fn get(&self, position: usize) -> Option<ProcessNode<'_>> {
        (position < self.links.len()).then(|| self.at(position))
    }

    /// The process with this key.
    pub fn node(&self, proc_key: &str) -> Option<ProcessNode<'_>> {
        let index = self.by_key.get_or_init(|| {
            self.nodes()
                .filter(|n| !n.proc_key().is_empty())
                .map(|n| (n.proc_key().to_string(), n.at as u32))
                .collect()
        });
        index.get(proc_key).map(|&at| self.at(at as usize))
    }

    fn find(&self, proc_key: &str) -> Result<ProcessNode<'_>, SectoolsError> {
        self.node(proc_key).ok_or_else(|| {
            SectoolsError::InvalidInput(format!(
                "no process with key '{proc_key}' in this tree (keys look like name|pid|YYYY-MM-DD HH:MM:SS.ffffff)"
            ))
        })
    }

    /// The root processes.
    pub fn roots(&self) -> impl Iterator<Item = ProcessNode<'_>> + '_ {
        self.nodes().filter(|n| n.is_root())
    }

    /// The parent of a process (`None` for a root).
    pub fn parent(&self, proc_key: &str) -> Result<Option<ProcessNode<'_>>, SectoolsError> {
        Ok(self.find(proc_key)?.parent())
    }

    /// The direct children of a process.
    pub fn children(&self, proc_key: &str) -> Result<Vec<ProcessNode<'_>>, SectoolsError> {
        Ok(self.find(proc_key)?.children().collect())
    }

    /// Every process below this one, in tree order.
    pub fn descendants(&self, proc_key: &str) -> Result<Vec<ProcessNode<'_>>, SectoolsError> {
        let node = self.find(proc_key)?;
        // Tree order puts a subtree right after its root.
        let depth = node.depth();
        Ok(self
            .nodes()
            .skip(node.at + 1)
            .take_while(|n| n.depth() > depth)
            .collect())
    }

    /// The processes from the root down to this one (itself included, last).
    pub fn ancestors(&self, proc_key: &str) -> Result<Vec<ProcessNode<'_>>, SectoolsError> {
        let mut at = Some(self.find(proc_key)?);
        let mut chain = Vec::new();
        while let Some(node) = at {
            chain.push(node);
            at = node.parent();
        }
        chain.reverse();
        Ok(chain)
    }

    /// Counts as msticpy's `get_summary_info` gives them.
    pub fn summary(&self) -> TreeSummary {
        let count = |f: fn(&Links) -> bool| self.links.iter().filter(|l| f(l)).count();
        TreeSummary {
            processes: self.links.len(),
            root_processes: count(|l| l.is_root),
            leaf_processes: count(|l| l.is_leaf),
            branch_processes: count(|l| !l.is_root && !l.is_leaf),
            isolated_processes: count(|l| l.is_root && l.is_leaf),
            largest_tree_depth: self
                .links
                .iter()
                .map(|l| l.depth as usize)
                .max()
                .unwrap_or(0),
        }
    }

    /// One row per process: the input's rows in input order, then the inferred
    /// parents (whose input columns are empty except name, id, parent id, parent name
    /// and host), with `proc_key`, `parent_key`, `source_index`, `parent_index`,
    /// `path`, `depth`, `IsRoot`, `IsLeaf`, `IsBranch` and `IsInferred` added. Sorting
    /// by `path` gives tree order (msticpy's row order). The input's rows are not
    /// copied unless the same process was reported twice.
    pub fn to_df(&self) -> &DataFrame {
        &self.frame
    }

    /// The tree frame, without copying.
    pub fn into_df(self) -> DataFrame {
        self.frame
    }

    /// The tree as indented text, one block per process: name and PID, time, and the
    /// command line when known (msticpy's `tree_to_text` layout, unwrapped).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for node in self.nodes() {
            let level = node.depth().saturating_sub(1);
            let header = if level == 0 {
                "+ ".to_string()
            } else {
                format!("{}+-- ", "   ".repeat(level))
            };
            let indent = " ".repeat(header.len() + 1);
            out.push_str(&format!(
                "{header} Process: {}  PID: {}\n",
                node.name().unwrap_or("?"),
                node.pid().unwrap_or("?")
            ));
            let time = node.time().map(format_time).unwrap_or_else(|| "?".into());
            out.push_str(&format!("{indent}Time: {time}\n"));
            if let Some(cmd) = node.cmd_line() {
                out.push_str(&format!("{indent}Cmdline: {cmd}\n"));
            }
        }
        out
    }
}

fn format_time(ns: i64) -> String {
    chrono::DateTime::from_timestamp_nanos(ns)
        .format("%Y-%m-%d %H:%M:%S%.f")
        .to_string()
}

/// Rows for inferred processes, shaped like the input: the schema's name, id, parent
/// id, parent name and host columns hold what the children say; the rest are empty.
fn inferred_rows(
    inferred: &[&Proc<'_>],
    input: &DataFrame,
    schema: &ProcSchema,
) -> Result<DataFrame, SectoolsError> {
    let m = inferred.len();
    let role = |p: &Proc<'_>, column: &str| -> Option<String> {
        let p = p.inferred.as_deref()?;
        let value = if column == schema.process_name {
            p.name
        } else if column == schema.process_id {
            p.pid
        } else if column == schema.parent_id {
            p.parent_id
        } else if Some(column) == schema.parent_name.as_deref() {
            p.parent_name
        } else if Some(column) == schema.host_name.as_deref() {
            p.host
        } else {
            return None;
        };
        value.map(str::to_string)
    };
    let columns = input
        .columns()
        .iter()
        .map(|col| {
            let name = col.name().as_str();
            let values: Vec<Option<String>> = inferred.iter().map(|p| role(p, name)).collect();
            if values.iter().any(Option::is_some) {
                Column::new(name.into(), values).cast(col.dtype())
            } else {
                Ok(Column::full_null(name.into(), m, col.dtype()))
            }
        })
        .collect::<PolarsResult<Vec<_>>>()?;
    Ok(DataFrame::new(m, columns)?)
}

/// Frame order: input rows by row number, then inferred processes in tree order; the
/// tree positions in that order. Sets each node's `frame_row`.
fn frame_order(links: &mut [Links], input_height: usize) -> Vec<u32> {
    let mut slot = vec![u32::MAX; input_height];
    for (at, l) in links.iter().enumerate() {
        if let Some(row) = l.source_row() {
            slot[row as usize] = at as u32;
        }
    }
    let mut by_frame: Vec<u32> = slot.into_iter().filter(|&at| at != u32::MAX).collect();
    by_frame
        .extend((0..links.len() as u32).filter(|&at| links[at as usize].source_row().is_none()));
    for (row, &at) in by_frame.iter().enumerate() {
        links[at as usize].frame_row = row as u32;
    }
    by_frame
}

/// The frame's columns that come from the processes themselves.
struct ProcColumns {
    /// The input's rows and the inferred ones, with their times.
    df: DataFrame,
    proc_key: StringChunked,
    parent_key: StringChunked,
}

/// The input's rows, then the inferred ones, with keys and times. `in_frame_order`
/// indexes `procs` in frame order. The processes are dropped once their keys are
/// taken: written out, the keys are the largest columns the build makes.
fn proc_columns(
    procs: Vec<Proc<'_>>,
    in_frame_order: &[u32],
    by_frame: &[u32],
    links: &[Links],
    names: &Names<'_>,
    input: &DataFrame,
    schema: &ProcSchema,
) -> Result<ProcColumns, SectoolsError> {
    let in_order = || in_frame_order.iter().map(|&i| &procs[i as usize]);
    let real = in_order().take_while(|p| p.row().is_some()).count();
    let time: Int64Chunked = in_order().map(|p| p.time).collect();
    let inferred: Vec<&Proc<'_>> = in_order().skip(real).collect();
    let inferred = inferred_rows(&inferred, input, schema)?;
    let keys: Vec<[Option<Key<'_>>; 2]> = in_order().map(|p| [p.key, p.parent_key]).collect();
    drop(procs);
    // On this thread, although the rows could be gathered on another meanwhile: a
    // thread allocates from its own arena, where the memory a tree built before freed
    // is not reused.
    let (proc_key, parent_key) = key_columns(&keys, by_frame, links, names)?;
    drop(keys);
    let mut df = input_rows(input, by_frame, real, links)?;
    df.vstack_mut(&inferred)?;
    df.with_column(
        time.into_column()
            .with_name(schema.time_stamp.as_str().into())
            .cast(&DataType::Datetime(
                TimeUnit::Nanoseconds,
                Some(TimeZone::UTC),
            ))?,
    )?;
    Ok(ProcColumns {
        df,
        proc_key,
        parent_key,
    })
}

/// The output frame: the process columns with the tree's columns added.
fn frame(
    of_procs: ProcColumns,
    links: &[Links],
    by_frame: &[u32],
    source_index: &[u32],
    schema: &ProcSchema,
) -> Result<(DataFrame, Columns), SectoolsError> {
    let n = by_frame.len();
    let ProcColumns {
        mut df,
        proc_key,
        parent_key,
    } = of_procs;
    let (path, source_index, parent_index) = tree_columns(links, by_frame, source_index);
    let mut depth = Vec::with_capacity(n);
    let (mut is_root, mut is_leaf) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut is_branch, mut is_inferred) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for &at in by_frame {
        let l = &links[at as usize];
        depth.push(l.depth);
        is_root.push(l.is_root);
        is_leaf.push(l.is_leaf);
        is_branch.push(!l.is_root && !l.is_leaf);
        is_inferred.push(l.source_row().is_none());
    }
    let added = [
        proc_key.clone().into_column(),
        parent_key.clone().into_column(),
        source_index.into_column(),
        parent_index.into_column(),
        path.clone().into_column(),
        Column::new("depth".into(), depth),
        Column::new("IsRoot".into(), is_root),
        Column::new("IsLeaf".into(), is_leaf),
        Column::new("IsBranch".into(), is_branch),
        Column::new("IsInferred".into(), is_inferred),
    ];
    for column in added {
        df.with_column(column)?;
    }
    let text_of = |col: &Option<String>| -> Result<Option<StringChunked>, SectoolsError> {
        match ProcSchema::present(&df, col) {
            Some(c) => Ok(Some(super::input::text_column(&df, c)?.str()?.clone())),
            None => Ok(None),
        }
    };
    let columns = Columns {
        name: text_of(&Some(schema.process_name.clone()))?.unwrap_or_default(),
        pid: text_of(&Some(schema.process_id.clone()))?.unwrap_or_default(),
        host: text_of(&schema.host_name)?,
        cmd_line: text_of(&schema.cmd_line)?,
        proc_key,
        parent_key,
        path,
        time: df
            .column(&schema.time_stamp)?
            .datetime()?
            .physical()
            .clone(),
    };
    Ok((df, columns))
}

/// The input's rows in frame order (each kept process's row, once), then the inferred
/// processes' rows.
fn input_rows(
    input: &DataFrame,
    by_frame: &[u32],
    real: usize,
    links: &[Links],
) -> Result<DataFrame, SectoolsError> {
    let df = if real == input.height() {
        input.clone()
    } else {
        let rows: Vec<IdxSize> = by_frame[..real]
            .iter()
            .filter_map(|&at| links[at as usize].source_row().map(|r| r as IdxSize))
            .collect();
        // A process reported twice is one row; gathering from one chunk is the fast path.
        let mut single = input.clone();
        single.rechunk_mut();
        single.take(&IdxCa::from_vec("idx".into(), rows))?
    };
    Ok(df)
}

/// `proc_key` and `parent_key`, in frame order (`keys` is: each process's own and its parent's).
fn key_columns(
    keys: &[[Option<Key<'_>>; 2]],
    by_frame: &[u32],
    links: &[Links],
    names: &Names<'_>,
) -> Result<(StringChunked, StringChunked), SectoolsError> {
    let n = keys.len();
    let mut buf = String::new();
    let mut times = KeyTimes::default();
    // Sized to hold every key (`name|pid|` and a 26-byte time at most): a column that
    // outgrows its text is copied whole, twice the memory for a moment.
    let key_bytes: usize = keys
        .iter()
        .filter_map(|[key, _]| *key)
        .map(|key| names.lower(key.name).len() + key.pid().len() + 28)
        .sum();
    let mut column = ViewColumn::with_capacity(n, key_bytes);
    for [key, _] in keys {
        match key {
            Some(key) => column.push_with(|text| key.append(names, &mut times, text)),
            None => column.push_null(),
        }
    }
    let proc_key = column.finish("proc_key");
    // A linked parent's key is its own proc_key: gathered, so the strings are shared,
    // not copied. Keys of parents not in the tree follow the frame's keys.
    let mut unlinked = StringChunkedBuilder::new("parent_key".into(), 0);
    let mut unlinked_count = 0;
    let gather: Vec<Option<IdxSize>> = keys
        .iter()
        .zip(by_frame)
        .map(
            |([_, parent_key], &at)| match (links[at as usize].parent(), parent_key) {
                (Some(parent), _) => Some(links[parent as usize].frame_row as IdxSize),
                (None, Some(key)) => {
                    key.write(names, &mut times, &mut buf);
                    unlinked.append_value(&buf);
                    unlinked_count += 1;
                    Some((n + unlinked_count - 1) as IdxSize)
                }
                (None, None) => None,
            },
        )
        .collect();
    let mut keys_and_unlinked = proc_key.clone();
    if unlinked_count > 0 {
        keys_and_unlinked.append(&unlinked.finish())?;
    }
    let parent_key = keys_and_unlinked
        .take(&IdxCa::from_iter_options("idx".into(), gather.into_iter()))?
        .with_name("parent_key".into());
    Ok((proc_key, parent_key))
}

/// `path`, `source_index` and `parent_index`, in frame order.
fn tree_columns(
    links: &[Links],
    by_frame: &[u32],
    source_index: &[u32],
) -> (StringChunked, StringChunked, StringChunked) {
    let n = links.len();
    // Each process's number is written once: its `source_index`, its children's
    // `parent_index` and the last part of its path.
    let mut buf = String::new();
    let mut numbers = ShortStrings::with_capacity(n);
    // Each path is its parent's, a '/' and its number: sized exactly up front. Tree
    // order writes parents first; the column takes the paths in frame order.
    let mut path_len = vec![0usize; n];
    for (at, l) in links.iter().enumerate() {
        let own = 5.max(source_index[at].checked_ilog10().unwrap_or(0) as usize + 1);
        path_len[at] = own + l.parent().map_or(0, |p| path_len[p as usize] + 1);
    }
    let mut paths = ViewColumn::with_capacity(n, path_len.iter().sum());
    drop(path_len);
    for (at, l) in links.iter().enumerate() {
        buf.clear();
        push_digits(&mut buf, u64::from(source_index[at]), 5);
        paths.push_joined(l.parent().map(|p| p as usize), '/', &buf);
        numbers.push(&buf);
    }
    let path = paths.finish_in_order("path", by_frame);
    let rows = || by_frame.iter().map(|&at| at as usize);
    let source = numbers.gather("source_index", rows().map(Some));
    let parent = numbers.gather(
        "parent_index",
        rows().map(|at| links[at].parent().map(|p| p as usize)),
    );
    (path, source, parent)
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use rustc_hash::FxBuildHasher;

    use super::Key;

    #[test]
    fn keys_hash_and_compare_by_text_not_by_where_it_is_stored() {
        let (a, b) = (String::from("0x1f4"), String::from("0x1f4"));
        assert_ne!(a.as_ptr(), b.as_ptr());
        fn key(pid: &str, time: i64) -> Key<'_> {
            Key::new(Some(3), Some(pid), Some(time)).unwrap()
        }
        assert_eq!(key(&a, 10), key(&b, 10));
        assert_eq!(
            FxBuildHasher.hash_one(key(&a, 10)),
            FxBuildHasher.hash_one(key(&b, 10))
        );
        assert_eq!(key(&a, 10).pid(), "0x1f4");
        assert_ne!(key(&a, 10), key("0x1f5", 10));
        assert_ne!(key(&a, 10), key(&a, 20_000));
        assert!(Key::new(Some(3), None, Some(10)).is_none());
    }
}
