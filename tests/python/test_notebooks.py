"""Notebooks executed end to end: with nbclient against kernel `huntrs`, and
headlessly with `huntrs run`.

A code cell tagged `assert-output` states what its output must contain, in its
metadata:

    "tags": ["assert-output"],
    "huntrs": {"expect": {"mime": "text/html", "contains": "web01"}}

The check passes when an execute_result or display_data output of that cell has
data of that MIME type containing the text. For printed text, mime
"stream:stdout" or "stream:stderr" matches the cell's stream output of that name.
`expect` may also be a list of such objects, all of which must hold.
Every executed notebook must also be free of error outputs.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from huntrs_testing import CELL_TIMEOUT, REPO, STARTUP_TIMEOUT

TOUR = REPO / "notebooks" / "00-kernel-tour.ipynb"
# Every notebook of the project runs, through both nbclient and `huntrs run`.
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9]*.ipynb"))
RUN_TIMEOUT = 900


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(value)
    if isinstance(value, str):
        return value
    return str(value)


def _expectations(cell: Any) -> list[dict[str, str]]:
    expect = cell.get("metadata", {}).get("huntrs", {}).get("expect")
    if expect is None:
        raise AssertionError(
            f"cell tagged assert-output has no metadata.huntrs.expect:\n{_text(cell.source)}"
        )
    return expect if isinstance(expect, list) else [expect]


def _matches(outputs: list[Any], mime: str, contains: str) -> bool:
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream" and mime.startswith("stream:"):
            if out.get("name") == mime.removeprefix("stream:") and contains in _text(out.get("text", "")):
                return True
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            if mime in data and contains in _text(data[mime]):
                return True
    return False


def check_executed_notebook(nb: Any) -> int:
    """Asserts the checks described in the module docstring; returns how many
    assert-output cells it checked."""
    problems: list[str] = []
    checked = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        source = _text(cell.source)
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(
                    f"cell {index} has an error output {out.get('ename')}: {out.get('evalue')}\n{source}"
                )
        if "assert-output" not in cell.get("metadata", {}).get("tags", []):
            continue
        checked += 1
        for expect in _expectations(cell):
            mime, contains = expect["mime"], expect["contains"]
            if not _matches(cell.get("outputs", []), mime, contains):
                problems.append(
                    f"cell {index}: no {mime} output containing {contains!r}\n"
                    f"source:\n{source}\noutputs: {cell.get('outputs', [])}"
                )
    assert not problems, "\n\n".join(problems)
    return checked


VIEW_MIME = "application/vnd.jupyter.widget-view+json"


def check_widget_state(nb: Any) -> int:
    """Every widget an output shows has its state saved in the notebook's metadata
    (as nbclient and `huntrs run` write it), so exported HTML can draw it. Returns
    how many widgets were shown."""
    shown = set()
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get(VIEW_MIME)
            if view:
                shown.add(view["model_id"])
    if not shown:
        return 0
    saved = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    missing = shown - set(saved.get("state", {}))
    assert not missing, f"widgets shown but not saved in the notebook metadata: {sorted(missing)}"
    return len(shown)


def _code_cell(source: str, mime: str | None = None, contains: str | None = None) -> Any:
    cell = nbformat.v4.new_code_cell(source)
    if mime is not None:
        cell.metadata["tags"] = ["assert-output"]
        cell.metadata["huntrs"] = {"expect": {"mime": mime, "contains": contains}}
    return cell


def smoke_notebook() -> Any:
    """A small notebook covering the output kinds, built here so the checks run
    even before the tour notebook exists."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "huntrs", "display_name": "Rust · huntrs", "language": "rust"}
    nb.metadata["language_info"] = {"name": "rust"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# smoke"),
        _code_cell("let answer = 6 * 7;"),
        _code_cell("answer", "text/plain", "42"),
        _code_cell('println!("printed {answer}");', "stream:stdout", "printed 42"),
        _code_cell('sectools::refang("hxxp://a[.]b")', "text/plain", '"http://a.b"'),
        _code_cell('entities::Host::from_fqdn("web01.contoso.com")', "text/html", "web01.contoso.com"),
        _code_cell(
            'nbtools::display(&nbtools::MimeBundle::text("hi").with_html("<b>smoke-html-marker</b>"));',
            "text/html",
            "<b>smoke-html-marker</b>",
        ),
    ]
    return nb


