"""The running session's state file, so ``helpline agent send PATH`` can find it.

Why a file, and why so guarded: a second command in another terminal needs the
session's token to send a file into it. The token opens the customer's session, so
the file is readable by its owner only (mode 0600, in a folder of mode 0700), lives
under ``$XDG_RUNTIME_DIR`` (a per-user tmpfs that is emptied at logout) or else
``~/.local/state/helpline/``, and is removed when the session ends or the agent quits.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


@dataclass(frozen=True)
class RunningSession:
    server: str
    session: str
    token: str
    pid: int
    download_dir: str


def state_dir() -> Path:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir():
        return Path(runtime) / "helpline"
    return Path.home() / ".local" / "state" / "helpline"


def path_for(session: str, folder: Path | None = None) -> Path:
    return (folder or state_dir()) / f"agent-{session}.json"


def write(running: RunningSession, folder: Path | None = None) -> Path:
    """Write the state file, readable by its owner only, atomically."""
    target = path_for(running.session, folder)
    target.parent.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    os.chmod(target.parent, FOLDER_MODE)
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(asdict(running), handle)
    os.replace(partial, target)
    return target


def remove(session: str, folder: Path | None = None) -> None:
    path_for(session, folder).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if sys.platform == "win32":
        # There, os.kill(pid, 0) would end the process: assume it runs.
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running(folder: Path | None = None) -> list[RunningSession]:
    """Sessions whose agent still runs; state files of agents that died are removed."""
    found: list[RunningSession] = []
    where = folder or state_dir()
    for path in sorted(where.glob("agent-*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            session = RunningSession(**data)
        except (OSError, ValueError, TypeError):
            continue
        if _alive(session.pid):
            found.append(session)
        else:
            path.unlink(missing_ok=True)
    return found
