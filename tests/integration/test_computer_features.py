"""The agent's features on the customer's computer, as the server keeps them: system
information, login credentials and the service (permissions the customer gives and
takes back), and tasks that use them. Every step is a note everyone in the session
reads; the report itself reaches the representatives only."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from helpline.domain.diagnostics import MAX_REPORT_BYTES
from tests.integration.test_agent import console_of, following
from tests.support.clients import DEBIAN_REPORT, Agent, Browser, Frame, Peer
from tests.support.masked_computer_actions import REPORT
from tests.support.server import ServerProcess


@dataclass
class Computer:
    session_id: str
    rep: Browser
    agent: Agent
    console: Peer
    chat: Peer

    def url(self, tail: str) -> str:
        return f"/api/sessions/{self.session_id}{tail}"

    async def ask_raw(self, consent: str) -> Any:
        return await self.rep.http.post(self.url("/consents"), json={"consent": consent})

    async def ask(self, consent: str) -> str:
        asked = await self.ask_raw(consent)
        assert asked.status_code == 201, asked.text
        request: str = asked.json()["request"]
        return request

    async def allow(self, consent: str) -> str:
        request = await self.ask(consent)
        allowed = await self.agent.http.post(f"/api/consents/{request}", json={"allow": True})
        assert allowed.status_code == 200, allowed.text
        return request

    async def task(self, task: str, **more: str) -> Any:
        return await self.rep.http.post(self.url("/tasks"), json={"task": task, **more})

    async def step(self, task_id: str, state: str, **more: Any) -> Any:
        return await self.agent.http.post(f"/api/tasks/{task_id}", json={"state": state, **more})

    async def note(self, action: str, **body: Any) -> Frame:
        """The note as the customer's agent receives it, and the same in the console."""

        def match(e: Frame) -> bool:
            return e["body"].get("action") == action and all(
                e["body"].get(k) == v for k, v in body.items()
            )

        await self.console.wait_event(self.session_id, match, action)
        found: Frame = await self.chat.wait_event(self.session_id, match, action)
        return found


async def joined(server: ServerProcess, rep: Browser) -> tuple[Agent, str]:
    """The customer runs ``helpline agent join CODE`` with the code ``rep`` read out."""
    made = await rep.http.post("/api/codes", json={})
    assert made.status_code == 201, made.text
    agent = Agent(server)
    body = await agent.join(made.json()["code"], "Dana", DEBIAN_REPORT)
    return agent, str(body["session"]["id"])


@pytest.fixture
async def computer(shared_server: ServerProcess, bob: Browser) -> AsyncIterator[Computer]:
    agent, session_id = await joined(shared_server, bob)
    console = await console_of(bob, session_id)
    chat = await following(await agent.socket(), session_id)
    try:
        yield Computer(session_id, bob, agent, console, chat)
    finally:
        await bob.http.post(f"/api/sessions/{session_id}/end", json={})
        await console.close()
        await chat.close()
        await agent.close()


def error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code, response.text
    message: str = response.json()["error"]["message"]
    return message


# System information ---------------------------------------------------------------


async def test_a_report_reaches_the_representatives_and_the_customer_log_only_says_it_was_sent(
    computer: Computer,
) -> None:
    request = await computer.ask("diagnostics")
    asked = await computer.chat.wait_event(
        computer.session_id, lambda e: e["kind"] == "consent_requested", "the request"
    )
    assert asked["body"]["consent"] == "diagnostics"
    error(await computer.ask_raw("diagnostics"), 409, "conflict")

    sent = await computer.agent.http.post(
        f"/api/consents/{request}/diagnostics", json={"report": REPORT}
    )
    assert sent.status_code == 200, sent.text
    report_id = sent.json()["diagnostics"]
    note = await computer.note("diagnostics_sent", diagnostics_id=report_id)
    assert note["body"]["text"] == "Dana sent system information to the representatives."
    customer_log = json.dumps(computer.chat.frames)
    assert "report-marker" not in customer_log and "Operating system" not in customer_log

    listed = (await computer.rep.http.get(computer.url("/diagnostics"))).json()["diagnostics"]
    assert [(d["id"], d["request"], d["elevated"], d["sections"]) for d in listed] == [
        (report_id, request, False, 1)
    ]
    got = (await computer.rep.http.get(f"/api/diagnostics/{report_id}")).json()
    assert got["report"] == REPORT
    # The customer is no representative: refused as one who is not logged in.
    for path in (f"/api/diagnostics/{report_id}", computer.url("/diagnostics")):
        error(await computer.agent.http.get(path), 401, "not_authenticated")
    again = await computer.agent.http.post(
        f"/api/consents/{request}/diagnostics", json={"report": REPORT}
    )
    error(again, 409, "conflict")


