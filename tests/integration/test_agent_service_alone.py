"""The agent running as a service with nobody at its window: what needs a person (a
consent prompt, the question before a restart) or the password typed into the window
is answered at once, with the reason, instead of leaving a representative waiting for
a timeout. While the window runs, the service leaves all of it to the window."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpline.agent import state
from helpline.agent.api import Api
from helpline.agent.window import WindowLock
from tests.support.agent import service_to_be, until
from tests.support.clients import Browser, Frame, Peer
from tests.support.server import ServerProcess


@dataclass
class Alone:
    session: str
    rep: Browser
    console: Peer
    customer: Api
    folder: Path

    async def ask(self, consent: str) -> str:
        asked = await self.rep.http.post(
            f"/api/sessions/{self.session}/consents", json={"consent": consent}
        )
        assert asked.status_code == 201, asked.text
        request: str = asked.json()["request"]
        return request

    async def task(self, task: str) -> str:
        made = await self.rep.http.post(f"/api/sessions/{self.session}/tasks", json={"task": task})
        assert made.status_code == 201, made.text
        task_id: str = made.json()["task"]
        return task_id

    async def note(self, **body: Any) -> Frame:
        def match(e: Frame) -> bool:
            return all(e["body"].get(k) == v for k, v in body.items())

        found: Frame = await self.console.wait_event(self.session, match, str(body))
        return found


@asynccontextmanager
async def service_alone(
    server: ServerProcess, rep: Browser, tmp_path: Path
) -> AsyncIterator[Alone]:
    """A session whose agent runs only as a service (started from the unit's line)."""
    joined, state_file, manager = await service_to_be(server.base_url, rep, tmp_path)
    console = await rep.socket("/ws/console")
    customer = Api(joined.server, joined.token)
    try:
        await console.wait_type("welcome")
        await console.follow(joined.session)
        # The customer allowed the service (from the window, which is closed now).
        alone = Alone(joined.session, rep, console, customer, state_file.parent)
        allowed = await customer.call(
            "POST", f"/api/consents/{await alone.ask('service')}", {"allow": True}
        )
        assert allowed["state"] == "allowed"
        manager.install(state_file)
        hello = await console.say(joined.session, "Are you there?")
        await _saw(state_file, hello["seq"])
        yield alone
    finally:
        await rep.http.post(f"/api/sessions/{joined.session}/end")
        await console.close()
        await customer.aclose()
        manager.uninstall()
        if manager.child is not None and manager.child.poll() is None:
            manager.child.kill()
            manager.child.wait()


async def _saw(state_file: Path, seq: int) -> None:
    """The service keeps the last event it saw in its state file."""
    await until(lambda: state.read_service(state_file).last_seq >= seq, f"the service saw {seq}")


@contextmanager
def window_running(alone: Alone) -> Iterator[None]:
    """The customer's window on the session runs, as far as the service can tell."""
    window = WindowLock(alone.session, alone.folder)
    assert window.hold()
    try:
        yield
    finally:
        window.release()


async def test_with_nobody_at_the_window_the_service_declines_and_fails_at_once(
    shared_server: ServerProcess, bob: Browser, tmp_path: Path
) -> None:
    async with service_alone(shared_server, bob, tmp_path) as alone:
        request = await alone.ask("diagnostics")
        declined = await alone.note(request_id=request, answer="declined")
        assert declined["body"]["reason"] == "unattended"
        assert declined["body"]["text"] == (
            "The request for system information about the customer's computer was declined: "
            "nobody is at the agent's window on that computer, where only its service runs."
        )

        # A restart by the service asks the customer first: nobody is there to say yes.
        reboot = await alone.task("reboot")
        failed = await alone.note(task_id=reboot, action="task_failed")
        assert failed["body"]["text"] == (
            "Could not restart the computer: Nobody is at the customer's computer to allow "
            "it (the agent runs there only as a service)."
        )

        # Credentials given in the window die with it; the service never holds them.
        with window_running(alone):
            grant = await alone.ask("credentials")
            await alone.customer.call("POST", f"/api/consents/{grant}", {"allow": True})
        unlock = await alone.task("unlock_screen")
        failed = await alone.note(task_id=unlock, action="task_failed")
        assert "given in the agent's window, which is closed now" in failed["body"]["text"]


async def test_while_the_window_runs_the_service_leaves_the_customers_answers_to_it(
    shared_server: ServerProcess, bob: Browser, tmp_path: Path
) -> None:
    async with service_alone(shared_server, bob, tmp_path) as alone:
        with window_running(alone):
            request = await alone.ask("diagnostics")
            line = await alone.console.say(alone.session, "Take your time")
            await _saw(state.service_path(alone.session, alone.folder), line["seq"])
        # The window closed without answering; the next event tells the service so.
        after = await alone.console.say(alone.session, "Still there?")
        declined = await alone.note(request_id=request, answer="declined")
        assert declined["body"]["reason"] == "unattended"
        assert declined["seq"] > after["seq"] > line["seq"]
