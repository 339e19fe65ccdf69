//! Process trees from process-creation events: Windows 4688, Sysmon 1, Linux auditd
//! `SYSCALL_EXECVE`, Defender for Endpoint (`DeviceProcessEvents` and MDE's internal
//! schema), osquery and HX — msticpy's `build_process_tree`, with its counts.
//!
//! The schema (which column is the process name, id, parent id and time) is inferred
//! from the column names or given; a process whose parent is not in the data gets an
//! *inferred* parent, so every process hangs from a root.

pub use schema::{EventFilter, ProcSchema};
pub use tree::{ProcessNode, ProcessTree, TreeSummary};

pub(crate) mod input;
mod mde;
mod schema;
mod tree;
mod winlx;

use polars::prelude::*;

use crate::SectoolsError;
use schema::Layout;

/// Builds the process trees of `events`. With `schema` `None` the schema is inferred
/// from the column names ([`ProcSchema::infer`]). The data must have the schema's four
/// required columns; optional ones it lacks are ignored and listed in
/// [`ProcessTree::notes`] for a given schema. Rows of other event types are skipped; a
/// process reported twice (same name, id and time) is one process.
///
/// ```
/// use sectools::polars::prelude::*;
/// use sectools::build_process_tree;
///
/// let events = df! {
///     "TimeGenerated" => ["2024-03-01 10:00:00", "2024-03-01 10:00:01", "2024-03-01 10:00:02"],
///     "Computer" => ["ws1", "ws1", "ws1"],
///     "EventID" => [4688, 4688, 4688],
///     "NewProcessName" => [r"C:\Windows\explorer.exe", r"C:\Windows\System32\cmd.exe", r"C:\Windows\System32\whoami.exe"],
///     "NewProcessId" => ["0x100", "0x200", "0x300"],
///     "ProcessId" => ["0x4", "0x100", "0x200"],
///     "ParentProcessName" => [r"C:\Windows\System32\userinit.exe", r"C:\Windows\explorer.exe", r"C:\Windows\System32\cmd.exe"],
/// }?;
/// let tree = build_process_tree(&events, None)?;
/// let summary = tree.summary();
/// // userinit.exe is not in the data: it is inferred, and is the root.
/// assert_eq!((summary.processes, summary.root_processes, summary.largest_tree_depth), (4, 1, 4));
/// let whoami = tree.nodes().find(|n| n.pid() == Some("0x300")).unwrap();
/// let chain: Vec<_> = tree.ancestors(whoami.proc_key())?.iter().filter_map(|n| n.pid()).collect();
/// assert_eq!(chain, ["0x4", "0x100", "0x200", "0x300"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn build_process_tree(
    events: &DataFrame,
    schema: Option<&ProcSchema>,
) -> Result<ProcessTree, SectoolsError> {
    let (schema, notes) = match schema {
        Some(schema) => (schema.clone(), schema.check(events)?),
        None => {
            let schema = ProcSchema::infer(events)?;
            schema.check(events)?;
            (schema, Vec::new())
        }
    };
    let mut events = events.clone();
    if let (Some(column), Some(filter)) = (
        ProcSchema::present(&events, &schema.event_id_column),
        &schema.event_id,
    ) {
        events = filter.filter(&events, column)?;
    }
    match schema.layout {
        Layout::ParentById => {
            let inputs = winlx::Inputs::read(&events, &schema)?;
            let mut names = tree::Names::default();
            let (procs, source_order) = winlx::processes(&inputs, &mut names)?;
            ProcessTree::assemble(procs, source_order, &names, &events, &schema, notes)
        }
        Layout::MdeInternal | Layout::MdeEvents => {
            let inputs = mde::Inputs::read(&events, &schema)?;
            let mut names = tree::Names::default();
            let procs = mde::processes(&inputs, &mut names)?;
            let source_order = (0..procs.len() as u32).collect();
            ProcessTree::assemble(procs, source_order, &names, &events, &schema, notes)
        }
    }
}
