"""What PostgreSQL did during a chat step: its processes' CPU, commits and WAL flushes.

Why: past 1,500 msg/s on PostgreSQL the server's own core was half idle while the
latency passed its limit, so the wait is in the database or in the machine around it.
PostgreSQL is not pinned to a core: its CPU comes out of the same cores as the
server's and the generator's. Each step records how much CPU PostgreSQL's
processes used for the bench's database (its backends and the shared writer,
checkpointer and autovacuum processes; read from /proc, so the machine's PostgreSQL
must be local), how many
transactions the bench's database committed and how often the WAL was flushed to
disk, per message: a commit per message says batching is not happening, PostgreSQL's
CPU beside the server's and the generator's says whether the cores are used up, and
how long its processes waited for a core while ready to run says whether they were
kept from one (on a two-core machine the server and the generator are pinned to one
each, and PostgreSQL runs in what they leave).

PostgreSQL's statistics reach its views up to a second late (each backend flushes its
counts at most once a second), so the counts of a ten-second step are good to about
a tenth.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import make_url

from bench.proc import cpu_seconds, run_queue_wait_seconds

# PostgreSQL's own processes, which work for every database: their CPU counts.
_SHARED = ("checkpointer", "background writer", "walwriter", "autovacuum", "logical")


def _counted(title: str, database: str | None) -> bool:
    """Whether a ``postgres`` process works for ``database``: its backends (titled
    "postgres: 15/main: USER DATABASE HOST(PORT) STATE") and the shared processes;
    with no database named, every one."""
    if database is None:
        return True
    doing = title.rsplit(": ", 1)[-1]
    words = doing.split()
    return doing.startswith(_SHARED) or (len(words) > 1 and words[1] == database)


def postgres_processes(database: str | None = None) -> list[int]:
    """The live ``postgres`` processes that work for ``database``; empty when none can
    be read (PostgreSQL elsewhere, or /proc closed to this user)."""
    found: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            with open(f"/proc/{entry}/comm") as comm:
                if not comm.read().startswith("postgres"):
                    continue
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                title = cmdline.read().replace(b"\0", b" ").decode(errors="replace").strip()
            if title.startswith("postgres: ") and not _counted(title, database):
                continue
            found.append(int(entry))
    return found


def postgres_cpu(database: str | None = None) -> dict[int, float]:
    """CPU seconds (user plus system) of each ``postgres_processes(database)``, by pid."""
    return _each(postgres_processes(database), cpu_seconds)


def _each(pids: list[int], read: Callable[[int], float]) -> dict[int, float]:
    found: dict[int, float] = {}
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            found[pid] = read(pid)
    return found


def cpu_between(before: dict[int, float], after: dict[int, float]) -> float | None:
    """The CPU seconds spent between two readings: each process's growth, a new one's
    whole time. A process that ended in between takes its last stretch with it, so
    this can fall short, never go negative."""
    if not before and not after:
        return None
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


@dataclass(frozen=True)
class Sample:
    cpu: dict[int, float]
    waits: dict[int, float]  # seconds each waited for a core (proc.run_queue_wait_seconds)
    commits: int | None
    wal_syncs: int | None


async def _counters(url: str) -> tuple[int, int]:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        commits = await connection.fetchval(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        )
        syncs = await connection.fetchval("SELECT wal_sync FROM pg_stat_wal")
        return int(commits), int(syncs)
    finally:
        await connection.close()


def sample(database_url: str | None) -> Sample | None:
    """Now's counts for a PostgreSQL target; None for any other."""
    if database_url is None or not database_url.startswith("postgresql"):
        return None
    pids = postgres_processes(make_url(database_url).database)
    cpu = _each(pids, cpu_seconds)
    waits = _each(pids, run_queue_wait_seconds)
    try:
        commits, syncs = asyncio.run(_counters(database_url))
    except (OSError, ImportError, RuntimeError):
        return Sample(cpu, waits, None, None)
    return Sample(cpu, waits, commits, syncs)


def _diff(after: float | None, before: float | None) -> float | None:
    return after - before if after is not None and before is not None else None


def step_figures(
    before: Sample | None, after: Sample | None, wall_s: float, messages: float
) -> dict[str, Any]:
    """The step's database figures: CPU share of one core, and per message the CPU,
    the commits and the WAL flushes (all None where unknown)."""
    if before is None or after is None:
        return {}
    cpu = cpu_between(before.cpu, after.cpu)
    waited = cpu_between(before.waits, after.waits)
    commits = _diff(after.commits, before.commits)
    syncs = _diff(after.wal_syncs, before.wal_syncs)

    def per_message(value: float | None) -> float | None:
        return value / messages if value is not None and messages else None

    cpu_per_message = per_message(cpu)
    return {
        "database_cpu_percent": 100 * cpu / wall_s if cpu is not None and wall_s else None,
        "database_us_per_message": 1e6 * cpu_per_message if cpu_per_message is not None else None,
        # Summed over its processes: 100% is one process kept from a core all step.
        "database_wait_percent": 100 * waited / wall_s if waited is not None and wall_s else None,
        "database_commits": commits,
        "database_commits_per_message": per_message(commits),
        "database_wal_syncs": syncs,
        "database_wal_syncs_per_message": per_message(syncs),
    }


def describe(step: dict[str, Any]) -> str:
    """ ", postgres cpu 61% (240 us/msg), 0.31 commits and 0.30 WAL flushes a message,
    postgres waited for a core 40%"."""
    if step.get("database_cpu_percent") is None and step.get("database_commits") is None:
        return ""

    def figure(value: float | None, template: str) -> str:
        return "-" if value is None else template.format(value)

    return (
        f", postgres cpu {figure(step.get('database_cpu_percent'), '{:.0f}%')} "
        f"({figure(step.get('database_us_per_message'), '{:.0f}')} us/msg), "
        f"{figure(step.get('database_commits_per_message'), '{:.2f}')} commits and "
        f"{figure(step.get('database_wal_syncs_per_message'), '{:.2f}')} WAL flushes a message, "
        f"postgres waited for a core {figure(step.get('database_wait_percent'), '{:.0f}%')}"
    )
