"""When the Redis that holds the shared limits is gone, a guarded request gets a plain
"try again in a moment" (503 ``unavailable``), never a 500 and never a free pass."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from tests.conftest import IN_CI
from tests.support.clients import Browser
from tests.support.server import ServerProcess, free_port, running


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """A Redis of this test's own, to stop; never the machine's shared one."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed: apt-get install -y redis-server"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield process, port
    finally:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
async def server_on_own_redis(
    tmp_path: Path, own_redis: tuple[subprocess.Popen[bytes], int]
) -> AsyncIterator[ServerProcess]:
    _, port = own_redis
    redis = Redis(port=port)
    deadline = asyncio.get_running_loop().time() + 10
    try:
        while True:
            try:
                await redis.ping()
                break
            except OSError:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                # Polling a starting process: there is no event to wait on.
                await asyncio.sleep(0.05)
    finally:
        await redis.aclose()
    async with running(ServerProcess(tmp_path / "data", bus=f"redis://127.0.0.1:{port}/0")) as s:
        yield s


async def test_a_login_while_the_limits_store_is_down_is_told_to_try_again_soon(
    server_on_own_redis: ServerProcess, own_redis: tuple[subprocess.Popen[bytes], int]
) -> None:
    browser = Browser(server_on_own_redis)
    try:
        assert (
            await browser.http.post(
                "/api/auth/login", json={"username": "bob", "password": "helpline-demo"}
            )
        ).status_code == 200
        redis_process, _ = own_redis
        redis_process.kill()
        redis_process.wait(timeout=10)

        answer = await browser.http.post(
            "/api/auth/login", json={"username": "bob", "password": "helpline-demo"}
        )
        assert answer.status_code == 503, answer.text
        error = answer.json()["error"]
        assert error["code"] == "unavailable"
        assert "try again in a moment" in error["message"]
        opened = await browser.http.post(
            "/api/portals/acme/sessions", json={"name": "Dana", "query": "help"}
        )
        assert opened.status_code == 503, opened.text
    finally:
        await browser.close()