async def test_a_representative_outside_the_session_cannot_read_its_reports(
    computer: Computer, carol: Browser
) -> None:
    request = await computer.ask("diagnostics")
    sent = await computer.agent.http.post(
        f"/api/consents/{request}/diagnostics", json={"report": REPORT}
    )
    denied = await carol.http.get(f"/api/diagnostics/{sent.json()['diagnostics']}")
    error(denied, 403, "forbidden")
    error(await carol.http.get(computer.url("/diagnostics")), 403, "forbidden")


async def test_a_request_for_system_information_is_allowed_only_by_sending_a_good_report(
    computer: Computer,
) -> None:
    request = await computer.ask("diagnostics")
    plain = await computer.agent.http.post(f"/api/consents/{request}", json={"allow": True})
    assert "report" in error(plain, 422, "invalid_input")
    bad = await computer.agent.http.post(
        f"/api/consents/{request}/diagnostics",
        json={"report": {"sections": [{"id": "Not An Id", "title": "x", "fields": []}]}},
    )
    assert "'id'" in error(bad, 422, "invalid_input")
    huge = {"report": {"sections": [], "pad": "x" * MAX_REPORT_BYTES}}
    big = await computer.agent.http.post(f"/api/consents/{request}/diagnostics", json=huge)
    error(big, 413, "too_large")
    # Nothing was saved: the request is still open, and answers now.
    declined = await computer.agent.http.post(
        f"/api/consents/{request}", json={"allow": False, "reason": "timeout"}
    )
    assert declined.json()["state"] == "declined"
    note = await computer.chat.wait_event(
        computer.session_id,
        lambda e: e["kind"] == "consent_answered" and e["body"]["request_id"] == request,
        "the answer",
    )
    assert note["body"]["reason"] == "timeout"
    assert note["body"]["text"] == (
        "Nobody answered the request for system information about the customer's computer "
        "in time, so it was declined."
    )
    assert (await computer.rep.http.get(computer.url("/diagnostics"))).json() == {"diagnostics": []}


async def test_the_agents_features_are_refused_for_a_customer_in_the_browser(
    browsers: Callable[[], Browser],
) -> None:
    rep, customer = browsers(), browsers()
    await rep.login("bob")
    session_id = (await customer.ask_for_help("acme", "Dana", "Help"))["session"]["id"]
    try:
        assert (await rep.http.post(f"/api/sessions/{session_id}/pick-up")).status_code == 200
        for consent in ("diagnostics", "credentials", "service"):
            asked = await rep.http.post(
                f"/api/sessions/{session_id}/consents", json={"consent": consent}
            )
            assert "agent" in error(asked, 409, "needs_agent")
        task = await rep.http.post(f"/api/sessions/{session_id}/tasks", json={"task": "reboot"})
        error(task, 409, "needs_agent")
        screen = await rep.http.post(
            f"/api/sessions/{session_id}/consents", json={"consent": "screen"}
        )
        assert screen.status_code == 422, screen.text
    finally:
        await rep.http.post(f"/api/sessions/{session_id}/end", json={})


