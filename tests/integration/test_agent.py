"""The Helpline agent as the server serves it: a customer client with a bearer token
that reports the customer's computer, says whether a pushed URL opened and whether
there is a screen to share, and can be sent to a customer who is in the browser.

Each test talks to a real server process over real sockets, as the agent, the
customer's browser and the console do.
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from tests.support.clients import DEBIAN_REPORT, Agent, Browser, Frame, Peer, on_two_nodes
from tests.support.domain import DEBIAN_LINES
from tests.support.server import ServerProcess

NOT_OPENED = (
    "Could not open a browser on the customer's computer; the link is shown to them instead."
)


async def console_of(rep: Browser, session_id: str) -> Peer:
    console = await rep.socket("/ws/console")
    await console.follow(session_id)
    return console


async def agent_joins(server: ServerProcess, rep: Browser, client: Frame = DEBIAN_REPORT) -> Agent:
    """The customer runs ``helpline agent join CODE`` with the code ``rep`` read out."""
    made = await rep.http.post("/api/codes", json={})
    assert made.status_code == 201, made.text
    agent = Agent(server)
    await agent.join(made.json()["code"], "Dana", client)
    return agent


@asynccontextmanager
async def bob_and_the_agent(
    server: ServerProcess, browsers: Callable[[], Browser], client: Frame = DEBIAN_REPORT
) -> AsyncIterator[tuple[Browser, Agent, str]]:
    """Bob logs in and reads out a code, and the customer joins with the agent: Bob,
    the agent and their session's ID; the agent is closed after."""
    rep = browsers()
    await rep.login("bob")
    agent = await agent_joins(server, rep, client)
    try:
        session_id = (await rep.http.get("/api/console/sessions")).json()["sessions"][0]["id"]
        yield rep, agent, session_id
    finally:
        await agent.close()


async def following(peer: Peer, session_id: str) -> Peer:
    await peer.follow(session_id)
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
    async with bob_and_the_agent(server, browsers) as (rep, agent, _):
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


async def test_what_the_agent_reports_is_cleaned_like_a_name_and_cut_to_a_line(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    sneaky = {**DEBIAN_REPORT, "host": "db-01\u202e\nprod", "kernel": "6.1 " + "x" * 200}
    async with bob_and_the_agent(server, browsers, sneaky) as (rep, _, _):
        sessions = (await rep.http.get("/api/console/sessions")).json()["sessions"]
        customer = sessions[0]["customer"]
        assert customer["host"] == "db-01 prod"
        assert customer["kernel"] == ("6.1 " + "x" * 200)[:80]

    async with Agent(server) as robot:
        refused = await robot.http.post(
            "/api/join", json={"code": "123456789", "name": "Dana", "client": {"app": "robot"}}
        )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "invalid_input"


async def test_every_chat_log_header_names_the_customers_computer(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    async with bob_and_the_agent(server, browsers) as (rep, agent, session_id):
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
    nodes = on_two_nodes(tmp_path, postgres_url, redis_url, HELPLINE_HEARTBEAT_SECONDS="1")
    async with nodes as (_first, second, rep, customer):
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
