"""``helpline demo`` then ``helpline serve``, as a newcomer tries Helpline: the addresses
serve prints are the demo's portals and each opens, and the first session already has
a greeting and a library of scripted messages and URLs."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from helpline.domain.scripts import ScriptKind
from helpline.store.database import create_engine
from helpline.store.sql import SqlStore
from tests.support.clients import Browser
from tests.support.server import ServerProcess


@pytest.fixture
def demo_data(tmp_path: Path) -> Path:
    """A data folder made by `helpline demo` alone (not the tests' seed)."""
    data_dir = tmp_path / "data"
    made = subprocess.run(
        [sys.executable, "-m", "helpline", "demo", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    assert "Library" in made.stdout and "greeting" in made.stdout
    return data_dir


@pytest.fixture
async def server(demo_data: Path) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(demo_data)
    await process.start()
    try:
        yield process
    finally:
        process.stop()


async def test_serve_on_demo_data_prints_the_demo_portals_and_every_address_opens(
    server: ServerProcess,
) -> None:
    printed = server.log()
    addresses = re.findall(rf"{re.escape(server.base_url)}/\S+", printed)
    assert f"{server.base_url}/p/acme" in addresses
    assert f"{server.base_url}/p/globex" in addresses
    assert f"{server.base_url}/console" in addresses
    assert f"{server.base_url}/join" in addresses
    assert "/p/support" not in printed  # the demo has no portal called "support"
    async with httpx.AsyncClient() as client:
        for address in addresses:
            response = await client.get(address)
            assert response.status_code == 200, (address, response.text[:200])


async def test_the_demo_has_scripted_messages_and_urls_and_greets_the_customer(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    bob, customer = browsers(), browsers()
    await bob.login("bob")
    messages = (await bob.http.get("/api/scripts", params={"kind": "message"})).json()
    titles = [s["title"] for c in messages["categories"] for s in c["scripts"]]
    assert "Anything else" in titles and len(titles) >= 3
    urls = (await bob.http.get("/api/scripts", params={"kind": "url"})).json()
    pages = [s["text"] for c in urls["categories"] for s in c["scripts"]]
    assert pages and all(page.startswith("https://") for page in pages)
    greeting = (await bob.http.get("/api/team/greeting")).json()["text"]
    assert "{customer.name}" in greeting

    session_id = (await customer.ask_for_help("acme", "Dana", "Printer jam"))["session"]["id"]
    picked = await bob.http.post(f"/api/sessions/{session_id}/pick-up")
    assert picked.status_code == 200, picked.text
    chat = await customer.socket("/ws/customer")
    await chat.send({"type": "subscribe", "session": session_id, "after": 0})
    greeted = await chat.wait_event(
        session_id, lambda e: e["body"].get("greeting") is True, "greeting"
    )
    assert greeted["body"]["text"].startswith("Hi Dana, this is Bob Chen from Acme Support.")
    await chat.close()


def test_a_second_demo_run_adds_no_second_library(tmp_path: Path) -> None:
    for _ in range(2):
        subprocess.run(
            [sys.executable, "-m", "helpline", "demo", "--data-dir", str(tmp_path)],
            capture_output=True,
            timeout=60,
            check=True,
        )

    async def library() -> list[tuple[str, int]]:
        store = SqlStore(create_engine(f"sqlite+aiosqlite:///{tmp_path}/helpline.db"))
        try:
            alice = await store.find_login("alice")
            assert alice is not None
            return [
                (category.name, len(scripts))
                for kind in ScriptKind
                for category, scripts in await store.script_categories(kind, alice[0].id)
            ]
        finally:
            await store.close()

    assert asyncio.run(library()) == [("Getting started", 2), ("Closing", 2), ("Help pages", 2)]