# Credentials, the service and tasks ---------------------------------------------------


async def test_credentials_allow_named_tasks_each_a_note_until_the_customer_revokes_them(
    computer: Computer,
) -> None:
    error(await computer.task("unlock_screen"), 409, "needs_grant")
    grant = await computer.allow("credentials")
    error(await computer.ask_raw("credentials"), 409, "conflict")

    made = await computer.task("restart_service", service="cups.service")
    assert made.status_code == 201, made.text
    task_id = made.json()["task"]
    asked = await computer.note("task_requested", task_id=task_id)
    assert asked["body"]["runner"] == "credentials"
    assert asked["body"]["service"] == "cups.service"
    assert asked["body"]["text"] == (
        "Bob Chen used the customer's login credentials to restart the system service cups.service."
    )
    error(await computer.task("unlock_screen"), 409, "conflict")
    error(await computer.step(task_id, "restarting"), 409, "conflict")
    failed = await computer.step(task_id, "failed", detail="systemctl exited with status 5.")
    assert failed.json() == {"task": task_id, "state": "failed"}
    note = await computer.note("task_failed", task_id=task_id)
    assert note["body"]["text"] == (
        "Could not restart the system service cups.service: systemctl exited with status 5."
    )
    error(await computer.step(task_id, "done"), 409, "conflict")

    revoked = await computer.agent.http.post(f"/api/consents/{grant}/revoke")
    assert revoked.json() == {"request": grant, "state": "revoked"}
    note = await computer.note("consent_revoked", request_id=grant)
    assert note["body"]["text"] == (
        "Dana withdrew the permission to use the customer's login credentials."
    )
    error(await computer.agent.http.post(f"/api/consents/{grant}/revoke"), 409, "conflict")
    error(await computer.task("unlock_screen"), 409, "needs_grant")
    # Asked again, allowed again: the permission is in force once more.
    await computer.allow("credentials")
    assert (await computer.task("unlock_screen")).status_code == 201


async def test_a_restart_as_a_service_is_restarting_then_reconnected(computer: Computer) -> None:
    await computer.allow("service")
    made = await computer.task("reboot")
    assert made.status_code == 201, made.text
    task_id = made.json()["task"]
    asked = await computer.note("task_requested", task_id=task_id)
    assert asked["body"]["runner"] == "service"
    assert asked["body"]["text"] == "Bob Chen asked the support agent to restart the computer."
    assert (await computer.step(task_id, "restarting")).status_code == 200
    note = await computer.note("task_restarting", task_id=task_id)
    assert note["body"]["text"] == "The customer's computer is restarting."
    assert (await computer.step(task_id, "done")).status_code == 200
    note = await computer.note("task_done", task_id=task_id)
    assert note["body"]["text"] == (
        "The customer's computer restarted and reconnected to this session."
    )


async def test_a_restart_whose_agent_will_not_come_back_says_so_and_frees_the_next_task(
    computer: Computer,
) -> None:
    await computer.allow("credentials")
    task_id = (await computer.task("reboot")).json()["task"]
    # No service to bring the agent back: it says "done" once the restart was accepted.
    assert (await computer.step(task_id, "done")).status_code == 200
    note = await computer.note("task_done", task_id=task_id)
    assert note["body"]["reconnects"] is False
    assert note["body"]["text"] == (
        "The customer's computer is restarting. The agent does not run as a service there, "
        "so it will not come back to this session by itself."
    )
    assert (await computer.task("unlock_screen")).status_code == 201


