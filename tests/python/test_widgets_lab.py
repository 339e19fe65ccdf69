"""Widgets in a real JupyterLab (from PyPI) driven by headless Chromium (Playwright):
the user changes a widget in the page, runs the next cell and sees the new value;
a button's Rust callback writes into an Output widget.

JupyterLab is started with `expose_app_in_browser`, so the test runs cells through
JupyterLab's own commands (`notebook:run-cell`), as the Run menu does.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from views_browser import CHROMIUM_ARGS, chromium_path

TOKEN = "huntrs-widget-test"
STARTUP = 240.0
CELL = 180_000  # ms, Playwright timeouts: the first cell may wait for an engine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def code_cell(source: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "source": source, "outputs": [], "execution_count": None}


def write_notebook(path: Path, cells: list[str]) -> None:
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "huntrs", "display_name": "Rust · huntrs", "language": "rust"}},
        "cells": [code_cell(c) for c in cells],
    }
    path.write_text(json.dumps(notebook))


@pytest.fixture(scope="module")
def lab(tmp_path_factory, huntrs_kernelspec):
    """A JupyterLab server on a free port, serving a temporary folder."""
    root = tmp_path_factory.mktemp("lab")
    port = free_port()
    log_path = root / "lab.log"
    log = open(log_path, "w")
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(root / "runtime"))
    venv_bin = Path(os.environ.get("HUNTRS_VENV", Path(__file__).parents[2] / ".venv")) / "bin"
    server = subprocess.Popen(
        [str(venv_bin / "jupyter"), "lab", "--no-browser", "--allow-root", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
         f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
         "--ServerApp.disable_check_xsrf=True"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root,
    )
    try:
        deadline = time.monotonic() + STARTUP
        while True:
            try:
                url = f"http://127.0.0.1:{port}/api/kernelspecs?token={TOKEN}"
                with urllib.request.urlopen(url, timeout=2) as response:
                    assert "huntrs" in json.load(response)["kernelspecs"]
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("JupyterLab did not start:\n" + log_path.read_text()[-3000:])
                time.sleep(1)
        yield root, port
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def shutdown_kernels(port: int) -> None:
    """Stops every kernel the server runs, so the next test starts from a quiet machine."""
    base = f"http://127.0.0.1:{port}/api/kernels"
    with urllib.request.urlopen(f"{base}?token={TOKEN}", timeout=10) as response:
        kernels = json.load(response)
    for kernel in kernels:
        request = urllib.request.Request(f"{base}/{kernel['id']}?token={TOKEN}", method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()


@pytest.fixture()
def page(lab, browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    # A picture of the page helps when a test failed; it is kept next to the server log.
    shot = Path(lab[0]) / f"{request.node.name}.png"
    try:
        page.screenshot(path=str(shot))
        print(f"screenshot: {shot}")
    except Exception as error:  # a crashed page cannot be shot; the failure says why
        print(f"no screenshot: {error}")
    context.close()
    shutdown_kernels(lab[1])


def open_notebook(page, port: int, name: str) -> None:
    # A workspace of its own, reset: JupyterLab would otherwise reopen earlier tests' tabs.
    workspace = name.removesuffix(".ipynb")
    page.goto(f"http://127.0.0.1:{port}/lab/workspaces/{workspace}/tree/{name}?reset&token={TOKEN}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext", timeout=120_000)
    # Wait until the huntrs kernel is connected and idle.
    page.wait_for_function(
        "() => { const s = window.jupyterapp.shell.currentWidget.sessionContext;"
        " return s.session && s.session.kernel && s.session.kernel.connectionStatus === 'connected'"
        " && s.kernelDisplayStatus === 'idle'; }",
        timeout=120_000,
    )


def run_cell(page, index: int) -> None:
    """Runs cell `index` with JupyterLab's own command and waits until it finished."""
    page.evaluate(
        "async (i) => { const nb = window.jupyterapp.shell.currentWidget;"
        " nb.content.activeCellIndex = i;"
        " await window.jupyterapp.commands.execute('notebook:run-cell'); }",
        index,
    )
    page.wait_for_function(
        "(i) => { const cell = window.jupyterapp.shell.currentWidget.content.widgets[i];"
        " return cell.model.executionCount !== null &&"
        " window.jupyterapp.shell.currentWidget.sessionContext.kernelDisplayStatus === 'idle'; }",
        arg=index, timeout=CELL,
    )


def cell_output_text(page, index: int) -> str:
    return page.evaluate(
        "(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].node"
        ".querySelector('.jp-OutputArea').innerText",
        index,
    )


def test_a_changed_dropdown_is_what_the_next_cell_reads(lab, page):
    root, port = lab
    write_notebook(root / "dropdown.ipynb", [
        'let pick = nbtools::widgets::Dropdown::new(&["Low", "Medium", "High"]).with_description("Severity");\npick',
        'format!("picked {}", pick.value().unwrap_or_default())',
    ])
    open_notebook(page, port, "dropdown.ipynb")
    run_cell(page, 0)
    select = page.locator(".widget-dropdown select")
    select.wait_for(timeout=CELL)
    assert select.input_value() == "Low" or select.evaluate("s => s.selectedIndex") == 0
    select.select_option(label="High")
    # The front end syncs the change; the next cell must see it.
    run_cell(page, 1)
    assert "picked High" in cell_output_text(page, 1)


