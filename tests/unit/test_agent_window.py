"""The service tells whether the customer's window on a session runs: the window
holds a lock while it runs, and however its process ends, the lock is gone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from helpline.agent.window import WindowLock, lock_path, window_open


def test_a_window_is_open_while_it_holds_its_lock(tmp_path: Path) -> None:
    assert not window_open("7KQM-2XPD", tmp_path)
    lock = WindowLock("7KQM-2XPD", tmp_path)
    assert lock.hold()
    try:
        assert window_open("7KQM-2XPD", tmp_path)
        assert not window_open("OTHER-SESSION", tmp_path)
        assert lock_path("7KQM-2XPD", tmp_path).stat().st_mode & 0o777 == 0o600
        # A second window on the same session does not take it from the first.
        assert not WindowLock("7KQM-2XPD", tmp_path).hold()
    finally:
        lock.release()
    assert not window_open("7KQM-2XPD", tmp_path)
    assert not lock_path("7KQM-2XPD", tmp_path).exists()


def test_a_window_killed_with_sigkill_is_seen_closed(tmp_path: Path) -> None:
    with subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from helpline.agent.window import WindowLock;"
            f"assert WindowLock('7KQM-2XPD', Path({str(tmp_path)!r})).hold();"
            "print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        assert window_open("7KQM-2XPD", tmp_path)
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    # The file stays behind (nobody removed it); the lock does not.
    assert lock_path("7KQM-2XPD", tmp_path).exists()
    assert not window_open("7KQM-2XPD", tmp_path)
