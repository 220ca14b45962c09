"""The Helpline agent as the server serves it: a customer client with a bearer token
that reports the customer's computer, says whether a pushed URL opened and whether
there is a screen to share, and can be sent to a customer who is in the browser.

Each test talks to a real server process over real sockets, as the agent, the
customer's browser and the console do.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.clients import Agent, Browser, Frame, Peer
from tests.support.server import ServerProcess

DEBIAN: Frame = {
    "os": "Debian GNU/Linux 12 (bookworm)",
    "kernel": "6.1.0-18-amd64",
    "arch": "x86_64",
    "host": "db-01",
    "user": "dana",
    "app": "agent",
}
DEBIAN_LINES = [
    "Operating system: Debian GNU/Linux 12 (bookworm)",
    "Kernel: 6.1.0-18-amd64",
    "Architecture: x86_64",
    "Host name: db-01",
    "User: dana",
    "Connected with: Helpline agent",
]
NOT_OPENED = (
    "Could not open a browser on the customer's computer; the link is shown to them instead."
)


async def console_of(rep: Browser, session_id: str) -> Peer:
    console = await rep.socket("/ws/console")
    await console.send({"type": "subscribe", "session": session_id, "after": 0})
    await console.wait_type("subscribed")
    return console


async def agent_joins(server: ServerProcess, rep: Browser, client: Frame = DEBIAN) -> Agent:
    """The customer runs ``helpline agent join CODE`` with the code ``rep`` read out."""
    made = await rep.http.post("/api/codes", json={})
    assert made.status_code == 201, made.text
    agent = Agent(server)
    await agent.join(made.json()["code"], "Dana", client)
    return agent


async def following(peer: Peer, session_id: str) -> Peer:
    await peer.send({"type": "subscribe", "session": session_id, "after": 0})
    await peer.wait_type("subscribed")
    return peer


def customer_in(frame: Frame) -> Frame:
    customer: Frame = frame["session"]["customer"]
    return customer


def presence_frames(peer: Peer) -> list[bool]:
    return [customer_in(f)["online"] for f in peer.frames if f.get("type") == "session"]


# The customer's computer ---------------------------------------------------------------


async def test_the_representative_sees_the_computer_the_agent_reports(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    rep = browsers()
    await rep.login("bob")
    agent = await agent_joins(server, rep)
    try:
        sessions = (await rep.http.get("/api/console/sessions")).json()["sessions"]
        (session,) = [s for s in sessions if s["customer"]["name"] == "Dana"]
        session_id = session["id"]

        expected = {
            "name": "Dana",
            "os": "Debian GNU/Linux 12 (bookworm)",
            "browser": "",
            "kernel": "6.1.0-18-amd64",
            "arch": "x86_64",
            "host": "db-01",
            "user": "dana",
            "app": "agent",
            "online": False,
        }
        assert session["customer"] == expected
        # The customer's own copy says the same: it is their computer.
        own = (await agent.http.get(f"/api/sessions/{session_id}")).json()["session"]
        assert own["customer"] == expected
    finally:
        await agent.close()


async def test_what_the_agent_reports_is_cleaned_like_a_name_and_cut_to_a_line(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    rep = browsers()
    await rep.login("bob")
    sneaky = {**DEBIAN, "host": "db-01\u202e\nprod", "kernel": "6.1 " + "x" * 200}
    agent = await agent_joins(server, rep, sneaky)
    try:
        sessions = (await rep.http.get("/api/console/sessions")).json()["sessions"]
        customer = sessions[0]["customer"]
        assert customer["host"] == "db-01 prod"
        assert customer["kernel"] == ("6.1 " + "x" * 200)[:80]
    finally:
        await agent.close()

    async with Agent(server) as robot:
        refused = await robot.http.post(
            "/api/join", json={"code": "123456789", "name": "Dana", "client": {"app": "robot"}}
        )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "invalid_input"


async def test_every_chat_log_header_names_the_customers_computer(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    rep = browsers()
    await rep.login("bob")
    agent = await agent_joins(server, rep)
    try:
        session_id = (await rep.http.get("/api/console/sessions")).json()["sessions"][0]["id"]
        for reader in (rep.http, agent.http):
            base = f"/api/sessions/{session_id}/transcript"
            text = (await reader.get(f"{base}.txt")).text
            header = text.split("-" * 60)[0]
            for line in DEBIAN_LINES:
                assert f"{line}\n" in header
            assert "Browser:" not in header
            page = (await reader.get(f"{base}.html")).text
            for line in DEBIAN_LINES:
                assert f"<li>{html.escape(line)}</li>" in page
            lines = (await reader.get(f"{base}.json")).json()["header"]
            assert [line for line in lines if line in DEBIAN_LINES] == DEBIAN_LINES
    finally:
        await agent.close()


async def test_a_browsers_chat_log_names_its_browser_and_no_agent_details(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    customer = browsers()
    session_id = (await customer.ask_for_help())["session"]["id"]

    text = (await customer.http.get(f"/api/sessions/{session_id}/transcript.txt")).text

    header = text.split("-" * 60)[0]
    assert "Browser: " in header and "Connected with: Web browser\n" in header
    assert "Kernel:" not in header and "Host name:" not in header


# Online and offline ----------------------------------------------------------------------


async def test_the_console_sees_the_customer_come_online_and_go_offline(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    rep, customer = browsers(), browsers()
    await rep.login("bob")
    session_id = (await customer.ask_for_help())["session"]["id"]
    await rep.http.post(f"/api/sessions/{session_id}/pick-up")
    console = await console_of(rep, session_id)
    subscribed = await console.wait_type("subscribed")
    assert customer_in(subscribed)["online"] is False

    chat = await customer.socket("/ws/customer")
    online = await console.wait_for(
        lambda f: f.get("type") == "session" and customer_in(f)["online"], "the customer online"
    )
    assert customer_in(online)["app"] == "browser"

    # A second window of the same customer: closing one leaves them online.
    second = await following(await customer.socket("/ws/customer"), session_id)
    await chat.close()
    assert (await second.say(session_id, "still here"))["type"] == "ack"
    await console.wait_event(session_id, lambda e: e["body"]["text"] == "still here", "the line")
    found = (await rep.http.get(f"/api/sessions/{session_id}")).json()["session"]
    assert found["customer"]["online"] is True

    await second.close()
    await console.wait_for(
        lambda f: f.get("type") == "session" and not customer_in(f)["online"],
        "the customer offline",
    )
    assert presence_frames(console) == [True, False]
    found = (await rep.http.get(f"/api/sessions/{session_id}")).json()["session"]
    assert found["customer"]["online"] is False
    await console.close()


async def test_the_customer_goes_offline_when_the_server_holding_their_socket_is_killed(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    """Two processes behind one Redis: the console on one, the customer on the other."""
    env = {"HELPLINE_BUS_NAMESPACE": f"test-{uuid.uuid4().hex}:", "HELPLINE_HEARTBEAT_SECONDS": "1"}
    first = ServerProcess(tmp_path / "a", database_url=postgres_url, bus=redis_url, extra_env=env)
    second = ServerProcess(tmp_path / "b", database_url=postgres_url, bus=redis_url, extra_env=env)
    await first.seed()
    (tmp_path / "b").mkdir()
    await first.start()
    await second.start()
    rep, customer = Browser(first), Browser(second)
    try:
        await rep.login("bob")
        session_id = (await customer.ask_for_help())["session"]["id"]
        await rep.http.post(f"/api/sessions/{session_id}/pick-up")
        console = await console_of(rep, session_id)
        chat = await customer.socket("/ws/customer")
        await console.wait_for(
            lambda f: f.get("type") == "session" and customer_in(f)["online"],
            "the customer online, heard through Redis",
        )

        second.kill()
        await chat.wait_closed()

        # Within about four heartbeats, the first process sweeps the dead one's mark.
        await _answering_heartbeats_until(
            console,
            lambda f: f.get("type") == "session" and not customer_in(f)["online"],
        )
        found = (await rep.http.get(f"/api/sessions/{session_id}")).json()["session"]
        assert found["customer"]["online"] is False
        await console.close()
    finally:
        await rep.close()
        await customer.close()
        first.stop()
        second.stop()


async def _answering_heartbeats_until(peer: Peer, match: Callable[[Frame], bool]) -> Frame:
    """Wait for a frame while pinging after every heartbeat, as a client does to stay
    connected (a client silent for three heartbeats is closed)."""
    while True:
        found = next((f for f in peer.frames if match(f)), None)
        if found is not None:
            return found
        beats = heartbeats(peer)
        await peer.wait_for(
            lambda f, seen=beats: match(f) or heartbeats(peer) > seen,
            "the frame, or the next heartbeat",
        )
        await peer.send({"type": "ping"})


def heartbeats(peer: Peer) -> int:
    return sum(1 for frame in peer.frames if frame.get("type") == "heartbeat")


# Push URL: what became of it ------------------------------------------------------------------


async def test_a_url_the_agent_could_not_open_makes_one_note_for_representatives_only(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    rep = browsers()
    await rep.login("bob")
    agent = await agent_joins(server, rep)
    try:
        session_id = (await rep.http.get("/api/console/sessions")).json()["sessions"][0]["id"]
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
    finally:
        await agent.close()


async def test_a_url_the_agent_opened_and_a_report_of_no_pushed_url_write_nothing(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    rep = browsers()
    await rep.login("bob")
    agent = await agent_joins(server, rep)
    try:
        session_id = (await rep.http.get("/api/console/sessions")).json()["sessions"][0]["id"]
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
    finally:
        await agent.close()


# No display to share -----------------------------------------------------------------------


async def test_an_agent_without_a_display_declines_the_screen_and_everyone_reads_why(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    rep = browsers()
    await rep.login("bob")
    agent = await agent_joins(server, rep)
    try:
        session_id = (await rep.http.get("/api/console/sessions")).json()["sessions"][0]["id"]
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
    finally:
        await agent.close()


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
        attached = await agent.attach(secret, DEBIAN)
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
            again = await late.http.post("/api/attach", json={"secret": secret, "client": DEBIAN})
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
