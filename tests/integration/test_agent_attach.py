"""A customer chatting in the browser is given the agent: the agent attaches to the
same session with the link the console made, and the chat goes on in both."""

from __future__ import annotations

from collections.abc import Callable

from helpline.agent import joining
from helpline.agent.system import client_report
from tests.integration.test_agent_connection import agent, console_of
from tests.support.clients import Browser
from tests.support.server import ServerProcess


async def test_the_agent_attaches_to_the_browser_session_and_both_chat_on(
    shared_server: ServerProcess, shared_browsers: Callable[[], Browser]
) -> None:
    rep, customer = shared_browsers(), shared_browsers()
    await rep.login("bob")
    session_id = (await customer.ask_for_help("acme", "Dana", "Disk full"))["session"]["id"]
    assert (await rep.http.post(f"/api/sessions/{session_id}/pick-up")).status_code == 200
    browser_chat = await customer.socket("/ws/customer")
    await browser_chat.follow(session_id)
    link = await rep.http.post(f"/api/sessions/{session_id}/agent-link")
    assert link.status_code == 201, link.text
    offer = await browser_chat.wait_type("agent_offer", session=session_id)
    assert offer["command"] == link.json()["command"]

    server, secret = joining.parse_attach(link.json()["secret_url"])
    credentials = await joining.attach(server, secret, client_report())
    assert credentials.session == session_id
    console = await console_of(rep, session_id)
    async with agent(credentials) as (connection, seen):
        connection.send_message("Typed in the agent")
        await browser_chat.wait_event(
            session_id, lambda e: e["body"].get("text") == "Typed in the agent", "agent line"
        )
        assert (await browser_chat.say(session_id, "Typed in the browser"))["type"] == "ack"
        await seen.wait(lambda: "Typed in the browser" in seen.texts(), "the browser's line")
        await console.wait_event(
            session_id,
            lambda e: (
                e["body"].get("action") == "agent_attached"
                or "attached the Helpline agent" in str(e["body"].get("text"))
            ),
            "the attached note",
        )
    details = (await rep.http.get(f"/api/sessions/{session_id}")).json()["session"]
    assert details["customer"]["app"] == "agent"

    # The link was for one use only.
    again = await rep.http.post("/api/attach", json={"secret": secret, "client": client_report()})
    assert again.status_code in (404, 410), again.text
    await browser_chat.close()
    await console.close()
