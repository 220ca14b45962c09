"""A console with a customer on the Helpline agent, for the tests of the Session
features menu and what it reaches on the customer's computer.

The customer's agent is played by the test's HTTP and WebSocket client, answering the
console's requests as the real agent does once the customer has said yes.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from playwright.async_api import Locator, Page, expect

from helpline.domain.diagnostics import check_report
from tests.e2e.steps import (
    agent_joins,
    logged_in,
)
from tests.support.clients import Agent, Frame, Peer
from tests.support.server import ServerProcess

if TYPE_CHECKING:
    # The fixtures' module imports this one: the type only, for annotations.
    from tests.e2e.conftest import NewPage


DEBIAN: Frame = {"os": "Debian GNU/Linux 12 (bookworm)", "host": "db-01", "app": "agent"}
NEEDS_AGENT = "Needs the Helpline agent on the customer's computer"
REPORT = check_report(
    {
        "collected_at": "2026-12-04T10:00:00Z",
        "sections": [
            {
                "id": "os",
                "title": "Operating system",
                "fields": [["Distribution", "Debian GNU/Linux 12"], ["Kernel", "6.1.0-18-amd64"]],
            },
            {
                "id": "processes",
                "title": "Top processes",
                "fields": [],
                "table": {
                    "columns": ["PID", "Name", "CPU %", "Memory"],
                    "rows": [
                        ["1", "systemd", "0.0", "12 MB"],
                        ["812", "<b>postgres</b>", "41.5", "1.2 GB"],
                    ],
                },
            },
        ],
    }
)


@dataclass
class Scene:
    console: Page
    agent: Agent
    chat: Peer
    session_id: str
    answered: set[str] = field(default_factory=set)
    tasks: set[str] = field(default_factory=set)

    def menu(self) -> Locator:
        return self.console.get_by_role("menu", name="Session features")

    def item(self, name: str) -> Locator:
        return self.menu().get_by_role("menuitem", name=name, exact=True)

    async def open_menu(self) -> None:
        # By keyboard: a notice that comes or goes above the chat box moves the button,
        # and a click could land where it was.
        await self.console.get_by_role("button", name="Session features").press("Enter")
        await expect(self.menu()).to_be_visible()

    async def choose(self, name: str) -> None:
        await self.open_menu()
        await self.item(name).press("Enter")
        await expect(self.menu()).to_be_hidden()

    async def request(self, consent: str) -> str:
        """The request the console just made, as the customer's agent receives it."""
        event = await self.chat.wait_event(
            self.session_id,
            lambda e: (
                e["kind"] == "consent_requested"
                and e["body"].get("consent") == consent
                and e["body"]["request_id"] not in self.answered
            ),
            f"a new request for {consent}",
        )
        request: str = event["body"]["request_id"]
        self.answered.add(request)
        return request

    async def send_report(self, request: str, report: Frame) -> Any:
        sent = await self.agent.http.post(
            f"/api/consents/{request}/diagnostics", json={"report": report}
        )
        assert sent.status_code == 200, sent.text
        return sent.json()["diagnostics"]

    async def task(self, kind: str) -> str:
        """The next task of this kind the console asked for."""
        event = await self.chat.wait_event(
            self.session_id,
            lambda e: (
                e["body"].get("action") == "task_requested"
                and e["body"]["task"] == kind
                and e["body"]["task_id"] not in self.tasks
            ),
            f"the task {kind}",
        )
        task: str = event["body"]["task_id"]
        self.tasks.add(task)
        return task

    async def step(self, task: str, state: str) -> None:
        answered = await self.agent.http.post(f"/api/tasks/{task}", json={"state": state})
        assert answered.status_code == 200, answered.text


@contextlib.asynccontextmanager
async def open_scene(server: ServerProcess, new_page: NewPage) -> AsyncIterator[Scene]:
    """Bob's console, and Dana, who joined with the agent from his session code."""
    console = await logged_in(new_page, "bob")
    async with Agent(server) as agent:
        session_id = await agent_joins(console, agent, "Dana", DEBIAN)
        chat = await agent.socket()
        await chat.follow(session_id)
        try:
            yield Scene(console, agent, chat, session_id)
        finally:
            await chat.close()
