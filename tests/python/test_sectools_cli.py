"""`huntrs ioc | b64 | auditd | proctree | sample-data | cluster | kql`: the command-line tools, run as a user runs them."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest

from huntrs_testing import REPO

FIXTURES = REPO / "crates" / "sectools" / "tests" / "fixtures"
CORPUS = REPO.parent / "shared" / "corpus" / "msticpy-testdata"


def run(huntrs_bin: Path, *args: str, stdin: str | None = None, ok: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(huntrs_bin), *args], input=stdin, capture_output=True, text=True, timeout=120
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_ioc_one_object_per_line(huntrs_bin: Path) -> None:
    text = "GET hxxp://evil[.]example.com/a from 203.0.113.5\n\nmail bob@contoso.com\n"
    rows = json_lines(run(huntrs_bin, "ioc", "-", stdin=text).stdout)
    assert [r["line"] for r in rows] == [1, 2, 3]
    first = {(i["type"], i["value"]) for i in rows[0]["iocs"]}
    assert first == {("url", "http://evil.example.com/a"), ("dns", "evil.example.com"), ("ipv4", "203.0.113.5")}
    url = next(i for i in rows[0]["iocs"] if i["type"] == "url")
    assert url["defanged"] == "hxxp://evil[.]example.com/a"
    assert rows[1]["iocs"] == []
    assert {i["type"] for i in rows[2]["iocs"]} == {"email", "dns"}


def test_ioc_type_filter_and_bad_type(huntrs_bin: Path) -> None:
    rows = json_lines(run(huntrs_bin, "ioc", "--types", "ipv4", "-", stdin="1.2.3.4 example.com\n").stdout)
    assert rows == [{"line": 1, "iocs": [{"type": "ipv4", "value": "1.2.3.4"}]}]
    proc = run(huntrs_bin, "ioc", "--types", "ipv5", "-", stdin="x\n", ok=False)
    assert proc.returncode != 0
    assert "unknown IoC type 'ipv5'" in proc.stderr


def test_ioc_table_output(huntrs_bin: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_text("a 10.0.0.1\nb https://example.org/x\n")
    out = tmp_path / "iocs.csv"
    run(huntrs_bin, "ioc", str(src), "--output", str(out))
    lines = out.read_text().splitlines()
    assert lines[0] == "line,IoCType,Observable,Original"
    assert "1,ipv4,10.0.0.1,10.0.0.1" in lines
    bad = run(huntrs_bin, "ioc", str(src), "--output", str(tmp_path / "x.xlsx"), ok=False)
    assert "use a .csv, .parquet or .jsonl file name" in bad.stderr


def test_missing_input_file_is_a_clear_error(huntrs_bin: Path) -> None:
    proc = run(huntrs_bin, "auditd", "/nonexistent/audit.log", ok=False)
    assert proc.returncode != 0
    assert "cannot read /nonexistent/audit.log" in proc.stderr
    # Straight into a table, the file is read another way: the same error.
    table = run(huntrs_bin, "auditd", "/nonexistent/audit.log", "-o", "/tmp/x.csv", ok=False)
    assert table.returncode != 0
    assert "cannot read /nonexistent/audit.log" in table.stderr


def test_b64_items(huntrs_bin: Path) -> None:
    rows = json_lines(run(huntrs_bin, "b64", str(FIXTURES / "targz_script.b64")).stdout)
    assert [r["reference"] for r in rows] == ["1", "1.1", "1.1.1", "1.1.1.1"]
    assert rows[0]["file_type"] == "gz" and rows[1]["file_type"] == "tar"
    assert rows[3]["decoded_string"] == "Write-Output 'stage2'"
    assert all(r["line"] == 1 for r in rows)


def test_b64_bomb_reports_the_limit(huntrs_bin: Path) -> None:
    rows = json_lines(run(huntrs_bin, "b64", str(FIXTURES / "zip_bomb.b64")).stdout)
    assert len(rows) == 1
    assert any("max_expansion_ratio" in n for n in rows[0]["notes"])


def test_b64_csv_column_to_parquet(huntrs_bin: Path, tmp_path: Path) -> None:
    src = tmp_path / "cmds.csv"
    src.write_text("id,CommandLine\n1,powershell -enc VwByAGkAdABlAC0ASABvAHMAdAAgACcAaABpACcA\n2,dir\n")
    rows = json_lines(run(huntrs_bin, "b64", "--column", "CommandLine", str(src)).stdout)
    assert rows[0]["row"] == 0 and rows[0]["encoding"] == "utf-16le"
    out = tmp_path / "items.parquet"
    run(huntrs_bin, "b64", "--column", "CommandLine", str(src), "--output", str(out))
    assert out.read_bytes()[:4] == b"PAR1"
    proc = run(huntrs_bin, "b64", "--column", "Nope", str(src), ok=False)
    assert "column 'Nope' not found" in proc.stderr


def test_auditd_events_and_issues(huntrs_bin: Path) -> None:
    proc = run(huntrs_bin, "auditd", str(FIXTURES / "auditd_sample.log"))
    events = json_lines(proc.stdout)
    assert [e["event_type"] for e in events] == ["SYSCALL_EXECVE", "USER_LOGIN", "SYSCALL_EXECVE", "USER_CMD", "CRED_ACQ"]
    assert events[0]["cmdline"] == "bash -c echo hello | base64 -d --"
    assert events[0]["time"] == "2023-11-14T22:13:20.100Z"
    assert "line 8" in proc.stderr and "2 line(s) were not audit records" in proc.stderr


def test_auditd_table_reports_the_same_issues(huntrs_bin: Path, tmp_path: Path) -> None:
    # --output reads the text straight into the table, without the events.
    out = tmp_path / "events.csv"
    proc = run(huntrs_bin, "auditd", str(FIXTURES / "auditd_sample.log"), "--output", str(out))
    assert "line 8" in proc.stderr and "2 line(s) were not audit records; 5 event(s) parsed" in proc.stderr
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["EventType"] for r in rows] == ["SYSCALL_EXECVE", "USER_LOGIN", "SYSCALL_EXECVE", "USER_CMD", "CRED_ACQ"]
    assert rows[0]["cmdline"] == "bash -c echo hello | base64 -d --"


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/corpus is absent (a fresh clone); fixtures cover the feature")
def test_auditd_corpus_to_csv(huntrs_bin: Path, tmp_path: Path) -> None:
    out = tmp_path / "events.csv"
    run(huntrs_bin, "auditd", str(CORPUS / "auditd_log.txt"), "--output", str(out))
    with out.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:4] == ["TimeGenerated", "EventType", "AuditId", "RecordTypes"]
    assert len(rows) == 1 + 938, "one row per (timestamp, serial) event"


def summary_lines(text: str) -> dict[str, int]:
    return {k: int(v) for k, v in (line.split(": ", 1) for line in text.splitlines() if ": " in line)}


PROCTREE_FIXTURES = FIXTURES / "proctree"


def test_proctree_summary_text_and_table(huntrs_bin: Path, tmp_path: Path) -> None:
    src = PROCTREE_FIXTURES / "win4688_small.csv"
    out = tmp_path / "tree.parquet"
    proc = run(huntrs_bin, "proctree", str(src), "--output", str(out), "--text")
    lines = proc.stdout.splitlines()
    assert lines[:6] == [
        "Processes: 15",
        "RootProcesses: 3",
        "LeafProcesses: 4",
        "BranchProcesses: 8",
        "IsolatedProcesses: 0",
        "LargestTreeDepth: 6",
    ]
    assert any("+--  Process: C:\\Windows\\System32\\whoami.exe  PID: 0x1310" in line for line in lines)
    assert out.stat().st_size > 0
    # The written tree reads back through the same tool's table reader: JSON lines too.
    jl = tmp_path / "tree.jsonl"
    run(huntrs_bin, "proctree", str(src), "--output", str(jl))
    rows = json_lines(jl.read_text())
    assert len(rows) == 15
    assert sum(r["IsInferred"] for r in rows) == 3
    assert {r["path"].count("/") + 1 for r in rows} >= {6}


def test_proctree_schema_choices_and_errors(huntrs_bin: Path, tmp_path: Path) -> None:
    src = PROCTREE_FIXTURES / "mde_events_small.csv"
    assert summary_lines(run(huntrs_bin, "proctree", str(src)).stdout)["Processes"] == 6
    assert summary_lines(run(huntrs_bin, "proctree", str(src), "--schema", "mde-events").stdout)["LargestTreeDepth"] == 5
    bad = run(huntrs_bin, "proctree", str(src), "--schema", "windows", ok=False)
    assert "unknown process schema 'windows'" in bad.stderr and "windows-4688" in bad.stderr
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"process_name": "Image", "process_id": "ProcessId",
                                  "parent_id": "InitiatingProcessId", "time_stamp": "Timestamp"}))
    bad = run(huntrs_bin, "proctree", str(src), "--schema", str(schema), ok=False)
    assert "process_name = 'Image'" in bad.stderr and "FileName" in bad.stderr
    schema.write_text(json.dumps({"process_name": "FileName", "process_id": "ProcessId",
                                  "parent_id": "InitiatingProcessId", "time_stamp": "Timestamp",
                                  "host_name": "Hostname"}))
    ok = run(huntrs_bin, "proctree", str(src), "--schema", str(schema))
    assert "host_name = 'Hostname' is not in the data" in ok.stderr
    # Matched by id and time alone, the initiating process's own parent is unknown:
    # one inferred parent instead of MDE's parent and grandparent.
    assert summary_lines(ok.stdout)["Processes"] == 5


@pytest.mark.parametrize(
    "name,schema,expected",
    [
        ("mde_proc_cs1.csv", None, [1642, 9, 1177, 456, 0, 16]),
        ("winproctree-minimal.csv", {"process_name": "ImageFileName", "process_id": "PID", "parent_id": "PPID",
                                     "time_stamp": "CreateTime"}, [126, 10, 97, 19, 0, 7]),
    ],
)
def test_proctree_matches_msticpy_on_its_fixtures(huntrs_bin: Path, tmp_path: Path, name, schema, expected) -> None:
    src = CORPUS / name
    if not src.exists():
        pytest.skip(f"{src} is absent (../shared/corpus is not part of a fresh clone)")
    args = ["proctree", str(src)]
    if schema:
        (tmp_path / "s.json").write_text(json.dumps(schema))
        args += ["--schema", str(tmp_path / "s.json")]
    assert list(summary_lines(run(huntrs_bin, *args).stdout).values()) == expected


def test_sample_data_is_written_and_deterministic(huntrs_bin: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    out = run(huntrs_bin, "sample-data", str(first)).stdout
    run(huntrs_bin, "sample-data", str(second))
    tables = ["SecurityAlert", "SecurityEvent", "Syslog", "LinuxAudit", "DeviceProcessEvents", "DeviceNetworkEvents",
              "SigninLogs", "DnsEvents", "CommonSecurityLog", "ThreatIntelligenceIndicator"]
    for table in tables:
        assert table in out
        a, b = first / f"{table}.parquet", second / f"{table}.parquet"
        assert a.read_bytes() == b.read_bytes(), table
    # The generated 4688 events make a process tree whose only roots are inferred.
    proc = run(huntrs_bin, "proctree", str(first / "SecurityEvent.parquet"))
    counts = summary_lines(proc.stdout)
    assert counts["Processes"] > 1000 and counts["RootProcesses"] >= 1
    csv_dir = tmp_path / "csv"
    run(huntrs_bin, "sample-data", str(csv_dir), "--csv")
    with (csv_dir / "SecurityAlert.csv").open(newline="") as f:
        header = next(csv.reader(f))
    assert "Entities" in header and "SystemAlertId" in header
    blocker = tmp_path / "file"
    blocker.write_text("x")
    bad = run(huntrs_bin, "sample-data", str(blocker / "sub"), ok=False)
    assert str(blocker) in bad.stderr


def test_cluster_summary_output_and_errors(huntrs_bin: Path, tmp_path: Path) -> None:
    src = tmp_path / "events.csv"
    rows = ["TimeGenerated,NewProcessName,CommandLine,SubjectLogonId"]
    for i in range(20):  # one repeated command, and one odd one out
        rows.append(f"2024-03-01 10:00:{i:02d}.000,C:\\Windows\\System32\\svchost.exe,svchost.exe -k netsvcs,0x3e7")
    rows.append("2024-03-01 11:00:00.000,C:\\Users\\bob\\AppData\\x.exe,x.exe --beacon http://203.0.113.9/a,0x5a1")
    src.write_text("\n".join(rows) + "\n")
    out = tmp_path / "clusters.jsonl"
    proc = run(huntrs_bin, "cluster", str(src), "--process-features", "--features",
               "pathScore,commandlineTokensFull,isSystemSession", "--eps", "0.0001", "-o", str(out))
    assert summary_lines(proc.stdout) == {"Rows": 21, "Clusters": 1, "NoiseRows": 1, "LargestCluster": 20,
                                          "OutputRows": 2}
    clusters = json_lines(out.read_text())
    assert [(c["ClusterId"], c["ClusterSize"], c["Clustered"]) for c in clusters] == [(-1, 1, False), (0, 20, True)]
    assert clusters[1]["FirstEventTime"].startswith("2024-03-01T10:00:00")
    assert clusters[1]["LastEventTime"].startswith("2024-03-01T10:00:19")
    bad = run(huntrs_bin, "cluster", str(src), "--features", "pathScore", ok=False)
    assert "'pathScore' not found" in bad.stderr and "NewProcessName" in bad.stderr


def test_kql_over_a_folder_in_three_formats(huntrs_bin: Path, tmp_path: Path) -> None:
    (tmp_path / "Logons.csv").write_text(
        "TimeGenerated,Account,EventID\n"
        "2024-03-01T10:00:00Z,alice,4625\n"
        "2024-03-01T10:05:00Z,bob,4625\n"
        "2024-03-01T11:00:00Z,alice,4625\n"
        "2024-03-01T12:00:00Z,alice,4624\n"
    )
    query = "Logons | where EventID == 4625 | summarize count(), last = max(TimeGenerated) by Account | top 1 by count_"
    out = run(huntrs_bin, "kql", query, "--data", str(tmp_path)).stdout
    assert list(csv.reader(out.splitlines())) == [
        ["Account", "count_", "last"],
        ["alice", "2", "2024-03-01T11:00:00Z"],
    ]
    rows = json_lines(run(huntrs_bin, "kql", query, "--data", str(tmp_path), "--format", "json").stdout)
    assert rows == [{"Account": "alice", "count_": 2, "last": "2024-03-01T11:00:00Z"}]
    table = run(huntrs_bin, "kql", query, "--data", str(tmp_path), "--format", "table").stdout
    assert "alice" in table and "count_" in table
    recent = run(huntrs_bin, "kql", "Logons | where TimeGenerated > ago(90m) | count", "--data", str(tmp_path),
                 "--now", "2024-03-01T12:00:00Z").stdout
    assert recent.splitlines() == ["Count", "2"]
    bad = run(huntrs_bin, "kql", "Logons | where Acount == 'x'", "--data", str(tmp_path), ok=False)
    assert "line 1, column 16" in bad.stderr and "'Acount' not found" in bad.stderr and "EventID" in bad.stderr
    bad = run(huntrs_bin, "kql", "Logons | mv-expand EventID", "--data", str(tmp_path), ok=False)
    assert "mv-expand: 'EventID' is not a list or dynamic" in bad.stderr
