"""Helpers shared by the huntrs kernel tests: start a kernel, run a cell, and
collect everything the kernel sent about it."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any

from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager

REPO = Path(__file__).resolve().parents[2]

KERNEL_NAME = "huntrs"
# Startup and the first cell warm evcxr up, which takes a few seconds; be generous
# on a loaded two-core machine.
STARTUP_TIMEOUT = float(os.environ.get("HUNTRS_STARTUP_TIMEOUT", "120"))
CELL_TIMEOUT = float(os.environ.get("HUNTRS_CELL_TIMEOUT", "120"))

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def start_kernel(stderr: Any = None) -> tuple[KernelManager, BlockingKernelClient]:
    """Starts kernel `huntrs` and waits until it answers kernel_info."""
    km = KernelManager(kernel_name=KERNEL_NAME)
    kwargs: dict[str, Any] = {}
    if stderr is not None:
        kwargs["stderr"] = stderr
    km.start_kernel(**kwargs)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=STARTUP_TIMEOUT)
    except BaseException:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        raise
    return km, kc


def stop_kernel(km: KernelManager, kc: BlockingKernelClient) -> None:
    kc.stop_channels()
    if km.has_kernel:
        km.shutdown_kernel(now=False)


@dataclass
class Cell:
    """What the kernel sent about one request."""

    msg_id: str
    reply: dict[str, Any] | None = None
    # Every iopub message parented to the request, in arrival order (status too).
    iopub: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        assert self.reply is not None, "no reply"
        return self.reply["content"]["status"]

    def of_type(self, msg_type: str) -> list[dict[str, Any]]:
        return [m for m in self.iopub if m["msg_type"] == msg_type]

    @property
    def outputs(self) -> list[dict[str, Any]]:
        """The iopub messages other than status and execute_input."""
        return [m for m in self.iopub if m["msg_type"] not in ("status", "execute_input")]

    def stream(self, name: str = "stdout") -> str:
        return "".join(
            m["content"]["text"] for m in self.of_type("stream") if m["content"]["name"] == name
        )

    @property
    def result(self) -> str | None:
        """text/plain of the execute_result, if there was one."""
        results = self.of_type("execute_result")
        if not results:
            return None
        assert len(results) == 1, f"several execute_result messages: {results}"
        return results[0]["content"]["data"].get("text/plain")

    @property
    def error(self) -> dict[str, Any] | None:
        errors = self.of_type("error")
        if not errors:
            return None
        assert len(errors) == 1, f"several error messages: {errors}"
        return errors[0]["content"]

    def describe(self) -> str:
        """A compact summary for assertion messages."""
        lines = [f"reply: {self.reply and self.reply['content']}"]
        for m in self.iopub:
            lines.append(f"  iopub {m['msg_type']}: {m['content']}")
        return "\n".join(lines)


def wait_reply(
    kc: BlockingKernelClient, msg_id: str, timeout: float = CELL_TIMEOUT
) -> dict[str, Any]:
    """The shell reply to msg_id; replies to other requests are skipped."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no shell reply to {msg_id} within {timeout} s")
        try:
            msg = kc.get_shell_msg(timeout=remaining)
        except Empty:
            continue
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


def collect_iopub(
    kc: BlockingKernelClient, msg_id: str, timeout: float = CELL_TIMEOUT
) -> list[dict[str, Any]]:
    """Iopub messages parented to msg_id, up to and including its `idle` status."""
    deadline = time.monotonic() + timeout
    got: list[dict[str, Any]] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(
                f"no idle status for {msg_id} within {timeout} s; got: "
                + ", ".join(m["msg_type"] for m in got)
            )
        try:
            msg = kc.get_iopub_msg(timeout=remaining)
        except Empty:
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        got.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return got


def finish(kc: BlockingKernelClient, msg_id: str, timeout: float = CELL_TIMEOUT) -> Cell:
    """Waits for the whole answer to a request that was already sent."""
    cell = Cell(msg_id)
    cell.iopub = collect_iopub(kc, msg_id, timeout)
    cell.reply = wait_reply(kc, msg_id, timeout)
    return cell


def run(kc: BlockingKernelClient, code: str, timeout: float = CELL_TIMEOUT, **kwargs: Any) -> Cell:
    """Executes code and returns everything the kernel sent about it."""
    msg_id = kc.execute(code, **kwargs)
    return finish(kc, msg_id, timeout)


def run_ok(kc: BlockingKernelClient, code: str, timeout: float = CELL_TIMEOUT, **kwargs: Any) -> Cell:
    """Like run, and asserts the cell succeeded."""
    cell = run(kc, code, timeout, **kwargs)
    assert cell.status == "ok", f"cell failed: {code!r}\n{cell.describe()}"
    return cell


def drain(kc: BlockingKernelClient, quiet_for: float = 0.3) -> None:
    """Drops whatever is waiting on the shell and iopub channels."""
    for get in (kc.get_shell_msg, kc.get_iopub_msg):
        while True:
            try:
                get(timeout=quiet_for)
            except Empty:
                break


# ---------------------------------------------------------------- widgets

VIEW_MIME = "application/vnd.jupyter.widget-view+json"


def send_shell(kc: BlockingKernelClient, msg_type: str, content: dict[str, Any]) -> str:
    """Sends a shell message as a front end would (comm_msg, comm_open, ...); returns its id."""
    msg = kc.session.msg(msg_type, content)
    kc.shell_channel.send(msg)
    return msg["header"]["msg_id"]


def shown_model(cell: Cell) -> str:
    """The model id of the last widget the cell displayed."""
    shows = [m for m in cell.outputs if m["msg_type"] in ("execute_result", "display_data")
             and VIEW_MIME in m["content"]["data"]]
    assert shows, cell.describe()
    return shows[-1]["content"]["data"][VIEW_MIME]["model_id"]
