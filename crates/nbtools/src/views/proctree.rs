//! Process-tree view: a collapsible, searchable tree of a [`ProcessTree`].
//!
//! The whole tree travels as compact JSON: parallel arrays in tree order (parent
//! position, name, pid, time, command line, colour), repeated strings stored once. The
//! script builds rows only for expanded nodes, so trees of 50,000 processes stay
//! responsive. Where scripts do not run (nbconvert, GitHub) the static HTML shows the
//! top of the tree, breadth first up to a node budget, as nested `<details>`.
//!
//! ```
//! use nbtools::polars::prelude::*;
//! use nbtools::sectools::build_process_tree;
//! use nbtools::views::proctree::ProcessTreeView;
//!
//! let events = df! {
//!     "TimeGenerated" => ["2024-03-01 10:00:00", "2024-03-01 10:00:01"],
//!     "Computer" => ["ws1", "ws1"],
//!     "EventID" => [4688, 4688],
//!     "NewProcessName" => [r"C:\Windows\System32\cmd.exe", r"C:\Windows\System32\whoami.exe"],
//!     "NewProcessId" => ["0x200", "0x300"],
//!     "ProcessId" => ["0x100", "0x200"],
//!     "SubjectUserName" => ["alice", "alice"],
//!     "ParentProcessName" => [r"C:\Windows\explorer.exe", r"C:\Windows\System32\cmd.exe"],
//! }?;
//! let tree = build_process_tree(&events, None)?;
//! let view = ProcessTreeView::new(&tree).color_by("SubjectUserName").build()?;
//! assert!(view.html().contains("whoami.exe"));
//! assert!(view.plain().starts_with("Process tree: 3 processes"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;

use sectools::{ProcessNode, ProcessTree};
use serde::Serialize;

use super::html::thousands;
use super::{frame, html, time_axis};
use crate::{MimeBundle, Render, View, ViewError};

const KIND: &str = "process-tree";
const CSS: &str = include_str!("assets/proctree.css");
const SCRIPT: &str = include_str!("assets/proctree.js");

/// Processes the static HTML shows by default.
const DEFAULT_STATIC_NODES: usize = 500;
/// Rows shown expanded at first: whole levels are opened while they fit.
const INITIAL_ROWS: usize = 100;
/// Processes listed in the `text/plain` fallback.
const PLAIN_NODES: usize = 30;
/// Command lines longer than this are cut in the static rows (the tooltip has all).
const STATIC_CMD_CHARS: usize = 120;

/// Builds the process-tree view of a [`ProcessTree`].
///
/// Rows show the process name, PID, creation time and command line, coloured by a
/// column of the tree's frame ([`ProcessTree::to_df`]); hovering shows the details. A
/// search box finds processes by name, command line or PID over the whole tree,
/// expands their ancestors and highlights the matches.
///
/// ```no_run
/// # use nbtools::views::proctree::ProcessTreeView;
/// # fn f(tree: &nbtools::sectools::ProcessTree) -> Result<(), nbtools::ViewError> {
/// let view = ProcessTreeView::new(tree).color_by("AccountName").build()?;
/// nbtools::display(&view);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ProcessTreeView<'t> {
    tree: &'t ProcessTree,
    color_by: Option<String>,
    title: Option<String>,
    static_nodes: usize,
}

impl<'t> ProcessTreeView<'t> {
    /// A view of `tree`, coloured by host (or by user when there is one host).
    pub fn new(tree: &'t ProcessTree) -> Self {
        ProcessTreeView {
            tree,
            color_by: None,
            title: None,
            static_nodes: DEFAULT_STATIC_NODES,
        }
    }

    /// Colours processes by this column of the tree's frame (any input column, or
    /// one the tree adds such as `depth`). The ten most frequent values get their own
    /// colour when there are more than ten.
    pub fn color_by(mut self, column: &str) -> Self {
        self.color_by = Some(column.to_string());
        self
    }

    /// The heading above the tree (default "Process tree").
    pub fn title(mut self, title: &str) -> Self {
        self.title = Some(title.to_string());
        self
    }

