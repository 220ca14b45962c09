"""The running session's state file, so ``helpline agent send PATH`` can find it.

Why a file, and why so guarded: a second command in another terminal needs the
session's token to send a file into it. The token opens the customer's session, so
the file is readable by its owner only (mode 0600, in a folder of mode 0700), lives
under ``$XDG_RUNTIME_DIR`` (a per-user tmpfs that is emptied at logout) or else
``~/.local/state/helpline/``, and is removed when the session ends or the agent quits.

The agent running as a service (service.py) keeps a sibling file, ``ServiceState``,
guarded the same way but always under ``~/.local/state/helpline/``, because it must
survive a restart of the computer; it holds the last event seen, so the service
resumes where it was, and never the customer's password.
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
    return write_private(path_for(running.session, folder), asdict(running))


def write_private(target: Path, data: dict[str, object]) -> Path:
    """Write JSON readable by its owner only (0600 in a 0700 folder), atomically."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    os.chmod(target.parent, FOLDER_MODE)
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
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


# ------------------------------------------------------------------ the service


@dataclass(frozen=True)
class ServiceState:
    """What the agent running as a service needs to resume the same session after a
    crash, a logout or a restart of the computer. Never the password: the service
    starts without the customer's credentials."""

    server: str
    session: str
    token: str
    download_dir: str
    manager: str = "systemd"  # which ServiceManager installed it (service.py)
    last_seq: int = 0
    pending_reboot: str | None = None  # the restart task to report done once back


def service_dir() -> Path:
    """Outside ``$XDG_RUNTIME_DIR``: the service's state must survive a restart."""
    return Path.home() / ".local" / "state" / "helpline"


def service_path(session: str, folder: Path | None = None) -> Path:
    return (folder or service_dir()) / f"service-{session}.json"


def read_service(path: Path) -> ServiceState:
    """The state file; ``ValueError`` for one that is missing or not a state file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ServiceState(**data)
    except (OSError, ValueError, TypeError) as error:
        raise ValueError(f"{path} is not a Helpline service state file ({error})") from None


def services(folder: Path | None = None) -> list[Path]:
    return sorted((folder or service_dir()).glob("service-*.json"))
