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

/// Starts the prompt of an input request that is a question for the kernel, not the
/// user: `<prefix><seq> state <comm_id>` asks for a comm's current state, answered
/// with one JSON line (`null` for an unknown comm); `listen <comm_id>` asks for the
/// comm's front-end events; `parent` for the running request's message id.
///
/// Questions travel on evcxr's input channel, comm events on stdout; `<seq>` is the
/// number of comm events the cell process had sent when it asked, and the engine
/// answers only after it has passed that many on, so an answer never misses a change
/// the cell made just before. Prompts hold no `:` (evcxr's separator).
pub const KERNEL_QUERY_PREFIX: &str = "\u{1e}huntrs-query ";

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
    /// Library code ended the cell with an error the user should read (a failed magic,
    /// a query error): the kernel reports it as the cell's error, named `ename`.
    CellError {
        /// The kind of error (`KqlError`, `MagicError`, ...).
        ename: String,
        /// The message, possibly several lines.
        evalue: String,
    },
    /// A `?` at the top level of the cell returned an error. evcxr printed the error on
    /// stderr; the kernel reports the cell as failed with that text. Sent by the
    /// kernel's watcher on the cell process's stdout, not by library code.
    QuestionMarkError,
    /// Open a comm from the kernel side (`comm_open` on IOPub).
    CommOpen {
        /// The new comm's id.
        comm_id: String,
        /// Its target (`jupyter.widget`).
        target_name: String,
        /// The open message's `data` (for widgets: `state` and `buffer_paths`).
        data: Value,
        /// The open message's `metadata` (for widgets: the protocol `version`).
        #[serde(default)]
        metadata: Value,
        /// Front-end messages to this comm run the cell process's comm dispatcher,
        /// so callbacks registered there see them.
        #[serde(default)]
        listen: bool,
        /// This event's number among the cell process's comm events (from 1).
        #[serde(default)]
        seq: u64,
    },
    /// A message on an open comm (`comm_msg`), e.g. a widget state `update`.
    CommMsg {
        /// The comm.
        comm_id: String,
        /// The message's `data`.
        data: Value,
        /// See `CommOpen::seq`.
        #[serde(default)]
        seq: u64,
    },
    /// Close a comm (`comm_close`).
    CommClose {
        /// The comm.
        comm_id: String,
        /// See `CommOpen::seq`.
        #[serde(default)]
        seq: u64,
    },
}

/// The question in an input prompt that is a kernel query (see
/// [`KERNEL_QUERY_PREFIX`]), or `None` for a prompt meant for the user.
pub fn kernel_query(prompt: &str) -> Option<&str> {
    let tag = KERNEL_QUERY_PREFIX.trim_start_matches('\u{1e}');
    prompt.trim_start_matches('\u{1e}').strip_prefix(tag)
}

/// Splits a kernel query into the comm-event count it waits for and the question.
pub fn split_query_seq(query: &str) -> (u64, &str) {
    match query.split_once(' ') {
        Some((seq, rest)) if seq.bytes().all(|b| b.is_ascii_digit()) && !seq.is_empty() => {
            (seq.parse().unwrap_or(0), rest)
        }
        _ => (0, query),
    }
}

impl ChildEvent {
    /// The comm event's sequence number (`None` for other events).
    pub fn comm_seq(&self) -> Option<u64> {
        match self {
            ChildEvent::CommOpen { seq, .. }
            | ChildEvent::CommMsg { seq, .. }
            | ChildEvent::CommClose { seq, .. } => Some(*seq),
            _ => None,
        }
    }

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
            ChildEvent::CommOpen {
                comm_id: "c1".to_owned(),
                target_name: "jupyter.widget".to_owned(),
                data: serde_json::json!({"state": {"value": "a\nb"}, "buffer_paths": []}),
                metadata: serde_json::json!({"version": "2.1.0"}),
                listen: true,
                seq: 1,
            },
            ChildEvent::CommMsg {
                comm_id: "c1".to_owned(),
                data: serde_json::json!({"method": "update", "state": {"value": 2}}),
                seq: 2,
            },
            ChildEvent::CommClose {
                comm_id: "c1".to_owned(),
                seq: 3,
            },
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