    /// How many processes the static HTML (shown where scripts do not run) holds,
    /// breadth first from the roots; default 500.
    pub fn static_nodes(mut self, count: usize) -> Self {
        self.static_nodes = count;
        self
    }

    /// Draws the view. Fails when the colour column is not in the tree's frame.
    pub fn build(&self) -> Result<View, ViewError> {
        let tree = self.tree;
        let colour_column = match &self.color_by {
            Some(column) => {
                frame::column(tree.to_df(), column)?;
                Some(column.clone())
            }
            None => default_colour_column(tree)?,
        };
        let colours = match &colour_column {
            Some(column) => Colours::of(tree, column)?,
            None => Colours::none(tree.len()),
        };
        let user_texts = match user_column(tree) {
            Some(column) => Some(frame::texts(tree.to_df(), column)?),
            None => None,
        };
        // The hover shows the colour column's value unless it is the host or user.
        let schema = tree.schema();
        let colour_texts = match &colour_column {
            Some(column)
                if Some(column.as_str()) != schema.host_name.as_deref()
                    && Some(column.as_str()) != schema.user_name.as_deref() =>
            {
                Some(frame::texts(tree.to_df(), column)?)
            }
            _ => None,
        };
        let open_depth = open_depth(tree);
        let data = TreeData::new(
            tree,
            &colours,
            colour_column.as_deref(),
            [user_texts.as_deref(), colour_texts.as_deref()],
            open_depth,
        );
        let title = self.title.as_deref().unwrap_or("Process tree");
        let stats = Stats::of(tree);

        let mut inner = String::with_capacity(64 * tree.len().min(self.static_nodes) + 4096);
        inner.push_str("<style>");
        inner.push_str(CSS);
        inner.push_str("</style>");
        let _ = write!(
            inner,
            "<div class=\"hv-title\">{}</div><div class=\"hv-note\">{}</div>",
            html::esc(title),
            html::esc(&stats.line())
        );
        legend_html(&mut inner, colour_column.as_deref(), &colours);
        static_tree(&mut inner, tree, &colours, open_depth, self.static_nodes);
        inner.push_str("<div class=\"pt-app\"></div>");
        inner.push_str(&html::json_data(&data));

        let plain = plain_text(tree, &stats, colour_column.as_deref(), title);
        Ok(View::new(
            KIND,
            html::view_root(KIND, &inner, Some(SCRIPT)),
            plain,
        ))
    }
}

impl Render for ProcessTree {
    /// The process-tree view with its defaults; the tree as text if it cannot be drawn.
    fn mime_bundle(&self) -> MimeBundle {
        match ProcessTreeView::new(self).build() {
            Ok(view) => view.mime_bundle(),
            Err(error) => MimeBundle::text(format!(
                "Process tree ({error}); as text:\n{}",
                self.to_text()
            )),
        }
    }
}

/// The schema's host column, or its user column when all processes are on one host.
fn default_colour_column(tree: &ProcessTree) -> Result<Option<String>, ViewError> {
    let schema = tree.schema();
    let df = tree.to_df();
    let present: Vec<&str> = [schema.host_name.as_deref(), schema.user_name.as_deref()]
        .into_iter()
        .flatten()
        .filter(|c| df.column(c).is_ok())
        .collect();
    for column in &present {
        let values = frame::texts(df, column)?;
        let mut distinct = values.iter().flatten().filter(|v| !v.is_empty());
        let first = distinct.next();
        if distinct.any(|v| Some(v) != first) {
            return Ok(Some(column.to_string()));
        }
    }
    Ok(present.first().map(|c| c.to_string()))
}

fn user_column(tree: &ProcessTree) -> Option<&str> {
    tree.schema()
        .user_name
        .as_deref()
        .filter(|c| tree.to_df().column(c).is_ok())
}

