//! auditd parsing never panics and loses no line: each is a record or an issue.
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
});
