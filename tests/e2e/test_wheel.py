"""Helpline installed as a package: the wheel that ``python -m build`` makes, installed
with pip into a fresh virtual environment with no Node.js and no checkout, serves a
console a manager logs in to.

The wheel is built from this checkout (``make build`` has built the web app into it),
without build isolation so no build tools are downloaded; the runtime dependencies come
from the package index, pinned by requirements/runtime.lock, so the wheel must declare
every one it needs.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.conftest import STATIC_INDEX
from tests.support.server import ServerProcess

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_LOCK = ROOT / "requirements/runtime.lock"

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


def run(*command: str | Path, cwd: Path = ROOT) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture
def installed(tmp_path: Path) -> Iterator[Path]:
    """A fresh virtual environment holding only the wheel and what it declares."""
    if not STATIC_INDEX.exists():
        pytest.fail("The web apps are not built: run `make build` first.", pytrace=False)
    started = time.monotonic()
    dist = tmp_path / "dist"
    # As the README says: the sdist, then the wheel from the sdist (so both carry the app).
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", dist)
    (wheel,) = dist.glob("helpline-*.whl")
    venv = tmp_path / "venv"
    # No pip inside: this test's pip installs into it (--python), which saves a copy.
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    run(
        sys.executable, "-m", "pip", "--python", venv / "bin/python", "install", "--quiet",
        "--constraint", RUNTIME_LOCK, wheel,
    )  # fmt: skip
    print(f"built and installed in {time.monotonic() - started:.1f} s")
    yield venv


async def test_the_installed_wheel_serves_a_console_the_manager_logs_in_to(
    installed: Path, browser: Browser, tmp_path: Path
) -> None:
    where = run(installed / "bin/python", "-c", "import helpline; print(helpline.__file__)")
    assert where.startswith(str(installed)), where  # not this checkout's sources

    server = ServerProcess(
        tmp_path / "data", program=(str(installed / "bin/helpline"),), log_level="info"
    )
    server.data_dir.mkdir()
    await server.start()  # a fresh data folder: serve creates the manager and says so
    try:
        printed = server.log()
        password = re.search(r"password: (\S+)", printed)
        assert password is not None, printed
        assert f"Console:  {server.base_url}/console" in printed

        context = await browser.new_context(base_url=server.base_url)
        page = await context.new_page()
        await page.goto("/console")
        await page.get_by_label("Username").fill("admin")
        await page.get_by_label("Password").fill(password.group(1))
        await page.get_by_role("button", name="Log in").click()
        await expect(page.get_by_role("button", name="Log out")).to_be_visible()
        await expect(page.get_by_test_id("connection-banner")).to_be_hidden()

        assert f"Customers: {server.base_url}/p/support" in printed
        await page.goto("/p/support")  # the customer's app is in the wheel too
        await expect(page.get_by_label("Your question")).to_be_visible()
        await context.close()
    finally:
        server.stop()
