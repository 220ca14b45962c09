"""Kill the server mid-conversation: nothing acknowledged is lost, nothing duplicated."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.clients import Browser, on_two_nodes
from tests.support.server import ServerProcess


@pytest.fixture(params=["sqlite", "postgresql"])
def restartable(request: pytest.FixtureRequest, tmp_path: Path) -> ServerProcess:
    database_url = None
    if request.param == "postgresql":
        database_url = request.getfixturevalue("postgres_url")
    return ServerProcess(tmp_path / "data", database_url=database_url)


async def test_acknowledged_messages_survive_sigkill_and_clients_resume_from_their_last_seq(
    restartable: ServerProcess,
) -> None:
    server = restartable
    await server.seed()
    await server.start()
    rep, customer = Browser(server), Browser(server)
    try:
        await rep.login("bob")
        joined = await customer.ask_for_help("acme", "Dana", "Crash test")
        session_id = joined["session"]["id"]
        await rep.http.post(f"/api/sessions/{session_id}/pick-up")
        console = await rep.socket("/ws/console")
        await console.send({"type": "subscribe", "session": session_id, "after": 0})
        chat = await customer.socket("/ws/customer")
        await chat.follow(session_id)

        acked: dict[str, int] = {}
        for n in range(20):
            peer = chat if n % 2 else console
            client_id = f"before-{n}"
            ack = await peer.say(session_id, f"line {n}", client_id=client_id)
            assert ack["type"] == "ack"
            acked[client_id] = ack["seq"]
        last_seen_by_customer = max(acked.values())
        await chat.wait_event(
            session_id, lambda e: e["seq"] == last_seen_by_customer, "the last line"
        )

        server.kill()
        await chat.wait_closed()
        await console.wait_closed()
        await server.start()

        # The rep writes three more lines while the customer is still away.
        console = await rep.socket("/ws/console")
        await console.follow(session_id)
        for n in range(3):
            ack = await console.say(session_id, f"after {n}", client_id=f"after-{n}")
            assert ack["type"] == "ack" and ack["duplicate"] is False

        # A resend of an acknowledged line returns its original seq and adds nothing.
        resent = await console.say(session_id, "line 0", client_id="before-0")
        assert resent == {**resent, "type": "ack", "seq": acked["before-0"], "duplicate": True}

        chat = await customer.socket("/ws/customer")
        await chat.send(
            {"type": "subscribe", "session": session_id, "after": last_seen_by_customer}
        )
        await chat.wait_event(
            session_id, lambda e: e["body"].get("text") == "after 2", "the last line"
        )
        missed = [e["body"]["text"] for e in chat.events(session_id)]
        assert missed == ["after 0", "after 1", "after 2"]

        history = (await customer.http.get(f"/api/sessions/{session_id}/events")).json()["events"]
        texts = [e["body"]["text"] for e in history if e["kind"] == "message"]
        assert texts == [f"line {n}" for n in range(20)] + [f"after {n}" for n in range(3)]
        seqs = [e["seq"] for e in history]
        assert seqs == sorted(set(seqs))
        by_client = {e.get("client_id"): e["seq"] for e in history if e.get("client_id")}
        assert {k: v for k, v in by_client.items() if k in acked} == {
            k: v for k, v in acked.items() if k.startswith("before-") and int(k.split("-")[1]) % 2
        }
        await chat.close()
        await console.close()
    finally:
        await rep.close()
        await customer.close()
        server.stop()


async def test_two_server_processes_share_sessions_through_redis(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    """At scale: a console on one node and a customer on another still talk live."""
    async with on_two_nodes(tmp_path, postgres_url, redis_url) as (_, _, rep, customer):
        await rep.login("bob")
        console = await rep.socket("/ws/console")
        await console.wait_type("welcome")
        session_id = (await customer.ask_for_help("acme", "Dana", "Two nodes"))["session"]["id"]
        await console.wait_type("queue", action="added")
        await rep.http.post(f"/api/sessions/{session_id}/pick-up")
        await console.send({"type": "subscribe", "session": session_id, "after": 0})
        chat = await customer.socket("/ws/customer")
        await chat.follow(session_id)
        await chat.say(session_id, "hello from node b")
        await console.wait_event(
            session_id, lambda e: e["body"].get("text") == "hello from node b", "line via redis"
        )
        await console.say(session_id, "hello from node a")
        await chat.wait_event(
            session_id, lambda e: e["body"].get("text") == "hello from node a", "line via redis"
        )
        await chat.close()
        await console.close()
