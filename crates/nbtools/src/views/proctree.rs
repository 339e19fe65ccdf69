//! Process-tree view: a collapsible, searchable tree of a `ProcessTree`.
