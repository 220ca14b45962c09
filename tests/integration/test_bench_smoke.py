"""The benchmark's quick mode as a smoke run: every scenario runs small against real
servers, produces figures, and counts nothing lost, duplicated or reordered.

Speed is not asserted here (the figures live in docs/performance.md); only that the
bench works and that Helpline delivers every message exactly once under it. Needs no
package beyond the project's: without ``hdrh`` the bench takes exact percentiles.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

REPO = Path(__file__).resolve().parents[2]
POSTGRES_URL = os.environ.get(
    "HELPLINE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
QUICK_TIMEOUT_S = 240

pytestmark = [pytest.mark.bench, pytest.mark.timeout(QUICK_TIMEOUT_S + 60)]


def _postgres_reachable() -> bool:
    parts = urlsplit(POSTGRES_URL)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), 2):
            return True
    except OSError:
        return False


def test_quick_bench_runs_every_scenario_and_loses_nothing(tmp_path: Path) -> None:
    out = tmp_path / "quick.json"
    database = "both" if _postgres_reachable() or os.environ.get("CI") == "true" else "sqlite"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        "BENCH_POSTGRES_URL": POSTGRES_URL.rsplit("/", 1)[0] + "/postgres",
    }
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "run",
            "--quick",
            "--scenarios",
            "idle",
            "chat",
            "fanout",
            "storm",
            "baseline",
            "--database",
            database,
            "--out",
            str(out),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=QUICK_TIMEOUT_S,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "ratio" in completed.stdout, completed.stdout
    results = json.loads(out.read_text())
    figures = results["scenarios"]
    assert results["failures"] == []

    assert [level["connections"] for level in figures["idle"]["levels"]], figures["idle"]
    assert all(level["kib_per_connection"] > 0 for level in figures["idle"]["levels"])

    expected = ["sqlite", "postgresql"] if database == "both" else ["sqlite"]
    assert sorted(figures["chat"]) == sorted(expected)
    ladders = {f"chat-{db}": figures["chat"][db] for db in expected}
    ladders["fanout"] = figures["fanout"]
    ladders["baseline"] = figures["baseline"]
    for name, ladder in ladders.items():
        assert ladder["steps"], name
        for step in ladder["steps"]:
            assert step["sent"] > 0, (name, step)
            assert step["latency"]["count"] > 0, (name, step)
            assert step["latency"]["p99_ms"] is not None, (name, step)
            assert step["missing"] == 0, (name, step)
            assert step["duplicated"] == 0, (name, step)
            assert step["reordered"] == 0, (name, step)
            assert step["errors"] == [], (name, step)
            latency = step["latency"]
            assert latency["p99_ms"] <= latency["p999_ms"] <= latency["max_ms"], (name, step)
    for name, ladder in [*ladders.items(), ("idle", figures["idle"]), ("storm", figures["storm"])]:
        machine = ladder["machine"]
        assert len(machine["load_before"]) == len(machine["load_after"]) == 3, (name, machine)
    assert "The machine around each scenario: idle: load " in completed.stdout, completed.stdout
    if database == "both":
        # What PostgreSQL itself did: every message committed, the WAL flushed for it.
        for step in figures["chat"]["postgresql"]["steps"]:
            assert step["database_commits"] >= 1, step
            assert step["database_wal_syncs"] >= 1, step
            assert step["database_cpu_percent"] is not None, step
            assert step["database_wait_percent"] is not None, step
        assert "commits and" in completed.stderr, completed.stderr[-2000:]
        assert "postgres waited for a core" in completed.stderr, completed.stderr[-2000:]
    for db in expected:
        for step in figures["chat"][db]["steps"]:
            assert step["unacked"] == 0, step  # every message persisted and acknowledged
            assert step["server_wait_percent"] is not None, step
            # How busy the append writer was, from the server's own /metrics.
            assert step["writer_batches"] >= 1, step
            assert 0 < step["writer_busy_percent"] <= 100, step
            assert step["writer_appends_per_batch"] >= 1, step
    assert "writer busy" in completed.stderr, completed.stderr[-2000:]
    assert "writer_busy_percent" not in figures["baseline"]["steps"][0], "the relay has no writer"

    storm = figures["storm"]
    assert storm["clients"] > 0
    assert storm["not_current"] == 0, storm
    assert storm["missing"] == 0, storm
    assert storm["duplicated_appends"] == 0, storm
    assert storm["redelivered"] == 0, storm
    assert storm["seconds_until_all_current"] is not None
    # Where its time went: everyone connected and current by the timeline's last step,
    # and what the generator's processes spent.
    assert storm["timeline"][-1]["connected"] == storm["timeline"][-1]["current"], storm
    assert storm["timeline"][-1]["current"] == storm["clients"], storm
    assert storm["generator_cpu_s"] > 0 and storm["wall_s"] > 0, storm
    # Each second after the drop, how full each side's cores were: the server worked.
    busy = storm["busy_timeline"]
    assert busy and all({"seconds", "server", "generator"} <= set(row) for row in busy), busy
    assert max(row["server"] for row in busy) > 0, busy
    assert "connected / current (server's / generator's cores busy)" in completed.stderr


def test_the_store_bench_times_reads_and_appends() -> None:
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.store",
            "--reads",
            "200",
            "--appends",
            "200",
            "--alone",
            "20",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    figures = finished.stdout.strip().split("; ")
    assert [figure.split(":")[0] for figure in figures] == [
        "read, one at a time",
        "read, 50 callers",
        "append, 50 callers",
        "append, one at a time",
    ]
    assert all("wall " in figure and " us, cpu " in figure for figure in figures)


def _store_bench_databases() -> set[str]:
    async def names() -> set[str]:
        admin = await asyncpg.connect(POSTGRES_URL)
        try:
            rows = await admin.fetch(
                "SELECT datname FROM pg_database WHERE datname LIKE 'helpline_bench_store_%'"
            )
        finally:
            await admin.close()
        return {row["datname"] for row in rows}

    return asyncio.run(names())


def test_the_store_bench_times_postgresql_on_a_database_it_drops() -> None:
    if not _postgres_reachable():
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}")
    before = _store_bench_databases()
    url = POSTGRES_URL.replace("postgresql://", "postgresql+asyncpg://", 1)
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.store",
            "--reads",
            "100",
            "--appends",
            "200",
            "--alone",
            "20",
            "--sessions",
            "10",
            "--database-url",
            url,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    figures = finished.stdout.strip().split("; ")
    assert [figure.split(":")[0] for figure in figures][2:] == [
        "append, 50 callers",
        "append, one at a time",
    ]
    assert "load average at start" in finished.stderr
    assert _store_bench_databases() == before


def test_two_trees_are_compared_round_by_round_on_the_servers_cpu_per_message(
    tmp_path: Path,
) -> None:
    out = tmp_path / "compare.json"
    command = ["--before", "HEAD", "--rounds", "2", "--messages", "48", "--sessions", "3"]
    finished = _compare(*command, "--out", str(out))
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "B / A, round by round: median" in finished.stdout, finished.stdout
    figures = json.loads(out.read_text())
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    assert figures["trees"]["A"] == {"given": "HEAD", "commit": head}, figures["trees"]
    assert figures["trees"]["B"]["given"] == "this checkout", figures["trees"]
    assert str(REPO) not in out.read_text(), "no machine's paths in a result"
    for tree in ("A", "B"):
        rounds = figures["rounds_us"][tree]
        assert len(rounds) == 2 and all(us > 0 for us in rounds), figures
        assert figures["per_message_us"][tree]["min"] <= figures["per_message_us"][tree]["max"]
    assert figures["b_over_a"]["median"] > 0, figures
    assert len(figures["machine"]["load_after"]) == 3, figures


def test_two_trees_are_compared_on_the_servers_cpu_per_socket_dropped_and_back(
    tmp_path: Path,
) -> None:
    out = tmp_path / "reconnect.json"
    command = ["--before", "HEAD", "--load", "reconnect", "--rounds", "2", "--sessions", "9"]
    finished = _compare(*command, "--out", str(out))

    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "us a reconnect" in finished.stdout, finished.stdout
    figures = json.loads(out.read_text())
    assert figures["load"] == "reconnect", figures
    for tree in ("A", "B"):
        # Every round dropped and brought back 9 customers and their 2 consoles; the
        # server spent something on each.
        rounds = figures["rounds_us"][tree]
        assert len(rounds) == 2 and all(us > 0 for us in rounds), figures
        figure = figures["per_reconnect_us"][tree]
        assert 0 < figure["min"] <= figure["median"] <= figure["max"], figures
    assert figures["b_over_a"]["median"] > 0, figures


def _compare(*arguments: str) -> subprocess.CompletedProcess[str]:
    """``python -m bench.compare ARGUMENTS`` from the repository, its output kept."""
    return subprocess.run(
        [sys.executable, "-m", "bench.compare", *arguments],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=QUICK_TIMEOUT_S,
        check=False,
    )


def test_the_relay_is_compared_on_each_stack_per_frame_per_reconnect_and_per_idle_socket(
    tmp_path: Path,
) -> None:
    out = tmp_path / "stacks.json"
    stacks = ["uvicorn", "uvicorn-websockets-legacy"]
    command = ["--stacks", *stacks, "--rounds", "2", "--frames", "40", "--rooms", "6"]
    finished = subprocess.run(
        [sys.executable, "-m", "bench.compare_stack", *command, "--idle", "30", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=QUICK_TIMEOUT_S,
        check=False,
    )

    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "x1.000 of uvicorn" in finished.stdout, finished.stdout
    figures = json.loads(out.read_text())
    assert sorted(figures) == ["chat", "reconnect"], figures
    for load, unit in (("chat", "frame"), ("reconnect", "socket back")):
        assert figures[load]["unit"] == unit, figures[load]
        assert list(figures[load]["stacks"]) == stacks, figures[load]
        for figure in figures[load]["stacks"].values():
            # Each stack was measured in both of its rounds and spent something on each.
            assert len(figure["rounds_us"]) == 2 and min(figure["rounds_us"]) > 0, figure
            assert figure["over_first"]["median"] > 0, figure
    for figure in figures["reconnect"]["stacks"].values():
        assert figure["idle_kib_per_socket"] is not None, figure
