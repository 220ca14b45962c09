"""A real local user with a real password and a sudoers rule, for the credentials tests.

Why real: the agent checks a password with sudo (PAM behind it) and runs tasks
through sudo; a fake would test nothing. Making a user needs root (CI runs as root):
without it the tests skip locally and fail where ``CI=true``. ``sudo`` is installed
with apt-get when missing. The stand-in commands are one small script that records
its user id, its arguments, its environment and its parent's command line, so a
test sees what ran as root and can scan all of it for the password.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import IN_CI

STAND_IN = """#!/bin/sh
{{
  echo "uid=$(id -u)"
  echo "argv=$*"
  echo "parent=$(tr '\\0' ' ' < /proc/$PPID/cmdline)"
  env | sed 's/^/env: /'
  echo "stdin=$(head -c 200 | od -An -c | tr -s ' ')"
}} >> {record}
"""


@dataclass(frozen=True)
class LocalUser:
    name: str
    password: str
    home: Path
    # The stand-in for systemctl and for the reboot command, and what it records.
    stand_in: Path
    record: Path

    def sudo(self) -> list[str]:
        """sudo as this user would run it (the agent's own user)."""
        return ["runuser", "-u", self.name, "--", "sudo"]

    def runs(self) -> list[str]:
        return self.record.read_text().split("uid=")[1:] if self.record.exists() else []


def _need_root() -> None:
    if os.geteuid() == 0:
        return
    message = "Making a local user with a password needs root (CI runs as root)."
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _ensure_sudo() -> None:
    if shutil.which("sudo") is not None:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "install", "-y", "-qq", "sudo"], check=True, env=env)


@contextlib.contextmanager
def _made_user(sudo_asks_password: bool) -> Iterator[LocalUser]:
    _need_root()
    _ensure_sudo()
    name = f"hl{secrets.token_hex(4)}"
    password = f"Pw-{secrets.token_urlsafe(12)}"
    subprocess.run(["useradd", "-m", "-s", "/bin/sh", name], check=True)
    folder = Path(tempfile.mkdtemp(prefix="helpline-standin-"))
    sudoers = Path(f"/etc/sudoers.d/helpline-test-{name}")
    try:
        subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)
        folder.chmod(0o755)
        record = folder / "ran.txt"
        stand_in = folder / "stand-in"
        stand_in.write_text(STAND_IN.format(record=record))
        stand_in.chmod(0o755)
        tag = "" if sudo_asks_password else "NOPASSWD: "
        sudoers.write_text(f"{name} ALL=(root) {tag}{stand_in}\n")
        sudoers.chmod(0o440)
        checked = subprocess.run(["visudo", "-c", "-f", str(sudoers)], capture_output=True)
        assert checked.returncode == 0, checked.stdout
        yield LocalUser(name, password, Path(f"/home/{name}"), stand_in, record)
    finally:
        sudoers.unlink(missing_ok=True)
        subprocess.run(["userdel", "-r", "-f", name], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def local_user() -> Iterator[LocalUser]:
    """A user whom sudo asks for their password."""
    with _made_user(sudo_asks_password=True) as user:
        yield user


@pytest.fixture
def nopasswd_user() -> Iterator[LocalUser]:
    """A user whom sudo asks for no password (a NOPASSWD rule): sudo cannot tell a
    wrong password from the right one."""
    with _made_user(sudo_asks_password=False) as user:
        yield user
