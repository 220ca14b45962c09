"""The system information the agent collects: a real collection on this computer has
every section that applies, fits the report's limits, and survives missing, failing,
slow and chatty tools (stand-ins on PATH, run for real)."""

from __future__ import annotations

import contextlib
import shutil
import stat
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psutil
import pytest

from helpline.agent import diagnostics_system
from helpline.agent.diagnostics import collect
from helpline.agent.diagnostics_system import (
    ProbeFailed,
    default_routes_v4,
    default_routes_v6,
    run_command,
)
from helpline.domain.diagnostics import MAX_CELL, Report, check_report, report_as_text

SLEEP = shutil.which("sleep")
ALWAYS = ["os", "uptime", "cpu", "memory", "disks", "network", "dns_routes", "processes"]


def ids(report: Report) -> list[str]:
    return [s["id"] for s in report["sections"]]


def section(report: Report, section_id: str) -> Any:
    return next(s for s in report["sections"] if s["id"] == section_id)


def fields(report: Report, section_id: str) -> dict[str, str]:
    return dict(section(report, section_id)["fields"])


def table(report: Report, section_id: str) -> Any:
    return section(report, section_id)["table"]


def tools(folder: Path, **scripts: str) -> Path:
    """A folder of stand-in commands (shell scripts) to put on PATH."""
    folder.mkdir(exist_ok=True)
    for name, body in scripts.items():
        path = folder / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return folder


def test_a_collection_here_has_every_section_that_applies_and_fits_the_limits() -> None:
    report = collect()

    expected = list(ALWAYS)
    expected += ["systemd_failed"] if shutil.which("systemctl") else []
    expected += ["journal_errors"] if shutil.which("journalctl") else []
    assert ids(report) == expected
    assert check_report(report) == report
    assert report["elevated"] is False
    assert str(report["collected_at"]).endswith("Z")

    os_fields = fields(report, "os")
    assert os_fields["Distribution"] and os_fields["Kernel"] and os_fields["Architecture"]
    assert {"Up for", "Booted at"} <= set(fields(report, "uptime"))
    assert int(fields(report, "cpu")["Logical CPUs"]) == psutil.cpu_count()
    assert {"Total", "Available", "Used", "Swap total"} <= set(fields(report, "memory"))
    disks = table(report, "disks")
    assert disks is not None and any(row[0] == "/" for row in disks["rows"])
    network = table(report, "network")
    assert network is not None and any("127.0.0.1/8" in row[5] for row in network["rows"])
    assert "Default route (IPv4)" in fields(report, "dns_routes")
    processes = table(report, "processes")
    assert processes is not None and processes["columns"][0] == "PID"
    assert processes["rows"] and all(row[0].isdigit() and row[1] for row in processes["rows"])
    # Never a command line (it may hold a password): each process by its name alone.
    for pid, name, *_ in processes["rows"]:
        with contextlib.suppress(psutil.Error):  # ended since, or not ours to read
            process = psutil.Process(int(pid))
            command = process.cmdline()
            if command:
                # A kernel thread (no command line) renames itself with the work it
                # does (kworker/1:1-events_freezable): its name may have moved on.
                assert name == process.name()
            assert len(command) < 2 or name != " ".join(command)
    assert report_as_text(report).startswith("== Operating system ==\n")


def test_without_the_tools_their_sections_are_left_out_and_nothing_breaks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", "")
    report = collect(elevated=True)
    assert ids(report) == ALWAYS
    assert report["elevated"] is True


def test_the_tools_answers_become_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tools(
        tmp_path / "bin",
        systemctl='echo "nginx.service loaded failed failed A high performance web server"',
        journalctl=(
            'echo "2026-12-04T10:00:00+0000 vm kernel: disk error on sda"\n'
            'echo "-- Boot 1234 --"\n'
            'echo "2026-12-04T10:01:00+0000 vm sshd[42]: fatal: bad key"'
        ),
        dmesg='echo "2026-12-04T09:00:00,000000+00:00 EXT4-fs error (device sda1)"',
    )
    monkeypatch.setenv("PATH", str(folder))
    asked: list[list[str]] = []

    def run(command: Sequence[str], timeout: float) -> str:
        asked.append(list(command))
        return run_command(command, timeout)

    report = collect(elevated=True, run=run)
    assert ids(report) == [*ALWAYS, "systemd_failed", "journal_errors", "dmesg"]
    assert table(report, "systemd_failed") == {
        "columns": ["Unit", "Load", "Active", "Sub", "Description"],
        "rows": [["nginx.service", "loaded", "failed", "failed", "A high performance web server"]],
    }
    assert fields(report, "systemd_failed") == {"Failed units": "1"}
    journal = table(report, "journal_errors")
    assert journal is not None and journal["rows"] == [
        ["2026-12-04T10:00:00+0000", "vm kernel: disk error on sda"],
        ["2026-12-04T10:01:00+0000", "vm sshd[42]: fatal: bad key"],
    ]
    kernel = table(report, "dmesg")
    assert kernel is not None and kernel["rows"][0][1] == "EXT4-fs error (device sda1)"
    assert sorted(c[0] for c in asked) == ["dmesg", "journalctl", "systemctl"]
    assert ["journalctl", "-p", "err", "-n", "50", "--no-pager", "-o", "short-iso"] in asked


def test_a_failing_slow_or_chatty_tool_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tools(
        tmp_path / "bin",
        systemctl='echo "Failed to connect to bus: Host is down" >&2; exit 1',
        journalctl=f'printf "2026-12-04T10:00:00+0000 %0{MAX_CELL * 3}d\\n" 0',
    )
    monkeypatch.setenv("PATH", str(folder))
    report = collect()
    assert fields(report, "systemd_failed") == {
        "Not available": "systemctl exited with status 1: Failed to connect to bus: Host is down"
    }
    journal = table(report, "journal_errors")
    assert journal is not None
    assert len(journal["rows"][0][1]) == MAX_CELL and journal["rows"][0][1].endswith("…")

    tools(folder, journalctl=f"exec {SLEEP} 5")
    monkeypatch.setattr(diagnostics_system, "COMMAND_TIMEOUT_SECONDS", 0.3)
    started = time.monotonic()
    slow = collect()
    assert time.monotonic() - started < 3
    assert fields(slow, "journal_errors") == {
        "Not available": "journalctl did not answer within 0.3 seconds."
    }


def test_a_command_that_is_not_there_says_so() -> None:
    with pytest.raises(ProbeFailed, match="no-such-tool-here is not installed"):
        run_command(["no-such-tool-here"], 1.0)


def test_a_probe_that_breaks_becomes_a_section_saying_so(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused() -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(psutil, "net_if_addrs", refused)
    report = collect()
    assert fields(report, "network") == {
        "Not available": "PermissionError: [Errno 13] Permission denied"
    }
    assert ids(report)[:8] == ALWAYS


def test_default_routes_are_read_from_the_kernels_tables(tmp_path: Path) -> None:
    v4 = tmp_path / "route"
    v4.write_text(
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        "eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
        "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
    )
    assert default_routes_v4(v4) == ["via 192.0.2.1 dev eth0 metric 100"]
    v6 = tmp_path / "ipv6_route"
    zero = "0" * 32
    v6.write_text(
        f"{zero} 00 {zero} 00 fd000000000000000000000000000001 00000400 00000001 "
        "00000000 00000003 eth0\n"
        f"{zero} 00 {zero} 00 {zero} ffffffff 00000001 00000000 00200200 lo\n"
    )
    assert default_routes_v6(v6) == ["via fd00::1 dev eth0 metric 1024"]
