"""End-to-end fixtures: a real server and Debian's Chromium driven by Playwright.

Each test gets its own server (its own data) and browser; a representative and a
customer are separate browser contexts, so cookies never mix, as on two computers.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from tests.conftest import IN_CI
from tests.e2e.axe import AXE_SCRIPT
from tests.e2e.features_scene import Scene, open_scene
from tests.support.server import ServerProcess, running

CHROMIUM = os.environ.get("HELPLINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]
STATIC_INDEX = Path(__file__).resolve().parents[2] / "src/helpline/static/console/index.html"

expect.set_options(timeout=15_000)
pytestmark = pytest.mark.e2e


def _require_chromium() -> None:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    message = f"Chromium is not installed at {CHROMIUM}. Install it: apt-get install -y chromium"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    if not STATIC_INDEX.exists():
        pytest.fail("The web apps are not built: run `make build` first.", pytrace=False)
    async with running(ServerProcess(tmp_path / "data")) as process:
        yield process


@pytest.fixture
def axe() -> Path:
    """The axe-core script the accessibility checks inject, from web/node_modules."""
    if not AXE_SCRIPT.exists():
        pytest.fail(
            f"axe-core is not installed ({AXE_SCRIPT.relative_to(AXE_SCRIPT.parents[3])} is "
            "missing): run `make build`, which installs web/node_modules.",
            pytrace=False,
        )
    return AXE_SCRIPT


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    _require_chromium()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            await launched.close()


NewPage = Callable[[], Awaitable[Page]]


@pytest.fixture
async def new_page(browser: Browser, server: ServerProcess) -> AsyncIterator[NewPage]:
    """A page in a fresh browser context (its own cookies), like another computer."""
    contexts: list[BrowserContext] = []

    async def make() -> Page:
        context = await browser.new_context(
            base_url=server.base_url, viewport={"width": 1400, "height": 900}, accept_downloads=True
        )
        contexts.append(context)
        page = await context.new_page()
        return page

    try:
        yield make
    finally:
        for context in contexts:
            await context.close()


@pytest.fixture
async def scene(server: ServerProcess, new_page: NewPage) -> AsyncIterator[Scene]:
    """Bob's console, and Dana, who joined with the agent from his session code."""
    async with open_scene(server, new_page) as opened:
        yield opened
