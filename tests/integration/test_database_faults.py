"""The database goes away and comes back: sends are told ``unavailable`` (with their
``client_id``, so the client keeps them and sends again), nothing acknowledged is lost
and the server recovers by itself.

PostgreSQL here is a cluster of this test's own (initdb in the test's folder, a free
port), crashed with ``pg_ctl -m immediate stop`` and started again: never the
machine's shared server.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import IN_CI
from tests.support.clients import Browser, Frame, Peer
from tests.support.server import ServerProcess
from tests.support.services import OwnPostgres, ServiceMissing, wait_until

UNAVAILABLE_SECONDS = 20.0
RECOVERY_SECONDS = 45.0


@pytest.fixture
async def own_postgres() -> AsyncIterator[OwnPostgres]:
    try:
        cluster = OwnPostgres()
    except ServiceMissing as missing:
        if IN_CI:
            pytest.fail(str(missing), pytrace=False)
        pytest.skip(str(missing))
    try:
        await asyncio.to_thread(cluster.init)
        await asyncio.to_thread(cluster.start)
        yield cluster
    finally:
        await asyncio.to_thread(cluster.stop)


async def _answer(peer: Peer, session: str, text: str, client_id: str) -> Frame:
    """Sends a line and waits for the answer to this very send (an earlier send of the
    same ``client_id`` may have been answered already)."""
    earlier = {id(frame) for frame in peer.frames}
    await peer.send({"type": "send", "session": session, "client_id": client_id, "text": text})
    return await peer.wait_for(
        lambda f: (
            id(f) not in earlier
            and f.get("client_id") == client_id
            and f.get("type") in ("ack", "error")
        ),
        f"an answer for {text!r}",
        UNAVAILABLE_SECONDS,
    )


async def test_a_database_restart_answers_unavailable_and_loses_nothing_acknowledged(
    tmp_path: Path, own_postgres: OwnPostgres
) -> None:
    server = ServerProcess(tmp_path / "data", database_url=own_postgres.url)
    await server.seed()
    await server.start()
    rep, customer = Browser(server), Browser(server)
    try:
        await rep.login("bob")
        session = (await customer.ask_for_help("acme", "Dana", "Database"))["session"]["id"]
        assert (await rep.http.post(f"/api/sessions/{session}/pick-up")).status_code == 200
        chat = await customer.socket("/ws/customer")
        await chat.follow(session)
        acked: dict[str, int] = {}
        first = await _answer(chat, session, "before", "c-before")
        assert first["type"] == "ack"
        acked["before"] = first["seq"]

        await asyncio.to_thread(own_postgres.crash)
        client_id = f"c-{uuid.uuid4().hex}"
        refused = await _answer(chat, session, "during", client_id)
        assert refused["type"] == "error", refused
        assert refused["code"] == "unavailable", refused
        assert refused["client_id"] == client_id
        assert "try again" in refused["message"].lower()

        async def health_says_database() -> bool:
            async with httpx.AsyncClient() as client:
                body = (await client.get(f"{server.base_url}/healthz", timeout=5)).json()
            return any("database" in problem.lower() for problem in body["problems"])

        await wait_until(health_says_database, "/healthz naming the database", 10.0)

        await asyncio.to_thread(own_postgres.start)

        # The client keeps the line in its outbox and sends it again, same client_id.
        async def resent() -> bool:
            answer = await _answer(chat, session, "during", client_id)
            if answer["type"] == "ack":
                acked["during"] = answer["seq"]
                return True
            assert answer["code"] == "unavailable", answer
            return False

        await wait_until(resent, "the resent line acknowledged", RECOVERY_SECONDS)
        after = await _answer(chat, session, "after", "c-after")
        assert after["type"] == "ack", after
        acked["after"] = after["seq"]

        events = (await rep.http.get(f"/api/sessions/{session}/events")).json()["events"]
        texts = [e["body"].get("text") for e in events if e["kind"] == "message"]
        assert texts == ["before", "during", "after"], texts
        assert acked["before"] < acked["during"] < acked["after"]
    finally:
        await rep.close()
        await customer.close()
        server.stop()
