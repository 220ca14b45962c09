"""The agent's features asked for by the masked representative: more steps of
tests/integration/test_masked_stays_masked.py (see ``masked_actions.py``).

Each attaches the Helpline agent first (sent by Bob, so that the attach note names no
one masked), then the masked representative asks and the agent answers as the
customer's computer would.
"""

from __future__ import annotations

from helpline.domain.diagnostics import check_report
from tests.support.clients import Agent, Frame
from tests.support.masked_actions import Scene

REPORT = check_report(
    {
        "collected_at": "2026-12-04T10:00:00Z",
        "sections": [
            {"id": "os", "title": "Operating system", "fields": [["Kernel", "6.1.0-report-marker"]]}
        ],
    }
)


async def attach_agent(s: Scene) -> Agent:
    sent = await s.bob.http.post(s.url("/agent-link"))
    assert sent.status_code == 201, sent.text
    agent = Agent(s.bob.server)
    s.closers.append(agent.close)
    await agent.attach(sent.json()["secret_url"].split("#")[1], {"os": "Debian GNU/Linux 12"})
    await s.chat.wait_event(
        s.session_id, lambda e: e["body"].get("action") == "agent_attached", "the agent"
    )
    return agent


async def asked(s: Scene, consent: str, text: str) -> Frame:
    response = await s.masked.http.post(s.url("/consents"), json={"consent": consent})
    assert response.status_code == 201, response.text
    request: Frame = await s.chat.wait_event(
        s.session_id,
        lambda e: e["body"].get("request_id") == response.json()["request"],
        f"the request for {consent}",
    )
    assert request["author"]["name"] == "A representative"
    assert request["body"]["text"] == text
    return request


async def allowed(s: Scene, agent: Agent, consent: str, text: str) -> None:
    """The masked representative asks; the customer's agent allows."""
    request = await asked(s, consent, text)
    answer = await agent.http.post(
        f"/api/consents/{request['body']['request_id']}", json={"allow": True}
    )
    assert answer.status_code == 200, answer.text


async def ask_for_diagnostics(s: Scene) -> None:
    agent = await attach_agent(s)
    request = await asked(
        s,
        "diagnostics",
        "A representative asks for system information about the customer's computer.",
    )
    sent = await agent.http.post(
        f"/api/consents/{request['body']['request_id']}/diagnostics", json={"report": REPORT}
    )
    assert sent.status_code == 200, sent.text


async def apply_credentials(s: Scene) -> None:
    agent = await attach_agent(s)
    await allowed(
        s, agent, "credentials", "A representative asks for the customer's login credentials."
    )
    task = await s.masked.http.post(
        s.url("/tasks"), json={"task": "restart_service", "service": "cups.service"}
    )
    assert task.status_code == 201, task.text
    await s.chat.wait_event(
        s.session_id,
        lambda e: (
            e["body"].get("text")
            == "A representative used the customer's login credentials to restart the system "
            "service cups.service."
        ),
        "the task, from a representative",
    )
    done = await agent.http.post(f"/api/tasks/{task.json()['task']}", json={"state": "done"})
    assert done.status_code == 200, done.text


async def stop_waiting_for_a_restart(s: Scene) -> None:
    agent = await attach_agent(s)
    await allowed(
        s, agent, "service", "A representative asks to run the support agent as a service."
    )
    task = await s.masked.http.post(s.url("/tasks"), json={"task": "reboot"})
    assert task.status_code == 201, task.text
    task_id = task.json()["task"]
    restarting = await agent.http.post(f"/api/tasks/{task_id}", json={"state": "restarting"})
    assert restarting.status_code == 200, restarting.text
    stopped = await s.masked.http.post(f"/api/tasks/{task_id}/cancel")
    assert stopped.status_code == 200, stopped.text
    await s.chat.wait_event(
        s.session_id,
        lambda e: (
            e["body"].get("text")
            == "A representative stopped waiting for the customer's computer to restart the "
            "computer."
        ),
        "the stop, from a representative",
    )


COMPUTER_ACTIONS = (ask_for_diagnostics, apply_credentials, stop_waiting_for_a_restart)
