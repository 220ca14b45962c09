"""Fixtures shared by every test layer: where the real services are.

PostgreSQL and Redis are real servers. Locally a missing one skips the tests that
need it, with the command that starts it; where ``CI=true`` a missing service fails
the run, because a skipped suite is not a passing one.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, settings

# Two busy cores make timings meaningless: no deadlines, and no "too slow" health check.
settings.register_profile(
    "helpline", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=200
)
settings.load_profile("helpline")

POSTGRES_ADMIN_URL = os.environ.get(
    "HELPLINE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("HELPLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), 2):
            return True
    except OSError:
        return False


def require_service(url: str, what: str, how: str) -> None:
    if _reachable(url):
        return
    message = f"{what} is not reachable at {url}. Start it with: {how}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def require_program(name: str, install: str) -> str:
    """The program's path. A missing one skips locally and fails in CI, with the
    command that installs it (.ci/run installs them)."""
    found = shutil.which(name)
    if found is not None:
        return found
    message = f"{name} is not installed. Install it with: {install}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    require_service(
        POSTGRES_ADMIN_URL,
        "PostgreSQL",
        "apt-get install -y postgresql && service postgresql start",
    )
    import asyncpg

    name = f"helpline_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The local Redis server; channel names in tests are unique per test."""
    require_service(
        REDIS_URL,
        "Redis",
        "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no",
    )
    yield REDIS_URL


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/helpline.db"
