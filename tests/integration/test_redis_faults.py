"""Redis hung, killed, or absent at start: no silent gaps, no frozen chats.

Two real server processes share a PostgreSQL database and a Redis of this test's own
(never the machine's shared one), which the test hangs with SIGSTOP, kills, and
starts again on the same port. Deadlines, not sleeps: each step waits for what it
expects under a bound that fails the old behaviour (an ack that waited for Redis for
10-40 s; a line that never reached the other node until a later one showed the gap).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import IN_CI
from tests.support.clients import Browser, Peer, on_two_nodes
from tests.support.server import ServerProcess, two_nodes
from tests.support.services import OwnRedis, ServiceMissing, wait_until

# An ack is "at once": well below the 10 s a publish to a hung Redis used to hold it.
ACK_SECONDS = 4.0
# A node notices a hung Redis within ~3 s and reads the store every 5 s meanwhile.
NOTICED_SECONDS = 20.0


@pytest.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[OwnRedis]:
    try:
        redis = OwnRedis(tmp_path / "redis")
    except ServiceMissing as missing:
        if IN_CI:
            pytest.fail(str(missing), pytrace=False)
        pytest.skip(str(missing))
    await redis.start()
    try:
        yield redis
    finally:
        redis.stop()


@dataclass
class Chat:
    """A representative on one node and the customer on the other, in one session."""

    session: str
    console: Peer
    customer: Peer


async def _open_session(rep: Browser, customer: Browser) -> str:
    """Bob logs in and picks up Dana's new session (logins count in Redis: it must be up)."""
    await rep.login("bob")
    session: str = (await customer.ask_for_help("acme", "Dana", "Faults"))["session"]["id"]
    picked = await rep.http.post(f"/api/sessions/{session}/pick-up")
    assert picked.status_code == 200, picked.text
    return session


async def _sockets(rep: Browser, customer: Browser, session: str) -> Chat:
    console = await rep.socket("/ws/console")
    await console.wait_type("welcome")
    await console.follow(session)
    chat = await customer.socket("/ws/customer")
    await chat.follow(session)
    return Chat(session, console, chat)


async def _chat(rep: Browser, customer: Browser) -> Chat:
    return await _sockets(rep, customer, await _open_session(rep, customer))


async def _ready(node: ServerProcess) -> int:
    async with httpx.AsyncClient() as client:
        return (await client.get(f"{node.base_url}/readyz", timeout=5.0)).status_code


def _text(text: str) -> object:
    return lambda event: event["body"].get("text") == text


def _both_ready(node_a: ServerProcess, node_b: ServerProcess) -> Callable[[], Awaitable[bool]]:
    async def both_ready() -> bool:
        return await _ready(node_a) == 200 and await _ready(node_b) == 200

    return both_ready


@asynccontextmanager
async def _chat_across_nodes(
    tmp_path: Path, postgres_url: str, redis: OwnRedis
) -> AsyncIterator[tuple[ServerProcess, ServerProcess, Chat]]:
    """Both nodes up, Bob on node b and Dana on node a in one session; all stopped after."""
    async with on_two_nodes(tmp_path, postgres_url, redis.url) as (node_a, node_b, customer, rep):
        yield node_a, node_b, await _chat(rep, customer)


async def test_a_hung_redis_neither_freezes_acks_nor_leaves_silent_gaps(
    tmp_path: Path, postgres_url: str, own_redis: OwnRedis
) -> None:
    async with _chat_across_nodes(tmp_path, postgres_url, own_redis) as (node_a, node_b, chat):
        assert (await chat.customer.say(chat.session, "before"))["type"] == "ack"
        await chat.console.wait_event(chat.session, _text("before"), "the line before")

        own_redis.hang()
        try:
            ack = await chat.customer.say(chat.session, "during the hang", seconds=ACK_SECONDS)
            assert ack["type"] == "ack", ack
            # Node b hears nothing through Redis: it must notice, and read the store.
            await chat.console.wait_event(
                chat.session, _text("during the hang"), "the line sent during the hang",
                NOTICED_SECONDS,
            )  # fmt: skip
            # The other way too: node a notices, and reads the store as well.
            reply = await chat.console.say(chat.session, "reply", seconds=ACK_SECONDS)
            assert reply["type"] == "ack", reply
            await chat.customer.wait_event(chat.session, _text("reply"), "the reply", 20.0)

            async def b_not_ready() -> bool:
                return await _ready(node_b) == 503

            await wait_until(b_not_ready, "node b reporting itself not ready", NOTICED_SECONDS)
        finally:
            own_redis.resume()

        await wait_until(_both_ready(node_a, node_b), "both nodes ready again after Redis resumed")
        await chat.customer.say(chat.session, "after")
        await chat.console.wait_event(chat.session, _text("after"), "the line after")


async def test_a_node_starts_without_redis_and_joins_when_it_comes(
    tmp_path: Path, postgres_url: str, own_redis: OwnRedis
) -> None:
    node_a, node_b = await two_nodes(tmp_path, postgres_url, own_redis.url)
    await node_b.start()
    rep, customer = Browser(node_b), Browser(node_b)
    other = Browser(node_b)
    try:
        session = await _open_session(rep, customer)
        own_redis.kill()
        await node_a.start()
        async with httpx.AsyncClient() as client:
            health = (await client.get(f"{node_a.base_url}/healthz")).json()
        assert health["status"] == "degraded", health
        assert "Redis" in health["problems"][0]
        assert await _ready(node_a) == 503

        # Alone, it serves its own sockets: those of people already signed in.
        rep.server = customer.server = node_a
        chat = await _sockets(rep, customer, session)
        assert (await chat.customer.say(chat.session, "alone"))["type"] == "ack"
        await chat.console.wait_event(chat.session, _text("alone"), "the line on one node")

        await own_redis.start()

        async def a_ready() -> bool:
            return await _ready(node_a) == 200

        await wait_until(a_ready, "node a joining Redis once it answers")

        # The same representative on node b hears a line saved on node a through Redis.
        async def logged_in() -> bool:
            # The first request after Redis came back may still find a dead connection.
            response = await other.http.post(
                "/api/auth/login", json={"username": "bob", "password": "helpline-demo"}
            )
            return response.status_code == 200

        await wait_until(logged_in, "a login on node b once Redis is back", 15.0)
        console_b = await other.socket("/ws/console")
        await console_b.wait_type("welcome")
        await console_b.follow(chat.session)
        await chat.customer.say(chat.session, "together")
        await console_b.wait_event(chat.session, _text("together"), "the line via Redis")
    finally:
        await rep.close()
        await customer.close()
        await other.close()
        node_a.stop()
        node_b.stop()


async def test_a_killed_redis_is_survived_and_rejoined(
    tmp_path: Path, postgres_url: str, own_redis: OwnRedis
) -> None:
    async with _chat_across_nodes(tmp_path, postgres_url, own_redis) as (node_a, node_b, chat):
        own_redis.kill()
        ack = await chat.customer.say(chat.session, "while redis is dead", seconds=ACK_SECONDS)
        assert ack["type"] == "ack", ack
        await chat.console.wait_event(
            chat.session, _text("while redis is dead"), "the line sent while Redis was dead",
            NOTICED_SECONDS,
        )  # fmt: skip
        await own_redis.start()

        await wait_until(
            _both_ready(node_a, node_b), "both nodes ready again after Redis came back"
        )
        await chat.console.say(chat.session, "back")
        await chat.customer.wait_event(chat.session, _text("back"), "the line after Redis")
