"""Behaviour of the huntrs kernel through jupyter_client: interrupts, restarts,
panics, message signing, stdin, kernel_info, status, aborts, displays and
compile errors.

Tests that change or break kernel state get a fresh kernel (`fresh`); the others
share one per module (`shared`)."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from queue import Empty

import pytest
from jupyter_client.manager import KernelManager
from jupyter_client.session import Session

from huntrs_testing import (
    CELL_TIMEOUT,
    REPO,
    KERNEL_NAME,
    STARTUP_TIMEOUT,
    Cell,
    collect_iopub,
    drain,
    finish,
    run,
    run_ok,
    start_kernel,
    stop_kernel,
    strip_ansi,
    wait_reply,
)

# How long an interrupted cell may take to stop.
INTERRUPT_DEADLINE = 1.0
# How long the first preloaded-crate cell after a restart may take: the engine is
# handed on (about 2 s here); a new one would take 20 s or more on a 2-core machine.
WARM_RESTART_DEADLINE = 10.0


@pytest.fixture(scope="module")
def shared():
    km, kc = start_kernel()
    run_ok(kc, "let warm_up = 1;")
    yield kc
    stop_kernel(km, kc)


class FreshKernel:
    """A kernel of one's own, with its stderr kept in a file."""

    def __init__(self) -> None:
        self._stderr_file = tempfile.NamedTemporaryFile(prefix="huntrs-kernel-stderr-", suffix=".log")
        self.km, self.kc = start_kernel(stderr=self._stderr_file)

    def stderr(self) -> str:
        return Path(self._stderr_file.name).read_text(errors="replace")

    def close(self) -> None:
        stop_kernel(self.km, self.kc)
        self._stderr_file.close()


@pytest.fixture
def fresh():
    kernel = FreshKernel()
    yield kernel
    kernel.close()


def assert_result(cell: Cell, expected: str) -> None:
    assert cell.status == "ok", cell.describe()
    assert cell.result == expected, cell.describe()


# ---------------------------------------------------------------- interrupts


def _interrupt_running_cell(kernel: FreshKernel, code: str) -> None:
    """Runs `code` (which prints `started` and then loops forever), interrupts it
    once it runs, and checks it stops quickly with KeyboardInterrupt."""
    km, kc = kernel.km, kernel.kc
    run_ok(kc, "let kept = 7;")

    msg_id = kc.execute(code)
    # Wait until the loop is really running: the cell printed its marker.
    deadline = time.monotonic() + CELL_TIMEOUT
    seen: list[dict] = []
    while "started" not in "".join(
        m["content"].get("text", "") for m in seen if m["msg_type"] == "stream"
    ):
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"cell never printed its start marker; got {seen}"
        try:
            msg = kc.get_iopub_msg(timeout=remaining)
        except Empty:
            continue
        if msg["parent_header"].get("msg_id") == msg_id:
            seen.append(msg)
            assert msg["msg_type"] != "error", f"cell failed before looping: {msg['content']}"
    time.sleep(0.3)

    started = time.monotonic()
    km.interrupt_kernel()
    reply = wait_reply(kc, msg_id, timeout=30)
    took = time.monotonic() - started
    rest = collect_iopub(kc, msg_id, timeout=30)
    cell = Cell(msg_id, reply, seen + rest)

    assert reply["content"]["status"] == "error", cell.describe()
    assert reply["content"].get("ename") == "KeyboardInterrupt", cell.describe()
    assert cell.error is not None and cell.error["ename"] == "KeyboardInterrupt", cell.describe()
    assert took <= INTERRUPT_DEADLINE, f"interrupted cell took {took:.2f} s to stop"

    assert_result(run(kc, "kept"), "7")


@pytest.mark.serial
def test_interrupt_busy_loop(fresh):
    _interrupt_running_cell(fresh, 'println!("started");\nloop { }')


@pytest.mark.serial
def test_interrupt_sleeping_loop(fresh):
    _interrupt_running_cell(
        fresh,
        'println!("started");\nloop { std::thread::sleep(std::time::Duration::from_millis(10)); }',
    )


