//! Event timelines: events on a time axis (`timeline`), start→end bars (`timeline_duration`), values over time (`timeline_values`).
//! Gallery pages: Event timelines: events on a time axis (`timeline`), start→end bars (`timeline_duration`), values over time (`timeline_values`).

use std::error::Error;

use nbtools::data::sample::{SampleOptions, story};
use nbtools::polars::prelude::*;
use nbtools::views::timeline::{ValuesKind, timeline, timeline_duration, timeline_values};

use crate::Pages;
use crate::sample::Tables;

pub fn pages(tables: &Tables) -> Result<Pages, Box<dyn Error>> {
    let times = story(&SampleOptions::default()).times;
    let events = tables.get("SecurityEvent");
    // Process creations only: the tooltip's command lines mean something there.
    let processes = events
        .clone()
        .lazy()
        .filter(col("EventID").eq(lit(4688)))
        .collect()?;
    let alerts = tables.get("SecurityAlert");
    let firewall = tables.get("CommonSecurityLog");

    let basic = timeline(&processes)
        .tooltip(&["Computer", "Account", "CommandLine"])
        .ref_time(times.credential_dump, "credential dump")
        .title("Process creations (4688)")
        .build()?;
    let groups = timeline(events)
        .group_by("Computer")
        .tooltip(&["Account", "Activity", "CommandLine"])
        .overlay(alerts, "Alerts")
        .ref_time(times.phish_opened, "phish opened")
        .build()?;
    let duration = timeline_duration(events, "Account")
        .ref_time(times.lateral_logon, "lateral logon")
        .build()?;
    let values = timeline_values(firewall, "SentBytes")
        .group_by("DeviceAction")
        .kind(ValuesKind::Line)
        .tooltip(&["SourceIP", "DestinationIP", "RequestURL"])
        .ref_time(times.exfil_transfer, "exfiltration")
        .build()?;
    Ok(vec![
        ("timeline-basic", basic),
        ("timeline-groups", groups),
        ("timeline-duration", duration),
        ("timeline-values", values),
    ])
}
