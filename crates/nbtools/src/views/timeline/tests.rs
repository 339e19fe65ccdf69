use crate::views::html::snapshot_markup as markup;
use chrono::TimeZone;
use polars::prelude::*;

use super::*;

const T0: &str = "2024-03-01T10:00:00Z";

fn at(secs: i64) -> String {
    let base = DateTime::parse_from_rfc3339(T0).unwrap().timestamp();
    DateTime::<Utc>::from_timestamp(base + secs, 0)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn small() -> DataFrame {
    df!(
        "TimeGenerated" => [at(0), at(60), at(90), at(600), at(1200), at(1800)],
        "Computer" => ["web01", "web01", "db01", "web01", "db01", "<b>evil</b>"],
        "Account" => ["alice", "bob", "svc_sql", "alice", "svc_sql", "mallory"],
        "CommandLine" => ["whoami", "net user", "sqlservr.exe", "ipconfig /all", "bcp.exe", "x & y"],
        "Bytes" => [100i64, 2500, 40, 900, 10, 7000]
    )
    .unwrap()
}

fn alerts() -> DataFrame {
    df!(
        "TimeGenerated" => [at(650)],
        "AlertName" => ["Suspicious net user"],
        "Account" => ["bob"]
    )
    .unwrap()
}

/// The embedded JSON data of a view.
fn data(view: &View) -> Value {
    let html = view.html();
    let start = html.find("class=\"huntrs-data\">").expect("data") + "class=\"huntrs-data\">".len();
    let end = start + html[start..].find("</script>").expect("end");
    serde_json::from_str(&html[start..end]).unwrap()
}

fn mark_counts(view: &View) -> u64 {
    data(view)["marks"]["n"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .sum()
}

fn mark_total(view: &View) -> usize {
    data(view)["marks"]["n"].as_array().unwrap().len()
}

#[test]
fn missing_time_column_names_the_candidates_and_columns() {
    let df = df!("a" => [1], "b" => ["x"]).unwrap();
    let error = timeline(&df).build().unwrap_err().to_string();
    assert!(
        error.starts_with("no column 'TimeGenerated' or 'timestamp'"),
        "{error}"
    );
    assert!(error.ends_with("its columns are: a, b"), "{error}");
    let error = timeline(&df)
        .time_column("When")
        .build()
        .unwrap_err()
        .to_string();
    assert_eq!(error, "no column 'When' in the data; its columns are: a, b");
}

#[test]
fn missing_group_tooltip_and_value_columns_are_named() {
    let df = small();
    let error = timeline(&df)
        .group_by("Host")
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("no column 'Host'") && error.contains("Computer"),
        "{error}"
    );
    let error = timeline(&df)
        .tooltip(&["Acount"])
        .build()
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("no column 'Acount'"), "{error}");
    let error = timeline_duration(&df, "Host")
        .build()
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("no column 'Host'"), "{error}");
    let error = timeline_values(&df, "Byts")
        .build()
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("no column 'Byts'"), "{error}");
    let error = timeline_values(&df, "Account")
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("'Account' holds str; this view needs numbers"),
        "{error}"
    );
}

#[test]
fn a_column_that_is_not_a_time_is_an_error() {
    let df = small();
    let error = timeline(&df)
        .time_column("Bytes")
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("'Bytes'") && error.contains("datetime or text"),
        "{error}"
    );
    let error = timeline(&df)
        .time_column("Account")
        .build()
        .unwrap_err()
        .to_string();
    assert!(error.contains("'alice' is not a time"), "{error}");
}

#[test]
fn an_empty_frame_gives_an_empty_view() {
    let df = small().head(Some(0));
    for view in [
        timeline(&df).build().unwrap(),
        timeline_duration(&df, "Computer").build().unwrap(),
        timeline_values(&df, "Bytes").build().unwrap(),
    ] {
        assert!(
            view.plain().contains("Nothing to draw: 0 rows"),
            "{}",
            view.plain()
        );
        assert!(view.html().contains("Nothing to draw"));
        assert!(!view.html().contains("<svg"));
        assert_eq!(view.kind(), "timeline");
    }
    // Rows whose times are all missing: the same, with the row count.
    let df = df!("TimeGenerated" => [None::<&str>, Some("")]).unwrap();
    let view = timeline(&df).build().unwrap();
    assert!(
        view.plain()
            .contains("2 rows, none with a time in column 'TimeGenerated'")
    );
}