@pytest.mark.serial
def test_interrupt_bare_loop(fresh):
    """`loop { }` with nothing else: interrupted a few seconds after it started."""
    km, kc = fresh.km, fresh.kc
    run_ok(kc, "let kept = 7;")
    msg_id = kc.execute("loop { }")
    # Long enough for the cell to compile and start looping on a loaded machine.
    time.sleep(5)
    started = time.monotonic()
    km.interrupt_kernel()
    reply = wait_reply(kc, msg_id, timeout=30)
    took = time.monotonic() - started
    cell = Cell(msg_id, reply, collect_iopub(kc, msg_id, timeout=30))
    assert reply["content"]["status"] == "error", cell.describe()
    assert reply["content"].get("ename") == "KeyboardInterrupt", cell.describe()
    assert took <= INTERRUPT_DEADLINE, f"interrupted cell took {took:.2f} s to stop"
    assert_result(run(kc, "kept"), "7")


# ---------------------------------------------------------------- restart, panic


@pytest.mark.serial
def test_restart_forgets_everything_and_preload_is_warm(fresh):
    """A restart hands the engine on, reset: quick restarts in a row stay fast, and
    nothing a cell did survives (variables, items, the cell process itself)."""
    km, kc = fresh.km, fresh.kc
    for restart in range(2):
        run_ok(kc, "let before_restart = 5;\nfn defined_before_restart() -> i32 { 1 }")
        cell_process = run_ok(kc, "std::process::id()").result
        old_pid = km.provisioner.process.pid if km.provisioner else None

        km.restart_kernel(now=False)
        kc.wait_for_ready(timeout=CELL_TIMEOUT)
        drain(kc)
        if old_pid is not None:
            assert km.provisioner.process.pid != old_pid, "restart did not start a new process"

        started = time.monotonic()
        cell = run(kc, 'sectools::refang("hxxp://a[.]b")')
        took = time.monotonic() - started
        assert_result(cell, '"http://a.b"')
        assert took <= WARM_RESTART_DEADLINE, (
            f"first preloaded-crate cell after restart {restart + 1} took {took:.1f} s\n{fresh.stderr()}"
        )

        for name in ("before_restart", "defined_before_restart()"):
            gone = run(kc, name)
            assert gone.status == "error", f"{name} survived the restart:\n{gone.describe()}"
            assert gone.error is not None and gone.error["ename"] == "compile error", gone.describe()
        assert run_ok(kc, "std::process::id()").result != cell_process, "the cell process survived"


def test_panic_keeps_kernel_and_variables(fresh):
    kc = fresh.kc
    run_ok(kc, "let x = 5;")
    cell = run(kc, 'panic!("boom")')
    assert cell.status == "error", cell.describe()
    assert cell.reply["content"]["ename"] == "panic", cell.describe()
    assert "boom" in cell.reply["content"]["evalue"], cell.describe()
    assert cell.error is not None, cell.describe()
    assert cell.error["ename"] == "panic", cell.describe()
    assert "boom" in cell.error["evalue"], cell.describe()
    assert fresh.km.is_alive()
    assert_result(run(kc, "x"), "5")
    assert_result(run(kc, "x + 1"), "6")


def test_failed_question_mark_is_the_cells_error(shared):
    kc = shared
    run_ok(kc, "let kept = 41;")
    cell = run(
        kc,
        'let lost = 1;\nlet n: i32 = "forty-two".parse()?;\nprintln!("not reached {n}");',
    )
    assert cell.status == "error", cell.describe()
    assert cell.error is not None, cell.describe()
    assert cell.error["ename"] == "Error", cell.describe()
    assert "invalid digit found in string" in cell.error["evalue"], cell.describe()
    assert "not reached" not in cell.stream("stdout"), cell.describe()
    # evcxr drops what the failed cell defined and keeps the rest.
    assert_result(run(kc, "kept + 1"), "42")
    assert run(kc, "lost").status == "error"
    # The next cell that succeeds is not blamed for the earlier error.
    ok = run(kc, 'eprintln!("just a note"); 7')
    assert ok.status == "ok", ok.describe()


# ---------------------------------------------------------------- signing


