"""Runs the agent's password check as a local user themself, as a customer runs the
agent, rather than as root with a ``runuser`` prefix in front of sudo.

Why a copy: the test's own interpreter and virtual environment may sit in a folder
that other users cannot enter (a home of mode 0700). The system's Python of the same
version runs a copy of the package and of the few libraries the check imports, in a
folder everyone may read; the copy is the code under test, file for file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import helpline
from tests.conftest import IN_CI
from tests.support.local_user import LocalUser

# What the agent needs beyond the standard library: the package's own dependencies
# (its command line shares the server's settings), the agent extra's, and theirs.
AGENT_DISTRIBUTIONS = (
    "helpline",
    "click",
    "textual",
    "httpx",
    "websockets",
    "mss",
    "pillow",
    "psutil",
    "cryptography",
    "pamela",
)
CHECK = """
import asyncio, json, sys
from helpline.agent.credentials import CredentialError, Vault

async def main(user, password):
    vault = Vault()
    try:
        await vault.check(user, password)
    except CredentialError as error:
        return {"kept": False, "said": error.message}
    return {"kept": vault.holds, "said": ""}

print(json.dumps(asyncio.run(main(sys.argv[1], sys.stdin.readline().rstrip("\\n")))))
"""


def system_python() -> str:
    """The system's interpreter of this very version (its compiled libraries fit)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (f"/usr/bin/{version}", f"/usr/local/bin/{version}"):
        if os.access(candidate, os.X_OK):
            return candidate
    message = f"No system {version} to run the agent as another user (apt-get install -y python3)."
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def readable_site() -> Iterator[Path]:
    """The package and the agent's libraries, copied into a folder every user may read
    (not pytest's own temporary folder, which only its owner may enter)."""
    folder = Path(tempfile.mkdtemp(prefix="helpline-as-user-"))
    try:
        yield _copy_into(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _needed(roots: tuple[str, ...]) -> set[str]:
    """The distributions ``roots`` need when installed without extras."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        for line in metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return seen


def _copy_into(folder: Path) -> Path:
    site = folder / "site"
    shutil.copytree(
        Path(helpline.__file__).parent,
        site / "helpline",
        ignore=shutil.ignore_patterns("static", "__pycache__"),
    )
    for name in sorted(_needed(AGENT_DISTRIBUTIONS) - {"helpline"}):
        distribution = metadata.distribution(name)
        for file in distribution.files or []:
            source = Path(str(distribution.locate_file(file)))
            if file.parts[0] == ".." or "__pycache__" in file.parts or not source.is_file():
                continue  # scripts outside site-packages, caches
            target = site / file
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return site


def system_python_for(user: LocalUser, site: Path) -> list[str]:
    """The command that runs this system's Python as ``user`` over the copy."""
    return ["runuser", "-u", user.name, "--", "env", f"PYTHONPATH={site}", system_python()]


def check_as(user: LocalUser, password: str, site: Path) -> dict[str, object]:
    """``Vault().check`` run by ``user``: ``{"kept": bool, "said": refusal}``."""
    done = subprocess.run(
        [*system_python_for(user, site), "-c", CHECK, user.name],
        input=password + "\n",
        capture_output=True,
        text=True,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(user.home)},
        cwd="/",
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result
