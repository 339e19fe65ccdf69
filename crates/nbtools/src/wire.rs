//! The line protocol between code running in a cell and the huntrs kernel.
//!
//! Cells run in a child process whose stdout the kernel reads line by line. A line
//! that starts with [`PREFIX`] carries one JSON-encoded [`ChildEvent`]; every other
//! line is ordinary program output. JSON never contains a raw newline, so an event
//! is always exactly one line and cannot interleave with other output.
//!
//! The kernel compiles this same file (it does not link nbtools), so both sides
//! always agree on the format.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Starts every event line: an ASCII record separator and a tag no program prints by accident.
pub const PREFIX: &str = "\u{1e}huntrs-event ";

/// Something a cell asks the kernel to do, or tells it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ChildEvent {
    /// Show a MIME bundle now (`display_data`), or replace an earlier one
    /// (`update_display_data`) when `update` is set.
    Display {
        /// MIME type → value, as Jupyter's `data`.
        data: BTreeMap<String, Value>,
        /// MIME type → metadata, as Jupyter's `metadata`.
        #[serde(default)]
        metadata: BTreeMap<String, Value>,
        /// The id later updates refer to.
        #[serde(default)]
        display_id: Option<String>,
        /// Replace the output that has `display_id` instead of adding one.
        #[serde(default)]
        update: bool,
    },
    /// Clear the cell's output (`clear_output`).
    Clear {
        /// Wait for the next output before clearing, to avoid flicker.
        wait: bool,
    },
    /// User code panicked; the kernel reports it as the cell's error.
    Panic {
        /// The panic message.
        message: String,
        /// `file:line:column` of the panic, when known.
        location: Option<String>,
    },
    /// The cell stopped at an interruption point after an interrupt request.
    Interrupted,
}

impl ChildEvent {
    /// The event as one protocol line, without the trailing newline.
    pub fn to_line(&self) -> String {
        // Serialising these plain maps and strings cannot fail.
        let json = serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"));
        format!("{PREFIX}{json}")
    }

    /// `None` for an ordinary output line; otherwise the decoded event, or why it
    /// could not be decoded.
    pub fn from_line(line: &str) -> Option<Result<ChildEvent, String>> {
        let json = line.strip_prefix(PREFIX)?;
        Some(serde_json::from_str(json).map_err(|e| format!("bad huntrs event ({e}): {json}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_as_single_lines() {
        let events = [
            ChildEvent::Display {
                data: BTreeMap::from([("text/plain".to_owned(), Value::from("a\nb"))]),
                metadata: BTreeMap::new(),
                display_id: Some("d1".to_owned()),
                update: true,
            },
            ChildEvent::Clear { wait: true },
            ChildEvent::Panic {
                message: "boom\nline two".to_owned(),
                location: None,
            },
            ChildEvent::Interrupted,
        ];
        for event in events {
            let line = event.to_line();
            assert!(!line.contains('\n'), "{line}");
            assert_eq!(ChildEvent::from_line(&line), Some(Ok(event)));
        }
        assert_eq!(ChildEvent::from_line("plain output"), None);
        assert!(matches!(
            ChildEvent::from_line(&format!("{PREFIX}{{")),
            Some(Err(_))
        ));
    }
}
