"""What the agent tells the server about the tools it is asked to use: a pushed URL it
could not open, a screen it does not have, and the link that attaches it to a browser
customer's session."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from tests.integration.test_agent import (
    NOT_OPENED,
    bob_and_the_agent,
    console_of,
    customer_in,
    following,
)
from tests.support.clients import DEBIAN_REPORT, Agent, Browser
from tests.support.server import ServerProcess

# Push URL: what became of it ------------------------------------------------------


async def test_a_url_the_agent_could_not_open_makes_one_note_for_representatives_only(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    async with bob_and_the_agent(server, browsers) as (rep, agent, session_id):
        console = await console_of(rep, session_id)
        chat = await following(await agent.socket(), session_id)
        pushed = await rep.http.post(
            f"/api/sessions/{session_id}/push-url", json={"url": "https://example.com/fix"}
        )
        seq = pushed.json()["seq"]
        await chat.wait_event(session_id, lambda e: e["seq"] == seq, "the pushed URL")

        # The agent says so once, then again after a reconnect: one note.
        for _ in range(3):
            await chat.send(
                {"type": "url_opened", "session": session_id, "seq": seq, "opened": False}
            )
        note = await console.wait_event(
            session_id, lambda e: e["body"].get("action") == "url_not_opened", "the note"
        )
        assert note["body"]["text"] == NOT_OPENED
        assert note["audience"] == "representatives"
        assert note["body"]["url"] == "https://example.com/fix"
        assert note["body"]["pushed_seq"] == seq

        # A line after it, seen by both: the customer got everything before it.
        assert (await chat.say(session_id, "the link is on my screen"))["type"] == "ack"
        await console.wait_event(
            session_id, lambda e: e["body"]["text"] == "the link is on my screen", "the line"
        )
        rep_log = (await rep.http.get(f"/api/sessions/{session_id}/events")).json()["events"]
        assert [e["seq"] for e in rep_log if e["body"].get("action") == "url_not_opened"] == [
            note["seq"]
        ]
        assert all(e["body"].get("action") != "url_not_opened" for e in chat.events(session_id))
        own_log = (await agent.http.get(f"/api/sessions/{session_id}/events")).json()["events"]
        assert all(e["body"].get("action") != "url_not_opened" for e in own_log)
        transcript = (await agent.http.get(f"/api/sessions/{session_id}/transcript.txt")).text
        assert NOT_OPENED not in transcript
        await console.close()
        await chat.close()


async def test_a_url_the_agent_opened_and_a_report_of_no_pushed_url_write_nothing(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    async with bob_and_the_agent(server, browsers) as (rep, agent, session_id):
        chat = await following(await agent.socket(), session_id)
        pushed = await rep.http.post(
            f"/api/sessions/{session_id}/push-url", json={"url": "https://example.com/"}
        )
        seq = pushed.json()["seq"]
        last = (await rep.http.get(f"/api/sessions/{session_id}/events")).json()["events"][-1]

        await chat.send({"type": "url_opened", "session": session_id, "seq": seq, "opened": True})
        await chat.send({"type": "url_opened", "session": session_id, "seq": 1, "opened": False})
        refused = await chat.wait_type("error", code="not_found")
        assert "not a pushed URL" in refused["message"]
        await chat.send({"type": "url_opened", "session": session_id, "seq": "1", "opened": False})
        await chat.wait_type("error", code="invalid_frame")

        events = (await rep.http.get(f"/api/sessions/{session_id}/events")).json()["events"]
        assert events[-1]["seq"] == last["seq"]
        await chat.close()


# No display to share -----------------------------------------------------------------------


async def test_an_agent_without_a_display_declines_the_screen_and_everyone_reads_why(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    async with bob_and_the_agent(server, browsers) as (rep, agent, session_id):
        console = await console_of(rep, session_id)
        chat = await following(await agent.socket(), session_id)

        async def ask() -> str:
            asked = await rep.http.post(f"/api/sessions/{session_id}/screen/request")
            assert asked.status_code == 201, asked.text
            request: str = asked.json()["request"]
            return request

        request = await ask()
        frame: dict[str, Any] = {"type": "consent", "session": session_id, "request": request}
        await chat.send({**frame, "allow": False, "reason": "too_shy"})
        assert "no_display" in (await chat.wait_type("error", code="invalid_input"))["message"]
        await chat.send({**frame, "allow": True, "reason": "no_display"})
        await chat.wait_for(
            lambda f: f.get("code") == "invalid_input" and "allow false" in f["message"],
            "no_display refused with allow true",
        )
        await chat.send({**frame, "allow": False, "reason": "no_display"})

        for peer in (console, chat):
            answer = await peer.wait_event(
                session_id, lambda e: e["kind"] == "consent_answered", "the answer"
            )
            assert answer["body"]["text"] == "The customer's computer has no display to share."
            assert answer["body"]["answer"] == "declined"
            assert answer["body"]["reason"] == "no_display"

        # The same answer over HTTP, for a client whose socket is down.
        second = await ask()
        answered = await agent.http.post(
            f"/api/consents/{second}", json={"allow": False, "reason": "no_display"}
        )
        assert answered.json() == {"request": second, "state": "declined"}
        wrong = await agent.http.post(
            f"/api/consents/{await ask()}", json={"allow": False, "reason": "sleepy"}
        )
        assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "invalid_input"
        await console.close()
        await chat.close()


# Sending the agent to a customer in the browser ---------------------------------------------------


async def test_the_agent_sent_to_a_browser_customer_attaches_and_the_chat_goes_on_in_both(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    rep, customer = browsers(), browsers()
    await rep.login("bob")
    session_id = (await customer.ask_for_help("acme", "Dana", "Server is slow"))["session"]["id"]
    await rep.http.post(f"/api/sessions/{session_id}/pick-up")
    console = await console_of(rep, session_id)
    window = await following(await customer.socket("/ws/customer"), session_id)

    sent = await rep.http.post(f"/api/sessions/{session_id}/agent-link")

    assert sent.status_code == 201, sent.text
    link = sent.json()
    base, secret = link["secret_url"].split("#")
    assert base == f"{server.base_url}/attach"
    assert len(secret) >= 43  # 256 bits in URL-safe base64
    assert link["command"] == f"helpline agent attach '{link['secret_url']}'"
    offer = await window.wait_type("agent_offer")
    assert offer == {
        "type": "agent_offer",
        "session": session_id,
        "command": link["command"],
        "expires_at": link["expires_at"],
    }

    agent = Agent(server)
    try:
        attached = await agent.attach(secret, DEBIAN_REPORT)
        assert attached["session"]["id"] == session_id
        assert attached["session"]["customer"]["app"] == "agent"
        assert attached["session"]["customer"]["host"] == "db-01"
        assert attached["token"] != customer.http.cookies.get("helpline_customer")

        changed = await console.wait_for(
            lambda f: f.get("type") == "session" and customer_in(f)["app"] == "agent",
            "the session now on the agent",
        )
        assert customer_in(changed)["os"] == "Debian GNU/Linux 12 (bookworm)"
        for peer in (console, window):
            note = await peer.wait_event(
                session_id, lambda e: e["body"].get("action") == "agent_attached", "the note"
            )
            assert note["body"]["text"] == "The customer attached the Helpline agent."

        # The chat goes on in the browser and in the agent, one session.
        terminal = await following(await agent.socket(), session_id)
        assert (await window.say(session_id, "typed in the browser"))["type"] == "ack"
        assert (await terminal.say(session_id, "typed in the terminal"))["type"] == "ack"
        await console.say(session_id, "I see both")
        for peer in (console, window, terminal):
            for text in ("typed in the browser", "typed in the terminal", "I see both"):
                await peer.wait_event(session_id, lambda e, t=text: e["body"]["text"] == t, text)

        # The link was for once.
        async with Agent(server) as late:
            again = await late.http.post(
                "/api/attach", json={"secret": secret, "client": DEBIAN_REPORT}
            )
        assert again.status_code == 410 and again.json()["error"]["code"] == "expired"
        await terminal.close()
    finally:
        await agent.close()
        await console.close()
        await window.close()


async def test_wrong_and_replaced_agent_links_are_refused_and_guessing_is_limited(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    rep, customer, stranger = browsers(), browsers(), browsers()
    await rep.login("bob")
    session_id = (await customer.ask_for_help())["session"]["id"]

    # Only a representative in the session may send the agent.
    refused = await rep.http.post(f"/api/sessions/{session_id}/agent-link")
    assert refused.status_code == 403
    assert (await customer.http.post(f"/api/sessions/{session_id}/agent-link")).status_code == 401
    await rep.http.post(f"/api/sessions/{session_id}/pick-up")

    first = (await rep.http.post(f"/api/sessions/{session_id}/agent-link")).json()
    second = (await rep.http.post(f"/api/sessions/{session_id}/agent-link")).json()
    replaced = await stranger.http.post(
        "/api/attach", json={"secret": first["secret_url"].split("#")[1]}
    )
    assert replaced.status_code == 404 and replaced.json()["error"]["code"] == "not_found"
    assert "replaced by a newer one" in replaced.json()["error"]["message"]

    # Nine more wrong secrets fill the address's count (ten per ten minutes)...
    for _ in range(9):
        wrong = await stranger.http.post("/api/attach", json={"secret": uuid.uuid4().hex})
        assert wrong.status_code == 404
    # ...after which even the right one waits.
    limited = await stranger.http.post(
        "/api/attach", json={"secret": second["secret_url"].split("#")[1]}
    )
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
