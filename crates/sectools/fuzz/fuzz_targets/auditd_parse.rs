//! auditd parsing never panics and loses no line: each is a record or an issue. The
//! table read straight from the text, whole or in parts, equals the one built from
//! the events.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let log = sectools::parse_auditd(text);
    let records: usize = log.events.iter().map(|e| e.records.len()).sum();
    let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(records + log.issues.len(), lines);
    for event in &log.events {
        let _ = event.cmdline();
    }
    let from_events = log.to_df().expect("the events' table");
    for threads in [1, 2, 3] {
        let frame = sectools::auditd_frame_threads(text, threads).expect("the table from the text");
        assert_eq!(frame.issues, log.issues);
        assert!(frame.df.equals_missing(&from_events));
    }
});
