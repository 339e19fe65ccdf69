"""Widgets at the message level, through jupyter_client: the kernel speaks the
ipywidgets 8 comm protocol (widgets.md in the design notes).

- comm_open (protocol version 2.1.0) comes before the display that shows the model,
  and every model it refers to is opened before it;
- a front-end `update` gets an `echo_update` and busy/idle parented to it, and the
  next cell reads the new value;
- a button click runs the Rust callback, whose output is parented to the click;
- comm_info lists live comms; unknown targets are closed; the control comm answers
  `request_states`;
- every model's state is accepted by ipywidgets itself (the Python widget class
  registered for that model validates each value).
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
    wait_reply,
)

@pytest.fixture(scope="module")
def kernel():
    km, kc = start_kernel()
    try:
        yield kc
    finally:
        stop_kernel(km, kc)


def iopub_for(kc, msg_id: str) -> list[dict[str, Any]]:
    return collect_iopub(kc, msg_id, CELL_TIMEOUT)


def opened(cell) -> list[dict[str, Any]]:
    return cell.of_type("comm_open")


def test_comm_open_precedes_the_display_and_references_resolve(kernel):
    cell = run_ok(kernel, 'let sev = nbtools::widgets::Dropdown::new(&["Low", "Medium", "High"])'
                          '.with_description("Severity");\nsev')
    opens = opened(cell)
    assert len(opens) == 3, "layout, style, dropdown"
    for msg in opens:
        assert msg["metadata"]["version"] == "2.1.0"
        assert msg["content"]["target_name"] == "jupyter.widget"
    model_id = shown_model(cell)
    order = [m["msg_type"] for m in cell.outputs]
    assert order.index("comm_open") < order.index("execute_result"), order
    state = opens[-1]["content"]["data"]["state"]
    assert opens[-1]["content"]["comm_id"] == model_id
    assert state["_options_labels"] == ["Low", "Medium", "High"]
    seen = set()
    for msg in opens:
        for ref in ("layout", "style"):
            value = msg["content"]["data"]["state"].get(ref)
            if value is not None:
                assert value.removeprefix("IPY_MODEL_") in seen, f"{ref} opened after its user"
        seen.add(msg["content"]["comm_id"])
    text = cell.of_type("execute_result")[0]["content"]["data"]
    assert "text/plain" in text and "text/html" in text, "static fallbacks"


def test_front_end_update_is_echoed_and_read_by_the_next_cell(kernel):
    cell = run_ok(kernel, 'let pick = nbtools::widgets::Dropdown::new(&["a", "b", "c"]);\npick')
    model_id = shown_model(cell)
    msg_id = send_shell(kernel, "comm_msg", {
        "comm_id": model_id,
        "data": {"method": "update", "state": {"index": 2}, "buffer_paths": []},
    })
    messages = iopub_for(kernel, msg_id)
    kinds = [m["msg_type"] for m in messages]
    assert kinds[0] == "status" and messages[0]["content"]["execution_state"] == "busy", kinds
    assert kinds[-1] == "status" and messages[-1]["content"]["execution_state"] == "idle", kinds
    echoes = [m for m in messages if m["msg_type"] == "comm_msg"]
    assert echoes and echoes[0]["content"]["data"]["method"] == "echo_update"
    assert echoes[0]["content"]["data"]["state"] == {"index": 2}
    read = run_ok(kernel, "pick.value().unwrap()")
    assert read.result == '"c"', read.describe()


def test_button_callback_output_is_parented_to_the_click(kernel):
    code = (
        "let go = nbtools::widgets::Button::new(\"Go\");\n"
        "let out = nbtools::widgets::Output::new();\n"
        "{ let out = out.clone(); go.on_click(move || { out.append_stdout(\"clicked\\n\"); "
        "println!(\"callback ran\"); }); }\n"
        "go"
    )
    cell = run_ok(kernel, code)
    button = shown_model(cell)
    msg_id = send_shell(kernel, "comm_msg", {
        "comm_id": button, "data": {"method": "custom", "content": {"event": "click"}},
    })
    messages = iopub_for(kernel, msg_id)
    text = "".join(m["content"]["text"] for m in messages if m["msg_type"] == "stream")
    assert "callback ran" in text, [m["msg_type"] for m in messages]
    updates = [m for m in messages if m["msg_type"] == "comm_msg"]
    assert any(u["content"]["data"]["state"].get("outputs") for u in updates), \
        "the Output widget got the callback's text"
    read = run_ok(kernel, "out.outputs().len()")
    assert read.result == "1", read.describe()


def test_comm_info_lists_widgets_and_unknown_targets_are_closed(kernel):
    cell = run_ok(kernel, "let flag = nbtools::widgets::Checkbox::new(true);\nflag")
    model_id = shown_model(cell)
    msg_id = send_shell(kernel, "comm_info_request", {"target_name": "jupyter.widget"})
    reply = wait_reply(kernel, msg_id)
    comms = reply["content"]["comms"]
    assert comms[model_id] == {"target_name": "jupyter.widget"}
    msg_id = send_shell(kernel, "comm_open", {"comm_id": "not-ours", "target_name": "no.such.target", "data": {}})
    closes = [m for m in iopub_for(kernel, msg_id) if m["msg_type"] == "comm_close"]
    assert closes and closes[0]["content"]["comm_id"] == "not-ours"


def test_control_comm_answers_request_states(kernel):
    cell = run_ok(kernel, "let slider = nbtools::widgets::IntSlider::new(4, 0, 10);\nslider")
    model_id = shown_model(cell)
    open_id = send_shell(kernel, "comm_open", {"comm_id": "ctl-1", "target_name": "jupyter.widget.control", "data": {}})
    assert not [m for m in iopub_for(kernel, open_id) if m["msg_type"] == "comm_close"]
    msg_id = send_shell(kernel, "comm_msg", {"comm_id": "ctl-1", "data": {"method": "request_states"}})
    answers = [m for m in iopub_for(kernel, msg_id) if m["msg_type"] == "comm_msg"]
    assert answers, "no update_states"
    data = answers[0]["content"]["data"]
    assert data["method"] == "update_states"
    entry = data["states"][model_id]
    assert entry["model_name"] == "IntSliderModel"
    assert entry["state"]["value"] == 4


ALL_CONTROLS = r"""
use nbtools::widgets::*;
let label = Label::new("x");
let html = Html::new("<b>x</b>");
let text = Text::new("t").with_placeholder("type");
let area = Textarea::new("a");
let dd = Dropdown::new(&["a", "b"]);
let sel = Select::new(&["a", "b"]).with_rows(3);
let multi = SelectMultiple::new(&["a", "b"]);
let date = DatePicker::new(nbtools::data::chrono::NaiveDate::from_ymd_opt(2024, 1, 31));
let when = DatetimePicker::new(nbtools::data::chrono::NaiveDate::from_ymd_opt(2024, 6, 1).and_then(|d| d.and_hms_opt(13, 5, 0)));
let int = IntSlider::new(5, 0, 10);
let float = FloatSlider::new(0.5, 0.0, 1.0, 0.1);
let check = Checkbox::new(true);
let button = Button::new("Go").with_style("primary");
let out = Output::new();
let bar = Progress::new(0.0, 10.0);
let tab = Container::tab(&[label.widget(), html.widget()], &["one", "two"]);
let acc = Container::accordion(&[text.widget()], &["t"]);
let all = Container::vbox(&[area.widget(), dd.widget(), sel.widget(), multi.widget(), date.widget(),
    when.widget(), int.widget(), float.widget(), check.widget(), button.widget(), out.widget(),
    bar.widget(), tab.widget(), acc.widget()]);
