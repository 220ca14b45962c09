"""What the screenshot scripts play on: a seeded server on a free port in a folder of
its own, and headless Chromium, as the end-to-end fixtures have; both gone after.
Not a test: the scripts (make_screenshots.py, make_features_screenshots.py) run it."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, async_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, STATIC_INDEX
from tests.support.server import ServerProcess, running

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@asynccontextmanager
async def stage() -> AsyncIterator[tuple[Browser, ServerProcess]]:
    if not STATIC_INDEX.exists():
        raise SystemExit("The web apps are not built: run `make build` first.")
    with tempfile.TemporaryDirectory(prefix="helpline-screenshots-") as tmp:
        async with running(ServerProcess(Path(tmp) / "data")) as server, async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            try:
                yield browser, server
            finally:
                await browser.close()