def test_forged_signature_is_dropped(fresh):
    kc = fresh.kc
    forger = Session(key=b"wrong", username=kc.session.username)
    forged = forger.msg(
        "execute_request",
        content={
            "code": 'println!("FORGED");',
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        },
    )
    forged_id = forged["header"]["msg_id"]
    forger.send(kc.shell_channel.socket, forged)

    deadline = time.monotonic() + 2.0
    while (remaining := deadline - time.monotonic()) > 0:
        for get in (kc.get_shell_msg, kc.get_iopub_msg):
            try:
                msg = get(timeout=min(remaining, 0.1))
            except Empty:
                continue
            assert msg["parent_header"].get("msg_id") != forged_id, (
                f"kernel answered a forged message: {msg['msg_type']} {msg['content']}"
            )

    cell = run(kc, "6*7")
    assert_result(cell, "42")
    assert "FORGED" not in cell.stream("stdout")
    kc.kernel_info()
    reply = kc.get_shell_msg(timeout=CELL_TIMEOUT)
    assert reply["msg_type"] == "kernel_info_reply"

    log = fresh.stderr()
    assert re.search(r"signature|hmac", log, re.IGNORECASE), (
        f"kernel logged nothing about the bad signature on stderr; stderr was:\n{log[-3000:]}"
    )


# ---------------------------------------------------------------- stdin


def _run_with_input(kc, code: str, answer: str) -> tuple[dict, Cell]:
    """Runs code, which asks for one line of input, and answers `answer`."""
    msg_id = kc.execute(code, allow_stdin=True)
    deadline = time.monotonic() + CELL_TIMEOUT
    seen: list[dict] = []
    request = None
    while request is None:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no input_request within {CELL_TIMEOUT} s; iopub: {seen}"
        try:
            request = kc.get_stdin_msg(timeout=min(remaining, 0.2))
        except Empty:
            pass
        # Meanwhile, notice a cell that finished (or failed) without asking.
        while True:
            try:
                msg = kc.get_iopub_msg(timeout=0)
            except Empty:
                break
            if msg["parent_header"].get("msg_id") == msg_id:
                seen.append(msg)
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    reply = wait_reply(kc, msg_id)
                    raise AssertionError(
                        "cell finished without an input_request:\n" + Cell(msg_id, reply, seen).describe()
                    )
    assert request["msg_type"] == "input_request", request
    assert request["parent_header"].get("msg_id") == msg_id, "input_request not parented to the execute_request"
    kc.input(answer)
    rest = collect_iopub(kc, msg_id)
    return request, Cell(msg_id, wait_reply(kc, msg_id), seen + rest)


def test_stdin_input(shared):
    request, cell = _run_with_input(shared, 'let name = nbtools::input("Name");\nname', "alice")
    assert request["content"]["prompt"] == "Name", request["content"]
    assert request["content"]["password"] is False, request["content"]
    assert_result(cell, '"alice"')


def test_stdin_password(shared):
    request, cell = _run_with_input(shared, 'let secret = nbtools::input_password("Password");\nsecret', "s3cret")
    assert request["content"]["prompt"] == "Password", request["content"]
    assert request["content"]["password"] is True, request["content"]
    assert_result(cell, '"s3cret"')


# ---------------------------------------------------------------- kernel_info, status


def test_kernel_info_reply(shared):
    msg_id = shared.kernel_info()
    reply = wait_reply(shared, msg_id)
    content = reply["content"]
    assert content["status"] == "ok", content
    assert content["protocol_version"] == "5.3", content
    assert content["implementation"], content
    info = content["language_info"]
    assert info["name"] == "rust", info
    assert info["file_extension"] == ".rs", info
    assert info["mimetype"] == "text/rust", info
    assert info["codemirror_mode"] == "rust", info
    assert info["pygments_lexer"] == "rust", info
    assert content["help_links"], content
    for link in content["help_links"]:
        assert link["text"] and link["url"], link