all
"""


def test_every_model_state_validates_against_ipywidgets(kernel):
    from ipywidgets.widgets.widget import _registry

    cell = run_ok(kernel, ALL_CONTROLS)
    opens = opened(cell)
    models = {m["content"]["data"]["state"]["_model_name"] for m in opens}
    for wanted in ("LabelModel", "HTMLModel", "TextModel", "TextareaModel", "DropdownModel", "SelectModel",
                   "SelectMultipleModel", "DatePickerModel", "NaiveDatetimeModel", "IntSliderModel",
                   "FloatSliderModel", "CheckboxModel", "ButtonModel", "OutputModel", "FloatProgressModel",
                   "VBoxModel", "TabModel", "AccordionModel", "LayoutModel"):
        assert wanted in models, f"{wanted} not opened; opened: {sorted(models)}"
    ids = set()
    for msg in opens:
        state = dict(msg["content"]["data"]["state"])
        key = (state["_model_module"], state["_model_module_version"], state["_model_name"],
               state["_view_module"], state["_view_module_version"], state["_view_name"])
        cls = _registry.get(*key)
        # Selection models sync labels; ipywidgets derives them from `options`.
        labels = state.pop("_options_labels", None)
        if labels is not None:
            widget = cls(options=labels)
        elif "children" in state:
            # Containers check selected_index against their children: stand-ins.
            import ipywidgets

            widget = cls(children=[ipywidgets.Label() for _ in state["children"]])
        else:
            widget = cls()
        if labels is not None:
            assert list(widget.get_state("_options_labels")["_options_labels"]) == labels
            state_keys = set(state) | {"_options_labels"}
        else:
            state_keys = set(state)
        synced = set(widget.keys)
        unknown = state_keys - synced
        assert not unknown, f"{state['_model_name']}: keys ipywidgets does not know: {unknown}"
        # References must name models opened earlier; the rest ipywidgets validates.
        for ref_key in ("layout", "style", "children"):
            refs = state.pop(ref_key, None)
            for ref in refs if isinstance(refs, list) else ([refs] if refs else []):
                assert ref.startswith("IPY_MODEL_") and ref.removeprefix("IPY_MODEL_") in ids, (state, ref)
        for meta in [k for k in state if k.startswith("_model") or k.startswith("_view")]:
            state.pop(meta)
        widget.set_state(state)  # raises TraitError on any invalid value
        for name, value in state.items():
            # What ipywidgets would send back for the value it accepted is what we sent.
            back = json.loads(json.dumps(widget.get_state(name)[name]))
            assert back == value, (state["_model_name"] if "_model_name" in state else msg, name, back, value)
        ids.add(msg["content"]["comm_id"])
        widget.close()