def test_a_button_callback_writes_into_an_output_widget(lab, page):
    root, port = lab
    write_notebook(root / "button.ipynb", [
        "use nbtools::widgets::*;\n"
        'let go = Button::new("Go");\n'
        "let out = Output::new();\n"
        '{ let out = out.clone(); go.on_click(move || out.append_stdout("button clicked\\n")); }\n'
        "Container::vbox(&[go.widget(), out.widget()])",
    ])
    open_notebook(page, port, "button.ipynb")
    run_cell(page, 0)
    button = page.locator(".widget-button")
    button.wait_for(timeout=CELL)
    button.click()
    page.locator(".widget-output", has_text="button clicked").wait_for(timeout=CELL)


COUNTER_ESM = (
    "export default { render({ model, el }) {"
    " const b = document.createElement('button'); b.className = 'huntrs-counter';"
    " const show = () => { b.textContent = 'count ' + model.get('count'); };"
    " b.onclick = () => { model.set('count', model.get('count') + 1); model.save_changes(); };"
    " model.on('change:count', show); show(); el.appendChild(b); } }"
)


def test_an_anywidget_view_runs_and_its_state_reaches_rust(lab, page):
    root, port = lab
    write_notebook(root / "anywidget.ipynb", [
        "let counter = nbtools::widgets::AnyWidget::new(\"counter\", r#\"" + COUNTER_ESM + "\"#,\n"
        "    nbtools::serde_json::json!({\"count\": 0}).as_object().cloned().unwrap_or_default());\ncounter",
        'format!("count is {}", counter.get("count"))',
    ])
    open_notebook(page, port, "anywidget.ipynb")
    run_cell(page, 0)
    button = page.locator("button.huntrs-counter")
    button.wait_for(timeout=CELL)
    button.click()
    button.click()
    page.locator("button.huntrs-counter", has_text="count 2").wait_for(timeout=30_000)
    run_cell(page, 1)
    assert "count is 2" in cell_output_text(page, 1)


def test_query_time_and_select_alert_follow_the_page(lab, page):
    root, port = lab
    write_notebook(root / "investigate.ipynb", [
        "use nbtools::widgets::*;\n"
        "let origin = nbtools::data::chrono::DateTime::parse_from_rfc3339(\"2026-10-28T09:00:00Z\")\n"
        "    .map(|t| t.with_timezone(&nbtools::data::chrono::Utc)).unwrap();\n"
        "let qt = QueryTime::new().with_origin(origin).with_units(TimeUnit::Hour).with_before(2).with_after(1);\n"
        "qt",
        'format!("units={:?} before={} after={} start={} end={}", qt.units(), qt.before(), qt.after(), qt.start().to_rfc3339(), qt.end().to_rfc3339())',
        "let alerts = data::sample::tables(&data::sample::SampleOptions::default()).unwrap()\n"
        "    .into_iter().find(|(name, _)| *name == \"SecurityAlert\").map(|(_, df)| df).unwrap();\n"
        "let picker = SelectAlert::from_df(&alerts).unwrap();\npicker",
        'format!("selected: {}", picker.selected().and_then(|a| a.title().map(str::to_owned)).unwrap_or_default())',
    ])
    open_notebook(page, port, "investigate.ipynb")
    run_cell(page, 0)
    units = page.locator(".widget-dropdown", has_text="Units").locator("select")
    units.wait_for(timeout=CELL)
    day_label = next(o for o in units.locator("option").all_inner_texts() if "day" in o.lower())
    units.select_option(label=day_label)
    run_cell(page, 1)
    text = cell_output_text(page, 1)
    assert "units=Day" in text, text
    # Changing the unit may reset the amounts (as msticpy does); the range must follow them.
    before = int(text.split("before=")[1].split()[0])
    after = int(text.split("after=")[1].split()[0])
    origin = datetime(2026, 10, 28, 9, tzinfo=timezone.utc)
    assert f"start={(origin - timedelta(days=before)).isoformat()}" in text, text
    assert f"end={(origin + timedelta(days=after)).isoformat()}" in text, text

    run_cell(page, 2)
    alert_list = page.locator(".widget-select select").last
    alert_list.wait_for(timeout=CELL)
    # Labels are padded with no-break spaces for alignment.
    options = [o.replace("\xa0", " ") for o in alert_list.locator("option").all_inner_texts()]
    assert len(options) >= 2, options
    alert_list.select_option(index=1)
    # The selection shows that alert's view in the widget.
    page.locator(".widget-html .huntrs-view[data-huntrs-view=alert], .widget-output .huntrs-view[data-huntrs-view=alert]").first.wait_for(timeout=CELL)
    run_cell(page, 3)
    picked = cell_output_text(page, 3)
    title = picked.split("selected: ", 1)[1].strip().strip('"')
    assert title and title in options[1], (picked, options[1])
