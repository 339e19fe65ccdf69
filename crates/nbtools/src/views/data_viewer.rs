//! Data viewer for DataFrames: paging, column chooser, filter box.
