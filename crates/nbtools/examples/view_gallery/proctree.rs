//! Gallery pages: Process-tree view: a collapsible, searchable tree of a `ProcessTree`.

use std::error::Error;

use nbtools::polars::prelude::*;
use nbtools::sectools::{ProcSchema, build_process_tree};
use nbtools::views::proctree::ProcessTreeView;

use crate::Pages;
use crate::sample::Tables;

pub fn pages(tables: &Tables) -> Result<Pages, Box<dyn Error>> {
    let security = build_process_tree(tables.get("SecurityEvent"), None)?;
    let mde = build_process_tree(
        tables.get("DeviceProcessEvents"),
        Some(&ProcSchema::mde_events()),
    )?;
    let big = build_process_tree(&synthetic_4688(50, 1_000)?, None)?;
    Ok(vec![
        ("proctree-sample", ProcessTreeView::new(&security).build()?),
        (
            "proctree-mde",
            ProcessTreeView::new(&mde)
                .color_by("AccountName")
                .title("Defender process tree")
                .build()?,
        ),
        ("proctree-50k", ProcessTreeView::new(&big).build()?),
    ])
}

/// 4688 events of `hosts` hosts with `per_host` processes each, every process started
/// by an earlier one on its host (a deterministic pseudo-random choice), the first by
/// System. The page that shows the view stays usable at this size.
pub fn synthetic_4688(hosts: usize, per_host: usize) -> PolarsResult<DataFrame> {
    const IMAGES: [&str; 12] = [
        r"C:\Windows\System32\svchost.exe",
        r"C:\Windows\System32\cmd.exe",
        r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
        r"C:\Windows\System32\conhost.exe",
        r"C:\Windows\System32\rundll32.exe",
        r"C:\Program Files\Google\Chrome\Application\chrome.exe",
        r"C:\Windows\explorer.exe",
        r"C:\Windows\System32\taskhostw.exe",
        r"C:\Windows\System32\wbem\WmiPrvSE.exe",
        r"C:\Windows\System32\schtasks.exe",
        r"C:\Windows\System32\net.exe",
        r"C:\Windows\System32\whoami.exe",
    ];
    let rows = hosts * per_host;
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        // xorshift64: a fixed sequence, so the page is the same every run.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut time, mut computer, mut image, mut pid, mut ppid, mut parent_image, mut cmd, mut user) = (
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
    );
    let start = 1_793_000_000_000i64; // 2026-10-26 07:33:20 UTC, in ms
    for h in 0..hosts {
        let mut images: Vec<&str> = Vec::with_capacity(per_host);
        for k in 0..per_host {
            let this = IMAGES[(next() % IMAGES.len() as u64) as usize];
            images.push(this);
            let (parent_pid, parent) = if k == 0 {
                (4, "System")
            } else {
                let p = (next() % k as u64) as usize;
                (0x100 + 4 * p, images[p])
            };
            time.push(start + (h * per_host + k) as i64 * 1_000);
            computer.push(format!("HOST-{h:03}.corp.example"));
            image.push(this);
            pid.push(format!("0x{:x}", 0x100 + 4 * k));
            ppid.push(format!("0x{parent_pid:x}"));
            parent_image.push(parent);
            cmd.push(format!("\"{this}\" /task {} --id {k}", next() % 97));
            user.push(format!("user{:02}", next() % 40));
        }
    }
    let n = rows;
    df! {
        "TimeGenerated" => time,
        "Computer" => computer,
        "EventID" => vec![4688i32; n],
        "NewProcessName" => image,
        "NewProcessId" => pid,
        "ProcessId" => ppid,
        "ParentProcessName" => parent_image,
        "CommandLine" => cmd,
        "SubjectUserName" => user,
    }?
    .lazy()
    .with_column(col("TimeGenerated").cast(DataType::Datetime(
        TimeUnit::Milliseconds,
        Some(TimeZone::UTC),
    )))
    .collect()
}