/// The deepest level expanded at first: whole levels open while the rows shown stay
/// within [`INITIAL_ROWS`] (0: only the top-level processes show).
fn open_depth(tree: &ProcessTree) -> usize {
    let mut per_depth: Vec<usize> = Vec::new();
    for node in tree.nodes() {
        let depth = shown_depth(&node);
        if per_depth.len() <= depth {
            per_depth.resize(depth + 1, 0);
        }
        per_depth[depth] += 1;
    }
    let mut shown = per_depth.get(1).copied().unwrap_or(0);
    let mut open = 0;
    while open + 2 < per_depth.len() && shown + per_depth[open + 2] <= INITIAL_ROWS {
        open += 1;
        shown += per_depth[open + 1];
    }
    open
}

/// Depth as drawn: 1 for every process without a parent in the tree.
fn shown_depth(node: &ProcessNode<'_>) -> usize {
    if node.parent().is_none() {
        1
    } else {
        node.depth()
    }
}

/// Counts for the heading and the text fallback.
struct Stats {
    processes: usize,
    top_level: usize,
    inferred: usize,
    depth: usize,
}

impl Stats {
    fn of(tree: &ProcessTree) -> Stats {
        let mut stats = Stats {
            processes: tree.len(),
            top_level: 0,
            inferred: 0,
            depth: 0,
        };
        for node in tree.nodes() {
            stats.top_level += usize::from(node.parent().is_none());
            stats.inferred += usize::from(node.is_inferred());
            stats.depth = stats.depth.max(node.depth());
        }
        stats
    }

    fn line(&self) -> String {
        let mut line = format!(
            "{} processes in {} {}, up to {} levels deep",
            thousands(self.processes),
            thousands(self.top_level),
            if self.top_level == 1 { "tree" } else { "trees" },
            self.depth
        );
        if self.inferred > 0 {
            let _ = write!(
                line,
                "; {} inferred {} (named by their children, not in the data)",
                thousands(self.inferred),
                if self.inferred == 1 {
                    "parent"
                } else {
                    "parents"
                }
            );
        }
        line
    }
}

/// Each process's colour category, and the legend.
struct Colours {
    /// Legend index per process, in tree order.
    of_node: Vec<u8>,
    legend: Vec<LegendEntry>,
}

#[derive(Debug, Serialize)]
struct LegendEntry {
    label: String,
    colour: &'static str,
    count: usize,
}

impl Colours {
    fn none(len: usize) -> Colours {
        Colours {
            of_node: vec![0; len],
            legend: vec![LegendEntry {
                label: String::new(),
                colour: html::colour(0),
                count: len,
            }],
        }
    }

    /// Categories by frequency; past ten, the nine most frequent and "other".
    fn of(tree: &ProcessTree, column: &str) -> Result<Colours, ViewError> {
        let texts = frame::texts(tree.to_df(), column)?;
        let value_of = |node: &ProcessNode<'_>| -> &str {
            texts
                .get(node.frame_row())
                .and_then(|v| v.as_deref())
                .unwrap_or("")
        };
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for node in tree.nodes() {
            *counts.entry(value_of(&node)).or_default() += 1;
        }
        let mut ranked: Vec<(&str, usize)> = counts.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let own = if ranked.len() > html::PALETTE.len() {
            html::PALETTE.len() - 1
        } else {
            ranked.len()
        };
        let mut legend: Vec<LegendEntry> = ranked[..own]
            .iter()
            .enumerate()
            .map(|(i, (value, count))| LegendEntry {
                label: if value.is_empty() {
                    "(empty)".to_string()
                } else {
                    value.to_string()
                },
                colour: html::colour(i),
                count: *count,
            })
            .collect();
        if own < ranked.len() {
            legend.push(LegendEntry {
                label: format!("other ({} values)", thousands(ranked.len() - own)),
                colour: html::colour(own),
                count: ranked[own..].iter().map(|(_, c)| c).sum(),
            });
        }
        let index: HashMap<&str, u8> = ranked
            .iter()
            .enumerate()
            .map(|(i, (value, _))| (*value, i.min(own) as u8))
            .collect();
        let of_node = tree
            .nodes()
            .map(|node| index.get(value_of(&node)).copied().unwrap_or(0))
            .collect();
        Ok(Colours { of_node, legend })
    }
}