@pytest.mark.parametrize(
    "send",
    [
        pytest.param(lambda kc: kc.execute("1 + 1"), id="execute"),
        pytest.param(lambda kc: kc.kernel_info(), id="kernel_info"),
        pytest.param(lambda kc: kc.is_complete("let x = 1;"), id="is_complete"),
    ],
)
def test_busy_idle_parented_to_request(shared, send):
    drain(shared)
    msg_id = send(shared)
    iopub = collect_iopub(shared, msg_id)
    wait_reply(shared, msg_id)
    statuses = [m["content"]["execution_state"] for m in iopub if m["msg_type"] == "status"]
    assert statuses == ["busy", "idle"], statuses
    assert iopub[0]["msg_type"] == "status" and iopub[0]["content"]["execution_state"] == "busy", [
        m["msg_type"] for m in iopub
    ]
    assert iopub[-1]["msg_type"] == "status"


def test_execute_input_has_execution_count(shared):
    code = "let counted = 3;"
    cell = run_ok(shared, code)
    inputs = cell.of_type("execute_input")
    assert len(inputs) == 1, cell.describe()
    assert inputs[0]["content"]["code"] == code
    assert inputs[0]["content"]["execution_count"] == cell.reply["content"]["execution_count"], cell.describe()
    assert isinstance(inputs[0]["content"]["execution_count"], int) and inputs[0]["content"]["execution_count"] >= 1
    nxt = run_ok(shared, "counted")
    assert nxt.reply["content"]["execution_count"] == cell.reply["content"]["execution_count"] + 1


def test_stop_on_error_aborts_queued_cells(fresh):
    kc = fresh.kc
    run_ok(kc, "let warm = 1;")
    first = kc.execute('panic!("first fails")', stop_on_error=True)
    second = kc.execute('println!("SHOULD-NOT-RUN-2");')
    third = kc.execute('println!("SHOULD-NOT-RUN-3");')

    cells = [finish(kc, msg_id) for msg_id in (first, second, third)]
    assert cells[0].status == "error", cells[0].describe()
    for cell in cells[1:]:
        assert cell.status == "aborted", cell.describe()
        assert "SHOULD-NOT-RUN" not in cell.stream("stdout"), cell.describe()

    # Once the queue is drained, cells run again.
    assert_result(run(kc, "warm + 1"), "2")


# ---------------------------------------------------------------- displays


def test_display_data_html_and_text(shared):
    cell = run_ok(shared, 'nbtools::display(&nbtools::MimeBundle::text("hi").with_html("<b>hi</b>"));')
    displays = cell.of_type("display_data")
    assert len(displays) == 1, cell.describe()
    assert displays[0]["content"]["data"]["text/plain"] == "hi"
    assert displays[0]["content"]["data"]["text/html"] == "<b>hi</b>"


def test_display_then_update_same_id(shared):
    cell = run_ok(
        shared,
        'let h = nbtools::display_with_id(&nbtools::MimeBundle::text("one"));\n'
        'h.update(&nbtools::MimeBundle::text("two"));',
    )
    kinds = [m["msg_type"] for m in cell.outputs]
    assert kinds == ["display_data", "update_display_data"], cell.describe()
    shown, updated = cell.outputs
    display_id = shown["content"].get("transient", {}).get("display_id")
    assert display_id, cell.describe()
    assert updated["content"].get("transient", {}).get("display_id") == display_id, cell.describe()
    assert shown["content"]["data"]["text/plain"] == "one"
    assert updated["content"]["data"]["text/plain"] == "two"


def test_several_displays_arrive_in_order(shared):
    cell = run_ok(
        shared,
        "for i in 0..5 {\n"
        '    nbtools::display(&nbtools::MimeBundle::text(format!("item {i}")));\n'
        "}\n"
        '"done"',
    )
    texts = [m["content"]["data"]["text/plain"] for m in cell.of_type("display_data")]
    assert texts == [f"item {i}" for i in range(5)], cell.describe()
    kinds = [m["msg_type"] for m in cell.outputs]
    assert kinds == ["display_data"] * 5 + ["execute_result"], cell.describe()
    assert cell.result == '"done"'


