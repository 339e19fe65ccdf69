"""The kernel survives bad input and crashing user code, and says what went wrong."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
import zmq

from huntrs_testing import run, run_ok, start_kernel, stop_kernel


@pytest.fixture
def kernel():
    km, kc = start_kernel()
    run_ok(kc, "let survivor = 41;")
    yield km, kc
    stop_kernel(km, kc)


def test_aborting_process_is_reported_and_kernel_lives(kernel):
    km, kc = kernel
    cell = run(kc, "std::process::abort()")
    assert cell.status == "error", cell.describe()
    assert cell.reply["content"]["ename"] == "process died", cell.describe()
    assert "all variables were lost" in cell.reply["content"]["evalue"], cell.describe()
    assert km.is_alive()
    after = run(kc, "6 * 7")
    assert after.status == "ok" and after.result == "42", after.describe()


def test_stack_overflow_is_reported_and_kernel_lives(kernel):
    km, kc = kernel
    cell = run(kc, "fn down(n: u64) -> u64 { if n == 0 { 0 } else { 1 + down(n - 1) } }\ndown(u64::MAX)")
    assert cell.status == "error", cell.describe()
    assert km.is_alive()
    assert run(kc, "1 + 1").result == "2"


def test_garbage_frames_are_ignored(kernel):
    """Frames that are not a Jupyter message at all, sent straight to the shell
    socket: the kernel logs and drops them, then answers normally."""
    km, kc = kernel
    info = km.get_connection_info()
    context = zmq.Context.instance()
    socket = context.socket(zmq.DEALER)
    socket.connect(f"{info['transport']}://{info['ip']}:{info['shell_port']}")
    try:
        for frames in ([b"no delimiter"], [b"<IDS|MSG>", b"sig"], [b"<IDS|MSG>", b"", b"{", b"{}", b"{}", b"{}"]):
            socket.send_multipart(frames)
        time.sleep(0.5)
    finally:
        socket.close(linger=0)
    assert km.is_alive()
    cell = run(kc, "survivor + 1")
    assert cell.status == "ok" and cell.result == "42", cell.describe()


def test_unknown_message_type_gets_no_reply_but_kernel_answers_after(kernel):
    km, kc = kernel
    message = kc.session.msg("frobnicate_request", content={})
    kc.shell_channel.send(message)
    cell = run(kc, "survivor")
    assert cell.result == "41", cell.describe()


def test_broken_connection_file_is_a_clear_error(huntrs_bin: Path, tmp_path: Path):
    missing = subprocess.run(
        [str(huntrs_bin), "kernel", "--connection-file", str(tmp_path / "nope.json")],
        capture_output=True, text=True, timeout=30,
    )
    assert missing.returncode != 0
    assert "cannot read connection file" in missing.stderr, missing.stderr

    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"ip": "127.0.0.1", "shell_port": "not a port"}))
    result = subprocess.run(
        [str(huntrs_bin), "kernel", "--connection-file", str(broken)],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode != 0
    assert "is not valid" in result.stderr, result.stderr