/// Distinct strings, each stored once; index 0 is the empty string.
struct Interner<'a> {
    index: HashMap<&'a str, u32>,
    values: Vec<&'a str>,
}

impl<'a> Interner<'a> {
    fn new() -> Self {
        Interner {
            index: HashMap::from([("", 0)]),
            values: vec![""],
        }
    }

    fn id(&mut self, value: Option<&'a str>) -> u32 {
        let value = value.unwrap_or("");
        let next = self.values.len() as u32;
        let id = *self.index.entry(value).or_insert(next);
        if id == next {
            self.values.push(value);
        }
        id
    }
}

/// A text attribute of every process: distinct values and each process's index.
#[derive(Serialize)]
struct Interned<'a> {
    values: Vec<&'a str>,
    index: Vec<u32>,
}

impl<'a> Interned<'a> {
    fn of(values: impl Iterator<Item = Option<&'a str>>) -> Self {
        let mut interner = Interner::new();
        let index = values.map(|v| interner.id(v)).collect();
        Interned {
            values: interner.values,
            index,
        }
    }
}

/// The tree as the script reads it: parallel arrays in tree order.
#[derive(Serialize)]
struct TreeData<'a> {
    /// Parent's position, -1 for a top-level process. Parents come before children.
    parent: Vec<i64>,
    name: Interned<'a>,
    pid: Vec<&'a str>,
    /// Times are milliseconds after `t0` (null when unknown), which keeps them short.
    t0: i64,
    time: Vec<Option<i64>>,
    cmd: Interned<'a>,
    host: Option<Interned<'a>>,
    user: Option<Interned<'a>>,
    /// The colour column's value, when it is neither host nor user.
    colour_value: Option<Interned<'a>>,
    /// Positions of inferred parents.
    inferred: Vec<u32>,
    colour: &'a [u8],
    legend: &'a [LegendEntry],
    colour_column: Option<&'a str>,
    open_depth: usize,
}

impl<'a> TreeData<'a> {
    fn new(
        tree: &'a ProcessTree,
        colours: &'a Colours,
        colour_column: Option<&'a str>,
        [user_texts, colour_texts]: [Option<&'a [Option<String>]>; 2],
        open_depth: usize,
    ) -> Self {
        let by_row = |texts: &'a [Option<String>]| {
            Interned::of(
                tree.nodes()
                    .map(|n| texts.get(n.frame_row()).and_then(|v| v.as_deref())),
            )
        };
        let times: Vec<Option<i64>> = tree.nodes().map(|n| time_ms(&n)).collect();
        let t0 = times.iter().flatten().copied().min().unwrap_or(0);
        let has_host = tree.nodes().any(|n| n.host().is_some());
        TreeData {
            parent: tree
                .nodes()
                .map(|n| n.parent().map_or(-1, |p| p.position() as i64))
                .collect(),
            name: Interned::of(tree.nodes().map(|n| n.name())),
            pid: tree.nodes().map(|n| n.pid().unwrap_or("")).collect(),
            t0,
            time: times.iter().map(|t| t.map(|t| t - t0)).collect(),
            cmd: Interned::of(tree.nodes().map(|n| n.cmd_line())),
            host: has_host.then(|| Interned::of(tree.nodes().map(|n| n.host()))),
            user: user_texts.map(by_row),
            colour_value: colour_texts.map(by_row),
            inferred: tree
                .nodes()
                .filter(|n| n.is_inferred())
                .map(|n| n.position() as u32)
                .collect(),
            colour: &colours.of_node,
            legend: &colours.legend,
            colour_column,
            open_depth,
        }
    }
}

/// Creation time in UTC ms; none for inferred parents placed at the epoch.
fn time_ms(node: &ProcessNode<'_>) -> Option<i64> {
    node.time()
        .filter(|&ns| !(node.is_inferred() && ns == 0))
        .map(|ns| ns.div_euclid(1_000_000))
}

/// The last part of a path: `cmd.exe` for `C:\Windows\System32\cmd.exe`.
fn base_name(path: &str) -> &str {
    path.rsplit(['\\', '/'])
        .find(|part| !part.is_empty())
        .unwrap_or(path)
}

