"""The investigation widgets (nbtools::widgets::{QueryTime, SelectAlert, ...}) at the
message level, through jupyter_client: a front-end change to one of their controls
is what the next cell reads; a keyed widget survives re-running its cell; a secret
never travels to the front end or into the saved widget state.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from huntrs_testing import (
    VIEW_MIME,
    CELL_TIMEOUT,
    collect_iopub,
    run_ok,
    send_shell,
    shown_model,
    start_kernel,
    stop_kernel,
)

@pytest.fixture(scope="module")
def kernel():
    km, kc = start_kernel()
    try:
        yield kc
    finally:
        stop_kernel(km, kc)


def models(cell) -> dict[str, dict[str, Any]]:
    """Every model the cell opened, by comm id: the opening state plus later updates."""
    found: dict[str, dict[str, Any]] = {}
    for msg in cell.outputs:
        content = msg["content"]
        if msg["msg_type"] == "comm_open":
            found[content["comm_id"]] = dict(content["data"]["state"])
        elif msg["msg_type"] == "comm_msg" and content["comm_id"] in found:
            found[content["comm_id"]].update(content["data"].get("state", {}))
    return found


def model_id(cell, model_name: str, **wanted: Any) -> str:
    ids = [i for i, s in models(cell).items() if s["_model_name"] == model_name
           and all(s.get(k) == v for k, v in wanted.items())]
    assert len(ids) == 1, (model_name, wanted, ids)
    return ids[0]


def front_end_update(kc, comm_id: str, state: dict[str, Any]) -> list[dict[str, Any]]:
    msg_id = send_shell(kc, "comm_msg", {
        "comm_id": comm_id, "data": {"method": "update", "state": state, "buffer_paths": []},
    })
    messages = collect_iopub(kc, msg_id, CELL_TIMEOUT)
    errors = [m for m in messages if m["msg_type"] == "error"]
    assert not errors, errors
    return messages


QUERY_TIME = """
use nbtools::data::chrono::{TimeZone, Utc};
let qt = nbtools::widgets::QueryTime::new()
    .with_origin(Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap())
    .with_before(2)
    .with_after(0);
qt
"""


def test_query_time_reads_the_users_before_and_units(kernel):
    cell = run_ok(kernel, QUERY_TIME)
    result = cell.of_type("execute_result")[0]["content"]["data"]
    assert "2024-03-01 10:00:00 to 2024-03-01 12:00:00" in result["text/plain"]
    assert shown_model(cell) == model_id(cell, "VBoxModel")
    before = model_id(cell, "IntSliderModel", description="Before")
    messages = front_end_update(kernel, before, {"value": 5})
    # The callback refreshed the shown range (an update to the HTML model).
    assert "2024-03-01 07:00:00" in json.dumps([m["content"] for m in messages])
    read = run_ok(kernel, "qt.start().to_rfc3339()")
    assert read.result == '"2024-03-01T07:00:00+00:00"', read.describe()
    units = model_id(cell, "DropdownModel", description="Units")
    front_end_update(kernel, units, {"index": 2})
    read = run_ok(kernel, "(qt.units().name(), qt.before(), qt.time_range().to_kql())")
    assert read.result.startswith('("Day", 1, "between (datetime(2024-02-29T12:00:00Z)'), read.describe()


def test_a_keyed_widget_survives_rerunning_its_cell(kernel):
    code = 'let lb = nbtools::widgets::Lookback::new().key("py-rerun");\nlb'
    cell = run_ok(kernel, code)
    slider = model_id(cell, "IntSliderModel")
    front_end_update(kernel, slider, {"value": 17})
    again = run_ok(kernel, code)
    closed = {m["content"]["comm_id"] for m in again.of_type("comm_close")}
    assert slider in closed, "the old models are closed"
    new_slider = model_id(again, "IntSliderModel")
    assert models(again)[new_slider]["value"] == 17
    read = run_ok(kernel, "lb.value()")
    assert read.result == "17", read.describe()


SELECT_ALERT = """
let sel = {
    let tables = data::sample::tables(&data::sample::SampleOptions::default()).unwrap();
    let alerts = &tables.iter().find(|(name, _)| *name == "SecurityAlert").unwrap().1;
    nbtools::widgets::SelectAlert::from_df(alerts).unwrap()
};
sel
"""


def test_select_alert_selection_is_read_by_the_next_cell(kernel):
    cell = run_ok(kernel, SELECT_ALERT, timeout=CELL_TIMEOUT * 2)
    select = model_id(cell, "SelectModel")
    labels = models(cell)[select]["_options_labels"]
    assert len(labels) > 1
    messages = front_end_update(kernel, select, {"index": 1})
    updates = [m for m in messages if m["msg_type"] == "comm_msg"
               and m["content"]["data"].get("state", {}).get("outputs")]
    assert updates, "the alert view went into the Output widget"
    read = run_ok(kernel, "sel.selected().unwrap().title().unwrap().to_string()")
    title = json.loads(read.result)
    assert title and title in labels[1], (title, labels[1])


def test_session_browser_lists_sample_sessions(kernel):
    code = """
