//! The comm manager: every open comm, and for widgets a mirror of the model state.
//!
//! Cells open widget comms (`jupyter.widget`) through [`ChildEvent`]s; the front end
//! changes their state with `comm_msg` updates. The mirror here is what the cell
//! process reads back (a [`KERNEL_QUERY_PREFIX`] query), what `request_state` and
//! the `jupyter.widget.control` comm's `request_states` are answered from, and what
//! `huntrs run` saves into a notebook's widget-state metadata.
//!
//! [`ChildEvent`]: crate::wire::ChildEvent
//! [`KERNEL_QUERY_PREFIX`]: crate::wire::KERNEL_QUERY_PREFIX

use std::collections::BTreeMap;

use base64::Engine as _;
use bytes::Bytes;
use serde_json::{Map, Value, json};

/// Widget models' comm target.
pub const WIDGET_TARGET: &str = "jupyter.widget";
/// The target JupyterLab opens to restore every widget after a page reload.
pub const CONTROL_TARGET: &str = "jupyter.widget.control";

/// One open comm.
#[derive(Debug, Clone, Default)]
struct Comm {
    target_name: String,
    /// Widget model state (empty for other targets).
    state: Map<String, Value>,
    /// Binary values, by their path in the state (ipywidgets' `buffer_paths`).
    buffers: Vec<(Vec<Value>, Bytes)>,
    /// Front-end messages run the cell process's dispatcher.
    listen: bool,
}

/// What the kernel should do with a front-end `comm_msg`.
#[derive(Debug, Clone, PartialEq)]
pub enum FrontEndAction {
    /// Nothing more (unknown comm, or a message with no effect).
    Nothing,
    /// Publish these `comm_msg` data on IOPub, parented to the request, and, when
    /// `dispatch` holds an event, hand it to the cell process.
    Reply {
        /// `comm_msg` data to publish (echo_update, update or update_states).
        publish: Vec<(String, Value, Vec<Bytes>)>,
        /// The event for the cell process's dispatcher.
        dispatch: Option<Value>,
    },
}

/// Every open comm by id.
#[derive(Debug, Default)]
pub struct Comms {
    comms: BTreeMap<String, Comm>,
    /// `listen` queries for comms whose `comm_open` is still on its way (a cell's
    /// events and its queries travel separately).
    pending_listen: std::collections::BTreeSet<String>,
}

impl Comms {
    /// Records a comm the cell process opened.
    pub fn opened_by_kernel(
        &mut self,
        comm_id: &str,
        target_name: &str,
        data: &Value,
        listen: bool,
    ) {
        let state = data
            .get("state")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        self.comms.insert(
            comm_id.to_owned(),
            Comm {
                target_name: target_name.to_owned(),
                state,
                buffers: Vec::new(),
                listen: listen || self.pending_listen.remove(comm_id),
            },
        );
    }

    /// Records a message the cell process sent on a comm (its own state updates).
    pub fn sent_by_kernel(&mut self, comm_id: &str, data: &Value) {
        if let Some(comm) = self.comms.get_mut(comm_id)
            && data.get("method").and_then(Value::as_str) == Some("update")
            && let Some(state) = data.get("state").and_then(Value::as_object)
        {
            merge(&mut comm.state, state);
        }
    }

    /// Forgets a comm (closed by either side). Returns whether the cell process
    /// listens to it, so it can be told.
    pub fn closed(&mut self, comm_id: &str) -> bool {
        self.comms.remove(comm_id).is_some_and(|c| c.listen)
    }

    /// A front end opened a comm: the widget control comm is kept; any other target
    /// is refused (the caller sends `comm_close`). Returns whether it was kept.
    pub fn opened_by_front_end(&mut self, comm_id: &str, target_name: &str) -> bool {
        if target_name != CONTROL_TARGET {
            return false;
        }
        self.comms.insert(
            comm_id.to_owned(),
            Comm {
                target_name: target_name.to_owned(),
                ..Comm::default()
            },
        );
        true
    }

