"""What a result was measured on: the machine, the Python, the pinning, and which
code (the bench's commit and the commit of the tree the server ran from).

Apart from ``runner.py`` so each stays short; recorded at the head of every result
file, so that a figure is never credited to the wrong machine or the wrong code.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import helpline
from bench import proc, stats, targets
from bench.ladder import Run


def described(run: Run) -> dict[str, Any]:
    """The result's ``environment``: this machine and run, as they are now."""
    cpu_model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError), open("/proc/meminfo") as info:
        memory = info.readline().split(":", 1)[1].strip()
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": commit_of(targets.REPO),
        # The code the server runs: PYTHONPATH may point at another tree than the bench's.
        "server_commit": commit_of(Path(helpline.__file__).resolve().parents[2]),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu_model,
        "cores": os.cpu_count(),
        "memory": memory,
        "server_cores": run.server_cpus,
        "generator_cores": run.generator_cpus,
        "generator_processes": run.plan.workers,
        "open_files_limit": proc.raise_open_files(),
        "histogram": stats.backend(),
        "mode": "quick" if run.quick else "full",
        "step_seconds": run.plan.step_s,
    }


def commit_of(tree: Path) -> str:
    """The tree's commit, "+changes" when it has uncommitted ones; "" outside git."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, check=False, cwd=tree
        ).stdout.strip()

    with contextlib.suppress(Exception):
        commit = git("rev-parse", "--short", "HEAD")
        if commit and git("status", "--porcelain", "--untracked-files=no"):
            commit += "+changes"
        return commit
    return ""
