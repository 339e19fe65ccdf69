"""The training course (notebooks/course) and its solutions (notebooks/solutions).

* Every course notebook runs headlessly with `huntrs run`, without an error output, and every
  check cell (a code cell tagged `check`, calling `nbtools::course::check`) says "Not yet":
  the answer cells are empty, and a check must never crash or reveal anything.
* Every solution notebook runs with nbclient and every check cell says "✅ Correct": the
  solutions find each answer in the data.
* Both sets keep the `assert-output` checks of tests/python/test_notebooks.py.

The total execution time of the course (the `huntrs run` side) and of the solutions is printed
at the end of the session (run pytest with `-s` to see it live); the target is under ten
minutes for the whole course on a two-core machine.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import nbformat
import pytest

from huntrs_testing import REPO
from test_notebooks import _run_ok, check_executed_notebook, execute_with_nbclient

COURSE = sorted((REPO / "notebooks" / "course").glob("[0-9][0-9]-*.ipynb"))
SOLUTIONS = sorted((REPO / "notebooks" / "solutions").glob("[0-9][0-9]-*.ipynb"))
CORRECT = "✅ Correct"
NOT_YET = "⏳ Not yet"

TIMES: dict[str, dict[str, float]] = {"course (huntrs run)": {}, "solutions (nbclient)": {}}


@pytest.fixture(scope="module", autouse=True)
def report_times():
    yield
    lines = []
    for kind, times in TIMES.items():
        if not times:
            continue
        lines.append(f"\n[course] {kind}:")
        for name, seconds in times.items():
            lines.append(f"  {name:<40} {seconds:6.1f} s")
        lines.append(f"  {'total':<40} {sum(times.values()):6.1f} s ({sum(times.values()) / 60:.1f} min)")
    if lines:
        print("\n".join(lines))


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def check_cells(nb: Any) -> list[tuple[list[str], list[str]]]:
    """(question ids, the text of each output) for each check cell."""
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "check" not in cell.get("metadata", {}).get("tags", []):
            continue
        shown = []
        for out in cell.get("outputs", []):
            if out.get("output_type") in ("display_data", "execute_result"):
                shown.append(_text(out.get("data", {}).get("text/plain", "")))
            elif out.get("output_type") == "stream":
                shown.append(_text(out.get("text", "")))
        found.append((cell.metadata.get("huntrs", {}).get("questions", []), shown))
    return found


def assert_checks_say(nb: Any, name: str, wanted: str) -> None:
    checks = check_cells(nb)
    assert checks, f"{name} has no check cell"
    for questions, shown in checks:
        verdicts = [text for text in shown if CORRECT in text or NOT_YET in text]
        assert len(verdicts) == len(questions), f"{name}: check of {questions} showed {shown!r}"
        wrong = [text for text in verdicts if wanted not in text]
        assert not wrong, f"{name}: check of {questions} says {wrong!r}, expected {wanted!r}"


def assert_no_error_text(nb: Any, name: str) -> None:
    """A `?` that fails at the top level of a cell prints the error on stderr, and the
    cell still counts as run: so no cell may write to stderr, except the kernel's own
    notes (`huntrs: ...`, such as the first start compiling the preloaded crates)."""
    problems = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") != "stream" or out.get("name") != "stderr":
                continue
            text = [
                line
                for line in _text(out.get("text", "")).splitlines()
                if line.strip() and not line.startswith("huntrs: ") and not line.lstrip().startswith("Compiling ")
            ]
            if text:
                problems.append(f"cell {index}: {chr(10).join(text)[:500]}\n{_text(cell.source)}")
    assert not problems, f"{name}: output on stderr:\n" + "\n\n".join(problems)


# ---------------------------------------------------------------- structure, no kernel


def test_course_and_solutions_match():
    assert len(COURSE) == 8, [p.name for p in COURSE]
    assert [p.name for p in COURSE] == [p.name for p in SOLUTIONS]


@pytest.mark.parametrize("notebook", COURSE + SOLUTIONS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_committed_notebooks_are_clean(notebook: Path):
    nb = nbformat.read(notebook, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "huntrs"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs"), f"{notebook.name} is saved with outputs"
            assert "story(" not in cell.source, f"{notebook.name} calls data::sample::story"


@pytest.mark.parametrize("notebook", COURSE, ids=lambda p: p.stem)
def test_course_has_exercises_with_empty_answers(notebook: Path):
    nb = nbformat.read(notebook, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    exercises = 0
    for index, cell in enumerate(cells):
        if "exercise" not in cell.metadata.get("tags", []):
            continue
        exercises += 1
        questions = cell.metadata["huntrs"]["questions"]
        following = cells[index + 1]
        assert "check" in following.metadata.get("tags", []), f"no check cell after {questions}"
        for question in questions:
            assert f'let {question} = "";' in cell.source, f"answer cell of {question} is not empty"
            assert f'nbtools::course::check("{question}"' in following.source
    assert exercises > 0, f"{notebook.name} has no exercise"


def test_the_notebook_glob_skips_the_course():
    # test_notebooks.py runs notebooks/[0-9]*.ipynb: the course lives in subfolders.
    top = {p.name for p in (REPO / "notebooks").glob("[0-9]*.ipynb")}
    assert not top & {p.name for p in COURSE}


# ---------------------------------------------------------------- executed


@pytest.mark.parametrize("notebook", COURSE, ids=lambda p: p.stem)
def test_course_notebook_runs_and_checks_say_not_yet(huntrs_bin, notebook: Path, tmp_path):
    out = tmp_path / notebook.name
    started = time.monotonic()
    _run_ok(huntrs_bin, str(notebook), "--output", str(out), cwd=notebook.parent)
    TIMES["course (huntrs run)"][notebook.stem] = time.monotonic() - started
    nb = nbformat.read(out, as_version=4)
    nbformat.validate(nb)
    check_executed_notebook(nb)
    assert_no_error_text(nb, notebook.name)
    assert_checks_say(nb, notebook.name, NOT_YET)


@pytest.mark.parametrize("notebook", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_notebook_answers_correctly(notebook: Path):
    nb = nbformat.read(notebook, as_version=4)
    started = time.monotonic()
    execute_with_nbclient(nb, notebook.parent)
    TIMES["solutions (nbclient)"][notebook.stem] = time.monotonic() - started
    check_executed_notebook(nb)
    assert_no_error_text(nb, notebook.name)
    assert_checks_say(nb, notebook.name, CORRECT)