async def test_a_representative_stops_waiting_for_a_computer_that_never_came_back(
    computer: Computer, shared_browsers: Callable[[], Browser]
) -> None:
    await computer.allow("service")
    task_id = (await computer.task("reboot")).json()["task"]
    assert (await computer.step(task_id, "restarting")).status_code == 200
    await computer.note("task_restarting", task_id=task_id)
    # The computer never comes back: one task at a time would block every later one.
    error(await computer.task("reboot"), 409, "conflict")

    outsider = shared_browsers()
    await outsider.login("carol")
    error(await outsider.http.post(f"/api/tasks/{task_id}/cancel"), 403, "forbidden")
    error(await computer.agent.http.post(f"/api/tasks/{task_id}/cancel"), 401, "not_authenticated")

    stopped = await computer.rep.http.post(f"/api/tasks/{task_id}/cancel")
    assert stopped.json() == {"task": task_id, "state": "failed"}
    note = await computer.note("task_failed", task_id=task_id, reason="stopped_waiting")
    assert note["body"]["text"] == (
        "Bob Chen stopped waiting for the customer's computer to restart the computer."
    )
    error(await computer.rep.http.post(f"/api/tasks/{task_id}/cancel"), 409, "conflict")
    # The agent that comes back late changes nothing; the next task may be asked.
    error(await computer.step(task_id, "done"), 409, "conflict")
    assert (await computer.task("reboot")).status_code == 201
    error(await computer.rep.http.post("/api/tasks/nope/cancel"), 404, "not_found")


async def test_elevated_diagnostics_come_back_as_an_elevated_report(computer: Computer) -> None:
    await computer.allow("credentials")
    task_id = (await computer.task("elevated_diagnostics")).json()["task"]
    without = await computer.step(task_id, "done")
    error(without, 422, "invalid_input")
    done = await computer.step(task_id, "done", report=REPORT)
    assert done.status_code == 200, done.text
    note = await computer.note("task_done", task_id=task_id)
    listed = (await computer.rep.http.get(computer.url("/diagnostics"))).json()["diagnostics"]
    assert [(d["id"], d["task"], d["elevated"]) for d in listed] == [
        (note["body"]["diagnostics_id"], task_id, True)
    ]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"task": "restart_service"}, "restart_service.service: Field required"),
        ({"task": "restart_service", "service": "--now; rm -rf /"}, "should match pattern"),
        ({"task": "restart_service", "service": "../etc/passwd"}, "should match pattern"),
        ({"task": "reboot", "service": "cups"}, "reboot.service: Extra inputs are not"),
    ],
)
async def test_a_service_name_is_a_systemd_unit_name_and_nothing_else(
    computer: Computer, body: dict[str, str], says: str
) -> None:
    await computer.allow("credentials")
    refused = await computer.rep.http.post(computer.url("/tasks"), json=body)
    assert says in error(refused, 422, "invalid_input")


async def test_only_the_sessions_own_agent_answers_revokes_and_reports(
    computer: Computer, shared_server: ServerProcess, shared_browsers: Callable[[], Browser]
) -> None:
    grant = await computer.allow("credentials")
    task_id = (await computer.task("unlock_screen")).json()["task"]
    rep = shared_browsers()
    await rep.login("carol")
    stranger, stranger_session = await joined(shared_server, rep)
    try:
        error(await stranger.http.post(f"/api/consents/{grant}/revoke"), 403, "forbidden")
        error(
            await stranger.http.post(f"/api/tasks/{task_id}", json={"state": "done"}),
            403,
            "forbidden",
        )
        revoked_by_rep = await computer.rep.http.post(f"/api/consents/{grant}/revoke")
        error(revoked_by_rep, 403, "forbidden")
        error(
            await computer.rep.http.post(f"/api/tasks/{task_id}", json={"state": "done"}),
            403,
            "forbidden",
        )
        error(
            await computer.agent.http.post("/api/tasks/nope", json={"state": "done"}),
            404,
            "not_found",
        )
    finally:
        await rep.http.post(f"/api/sessions/{stranger_session}/end", json={})
        await stranger.close()


async def test_the_sessions_end_ends_every_permission(computer: Computer) -> None:
    await computer.allow("credentials")
    ended = await computer.rep.http.post(computer.url("/end"), json={})
    assert ended.status_code == 200, ended.text
    error(await computer.task("reboot"), 409, "session_ended")