    /// Applies a front-end `comm_msg` and says what to send back.
    pub fn apply_front_end(
        &mut self,
        comm_id: &str,
        data: &Map<String, Value>,
        buffers: &[Bytes],
    ) -> FrontEndAction {
        let Some(comm) = self.comms.get_mut(comm_id) else {
            return FrontEndAction::Nothing;
        };
        let method = data.get("method").and_then(Value::as_str).unwrap_or("");
        if comm.target_name == CONTROL_TARGET {
            if method != "request_states" {
                return FrontEndAction::Nothing;
            }
            let (data, buffers) = self.update_states();
            return FrontEndAction::Reply {
                publish: vec![(comm_id.to_owned(), data, buffers)],
                dispatch: None,
            };
        }
        match method {
            "update" => {
                let Some(state) = data.get("state").and_then(Value::as_object) else {
                    return FrontEndAction::Nothing;
                };
                merge(&mut comm.state, state);
                let paths: Vec<Vec<Value>> = data
                    .get("buffer_paths")
                    .and_then(Value::as_array)
                    .map(|paths| paths.iter().filter_map(|p| p.as_array().cloned()).collect())
                    .unwrap_or_default();
                for (path, buffer) in paths.iter().zip(buffers) {
                    comm.buffers.retain(|(p, _)| p != path);
                    comm.buffers.push((path.clone(), buffer.clone()));
                }
                let echo = json!({
                    "method": "echo_update",
                    "state": state,
                    "buffer_paths": paths,
                });
                let dispatch = comm
                    .listen
                    .then(|| json!({"comm_id": comm_id, "method": "update", "state": state}));
                FrontEndAction::Reply {
                    publish: vec![(comm_id.to_owned(), echo, buffers.to_vec())],
                    dispatch,
                }
            }
            "request_state" => {
                let (paths, buffers): (Vec<_>, Vec<_>) = comm.buffers.iter().cloned().unzip();
                let update = json!({
                    "method": "update",
                    "state": comm.state,
                    "buffer_paths": paths,
                });
                FrontEndAction::Reply {
                    publish: vec![(comm_id.to_owned(), update, buffers)],
                    dispatch: None,
                }
            }
            "custom" => {
                let dispatch = comm.listen.then(|| {
                    json!({"comm_id": comm_id, "method": "custom",
                           "content": data.get("content").cloned().unwrap_or(Value::Null)})
                });
                FrontEndAction::Reply {
                    publish: Vec::new(),
                    dispatch,
                }
            }
            _ => FrontEndAction::Nothing,
        }
    }

    /// A comm's state as the cell process reads it: binary values as base64 text.
    pub fn state(&self, comm_id: &str) -> Option<Value> {
        let comm = self.comms.get(comm_id)?;
        let mut state = Value::Object(comm.state.clone());
        for (path, bytes) in &comm.buffers {
            let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
            set_path(&mut state, path, Value::String(encoded));
        }
        Some(state)
    }

    /// Answers a [`KERNEL_QUERY_PREFIX`](crate::wire::KERNEL_QUERY_PREFIX) query
    /// (the part after the prefix): one JSON line.
    pub fn answer(&mut self, query: &str) -> String {
        match query.split_once(' ') {
            Some(("state", comm_id)) => self
                .state(comm_id.trim())
                .unwrap_or(Value::Null)
                .to_string(),
            Some(("listen", comm_id)) => {
                // Callbacks were registered: front-end events now go to the cell process.
                match self.comms.get_mut(comm_id.trim()) {
                    Some(comm) => comm.listen = true,
                    None => {
                        self.pending_listen.insert(comm_id.trim().to_owned());
                    }
                }
                Value::Bool(true).to_string()
            }
            _ => json!({"error": format!("unknown kernel query '{query}'")}).to_string(),
        }
    }

    /// `comm_info_reply`'s `comms`: id → target, optionally for one target only.
    pub fn info(&self, target_name: Option<&str>) -> Value {
        let comms: Map<String, Value> = self
            .comms
            .iter()
            .filter(|(_, c)| target_name.is_none_or(|t| t.is_empty() || c.target_name == t))
            .map(|(id, c)| (id.clone(), json!({"target_name": c.target_name})))
            .collect();
        Value::Object(comms)
    }

    /// The `update_states` message for the control comm: every widget's full state.
    fn update_states(&self) -> (Value, Vec<Bytes>) {
        let mut states = Map::new();
        let mut paths = Vec::new();
        let mut buffers = Vec::new();
        for (id, comm) in self.widgets() {
            states.insert(id.clone(), model_entry(comm));
            for (path, bytes) in &comm.buffers {
                let mut full = vec![Value::String(id.clone())];
                full.extend(path.iter().cloned());
                paths.push(Value::Array(full));
                buffers.push(bytes.clone());
            }
        }
        (
            json!({"method": "update_states", "states": states, "buffer_paths": paths}),
            buffers,
        )
    }

    /// Notebook metadata `widgets["application/vnd.jupyter.widget-state+json"]`: the
    /// state of every open widget (binary values base64-encoded, as nbformat stores them).
    pub fn notebook_state(&self) -> Option<Value> {
        let states: Map<String, Value> = self
            .widgets()
            .map(|(id, comm)| {
                let mut entry = model_entry(comm);
                if !comm.buffers.is_empty() {
                    let buffers: Vec<Value> = comm
                        .buffers
                        .iter()
                        .map(|(path, bytes)| {
                            json!({"path": path, "encoding": "base64",
                                   "data": base64::engine::general_purpose::STANDARD.encode(bytes)})
                        })
                        .collect();
                    entry["buffers"] = Value::Array(buffers);
                }
                (id.clone(), entry)
            })
            .collect();
        (!states.is_empty())
            .then(|| json!({"version_major": 2, "version_minor": 0, "state": states}))
    }

    fn widgets(&self) -> impl Iterator<Item = (&String, &Comm)> {
        self.comms
            .iter()
            .filter(|(_, c)| c.target_name == WIDGET_TARGET)
    }
}

/// `{model_name, model_module, model_module_version, state}` for one widget.
fn model_entry(comm: &Comm) -> Value {
    let text = |key: &str| comm.state.get(key).cloned().unwrap_or(Value::Null);
    json!({
        "model_name": text("_model_name"),
        "model_module": text("_model_module"),
        "model_module_version": text("_model_module_version"),
        "state": comm.state,
    })
}