let sessions = {
    let tables = data::sample::tables(&data::sample::SampleOptions::default()).unwrap();
    let events = &tables.iter().find(|(name, _)| *name == "SecurityEvent").unwrap().1;
    nbtools::widgets::SessionBrowser::new(events).unwrap()
};
sessions
"""
    cell = run_ok(kernel, code, timeout=CELL_TIMEOUT * 2)
    select = model_id(cell, "SelectModel")
    assert models(cell)[select]["_options_labels"]
    read = run_ok(kernel, "sessions.selected().is_some() && sessions.processes().is_ok()")
    assert read.result == "true", read.describe()


def test_environment_key_never_sends_or_saves_the_secret(kernel):
    code = """
unsafe { std::env::set_var("HUNTRS_PY_SECRET", ["env-secret", "-value-42"].concat()) };
let key = nbtools::widgets::GetEnvironmentKey::new("HUNTRS_PY_SECRET");
key
"""
    cell = run_ok(kernel, code)
    assert "env-secret-value-42" not in json.dumps([m["content"] for m in cell.iopub])
    box = model_id(cell, "PasswordModel")
    assert models(cell)[box]["value"] == ""
    assert "is set (hidden)" in models(cell)[box]["placeholder"]
    front_end_update(kernel, box, {"value": "typed-secret-77"})
    read = run_ok(kernel, 'key.value().as_deref() == Some("typed-secret-77")')
    assert read.result == "true", read.describe()
    assert "typed-secret-77" not in json.dumps([m["content"] for m in read.outputs if m["msg_type"] != "execute_input"])
    # The kernel's mirror (what request_states answers and notebooks save) is clean.
    send_shell(kernel, "comm_open", {"comm_id": "ctl-sec", "target_name": "jupyter.widget.control", "data": {}})
    msg_id = send_shell(kernel, "comm_msg", {"comm_id": "ctl-sec", "data": {"method": "request_states"}})
    answers = [m for m in collect_iopub(kernel, msg_id, CELL_TIMEOUT) if m["msg_type"] == "comm_msg"]
    assert answers
    states = json.dumps(answers[0]["content"]["data"]["states"])
    assert box in states
    assert "typed-secret-77" not in states and "env-secret-value-42" not in states


def test_security_widget_models_validate_against_ipywidgets(kernel):
    from ipywidgets.widgets.widget import _registry

    code = """
let parts = (
    nbtools::widgets::GetEnvironmentKey::new("HUNTRS_PY_OTHER"),
    nbtools::widgets::OptionButtons::new("Go?", &["Yes", "No"]),
    nbtools::widgets::SelectSubset::new(&["a", "b"]),
    nbtools::widgets::GetText::new("Host:"),
);
parts.0
"""
    cell = run_ok(kernel, code)
    for comm_id, state in models(cell).items():
        key = (state["_model_module"], state["_model_module_version"], state["_model_name"],
               state["_view_module"], state["_view_module_version"], state["_view_name"])
        cls = _registry.get(*key)
        labels = state.pop("_options_labels", None)
        widget = cls(options=labels) if labels is not None else cls()
        unknown = set(state) - set(widget.keys) - {"_options_labels"}
        assert not unknown, (state["_model_name"], unknown)
        for name in [k for k in state if k.startswith(("_model", "_view"))] + ["layout", "style", "children"]:
            state.pop(name, None)
        widget.set_state(state)
        widget.close()