#[test]
fn time_column_defaults_fall_back() {
    let df = df!("timestamp" => [at(0), at(5)]).unwrap();
    let view = timeline(&df).build().unwrap();
    assert!(
        view.plain().starts_with("Timeline: 2 events in 1 series"),
        "{}",
        view.plain()
    );
}

#[test]
fn merged_marks_keep_every_event() {
    // 10,000 events over three hosts, some without a time; many share a pixel.
    let n = 10_000;
    let times: Vec<Option<String>> = (0..n)
        .map(|i| (i % 97 != 0).then(|| at((i * 7919 % 86_400) as i64)))
        .collect();
    let hosts: Vec<String> = (0..n).map(|i| format!("h{}", i % 3)).collect();
    let df = df!("TimeGenerated" => times, "Host" => hosts).unwrap();
    let view = timeline(&df).group_by("Host").build().unwrap();
    let missing = (0..n).filter(|i| i % 97 == 0).count();
    assert_eq!(mark_counts(&view), (n - missing) as u64);
    let marks = mark_total(&view);
    assert!(marks < n - missing, "{marks}");
    assert_eq!(view.html().matches("<circle").count(), marks);
    assert!(
        view.plain()
            .contains(&format!("{} rows without a time", missing))
    );
    assert!(view.plain().contains("events drawn as"), "{}", view.plain());
}

#[test]
fn events_on_one_pixel_merge_into_the_earliest() {
    let times = [Some(10_000), Some(10_001), Some(9_999), Some(500_000), None];
    let lanes = [Some(0), Some(0), Some(0), Some(0), None];
    let domain = Domain::around(times.iter().flatten().copied()).unwrap();
    let marks = merge(&times, &lanes, 1, &domain, None, 4);
    assert_eq!(marks.len(), 2);
    assert_eq!(
        (marks[0].t, marks[0].last, marks[0].count, marks[0].row),
        (9_999, 10_001, 3, 2)
    );
    assert_eq!((marks[1].t, marks[1].count, marks[1].row), (500_000, 1, 3));
    // Values keep the largest.
    let values = [Some(1.0), Some(5.0), Some(2.0), Some(0.0), None];
    let marks = merge(&times, &lanes, 1, &domain, Some(&values), 4);
    assert_eq!(
        (marks[0].t, marks[0].value, marks[0].row, marks[0].count),
        (10_001, 5.0, 1, 3)
    );
}

#[test]
fn too_many_marks_use_a_coarser_grid() {
    // 20 lanes of 3,000 events a second apart: 62,400 cells at 4 per pixel.
    let n = 60_000;
    let times: Vec<Option<i64>> = (0..n).map(|i| Some(i as i64 * 1000)).collect();
    let lanes: Vec<Option<usize>> = (0..n).map(|i| Some(i % 20)).collect();
    let domain = Domain::around(times.iter().flatten().copied()).unwrap();
    let fine = merge(&times, &lanes, 20, &domain, None, 4);
    assert!(fine.len() > MARK_BUDGET);
    let (sets, grid) = merge_within_budget(vec![fine], &domain, false);
    assert_eq!(grid, 1);
    assert!(sets[0].len() <= 20 * PLOT_W_PX);
    assert_eq!(sets[0].iter().map(|m| m.count).sum::<usize>(), n);
    // Coarsening marks gives what merging the rows on that grid gives.
    assert_eq!(sets[0], merge(&times, &lanes, 20, &domain, None, 1));
}