fn legend_html(out: &mut String, column: Option<&str>, colours: &Colours) {
    let Some(column) = column else { return };
    let _ = write!(
        out,
        "<div class=\"pt-legend\"><span class=\"pt-legend-title\">{}:</span>",
        html::esc(column)
    );
    for entry in &colours.legend {
        let _ = write!(
            out,
            "<span class=\"pt-key\"><span class=\"pt-sw\" style=\"background:{}\"></span>{} ({})</span>",
            entry.colour,
            html::esc(&entry.label),
            thousands(entry.count)
        );
    }
    out.push_str("</div>");
}

/// One process's row: colour, name, PID, time, command line; the full path in `title`.
fn row_html(out: &mut String, node: &ProcessNode<'_>, colour: &str) {
    let name = node.name().unwrap_or("");
    let cmd = node.cmd_line().unwrap_or("");
    let time = time_ms(node).map(time_axis::full).unwrap_or_default();
    let short: String = cmd.chars().take(STATIC_CMD_CHARS).collect();
    let cut = short.len() < cmd.len();
    // The row shows the rest; the hover adds the full path and any cut command line.
    let mut tip = name.to_string();
    if cut {
        let _ = write!(tip, "\n{cmd}");
    }
    let _ = write!(
        out,
        "<span class=\"pt-row\" title=\"{}\"><span class=\"pt-sw\" style=\"background:{colour}\"></span><span class=\"pt-name\">{}</span> <span class=\"pt-pid\">{}</span>",
        html::esc(&tip),
        html::esc(base_name(name)),
        html::esc(node.pid().unwrap_or(""))
    );
    if node.is_inferred() {
        out.push_str(" <span class=\"pt-inf\">inferred</span>");
    }
    if !time.is_empty() {
        let _ = write!(out, " <span class=\"pt-time\">{}</span>", html::esc(&time));
    }
    if !cmd.is_empty() {
        let _ = write!(
            out,
            " <span class=\"pt-cmd\">{}{}</span>",
            html::esc(&short),
            if cut { "…" } else { "" }
        );
    }
    out.push_str("</span>");
}

/// The top of the tree as nested `<details>`: processes breadth first from the roots
/// up to `budget`, so every level near the top shows before any deep one.
fn static_tree(
    out: &mut String,
    tree: &ProcessTree,
    colours: &Colours,
    open_depth: usize,
    budget: usize,
) {
    let n = tree.len();
    let mut included = vec![false; n];
    let mut queue: std::collections::VecDeque<ProcessNode<'_>> =
        tree.nodes().filter(|n| n.parent().is_none()).collect();
    let mut shown = 0;
    while let Some(node) = queue.pop_front() {
        if shown == budget {
            break;
        }
        included[node.position()] = true;
        shown += 1;
        queue.extend(node.children());
    }

    out.push_str("<div class=\"pt-static\"><ul class=\"pt-tree\">");
    // Tree order is depth first, and the included set holds every included node's
    // ancestors, so walking positions in order and closing deeper levels nests right.
    let mut open: Vec<ProcessNode<'_>> = Vec::new();
    let close = |out: &mut String, node: &ProcessNode<'_>| {
        let hidden = node.children().filter(|c| !included[c.position()]).count();
        if hidden > 0 {
            let _ = write!(
                out,
                "<li class=\"pt-more\">… {} more</li>",
                thousands(hidden)
            );
        }
        out.push_str("</ul></details></li>");
    };
    for node in tree.nodes().filter(|n| included[n.position()]) {
        let depth = shown_depth(&node);
        while open.last().is_some_and(|o| shown_depth(o) >= depth) {
            if let Some(done) = open.pop() {
                close(out, &done);
            }
        }
        let colour = colours
            .legend
            .get(usize::from(colours.of_node[node.position()]))
            .map_or(html::colour(0), |e| e.colour);
        let children = node.children().count();
        let shown_children = node.children().filter(|c| included[c.position()]).count();
        if shown_children > 0 {
            let _ = write!(
                out,
                "<li><details{}><summary>",
                if depth <= open_depth { " open" } else { "" }
            );
            row_html(out, &node, colour);
            out.push_str("</summary><ul>");
            open.push(node);
        } else {
            out.push_str("<li class=\"pt-leaf\">");
            row_html(out, &node, colour);
            if children > 0 {
                let _ = write!(
                    out,
                    " <span class=\"pt-more\">(+{} children not shown)</span>",
                    thousands(children)
                );
            }
            out.push_str("</li>");
        }
    }
    while let Some(done) = open.pop() {
        close(out, &done);
    }
    out.push_str("</ul>");
    if shown < n {
        let _ = write!(
            out,
            "<div class=\"hv-note\">This static view shows {} of {} processes. \
             Where scripts run (JupyterLab, VS Code) the tree is interactive and holds them all.</div>",
            thousands(shown),
            thousands(n)
        );
    }
    out.push_str("</div>");
}

