//! Gallery pages: Data viewer for DataFrames: paging, column chooser, filter box.

use std::error::Error;

use nbtools::views::data_viewer::{DataViewer, static_table};

use crate::Pages;
use crate::sample::Tables;

pub fn pages(tables: &Tables) -> Result<Pages, Box<dyn Error>> {
    let signins = tables.get("SigninLogs");
    let security = tables.get("SecurityEvent");
    Ok(vec![
        (
            "data-viewer-signins",
            DataViewer::new(signins)
                .page_size(25)
                .columns(&[
                    "TimeGenerated",
                    "UserPrincipalName",
                    "IPAddress",
                    "ResultType",
                    "AppDisplayName",
                    "Location",
                ])
                .title("SigninLogs")
                .build()?,
        ),
        // More rows than the viewer holds by default: the page says how many are left out.
        ("data-viewer-security", DataViewer::new(security).build()?),
        ("data-table-small", static_table(&signins.head(Some(8)))?),
    ])
}