#[test]
fn many_groups_fold_into_other_and_say_so() {
    let n = 300;
    let times: Vec<String> = (0..n).map(|i| at(i as i64)).collect();
    let hosts: Vec<String> = (0..n).map(|i| format!("host{:02}", i % 24)).collect();
    let df = df!("TimeGenerated" => times, "Host" => hosts).unwrap();
    let view = timeline(&df).group_by("Host").build().unwrap();
    let d = data(&view);
    let series = d["series"].as_array().unwrap();
    assert_eq!(series.len(), MAX_LANES);
    let other = series.last().unwrap()["name"].as_str().unwrap();
    assert!(other.starts_with("other ("), "{other}");
    // The "other" lane's events name their group in the tooltip.
    assert_eq!(d["cols"], json!(["Host"]));
    assert_eq!(mark_counts(&view), n as u64);
    assert!(
        view.plain().contains("share the 'other' lane"),
        "{}",
        view.plain()
    );
    assert!(
        view.html().contains("share the &#39;other&#39; lane")
            || view.html().contains("share the 'other' lane")
    );
}

#[test]
fn overlay_gets_its_own_lane_and_tooltip_columns() {
    let df = small();
    let alerts = alerts();
    let view = timeline(&df)
        .group_by("Computer")
        .tooltip(&["Account", "CommandLine"])
        .overlay(&alerts, "Alerts")
        .build()
        .unwrap();
    let d = data(&view);
    assert_eq!(d["series"][0]["name"], "Alerts");
    assert_eq!(d["cols"], json!(["Account", "CommandLine"]));
    // Marks are in drawing order: the overlay's first.
    assert_eq!(d["marks"]["s"][0], 0);
    assert_eq!(d["marks"]["s"][1], 1);
    assert_eq!(d["marks"]["tips"][0][0], "bob");
    assert_eq!(
        d["marks"]["tips"][1][0],
        Value::Null,
        "the overlay has no CommandLine"
    );
    assert!(view.html().contains("class=\"tl-s tl-ov\""));
    assert!(
        view.plain().contains("overlay Alerts  1"),
        "{}",
        view.plain()
    );
    assert_eq!(mark_counts(&view), 7);
}

#[test]
fn reference_marker_is_drawn_and_widens_the_range() {
    let df = small();
    let late = Utc.with_ymd_and_hms(2024, 3, 2, 0, 0, 0).unwrap();
    let view = timeline(&df).ref_time(late, "<alert>").build().unwrap();
    let ms = late.timestamp_millis();
    assert!(view.html().contains(&format!("<line data-t=\"{ms}\"")));
    assert!(view.html().contains("&lt;alert&gt;"));
    assert!(!view.html().contains("<alert>"));
    assert!(data(&view)["t1"].as_i64().unwrap() > ms);
    assert!(
        view.plain()
            .contains("reference '<alert>' at 2024-03-02 00:00:00Z")
    );
}

#[test]
fn repeated_tooltip_values_are_sent_once() {
    let col: Vec<Option<String>> = ["a", "b", "", "a", "a"]
        .iter()
        .map(|v| (!v.is_empty()).then(|| v.to_string()))
        .collect();
    assert_eq!(
        tip_column_json(&col),
        json!({"d": ["a", "b"], "i": [0, 1, null, 0, 0]})
    );
    let unique = vec![Some("a".to_string()), Some("b".to_string())];
    assert_eq!(tip_column_json(&unique), json!(["a", "b"]));
}

#[test]
fn user_text_is_escaped() {
    let view = timeline(&small())
        .group_by("Computer")
        .tooltip(&["CommandLine"])
        .build()
        .unwrap();
    let html = view.html();
    assert!(html.contains("&lt;b&gt;evil&lt;/b&gt;"));
    assert!(!html.contains("<b>evil"));
    assert!(!html.contains("x & y"), "the tooltip data is JSON-escaped");
}

