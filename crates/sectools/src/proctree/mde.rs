//! Trees from Microsoft Defender for Endpoint process events (msticpy's
//! `proc_tree_build_mde`). Each row describes the created process, its initiating
//! (parent) process and that process's parent, each with a creation time, so parents
//! are matched exactly by name, id and time — no time window is needed. Initiating
//! processes that are not rows themselves become inferred parents, and their parents
//! inferred grandparents, which are the roots.

use rustc_hash::FxHashSet as HashSet;

use polars::prelude::*;

use super::input::{cells, text_column, time_values};
use super::schema::{Layout, ProcSchema};
use super::tree::{InferredRow, Key, Names, Proc};
use crate::SectoolsError;

/// Column names of one MDE flavour.
struct MdeColumns {
    created: [&'static str; 3],
    initiating: [&'static str; 3],
    /// The column whose non-null value marks a row as a known process with a parent.
    created_parent_id: &'static str,
    initiating_parent: [&'static str; 3],
    /// The created process's parent as a full path, id and time (internal schema only).
    created_parent: Option<[&'static str; 3]>,
    host: &'static str,
    /// Times that DeviceProcessEvents leaves empty count as the epoch there (msticpy).
    fill_epoch: bool,
}

const INTERNAL: MdeColumns = MdeColumns {
    created: [
        "CreatedProcessName",
        "CreatedProcessId",
        "CreatedProcessCreationTime",
    ],
    initiating: [
        "InitiatingProcessName",
        "InitiatingProcessId",
        "InitiatingProcessCreationTime",
    ],
    created_parent_id: "CreatedProcessParentId",
    initiating_parent: [
        "InitiatingProcessParentProcessName",
        "InitiatingProcessParentProcessId",
        "InitiatingProcessParentCreationTime",
    ],
    created_parent: Some([
        "CreatedProcessParentName",
        "CreatedProcessParentId",
        "CreatedProcessParentCreationTimeUtc",
    ]),
    host: "ComputerDnsName",
    fill_epoch: false,
};

const EVENTS: MdeColumns = MdeColumns {
    created: ["FileName", "ProcessId", "Timestamp"],
    initiating: [
        "InitiatingProcessFileName",
        "InitiatingProcessId",
        "InitiatingProcessCreationTime",
    ],
    created_parent_id: "InitiatingProcessId",
    initiating_parent: [
        "InitiatingProcessParentFileName",
        "InitiatingProcessParentId",
        "InitiatingProcessParentCreationTime",
    ],
    created_parent: None,
    host: "DeviceName",
    fill_epoch: true,
};

/// Name (or path), id and time columns describing one process of each row.
struct Triple {
    names: Column,
    ids: Column,
    times: Vec<Option<i64>>,
}

impl Triple {
    fn read(
        df: &DataFrame,
        [name, id, time]: [&str; 3],
        fill_epoch: bool,
    ) -> Result<Triple, SectoolsError> {
        let mut times = time_values(df, time)?;
        if fill_epoch {
            times
                .iter_mut()
                .filter(|t| t.is_none())
                .for_each(|t| *t = Some(0));
        }
        Ok(Triple {
            names: text_column(df, name)?,
            ids: text_column(df, id)?,
            times,
        })
    }
}

/// The text columns the builder reads; the processes borrow from them.
pub(crate) struct Inputs {
    created: Triple,
    initiating: Triple,
    grand: Triple,
    created_parent_id: Column,
    created_parent: Option<Triple>,
    hosts: Option<Column>,
}

impl Inputs {
    pub(crate) fn read(df: &DataFrame, schema: &ProcSchema) -> Result<Inputs, SectoolsError> {
        let cols = match schema.layout {
            Layout::MdeEvents => &EVENTS,
            _ => &INTERNAL,
        };
        let created_parent = match cols.created_parent {
            Some(names) if names.iter().all(|c| df.column(c).is_ok()) => {
                Some(Triple::read(df, names, false)?)
            }
            _ => None,
        };
        Ok(Inputs {
            created: Triple::read(df, cols.created, cols.fill_epoch)?,
            initiating: Triple::read(df, cols.initiating, cols.fill_epoch)?,
            grand: Triple::read(df, cols.initiating_parent, cols.fill_epoch)?,
            created_parent_id: text_column(df, cols.created_parent_id)?,
            created_parent,
            hosts: df
                .column(cols.host)
                .is_ok()
                .then(|| text_column(df, cols.host))
                .transpose()?,
        })
    }
}

/// A process as a row describes it: name or path, id, time.
struct Described<'a> {
    names: Vec<Option<&'a str>>,
    ids: Vec<Option<&'a str>>,
    times: &'a [Option<i64>],
}

/// A described process: base name, id, time and key.
type Describes<'a> = (
    Option<&'a str>,
    Option<&'a str>,
    Option<i64>,
    Option<Key<'a>>,
);

impl<'a> Described<'a> {
    fn of(triple: &'a Triple) -> Result<Self, SectoolsError> {
        Ok(Described {
            names: cells(&triple.names)?,
            ids: cells(&triple.ids)?,
            times: &triple.times,
        })
    }

    fn at(&self, i: usize, names: &mut Names<'a>) -> Describes<'a> {
        let name = self.names[i].map(basename);
        let key = Key::new(name.map(|n| names.id(n)), self.ids[i], self.times[i]);
        (name, self.ids[i], self.times[i], key)
    }
}

fn basename(path: &str) -> &str {
    path.rsplit('\\').next().unwrap_or(path)
}

pub(crate) fn processes<'a>(
    inputs: &'a Inputs,
    names: &mut Names<'a>,
) -> Result<Vec<Proc<'a>>, SectoolsError> {
    let created = Described::of(&inputs.created)?;
    let initiating = Described::of(&inputs.initiating)?;
    let grand = Described::of(&inputs.grand)?;
    let created_parent_id = cells(&inputs.created_parent_id)?;
    let created_parent = inputs
        .created_parent
        .as_ref()
        .map(Described::of)
        .transpose()?;
    let hosts = inputs.hosts.as_ref().map(cells).transpose()?;
    let host = |i: usize| hosts.as_ref().and_then(|h| h[i]);
    let n = created.ids.len();

    let mut procs: Vec<Proc<'a>> = Vec::with_capacity(n + n / 8);
    for i in 0..n {
        let (_, _, time, key) = created.at(i, names);
        let (_, _, _, parent_key) = initiating.at(i, names);
        procs.push(Proc::new(Some(i as u32), time, key, parent_key, None, None));
    }

    // Initiating processes that are not rows (with a known parent) of their own
    // become inferred parents, earliest first.
    let known: HashSet<Key<'a>> = procs
        .iter()
        .zip(&created_parent_id)
        .filter(|(_, parent_id)| parent_id.is_some())
        .filter_map(|(p, _)| p.key)
        .collect();
    let mut missing: Vec<usize> = (0..n)
        .filter(|&i| procs[i].parent_key.is_some_and(|k| !known.contains(&k)))
        .collect();
    missing.sort_by_key(|&i| initiating.times[i]);
    let mut seen: HashSet<Key<'a>> = HashSet::default();
    let mut parents: Vec<(Proc<'a>, usize)> = Vec::new();
    for i in missing {
        let Some(key) = procs[i].parent_key else {
            continue;
        };
        if !seen.insert(key) {
            continue;
        }
        let (grand_name, grand_id, _, grand_key) = grand.at(i, names);
        let proc = Proc::new(
            None,
            initiating.times[i],
            Some(key),
            grand_key,
            None,
            Some(Box::new(InferredRow {
                name: initiating.names[i],
                pid: initiating.ids[i],
                parent_name: grand_name,
                parent_id: grand_id,
                host: host(i),
            })),
        );
        parents.push((proc, i));
    }

    // Parents of inferred parents (and of rows whose parent is still unknown) are
    // inferred too, and are the roots.
    let mut all_keys: HashSet<Key<'a>> = procs.iter().filter_map(|p| p.key).collect();
    all_keys.extend(parents.iter().filter_map(|(p, _)| p.key));
    let unresolved = |p: &Proc<'a>| !p.parent_key.is_some_and(|k| all_keys.contains(&k));
    let mut candidates: Vec<(&Described<'a>, usize, Option<&'a str>)> = Vec::new();
    if let Some(cp) = &created_parent {
        candidates.extend(
            procs
                .iter()
                .enumerate()
                .filter(|(_, p)| unresolved(p))
                .map(|(i, _)| (cp, i, host(i))),
        );
    }
    candidates.extend(
        parents
            .iter()
            .filter(|(p, _)| unresolved(p))
            .map(|(p, i)| (&grand, *i, p.inferred.as_ref().and_then(|r| r.host))),
    );
    let mut grandparents = Vec::new();
    let mut seen: HashSet<Key<'a>> = HashSet::default();
    for (described, i, host) in candidates {
        let (name, pid, time, key) = described.at(i, names);
        let Some(key) = key else { continue };
        if all_keys.contains(&key) || !seen.insert(key) {
            continue;
        }
        grandparents.push(Proc::new(
            None,
            time,
            Some(key),
            None,
            None,
            Some(Box::new(InferredRow {
                name,
                pid,
                host,
                ..InferredRow::default()
            })),
        ));
    }
    procs.extend(parents.into_iter().map(|(p, _)| p));
    procs.extend(grandparents);
    Ok(procs)
}