def test_entity_renders_html_and_text(shared):
    cell = run_ok(shared, 'entities::Host::from_fqdn("web01.contoso.com")')
    results = cell.of_type("execute_result")
    assert len(results) == 1, cell.describe()
    data = results[0]["content"]["data"]
    assert data["text/plain"] == "Host: web01.contoso.com", data
    assert "web01.contoso.com" in data["text/html"], data


def test_stdout_and_stderr_streams(shared):
    cell = run_ok(shared, 'println!("to out");\neprintln!("to err");')
    assert cell.stream("stdout") == "to out\n", cell.describe()
    assert cell.stream("stderr") == "to err\n", cell.describe()


# ---------------------------------------------------------------- compile errors


def test_compile_error_points_at_cell_line(shared):
    code = 'let a = 1;\nlet y: u32 = "s";\nlet b = 2;'
    cell = run(shared, code)
    assert cell.status == "error", cell.describe()
    assert cell.reply["content"]["ename"] == "compile error", cell.describe()
    assert cell.error is not None and cell.error["ename"] == "compile error", cell.describe()
    text = strip_ansi("\n".join(cell.error["traceback"]))
    assert "mismatched types" in text, text
    # rustc-style location (`2:14`) or a source excerpt gutter (`2 | let y ...`),
    # counted in the cell's own lines.
    assert re.search(r"(?<![\d:])2:\d+", text) or re.search(r"^\s*2\s*\|\s*let y: u32", text, re.M), (
        f"compile error does not point at line 2 of the cell:\n{text}"
    )
    # The kernel is fine afterwards, and nothing from the failed cell was kept.
    assert_result(run(shared, "6*7"), "42")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ('let s = String::from("x");\ns', '"x"'),
        ("let n = 5u32;\nn", "5"),
        ("let v = vec![1, 2];\nv", "[1, 2]"),
    ],
)
def test_value_of_variable_defined_in_same_cell(shared, code, expected):
    assert_result(run(shared, code), expected)


def test_use_prelude(shared):
    cell = run_ok(shared, 'use nbtools::prelude::*;\nrefang("hxxp://x[.]y")')
    assert cell.result == '"http://x.y"', cell.describe()


def test_completion_contains_push(shared):
    code = "let v: Vec<u8> = Vec::new(); v.pu"
    msg_id = shared.complete(code, len(code))
    reply = wait_reply(shared, msg_id)
    content = reply["content"]
    assert content["status"] == "ok", content
    # evcxr completes methods with their parameters ("push(value)").
    names = {m.split("(")[0] for m in content["matches"]}
    assert "push" in names, content
    assert content["cursor_end"] == len(code), content
    assert content["cursor_start"] == len(code) - len("pu"), content


def test_inspect_vec_has_docs(shared):
    code = "std::vec::Vec"
    msg_id = shared.inspect(code, len(code))
    reply = wait_reply(shared, msg_id)
    content = reply["content"]
    assert content["status"] == "ok", content
    assert content["found"] is True, content
    assert "Vec" in content["data"].get("text/plain", ""), content


# ---------------------------------------------------------------- isolation


def test_two_kernels_at_once_keep_their_own_state():
    """Two notebooks open at the same time: each kernel compiles and keeps its
    own cells, whatever the other one runs meanwhile."""
    a_km, a = start_kernel()
    try:
        b_km, b = start_kernel()
        try:
            run_ok(a, "let which = \"a\"; let only_a = 1;")
            run_ok(b, "let which = \"b\"; let only_b = 2;")
            # Cells compiling in both kernels at the same moment.
            for i in range(3):
                ida = a.execute(f"let n{i} = {i} + only_a; format!(\"{{which}}{{n{i}}}\")")
                idb = b.execute(f"let n{i} = {i} + only_b; format!(\"{{which}}{{n{i}}}\")")
                assert_result(finish(a, ida), f'"a{i + 1}"')
                assert_result(finish(b, idb), f'"b{i + 2}"')
            gone = run(a, "only_b")
            assert gone.status == "error", f"kernel a sees kernel b's variable:\n{gone.describe()}"
        finally:
            stop_kernel(b_km, b)
    finally:
        stop_kernel(a_km, a)


# ---------------------------------------------------------------- history


