"""Integration fixtures: real servers on free ports, real browsers' HTTP and sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.support.clients import Browser
from tests.support.server import ServerProcess, running, running_across_tests


@asynccontextmanager
async def _browsers_on(server: ServerProcess) -> AsyncIterator[Callable[[], Browser]]:
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


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    """A seeded server on SQLite with the in-process bus."""
    async with running(ServerProcess(tmp_path / "data")) as process:
        yield process


@pytest.fixture
async def browsers(server: ServerProcess) -> AsyncIterator[Callable[[], Browser]]:
    """Make as many independent browsers (cookie jars) as a test needs."""
    async with _browsers_on(server) as make:
        yield make


@pytest.fixture(scope="session")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One seeded server for every test that asks for it: tests that each make their
    own session (and never stop the server) cannot disturb each other, and a server
    start is most of a short test's time on two cores."""
    process = ServerProcess(tmp_path_factory.mktemp("shared-data"))
    with running_across_tests(process):
        yield process


@pytest.fixture(scope="session")
def strict_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A shared server with tight settings: a heartbeat every second, two messages a
    second per socket, files of at most 1 MiB."""
    process = ServerProcess(
        tmp_path_factory.mktemp("strict-data"),
        extra_env={
            "HELPLINE_HEARTBEAT_SECONDS": "1",
            "HELPLINE_MESSAGE_LIMIT": "2 per second",
            "HELPLINE_MAX_FILE_MB": "1",
        },
    )
    with running_across_tests(process):
        yield process


@pytest.fixture
async def shared_browsers(shared_server: ServerProcess) -> AsyncIterator[Callable[[], Browser]]:
    """Browsers (cookie jars) on the shared server, closed after each test."""
    async with _browsers_on(shared_server) as make:
        yield make


@pytest.fixture
async def bob(shared_browsers: Callable[[], Browser]) -> Browser:
    """Bob, a representative, logged in on the shared server."""
    rep = shared_browsers()
    await rep.login("bob")
    return rep


@pytest.fixture
async def carol(shared_browsers: Callable[[], Browser]) -> Browser:
    """Carol, a representative, logged in on the shared server."""
    rep = shared_browsers()
    await rep.login("carol")
    return rep