fn merge(state: &mut Map<String, Value>, update: &Map<String, Value>) {
    for (key, value) in update {
        state.insert(key.clone(), value.clone());
    }
}

/// Sets `value` at `path` (object keys and array indexes) inside `root`.
fn set_path(root: &mut Value, path: &[Value], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = root;
    for step in parents {
        let next = match (step, node) {
            (Value::String(key), Value::Object(obj)) => obj.get_mut(key),
            (Value::Number(n), Value::Array(items)) => {
                n.as_u64().and_then(|i| items.get_mut(i as usize))
            }
            _ => None,
        };
        match next {
            Some(next) => node = next,
            None => return,
        }
    }
    match (last, node) {
        (Value::String(key), Value::Object(obj)) => {
            obj.insert(key.clone(), value);
        }
        (Value::Number(n), Value::Array(items)) => {
            if let Some(slot) = n.as_u64().and_then(|i| items.get_mut(i as usize)) {
                *slot = value;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slider() -> Comms {
        let mut comms = Comms::default();
        comms.opened_by_kernel(
            "w1",
            WIDGET_TARGET,
            &json!({"state": {"_model_name": "IntSliderModel", "_model_module": "@jupyter-widgets/controls",
                               "_model_module_version": "2.0.0", "value": 1}, "buffer_paths": []}),
            true,
        );
        comms
    }

    #[test]
    fn front_end_updates_are_mirrored_echoed_and_dispatched() {
        let mut comms = slider();
        let data = json!({"method": "update", "state": {"value": 7}, "buffer_paths": []});
        let action = comms.apply_front_end("w1", data.as_object().unwrap(), &[]);
        let FrontEndAction::Reply { publish, dispatch } = action else {
            panic!("no reply")
        };
        assert_eq!(publish[0].1["method"], "echo_update");
        assert_eq!(publish[0].1["state"]["value"], 7);
        assert_eq!(dispatch.unwrap()["state"]["value"], 7);
        assert_eq!(comms.state("w1").unwrap()["value"], 7);
        assert_eq!(
            comms.answer("state w1"),
            comms.state("w1").unwrap().to_string()
        );
        assert_eq!(comms.answer("state nope"), "null");
    }

    #[test]
    fn kernel_updates_change_the_mirror_and_request_state_returns_it() {
        let mut comms = slider();
        comms.sent_by_kernel("w1", &json!({"method": "update", "state": {"value": 3}}));
        let action = comms.apply_front_end(
            "w1",
            json!({"method": "request_state"}).as_object().unwrap(),
            &[],
        );
        let FrontEndAction::Reply { publish, dispatch } = action else {
            panic!("no reply")
        };
        assert_eq!(publish[0].1["state"]["value"], 3);
        assert!(dispatch.is_none());
    }

    #[test]
    fn control_comm_answers_every_widget_state_and_others_are_refused() {
        let mut comms = slider();
        assert!(!comms.opened_by_front_end("x", "some.target"));
        assert!(comms.opened_by_front_end("ctl", CONTROL_TARGET));
        let action = comms.apply_front_end(
            "ctl",
            json!({"method": "request_states"}).as_object().unwrap(),
            &[],
        );
        let FrontEndAction::Reply { publish, .. } = action else {
            panic!("no reply")
        };
        let states = &publish[0].1["states"];
        assert_eq!(states["w1"]["model_name"], "IntSliderModel");
        assert_eq!(states["w1"]["state"]["value"], 1);
        assert_eq!(
            comms.info(Some(WIDGET_TARGET)),
            json!({"w1": {"target_name": "jupyter.widget"}})
        );
        assert_eq!(comms.info(None).as_object().unwrap().len(), 2);
        assert!(comms.closed("w1"));
        assert!(comms.notebook_state().is_none());
    }

    #[test]
    fn listening_may_be_asked_before_the_open_arrives() {
        let mut comms = Comms::default();
        assert_eq!(comms.answer("listen w9"), "true");
        comms.opened_by_kernel("w9", WIDGET_TARGET, &json!({"state": {}}), false);
        let action = comms.apply_front_end(
            "w9",
            json!({"method": "custom", "content": {"event": "click"}})
                .as_object()
                .unwrap(),
            &[],
        );
        let FrontEndAction::Reply { dispatch, .. } = action else {
            panic!("no reply")
        };
        assert_eq!(dispatch.unwrap()["content"]["event"], "click");
    }

    #[test]
    fn binary_buffers_are_kept_by_path() {
        let mut comms = slider();
        let data = json!({"method": "update", "state": {"img": {"value": null}}, "buffer_paths": [["img", "value"]]});
        comms.apply_front_end(
            "w1",
            data.as_object().unwrap(),
            &[Bytes::from_static(b"\x89PNG")],
        );
        assert_eq!(comms.state("w1").unwrap()["img"]["value"], "iVBORw==");
        let saved = comms.notebook_state().unwrap();
        assert_eq!(saved["state"]["w1"]["buffers"][0]["data"], "iVBORw==");
    }
}
