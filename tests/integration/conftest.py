"""Integration fixtures: real servers on free ports, real browsers' HTTP and sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.support.clients import Browser
from tests.support.server import ServerProcess, running


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    """A seeded server on SQLite with the in-process bus."""
    async with running(ServerProcess(tmp_path / "data")) as process:
        yield process


@pytest.fixture
async def browsers(server: ServerProcess) -> AsyncIterator[Callable[[], Browser]]:
    """Make as many independent browsers (cookie jars) as a test needs."""
    made: list[Browser] = []

    def make() -> Browser:
        browser = Browser(server)
        made.append(browser)
        return browser

    try:
        yield make
    finally:
        for browser in made:
            await browser.close()