def test_cells_build_without_cargo_once_a_build_is_recorded(fresh):
    """After cargo built one cell, later cells run the recorded rustc command
    (kernel/src/cell_build.rs): they still honour cargo's build lock, report
    compile errors, and a `:dep` sends the build through cargo again."""
    kc = fresh.kc
    session = Path(run_ok(kc, 'std::env::var("EVCXR_TMPDIR").unwrap()').result.strip('"'))
    record = session / ".huntrs-cell-build.json"
    assert record.is_file(), f"no build recorded in {session}"
    recorded = record.stat().st_mtime_ns

    run_ok(kc, "fn tripled(x: u32) -> u32 { x * 3 }")
    assert_result(run(kc, "tripled(14)"), "42")
    assert record.stat().st_mtime_ns == recorded, "a replayed build is not recorded again"

    error = run(kc, 'let n: u8 = "seven";')
    assert error.status == "error", error.describe()
    assert "mismatched types" in strip_ansi("\n".join(error.error["traceback"])), error.describe()

    # Cargo's lock on the shared target directory serialises every kernel's builds.
    lock = session / "target" / "x86_64-unknown-linux-gnu" / "debug" / ".cargo-lock"
    with open(lock, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        msg_id = kc.execute("tripled(2)")
        with pytest.raises(Empty):
            kc.get_shell_msg(timeout=2.0)
        fcntl.flock(held, fcntl.LOCK_UN)
    assert_result(finish(kc, msg_id, CELL_TIMEOUT), "6")
    assert record.stat().st_mtime_ns == recorded

    # A crate the preload already built, so only the manifest changes.
    entities = REPO / "crates" / "entities"
    run_ok(kc, f':dep entities = {{ path = "{entities}" }}\nlet after_dep: u32 = 1;')
    assert_result(run(kc, "tripled(after_dep)"), "3")
    assert record.stat().st_mtime_ns != recorded, "a changed Cargo.toml goes through cargo"


def test_history_requests_with_optional_fields_left_out(shared):
    """jupyter_client leaves `n` and `unique` out unless given; the protocol makes
    them optional, so the kernel must answer (all matches, duplicates kept)."""
    for _ in range(2):
        run_ok(shared, "let hist_marker = 1;")

    def history(**kwargs):
        msg_id = shared.history(raw=True, output=False, **kwargs)
        return wait_reply(shared, msg_id, timeout=10)["content"]

    found = history(hist_access_type="search", pattern="*hist_marker*")
    assert found["status"] == "ok", found
    assert [h[2] for h in found["history"]] == ["let hist_marker = 1;"] * 2, found

    unique = history(hist_access_type="search", pattern="*hist_marker*", unique=True)
    assert [h[2] for h in unique["history"]] == ["let hist_marker = 1;"], unique

    last = history(hist_access_type="search", pattern="*hist_marker*", n=1)
    assert len(last["history"]) == 1, last

    tail = history(hist_access_type="tail", n=1)
    assert [h[2] for h in tail["history"]] == ["let hist_marker = 1;"], tail


def test_rich_mime_types_reach_the_front_end(shared):
    cell = run_ok(
        shared,
        'nbtools::MimeBundle::text("t").with_json(serde_json::json!({"a": [1, 2]}))'
        '.with_markdown("# hi").with_svg("<svg></svg>").with_png(&[137, 80, 78, 71])',
    )
    results = [m["content"] for m in cell.iopub if m["msg_type"] == "execute_result"]
    assert len(results) == 1, cell.describe()
    data = results[0]["data"]
    assert data["application/json"] == {"a": [1, 2]}, "JSON travels as JSON, not as a string"
    assert data["text/markdown"] == "# hi"
    assert data["image/svg+xml"] == "<svg></svg>"
    assert data["image/png"] == "iVBORw=="


PRELOADED = ("entities", "sectools", "data", "nbtools")


def _wait_for_warming_spare(cache: Path, timeout: float = 300.0) -> None:
    """A spare engine still warming up builds cells; were it to rebuild the preloaded
    crates itself, the kernel under test would only wait for that build, without the
    progress this test looks for. A new huntrs version has no spare yet, so a spare an
    earlier test started must settle first (kernel/src/worker.rs: a warming or idle
    spare holds `spare.lock`; an idle one listens on `spare-<pid>.sock`)."""
    folder = Path(tempfile.gettempdir()) / f"huntrs-{os.getuid()}-{cache.name}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lock = folder / "spare.lock"
        if not lock.exists():
            return
        with open(lock, "a") as held:
            try:
                fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return  # no spare at all
            except BlockingIOError:
                pass
        for sock in folder.glob("spare-*.sock"):
            pid = sock.stem.removeprefix("spare-")
            if pid.isdigit() and Path(f"/proc/{pid}").exists():
                return
        time.sleep(0.5)
    raise AssertionError(f"a spare engine in {folder} was still warming up after {timeout:.0f} s")


COLD_BUILD_TIMEOUT = 1200


def _make_preload_cache_stale() -> Path:
    """Turns the session's preload cache into one that needs building: no `preload.ok`
    and nbtools, the preloaded crate that depends on the other three, not compiled, as
    after an upgrade that changed it, with the incremental state earlier versions kept
    for the crates of another checkout. Everything else stays built: polars alone takes
    tens of minutes on two cores, and the other three preloaded crates would add minutes
    without showing anything more (`huntrs preload` in scripts/test.sh builds all four,
    as `huntrs install` in conftest does on a fresh machine). The kernel under test
    rebuilds nbtools, so the cache ends up whole."""
    root = Path(os.environ.get("HUNTRS_CACHE_DIR", Path.home() / ".cache" / "huntrs"))
    warm = sorted(
        (p for p in root.glob("v*") if (p / "preload.ok").is_file() and (p / "target").is_dir()),
        key=lambda p: (p / "preload.ok").stat().st_mtime,
    )
    assert warm, f"no built preload cache under {root}; conftest's install should have made one"
    cache = warm[-1]
    _wait_for_warming_spare(cache)
    (cache / "preload.ok").unlink()
    ours = re.compile(r"^(lib)?nbtools-[0-9a-f]{16}(\.|$)")
    for path in sorted((cache / "target").rglob("*"), reverse=True):
        if ours.match(path.name) and path.exists():
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    for incremental in (cache / "target").glob("*/debug/incremental"):
        (incremental / "sectools-0stalecheckout0" / "s-old").mkdir(parents=True, exist_ok=True)
    return cache


# It compiles a preloaded crate, which takes minutes on a busy two-core machine;
# pytest.ini's 300 s per-test limit is for tests that compile nothing. It deletes
# files of the machine's preload cache that other kernels load, so it runs alone.
@pytest.mark.serial
@pytest.mark.timeout(COLD_BUILD_TIMEOUT + 120)
def test_first_start_on_a_stale_cache_shows_build_progress():
    """When the preload cache needs building, the first cell waits for the preloaded
    crates to compile, and shows that happening instead of hanging silently."""
    cache = _make_preload_cache_stale()
    km = KernelManager(kernel_name=KERNEL_NAME)
    env = dict(os.environ, HUNTRS_SPARE="0")
    km.start_kernel(env=env)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=STARTUP_TIMEOUT)
        cell = run(kc, 'sectools::refang("hxxp://cold[.]example")', timeout=COLD_BUILD_TIMEOUT)
        assert cell.status == "ok" and cell.result == '"http://cold.example"', cell.describe()
        stderr = "".join(
            m["content"]["text"] for m in cell.iopub if m["msg_type"] == "stream" and m["content"]["name"] == "stderr"
        )
        assert "compiling the preloaded crates" in stderr, stderr[-2000:]
        assert "Compiling nbtools" in stderr, stderr[-2000:]
        again = run(kc, "1 + 1")
        assert again.result == "2", again.describe()
        # Nobody edits the preloaded crates, so no incremental state is kept for them
        # (cargo's copy per checkout filled disks), and old copies are removed.
        kept = [
            p.name
            for p in (cache / "target").glob("*/debug/incremental/*")
            if p.name.rsplit("-", 1)[0] in PRELOADED
        ]
        assert not kept, f"incremental state of preloaded crates left in {cache}: {kept}"
    finally:
        stop_kernel(km, kc)
