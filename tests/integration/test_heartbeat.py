"""Heartbeats: every socket hears from the server each interval, and a client that
says nothing for three intervals is disconnected so its resources come back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.clients import Browser, Peer
from tests.support.server import ServerProcess, running

HEARTBEAT_SECONDS = 1


@pytest.fixture
async def quick_server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    """A server whose heartbeat interval is one second, so silence shows quickly."""
    quick = ServerProcess(
        tmp_path / "data", extra_env={"HELPLINE_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS)}
    )
    async with running(quick) as process:
        yield process


async def _customer_socket(server: ServerProcess) -> tuple[Browser, Peer, str]:
    customer = Browser(server)
    session_id = (await customer.ask_for_help())["session"]["id"]
    chat = await customer.socket("/ws/customer")
    welcome = await chat.wait_type("welcome")
    assert welcome["heartbeat_seconds"] == HEARTBEAT_SECONDS
    await chat.follow(session_id)
    return customer, chat, session_id


def _heartbeats(peer: Peer) -> int:
    return sum(1 for frame in peer.frames if frame.get("type") == "heartbeat")


async def test_a_silent_client_hears_heartbeats_then_is_closed_with_4008(
    quick_server: ServerProcess,
) -> None:
    customer, chat, _ = await _customer_socket(quick_server)
    try:
        # The subscribe was the client's last word; three intervals later it is gone.
        assert await chat.wait_closed() == 4008
        assert _heartbeats(chat) >= 2
    finally:
        await customer.close()


async def test_a_client_that_answers_heartbeats_stays_connected(
    quick_server: ServerProcess,
) -> None:
    customer, chat, session_id = await _customer_socket(quick_server)
    other, silent, _ = await _customer_socket(quick_server)
    try:
        answered = 0
        # Five intervals: well past the three after which a silent socket is closed.
        while answered < 5:
            await chat.wait_for(
                lambda _frame, seen=answered: _heartbeats(chat) > seen, "the next heartbeat"
            )
            answered += 1
            await chat.send({"type": "ping"})
        assert await silent.wait_closed() == 4008
        assert not chat.closed.is_set()
        assert (await chat.say(session_id, "still here"))["type"] == "ack"
        await chat.close()
    finally:
        await customer.close()
        await other.close()
