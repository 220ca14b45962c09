"""Driving the agent's Textual app in tests: start it joined to a real session, and
wait for what it shows (a network reply has no event a test could await)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Static

from helpline.agent.app import AgentApp
from helpline.agent.joining import JoinTarget, join
from helpline.agent.session import AgentSession
from helpline.agent.system import client_report
from tests.support.agent import session_code
from tests.support.clients import Browser, Peer

WAIT_SECONDS = 15.0
SIZE = (130, 40)


async def until(pilot: Pilot[Any], check: Callable[[], object], what: str) -> None:
    """Let the app run until ``check()`` holds (network replies have no event here)."""
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            app = pilot.app
            shown = "\n".join(app.lines) if isinstance(app, AgentApp) else ""
            raise AssertionError(f"Not within {WAIT_SECONDS}s: {what}; the log:\n{shown}")
        await pilot.pause(0.05)


def shown(app: AgentApp) -> str:
    return "\n".join(app.lines)


def status(app: AgentApp) -> str:
    return str(app.query_one("#status", Static).render())


@asynccontextmanager
async def app_for(
    server_url: str, rep: Browser, folder: Path, **more: Any
) -> AsyncIterator[tuple[AgentApp, Pilot[Any], Peer]]:
    code = await session_code(rep)
    credentials = await join(
        JoinTarget(server=server_url, code=code["code"]), "Dana", client_report()
    )
    agent = AgentSession(
        credentials, download_dir=folder / "downloads", state_folder=folder / "state", **more
    )
    app = AgentApp(agent)
    console = await rep.socket("/ws/console")
    await console.wait_type("welcome")
    await console.follow(credentials.session)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: agent.connection.ready, "connected")
        yield app, pilot, console
    await console.close()