#[test]
fn duration_bars_span_each_group() {
    let df = small();
    let view = timeline_duration(&df, "Computer").build().unwrap();
    let d = data(&view);
    let marks = &d["marks"];
    // Ordered by start: web01 (0s), db01 (90s), <b>evil</b> (1800s).
    let names: Vec<&str> = d["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["web01", "db01", "<b>evil</b>"]);
    let base = DateTime::parse_from_rfc3339(T0).unwrap().timestamp_millis();
    assert_eq!(
        d["t0"].as_i64().unwrap() + marks["t"][0].as_i64().unwrap(),
        base
    );
    assert_eq!(marks["e"][0], 600_000);
    assert_eq!(marks["n"], json!([3, 2, 1]));
    assert_eq!(view.html().matches("class=\"tl-bar\"").count(), 3);
    assert!(
        view.plain()
            .contains("web01        2024-03-01 10:00:00Z to 2024-03-01 10:10:00Z  3 events"),
        "{}",
        view.plain()
    );
    // An end column stretches the bars.
    let df = df!(
        "TimeGenerated" => [at(0), at(10)],
        "EndTime" => [Some(at(100)), None],
        "Host" => ["a", "a"]
    )
    .unwrap();
    let view = timeline_duration(&df, "Host")
        .end_column("EndTime")
        .build()
        .unwrap();
    assert_eq!(data(&view)["marks"]["e"][0], 100_000);
}

#[test]
fn values_draw_every_kind() {
    let df = small();
    let bars = timeline_values(&df, "Bytes")
        .group_by("Computer")
        .build()
        .unwrap();
    assert_eq!(bars.html().matches("<rect x=").count(), 6);
    assert_eq!(
        data(&bars)["marks"]["v"],
        json!([7000.0, 40.0, 10.0, 100.0, 2500.0, 900.0])
    );
    assert_eq!(mark_counts(&bars), 6);
    let line = timeline_values(&df, "Bytes")
        .kind(ValuesKind::Line)
        .build()
        .unwrap();
    assert_eq!(line.html().matches("<polyline").count(), 1);
    assert_eq!(line.html().matches("<circle cx").count(), 6);
    let points = timeline_values(&df, "Bytes")
        .kind(ValuesKind::Points)
        .build()
        .unwrap();
    assert_eq!(points.html().matches("<polyline").count(), 0);
    assert!(
        points.plain().contains("'Bytes' from 10 to 7000"),
        "{}",
        points.plain()
    );
}

#[test]
fn value_axis_is_round() {
    assert_eq!(value_ticks(0.0, 7350.0).len(), 8);
    assert_eq!(
        value_ticks(0.0, 9000.0),
        [0.0, 2000.0, 4000.0, 6000.0, 8000.0]
    );
    assert_eq!(
        value_ticks(0.0, 1.0),
        [0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
    );
    assert_eq!(value_label(2_500_000.0), "2.5M");
    assert_eq!(value_label(20_000.0), "20k");
    assert_eq!(value_label(0.25), "0.25");
    assert_eq!(thousands(1_234_567), "1,234,567");
    assert_eq!(thousands(12), "12");
    assert_eq!(shorten("SRV-APP01.corp.larkmoor.com", 11), "SRV-A…r.com");
    assert_eq!(shorten("CORP\\alice", 20), "CORP\\alice");
}

#[test]
fn snapshot_events() {
    let df = small();
    let alerts = alerts();
    let view = timeline(&df)
        .group_by("Computer")
        .tooltip(&["Account", "CommandLine"])
        .overlay(&alerts, "Alerts")
        .ref_time(
            Utc.with_ymd_and_hms(2024, 3, 1, 10, 15, 0).unwrap(),
            "alert",
        )
        .title("Host activity")
        .build()
        .unwrap();
    insta::assert_snapshot!("timeline_events_plain", view.plain());
    insta::assert_snapshot!("timeline_events_html", markup(view.html()));
}

#[test]
fn snapshot_duration() {
    let view = timeline_duration(&small(), "Account").build().unwrap();
    insta::assert_snapshot!("timeline_duration_plain", view.plain());
    insta::assert_snapshot!("timeline_duration_html", markup(view.html()));
}

#[test]
fn snapshot_values() {
    let view = timeline_values(&small(), "Bytes")
        .group_by("Computer")
        .kind(ValuesKind::Line)
        .tooltip(&["Account"])
        .build()
        .unwrap();
    insta::assert_snapshot!("timeline_values_plain", view.plain());
    insta::assert_snapshot!("timeline_values_html", markup(view.html()));
}
