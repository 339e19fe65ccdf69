//! Writes one standalone HTML page per view, drawn from the sample lab dataset, plus
//! `manifest.json` (page file → view kind). The browser tests load these pages
//! (`tests/python/test_views_*.py`); they are also a quick way to look at every view.
//!
//! ```text
//! cargo run -p nbtools --example view_gallery -- OUT_DIR
//! ```

use std::collections::BTreeMap;
use std::error::Error;
use std::path::PathBuf;

use nbtools::View;

mod alert;
mod data_viewer;
mod entity_graph;
mod logon;
mod map;
mod proctree;
mod sample;
mod timeline;

type Pages = Vec<(&'static str, View)>;
/// One section of the gallery: its pages, from the sample tables.
type Section = fn(&sample::Tables) -> Result<Pages, Box<dyn Error>>;

fn main() -> Result<(), Box<dyn Error>> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: view_gallery OUT_DIR")?,
    );
    std::fs::create_dir_all(&out)?;
    let tables = sample::Tables::load()?;
    let mut manifest = BTreeMap::new();
    let sections: [Section; 7] = [
        alert::pages,
        timeline::pages,
        logon::pages,
        proctree::pages,
        entity_graph::pages,
        data_viewer::pages,
        map::pages,
    ];
    for section in sections {
        for (name, view) in section(&tables)? {
            let file = format!("{name}.html");
            view.save(out.join(&file))?;
            manifest.insert(file, view.kind());
        }
    }
    std::fs::write(
        out.join("manifest.json"),
        nbtools::serde_json::to_string_pretty(&manifest)?,
    )?;
    println!("{} pages in {}", manifest.len(), out.display());
    Ok(())
}
