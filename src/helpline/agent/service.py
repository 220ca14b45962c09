"""Running the agent as a service: a systemd unit for real, a detached process as its twin.

Why a boundary: with the customer's consent the agent installs itself so that it
comes back after a logout, a crash or a restart of the computer and resumes the same
session from its state file (state.ServiceState). ``SystemdManager`` writes and
enables the unit: a system unit when the agent runs as root, else a user unit with
lingering, so it runs without anyone logged in. Where systemd cannot run (containers,
tests), ``ProcessManager`` starts exactly the unit's ``ExecStart`` line as a detached
process, so what is tested is the command systemd would run.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

SYSTEM_UNIT_DIR = Path("/etc/systemd/system")
MANAGERS = ("systemd", "process")


class ServiceError(Exception):
    """Installing or removing the service failed; said for people."""


class ServiceManager(Protocol):
    name: str

    def install(self, state_file: Path) -> None: ...
    def uninstall(self) -> None: ...
    def is_installed(self) -> bool: ...


def unit_name(session: str) -> str:
    return f"helpline-agent-{session}.service"


def exec_start(state_file: Path, python: str | None = None) -> str:
    """The service's command line; ``%`` and ``$`` doubled, as systemd wants them."""
    line = shlex.join(
        [python or sys.executable, "-m", "helpline", "agent", "service", "--state", str(state_file)]
    )
    return line.replace("%", "%%").replace("$", "$$")


def parse_exec_start(line: str) -> list[str]:
    """An ``ExecStart=`` value as argv, the way systemd reads these simple lines."""
    return shlex.split(line.replace("%%", "%").replace("$$", "$"))


def render_unit(session: str, state_file: Path, *, system: bool, python: str | None = None) -> str:
    """The unit file's text."""
    after = "After=network-online.target\nWants=network-online.target\n" if system else ""
    target = "multi-user.target" if system else "default.target"
    return (
        "[Unit]\n"
        f"Description=Helpline agent for support session {session}\n"
        f"{after}"
        "\n"
        "[Service]\n"
        "Type=simple\n"
        f"ExecStart={exec_start(state_file, python)}\n"
        "Restart=on-failure\n"
        "RestartSec=5\n"
        "UMask=0077\n"
        "\n"
        "[Install]\n"
        f"WantedBy={target}\n"
    )


def _exec_line(unit_text: str) -> str:
    for line in unit_text.splitlines():
        if line.startswith("ExecStart="):
            return line.removeprefix("ExecStart=")
    raise ServiceError("The unit has no ExecStart line.")


def _run(argv: list[str]) -> None:
    try:
        done = subprocess.run(  # noqa: S603 (fixed programs, no shell)
            argv, capture_output=True, text=True, check=False, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ServiceError(f"Could not run {shlex.join(argv)}: {error}") from None
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        reason = said[-1] if said else f"exit status {done.returncode}"
        raise ServiceError(f"{shlex.join(argv)} failed: {reason}")


class SystemdManager:
    name = "systemd"

    def __init__(
        self,
        session: str,
        *,
        root: bool | None = None,
        home: Path | None = None,
        unit_dir: Path | None = None,
    ) -> None:
        self.session = session
        self.system = os.geteuid() == 0 if root is None else root
        self.home = home or Path.home()
        # Where the unit file goes; by default systemd's folder for system or user units.
        self.unit_dir = unit_dir

    @property
    def unit_path(self) -> Path:
        folder = self.unit_dir or (
            SYSTEM_UNIT_DIR if self.system else self.home / ".config" / "systemd" / "user"
        )
        return folder / unit_name(self.session)

    def _systemctl(self, *args: str) -> list[str]:
        return ["systemctl", *([] if self.system else ["--user"]), *args]

    def install(self, state_file: Path) -> None:
        self.unit_path.parent.mkdir(parents=True, exist_ok=True)
        self.unit_path.write_text(render_unit(self.session, state_file, system=self.system))
        try:
            if not self.system:
                # Lingering: the user's units run without anyone logged in, and after a
                # restart.
                _run(["loginctl", "enable-linger", getpass.getuser()])
            _run(self._systemctl("daemon-reload"))
            _run(self._systemctl("enable", "--now", unit_name(self.session)))
        except ServiceError:
            # Half installed is not installed: no unit may outlive the refusal.
            with contextlib.suppress(ServiceError):
                self.uninstall()
            raise

    def uninstall(self) -> None:
        """Disable, remove, reload, and stop last: the stop may end this very process
        (the service removes itself at the session's end), so nothing may follow it.
        ``--no-block``: systemctl must not wait for the end of its own caller."""
        if not self.unit_path.exists():
            return
        name = unit_name(self.session)
        problems: list[str] = []

        def systemctl(*args: str) -> None:
            # Every step is tried: a failed one must not leave the unit behind.
            try:
                _run(self._systemctl(*args))
            except ServiceError as error:
                problems.append(str(error))

        systemctl("disable", name)
        self.unit_path.unlink(missing_ok=True)
        systemctl("daemon-reload")
        systemctl("stop", "--no-block", name)
        if problems:
            raise ServiceError("; ".join(problems))

    def is_installed(self) -> bool:
        return self.unit_path.exists()


class ProcessManager:
    """The twin: the unit's ``ExecStart`` as a detached process, its pid in a file."""

    name = "process"

    def __init__(self, session: str, folder: Path, env: Mapping[str, str] | None = None) -> None:
        self.session = session
        self.pid_file = folder / f"service-{session}.pid"
        self.env = dict(os.environ if env is None else env)
        self.child: subprocess.Popen[bytes] | None = None  # the last one started here

    def install(self, state_file: Path) -> None:
        self.start(state_file)

    def start(self, state_file: Path) -> int:
        """Start the unit's exact ExecStart line (again, after a crash)."""
        unit = render_unit(self.session, state_file, system=os.geteuid() == 0)
        argv = parse_exec_start(_exec_line(unit))
        log = self.pid_file.with_suffix(".log")
        self.pid_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(log, "ab") as output:
            child = subprocess.Popen(  # noqa: S603 (the unit's own ExecStart)
                argv,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=self.env,
                close_fds=True,
            )
        self.child = child
        self.pid_file.write_text(str(child.pid))
        return child.pid

    def pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def uninstall(self) -> None:
        pid = self.pid()
        self.pid_file.unlink(missing_ok=True)
        if pid is not None and pid != os.getpid():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGTERM)

    def is_installed(self) -> bool:
        pid = self.pid()
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def manager_for(name: str | None, session: str, folder: Path) -> ServiceManager:
    """``--service-manager`` / ``HELPLINE_AGENT_SERVICE_MANAGER``; systemd by default."""
    chosen = name or os.environ.get("HELPLINE_AGENT_SERVICE_MANAGER") or "systemd"
    if chosen == "systemd":
        return SystemdManager(session)
    if chosen == "process":
        return ProcessManager(session, folder)
    raise ServiceError(f"Unknown service manager {chosen!r}: use one of {', '.join(MANAGERS)}.")
