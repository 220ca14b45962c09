"""The bench's servers end with the bench: a run killed by a timeout leaves no server
holding a port and a core for the next run (``bench.proc.Server``)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]

# A bench-like process: it starts a server the way the runner does, says its pid, and
# is killed outright, with no chance to stop it.
KILLED_RUNNER = """
import os, signal, sys
from pathlib import Path
from bench import proc
port = proc.free_port()
server = proc.Server(
    "probe", [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
    port, Path(sys.argv[1]), health_path="/",
)
server.start()
print(server.pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_server_stops_when_the_run_that_started_it_is_killed(tmp_path: Path) -> None:
    runner = subprocess.run(
        [sys.executable, "-c", KILLED_RUNNER, str(tmp_path / "server.log")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    server_pid = int(runner.stdout.split()[0])
    deadline = time.monotonic() + 20
    while _running(server_pid):
        assert time.monotonic() < deadline, "the server outlived the run that started it"
        time.sleep(0.05)  # another process's end has no event to wait on


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
