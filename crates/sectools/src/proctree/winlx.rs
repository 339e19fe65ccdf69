//! Trees from tables where each row is a created process naming its parent's id: Windows
//! 4688, Sysmon 1, auditd, osquery, HX (msticpy's `proc_tree_build_winlx`).
//!
//! A child's parent is the most recent process, at or before the child's time, whose id
//! is the child's parent id (and, when the schema has parent names, whose name is the
//! child's parent name). A child with no such process gets an *inferred* parent, built
//! from what the child says about it, timed at the epoch.

use rustc_hash::{FxHashMap, FxHashSet};

use polars::prelude::*;

use super::input::{cells, text_column, time_values};
use super::schema::ProcSchema;
use super::tree::{InferredRow, Key, Names, Proc};
use crate::SectoolsError;
use crate::parallel;
use crate::short_eq::short_eq;

/// Rows per thread below which processes are written on one thread.
const MIN_PART_ROWS: usize = 50_000;

/// What tells inferred parents apart (msticpy): host, id, the child's logon id, name.
type InferredId<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, u32);

/// A process id and a name id (`u32::MAX` when names are not matched): what a child
/// says about its parent, and what each row is.
#[derive(Debug, Clone, Copy, Eq, Hash)]
struct IdName<'a>(&'a str, u32);

impl PartialEq for IdName<'_> {
    // One comparison per hash-map probe, 400k probes for 200k rows.
    fn eq(&self, other: &Self) -> bool {
        self.1 == other.1 && short_eq(self.0, other.0)
    }
}

/// The text columns the builder reads; the processes borrow from them.
pub(crate) struct Inputs {
    names: Column,
    pids: Column,
    ppids: Column,
    hosts: Option<Column>,
    logons: Option<Column>,
    parent_names: Option<Column>,
    times: Vec<i64>,
}

impl Inputs {
    pub(crate) fn read(df: &DataFrame, schema: &ProcSchema) -> Result<Inputs, SectoolsError> {
        let times = time_values(df, &schema.time_stamp)?;
        if let Some(row) = times.iter().position(Option::is_none) {
            let count = times.iter().filter(|t| t.is_none()).count();
            return Err(SectoolsError::InvalidInput(format!(
                "{count} process events have no time in column '{}' (the first is row {row}); \
                 a process tree orders events by time, so drop or fill those rows",
                schema.time_stamp
            )));
        }
        let optional = |col: &Option<String>| -> Result<Option<Column>, SectoolsError> {
            ProcSchema::present(df, col)
                .map(|c| text_column(df, c))
                .transpose()
        };
        Ok(Inputs {
            names: text_column(df, &schema.process_name)?,
            pids: text_column(df, &schema.process_id)?,
            ppids: text_column(df, &schema.parent_id)?,
            hosts: optional(&schema.host_name)?,
            // The logon id tells inferred parents apart, as in msticpy.
            logons: optional(&schema.logon_id)?,
            parent_names: optional(&schema.parent_name)?,
            // From a slice, so sized exactly: the builder keeps it to the end, and the
            // parsed `Option`s were collected with room to spare.
            times: times.iter().map(|t| t.unwrap_or_default()).collect(),
        })
    }
}