def execute_with_nbclient(nb: Any, cwd: Path) -> Any:
    client = NotebookClient(
        nb,
        kernel_name="huntrs",
        timeout=int(CELL_TIMEOUT),
        startup_timeout=int(STARTUP_TIMEOUT),
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute()
    return nb


def huntrs_run(huntrs_bin: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(huntrs_bin), "run", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def _run_ok(huntrs_bin: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    proc = huntrs_run(huntrs_bin, *args, cwd=cwd)
    assert proc.returncode == 0, (
        f"huntrs run {' '.join(args)} exited {proc.returncode}\n"
        f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
    )
    return proc


# ---------------------------------------------------------------- the project's notebooks


def test_the_tour_exists():
    assert TOUR in NOTEBOOKS, f"{TOUR.relative_to(REPO)} is missing"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_with_nbclient(notebook: Path, tmp_path):
    nb = nbformat.read(notebook, as_version=4)
    execute_with_nbclient(nb, notebook.parent)
    assert check_executed_notebook(nb) > 0, f"{notebook.name} checks no outputs"
    check_widget_state(nb)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_with_huntrs_run(huntrs_bin, notebook: Path, tmp_path):
    out = tmp_path / f"{notebook.stem}.out.ipynb"
    _run_ok(huntrs_bin, str(notebook), "--output", str(out), cwd=notebook.parent)
    assert out.is_file(), f"huntrs run wrote no {out}"
    nb = nbformat.read(out, as_version=4)
    nbformat.validate(nb)
    assert check_executed_notebook(nb) > 0
    if "widgets" in notebook.stem:
        assert check_widget_state(nb) > 0, "the widgets notebook saved no widget state"
    else:
        check_widget_state(nb)


# ---------------------------------------------------------------- a generated notebook


def test_smoke_with_nbclient(tmp_path):
    nb = smoke_notebook()
    execute_with_nbclient(nb, tmp_path)
    assert check_executed_notebook(nb) == 5


def test_smoke_with_huntrs_run(huntrs_bin, tmp_path):
    src = tmp_path / "smoke.ipynb"
    nbformat.write(smoke_notebook(), src)
    out = tmp_path / "smoke.out.ipynb"
    _run_ok(huntrs_bin, str(src), "--output", str(out), cwd=tmp_path)
    nb = nbformat.read(out, as_version=4)
    nbformat.validate(nb)
    assert check_executed_notebook(nb) == 5
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), counts
    # The source notebook is left as it was.
    assert all(not c.get("outputs") for c in nbformat.read(src, as_version=4).cells if c.cell_type == "code")


def test_huntrs_run_to_html(huntrs_bin, tmp_path):
    src = tmp_path / "smoke.ipynb"
    nbformat.write(smoke_notebook(), src)
    out = tmp_path / "smoke.html"
    _run_ok(huntrs_bin, str(src), "--output", str(out), "--to", "html", cwd=tmp_path)
    assert out.is_file(), f"huntrs run --to html wrote no {out}; directory has {sorted(p.name for p in tmp_path.iterdir())}"
    html = out.read_text(errors="replace")
    assert "<html" in html.lower(), html[:500]
    assert "smoke-html-marker" in html, "display_data HTML missing from the HTML export"
    assert "printed 42" in html, "stdout missing from the HTML export"


def test_huntrs_run_fails_on_error_cell(huntrs_bin, tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "huntrs", "display_name": "Rust · huntrs", "language": "rust"}
    nb.cells = [
        nbformat.v4.new_code_cell('println!("before");'),
        nbformat.v4.new_code_cell('panic!("notebook boom")'),
        nbformat.v4.new_code_cell('println!("after");'),
    ]
    src = tmp_path / "fails.ipynb"
    nbformat.write(nb, src)
    out = tmp_path / "fails.out.ipynb"
    proc = huntrs_run(huntrs_bin, str(src), "--output", str(out), cwd=tmp_path)
    assert proc.returncode != 0, f"huntrs run exited 0 on a panicking cell\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