/// Summary, colour column and the first processes as an indented list.
fn plain_text(tree: &ProcessTree, stats: &Stats, colour: Option<&str>, title: &str) -> String {
    let mut text = format!("{title}: {}\n", stats.line());
    if let Some(colour) = colour {
        let _ = writeln!(text, "colour: {colour}");
    }
    for node in tree.nodes().take(PLAIN_NODES) {
        let indent = "  ".repeat(shown_depth(&node) - 1);
        let _ = write!(
            text,
            "{indent}{} [{}]",
            node.name().unwrap_or(""),
            node.pid().unwrap_or("")
        );
        if let Some(ms) = time_ms(&node) {
            let _ = write!(text, " {}", time_axis::full(ms));
        }
        if node.is_inferred() {
            text.push_str(" (inferred)");
        }
        text.push('\n');
    }
    if tree.len() > PLAIN_NODES {
        let _ = writeln!(
            text,
            "… {} more processes",
            thousands(tree.len() - PLAIN_NODES)
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;
    use sectools::build_process_tree;

    use super::*;

    /// explorer (inferred) → cmd → {whoami, powershell → net}; a second host's
    /// services (inferred) → svchost.
    fn events() -> DataFrame {
        df! {
            "TimeGenerated" => [
                "2024-03-01 10:00:01", "2024-03-01 10:00:02", "2024-03-01 10:00:03",
                "2024-03-01 10:00:04", "2024-03-01 10:00:05",
            ],
            "Computer" => ["ws1", "ws1", "ws1", "ws1", "srv<2>"],
            "EventID" => [4688, 4688, 4688, 4688, 4688],
            "NewProcessName" => [
                r"C:\Windows\System32\cmd.exe", r"C:\Windows\System32\whoami.exe",
                r"C:\Windows\System32\powershell.exe", r"C:\Windows\System32\net.exe",
                r"C:\Windows\System32\svchost.exe",
            ],
            "NewProcessId" => ["0x200", "0x300", "0x400", "0x500", "0x600"],
            "ProcessId" => ["0x100", "0x200", "0x200", "0x400", "0x50"],
            "ParentProcessName" => [
                r"C:\Windows\explorer.exe", r"C:\Windows\System32\cmd.exe",
                r"C:\Windows\System32\cmd.exe", r"C:\Windows\System32\powershell.exe",
                r"C:\Windows\System32\services.exe",
            ],
            "CommandLine" => [
                "cmd.exe /c \"whoami & powershell\"", "whoami /all",
                "powershell -enc SQBFAFgA", "net user <admin> /add", "svchost.exe -k netsvcs",
            ],
            "SubjectUserName" => ["alice", "alice", "alice", "alice", "SYSTEM"],
        }
        .unwrap()
    }

    fn tree() -> ProcessTree {
        build_process_tree(&events(), None).unwrap()
    }

    #[test]
    fn static_html_snapshot() {
        let tree = tree();
        let view = ProcessTreeView::new(&tree).build().unwrap();
        // The shared CSS and scripts have their own owners; snapshot this view's part.
        let html = view.html();
        let start = html.find("<div class=\"hv-title\"").unwrap();
        let end = html.find("<script>").unwrap();
        insta::assert_snapshot!("proctree_static", &html[start..end]);
        insta::assert_snapshot!("proctree_plain", view.plain());
    }

    #[test]
    fn data_is_parallel_arrays_in_tree_order() {
        let tree = tree();
        let view = ProcessTreeView::new(&tree).build().unwrap();
        let html = view.html();
        let start = html.find("class=\"huntrs-data\">").unwrap() + "class=\"huntrs-data\">".len();
        let end = start + html[start..].find("</script>").unwrap();
        let data: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
        let parent: Vec<i64> = serde_json::from_value(data["parent"].clone()).unwrap();
        assert_eq!(parent.len(), 7);
        assert!(parent.iter().enumerate().all(|(i, &p)| p < i as i64));
        assert_eq!(data["inferred"].as_array().unwrap().len(), 2);
        // Two hosts: coloured by host.
        assert_eq!(data["colour_column"], "Computer");
        assert_eq!(data["legend"].as_array().unwrap().len(), 2);
        // The user's markup stays data: no raw `<` in the embedded JSON.
        assert!(!html[start..end].contains('<'));
        assert!(html.contains("srv&lt;2&gt;"));
        assert!(!html.contains("<admin>"));
    }

    #[test]
    fn colour_column_must_exist() {
        let tree = tree();
        let error = ProcessTreeView::new(&tree)
            .color_by("Nope")
            .build()
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("no column 'Nope' in the data; its columns are: "));
        assert!(error.contains("SubjectUserName"), "{error}");
        let view = ProcessTreeView::new(&tree)
            .color_by("SubjectUserName")
            .build()
            .unwrap();
        assert!(view.html().contains("SubjectUserName:"));
    }

    #[test]
    fn static_budget_cuts_breadth_first() {
        let tree = tree();
        let view = ProcessTreeView::new(&tree).static_nodes(3).build().unwrap();
        let html = view.html();
        // Both roots and one child show; the rest is counted.
        assert!(html.contains(">explorer.exe<") && html.contains(">services.exe<"));
        assert!(!html.contains(">whoami.exe<"));
        assert!(html.contains("shows 3 of 7 processes"), "{html}");
    }

    #[test]
    fn many_categories_share_an_other_colour() {
        let n = 30;
        let df = df! {
            "TimeGenerated" => (0..n).map(|i| format!("2024-03-01 10:00:{i:02}")).collect::<Vec<_>>(),
            "Computer" => (0..n).map(|i| format!("host{i}")).collect::<Vec<_>>(),
            "EventID" => vec![4688; n],
            "NewProcessName" => vec!["a.exe"; n],
            "NewProcessId" => (0..n).map(|i| format!("0x{:x}", i + 100)).collect::<Vec<_>>(),
            "ProcessId" => vec!["0x4"; n],
            "ParentProcessName" => vec!["System"; n],
        }
        .unwrap();
        let tree = build_process_tree(&df, None).unwrap();
        let colours = Colours::of(&tree, "Computer").unwrap();
        assert_eq!(colours.legend.len(), 10);
        assert!(colours.legend[9].label.starts_with("other ("));
        assert_eq!(
            colours.legend.iter().map(|e| e.count).sum::<usize>(),
            tree.len()
        );
    }

    #[test]
    fn render_gives_html_and_text() {
        let tree = tree();
        let bundle = tree.mime_bundle();
        assert!(
            bundle
                .get("text/html")
                .unwrap()
                .contains("data-huntrs-view=\"process-tree\"")
        );
        assert!(
            bundle
                .get("text/plain")
                .unwrap()
                .contains("whoami.exe [0x300]")
        );
    }

    /// `cargo test -p nbtools --lib views::proctree -- --ignored --nocapture`: build
    /// and draw time and size for 50,000 processes.

    #[test]
    fn base_names() {
        assert_eq!(base_name(r"C:\Windows\cmd.exe"), "cmd.exe");
        assert_eq!(base_name("/usr/bin/bash"), "bash");
        assert_eq!(base_name("bash"), "bash");
        assert_eq!(base_name(""), "");
    }
}