/// The processes of the frame the inputs came from (in row order), then the inferred
/// parents; and msticpy's order of them (by time, then the inferred parents).
pub(crate) fn processes<'a>(
    inputs: &'a Inputs,
    names: &mut Names<'a>,
) -> Result<(Vec<Proc<'a>>, Vec<u32>), SectoolsError> {
    let times = &inputs.times;
    let n = times.len();
    std::thread::scope(|scope| {
        // Time order needs only the times: sorted on another core while names match.
        // Stable: equal times keep input order.
        let sorting = scope.spawn(|| {
            let mut order: Vec<u32> = (0..n as u32).collect();
            order.sort_by_key(|&i| times[i as usize]);
            order
        });
        let image = cells(&inputs.names)?;
        let pids = cells(&inputs.pids)?;
        let ppids = cells(&inputs.ppids)?;
        let optional = |c: &'a Option<Column>| c.as_ref().map(cells).transpose();
        let hosts = optional(&inputs.hosts)?;
        let logons = optional(&inputs.logons)?;
        // msticpy names an empty parent "unknown" before matching; a missing one (CSV
        // readers make empty cells null) is just as unknown.
        let parent_names: Option<Vec<&str>> = optional(&inputs.parent_names)?.map(|v| {
            v.into_iter()
                .map(|p| p.filter(|p| !p.is_empty()).unwrap_or("unknown"))
                .collect()
        });
        let name_ids: Vec<Option<u32>> = image.iter().map(|v| v.map(|v| names.id(v))).collect();
        let parent_ids: Option<Vec<u32>> = parent_names
            .as_ref()
            .map(|p| p.iter().map(|v| names.id(v)).collect());
        let unknown = names.id("unknown");

        // merge_asof, backward, exact matches allowed: a row's candidates are all rows at or
        // before its time, the latest winning (later in order on a tie). Without parent
        // names the name is not part of the match. Each (id, name) pair gets a number in
        // one pass in row order, so the pass in time order only indexes arrays.
        let name_or_any = |name: u32| if parent_ids.is_some() { name } else { u32::MAX };
        let mut pairs: FxHashMap<IdName<'_>, u32> =
            FxHashMap::with_capacity_and_hasher(n, Default::default());
        let own_pair: Vec<u32> = (0..n)
            .map(|i| match (pids[i], name_ids[i]) {
                (Some(pid), Some(name)) => {
                    let next = pairs.len() as u32;
                    *pairs.entry(IdName(pid, name_or_any(name))).or_insert(next)
                }
                _ => u32::MAX,
            })
            .collect();
        let parent_pair: Vec<u32> = (0..n)
            .map(|i| {
                let name = parent_ids.as_ref().map_or(u32::MAX, |p| p[i]);
                ppids[i]
                    .and_then(|ppid| pairs.get(&IdName(ppid, name)).copied())
                    .unwrap_or(u32::MAX)
            })
            .collect();
        let order = crate::parallel::joined(sorting);
        let mut latest: Vec<u32> = vec![u32::MAX; pairs.len()];
        drop(pairs);
        let mut parent_of: Vec<Option<u32>> = vec![None; n];
        let mut start = 0;
        while start < n {
            let t = times[order[start] as usize];
            let end = start
                + order[start..]
                    .iter()
                    .take_while(|&&i| times[i as usize] == t)
                    .count();
            for &i in &order[start..end] {
                if let Some(slot) = latest.get_mut(own_pair[i as usize] as usize) {
                    *slot = i;
                }
            }
            for &i in &order[start..end] {
                let i = i as usize;
                parent_of[i] = latest
                    .get(parent_pair[i] as usize)
                    .copied()
                    .filter(|&j| j != u32::MAX);
            }
            start = end;
        }

        let at = |v: &Option<Vec<Option<&'a str>>>, i: usize| v.as_ref().and_then(|v| v[i]);
        // What a row says about its parent: name, name id and time.
        let parent_side = |i: usize| match (parent_of[i], &parent_names) {
            (Some(j), Some(p)) => (
                Some(p[i]),
                parent_ids.as_ref().map(|p| p[i]),
                times[j as usize],
            ),
            (Some(j), None) => (image[j as usize], name_ids[j as usize], times[j as usize]),
            (None, Some(p)) => (Some(p[i]), parent_ids.as_ref().map(|p| p[i]), 0),
            (None, None) => (Some("unknown"), Some(unknown), 0),
        };
        // Processes are stored in row order, so later passes over the frame read memory in
        // order; msticpy's order (by time) travels alongside as `source_order`.
        // Written in parts on the cores: a large table's processes are tens of megabytes.
        let mut procs = parallel::collect_indexed(n, n + n / 16, MIN_PART_ROWS, |i| {
            let (_, parent_name_id, parent_time) = parent_side(i);
            Proc::new(
                Some(i as u32),
                Some(times[i]),
                Key::new(name_ids[i], pids[i], Some(times[i])),
                Key::new(parent_name_id, ppids[i], Some(parent_time)),
                parent_of[i],
                None,
            )
        });
        // msticpy tells inferred parents apart by host, id, name and the child's logon id;
        // the one kept per key is the first in time order.
        let mut inferred_seen: FxHashSet<InferredId<'_>> = FxHashSet::default();
        let mut source_order = order;
        for k in 0..n {
            let i = source_order[k] as usize;
            if parent_of[i].is_some() {
                continue;
            }
            let (parent_name, parent_name_id, _) = parent_side(i);
            let id = (
                at(&hosts, i),
                ppids[i],
                at(&logons, i),
                parent_name_id.unwrap_or(u32::MAX),
            );
            if inferred_seen.insert(id) {
                source_order.push(procs.len() as u32);
                procs.push(Proc::new(
                    None,
                    Some(0),
                    procs[i].parent_key,
                    None,
                    None,
                    Some(Box::new(InferredRow {
                        name: parent_name,
                        pid: ppids[i],
                        host: at(&hosts, i),
                        ..InferredRow::default()
                    })),
                ));
            }
        }
        Ok((procs, source_order))
    })
}
