"""A reconnect storm is spread by the server: past --connecting-limit sockets being let
in, a new one is closed with 1013 and told how long to wait (docs/protocol.md)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from websockets.exceptions import InvalidStatus

from tests.support.clients import Browser
from tests.support.server import ServerProcess, running_across_tests


@pytest.fixture(scope="module")
def one_at_a_time(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server that lets one socket in at a time (each test closes its sockets)."""
    process = ServerProcess(
        tmp_path_factory.mktemp("one-at-a-time"), extra_env={"HELPLINE_CONNECTING_LIMIT": "1"}
    )
    with running_across_tests(process) as started:
        yield started


async def test_a_socket_turned_away_while_another_is_let_in_is_told_when_to_come_back(
    one_at_a_time: ServerProcess,
) -> None:
    first, second = Browser(one_at_a_time), Browser(one_at_a_time)
    try:
        first_session = (await first.ask_for_help())["session"]["id"]
        await second.ask_for_help()
        # Welcomed, not subscribed yet: still being let in.
        arriving = await first.socket("/ws/customer")
        await arriving.wait_type("welcome")

        turned_away = await second.socket("/ws/customer")
        assert await turned_away.wait_closed() == 1013
        reason = turned_away.connection.close_reason
        assert reason is not None and reason.isdigit() and int(reason) > 0
        assert turned_away.frames == []

        # Its first subscribe answered, the first socket is in: the next one comes in.
        await arriving.send({"type": "subscribe", "session": first_session, "after": 0})
        await arriving.wait_type("replayed")
        again = await second.socket("/ws/customer")
        await again.wait_type("welcome")
        await arriving.close()
        await again.close()
    finally:
        await first.close()
        await second.close()


async def test_a_socket_refused_for_its_credentials_leaves_room_for_the_next(
    one_at_a_time: ServerProcess,
) -> None:
    stranger, customer = Browser(one_at_a_time), Browser(one_at_a_time)
    try:
        await customer.ask_for_help()
        with pytest.raises(InvalidStatus) as refused:
            await stranger.socket("/ws/customer")
        assert refused.value.response.status_code == 403
        welcomed = await customer.socket("/ws/customer")
        await welcomed.wait_type("welcome")
        await welcomed.close()
    finally:
        await stranger.close()
        await customer.close()
